"""One digest of a network's weights for every place that names them: the base checkpoint an
adapter fit was trained on (saved, and checked when it is loaded), the weights behind the frozen
features of a continued network (the feature cache's key) and the model card."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import torch
from torch import nn


def weights_sha256(
    module: nn.Module, skip: str | None = None, rename: Callable[[str], str] = str
) -> str:
    """SHA-256 of ``module``'s tensors in name order: each name (through ``rename``), dtype, shape
    and bytes. Tensors whose name contains ``skip`` are left out."""
    total = hashlib.sha256()
    state = module.state_dict()
    for name in sorted(n for n in state if skip is None or skip not in n):
        tensor = state[name].detach().to("cpu").contiguous()
        total.update(f"{rename(name)}|{tensor.dtype}|{tuple(tensor.shape)}\0".encode())
        total.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return total.hexdigest()
