"""The frozen-prefix cache: activations of the frozen, deterministic first blocks, computed once per
``fit`` and reused by every epoch."""

from __future__ import annotations

from typing import Any

import torch

from .backbones import Backbone
from .inputs import TensorDataset

# the most memory the cached activations of one fit may take; beyond it training runs uncached
MAX_BYTES = 4 * 2**30


class FrozenFeatureCache:
    """Runs ``backbone``'s first ``k`` blocks (eval mode, inference mode) over a dataset once."""

    def __init__(
        self,
        backbone: Backbone,
        k: int,
        *,
        device: str,
        batch_size: int,
        max_bytes: int = MAX_BYTES,
    ):
        self.backbone = backbone
        self.k = k
        self.device = device
        self.batch_size = max(int(batch_size), 1)
        self.max_bytes = max_bytes
        self.n_batches_run = 0

    def wrap(self, dataset: Any) -> TensorDataset | None:
        """A dataset of cached prefix outputs with the same targets, or None if it would not fit."""
        n = len(dataset)
        chunks: list[torch.Tensor] = []
        was_training = self.backbone.training
        self.backbone.to(self.device)
        self.backbone.eval()
        try:
            with torch.inference_mode():
                for start in range(0, n, self.batch_size):
                    X, _ = dataset.__getitems__(list(range(start, min(start + self.batch_size, n))))
                    X = {k: v.to(self.device) for k, v in X.items()}
                    inputs = X.get("pixel_values", X)
                    out = self.backbone.forward_prefix(inputs, self.k).float().cpu()
                    if not chunks and out[0].numel() * out.element_size() * n > self.max_bytes:
                        return None
                    chunks.append(out)
                    self.n_batches_run += 1
        finally:
            self.backbone.train(was_training)
        return TensorDataset(torch.cat(chunks), y=dataset.y)
