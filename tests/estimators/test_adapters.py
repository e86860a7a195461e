"""``adapter="lora"``: low-rank adapters in the blocks ``freeze_depth`` leaves trainable, with every
strategy, the feature cache, grid search, pickling, and compact saves bound to their base weights."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from _helpers import FAST, NO_NETWORK_PRELUDE

pytest.importorskip("peft")

from peft.tuners.lora import LoraLayer  # noqa: E402
from safetensors import safe_open  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from sklearn_zoo import (  # noqa: E402
    PretrainedImageClassifier,
    PretrainedImageRegressor,
    PretrainedTextClassifier,
    PretrainedTextRegressor,
)
from sklearn_zoo.cache import default_store  # noqa: E402
from sklearn_zoo.loading import load_backbone  # noqa: E402

TEXT_LAYER_1 = [
    f"model.encoder.layer.1.{name}"
    for name in (
        "attention.self.query",
        "attention.self.key",
        "attention.self.value",
        "attention.output.dense",
        "intermediate.dense",
        "output.dense",
    )
]


def _lora_layers(est) -> dict[str, LoraLayer]:
    backbone = est.net_.module_.backbone
    return {n: m for n, m in backbone.named_modules() if isinstance(m, LoraLayer)}


def _text(ckpt, **params):
    params = {"adapter": "lora", "freeze_depth": -1, **FAST, **params}
    return PretrainedTextClassifier(ckpt, **params)


def _copy(folder: str, tmp_path: Path) -> str:
    target = tmp_path / "ckpt"
    shutil.copytree(folder, target)
    return str(target)


# -- the parameters ---------------------------------------------------------------------------
def test_lora_adapts_only_the_trainable_blocks_and_counts_its_parameters(
    tiny_text_checkpoint, text_data
):
    X, y = text_data
    clf = _text(tiny_text_checkpoint, strategy="finetune").fit(X, y)
    assert clf.adapter_modules_ == TEXT_LAYER_1  # "auto": attention and MLP projections
    assert sorted(_lora_layers(clf)) == sorted(TEXT_LAYER_1)
    # rank 8 on 32-wide projections (and 64 for the MLP's): A is 8 x in, B is out x 8
    adapters = 4 * (8 * 32 + 32 * 8) + (8 * 32 + 64 * 8) + (8 * 64 + 32 * 8)
    head = 32 * 2 + 2
    assert clf.n_trainable_params_ == adapters + head
    # only the adapters trained: every other tensor of the backbone is the checkpoint's
    base = load_backbone(tiny_text_checkpoint).state_dict()
    tuned = clf.net_.module_.backbone.state_dict()
    for name, tensor in tuned.items():
        original = base.get(name.replace(".base_layer.", "."))
        if "lora_" in name or original is None:
            continue
        adapted = ".base_layer.weight" in name  # merged: the checkpoint's weight plus B @ A
        assert torch.equal(tensor, original) != adapted, name


def test_rank_alpha_dropout_and_targets(tiny_text_checkpoint, text_data):
    X, y = text_data
    clf = _text(
        tiny_text_checkpoint,
        strategy="finetune",
        adapter_rank=2,
        adapter_alpha=6,
        adapter_dropout=0.25,
        adapter_targets=["query", "value"],
    ).fit(X, y)
    layers = _lora_layers(clf)
    assert sorted(layers) == [TEXT_LAYER_1[0], TEXT_LAYER_1[2]]
    layer = layers[TEXT_LAYER_1[0]]
    assert layer.r["default"] == 2 and layer.scaling["default"] == 3.0
    assert layer.lora_dropout["default"].p == 0.25
    assert clf.n_trainable_params_ == 2 * (2 * 32 + 32 * 2) + 32 * 2 + 2
    default = _text(tiny_text_checkpoint, strategy="finetune").fit(X, y)
    assert _lora_layers(default)[TEXT_LAYER_1[0]].scaling["default"] == 2.0  # alpha = 2 x rank


def test_dora_adds_magnitudes(tiny_text_checkpoint, text_data):
    X, y = text_data
    clf = _text(tiny_text_checkpoint, adapter="dora", strategy="finetune").fit(X, y)
    names = [n for n, _ in clf.net_.module_.backbone.named_parameters()]
    assert any("lora_magnitude_vector" in n for n in names)
    assert clf.predict(X).shape == (len(X),)


def test_cnn_targets_are_pointwise_convolutions(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, adapter="lora", freeze_depth=-2, **FAST
    ).fit(X, y)
    layers = _lora_layers(clf)
    assert layers and set(layers) == set(clf.adapter_modules_)
    for layer in layers.values():
        conv = layer.base_layer
        assert isinstance(conv, torch.nn.Conv2d)
        assert conv.kernel_size == (1, 1) and conv.groups == 1
    groups = load_backbone(tiny_image_checkpoint).block_param_names()
    block = {n[: -len(".weight")]: i for i, g in enumerate(groups) for n in g}
    assert {block[name] for name in layers} == {clf.n_blocks_ - 2, clf.n_blocks_ - 1}


def test_regressors_take_adapters(
    tiny_image_checkpoint, tiny_text_checkpoint, image_data, text_data
):
    X, _ = image_data
    target = np.linspace(0, 1, len(X))
    reg = PretrainedImageRegressor(
        tiny_image_checkpoint, image_size=32, adapter="lora", freeze_depth=-1, **FAST
    ).fit(X, target)
    assert reg.adapter_modules_ and reg.predict(X).shape == (len(X),)
    T, _ = text_data
    treg = PretrainedTextRegressor(
        tiny_text_checkpoint, adapter="lora", freeze_depth=-1, **FAST
    ).fit(T, np.linspace(0, 1, len(T)))
    assert treg.adapter_modules_ == TEXT_LAYER_1


# -- compositions -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("strategy", "stages"),
    [("lp-ft", ["probe"] * 2 + ["finetune"] * 2), ("contrastive", ["contrastive"] + ["probe"] * 2)],
)
def test_every_strategy_trains_the_adapters(tiny_text_checkpoint, text_data, strategy, stages):
    X, y = text_data
    # no guard: the stages are under test, not the guard's choice (which may give the probe back)
    clf = _text(tiny_text_checkpoint, strategy=strategy, validation_fraction=0.0).fit(X, y)
    assert [r["stage"] for r in clf.history_] == stages
    assert all(np.isfinite(r["train_loss"]) for r in clf.history_)
    moved = [
        layer.lora_B["default"].weight.abs().sum().item() for layer in _lora_layers(clf).values()
    ]
    assert all(m > 0 for m in moved)  # B starts at zero: the adapters learned in the stage


def test_probe_and_freeze_all_attach_nothing(tiny_text_checkpoint, text_data):
    X, y = text_data
    for params in ({"strategy": "probe"}, {"freeze_depth": "all"}):
        clf = _text(tiny_text_checkpoint, **params).fit(X, y)
        assert clf.adapter_modules_ is None and not _lora_layers(clf)


def test_prediction_runs_merged_adapters(tiny_text_checkpoint, text_data):
    X, y = text_data
    clf = _text(tiny_text_checkpoint, strategy="finetune").fit(X, y)
    layers = _lora_layers(clf).values()
    assert all(layer.merged for layer in layers)
    merged = clf.predict_proba(X)
    for layer in layers:
        layer.unmerge()
    np.testing.assert_allclose(clf.predict_proba(X), merged, atol=1e-5)


def test_grid_search_over_rank_and_depth_shares_the_cache(
    tiny_image_checkpoint, image_data, tmp_path, monkeypatch
):
    monkeypatch.setenv("SKLEARN_ZOO_CACHE", str(tmp_path / "cache"))
    store = default_store()
    store.clear()
    X, y = image_data
    est = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, adapter="lora", strategy="finetune", **FAST
    )
    grid = {"adapter_rank": [2, 4], "freeze_depth": [-1, -2]}
    search = GridSearchCV(est, grid, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.adapter_modules_
    # the frozen prefix of each depth through the backbone once, whatever the rank or fold
    assert store.stats["computed"] == 2 * len(X)
    assert store.stats["hits"] > store.stats["computed"]
    plain = clone(est).set_params(adapter=None, freeze_depth=-1).fit(X, y)
    same_depth = clone(est).set_params(freeze_depth=-1).fit(X, y)
    assert same_depth.prefix_key_ == plain.prefix_key_


# -- pickle, save and load --------------------------------------------------------------------
def test_pickle_round_trip(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, adapter="lora", freeze_depth=-1, **FAST
    ).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


CHILD = (
    NO_NETWORK_PRELUDE
    + r"""
import json, sys

import numpy as np
from sklearn_zoo import PretrainedTextClassifier

job = json.loads(open(sys.argv[1]).read())
est = PretrainedTextClassifier.load(job["path"])
np.save(job["out"], est.predict_proba(job["X"]), allow_pickle=False)
"""
)


def test_save_holds_adapters_and_head_and_loads_offline(tiny_text_checkpoint, text_data, tmp_path):
    X, y = text_data
    ckpt = _copy(tiny_text_checkpoint, tmp_path)
    clf = _text(ckpt, strategy="lp-ft").fit(X, y)
    folder = clf.save(tmp_path / "adapted")
    full = clone(clf).set_params(adapter=None).fit(X, y).save(tmp_path / "full")
    with safe_open(str(folder / "weights.safetensors"), framework="pt") as f:
        names = list(f.keys())
    assert names and all("lora_" in n or n.startswith("head.") for n in names)
    size = (folder / "weights.safetensors").stat().st_size
    assert size < 0.2 * (full / "weights.safetensors").stat().st_size
    job = {"path": str(folder), "X": [str(t) for t in X], "out": str(tmp_path / "p.npy")}
    (tmp_path / "job.json").write_text(json.dumps(job))
    (tmp_path / "child.py").write_text(CHILD)
    env = {"PYTHONPATH": str(Path(__file__).parents[2]), "SKLEARN_ZOO_OFFLINE": "1"}
    run = subprocess.run(
        [sys.executable, str(tmp_path / "child.py"), str(tmp_path / "job.json")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, **env},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    np.testing.assert_allclose(np.load(tmp_path / "p.npy"), clf.predict_proba(X), atol=1e-5)


def test_load_refuses_another_base(tiny_text_checkpoint, text_data, tmp_path):
    from transformers import BertModel

    X, y = text_data
    ckpt = _copy(tiny_text_checkpoint, tmp_path)
    folder = _text(ckpt, strategy="finetune").fit(X, y).save(tmp_path / "adapted")
    model = BertModel.from_pretrained(ckpt)
    with torch.no_grad():
        model.encoder.layer[0].output.dense.weight.add_(0.01)
    model.save_pretrained(ckpt)
    with pytest.raises(ValueError, match="not the base these adapters were fitted on"):
        PretrainedTextClassifier.load(folder)


def test_random_base_saves_in_full(tiny_text_checkpoint, text_data, tmp_path):
    X, y = text_data
    clf = _text(tiny_text_checkpoint, pretrained=False, strategy="finetune").fit(X, y)
    assert clf.adapter_base_sha256_ is None
    loaded = PretrainedTextClassifier.load(clf.save(tmp_path / "random"))
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=1e-5)


def test_tampered_adapter_modules_are_refused(tiny_text_checkpoint, text_data, tmp_path):
    X, y = text_data
    folder = _text(tiny_text_checkpoint, strategy="finetune").fit(X, y).save(tmp_path / "a")
    fitted = json.loads((folder / "fitted.json").read_text())
    fitted["adapter_modules_"] = ["model.encoder.layer.1.attention.output.LayerNorm"]
    (folder / "fitted.json").write_text(json.dumps(fitted))
    with pytest.raises(ValueError, match="adapter_modules_"):
        PretrainedTextClassifier.load(folder)


# -- parameter checks -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"adapter": "prefix"}, "'adapter' parameter"),
        ({"adapter_rank": 0}, "'adapter_rank' parameter"),
        ({"adapter_alpha": 0}, "'adapter_alpha' parameter"),
        ({"adapter_dropout": 1.0}, "'adapter_dropout' parameter"),
        ({"adapter_targets": []}, "'adapter_targets' parameter .* non-empty list"),
        ({"adapter_targets": ["nowhere"]}, "no module named \\['nowhere'\\] to adapt"),
        ({"adapter_targets": ["LayerNorm"]}, "adapters go into Linear and Conv2d layers"),
    ],
)
def test_bad_parameters_say_what_to_do(tiny_text_checkpoint, text_data, params, match):
    X, y = text_data
    with pytest.raises(ValueError, match=match):
        _text(tiny_text_checkpoint, **params).fit(X, y)


def test_a_backbone_without_target_layers_is_refused():
    from types import SimpleNamespace

    from torch import nn

    from sklearn_zoo.backbones.base import GlobalAvgPool, SequentialBackbone
    from sklearn_zoo.estimators._adapter import plan_adapter
    from sklearn_zoo.zoo import get_checkpoint

    backbone = SequentialBackbone(
        [nn.Conv2d(3, 8, 3), nn.Sequential(nn.Conv2d(8, 8, 3), nn.ReLU())], GlobalAvgPool(), 8
    )
    params = {"adapter_rank": 8, "adapter_alpha": None, "adapter_dropout": 0.0}
    est = SimpleNamespace(adapter="lora", adapter_targets="auto", pretrained=True, **params)
    spec = get_checkpoint("efficientnet_lite0")
    with pytest.raises(ValueError, match="no Linear or 1x1 Conv2d layer to adapt"):
        plan_adapter(est, backbone, 0, spec)
    est.adapter_targets = ["1.0"]  # a 3x3 convolution named: adapted
    assert plan_adapter(est, backbone, 1, spec).modules == ("blocks.1.0",)


def test_missing_peft_names_the_extra(tiny_text_checkpoint, text_data, monkeypatch):
    X, y = text_data
    monkeypatch.setitem(sys.modules, "peft", None)  # import peft raises ImportError
    needs = r"adapter='lora' in PretrainedTextClassifier needs the peft package: pip install "
    with pytest.raises(ImportError, match=needs + r"'sklearn-zoo\[peft\]'"):
        _text(tiny_text_checkpoint).fit(X, y)


def test_history_and_learning_curves_are_unchanged(tiny_text_checkpoint, text_data):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sklearn_zoo.plotting import TrainingCurvesDisplay

    X, y = text_data
    clf = _text(tiny_text_checkpoint, strategy="lp-ft", early_stopping=True).fit(X, y)
    scored = [row for row in clf.history_ if "valid_loss" in row]  # a probe given back: refit rows
    assert scored and {"train_loss", "valid_loss", "stage", "dur"} <= set(scored[-1])
    display = TrainingCurvesDisplay.from_estimator(clf)
    assert {"train_loss", "valid_loss"} <= set(display.lines_)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_fitted_on_gpu_loads_on_cpu_and_pickles(tiny_image_checkpoint, image_data, tmp_path):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, adapter="lora", freeze_depth=-2, device="cuda", **FAST
    ).fit(X, y)
    expected = clf.predict_proba(X)
    on_cpu = PretrainedImageClassifier.load(clf.save(tmp_path / "gpu"), device="cpu")
    assert on_cpu.device_ == "cpu"
    np.testing.assert_allclose(on_cpu.predict_proba(X), expected, atol=2e-2, rtol=1e-2)
    np.testing.assert_allclose(
        pickle.loads(pickle.dumps(clf)).predict_proba(X), expected, atol=2e-2, rtol=1e-2
    )


def test_batchnorm_statistics_stay_pretrained(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, adapter="lora", strategy="finetune", **FAST
    ).fit(X, y)
    base = load_backbone(tiny_image_checkpoint).state_dict()
    tuned = clf.net_.module_.backbone.state_dict()
    stats = [n for n in base if n.endswith(("running_mean", "running_var"))]
    assert stats and all(torch.equal(tuned[n], base[n]) for n in stats)


def test_image_adapter_fit_saves_compactly_and_loads(tiny_image_checkpoint, image_data, tmp_path):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, adapter="dora", freeze_depth=-2, **FAST
    ).fit(X, y)
    folder = clf.save(tmp_path / "image")
    with safe_open(str(folder / "weights.safetensors"), framework="pt") as f:
        assert all("lora_" in n or n.startswith("head.") for n in f.keys())  # noqa: SIM118
    loaded = PretrainedImageClassifier.load(folder)
    assert loaded.adapter_modules_ == clf.adapter_modules_
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=1e-5)


def test_warm_start_of_merged_adapters_is_refused_and_new_ones_save_in_full(
    tiny_text_checkpoint, text_data, tmp_path
):
    X, y = text_data
    adapted = _text(tiny_text_checkpoint, strategy="finetune", warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="continuing their training .* is not supported"):
        adapted.fit(X, y)
    tuned = _text(tiny_text_checkpoint, adapter=None, strategy="finetune", warm_start=True)
    tuned.fit(X, y).set_params(adapter="lora").fit(X, y)  # adapters on the fine-tuned network
    assert tuned.adapter_modules_ and tuned.adapter_base_sha256_ is None
    loaded = PretrainedTextClassifier.load(tuned.save(tmp_path / "continued"))
    np.testing.assert_allclose(loaded.predict_proba(X), tuned.predict_proba(X), atol=1e-5)
