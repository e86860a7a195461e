"""``group_report``: scores per group on fairlearn's MetricFrame, checked against hand computations."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from _helpers import fast
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from sklearn_zoo import group_report

pytest.importorskip("fairlearn")


class Echo(ClassifierMixin, BaseEstimator):
    """Predicts the first column of X: the test states every prediction by hand."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.asarray(X)[:, 0]


class EchoRegressor(RegressorMixin, BaseEstimator):
    def fit(self, X, y):
        self.fitted_ = True
        return self

    def predict(self, X):
        return np.asarray(X, dtype=float)[:, 0]


#                 group a        | group b
Y_TRUE = np.array([1, 1, 0, 0, 1, 0, 0, 0, 1])
Y_PRED = np.array([1, 0, 0, 1, 1, 1, 1, 0, 0])
GROUPS = np.array(["a"] * 5 + ["b"] * 4)


def test_a_binary_classifier_against_a_hand_computation():
    clf = Echo().fit(Y_PRED[:, None], Y_TRUE)
    report = group_report(clf, Y_PRED[:, None], Y_TRUE, GROUPS)
    by = report.by_group
    # a: true 1 1 0 0 1, predicted 1 0 0 1 1 -> 3 of 5 right; recall of 1: 2/3, of 0: 1/2
    assert by.loc["a", "count"] == 5 and by.loc["b", "count"] == 4
    assert by.loc["a", "accuracy"] == pytest.approx(3 / 5)
    assert by.loc["a", "balanced accuracy"] == pytest.approx((2 / 3 + 1 / 2) / 2)
    assert by.loc["a", "selection rate"] == pytest.approx(3 / 5)
    # b: true 0 0 0 1, predicted 1 1 0 0 -> 1 of 4 right; recall of 1: 0, of 0: 1/3
    assert by.loc["b", "accuracy"] == pytest.approx(1 / 4)
    assert by.loc["b", "balanced accuracy"] == pytest.approx((0 + 1 / 3) / 2)
    assert by.loc["b", "selection rate"] == pytest.approx(2 / 4)
    assert report.overall["accuracy"] == pytest.approx(4 / 9)
    assert report.gaps["accuracy"] == pytest.approx(3 / 5 - 1 / 4)
    assert report.gaps["selection rate"] == pytest.approx(3 / 5 - 2 / 4)
    assert "count" not in report.gaps

    text = report.to_markdown()
    assert text.splitlines()[0] == (
        "| group | count | accuracy | balanced accuracy | selection rate |"
    )
    assert "| a | 5 | 0.6 | 0.5833 | 0.6 |" in text
    assert "| largest gap | - | 0.35 | 0.4167 | 0.1 |" in text


def test_pos_label_and_multiclass():
    y = np.array(["x", "y", "z", "z", "x", "y"])
    pred = np.array(["x", "z", "z", "z", "y", "y"])
    groups = ["g", "g", "g", "h", "h", "h"]
    clf = Echo().fit(pred[:, None], y)
    report = group_report(clf, pred[:, None], y, groups)
    assert "selection rate" not in report.by_group  # three classes: no positive one
    report = group_report(clf, pred[:, None], y, groups, pos_label="z")
    assert report.by_group["selection rate"].tolist() == pytest.approx([2 / 3, 1 / 3])
    with pytest.raises(ValueError, match="'pos_label'.*one of the classes"):
        group_report(clf, pred[:, None], y, groups, pos_label="w")


def test_a_regressor_against_a_hand_computation():
    y = np.array([1.0, 2.0, 3.0, 0.0, 2.0])
    pred = np.array([1.0, 2.0, 2.0, 1.0, 1.0])
    reg = EchoRegressor().fit(pred[:, None], y)
    report = group_report(reg, pred[:, None], y, ["a", "a", "a", "b", "b"])
    # a: residuals 0 0 1 -> SSE 1, SST 2 -> r2 = 0.5; b: residuals -1 1 -> SSE 2, SST 2 -> 0
    assert report.by_group["r2"].tolist() == pytest.approx([0.5, 0.0])
    assert report.by_group["mean prediction"].tolist() == pytest.approx([5 / 3, 1.0])
    assert report.gaps["r2"] == pytest.approx(0.5)


def test_the_card_shows_the_report(tiny_image_checkpoint, image_data):
    from sklearn_zoo import PretrainedImageClassifier

    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, strategy="probe", **fast(max_epochs=1)
    ).fit(X, y)
    groups = np.where(np.arange(len(y)) % 2, "odd", "even")
    report = group_report(clf, X, y, groups)
    card = clf.model_card(groups=report)
    assert "## Results per group\n\n" + report.to_markdown() in card
    assert card.index("## Results per group") < card.index("## Library versions")
    assert "## Results per group" not in clf.model_card()


def test_errors(monkeypatch):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        group_report(Echo(), [[1]], [1], ["a"])
    multilabel = Echo().fit([[0]], [0])
    multilabel.multilabel_ = True
    with pytest.raises(ValueError, match="single-label"):
        group_report(multilabel, [[0]], [0], ["a"])
    monkeypatch.setitem(sys.modules, "fairlearn", None)  # not installed
    with pytest.raises(ImportError, match=r"sklearn-zoo\[fairness\]"):
        group_report(Echo().fit([[0]], [0]), [[0]], [0], ["a"])
