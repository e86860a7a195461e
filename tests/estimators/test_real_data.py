"""Transfer is real: the offline checkpoints on real data (digits, review sentences), fixed seeds.

Margins are set from measured runs (see the issue notes) with room for CPU/BLAS variation.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV

from sklearn_zoo import (
    PretrainedImageClassifier,
    PretrainedImageRegressor,
    PretrainedTextClassifier,
)
from sklearn_zoo.datasets import load_sentences

pytestmark = pytest.mark.slow


def _digits(per_class: int, n_test: int | None = None):
    """``per_class`` training digits of each class (uint8 images) and the rest, or ``n_test`` of
    the rest drawn at random, as the test set."""
    digits = load_digits()
    X = (digits.images * 16).clip(0, 255).astype(np.uint8)
    y = digits.target
    rng = np.random.default_rng(0)
    train = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(10)]
    )
    test = np.setdiff1d(np.arange(len(y)), train)
    if n_test is not None:
        test = rng.permutation(test)[:n_test]
    return X[train], y[train], X[test], y[test]


@pytest.fixture(scope="module")
def digits_split():
    return _digits(20)


@pytest.fixture(scope="module")
def sentences():
    try:
        texts, labels = load_sentences()
    except FileNotFoundError:
        pytest.skip("shared/data/sentiment_labelled_sentences is not on this machine")
    rng = np.random.default_rng(0)
    order = rng.permutation(len(texts))
    return texts[order], labels[order]


def test_linear_probe_on_digits_reaches_085(digits_split):
    X, y, X_test, y_test = digits_split
    clf = PretrainedImageClassifier(
        "efficientnet_lite0",
        freeze_depth="all",
        image_size=96,
        lr=1e-2,
        max_epochs=30,
        random_state=0,
    )
    accuracy = clf.fit(X, y).score(X_test, y_test)
    assert accuracy >= 0.85, accuracy  # measured 0.886


def test_pretrained_fine_tuning_beats_random_init(digits_split):
    X, y, X_test, y_test = digits_split
    params = {
        "freeze_depth": 0,
        "image_size": 64,
        "lr": 3e-3,
        "backbone_lr_scale": 1.0,
        "max_epochs": 10,
        "strategy": "finetune",
        "random_state": 0,
    }
    pretrained = PretrainedImageClassifier(**params).fit(X, y).score(X_test, y_test)
    scratch = PretrainedImageClassifier(pretrained=False, **params).fit(X, y).score(X_test, y_test)
    assert pretrained >= scratch + 0.08, (pretrained, scratch)  # measured 0.947 vs 0.761


def test_lp_ft_at_a_rate_too_high_for_the_backbone_warns_and_the_guard_keeps_the_probe(
    digits_split,
):
    # BatchNorm statistics stay fixed in LP-FT's second stage: at lr 3e-3 on every block the
    # features fall apart (measured: accuracy 0.10, training loss 0.06 -> 2.31). Say so; the
    # guard scores every fine-tuning epoch at 0.10 on validation against the probe's 0.95 and
    # gives the probe back (measured: 0.850 on the test digits).
    X, y, X_test, y_test = digits_split
    clf = PretrainedImageClassifier(
        freeze_depth=0,
        image_size=64,
        lr=3e-3,
        backbone_lr_scale=1.0,
        max_epochs=10,
        strategy="lp-ft",
        random_state=0,
    )
    with pytest.warns(UserWarning, match="too high for the backbone.*backbone_lr_scale"):
        clf.fit(X, y)
    assert clf.best_stage_ == "probe" and clf.n_frozen_blocks_ == clf.n_blocks_
    assert clf.score(X_test, y_test) >= 0.8


@pytest.mark.parametrize("per_class", [5, 20])
def test_defaults_against_the_probe_on_digits(per_class):
    # issue 15: the default is guarded LP-FT. On 20 digits a class (a far domain) fine-tuning
    # pays and the guard keeps it when validation shows it clearly (benchmarks: 3 seeds of 3,
    # 0.956 against the probe's 0.871; on this split the probe had 19 of the 20 validation digits
    # and the guard gave it back); on 5 a class it gave the probe back in every seed
    X, y, X_test, y_test = _digits(per_class, n_test=600)
    auto = PretrainedImageClassifier(image_size=64, random_state=0).fit(X, y)
    probe = PretrainedImageClassifier(image_size=64, strategy="probe", random_state=0).fit(X, y)
    scores = {"auto": auto.score(X_test, y_test), "probe": probe.score(X_test, y_test)}
    assert auto.strategy_ == "lp-ft"
    if auto.best_stage_ == "finetune":  # kept only when clearly better on validation: it pays
        assert scores["auto"] >= scores["probe"] + 0.05, scores
    else:  # the probe given back is strategy="probe"'s own fit
        assert scores["auto"] == scores["probe"], scores


def test_image_regressor_positive_r2(digits_split):
    X, y, X_test, y_test = digits_split
    reg = PretrainedImageRegressor(
        freeze_depth="all", head_size=(64,), image_size=64, lr=3e-3, max_epochs=30, random_state=0
    )
    r2 = r2_score(y_test, reg.fit(X, y.astype(float)).predict(X_test))  # regress the digit's value
    assert r2 > 0.3, r2


def test_text_transfer_on_100_sentences(sentences):
    texts, labels = sentences
    X, y, X_test, y_test = texts[:100], labels[:100], texts[100:1100], labels[100:1100]
    scores = {}
    fit = {
        "strategy": "lp-ft",
        "max_epochs": 10,
        "random_state": 0,
    }  # transfer, not "auto"'s choice
    for depth in ("all", -2, 0):
        clf = PretrainedTextClassifier(freeze_depth=depth, **fit)
        scores[depth] = clf.fit(X, y).score(X_test, y_test)
    scratch = PretrainedTextClassifier(freeze_depth=0, pretrained=False, **fit)
    scratch_score = scratch.fit(X, y).score(X_test, y_test)
    assert max(scores.values()) >= 0.86, scores
    assert max(scores.values()) >= scratch_score + 0.15, (scores, scratch_score)


def test_grid_search_on_minilm(sentences):
    texts, labels = sentences
    X, y = texts[:90], labels[:90]
    search = GridSearchCV(
        # 30 sentences per class in each training fold: "auto" runs contrastive pairs (fewer
        # than its default 2,000, to keep the suite fast)
        PretrainedTextClassifier(
            "all-MiniLM-L6-v2", max_epochs=4, contrastive_pairs=256, random_state=0
        ),
        {"freeze_depth": ["all", -1, 0], "head_size": [(), (64,)]},
        cv=3,
    ).fit(X, y)
    results = search.cv_results_
    assert len(results["params"]) == 6
    assert np.all(np.isfinite(results["mean_test_score"]))
    assert search.best_score_ > 0.6  # better than chance on balanced sentiment labels
    assert search.best_params_ in results["params"]
