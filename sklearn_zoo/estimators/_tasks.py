"""The task half of an estimator: classification (multi-class or multi-label) or regression."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real
from typing import Any, Literal

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import type_of_target
from torch import nn

from .._compat import Interval, StrOptions
from ._saving import flag, integer, labels, per_output

_LOSSES = {
    "multiclass": nn.CrossEntropyLoss,
    "multilabel": nn.BCEWithLogitsLoss,
    "regression": nn.MSELoss,
}


def check_partial_classes(owner: str, classes: Any, fitted: Any) -> np.ndarray | None:
    """``classes`` of a ``partial_fit`` call, as scikit-learn checks them: required on the first
    call, the same on later ones (where they may be left out)."""
    if fitted is None:
        if classes is None:
            raise ValueError(
                f"classes must be passed on the first call to {owner}.partial_fit: all the "
                "labels the calls will see, as the network's output layer is built once."
            )
        return np.unique(np.asarray(classes))
    if classes is not None and not np.array_equal(np.unique(np.asarray(classes)), fitted):
        raise ValueError(
            f"`classes={np.unique(np.asarray(classes)).tolist()!r}` is not the same as on the "
            f"first call to {owner}.partial_fit, which was {np.asarray(fitted).tolist()!r}."
        )
    return fitted


@dataclass(frozen=True)
class Target:
    """An encoded ``y``: what the network trains on, and the fitted attributes that decode its
    predictions (``classes_``, ``multilabel_`` / ``y_mean_``, ``y_scale_``, ...)."""

    y: torch.Tensor
    n_outputs: int
    kind: Literal["multiclass", "multilabel", "regression"]
    attributes: dict[str, Any]
    codes: np.ndarray | None = None  # class codes of a single-label y (stratified split, pairs)
    class_sample_weight: np.ndarray | None = None

    def criterion(self, label_smoothing: float = 0.0) -> nn.Module:
        """The per-sample loss of this kind of target (reduced by the net, with sample weights);
        ``label_smoothing`` for single-label classes (cross-entropy's own)."""
        if label_smoothing and self.kind == "multiclass":
            return nn.CrossEntropyLoss(reduction="none", label_smoothing=label_smoothing)
        return _LOSSES[self.kind](reduction="none")

    @property
    def min_class_count(self) -> int:
        """Samples of the rarest class (0 unless single-label)."""
        return int(np.bincount(self.codes).min()) if self.codes is not None else 0

    @property
    def mean_class_count(self) -> float:
        """Samples per class on average (0 unless single-label)."""
        return len(self.codes) / self.n_outputs if self.codes is not None else 0.0


def _as_target(y: Any, n_samples: int) -> np.ndarray:
    if y is None:
        raise ValueError("requires y to be passed, but the target y is None.")
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    y = np.asarray(y)
    if y.ndim == 0 or y.ndim > 2:
        raise ValueError(
            f"y must be 1-D (n_samples,) or 2-D (n_samples, n_outputs). Got shape {y.shape} instead."
        )
    if len(y) != n_samples:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: X has {n_samples}, y has {len(y)}."
        )
    return y


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (``1.0``, not ``np.float64(1.0)``), for messages."""
    return value.item() if isinstance(value, np.generic) else value


class ZooClassifierMixin(ClassifierMixin):
    """Labels of any type (strings too); a 2-D 0/1 indicator ``y`` trains a multi-label sigmoid head."""

    _saved_fields = {"classes_": labels(), "multilabel_": flag()}
    _target_fields = ("classes_", "multilabel_")

    def _encode_target(self, y: Any, n_samples: int, previous: dict | None = None) -> Target:
        """``y`` encoded afresh, or (``previous``: the fitted ``classes_``) as before."""
        y = _as_target(y, n_samples)
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise ValueError(
                "Input y contains NaN or infinity: drop or fill those samples before fitting."
            )
        if y.dtype == object and any(v is None for v in y.ravel()):
            raise ValueError("Input y contains None: drop or fill those samples before fitting.")
        kind = type_of_target(y, input_name="y")
        _check_same_kind(kind, y, previous)
        if kind == "multilabel-indicator":
            if self.class_weight is not None:
                raise ValueError(
                    "class_weight is not supported with a multi-label (2-D indicator) y."
                )
            return Target(
                y=torch.as_tensor(y, dtype=torch.float32),
                n_outputs=y.shape[1],
                kind="multilabel",
                attributes={"classes_": np.arange(y.shape[1]), "multilabel_": True},
            )
        if kind not in ("binary", "multiclass"):
            hint = (
                " Use the matching Regressor for a continuous target."
                if kind.startswith("continuous")
                else ""
            )
            raise ValueError(
                f"Unknown label type: {kind!r}. Expected class labels (binary or multiclass).{hint}"
            )
        y = y.ravel() if y.ndim == 2 else y
        encoder = LabelEncoder().fit(y if previous is None else previous["classes_"])
        unseen = np.setdiff1d(y, encoder.classes_) if previous is not None else ()
        if len(unseen):
            raise ValueError(
                f"y has labels {[_plain(v) for v in unseen[:5]]} that are not in classes_ "
                f"{[_plain(v) for v in encoder.classes_[:10]]}: a network trained further keeps "
                "its output layer. Fit a new estimator (or warm_start=False) for new classes."
            )
        if len(encoder.classes_) < 2:
            raise ValueError(
                f"The target y has only one class ({_plain(encoder.classes_[0])!r}): a classifier needs samples "
                "of at least 2 classes."
            )
        codes = encoder.transform(y)
        return Target(
            y=torch.as_tensor(codes, dtype=torch.long),
            n_outputs=len(encoder.classes_),
            kind="multiclass",
            attributes={"classes_": encoder.classes_, "multilabel_": False},
            codes=codes,
            class_sample_weight=compute_sample_weight(self.class_weight, y)
            if self.class_weight
            else None,
        )

    def partial_fit(
        self, X: Any, y: Any, classes: Any = None, sample_weight: Any = None
    ) -> ZooClassifierMixin:
        """Train one more pass over ``(X, y)``, from the fitted weights.

        The first call starts from the checkpoint's weights. Each call runs one epoch of fine-tuning (of the head alone under ``strategy="probe"``
        or ``freeze_depth="all"``) at the constant ``lr``; the frozen features of the data are
        cached as in ``fit``.

        Parameters
        ----------
        X : images or texts
            See the class docstring for the accepted forms.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, all of them among ``classes`` (or a 0/1 indicator matrix).
        classes : array-like of shape (n_classes,), default=None
            Every label the calls will see. Required on the first call, and the same (or
            ``None``) on later ones: the network's output layer is built once.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : object
            The estimator, trained one pass further.
        """
        fitted = vars(self).get("classes_")
        known = check_partial_classes(type(self).__name__, classes, fitted)
        first = None if fitted is not None else {"classes_": known}
        return self._partial(X, y, sample_weight, first)

    def decision_function(self, X: Any) -> np.ndarray:
        """Confidence scores of the samples: the network's logits.

        Parameters
        ----------
        X : images or texts
            See the class docstring for the accepted forms.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Binary classification: the log-odds of ``classes_[1]`` (positive means it is
            predicted). Multi-class: one logit per class, the largest predicted. Multi-label:
            one logit per label, positive where the label is predicted.
        """
        logits = self._outputs(X)
        if not self.multilabel_ and logits.shape[1] == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (per label for multi-label).

        Parameters
        ----------
        X : images or texts
            See the class docstring for the accepted forms.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The softmax of the logits, columns in the order of ``classes_``; for multi-label,
            the sigmoid of each label's logit.
        """
        logits = self._logits64(X)
        probs = torch.sigmoid(logits) if self.multilabel_ else torch.softmax(logits, dim=1)
        return probs.numpy()

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of the class probabilities, computed stably from the logits.

        Parameters
        ----------
        X : images or texts
            See the class docstring for the accepted forms.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``, without its underflow for very confident predictions.
        """
        logits = self._logits64(X)
        if self.multilabel_:
            return nn.functional.logsigmoid(logits).numpy()
        return torch.log_softmax(logits, dim=1).numpy()

    def _logits64(self, X: Any) -> torch.Tensor:
        """The logits in float64, so that probabilities order the samples as the logits do
        (float32 rounds close probabilities to one value) and come out as scikit-learn's do."""
        return torch.from_numpy(self._outputs(X)).double()

    def predict(self, X: Any) -> np.ndarray:
        """Predict the class labels of ``X``.

        Parameters
        ----------
        X : images or texts
            See the class docstring for the accepted forms.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            The most probable class of each sample; for multi-label, a 0/1 indicator matrix
            with 1 where a label's probability is above 0.5.
        """
        logits = self._outputs(X)
        if self.multilabel_:
            return (logits > 0).astype(int)
        return self.classes_[logits.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


def _check_same_kind(kind: str, y: np.ndarray, previous: dict | None) -> None:
    """A continued fit trains the same kind of output layer: single- or multi-label, as wide."""
    if previous is None or "multilabel_" not in previous:
        return
    multilabel = kind == "multilabel-indicator"
    if multilabel != bool(previous["multilabel_"]) or (
        multilabel and y.shape[1] != len(previous["classes_"])
    ):
        was = f"{len(previous['classes_'])} labels" if previous["multilabel_"] else "one class"
        raise ValueError(
            f"y is {'a multi-label indicator' if multilabel else 'one class per sample'}, and the "
            f"fitted network predicts {was} per sample: a network trained further keeps its "
            "output layer."
        )


class ZooRegressorMixin(RegressorMixin):
    """Single or multi-output regression; the target is standardized for training and restored after."""

    _saved_fields = {
        "y_mean_": per_output(),
        "y_scale_": per_output(positive=True),
        "n_outputs_": integer(1),
        "y_is_1d_": flag(),
    }
    _target_fields = ("y_mean_", "y_scale_", "n_outputs_", "y_is_1d_")

    def _encode_target(self, y: Any, n_samples: int, previous: dict | None = None) -> Target:
        """``y`` standardized afresh, or (``previous``: the fitted scaling) as before."""
        y = _as_target(y, n_samples)
        if y.dtype.kind in "USc" or (
            y.dtype == object and any(isinstance(v, str | bytes | complex) for v in y.ravel())
        ):  # "1.5" is a label, not a number; complex values have no order
            raise ValueError(
                f"y must be numeric for a regressor. Got values of dtype {y.dtype} instead. Use the "
                "matching Classifier for labels, or convert y with y.astype(float)."
            )
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                "y must be numeric for a regressor. Use the matching Classifier for labels."
            ) from None
        if not np.isfinite(y).all():
            raise ValueError(
                "Input y contains NaN or infinity: drop or fill those samples before fitting."
            )
        y2 = y.reshape(len(y), -1)
        mean, scale = y2.mean(axis=0), y2.std(axis=0)
        scale[scale == 0] = 1.0
        if previous is not None:  # the head's outputs keep the meaning they were trained to
            if y2.shape[1] != previous["n_outputs_"]:
                raise ValueError(
                    f"y has {y2.shape[1]} outputs, and the fitted network predicts "
                    f"{previous['n_outputs_']}: a network trained further keeps its output layer."
                )
            mean, scale = previous["y_mean_"], previous["y_scale_"]
        return Target(
            y=torch.as_tensor((y2 - mean) / scale, dtype=torch.float32),
            n_outputs=y2.shape[1],
            kind="regression",
            attributes={
                "y_mean_": mean,
                "y_scale_": scale,
                "n_outputs_": y2.shape[1],
                "y_is_1d_": y.ndim == 1,
            },
        )

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> ZooRegressorMixin:
        """Train one more pass over ``(X, y)``, from the fitted weights.

        The first call starts from the checkpoint's weights. Each call runs one epoch of fine-tuning (of the head alone under ``strategy="probe"``
        or ``freeze_depth="all"``) at the constant ``lr``; the target is standardized with the
        first call's mean and scale.

        Parameters
        ----------
        X : images or texts
            See the class docstring for the accepted forms.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets, with as many outputs as on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : object
            The estimator, trained one pass further.
        """
        return self._partial(X, y, sample_weight, None)

    def predict(self, X: Any) -> np.ndarray:
        """Predict the target values of ``X``, in the units of the fitted ``y``.

        Parameters
        ----------
        X : images or texts
            See the class docstring for the accepted forms.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The shape of the fitted ``y``.
        """
        out = self._outputs(X) * self.y_scale_ + self.y_mean_
        return out.ravel() if self.y_is_1d_ else out


CLASS_WEIGHT_CONSTRAINT = {"class_weight": [StrOptions({"balanced"}), dict, None]}
LABEL_SMOOTHING_CONSTRAINT = {"label_smoothing": [Interval(Real, 0, 1, closed="left")]}
