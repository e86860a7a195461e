"""The private scikit-learn, skorch, accelerate, torch and keras internals sklearn_zoo relies on, in one place.
``tests/test_compat.py`` fails on a skorch or accelerate outside the versions checked here."""

from __future__ import annotations

from typing import Any

# scikit-learn's parameter constraints: a private module, but the one its own estimators validate
# with (``_validate_params``); every estimator module takes them from here
from sklearn.utils._param_validation import Interval as Interval
from sklearn.utils._param_validation import StrOptions as StrOptions

# versions whose internals below were read and tested (skorch 1.1-1.3 and accelerate 0.34, 1.0, 1.5
# and 1.10 by their source, 1.16 by its source and the suite; skorch 1.4.0 and accelerate 1.15.0
# by the test suite)
CHECKED = {"skorch": ">=1.1,<1.5", "accelerate": ">=0.34,<1.17"}
RECHECK = {
    "skorch": "NeuralNet._set_training(training) still puts every module and criterion in "
    "train/eval mode; AccelerateMixin._unwrap_accelerator() still unwraps module_ and "
    "criterion_; the attributes AccelerateMixin adds are still exactly accelerator, "
    "unwrap_after_train and _wrapped_with_accelerator",
    "accelerate": "AcceleratorState._shared_state is still the one per-process settings dict, "
    "with keys '_mixed_precision' and 'device'; AcceleratorState._reset_state("
    "reset_partial_state=False) still clears it and keeps the PartialState",
}
_ACCELERATE_MIXIN_STATE = ("accelerator", "unwrap_after_train", "_wrapped_with_accelerator")


def set_training(net: Any, training: bool = True) -> None:
    """Train (or eval) mode on all of a skorch net's modules and criteria, as its own step does."""
    net._set_training(training)


def unwrap_accelerated(net: Any) -> dict[str, Any]:
    """The attributes of a skorch accelerated net, its modules unwrapped from the accelerator,
    less those ``AccelerateMixin`` adds (the ``Accelerator`` does not pickle)."""
    net._unwrap_accelerator()
    return {k: v for k, v in vars(net).items() if k not in _ACCELERATE_MIXIN_STATE}


def free_accelerator_state(*, mixed_precision: str, cpu: bool) -> None:
    """Let a new ``Accelerator`` take other settings than the process's earlier one.

    Accelerate keeps one state per process and refuses a second Accelerator with other settings.
    Estimators in one process (a grid over precision) each want their own: reset it, keeping the
    PartialState that holds the distributed launch.
    """
    from accelerate.state import AcceleratorState

    state = AcceleratorState._shared_state
    if state and (
        state.get("_mixed_precision") != mixed_precision
        or (cpu and getattr(state.get("device"), "type", "cpu") != "cpu")
    ):
        AcceleratorState._reset_state(reset_partial_state=False)


def uncompiled(module: Any) -> Any:
    """The module ``torch.compile`` wrapped (``module`` itself when it is not compiled)."""
    return getattr(module, "_orig_mod", module)


def keras_torch_parameters(model: Any) -> None:
    """Register every variable of a Keras 3 model (torch backend) as a torch parameter. Keras does
    so when a layer is built; a model restored from a KerasHub preset can hold an empty
    ``_torch_params`` made before its variables existed (keras 3.15). Its ``_track_variables``
    rebuilds the dict from ``model.variables``."""
    tracked = {name.split(".", 1)[1] for name, _ in model.named_parameters()}
    if {v.path for v in model.variables} - tracked:
        model._track_variables()
