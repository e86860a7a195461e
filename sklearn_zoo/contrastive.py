"""Contrastive (SetFit-style) training of a text encoder on labelled sentence pairs.

Few labels are too few to fine-tune an encoder through a classification head, but ``n`` labelled
sentences make about ``n**2 / 2`` pairs: "same class" (target similarity 1) or "different class"
(0). Training the encoder so that the cosine similarity of its pooled embeddings matches that
target (Tunstall et al. 2022, "Efficient Few-Shot Learning Without Prompts") pulls each class
together before a head is fitted on the frozen result. The loop is skorch's, like every other
stage; this module only makes the pairs, their dataset and the siamese module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from .backbones import Backbone


def sample_pairs(
    codes: np.ndarray, n_pairs: int, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n_pairs`` index pairs ``(i, j)`` with ``label`` 1 (same class) or 0, half of each.

    Samples take turns as the anchor (every sample before any repeats), each with one partner of
    its class and one of another class, as SetFit's "oversampling". A class of one sample has no
    positive partner: its anchors get a negative pair only. Positive partners are other samples
    whenever the class has more than one.
    """
    codes = np.asarray(codes)
    if len(np.unique(codes)) < 2:
        raise ValueError("Contrastive pairs need samples of at least 2 classes.")
    members = {c: np.flatnonzero(codes == c) for c in np.unique(codes)}
    others = {c: np.flatnonzero(codes != c) for c in members}
    first, second, label = [], [], []
    while len(label) < n_pairs:
        for i in rng.permutation(len(codes)):
            same = members[codes[i]]
            if len(same) > 1:
                j = rng.choice(same[same != i])
                first.append(i), second.append(j), label.append(1.0)
            first.append(i), second.append(rng.choice(others[codes[i]])), label.append(0.0)
            if len(label) >= n_pairs:
                break
    return (
        np.asarray(first[:n_pairs]),
        np.asarray(second[:n_pairs]),
        np.asarray(label[:n_pairs], dtype=np.float32),
    )


class PairDataset(torch.utils.data.Dataset):
    """Items are whole batches of pairs: both sides tokenized together, target ``{"y": similarity}``."""

    def __init__(
        self,
        texts: Sequence[str],
        tokenizer: Any,
        max_length: int,
        first: np.ndarray,
        second: np.ndarray,
        label: np.ndarray,
    ) -> None:
        self.texts = list(texts)
        self.tokenizer = tokenizer
        self.max_length = int(max_length)
        self.first, self.second = np.asarray(first), np.asarray(second)
        self.label = torch.as_tensor(label, dtype=torch.float32)

    def __len__(self) -> int:
        return len(self.label)

    def __getitem__(self, i: int):
        return self.__getitems__([i])

    def _tokens(self, rows: np.ndarray) -> dict[str, torch.Tensor]:
        return dict(
            self.tokenizer(
                [self.texts[r] for r in rows],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            )
        )

    def __getitems__(self, indices: Sequence[int]):
        index = np.asarray(indices, dtype=np.int64)
        X = {"a": self._tokens(self.first[index]), "b": self._tokens(self.second[index])}
        return X, {"y": self.label[torch.as_tensor(index)]}


class PairModule(nn.Module):
    """The backbone on both sides of a pair; the output is the cosine similarity of the two
    pooled embeddings (the backbone's frozen blocks stay frozen)."""

    def __init__(self, backbone: Backbone) -> None:
        super().__init__()
        self.backbone = backbone

    def forward(self, a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> torch.Tensor:
        return nn.functional.cosine_similarity(
            self.backbone.forward_features(a), self.backbone.forward_features(b), dim=-1
        )
