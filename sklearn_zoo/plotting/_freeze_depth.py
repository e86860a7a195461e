"""A search's cross-validated score against ``freeze_depth``: :class:`FreezeDepthDisplay`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._common import pyplot


class FreezeDepthDisplay:
    """Cross-validated score against ``freeze_depth``, from a fitted parameter search.

    One bar per ``freeze_depth`` the search tried, in the order of its grid: the best mean test
    score among the candidates with that depth (whatever their other parameters), its standard
    deviation over the folds as an error bar, and the mean training score of that candidate as
    a marker when the search kept it (``return_train_score=True``). The best depth is drawn in a
    darker colour. Create it with :meth:`from_cv_results`.

    Parameters
    ----------
    freeze_depths : list
        The ``freeze_depth`` values, in grid order.
    mean_test_score, std_test_score : list of float
        The best candidate's mean and standard deviation of the test score, per depth.
    mean_train_score : list of float, default=None
        The same candidate's mean training score, per depth.
    score_name : str, default="score"
        The y axis label.

    Attributes
    ----------
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure
    bars_ : matplotlib.container.BarContainer
        One bar per depth.

    See Also
    --------
    TrainingCurvesDisplay : The per-epoch training curves of one fit.
    sklearn.model_selection.ValidationCurveDisplay : Score against a parameter, fitting anew.

    Examples
    --------
    >>> from sklearn_zoo import FreezeDepthDisplay
    >>> cv_results = {"param_freeze_depth": ["all", -1, "all", -1],
    ...               "param_head_size": [(), (), (64,), (64,)],
    ...               "mean_test_score": [0.80, 0.85, 0.82, 0.84],
    ...               "std_test_score": [0.02, 0.03, 0.01, 0.02]}
    >>> display = FreezeDepthDisplay.from_cv_results(cv_results)
    >>> display.freeze_depths, display.mean_test_score
    (['all', -1], [0.82, 0.85])
    """

    def __init__(
        self,
        freeze_depths: list,
        mean_test_score: list[float],
        std_test_score: list[float],
        *,
        mean_train_score: list[float] | None = None,
        score_name: str = "score",
    ) -> None:
        self.freeze_depths = freeze_depths
        self.mean_test_score = mean_test_score
        self.std_test_score = std_test_score
        self.mean_train_score = mean_train_score
        self.score_name = score_name

    @classmethod
    def from_cv_results(
        cls,
        cv_results: Any,
        *,
        param_name: str = "freeze_depth",
        score_name: str | None = None,
        ax: Any = None,
    ) -> FreezeDepthDisplay:
        """Plot a search's best score per ``freeze_depth``.

        Parameters
        ----------
        cv_results : dict or fitted search
            A fitted ``GridSearchCV`` / ``RandomizedSearchCV`` or its ``cv_results_``, with
            ``freeze_depth`` among the parameters searched.
        param_name : str, default="freeze_depth"
            The parameter on the x axis; ``"estimator__freeze_depth"`` for a pipeline step.
        score_name : str, default=None
            The y axis label; ``None`` is the search's ``scoring`` when it is a name, else
            ``"score"``.
        ax : matplotlib.axes.Axes, default=None
            The Axes to draw on; ``None`` creates a new figure.

        Returns
        -------
        display : FreezeDepthDisplay
            The drawn display.
        """
        scoring = getattr(cv_results, "scoring", None)
        results = getattr(cv_results, "cv_results_", cv_results)
        if not isinstance(results, Mapping) or f"param_{param_name}" not in results:
            raise ValueError(
                f"FreezeDepthDisplay.from_cv_results needs a fitted search over {param_name!r} "
                f"or its cv_results_ (with a 'param_{param_name}' column). Got "
                f"{type(cv_results).__name__} instead."
            )
        depths, best = _best_per_value(results, param_name)
        train = results.get("mean_train_score")
        name = score_name or (scoring if isinstance(scoring, str) else "score")
        return cls(
            depths,
            [float(results["mean_test_score"][i]) for i in best],
            [float(results["std_test_score"][i]) for i in best],
            mean_train_score=None if train is None else [float(train[i]) for i in best],
            score_name=name,
        ).plot(ax=ax)

    def plot(self, ax: Any = None) -> FreezeDepthDisplay:
        """Draw the bars.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            The Axes to draw on; ``None`` creates a new figure.

        Returns
        -------
        display : FreezeDepthDisplay
            This display, with ``ax_``, ``figure_`` and ``bars_`` set.
        """
        if ax is None:
            _, ax = pyplot("FreezeDepthDisplay").subplots(figsize=(5.0, 4.0))
        labels = [str(d) for d in self.freeze_depths]
        best = max(range(len(labels)), key=lambda i: self.mean_test_score[i])
        colors = ["tab:blue" if i == best else "lightsteelblue" for i in range(len(labels))]
        self.bars_ = ax.bar(
            labels, self.mean_test_score, yerr=self.std_test_score, color=colors, capsize=3
        )
        self.bars_.set_label(f"mean test {self.score_name}")
        if self.mean_train_score is not None:
            ax.plot(labels, self.mean_train_score, "o", color="0.3", label="mean train score")
        ax.set_xlabel("freeze_depth")
        ax.set_ylabel(f"cross-validated {self.score_name}")
        ax.set_title("Score against freeze depth")
        ax.legend(loc="lower right", fontsize="small")
        self.ax_, self.figure_ = ax, ax.figure
        return self


def _best_per_value(results: Mapping, param_name: str) -> tuple[list, list[int]]:
    """The distinct values of a parameter (first seen first), and for each the index of the
    candidate with the best mean test score."""
    values = list(results[f"param_{param_name}"])
    scores = results["mean_test_score"]
    distinct: list = []
    best: list[int] = []
    for i, value in enumerate(values):
        if value not in distinct:
            distinct.append(value)
            best.append(i)
        else:
            j = distinct.index(value)
            if scores[i] > scores[best[j]]:
                best[j] = i
    return distinct, best
