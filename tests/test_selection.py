"""Choosing a checkpoint: rank_checkpoints and GridSearchCV over the checkpoint parameter."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sklearn_zoo import PretrainedImageClassifier, rank_checkpoints
from sklearn_zoo.cache import default_store


@pytest.fixture
def second_image_checkpoint(tmp_path):
    import timm
    import torch
    from safetensors.torch import save_file

    torch.manual_seed(1)
    model = timm.create_model("test_resnet", pretrained=False)
    path = tmp_path / "test_resnet.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return f"timm:test_resnet@{path}"


def test_rank_checkpoints_sorted_table_and_cache_reuse(
    tiny_image_checkpoint, second_image_checkpoint, image_data
):
    X, y = image_data
    names = [tiny_image_checkpoint, second_image_checkpoint]
    table = rank_checkpoints(X, y, names, cv=3, image_size=32)
    assert list(table["checkpoint"]) and set(table["checkpoint"]) == set(names)
    assert table["mean_score"].is_monotonic_decreasing
    assert ((table["mean_score"] >= 0) & (table["mean_score"] <= 1)).all()
    computed = default_store().stats["computed"]
    again = rank_checkpoints(X, y, names, cv=3, image_size=32)
    assert default_store().stats["computed"] == computed  # the second ranking embeds nothing
    np.testing.assert_allclose(again["mean_score"], table["mean_score"])


def test_rank_checkpoints_regression_and_text(tiny_text_checkpoint, text_data):
    texts, labels = text_data
    table = rank_checkpoints(
        texts,
        (labels == "pos").astype(float) + np.arange(len(labels)) * 0.01,
        [tiny_text_checkpoint],
        cv=2,
    )
    assert table.loc[0, "feature_dim"] == 32 and np.isfinite(table.loc[0, "mean_score"])


def test_grid_search_over_the_checkpoint_itself(
    tiny_image_checkpoint, second_image_checkpoint, image_data
):
    X, y = image_data
    est = PretrainedImageClassifier(image_size=32, max_epochs=2, random_state=0)
    search = GridSearchCV(
        est, {"checkpoint": [tiny_image_checkpoint, second_image_checkpoint]}, cv=2
    ).fit(X, y)
    assert search.best_params_["checkpoint"] in (tiny_image_checkpoint, second_image_checkpoint)
    assert len(search.cv_results_["mean_test_score"]) == 2


def test_rank_checkpoints_as_frame(tiny_text_checkpoint, text_data):
    pd = pytest.importorskip("pandas")
    texts, labels = text_data
    frame = rank_checkpoints(texts, labels, [tiny_text_checkpoint], cv=2)
    assert isinstance(frame, pd.DataFrame)
    plain = rank_checkpoints(texts, labels, [tiny_text_checkpoint], cv=2, as_frame=False)
    assert isinstance(plain, dict) and list(plain) == list(frame.columns)
    assert all(isinstance(column, np.ndarray) and len(column) == 1 for column in plain.values())
    timings = ["embed_seconds", "probe_seconds"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(plain).drop(columns=timings), frame.drop(columns=timings)
    )
    with pytest.raises(ValueError, match="'as_frame' parameter of rank_checkpoints"):
        rank_checkpoints(texts, labels, [tiny_text_checkpoint], as_frame="yes")


WITHOUT_PANDAS = """
import sys
from sklearn_zoo import rank_checkpoints

texts = ["good film", "great movie", "bad film", "awful movie"] * 3
labels = [1, 1, 0, 0] * 3
table = rank_checkpoints(texts, labels, [sys.argv[1]], cv=2)
print(type(table).__name__, sorted(type(c).__name__ for c in table.values())[0])
print(table["checkpoint"].tolist() == [sys.argv[1]], table["num_params"].tolist())
try:
    rank_checkpoints(texts, labels, [sys.argv[1]], cv=2, as_frame=True)
except ImportError as exc:
    print(exc)
"""


def test_rank_checkpoints_without_pandas_is_a_dict_of_arrays(tiny_text_checkpoint, tmp_path):
    """pandas is optional: without it the table is laid out like ``cv_results_``."""
    import os
    import subprocess
    import sys

    script = tmp_path / "no_pandas.py"
    script.write_text(WITHOUT_PANDAS, encoding="utf-8")
    hidden = tmp_path / "hidden" / "pandas"  # first on the path: `import pandas` fails
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError(\"No module named 'pandas'\")\n")
    path = os.pathsep.join([str(hidden.parent), *sys.path])
    proc = subprocess.run(
        [sys.executable, str(script), tiny_text_checkpoint],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert proc.returncode == 0, proc.stderr
    kind, checked, error = proc.stdout.strip().splitlines()
    assert kind == "dict ndarray"
    assert checked == "True [None]"
    assert "needs pandas: pip install 'sklearn-zoo[pandas]'" in error


def test_rank_checkpoints_dict_rows_are_best_first(
    tiny_image_checkpoint, second_image_checkpoint, image_data
):
    X, y = image_data
    names = [tiny_image_checkpoint, second_image_checkpoint]
    table = rank_checkpoints(X, y, names, cv=3, image_size=32, as_frame=False)
    assert sorted(table["checkpoint"]) == sorted(names)
    assert (np.diff(table["mean_score"]) <= 0).all()
    assert table["mean_score"].dtype == np.float64 and table["feature_dim"].dtype.kind == "i"


def test_rank_checkpoints_prints_one_line_per_checkpoint_at_verbose_1(
    tiny_image_checkpoint, second_image_checkpoint, image_data, capsys
):
    X, y = image_data
    names = [tiny_image_checkpoint, second_image_checkpoint]
    rank_checkpoints(X, y, names, cv=2, image_size=32, as_frame=False)
    assert capsys.readouterr() == ("", "")  # verbose=0: silent
    rank_checkpoints(X, y, names, cv=2, image_size=32, as_frame=False, verbose=1)
    out, err = capsys.readouterr()
    lines = [line for line in (out + err).splitlines() if "embedded in" in line]
    assert len(lines) == 2 and {line.split(":")[0] for line in lines} <= {*names, "timm"}
    assert "rank_checkpoints" in err and "2/2" in err  # the bar over the checkpoints
    assert "transform" not in err  # the embedders' bars only at verbose=2
    with pytest.raises(ValueError, match="'verbose' parameter of rank_checkpoints"):
        rank_checkpoints(X, y, names, verbose=-1)
