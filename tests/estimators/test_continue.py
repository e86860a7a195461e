"""Training that continues: ``warm_start=True`` fits start from the fitted weights, ``partial_fit``
trains one pass per call with scikit-learn's ``classes=`` rules, and the frozen-feature cache
serves a continued network its own rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import log_loss

from sklearn_zoo import PretrainedImageClassifier, PretrainedImageRegressor

FAST = {"batch_size": 16, "random_state": 0, "image_size": 32}


@pytest.fixture
def clf(tiny_image_checkpoint):
    return PretrainedImageClassifier(
        tiny_image_checkpoint, strategy="finetune", freeze_depth=-2, lr=3e-3, max_epochs=3, **FAST
    )


def _first_loss(estimator) -> float:
    return estimator.history_[0]["train_loss"]


def test_warm_start_continues_where_a_fit_starts_over(clf, image_data):
    X, y = image_data
    fresh = _first_loss(clf.fit(X, y))
    assert _first_loss(clf.fit(X, y)) == pytest.approx(fresh)  # warm_start=False: from scratch
    last = clf.history_[-1]["train_loss"]
    warm = _first_loss(clf.set_params(warm_start=True).fit(X, y))
    assert warm < fresh
    assert warm - last < fresh - warm  # nearer where the previous fit ended than a fresh start


def test_warm_start_refuses_another_network_and_leaves_the_fit(clf, image_data):
    X, y = image_data
    clf.set_params(warm_start=True).fit(X, y)
    net, proba = clf.net_, clf.predict_proba(X)
    clf.set_params(head_size=(8,))
    with pytest.raises(ValueError, match=r"'head_size' \(\(8,\)\) and 'head_norm'"):
        clf.fit(X, y)
    clf.set_params(head_size=(), checkpoint="timm:test_resnet")
    with pytest.raises(ValueError, match="'checkpoint' parameter is now 'timm:test_resnet'"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes_"):
        clf.set_params(checkpoint=clf.spec_.name).fit(X, np.where(y == 2, 7, y))
    assert clf.net_ is net
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


def test_partial_fit_on_two_halves_approaches_a_fit_on_the_whole(tiny_image_checkpoint, image_data):
    X, y = image_data
    common = dict(strategy="finetune", freeze_depth=-2, lr=3e-3, schedule="constant", **FAST)
    common["warmup_fraction"] = 0.0
    whole = PretrainedImageClassifier(tiny_image_checkpoint, max_epochs=8, **common).fit(X, y)
    halves = PretrainedImageClassifier(tiny_image_checkpoint, **common)
    halves.partial_fit(X[:30], y[:30], classes=[0, 1, 2])
    after_one = log_loss(y, halves.predict_proba(X))
    for _ in range(7):
        halves.partial_fit(X[30:], y[30:]).partial_fit(X[:30], y[:30])
    assert len(halves.history_) == 1 and halves.strategy_ == "finetune"
    losses = log_loss(y, halves.predict_proba(X)), log_loss(y, whole.predict_proba(X))
    assert losses[0] < after_one
    assert losses[0] == pytest.approx(losses[1], abs=0.15), losses


def test_partial_fit_classes_as_scikit_learn_checks_them(clf, image_data):
    X, y = image_data
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    assert not hasattr(clf, "net_")
    first = y < 2  # the first batch need not show every class
    clf.partial_fit(X[first], y[first], classes=[2, 0, 1])
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.predict_proba(X).shape == (len(X), 3)
    with pytest.raises(ValueError, match=r"`classes=\[0, 1\]` is not the same as on the first"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X, y + 1)
    clf.partial_fit(X, y, classes=[0, 1, 2]).partial_fit(X, y)


def test_partial_fit_of_a_regressor_keeps_the_first_scaling(tiny_image_checkpoint, image_data):
    X, y = image_data
    reg = PretrainedImageRegressor(tiny_image_checkpoint, freeze_depth="all", **FAST)
    reg.partial_fit(X[:30], y[:30].astype(float))
    mean, scale = reg.y_mean_.copy(), reg.y_scale_.copy()
    reg.partial_fit(X[30:], 10 * y[30:].astype(float))
    np.testing.assert_array_equal((reg.y_mean_, reg.y_scale_), (mean, scale))
    assert reg.strategy_ == "probe"
    with pytest.raises(ValueError, match="y has 2 outputs"):
        reg.partial_fit(X, np.c_[y, y].astype(float))


def test_the_cache_serves_a_continued_network_its_own_features(tiny_image_checkpoint, image_data):
    X, y = image_data

    def run(cache: bool):
        # the checkpoint's own features of X go into the cache first
        PretrainedImageClassifier(tiny_image_checkpoint, strategy="probe", **FAST).fit(X, y)
        est = PretrainedImageClassifier(
            tiny_image_checkpoint, strategy="finetune", freeze_depth=0, max_epochs=2, cache=cache
        )
        est.set_params(lr=1e-2, **FAST).fit(X, y)  # every block moved
        est.set_params(strategy="probe", warm_start=True).fit(X, y)  # frozen: the tuned blocks
        return est

    cached, uncached = run(True), run(False)
    assert cached.prefix_key_ is not None and uncached.prefix_key_ is None
    np.testing.assert_allclose(
        cached.predict_proba(X), uncached.predict_proba(X), rtol=1e-4, atol=1e-5
    )
    probe = PretrainedImageClassifier(tiny_image_checkpoint, strategy="probe", **FAST)
    key = probe.partial_fit(X, y, classes=[0, 1, 2]).partial_fit(X, y).prefix_key_
    assert key is not None and probe.partial_fit(X, y).prefix_key_ == key  # frozen: rows reused


def test_text_classifier_partial_fit_with_string_labels(tiny_text_checkpoint, text_data):
    from sklearn_zoo import PretrainedTextClassifier

    X, y = text_data
    clf = PretrainedTextClassifier(tiny_text_checkpoint, lr=5e-3, batch_size=16, random_state=0)
    for _ in range(3):
        clf.partial_fit(X[:20], y[:20], classes=["neg", "pos"]).partial_fit(X[20:], y[20:])
    np.testing.assert_array_equal(clf.classes_, ["neg", "pos"])
    assert clf.strategy_ == "finetune" and clf.predict(X).shape == (len(X),)
