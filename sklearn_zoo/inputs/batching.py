"""Batch-level plumbing shared by the datasets: target rows, cached activations, the no-op collate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch


def refuse_sparse(X: Any, what: str) -> None:
    """A scipy sparse matrix is neither images nor texts: say so before anything else looks at it."""
    if hasattr(X, "tocsr") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"Sparse input is not supported: pass the {what} as a dense array or a list."
        )


def select(y: Any, indices: Sequence[int]) -> Any:
    """Rows ``indices`` of a target (tensor, or dict of tensors); a zero placeholder when there is none."""
    if y is None:
        return torch.zeros(len(indices))
    index = torch.as_tensor(indices, dtype=torch.long)
    if isinstance(y, dict):
        return {k: v[index] for k, v in y.items()}
    return y[index]


class TensorDataset(torch.utils.data.Dataset):
    """Precomputed backbone activations (the frozen-prefix cache) served a batch at a time."""

    def __init__(self, prefix: torch.Tensor, y: Any = None) -> None:
        self.prefix = prefix
        self.y = y

    def __len__(self) -> int:
        return len(self.prefix)

    def __getitem__(self, i: int):
        return self.__getitems__([i])

    def __getitems__(self, indices: Sequence[int]):
        index = torch.as_tensor(indices, dtype=torch.long)
        return {"prefix": self.prefix[index]}, select(self.y, indices)


def identity_collate(batch: Any) -> Any:
    """Datasets here build whole batches in ``__getitems__``: nothing is left to collate."""
    return batch
