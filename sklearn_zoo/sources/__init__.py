"""Loading sources: one small module per place weights come from (torchvision, timm, Hugging Face,
local files, pip-installed weight packages, PyTorch Hub, Keras, TensorFlow Hub). Each module offers ``load_model``, ``is_local`` and
``download``; text sources also ``load_tokenizer``. Heavy imports live inside the functions."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .._config import is_offline

if TYPE_CHECKING:
    from torch import nn

    from ..zoo.spec import CheckpointSpec

_MODULES = {
    "torchvision": "torchvision_hub",
    "timm": "timm_hub",
    "hf": "huggingface",
    "local": "local",
    "package": "package",
    "torchhub": "torchhub",
    "keras": "keras_hub",
    "tfhub": "tfhub",
}


def source_module(source: str) -> ModuleType:
    if source not in _MODULES:
        raise ValueError(f"Unknown source {source!r}. Known sources: {', '.join(_MODULES)}.")
    return importlib.import_module(f"{__name__}.{_MODULES[source]}")


def load_model(
    spec: CheckpointSpec, *, pretrained: bool = True, offline: bool | None = None
) -> nn.Module:
    """The checkpoint's model as its library builds it (classifier head included, when it has one)."""
    offline = is_offline() if offline is None else offline
    return source_module(spec.source).load_model(spec, pretrained=pretrained, offline=offline)


def load_tokenizer(spec: CheckpointSpec, *, offline: bool | None = None) -> Any:
    offline = is_offline() if offline is None else offline
    module = source_module(spec.source)
    if not hasattr(module, "load_tokenizer"):
        raise ValueError(
            f"Checkpoint {spec.name!r} ({spec.source}) has no tokenizer: it is an image model."
        )
    return module.load_tokenizer(spec, offline=offline)


def is_local(spec: CheckpointSpec) -> bool:
    """True when the weights are on this machine, so loading needs no network."""
    return bool(source_module(spec.source).is_local(spec))


def _is_folder(spec: CheckpointSpec) -> bool:
    """A hub repository, Keras file or SavedModel given as a path on this machine."""
    import os

    return spec.source in ("torchhub", "keras", "tfhub") and os.path.exists(spec.identifier)


def download(spec: CheckpointSpec) -> str:
    """Fetch the weights into the source library's own cache; return where they are.

    Local files and installed weight packages need no network: their location is returned even in
    offline mode. A failed download (no network, say) is a ``CheckpointUnavailableError``.
    """
    from ..exceptions import CheckpointUnavailableError

    if is_offline() and spec.source not in ("local", "package") and not _is_folder(spec):
        raise CheckpointUnavailableError(
            f"Cannot download {spec.name!r}: offline mode is on (SKLEARN_ZOO_OFFLINE / HF_HUB_OFFLINE). "
            "Unset it on a machine with network access and run the command again."
        )
    try:
        return source_module(spec.source).download(spec)
    except CheckpointUnavailableError:
        raise
    except (ValueError, TypeError) as exc:  # a bad name or option ...
        if not isinstance(exc, OSError):  # ... unless huggingface_hub < 0.24's network error
            raise
        error: Exception = exc
    except Exception as exc:  # network errors come in many types (URLError, httpx, HfHubHTTPError)
        error = exc
    raise CheckpointUnavailableError(
        f"Could not download {spec.name!r} ({type(error).__name__}: {error}). Check the network "
        "connection (and proxy settings) of this machine and run the command again."
    ) from error
