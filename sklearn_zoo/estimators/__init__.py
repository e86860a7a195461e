"""scikit-learn estimators over zoo checkpoints."""

from pathlib import Path
from typing import Any

from ..persistence import load as _load
from ..persistence import register_estimator
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

for _name in __all__:  # load() finds a class by the name in a folder among these only
    register_estimator(globals()[_name])


def load(path: str | Path, *, device: str | None = None, trust_remote_code: bool = False) -> Any:
    """Read any estimator written by ``save``, its class found from the folder (see
    ``PretrainedImageClassifier.load`` for the parameters)."""
    return _load(path, device=device, trust_remote_code=trust_remote_code)
