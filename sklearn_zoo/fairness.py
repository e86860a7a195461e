"""Results per group: a fitted estimator's scores on each group of a sensitive feature, and the
largest gap between groups, on fairlearn's ``MetricFrame`` (the optional ``fairness`` extra)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.metrics import accuracy_score, balanced_accuracy_score, r2_score
from sklearn.utils.validation import check_is_fitted

from .model_card import table

_EXTRA = "pip install 'sklearn-zoo[fairness]'"


@dataclass(frozen=True)
class GroupReport:
    """Scores per group, overall, and the largest gap between groups.

    What :func:`group_report` returns; ``estimator.model_card(groups=report)`` adds its table to
    the model card.

    Parameters
    ----------
    metric_frame : fairlearn.metrics.MetricFrame
        The frame the scores come from (``by_group``, ``overall``, ``difference()`` ...).
    by_group : pandas.DataFrame
        One row per group: ``count`` and each metric.
    overall : pandas.Series
        Each metric on all samples.
    gaps : pandas.Series
        Each metric's largest difference between two groups (``MetricFrame.difference()``).

    See Also
    --------
    group_report : Builds it.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn_zoo import group_report
    >>> clf = DummyClassifier(strategy="constant", constant=1).fit([[0]] * 4, [1, 0, 1, 1])
    >>> print(group_report(clf, [[0]] * 4, [1, 0, 1, 1], ["a", "a", "b", "b"]).to_markdown())
    | group | count | accuracy | balanced accuracy | selection rate |
    |---|---|---|---|---|
    | a | 2 | 0.5 | 0.5 | 1 |
    | b | 2 | 1 | 1 | 1 |
    | overall | 4 | 0.75 | 0.5 | 1 |
    | largest gap | - | 0.5 | 0.5 | 0 |
    <BLANKLINE>
    """

    metric_frame: Any
    by_group: Any
    overall: Any
    gaps: Any

    def to_markdown(self) -> str:
        """Return the report as a Markdown table.

        Returns
        -------
        table : str
            One row per group, then ``overall`` and ``largest gap``; group names are escaped.
        """
        columns = list(self.by_group.columns)
        rows = [[str(group), *_cells(row)] for group, row in self.by_group.iterrows()]
        rows.append(["overall", *_cells(self.overall.reindex(columns))])
        rows.append(["largest gap", *_cells(self.gaps.reindex(columns))])
        return table(["group", *columns], rows)

    def __str__(self) -> str:
        return self.to_markdown()


def _cells(values: Any) -> list[str]:
    return ["-" if v is None or np.isnan(v) else f"{v:.4g}" for v in values.astype(float)]


def _fairlearn() -> Any:
    try:
        from fairlearn import metrics
    except ImportError:
        raise ImportError(
            f"group_report needs fairlearn, which is an optional extra: {_EXTRA}."
        ) from None
    return metrics


def _metrics(estimator: Any, pos_label: Any, fl: Any) -> dict[str, Any]:
    if is_regressor(estimator):
        return {"r2": r2_score, "mean prediction": fl.mean_prediction}
    if not is_classifier(estimator) or getattr(estimator, "multilabel_", False):
        raise ValueError(
            "group_report scores single-label classifiers and regressors. Got "
            f"{type(estimator).__name__}{' (multi-label)' if is_classifier(estimator) else ''}."
        )
    metrics = {"accuracy": accuracy_score, "balanced accuracy": balanced_accuracy_score}
    classes = list(estimator.classes_)
    if pos_label is None and len(classes) == 2:
        pos_label = classes[1]
    if pos_label is not None:
        if pos_label not in classes:
            raise ValueError(
                f"The 'pos_label' parameter of group_report must be one of the classes "
                f"{classes}. Got {pos_label!r} instead."
            )
        rate = functools.partial(fl.selection_rate, pos_label=pos_label)
        metrics["selection rate"] = rate
    return metrics


def group_report(
    estimator: Any, X: Any, y: Any, sensitive_features: Any, *, pos_label: Any = None
) -> GroupReport:
    """Score a fitted estimator on each group of ``sensitive_features``, and the largest gap.

    Built on fairlearn's :class:`~fairlearn.metrics.MetricFrame`: classifiers get accuracy,
    balanced accuracy and the selection rate (the share predicted ``pos_label``), regressors
    r² and the mean prediction; each with its value per group, overall, and the largest
    difference between two groups. A gap is a measurement on this data, not a proof of
    fairness or unfairness (see the accountability guide).

    Parameters
    ----------
    estimator : fitted estimator
        A single-label classifier or a regressor (any scikit-learn one, the zoo's included).
    X : images, texts or array-like
        What ``estimator.predict`` accepts.
    y : array-like of shape (n_samples,)
        The true labels or values.
    sensitive_features : array-like of shape (n_samples,) or (n_samples, n_features)
        The group of each sample (several columns: their combinations).
    pos_label : object, default=None
        The class whose selection rate is reported; ``None`` is the second class of a binary
        classifier and no selection rate for more classes.

    Returns
    -------
    report : GroupReport
        ``by_group``, ``overall``, ``gaps`` and ``to_markdown()``; pass it to
        ``estimator.model_card(groups=report)`` to add it to the card.

    Raises
    ------
    ImportError
        fairlearn is not installed (``pip install 'sklearn-zoo[fairness]'``).

    See Also
    --------
    fairlearn.metrics.MetricFrame : What it is built on.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn_zoo import group_report
    >>> X, y = [[0]] * 6, [1, 1, 0, 1, 0, 0]
    >>> clf = DummyClassifier(strategy="constant", constant=1).fit(X, y)
    >>> report = group_report(clf, X, y, sensitive_features=["a", "a", "a", "b", "b", "b"])
    >>> report.by_group["accuracy"].round(3).tolist()
    [0.667, 0.333]
    >>> round(float(report.gaps["accuracy"]), 3)
    0.333
    """
    fl = _fairlearn()
    check_is_fitted(estimator)
    metrics = _metrics(estimator, pos_label, fl)
    y_pred = estimator.predict(X)
    frame = fl.MetricFrame(
        metrics={"count": fl.count, **metrics},
        y_true=np.asarray(y),
        y_pred=np.asarray(y_pred),
        sensitive_features=sensitive_features,
    )
    gaps = frame.difference(method="between_groups").drop("count")
    return GroupReport(frame, frame.by_group, frame.overall, gaps)
