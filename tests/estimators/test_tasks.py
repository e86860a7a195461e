"""The classifiers' scores agree with each other as scikit-learn's do: ``decision_function``,
``predict_log_proba``, ``predict_proba`` and ``predict`` from the same logits, for binary,
multi-class and multi-label targets (tiny checkpoints)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.exceptions import NotFittedError

from sklearn_zoo import (
    PretrainedImageClassifier,
    PretrainedImageRegressor,
    PretrainedTextClassifier,
)


def _image_clf(checkpoint: str) -> PretrainedImageClassifier:
    return PretrainedImageClassifier(
        checkpoint, image_size=32, max_epochs=2, strategy="finetune", lr=1e-2, random_state=0
    )


@pytest.fixture
def targets(image_data):
    X, y = image_data
    multilabel = np.column_stack([y == 0, y % 2 == 1, y > 0]).astype(int)
    return X, {
        "binary": np.where(y == 1, "one", "other"),
        "multiclass": y,
        "multilabel": multilabel,
    }


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_scores_agree_with_each_other(tiny_image_checkpoint, targets, kind):
    X, ys = targets
    clf = _image_clf(tiny_image_checkpoint).fit(X, ys[kind])
    decision = clf.decision_function(X)
    proba = clf.predict_proba(X)
    log_proba = clf.predict_log_proba(X)
    predicted = clf.predict(X)
    np.testing.assert_allclose(log_proba, np.log(proba), rtol=1e-5, atol=1e-6)
    if kind == "binary":
        assert decision.shape == (len(X),)
        np.testing.assert_allclose(expit(decision), proba[:, 1], rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(clf.classes_[(decision > 0).astype(int)], predicted)
    elif kind == "multiclass":
        assert decision.shape == (len(X), 3)
        np.testing.assert_allclose(softmax(decision, axis=1), proba, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(clf.classes_[decision.argmax(axis=1)], predicted)
        np.testing.assert_allclose(np.exp(log_proba).sum(axis=1), 1.0, rtol=1e-5)
    else:
        assert decision.shape == (len(X), 3)
        np.testing.assert_allclose(expit(decision), proba, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal((decision > 0).astype(int), predicted)
    assert len(np.unique(np.round(decision, 4))) > 2  # real scores, not a constant


def test_log_proba_does_not_underflow(tiny_image_checkpoint, image_data):
    """Where a probability rounds to 0, its log stays finite (log_softmax of the logits)."""
    X, y = image_data
    clf = _image_clf(tiny_image_checkpoint).fit(X, y)
    clf.net_.module_.head[-1].weight.data *= 1e4  # absurdly confident logits
    assert (clf.predict_proba(X) == 0).any()
    assert np.isfinite(clf.predict_log_proba(X)).all()


def test_text_classifier_and_sklearn_scorers(tiny_text_checkpoint, text_data):
    from sklearn.metrics import get_scorer, roc_auc_score

    X, y = text_data
    clf = PretrainedTextClassifier(tiny_text_checkpoint, max_epochs=2, random_state=0).fit(X, y)
    decision = clf.decision_function(X)
    assert decision.shape == (len(X),)
    assert roc_auc_score(y, decision) == pytest.approx(roc_auc_score(y, clf.predict_proba(X)[:, 1]))
    assert 0 <= get_scorer("roc_auc")(clf, X, y) <= 1
    assert get_scorer("neg_log_loss")(clf, X, y) <= 0


def test_not_fitted_and_regressors(tiny_image_checkpoint, image_data):
    X, _ = image_data
    clf = _image_clf(tiny_image_checkpoint)
    for method in (clf.decision_function, clf.predict_log_proba):
        with pytest.raises(NotFittedError):
            method(X)
    regressor = PretrainedImageRegressor(tiny_image_checkpoint)
    assert not hasattr(regressor, "decision_function")
    assert not hasattr(regressor, "predict_log_proba")
