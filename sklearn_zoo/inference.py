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
) -> np.ndarray:
    """Concatenated ``fn(batch)`` outputs as float32 numpy, in the dataset's order."""
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
    return torch.cat(outs).numpy()
