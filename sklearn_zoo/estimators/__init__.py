"""scikit-learn estimators over zoo checkpoints."""

from .embedders import ImageEmbedder, TextEmbedder
from .image import PretrainedImageClassifier, PretrainedImageRegressor
from .text import PretrainedTextClassifier, PretrainedTextRegressor

__all__ = [
    "ImageEmbedder",
    "PretrainedImageClassifier",
    "PretrainedImageRegressor",
    "PretrainedTextClassifier",
    "PretrainedTextRegressor",
    "TextEmbedder",
]
