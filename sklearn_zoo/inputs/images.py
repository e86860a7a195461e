"""Turning user images into model batches: arrays (NHWC/NCHW, uint8/float), file paths, PIL images.

Arrays are preprocessed a batch at a time on tensors; paths and PIL images are decoded one by one
(in DataLoader workers when ``num_workers > 0``) and never all held in memory.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .batching import refuse_sparse, select
from .pixels import DEFAULT_MAX_PIXELS, check_image_files, pil_pixels, read_image, to_rgb, to_uint8
from .transforms import is_random

CHANNELS = (1, 3, 4)


@dataclass
class ImageSource:
    """Validated user images: either a uint8 NCHW tensor, or a list of paths / PIL images / arrays."""

    tensor: torch.Tensor | None = None
    items: Sequence[Any] | None = None
    kind: str = "array"
    # positions of ``items`` in the user's collection, so errors name the right image
    positions: Sequence[int] | None = None

    def __len__(self) -> int:
        return len(self.tensor) if self.tensor is not None else len(self.items)

    def _position(self, i: int) -> int:
        return int(self.positions[i]) if self.positions is not None else int(i)

    def subset(self, indices: Sequence[int]) -> ImageSource:
        if self.tensor is not None:
            return ImageSource(
                tensor=self.tensor[torch.as_tensor(indices, dtype=torch.long)], kind=self.kind
            )
        return ImageSource(
            items=[self.items[i] for i in indices],
            kind=self.kind,
            positions=[self._position(i) for i in indices],
        )

    def sample_keys(self) -> list[str]:
        """A content fingerprint per image (file paths: path, size and modification time)."""
        if self.tensor is not None:
            return [_digest(img.numpy().tobytes()) for img in self.tensor]
        return [_digest(_item_bytes(x)) for x in self.items]

    def load(
        self,
        indices: Sequence[int],
        max_pixels: int | None = DEFAULT_MAX_PIXELS,
        min_side: int = 1,
    ) -> list[torch.Tensor] | torch.Tensor:
        """Images ``indices`` as a uint8 NCHW tensor (arrays) or a list of uint8 CHW tensors.

        Files over ``max_pixels`` are refused, or decoded at a JPEG's reduced scale with no side
        below ``min_side`` (see :func:`~sklearn_zoo.inputs.pixels.read_image`).
        """
        if self.tensor is not None:
            return self.tensor[torch.as_tensor(indices, dtype=torch.long)]
        position = self._position
        return [_decode(self.items[i], position(i), max_pixels, min_side) for i in indices]


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _item_bytes(item: Any) -> bytes:
    if isinstance(item, str | os.PathLike):
        path = os.path.abspath(os.fspath(item))
        try:
            stat = os.stat(path)
            return f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode()
        except OSError:
            return path.encode()
    a = np.asarray(item)
    return str(a.shape).encode() + str(a.dtype).encode() + a.tobytes()


def _to_chw(a: np.ndarray, what: str) -> np.ndarray:
    """One image, H x W, H x W x C or C x H x W (C in 1, 3, 4), to 1 x C x H x W."""
    if a.ndim == 2:
        return a[None, None]
    if a.ndim != 3:
        raise ValueError(
            f"{what} has {a.ndim} dimensions: expected 2 (grayscale) or 3 (with channels)."
        )
    if a.shape[-1] in CHANNELS and a.shape[0] not in CHANNELS:
        return np.moveaxis(a, -1, 0)[None]
    if a.shape[0] not in CHANNELS:
        raise ValueError(
            f"{what} has shape {a.shape}: expected H x W, H x W x C or C x H x W with C in 1, 3, 4."
        )
    return a[None]


def _decode(item: Any, index: int, max_pixels: int | None, min_side: int) -> torch.Tensor:
    from PIL import Image

    if isinstance(item, str | os.PathLike):
        chw = read_image(os.fspath(item), index, max_pixels, min_side)
    elif isinstance(item, Image.Image):
        chw = pil_pixels(item)
    else:
        return torch.from_numpy(np.ascontiguousarray(to_rgb(_one_image(item, index))[0]))
    rgb = to_rgb(to_uint8(chw[None], f"Image {index}"))[0]
    return torch.from_numpy(np.ascontiguousarray(rgb))


def _one_image(item: Any, index: int) -> np.ndarray:
    """An array or tensor holding one image as uint8 1 x C x H x W."""
    if isinstance(item, torch.Tensor):
        item = item.detach().cpu().numpy()
    what = f"Image {index}"
    return to_uint8(_to_chw(np.asarray(item), what), what)


def as_image_source(X: Any) -> ImageSource:
    """Check user images and wrap them; raises ``ValueError``/``TypeError`` saying what is wrong.

    A 3-D array is a batch of grayscale images ``(N, H, W)``, except when its last axis has 3 or
    4 entries: that is one color image ``(H, W, C)``, refused with how to pass it.
    """
    from PIL import Image

    refuse_sparse(X, "images")
    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):  # pandas Series / DataFrame column
        X = X.to_numpy()
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    if isinstance(X, str | os.PathLike | Image.Image):
        raise TypeError("Expected a collection of images, got a single one: wrap it in a list.")
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.size == 0 or len(X) == 0:
            raise ValueError("Found an empty array of images: at least one image is required.")
        if X.dtype.kind in "US":
            return _paths(list(X.astype(str)))
        return ImageSource(tensor=torch.from_numpy(_batch(X)), kind="array")
    if isinstance(X, np.ndarray | list | tuple) or (
        isinstance(X, Sequence) and not isinstance(X, str)
    ):
        items = list(X)
        if not items:
            raise ValueError("Found an empty list of images: at least one image is required.")
        kinds = {_kind(x, i) for i, x in enumerate(items)}
        if len(kinds) > 1:
            raise TypeError(
                f"Images must all be of one kind (paths, PIL images or arrays). Got {sorted(kinds)}."
            )
        kind = kinds.pop()
        if kind == "paths":
            return _paths(items)
        if kind == "arrays" and len({tuple(np.shape(x)) for x in items}) == 1:
            # one size: a single batched array is faster, each item read as one image
            stacked = np.concatenate([_one_image(x, i) for i, x in enumerate(items)])
            return ImageSource(tensor=torch.from_numpy(_batch(stacked)), kind="array")
        return ImageSource(items=items, kind=kind)
    raise TypeError(
        f"Expected images as an array, or a list of file paths, PIL images or arrays. "
        f"Got {type(X).__name__} instead."
    )


def _batch(X: np.ndarray) -> np.ndarray:
    """An array of images as a contiguous uint8 N x 3 x H x W array."""
    if X.ndim == 3 and X.shape[-1] in (3, 4):
        raise ValueError(
            f"Got an array of shape {X.shape}: that is one color image (H, W, C), and images come "
            "in a batch. Pass X[None] (a batch of one) or [image]. A batch of grayscale images "
            "3 or 4 pixels wide is (N, H, W, 1)."
        )
    if X.ndim == 3:  # N x H x W grayscale
        X = X[:, None]
    if X.ndim != 4:
        one = " For one grayscale image, pass X[None] or [image]." if X.ndim == 2 else ""
        raise ValueError(
            f"Expected images as a 4-D array (N, H, W, C) or (N, C, H, W), or 3-D (N, H, W) for "
            f"grayscale. Got an array of shape {X.shape} instead. A flat (N, features) table is not "
            f"an image: reshape it, e.g. X.reshape(-1, 8, 8).{one}"
        )
    if X.shape[1] not in CHANNELS and X.shape[-1] in CHANNELS:
        X = np.moveaxis(X, -1, 1)
    if X.shape[1] not in CHANNELS:
        raise ValueError(
            f"Images of shape {X.shape[1:]} have no channel axis of size 1, 3 or 4 (first or last)."
        )
    return np.ascontiguousarray(to_rgb(to_uint8(X, "Images")))


def _paths(items: list[Any]) -> ImageSource:
    check_image_files(items)  # missing, folders, empty files: before any training starts
    return ImageSource(items=items, kind="paths")


def _kind(x: Any, index: int) -> str:
    from PIL import Image

    if isinstance(x, str | os.PathLike):
        return "paths"
    if isinstance(x, Image.Image):
        return "pil"
    if isinstance(x, np.ndarray | torch.Tensor):
        return "arrays"
    raise TypeError(
        f"Image {index} is a {type(x).__name__}: expected a file path, a PIL image or an array."
    )


class ImageDataset(torch.utils.data.Dataset):
    """Items are whole batches: ``__getitems__`` preprocesses the requested images together.

    ``max_pixels`` and ``min_side`` bound the decoding of image files (see :meth:`ImageSource.load`).
    """

    def __init__(
        self,
        source: ImageSource,
        transform: Callable,
        y: Any = None,
        max_pixels: int | None = DEFAULT_MAX_PIXELS,
        min_side: int = 1,
    ) -> None:
        self.source = source
        self.transform = transform
        self.y = y
        self.max_pixels = max_pixels
        self.min_side = min_side

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, i: int):
        return self.__getitems__([i])

    def sample_keys(self) -> list[str]:
        return self.source.sample_keys()

    def __getitems__(self, indices: Sequence[int]):
        images = self.source.load(indices, self.max_pixels, self.min_side)
        if isinstance(images, torch.Tensor) and not is_random(self.transform):
            batch = self.transform(images)
        else:  # random augmentation, and images of mixed sizes, go one by one
            batch = torch.stack([self.transform(img) for img in images])
        return {"pixel_values": batch}, select(self.y, indices)
