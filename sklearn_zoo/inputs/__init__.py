"""Inputs: user images and texts validated and served to the model a batch at a time."""

from .batching import TensorDataset, identity_collate, select
from .images import ImageDataset, ImageSource, as_image_source
from .pixels import DEFAULT_MAX_PIXELS
from .text import TextDataset, as_texts
from .transforms import make_transform

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
