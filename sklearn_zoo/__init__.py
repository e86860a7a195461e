"""sklearn_zoo: pretrained vision and language checkpoints as scikit-learn estimators."""

from .exceptions import CheckpointUnavailableError, LicenseNotAllowedError, LongFitWarning
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

# Loaded on first use, each from its own module: `import sklearn_zoo` and the CLI's `list` and
# `info` import no torch, and the text estimators no torchvision.
_LAZY = {
    "load_backbone": "loading",
    "load_tokenizer": "loading",
    "PretrainedImageClassifier": "estimators.image",
    "PretrainedImageRegressor": "estimators.image",
    "PretrainedTextClassifier": "estimators.text",
    "PretrainedTextRegressor": "estimators.text",
    "ImageEmbedder": "estimators.embedders",
    "TextEmbedder": "estimators.embedders",
    "load": "estimators",
    "rank_checkpoints": "selection",
    "plot_learning_curves": "plotting",
    "load_image_folder": "datasets",
    "group_report": "fairness",
    "GroupReport": "fairness",
    "ModelCard": "model_card",
    "TrainingCurvesDisplay": "plotting",
    "FreezeDepthDisplay": "plotting",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "CheckpointSpec",
    "CheckpointUnavailableError",
    "LicenseNotAllowedError",
    "ImagePreprocessing",
    "LongFitWarning",
    "TextPreprocessing",
    "get_checkpoint",
    "is_available_offline",
    "list_checkpoints",
    "register_checkpoint",
    "__version__",
    *_LAZY,
]
