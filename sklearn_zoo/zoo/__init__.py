"""The zoo: checkpoint cards, the built-in catalogue, and name resolution."""

from .registry import get_checkpoint, is_available_offline, list_checkpoints, register_checkpoint
from .spec import CheckpointSpec, ImagePreprocessing, TextPreprocessing

__all__ = [
    "CheckpointSpec",
    "ImagePreprocessing",
    "TextPreprocessing",
    "get_checkpoint",
    "is_available_offline",
    "list_checkpoints",
    "register_checkpoint",
]
