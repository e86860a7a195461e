"""The adapter step of a fit (``adapter="lora"``): its parameters, the adapters a plan attaches, the
fitted attributes they leave, and how a saved adapter fit finds its base checkpoint again."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from numbers import Integral, Real
from typing import Any

from .. import adapters
from .._compat import Interval, StrOptions
from ..architectures import known_checkpoint
from ..backbones import Backbone
from ..loading import load_backbone
from ..zoo import CheckpointSpec, list_checkpoints
from ._plan import FitPlan
from ._saving import Field, _must

ADAPTER_CONSTRAINTS: dict[str, list] = {
    "adapter": [StrOptions(set(adapters.ADAPTERS)), None],
    "adapter_rank": [Interval(Integral, 1, None, closed="left")],
    "adapter_alpha": [Interval(Real, 0, None, closed="neither"), None],
    "adapter_dropout": [Interval(Real, 0, 1, closed="left")],
    "adapter_targets": [StrOptions({"auto"}), list, tuple],
}


@dataclass(frozen=True)
class AdapterPlan:
    """The adapters a fit attached: where, with what, and the base weights they adapt."""

    modules: tuple[str, ...]
    base_sha256: str | None  # None: random base weights (pretrained=False), saved in full


def config_of(estimator: Any) -> adapters.AdapterConfig | None:
    """The estimator's adapter parameters, checked (None without an adapter)."""
    if estimator.adapter is None:
        return None
    targets = estimator.adapter_targets
    if targets != "auto" and (not targets or not all(isinstance(t, str) and t for t in targets)):
        raise ValueError(
            f"The 'adapter_targets' parameter of {type(estimator).__name__} must be 'auto' or a "
            f"non-empty list of module names (e.g. ['query', 'value']). Got {targets!r} instead."
        )
    adapters.require_peft(f"adapter={estimator.adapter!r} in {type(estimator).__name__}")
    return adapters.AdapterConfig(
        estimator.adapter,
        int(estimator.adapter_rank),
        None if estimator.adapter_alpha is None else float(estimator.adapter_alpha),
        float(estimator.adapter_dropout),
        targets if targets == "auto" else tuple(targets),
    )


def plan_adapter(
    estimator: Any, backbone: Backbone, k: int, spec: CheckpointSpec, continued: bool = False
) -> Any:
    """Attach the estimator's adapters to blocks ``k..`` of ``backbone`` (the blocks
    ``freeze_depth`` leaves trainable); None without an adapter or with nothing to train.
    ``continued``: ``backbone`` is a fitted one (``warm_start``, ``partial_fit``), not the
    checkpoint's, so the adapted network is saved in full."""
    config = config_of(estimator)
    if config is None or k == backbone.num_blocks:
        return None
    if backbone.adapter_blocks is not None:
        raise ValueError(
            f"{type(estimator).__name__} was fitted with merged adapters, and continuing their "
            "training (warm_start=True, partial_fit) is not supported. Use warm_start=False to "
            "fit new adapters, or adapter=None to fine-tune the merged network further."
        )
    modules = adapters.target_modules(backbone, k, config.targets)
    if not modules:
        what = (
            "no Linear or 1x1 Conv2d layer"
            if config.targets == "auto"
            else f"no module named {list(config.targets)!r}"
        )
        raise ValueError(
            f"adapter={config.kind!r} in {type(estimator).__name__}: the trainable blocks "
            f"{k}..{backbone.num_blocks - 1} of {spec.name!r} ({spec.family}) have {what} to "
            "adapt. Name the layers with adapter_targets, train more blocks (freeze_depth), or "
            "use adapter=None."
        )
    base = adapters.weights_hash(backbone) if estimator.pretrained and not continued else None
    adapters.attach(backbone, config, modules)
    return AdapterPlan(tuple(modules), base)


def adapter_attributes(plan: FitPlan) -> dict[str, Any]:
    """Merge the fit's trained adapters into their layers (prediction costs what it costs
    without them) and name what a save needs to rebuild them."""
    adapter = plan.adapter
    if adapter is None:
        return {"adapter_modules_": None, "adapter_base_sha256_": None}
    adapters.merge(plan.backbone)
    return {"adapter_modules_": list(adapter.modules), "adapter_base_sha256_": adapter.base_sha256}


def saved_tensors(estimator: Any, fitted: dict | None = None) -> Callable[[str], bool] | None:
    """Which tensors a save of ``estimator`` (or of a saved ``fitted`` state) holds: the adapters
    and the head when the base is a checkpoint the library can load again; all (None) otherwise."""
    fitted = vars(estimator) if fitted is None else fitted
    if fitted.get("adapter_base_sha256_") is None:
        return None
    return adapters.is_saved


# -- loading ---------------------------------------------------------------------------------
def _modules(value: Any, where: str, state: dict) -> None:
    if value is not None and not (
        isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)
    ):
        raise _must(where, "None or a list of module names", value)


def _sha256(value: Any, where: str, state: dict) -> None:
    if value is not None and not (isinstance(value, str) and re.fullmatch("[0-9a-f]{64}", value)):
        raise _must(where, "None or a SHA-256 of 64 hex digits", value)


SAVED_FIELDS = {
    "adapter_modules_": Field(_modules, required=False),
    "adapter_base_sha256_": Field(_sha256, required=False),
}


def rebuild_adapters(estimator: Any, backbone: Backbone, state: dict[str, Any]) -> None:
    """Attach the saved fit's adapters to a rebuilt backbone, before its weights are read."""
    modules = state.get("adapter_modules_")
    if not modules:
        return
    config = config_of(estimator)
    try:
        found = set(adapters.target_modules(backbone, 0, modules)) if config else set()
    except ValueError:  # a layer that takes no adapter
        found = set()
    if config is None or found != set(modules):
        raise ValueError(
            "fitted.json: 'adapter_modules_' must name adapted layers of the rebuilt network "
            f"with the 'adapter' parameter set. Got {modules[:3]!r} and adapter="
            f"{estimator.adapter!r} instead."
        )
    adapters.attach(backbone, config, modules)


def restore_base(estimator: Any, network: Any, spec: CheckpointSpec, state: dict) -> None:
    """Fill the base layers of a compact adapter save from the checkpoint, as this library loads
    it, offline (nothing the folder names is downloaded or imported), and refuse another base."""
    expected = state.get("adapter_base_sha256_")
    if not state.get("adapter_modules_"):
        return
    if expected is None:  # saved in full: the base weights hold the merged adapters already
        adapters.mark_merged(network.backbone)
        return
    known = known_checkpoint(spec)
    packages = {entry.identifier for entry in list_checkpoints(source="package")}
    if known.source == "package" and known.identifier not in packages:
        raise ValueError(
            f"fitted.json: 'spec_' names the package {known.identifier!r}, which is not one of "
            "sklearn_zoo's weight packages: the adapters' base checkpoint cannot be loaded."
        )
    base = load_backbone(known, offline=True, **estimator._pooling_kwargs())
    found = adapters.weights_hash(base)
    if found != expected:
        raise ValueError(
            f"The checkpoint {spec.name!r} on this machine is not the base these adapters were "
            f"fitted on: its weights hash to {found[:12]}..., the saved fit's base to "
            f"{expected[:12]}.... Install the checkpoint the estimator was fitted with."
        )
    adapters.load_base(network.backbone, base)
    adapters.merge(network.backbone)


def adapted(estimator: Any, plan: FitPlan, continued: bool) -> FitPlan:
    """The plan with the estimator's adapters attached to the blocks it trains (its base weights
    digested before: the model card's base is the checkpoint's)."""
    adapter = plan_adapter(estimator, plan.backbone, plan.freeze_k, plan.spec, continued)
    return replace(plan, adapter=adapter)


class AdapterMixin:
    """An estimator's adapter hooks: its saved fields, what a save of an adapter fit holds, and
    how loading rebuilds the adapters and fills the base they adapt."""

    _saved_fields = SAVED_FIELDS
    _saved_tensors = saved_tensors
    _rebuild_adapters = rebuild_adapters
    _restore_base = restore_base
