"""Plots of how a fitted estimator trained: :func:`plot_learning_curves` draws its ``history_``."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import Any

_SKIP_SUFFIXES = ("_loss", "_best", "_batch_count")


def _history(estimator: Any) -> tuple[list[dict[str, Any]], Any]:
    """The per-epoch history and the fitted estimator it belongs to (None for a bare history):
    of an estimator, a fitted search (its best estimator) or a pipeline (its last step)."""
    from sklearn.utils.validation import check_is_fitted

    if isinstance(estimator, Sequence) and not isinstance(estimator, str):
        history, estimator = list(estimator), None
    else:
        if hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif hasattr(estimator, "steps"):
            estimator = estimator.steps[-1][1]
        if not hasattr(estimator, "fit"):
            raise TypeError(
                "plot_learning_curves expects a fitted sklearn_zoo estimator (or a search or "
                f"pipeline around one) or a list of per-epoch dicts. Got {type(estimator).__name__} "
                "instead."
            )
        check_is_fitted(estimator, "history_")
        history = list(estimator.history_)
    if not history or not all(isinstance(row, dict) for row in history):
        raise ValueError(
            "The training history is empty or not a list of per-epoch dicts: nothing to plot."
        )
    return history, estimator


def _stages(history: list[dict[str, Any]]) -> list[tuple[Any, int, int]]:
    """The training stages of a history, in order: ``(stage, first row, row after the last)``."""
    runs: list[tuple[Any, int, int]] = []
    for i, row in enumerate(history):
        name = row.get("stage")
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1], i + 1)
        else:
            runs.append((name, i, i + 1))
    return runs


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def plot_learning_curves(estimator: Any, ax: Any = None) -> Any:
    """Plot the per-epoch training history of a fitted estimator.

    Draws ``train_loss`` and, when the estimator held out a validation set (``early_stopping=True``),
    ``valid_loss`` with its best epoch marked. Scores recorded per epoch, such as ``valid_acc`` from
    a skorch ``EpochScoring`` callback passed in ``net_params``, go on a second y-axis at the right.
    A fit of several stages (``strategy="lp-ft"`` or ``"contrastive"``: ``history_`` rows carry a
    ``stage``) is drawn stage after stage, each named, the lines broken and a dotted rule between
    them; the x axis then counts epochs over the whole fit.

    Parameters
    ----------
    estimator : fitted estimator, search, pipeline, or list of dict
        A fitted sklearn_zoo estimator (anything with ``history_``); a fitted ``GridSearchCV`` or
        ``RandomizedSearchCV`` (its ``best_estimator_`` is plotted); a ``Pipeline`` whose last step
        is one; or a history as a list of per-epoch dicts.
    ax : matplotlib.axes.Axes, default=None
        The Axes to draw the losses on; ``None`` creates a new figure.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes holding the loss curves (a score axis, if any, is its twin).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from sklearn_zoo import PretrainedImageClassifier, plot_learning_curves
    >>> from sklearn_zoo.datasets import load_digit_images
    >>> X, y = load_digit_images()
    >>> clf = PretrainedImageClassifier(image_size=32, max_epochs=3, early_stopping=True,
    ...                                 validation_fraction=0.25, random_state=0)
    >>> ax = plot_learning_curves(clf.fit(X[:80], y[:80]))
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['train_loss', 'valid_loss']
    >>> [text.get_text() for text in ax.texts]  # the stages of the default strategy="lp-ft"
    ['probe', 'finetune']
    """
    history, fitted = _history(estimator)
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "plot_learning_curves needs matplotlib: pip install 'sklearn-zoo[plot]'."
        ) from exc
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0))
    stages = _stages(history)
    if len(stages) > 1:  # each stage counts its epochs from 1: lay the stages end to end
        epochs = list(range(1, len(history) + 1))
    else:
        epochs = [row.get("epoch", i + 1) for i, row in enumerate(history)]
    keys = list(dict.fromkeys(k for row in history for k in row if k != "stage"))

    def points(key: str, start: int, stop: int) -> list[tuple[Any, float]]:
        """``(epoch, value)`` of ``key`` in history rows ``start`` to ``stop``."""
        rows = range(start, stop)
        return [
            (epochs[i], float(history[i][key])) for i in rows if _is_number(history[i].get(key))
        ]

    def series(key: str) -> tuple[list, list]:
        """The points of ``key``, a NaN between stages so that the line breaks there."""
        xs: list = []
        ys: list = []
        for _, start, stop in stages:
            pairs = points(key, start, stop)
            if xs and pairs:
                xs.append((xs[-1] + pairs[0][0]) / 2)
                ys.append(float("nan"))
            xs += [p[0] for p in pairs]
            ys += [p[1] for p in pairs]
        return xs, ys

    losses = [k for k in ("train_loss", "valid_loss") if k in keys]
    losses += [k for k in keys if k.endswith("_loss") and k not in losses]
    for key in losses:
        xs, ys = series(key)
        if not xs:
            continue
        (line,) = ax.plot(xs, ys, marker="o", markersize=3, label=key)
        if key.startswith("valid"):  # the epoch early stopping restores, in each stage
            for _, start, stop in stages:
                if pairs := points(key, start, stop):
                    x, y = min(pairs, key=lambda p: p[1])
                    ax.scatter([x], [y], s=60, facecolors="none", edgecolors=line.get_color())
    if len(stages) > 1:  # where each stage starts, and its name
        for i, (name, start, _) in enumerate(stages):
            if i:
                ax.axvline(epochs[start] - 0.5, color="0.6", linestyle=":", linewidth=1)
            ax.text(
                epochs[start] - 0.4,
                0.98,
                str(name),
                transform=ax.get_xaxis_transform(),
                va="top",
                fontsize="small",
                color="0.4",
            )
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    spec = getattr(fitted, "spec_", None)
    ax.set_title("Learning curves" + (f" ({spec.name})" if spec is not None else ""))

    scores = [
        k
        for k in keys
        if k.startswith(("train_", "valid_")) and not k.endswith(_SKIP_SUFFIXES) and series(k)[0]
    ]
    handles, labels = ax.get_legend_handles_labels()
    if scores:
        right = ax.twinx()
        for i, key in enumerate(scores):
            xs, ys = series(key)
            right.plot(
                xs,
                ys,
                linestyle="--",
                marker="s",
                markersize=3,
                color=f"C{len(losses) + i}",
                label=key,
            )
        right.set_ylabel("score")
        more_handles, more_labels = right.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    if len(epochs) > 1:
        ax.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)
    ax.legend(handles, labels, loc="best", fontsize="small")
    return ax
