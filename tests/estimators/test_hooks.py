"""The fit recipe's contract with the modality and task halves of every fine-tuning estimator."""

from __future__ import annotations

import inspect
import re

from sklearn_zoo import estimators
from sklearn_zoo.estimators import _base, _saving
from sklearn_zoo.estimators._base import ZooEstimatorMixin
from sklearn_zoo.estimators._modalities import ImageInputMixin, TextInputMixin
from sklearn_zoo.estimators._tasks import ZooClassifierMixin, ZooRegressorMixin


def _private(cls: type) -> set[str]:
    return {name for name in vars(cls) if name.startswith("_") and not name.startswith("__")}


def test_the_class_docstring_lists_the_hooks_the_halves_provide():
    listed = set(re.findall(r"``(_[a-z_]+)``", ZooEstimatorMixin.__doc__))
    halves = (ImageInputMixin, TextInputMixin, ZooClassifierMixin, ZooRegressorMixin)
    recipe = inspect.getsource(_base) + inspect.getsource(_saving)
    # a hook is what the halves define and the recipe (fit, inference, save/load) uses
    used = set(re.findall(r"[.\"](_[a-z_]+)\b", recipe))
    hooks = set().union(*map(_private, halves)) & used
    assert listed == hooks
    fine_tuning = [getattr(estimators, name) for name in estimators.__all__]
    fine_tuning = [cls for cls in fine_tuning if issubclass(cls, ZooEstimatorMixin)]
    assert len(fine_tuning) == 4
    for cls in fine_tuning:
        assert all(hasattr(cls, hook) for hook in listed), cls.__name__
