"""Turning user texts into model batches: lists / arrays / Series of str, tokenized a batch at a time
with the checkpoint's own tokenizer and padded to the longest text of the batch."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .batching import refuse_sparse, select


def as_texts(X: Any) -> list[str]:
    """Check user texts; raises ``ValueError``/``TypeError`` naming the first bad entry."""
    refuse_sparse(X, "texts")
    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):
        X = X.to_numpy()
    if isinstance(X, str):
        raise TypeError("Expected a collection of texts, got a single str: wrap it in a list.")
    if isinstance(X, np.ndarray):
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0]
        if X.ndim != 1:
            raise ValueError(
                f"Expected texts as a 1-D array or list. Got an array of shape {X.shape} instead."
            )
    if not isinstance(X, Sequence | np.ndarray):
        raise TypeError(
            f"Expected texts as a list, array or Series of str. Got {type(X).__name__} instead."
        )
    texts = list(X)
    if not texts:
        raise ValueError("Found an empty list of texts: at least one text is required.")
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(
                f"Text {i} is {t!r} of type {type(t).__name__}: every entry must be a str "
                "(fill or drop missing values first)."
            )
    return texts


class TextDataset(torch.utils.data.Dataset):
    """Items are whole batches: ``__getitems__`` tokenizes the requested texts together."""

    def __init__(self, texts: list[str], tokenizer: Any, max_length: int, y: Any = None) -> None:
        self.texts = texts
        self.tokenizer = tokenizer
        self.max_length = int(max_length)
        self.y = y

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, i: int):
        return self.__getitems__([i])

    def __getitems__(self, indices: Sequence[int]):
        batch = self.tokenizer(
            [self.texts[i] for i in indices],
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        return dict(batch), select(self.y, indices)

    def sample_keys(self) -> list[str]:
        return [hashlib.blake2b(t.encode("utf-8"), digest_size=16).hexdigest() for t in self.texts]
