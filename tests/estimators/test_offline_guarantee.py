"""The offline guarantee: with every socket refused, every operation of every estimator runs on
local checkpoints (tiny ones saved by the tests, and the two that install from the package
registry), and not one connection or name lookup is even attempted — also when offline mode is
not switched on, since nothing local needs the network."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from _helpers import fast, refuse_network
from sklearn.model_selection import GridSearchCV

from sklearn_zoo import (
    ImageEmbedder,
    PretrainedImageClassifier,
    PretrainedImageRegressor,
    PretrainedTextClassifier,
    PretrainedTextRegressor,
    TextEmbedder,
    rank_checkpoints,
)

FAST = fast(max_epochs=1, device="cpu")


@pytest.fixture(params=["offline", "online"])
def attempts(request, monkeypatch) -> list:
    """Every connection or lookup attempted, recorded before it is refused."""
    request.getfixturevalue(request.param)
    tried: list = []
    refuse_network(monkeypatch, record=lambda args, kwargs: tried.append(args[1:] or kwargs))
    return tried


def _every_operation(est, X, y, tmp_path, name):
    """fit, the prediction methods it has, score, transform, feature names, pickle, save / load."""
    est.fit(X, y) if y is not None else est.fit(X)
    outputs = {}
    for method in ("predict", "predict_proba", "transform"):
        if hasattr(est, method):
            outputs[method] = getattr(est, method)(X)
    if y is not None:
        assert np.isfinite(est.score(X, y))
    assert len(est.get_feature_names_out()) == outputs["transform"].shape[1]
    again = pickle.loads(pickle.dumps(est))
    loaded = type(est).load(est.save(tmp_path / name))
    for method, want in outputs.items():
        np.testing.assert_array_equal(getattr(again, method)(X), want)
        np.testing.assert_array_equal(getattr(loaded, method)(X), want)


def test_every_estimator_operation_without_network(
    attempts, tiny_image_checkpoint, tiny_text_checkpoint, image_data, text_data, tmp_path
):
    X, y = image_data
    T, ty = text_data
    T = list(T)
    cases = [
        (
            PretrainedImageClassifier(
                tiny_image_checkpoint, image_size=16, freeze_depth=-1, **FAST
            ),
            X,
            y,
        ),
        (
            PretrainedImageRegressor(tiny_image_checkpoint, image_size=16, **FAST),
            X,
            y.astype(float),
        ),
        (PretrainedTextClassifier(tiny_text_checkpoint, freeze_depth=0, **FAST), T, ty),
        (PretrainedTextRegressor(tiny_text_checkpoint, **FAST), T, np.arange(len(T), dtype=float)),
        (ImageEmbedder(tiny_image_checkpoint, image_size=16, device="cpu"), X, None),
        (TextEmbedder(tiny_text_checkpoint, device="cpu"), T, None),
    ]
    for i, (est, inputs, target) in enumerate(cases):
        _every_operation(est, inputs, target, tmp_path, f"est{i}")
    search = GridSearchCV(
        PretrainedImageClassifier(tiny_image_checkpoint, image_size=16, **FAST),
        {"freeze_depth": ["all", -1]},
        cv=2,
    ).fit(X, y)
    assert search.best_params_["freeze_depth"] in ("all", -1)
    table = rank_checkpoints(X, y, checkpoints=[tiny_image_checkpoint], cv=2, image_size=16)
    assert len(table) == 1
    assert attempts == []


def test_the_packaged_real_checkpoints_without_network(attempts, image_data, tmp_path):
    X, y = image_data
    texts = ["a good film", "a bad film", "great acting", "awful plot"]
    _every_operation(
        ImageEmbedder("efficientnet_lite0", image_size=32, device="cpu"),
        X[:8],
        None,
        tmp_path,
        "img",
    )
    _every_operation(TextEmbedder("all-MiniLM-L6-v2", device="cpu"), texts, None, tmp_path, "txt")
    clf = PretrainedTextClassifier("all-MiniLM-L6-v2", **FAST).fit(texts, [1, 0, 1, 0])
    assert clf.predict_proba(texts).shape == (4, 2)
    assert attempts == []
