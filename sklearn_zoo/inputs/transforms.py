"""The checkpoint's preprocessing as torchvision v2 transforms on uint8 or float CHW tensors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch
from torchvision.transforms import v2

from ..zoo.spec import ImagePreprocessing

_INTERPOLATION = {
    "nearest": v2.InterpolationMode.NEAREST,
    "bilinear": v2.InterpolationMode.BILINEAR,
    "bicubic": v2.InterpolationMode.BICUBIC,
    "lanczos": v2.InterpolationMode.LANCZOS,
}


def make_transform(
    pre: ImagePreprocessing, size: int | None = None, augment: Any = False
) -> v2.Compose:
    """The checkpoint's eval transform on uint8/float CHW tensors: resize to
    ``pre.resize_for(size)`` (the one rule, see :class:`ImagePreprocessing`), center crop, normalize.

    ``augment="light"`` (or ``True``) swaps the resize + crop for a RandomResizedCrop and a
    horizontal flip; ``"strong"`` adds TrivialAugmentWide before normalization and
    RandomErasing after it; a callable is applied before normalization.
    """
    size = int(size or pre.size)
    interp = _INTERPOLATION[pre.interpolation]
    erase: list = []
    if augment in (True, "light", "strong"):
        geometry: list = [
            v2.RandomResizedCrop(size, scale=(0.5, 1.0), interpolation=interp, antialias=True),
            v2.RandomHorizontalFlip(),
        ]
        if augment == "strong":
            geometry.append(v2.TrivialAugmentWide(interpolation=v2.InterpolationMode.BILINEAR))
            erase = [v2.RandomErasing(p=0.25)]
    elif pre.crop == "squash":
        geometry = [first_resize(pre, size)]
    else:
        crop = v2.CenterCrop(size) if pre.crop == "center" else CenterCropFloor(size)
        geometry = [first_resize(pre, size), crop]
    if callable(augment):
        geometry.append(augment)
    return v2.Compose(
        [
            *geometry,
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(list(pre.mean), list(pre.std)),
            *erase,
        ]
    )


def first_resize(pre: ImagePreprocessing, size: int) -> v2.Resize:
    """The resize the eval transform starts with (a fit stores its images through it once)."""
    interp = _INTERPOLATION[pre.interpolation]
    target = (size, size) if pre.crop == "squash" else pre.resize_for(size)
    return v2.Resize(target, interpolation=interp, antialias=True)


def mirrored(transform: Callable) -> v2.Compose:
    """``transform``, then a left-right flip of its output (test-time augmentation)."""
    return v2.Compose([transform, v2.Lambda(functools.partial(torch.flip, dims=[-1]))])


class CenterCropFloor(v2.Transform):
    """A center crop whose offsets are rounded down, as Hugging Face image processors crop
    (torchvision's ``CenterCrop`` rounds them half to even: one pixel apart on some sizes)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = int(size)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        height, width = inpt.shape[-2:]
        top, left = (height - self.size) // 2, (width - self.size) // 2
        return v2.functional.crop(inpt, top, left, self.size, self.size)

    _transform = transform  # the name torchvision < 0.21 calls

    def extra_repr(self) -> str:
        return f"size={self.size}"


def is_random(transform: Callable) -> bool:
    """Whether ``transform`` must run image by image: a random step, or one of the user's own."""
    steps = getattr(transform, "transforms", [transform])
    return any(
        type(t).__name__.startswith("Random")
        or not type(t).__module__.startswith(("torchvision", __name__))
        for t in steps
    )
