"""Inputs: user images and texts validated and served to the model a batch at a time.

The image half (torchvision) is imported on first use, so text-only code never loads it.
"""

from .batching import TensorDataset, identity_collate, select
from .text import TextDataset, as_texts

_IMAGES = ("ImageDataset", "ImageSource", "as_image_source", "make_transform")


def __getattr__(name: str):
    if name in _IMAGES:
        from . import images

        return getattr(images, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ImageDataset",
    "ImageSource",
    "TensorDataset",
    "TextDataset",
    "as_image_source",
    "as_texts",
    "identity_collate",
    "make_transform",
    "select",
]
