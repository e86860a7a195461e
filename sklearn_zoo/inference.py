"""Batched inference: a dataset through a function of the module, in inference mode (and autocast)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .inputs import identity_collate
from .runtime import autocast, pins_memory


def run_batches(
    dataset: Any,
    fn: Callable[[dict[str, torch.Tensor]], torch.Tensor],
    *,
    device: str,
    batch_size: int,
    autocast_dtype: torch.dtype | None = None,
    num_workers: int = 0,
    order: np.ndarray | None = None,
) -> np.ndarray:
    """Concatenated ``fn(batch)`` outputs as float32 numpy, rows back in the caller's order.

    ``order`` is the permutation the dataset was built in (e.g. texts longest first).
    """
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=False,
        collate_fn=identity_collate,
        num_workers=num_workers,
        pin_memory=pins_memory(device),
    )
    outs = []
    with torch.inference_mode(), autocast(device, autocast_dtype):
        for X, _ in loader:
            batch = {k: v.to(device, non_blocking=True) for k, v in X.items()}
            outs.append(fn(batch).float().cpu())
    out = torch.cat(outs).numpy()
    if order is not None:
        restored = np.empty_like(out)
        restored[order] = out
        out = restored
    return out
