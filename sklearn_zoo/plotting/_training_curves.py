"""The training curves of one fit: :class:`TrainingCurvesDisplay` and :func:`plot_learning_curves`."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import Any

from ._common import pyplot

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
                "TrainingCurvesDisplay expects a fitted sklearn_zoo estimator (or a search or "
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


class TrainingCurvesDisplay:
    """Per-epoch training curves of a fitted estimator, stage after stage.

    ``train_loss`` and, when the fit held out a validation set (``early_stopping=True``, or
    LP-FT's guard), ``valid_loss`` with the best epoch of each stage circled; per-epoch scores
    (the ``valid_acc`` such fits record, or a skorch ``EpochScoring`` callback's) on a second
    y-axis at the right. A fit of several
    stages (``strategy="lp-ft"`` or ``"contrastive"``) is drawn end to end: each stage named at
    the top, its line broken from the next by a dotted rule, the x axis counting epochs over the
    whole fit. Create it with :meth:`from_estimator`; ``plot`` draws it again elsewhere.

    Parameters
    ----------
    history : list of dict
        One dict per epoch (an estimator's ``history_``): ``train_loss``, optionally
        ``valid_loss``, ``stage`` and per-epoch scores.
    estimator_name : str, default=None
        Shown in the title.

    Attributes
    ----------
    ax_ : matplotlib.axes.Axes
        The Axes holding the losses.
    score_ax_ : matplotlib.axes.Axes or None
        The twin Axes holding the per-epoch scores, if any.
    figure_ : matplotlib.figure.Figure
        The figure of ``ax_``.
    lines_ : dict of str to matplotlib.lines.Line2D
        The line drawn for each history key.

    See Also
    --------
    FreezeDepthDisplay : A search's score against ``freeze_depth``.
    sklearn.model_selection.LearningCurveDisplay : Score against the number of training samples.

    Examples
    --------
    >>> from sklearn_zoo import PretrainedImageClassifier, TrainingCurvesDisplay
    >>> from sklearn_zoo.datasets import load_digit_images
    >>> X, y = load_digit_images()
    >>> clf = PretrainedImageClassifier(image_size=32, max_epochs=3, early_stopping=True,
    ...                                 validation_fraction=0.25, random_state=0)
    >>> display = TrainingCurvesDisplay.from_estimator(clf.fit(X[:80], y[:80]))
    >>> sorted(display.lines_)  # valid_acc: the validation accuracy every fit records
    ['train_loss', 'valid_acc', 'valid_loss']
    >>> [text.get_text() for text in display.ax_.texts]  # the stages of the default LP-FT
    ['probe', 'finetune']
    """

    def __init__(self, history: list[dict[str, Any]], *, estimator_name: str | None = None):
        self.history = history
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator: Any, *, ax: Any = None) -> TrainingCurvesDisplay:
        """Plot the training history of a fitted estimator.

        Parameters
        ----------
        estimator : fitted estimator, search or pipeline
            A fitted sklearn_zoo estimator (anything with ``history_``); a fitted
            ``GridSearchCV`` or ``RandomizedSearchCV`` (its ``best_estimator_`` is drawn); or a
            ``Pipeline`` whose last step is one.
        ax : matplotlib.axes.Axes, default=None
            The Axes to draw the losses on; ``None`` creates a new figure.

        Returns
        -------
        display : TrainingCurvesDisplay
            The drawn display.
        """
        history, fitted = _history(estimator)
        spec = getattr(fitted, "spec_", None)
        return cls(history, estimator_name=spec.name if spec is not None else None).plot(ax=ax)

    def plot(self, ax: Any = None) -> TrainingCurvesDisplay:
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            The Axes to draw the losses on; ``None`` creates a new figure.

        Returns
        -------
        display : TrainingCurvesDisplay
            This display, with ``ax_``, ``score_ax_``, ``figure_`` and ``lines_`` set.
        """
        history, _ = _history(self.history)
        if ax is None:
            _, ax = pyplot("TrainingCurvesDisplay").subplots(figsize=(6.4, 4.0))
        self.ax_, self.figure_, self.lines_ = ax, ax.figure, {}
        curves = _Curves(history)
        keys = list(dict.fromkeys(k for row in history for k in row if k != "stage"))
        losses = [k for k in ("train_loss", "valid_loss") if k in keys]
        losses += [k for k in keys if k.endswith("_loss") and k not in losses]
        for key in losses:
            self._draw_loss(curves, key)
        curves.mark_stages(ax)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        name = f" ({self.estimator_name})" if self.estimator_name else ""
        ax.set_title(f"Learning curves{name}")
        scores = [
            k
            for k in keys
            if k.startswith(("train_", "valid_"))
            and not k.endswith(_SKIP_SUFFIXES)
            and curves.series(k)[0]
        ]
        self.score_ax_ = self._draw_scores(curves, scores, first_color=len(losses))
        handles, labels = ax.get_legend_handles_labels()
        if self.score_ax_ is not None:
            more_handles, more_labels = self.score_ax_.get_legend_handles_labels()
            handles, labels = handles + more_handles, labels + more_labels
        if len(curves.epochs) > 1:
            ax.set_xlim(min(curves.epochs) - 0.5, max(curves.epochs) + 0.5)
        ax.legend(handles, labels, loc="best", fontsize="small")
        return self

    def _draw_loss(self, curves: _Curves, key: str) -> None:
        xs, ys = curves.series(key)
        if not xs:
            return
        (line,) = self.ax_.plot(xs, ys, marker="o", markersize=3, label=key)
        self.lines_[key] = line
        if key.startswith("valid"):  # the epoch early stopping restores, in each stage
            for _, start, stop in curves.stages:
                if pairs := curves.points(key, start, stop):
                    x, y = min(pairs, key=lambda p: p[1])
                    self.ax_.scatter([x], [y], s=60, facecolors="none", edgecolors=line.get_color())

    def _draw_scores(self, curves: _Curves, scores: list[str], first_color: int) -> Any:
        if not scores:
            return None
        right = self.ax_.twinx()
        for i, key in enumerate(scores):
            xs, ys = curves.series(key)
            style = {"linestyle": "--", "marker": "s", "markersize": 3}
            (self.lines_[key],) = right.plot(
                xs, ys, color=f"C{first_color + i}", label=key, **style
            )
        right.set_ylabel("score")
        return right


class _Curves:
    """A history laid out for drawing: each stage's epochs end to end on one x axis."""

    def __init__(self, history: list[dict[str, Any]]) -> None:
        self.history = history
        self.stages = _stages(history)
        if len(self.stages) > 1:  # each stage counts its epochs from 1
            self.epochs = list(range(1, len(history) + 1))
        else:
            self.epochs = [row.get("epoch", i + 1) for i, row in enumerate(history)]

    def points(self, key: str, start: int, stop: int) -> list[tuple[Any, float]]:
        """``(epoch, value)`` of ``key`` in history rows ``start`` to ``stop``."""
        rows = self.history
        return [
            (self.epochs[i], float(rows[i][key]))
            for i in range(start, stop)
            if _is_number(rows[i].get(key))
        ]

    def series(self, key: str) -> tuple[list, list]:
        """The points of ``key``, a NaN between stages so that the line breaks there."""
        xs: list = []
        ys: list = []
        for _, start, stop in self.stages:
            pairs = self.points(key, start, stop)
            if xs and pairs:
                xs.append((xs[-1] + pairs[0][0]) / 2)
                ys.append(float("nan"))
            xs += [p[0] for p in pairs]
            ys += [p[1] for p in pairs]
        return xs, ys

    def mark_stages(self, ax: Any) -> None:
        """Where each stage starts, and its name (only for a fit of several stages)."""
        if len(self.stages) < 2:
            return
        for i, (name, start, _) in enumerate(self.stages):
            if i:
                ax.axvline(self.epochs[start] - 0.5, color="0.6", linestyle=":", linewidth=1)
            ax.text(
                self.epochs[start] - 0.4,
                0.98,
                str(name),
                transform=ax.get_xaxis_transform(),
                va="top",
                fontsize="small",
                color="0.4",
            )


def plot_learning_curves(estimator: Any, ax: Any = None) -> Any:
    """Plot the per-epoch training history of a fitted estimator.

    A shortcut for ``TrainingCurvesDisplay.from_estimator(estimator, ax=ax).ax_``; see
    :class:`TrainingCurvesDisplay` for what is drawn.

    Parameters
    ----------
    estimator : fitted estimator, search, pipeline, or list of dict
        A fitted sklearn_zoo estimator, a fitted search or a pipeline around one (see
        :meth:`TrainingCurvesDisplay.from_estimator`), or a history as a list of per-epoch dicts.
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

    See Also
    --------
    TrainingCurvesDisplay : The Display this returns the Axes of.

    Examples
    --------
    >>> from sklearn_zoo import plot_learning_curves
    >>> history = [{"epoch": 1, "train_loss": 0.9}, {"epoch": 2, "train_loss": 0.4}]
    >>> plot_learning_curves(history).get_lines()[0].get_ydata().tolist()
    [0.9, 0.4]
    """
    if isinstance(estimator, Sequence) and not isinstance(estimator, str):
        return TrainingCurvesDisplay(list(estimator)).plot(ax=ax).ax_
    return TrainingCurvesDisplay.from_estimator(estimator, ax=ax).ax_
