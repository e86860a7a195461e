"""Low-rank adapters (LoRA, DoRA) through ``peft``, on a backbone's trainable blocks: where they go,
attaching them, merging them for inference, and the hash of the base weights they were fitted on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ._digest import weights_sha256
from .backbones import Backbone

ADAPTERS = ("lora", "dora")
MARK = "lora_"  # every tensor peft's LoRA and DoRA layers add has it in its name
BASE = ".base_layer"  # the wrapped layer inside an adapted one


@dataclass(frozen=True)
class AdapterConfig:
    """The estimator's adapter parameters, checked; ``alpha=None`` means twice the rank."""

    kind: str
    rank: int
    alpha: float | None
    dropout: float
    targets: str | tuple[str, ...]

    def peft_config(self, modules: Sequence[str]) -> Any:
        peft = require_peft()
        return peft.LoraConfig(
            r=self.rank,
            lora_alpha=self.alpha if self.alpha is not None else 2 * self.rank,
            lora_dropout=self.dropout,
            target_modules=list(modules),
            use_dora=self.kind == "dora",
            bias="none",
        )


def require_peft(owner: str = "adapter") -> Any:
    try:
        import peft
    except ImportError:
        raise ImportError(
            f"{owner} needs the peft package: pip install 'sklearn-zoo[peft]'."
        ) from None
    return peft


def auto_target(module: nn.Module) -> bool:
    """``adapter_targets="auto"``: linear layers (a transformer's attention and MLP projections, a
    classifier-free CNN's projections) and pointwise (1x1, ungrouped) convolutions."""
    if isinstance(module, nn.Linear):
        return True
    return isinstance(module, nn.Conv2d) and module.kernel_size == (1, 1) and module.groups == 1


def _block_of(backbone: Backbone) -> dict[str, int]:
    """Module name -> the block its weight belongs to."""
    block = {}
    for i, names in enumerate(backbone.block_param_names()):
        for name in names:
            if name.endswith(".weight"):
                block[name[: -len(".weight")]] = i
    return block


def target_modules(backbone: Backbone, start: int, targets: str | Sequence[str]) -> list[str]:
    """Names of the modules of blocks ``start..`` that get an adapter: ``"auto"``'s kinds, or the
    modules whose name is, or ends with ``"." +``, one of ``targets``."""
    block = _block_of(backbone)
    chosen = []
    for name, module in backbone.named_modules():
        if block.get(name, -1) < start:
            continue
        if targets == "auto":
            wanted = auto_target(module)
        else:
            wanted = any(name == t or name.endswith("." + t) for t in targets)
            if wanted and not isinstance(module, nn.Linear | nn.Conv2d):
                raise ValueError(
                    f"The 'adapter_targets' parameter names {name!r}, a "
                    f"{type(module).__name__}: adapters go into Linear and Conv2d layers."
                )
        if wanted:
            chosen.append(name)
    return chosen


def attach(backbone: Backbone, config: AdapterConfig, modules: Sequence[str]) -> int:
    """Wrap ``modules`` of ``backbone`` in adapters, in place; return their parameter count.

    Afterwards :meth:`Backbone.freeze` trains only the adapters of the blocks it leaves trainable.
    """
    peft = require_peft()
    block = _block_of(backbone)
    # their random start leaves torch's generator as it found it: the stages after run as they
    # would without adapters (the probe LP-FT's guard gives back is strategy="probe"'s fit)
    with torch.random.fork_rng(devices=[]):
        peft.inject_adapter_in_model(config.peft_config(modules), backbone)
    owners = {
        name: block[name.split("." + MARK, 1)[0]]
        for name, _ in backbone.named_parameters()
        if MARK in name
    }
    backbone.adapter_blocks = owners
    return sum(p.numel() for n, p in backbone.named_parameters() if n in owners)


def merge(backbone: nn.Module) -> None:
    """Fold every adapter into the weight it adapts: prediction runs the base layers alone."""
    from peft.tuners.tuners_utils import BaseTunerLayer

    with torch.no_grad():
        for module in backbone.modules():
            if isinstance(module, BaseTunerLayer) and not module.merged:
                module.merge()


def mark_merged(backbone: nn.Module) -> None:
    """Mark every adapter as merged into weights that hold it already (a network saved in full)."""
    from peft.tuners.tuners_utils import BaseTunerLayer

    for module in backbone.modules():
        if isinstance(module, BaseTunerLayer) and not module.merged:
            module.merged_adapters.append(module.active_adapters[0])


def is_saved(name: str) -> bool:
    """Whether a tensor of an adapted network is saved: the adapters and the head (the backbone's
    own weights are the checkpoint's)."""
    return MARK in name or name.startswith("head.")


def base_name(name: str) -> str:
    """The checkpoint's name of a base tensor of an adapted backbone."""
    return name.replace(BASE + ".", ".")


def weights_hash(backbone: nn.Module) -> str:
    """SHA-256 of a backbone's base tensors (names, dtypes, shapes, bytes), adapters left out:
    the digest the model card gives the same weights without adapters."""
    return weights_sha256(backbone, skip=MARK, rename=base_name)


def load_base(adapted: Backbone, base: Backbone) -> None:
    """Copy ``base``'s weights into the base layers of ``adapted`` (same architecture)."""
    source = base.state_dict()
    wanted = {n: base_name(n) for n in adapted.state_dict() if MARK not in n}
    missing = sorted(set(wanted.values()) - set(source))
    if missing:
        raise ValueError(f"The checkpoint has no tensor {missing[0]!r} of the saved network.")
    state = {n: source[b] for n, b in wanted.items()}
    try:
        adapted.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # shapes of another architecture
        raise ValueError(f"The checkpoint does not fit the saved network: {exc}") from None
