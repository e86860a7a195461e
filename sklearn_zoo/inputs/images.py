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
from torchvision.transforms import v2

from ..zoo.spec import ImagePreprocessing
from .batching import refuse_sparse, select

_INTERPOLATION = {
    "nearest": v2.InterpolationMode.NEAREST,
    "bilinear": v2.InterpolationMode.BILINEAR,
    "bicubic": v2.InterpolationMode.BICUBIC,
    "lanczos": v2.InterpolationMode.LANCZOS,
}


def make_transform(
    pre: ImagePreprocessing, size: int | None = None, augment: Any = False
) -> v2.Compose:
    """The checkpoint's eval transform (resize, center crop, normalize) on uint8/float CHW tensors.

    ``augment=True`` swaps the resize + crop for a light RandomResizedCrop; a callable is applied
    before normalization.
    """
    size = int(size or pre.size)
    interp = _INTERPOLATION.get(pre.interpolation, v2.InterpolationMode.BILINEAR)
    if augment is True:
        geometry: list = [
            v2.RandomResizedCrop(size, scale=(0.7, 1.0), interpolation=interp, antialias=True)
        ]
    else:
        geometry = [
            v2.Resize(int(round(size / pre.crop_pct)), interpolation=interp, antialias=True),
            v2.CenterCrop(size),
        ]
        if callable(augment):
            geometry.append(augment)
    return v2.Compose(
        [
            *geometry,
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(list(pre.mean), list(pre.std)),
        ]
    )


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

    def load(self, indices: Sequence[int]) -> list[torch.Tensor] | torch.Tensor:
        """Images ``indices`` as a uint8 NCHW tensor (arrays) or a list of uint8 CHW tensors."""
        if self.tensor is not None:
            return self.tensor[torch.as_tensor(indices, dtype=torch.long)]
        return [_decode(self.items[i], self._position(i)) for i in indices]


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


def _to_uint8(a: np.ndarray, what: str) -> np.ndarray:
    if a.dtype == np.uint8:
        return a
    if a.dtype == bool:
        return a.astype(np.uint8) * 255
    if not np.issubdtype(a.dtype, np.number):
        raise TypeError(f"{what} must be numeric. Got an array of dtype {a.dtype} instead.")
    a = a.astype(np.float32, copy=False)
    if not np.isfinite(a).all():
        raise ValueError(
            f"{what} contain NaN or infinity. Replace or drop those images before fitting."
        )
    lo, hi = float(a.min()), float(a.max())
    if lo < 0:
        raise ValueError(
            f"{what} have negative values (min {lo:.3g}): pass raw pixels, as uint8 or as floats in "
            "[0, 1] or [0, 255]; the checkpoint's own normalization is applied for you."
        )
    if hi <= 1.0:
        a = a * 255.0
    elif hi > 255.0:
        raise ValueError(
            f"{what} have values up to {hi:.3g}: floats must be in [0, 1] or [0, 255]. "
            "Rescale them (e.g. X / X.max()) before fitting."
        )
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def _to_rgb_chw(a: np.ndarray, what: str) -> np.ndarray:
    """One image (HW, HWC or CHW) to 3 x H x W: grayscale repeated, alpha dropped."""
    if a.ndim == 2:
        a = a[None]
    elif a.ndim == 3:
        if a.shape[-1] in (1, 3, 4) and a.shape[0] not in (1, 3, 4):
            a = np.moveaxis(a, -1, 0)
        elif a.shape[0] not in (1, 3, 4):
            raise ValueError(
                f"{what} has shape {a.shape}: expected H x W, H x W x C or C x H x W with C in 1, 3, 4."
            )
    else:
        raise ValueError(
            f"{what} has {a.ndim} dimensions: expected 2 (grayscale) or 3 (with channels)."
        )
    if a.shape[0] == 1:
        a = np.repeat(a, 3, axis=0)
    return a[:3]


def _decode(item: Any, index: int) -> torch.Tensor:
    from PIL import Image, UnidentifiedImageError

    if isinstance(item, str | os.PathLike):
        path = os.fspath(item)
        try:
            with Image.open(path) as img:
                img.load()
                item = img.convert("RGB")
        except FileNotFoundError:
            raise ValueError(f"Image file {path!r} (index {index}) does not exist.") from None
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise ValueError(
                f"Image file {path!r} (index {index}) is not a readable image: {exc}"
            ) from None
    if isinstance(item, Image.Image):
        item = np.asarray(item.convert("RGB"))
    a = _to_uint8(np.asarray(item), f"Image {index}")
    return torch.from_numpy(np.ascontiguousarray(_to_rgb_chw(a, f"Image {index}")))


def as_image_source(X: Any) -> ImageSource:
    """Check user images and wrap them; raises ``ValueError``/``TypeError`` saying what is wrong."""
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
            return ImageSource(items=list(X.astype(str)), kind="paths")
        if X.ndim == 3:  # N x H x W grayscale
            X = X[:, None]
        if X.ndim != 4:
            raise ValueError(
                f"Expected images as a 4-D array (N, H, W, C) or (N, C, H, W), or 3-D (N, H, W) for "
                f"grayscale. Got an array of shape {X.shape} instead. A flat (N, features) table is not "
                "an image: reshape it, e.g. X.reshape(-1, 8, 8)."
            )
        if X.shape[1] not in (1, 3, 4) and X.shape[-1] in (1, 3, 4):
            X = np.moveaxis(X, -1, 1)
        if X.shape[1] not in (1, 3, 4):
            raise ValueError(
                f"Images of shape {X.shape[1:]} have no channel axis of size 1, 3 or 4 (first or last)."
            )
        X = _to_uint8(X, "Images")
        if X.shape[1] == 1:
            X = np.repeat(X, 3, axis=1)
        return ImageSource(tensor=torch.from_numpy(np.ascontiguousarray(X[:, :3])), kind="array")
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
            missing = [(i, p) for i, p in enumerate(items) if not os.path.isfile(os.fspath(p))]
            if missing:
                i, p = missing[0]
                raise ValueError(
                    f"Image file {os.fspath(p)!r} (index {i}) does not exist ({len(missing)} missing in all)."
                )
        if kind == "arrays":
            shapes = {np.shape(x) for x in items}
            if len(shapes) == 1:  # same size: one batched array is faster
                return as_image_source(np.stack([np.asarray(x) for x in items]))
        return ImageSource(items=items, kind=kind)
    raise TypeError(
        f"Expected images as an array, or a list of file paths, PIL images or arrays. "
        f"Got {type(X).__name__} instead."
    )


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
    """Items are whole batches: ``__getitems__`` preprocesses the requested images together."""

    def __init__(self, source: ImageSource, transform: Callable, y: Any = None) -> None:
        self.source = source
        self.transform = transform
        self.y = y

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, i: int):
        return self.__getitems__([i])

    def sample_keys(self) -> list[str]:
        return self.source.sample_keys()

    def __getitems__(self, indices: Sequence[int]):
        images = self.source.load(indices)
        if isinstance(images, torch.Tensor) and not _is_random(self.transform):
            batch = self.transform(images)
        else:  # random augmentation, and images of mixed sizes, go one by one
            batch = torch.stack([self.transform(img) for img in images])
        return {"pixel_values": batch}, select(self.y, indices)


def _is_random(transform: Callable) -> bool:
    steps = getattr(transform, "transforms", [transform])
    return any(
        type(t).__name__.startswith("Random") or not type(t).__module__.startswith("torchvision")
        for t in steps
    )
