"""sklearn_zoo: pretrained vision and language checkpoints as scikit-learn estimators."""

from .exceptions import CheckpointUnavailableError
from .zoo import (
    CheckpointSpec,
    ImagePreprocessing,
    TextPreprocessing,
    get_checkpoint,
    is_available_offline,
    list_checkpoints,
    register_checkpoint,
)

__version__ = "0.1.0"

_LAZY = {
    "load_backbone": "loading",
    "load_tokenizer": "loading",
    "PretrainedImageClassifier": "estimators",
    "PretrainedImageRegressor": "estimators",
    "PretrainedTextClassifier": "estimators",
    "PretrainedTextRegressor": "estimators",
    "ImageEmbedder": "estimators",
    "TextEmbedder": "estimators",
    "load": "estimators",
    "rank_checkpoints": "selection",
    "plot_learning_curves": "plotting",
    "load_image_folder": "datasets",
}


def __getattr__(name: str):
    # torch and friends load on first use, so `import sklearn_zoo` and the CLI's `list` stay fast
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CheckpointSpec",
    "CheckpointUnavailableError",
    "ImagePreprocessing",
    "TextPreprocessing",
    "get_checkpoint",
    "is_available_offline",
    "list_checkpoints",
    "register_checkpoint",
    "__version__",
    *_LAZY,
]
