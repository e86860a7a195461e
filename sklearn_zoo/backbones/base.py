"""The common face of every backbone: ordered blocks (stem first), pooled features, freezing by depth."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

FreezeDepth = int | str


def resolve_freeze_depth(freeze_depth: Any, num_blocks: int, checkpoint: str = "") -> int:
    """Turn a ``freeze_depth`` value into the number of leading blocks to freeze.

    ``0`` fine-tunes everything, ``k > 0`` freezes the first ``k`` blocks (1 = the stem alone),
    ``-k`` leaves only the last ``k`` blocks trainable and ``"all"`` freezes the whole backbone.
    """
    where = f" for checkpoint {checkpoint!r}" if checkpoint else ""
    allowed = (
        f"'all' or an int in [-{num_blocks}, {num_blocks}]{where}, which has {num_blocks} blocks "
        "(0 fine-tunes everything, k freezes the first k blocks, -k trains only the last k)"
    )
    if isinstance(freeze_depth, str):
        if freeze_depth == "all":
            return num_blocks
        raise ValueError(
            f"The 'freeze_depth' parameter must be {allowed}. Got {freeze_depth!r} instead."
        )
    if isinstance(freeze_depth, bool) or not isinstance(freeze_depth, int | _np_integer()):
        raise TypeError(
            f"The 'freeze_depth' parameter must be {allowed}. Got {freeze_depth!r} of type "
            f"{type(freeze_depth).__name__} instead."
        )
    depth = int(freeze_depth)
    if not -num_blocks <= depth <= num_blocks:
        raise ValueError(f"The 'freeze_depth' parameter must be {allowed}. Got {depth} instead.")
    return depth if depth >= 0 else num_blocks + depth


def _np_integer() -> type:
    import numpy as np

    return np.integer


class Backbone(nn.Module):
    """Base class of the family adapters.

    Subclasses set ``num_features`` and implement :meth:`block_param_names` and
    :meth:`forward_features`. Families whose blocks can be run one after another also implement
    :meth:`forward_prefix` / :meth:`forward_suffix` and set ``supports_split = True``; the frozen
    prefix cache then stores the prefix output at any depth (otherwise only at ``"all"``).
    """

    num_features: int
    supports_split: bool = False
    # set by sklearn_zoo.adapters.attach: adapter parameter name -> its block. Then only the
    # adapters train, those of the blocks ``freeze`` leaves trainable.
    adapter_blocks: dict[str, int] | None = None
    frozen_only: bool = False  # runs outside torch (a TensorFlow graph): features only, no training

    def __init__(self) -> None:
        super().__init__()
        self.frozen_blocks = 0
        self.frozen_norm_stats = False

    # -- structure -------------------------------------------------------------------------
    def block_param_names(self) -> list[list[str]]:
        """Parameter names (relative to this module) of each block, stem first."""
        raise NotImplementedError

    @property
    def num_blocks(self) -> int:
        return len(self.block_param_names())

    # -- forward ---------------------------------------------------------------------------
    def forward_features(self, x: Any) -> torch.Tensor:
        """Pooled features of shape ``(n, num_features)``."""
        raise NotImplementedError

    def forward(self, x: Any) -> torch.Tensor:
        return self.forward_features(x)

    def forward_prefix(self, x: Any, k: int) -> Any:
        """Output of the first ``k`` blocks (``k == num_blocks``: the pooled features)."""
        if k == self.num_blocks:
            return self.forward_features(x)
        if k == 0:
            return x
        raise NotImplementedError(f"{type(self).__name__} cannot be split after block {k}.")

    def forward_suffix(self, h: Any, k: int) -> torch.Tensor:
        """Run blocks ``k..`` on the output of :meth:`forward_prefix` and pool."""
        if k == self.num_blocks:
            return h
        if k == 0:
            return self.forward_features(h)
        raise NotImplementedError(f"{type(self).__name__} cannot be split after block {k}.")

    def can_split_at(self, k: int) -> bool:
        return self.supports_split or k in (0, self.num_blocks)

    # -- freezing --------------------------------------------------------------------------
    def freeze(self, freeze_depth: FreezeDepth, checkpoint: str = "") -> int:
        """Freeze the leading blocks as ``freeze_depth`` says; return how many are frozen.

        Parameters outside every block (there should be none) stay trainable. Frozen blocks are
        kept in eval mode by :meth:`train`, so their BatchNorm statistics and dropout do not move.
        A backbone with adapters trains those of blocks ``k..`` and nothing else.
        """
        groups = self.block_param_names()
        k = resolve_freeze_depth(freeze_depth, len(groups), checkpoint)
        frozen = {name for group in groups[:k] for name in group}
        adapters = self.adapter_blocks
        for name, param in self.named_parameters():
            if adapters is None:
                param.requires_grad_(name not in frozen)
            else:
                param.requires_grad_(adapters.get(name, -1) >= k)
        self.frozen_blocks = k
        self.train(self.training)
        return k

    def _frozen_module_names(self) -> list[str]:
        """Maximal submodules all of whose parameters are frozen (paramless ones follow their parent)."""
        names = []
        status: dict[str, bool] = {}
        for name, module in self.named_modules():
            if not name:
                continue
            params = list(module.parameters())
            parent = name.rsplit(".", 1)[0] if "." in name else ""
            if params:
                is_frozen = all(not p.requires_grad for p in params)
            else:
                is_frozen = status.get(parent, False)
            status[name] = is_frozen
            if is_frozen and not status.get(parent, False):
                names.append(name)
        return names

    def train(self, mode: bool = True) -> Backbone:
        """Train mode, except for frozen blocks and, with ``frozen_norm_stats``, the BatchNorm
        layers (their weights still learn, their running statistics and batch normalization stay
        those of the pretrained network)."""
        super().train(mode)
        if mode and (self.frozen_blocks or self.adapter_blocks is not None):
            modules = dict(self.named_modules())
            for name in self._frozen_module_names():
                modules[name].eval()
        if mode and getattr(self, "frozen_norm_stats", False):  # older pickles lack it
            for module in self.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.eval()
        return self

    def trainable_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters() if p.requires_grad)


class SequentialBackbone(Backbone):
    """A backbone whose blocks are modules run one after the other, then pooled."""

    supports_split = True

    def __init__(self, blocks: list[nn.Module], pool: nn.Module, num_features: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.pool = pool
        self.num_features = int(num_features)

    def block_param_names(self) -> list[list[str]]:
        groups = [
            [f"blocks.{i}.{n}" for n, _ in block.named_parameters()]
            for i, block in enumerate(self.blocks)
        ]
        # parameters of the pooling step (a final norm) belong to the last block
        groups[-1] += [f"pool.{n}" for n, _ in self.pool.named_parameters()]
        return groups

    @property
    def num_blocks(self) -> int:
        return len(self.blocks)

    def forward_prefix(self, x: torch.Tensor, k: int) -> torch.Tensor:
        for block in self.blocks[:k]:
            x = block(x)
        return self.pool(x) if k == len(self.blocks) else x

    def forward_suffix(self, h: torch.Tensor, k: int) -> torch.Tensor:
        if k == len(self.blocks):
            return h
        for block in self.blocks[k:]:
            h = block(h)
        return self.pool(h)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_prefix(x, len(self.blocks))


class GlobalAvgPool(nn.Module):
    """Average over the spatial dimensions of an NCHW map, then flatten."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
