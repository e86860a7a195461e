"""Inputs: user images and texts validated and served to the model a batch at a time.

The image half (torchvision) is imported on first use, so text-only code never loads it.
"""

from .batching import TensorDataset, identity_collate, select
from .pixels import DEFAULT_MAX_PIXELS
from .text import TextDataset, as_texts

_IMAGES = {
    "ImageDataset": "images",
    "ImageSource": "images",
    "as_image_source": "images",
    "make_transform": "transforms",
}


def __getattr__(name: str):
    if name in _IMAGES:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_IMAGES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_MAX_PIXELS",
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
