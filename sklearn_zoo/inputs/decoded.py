"""Image files decoded and resized once per fit: every later epoch (and its augmentation) starts
from the stored pixels, held in memory up to a limit and spilled to a private folder past it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from .pixels import DEFAULT_MAX_PIXELS

# the decoded pixels one fit keeps in memory; the rest go to a temporary folder, as .npy files
MAX_DECODED_BYTES = 2**30


class DecodedImages:
    """The images of ``source`` (paths or PIL images), each decoded on first use (at no side
    below ``min_side``) and passed through ``shrink`` (the resize the model's preprocessing
    starts with), then kept: ``max_bytes`` of them in memory, the others in a temporary folder
    that is removed with this object."""

    def __init__(
        self,
        source: Any,
        shrink: Callable[[torch.Tensor], torch.Tensor],
        *,
        max_pixels: int | None = DEFAULT_MAX_PIXELS,
        min_side: int = 1,
        max_bytes: int = MAX_DECODED_BYTES,
    ) -> None:
        self.source, self.shrink = source, shrink
        self.max_pixels, self.min_side, self.max_bytes = max_pixels, min_side, max_bytes
        self._memory: dict[int, torch.Tensor] = {}
        self._spilled: set[int] = set()
        self._bytes = 0
        self._folder: tempfile.TemporaryDirectory | None = None
        self._keys: list[str] | None = None
        self.decoded = 0  # images decoded so far (each once)

    def __len__(self) -> int:
        return len(self.source)

    def sample_keys(self) -> list[str]:
        if self._keys is None:
            self._keys = self.source.sample_keys()
        return self._keys

    def get(self, i: int) -> torch.Tensor:
        """Image ``i`` as uint8 CHW, decoded and resized the first time only."""
        if i in self._memory:
            return self._memory[i]
        if i in self._spilled:
            return torch.from_numpy(np.load(self._path(i), allow_pickle=False))
        image = self.source.load([i], self.max_pixels, self.min_side)[0]
        image = self.shrink(image).contiguous()
        self.decoded += 1
        size = image.numel() * image.element_size()
        if self._bytes + size <= self.max_bytes:
            self._memory[i] = image
            self._bytes += size
        else:
            if self._folder is None:
                self._folder = tempfile.TemporaryDirectory(prefix="sklearn_zoo_decoded_")
            np.save(self._path(i), image.numpy(), allow_pickle=False)
            self._spilled.add(i)
        return image

    def _path(self, i: int) -> str:
        return os.path.join(self._folder.name, f"{i}.npy")


class DecodedSource:
    """Rows ``index`` of a :class:`DecodedImages`, with what datasets ask of an image source."""

    kind = "decoded"

    def __init__(self, images: DecodedImages, index: np.ndarray | None = None) -> None:
        self.images = images
        self.index = np.arange(len(images)) if index is None else np.asarray(index)

    def __len__(self) -> int:
        return len(self.index)

    def subset(self, indices: Sequence[int]) -> DecodedSource:
        return DecodedSource(self.images, self.index[np.asarray(indices, dtype=np.int64)])

    def sample_keys(self) -> list[str]:
        keys = self.images.sample_keys()
        return [keys[i] for i in self.index]

    def load(self, indices: Sequence[int], max_pixels: Any = None, min_side: int = 1) -> list:
        """The stored images (``max_pixels`` and ``min_side`` applied when they were decoded)."""
        return [self.images.get(int(self.index[i])) for i in indices]
