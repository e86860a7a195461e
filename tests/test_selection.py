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
