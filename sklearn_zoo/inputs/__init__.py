"""Inputs: user images and texts validated and served to the model a batch at a time."""

from .batching import TensorDataset, identity_collate, select
from .images import ImageDataset, ImageSource, as_image_source, make_transform
from .text import TextDataset, as_texts

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
