"""Plots in scikit-learn's Display pattern: :class:`TrainingCurvesDisplay` (a fit's ``history_``)
and :class:`FreezeDepthDisplay` (a search's score against ``freeze_depth``). matplotlib is imported
when a plot is drawn (``pip install "sklearn-zoo[plot]"``)."""

from ._freeze_depth import FreezeDepthDisplay
from ._training_curves import TrainingCurvesDisplay, plot_learning_curves

__all__ = ["FreezeDepthDisplay", "TrainingCurvesDisplay", "plot_learning_curves"]
