"""The private skorch / accelerate internals behind ``sklearn_zoo._compat``: the installed versions
are the ones they were checked against, and each adapter does what the code relies on."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import pytest
import torch
from packaging.specifiers import SpecifierSet

from sklearn_zoo import _compat


def unchecked(package: str, installed: str) -> str | None:
    """What to do when ``installed`` is outside the versions ``_compat`` was checked against."""
    checked = SpecifierSet(_compat.CHECKED[package])
    if checked.contains(installed, prereleases=True):
        return None
    return (
        f"{package} {installed} is installed, but sklearn_zoo/_compat.py was checked against "
        f"{package} {_compat.CHECKED[package]} only. Re-check in {package} {installed}: {_compat.RECHECK[package]}. "
        "Then run tests/test_accelerate.py and tests/test_training.py, and widen "
        "_compat.CHECKED."
    )


@pytest.mark.parametrize("package", sorted(_compat.CHECKED))
def test_installed_versions_are_the_checked_ones(package):
    try:
        installed = version(package)
    except PackageNotFoundError:
        pytest.skip(f"{package} is not installed")
    problem = unchecked(package, installed)
    assert problem is None, problem


def test_a_version_outside_the_range_says_what_to_recheck():
    message = unchecked("skorch", "99.0")
    assert "skorch 99.0" in message and "_set_training" in message and "CHECKED" in message
    assert "_reset_state" in unchecked("accelerate", "0.20.0")
    assert unchecked("accelerate", version("accelerate")) is None


def test_set_training_switches_every_module_of_a_net():
    from skorch import NeuralNet

    net = NeuralNet(torch.nn.Linear(2, 1), torch.nn.MSELoss).initialize()
    _compat.set_training(net, False)
    assert not net.module_.training and not net.criterion_.training
    _compat.set_training(net)
    assert net.module_.training and net.criterion_.training


def test_free_accelerator_state_lets_a_second_accelerator_take_other_settings():
    pytest.importorskip("accelerate")
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState

    Accelerator(cpu=True, mixed_precision="no")
    _compat.free_accelerator_state(mixed_precision="no", cpu=True)
    assert AcceleratorState._shared_state, "same settings: the state is kept"
    _compat.free_accelerator_state(mixed_precision="bf16", cpu=True)
    assert Accelerator(cpu=True, mixed_precision="bf16").mixed_precision == "bf16"
    _compat.free_accelerator_state(mixed_precision="no", cpu=True)


def test_uncompiled_gives_the_module_torch_compile_wrapped():
    module = torch.nn.Linear(2, 1)
    assert _compat.uncompiled(torch.compile(module, backend="eager")) is module
    assert _compat.uncompiled(module) is module


def test_unwrap_accelerated_leaves_the_state_of_a_plain_net():
    pytest.importorskip("accelerate")
    from accelerate import Accelerator
    from skorch import NeuralNet
    from skorch.hf import AccelerateMixin

    class AcceleratedNet(AccelerateMixin, NeuralNet):
        pass

    _compat.free_accelerator_state(mixed_precision="no", cpu=True)
    X = torch.randn(8, 2)
    net = AcceleratedNet(
        torch.nn.Linear(2, 1),
        torch.nn.MSELoss,
        accelerator=Accelerator(cpu=True),
        max_epochs=1,
        train_split=None,
        unwrap_after_train=False,
    ).fit(X, torch.zeros(8, 1))
    expected = net.predict(X)
    plain = NeuralNet.__new__(NeuralNet)
    plain.__dict__.update(_compat.unwrap_accelerated(net))
    assert not [v for v in vars(plain).values() if isinstance(v, Accelerator)]
    assert type(plain.module_) is torch.nn.Linear
    assert (plain.predict(X) == expected).all()


def test_parameter_constraints_validate_as_scikit_learn_does():
    """The private constraint classes every estimator module takes from ``_compat``: a bad value is
    a ``ValueError`` in scikit-learn's words, a good one passes."""
    from numbers import Real

    from sklearn.base import BaseEstimator

    class Probe(BaseEstimator):
        _parameter_constraints = {
            "rate": [_compat.Interval(Real, 0, None, closed="neither")],
            "mode": [_compat.StrOptions({"a", "b"})],
        }

        def __init__(self, rate=1.0, mode="a"):
            self.rate = rate
            self.mode = mode

    Probe()._validate_params()
    with pytest.raises(ValueError, match=r"The 'rate' parameter of Probe must be a float in"):
        Probe(rate=0)._validate_params()
    with pytest.raises(ValueError, match=r"The 'mode' parameter of Probe must be a str among"):
        Probe(mode="c")._validate_params()
