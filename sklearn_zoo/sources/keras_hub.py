"""Keras 3 models on Keras' torch backend, so they are ``torch.nn.Module``s that fine-tune, freeze
and pickle like the others: a KerasHub preset (``keras:PRESET`` or a preset folder) or a
``.keras`` file, read with Keras' safe mode (no lambda or other code in the file runs)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from ._errors import missing_extra, unavailable

if TYPE_CHECKING:
    from torch import nn

    from ..zoo.spec import CheckpointSpec


def _is_file(identifier: str) -> bool:
    return identifier.endswith(".keras")


def keras_on_torch(name: str) -> Any:
    """``keras``, imported on the torch backend (refused when it already runs on another)."""
    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except ImportError:
        raise missing_extra(name, "keras", "keras") from None
    if keras.config.backend() != "torch":
        raise ValueError(
            f"Checkpoint {name!r}: Keras runs on its {keras.config.backend()!r} backend in this "
            "process, and only the torch backend gives a model that trains as a torch module. "
            "Set the environment variable KERAS_BACKEND=torch before Keras is first imported."
        )
    return keras


def spec_of(name: str, identifier: str) -> CheckpointSpec:
    from ..zoo.spec import CheckpointSpec, ImagePreprocessing

    what = "Keras file" if _is_file(identifier) else "KerasHub preset"
    return CheckpointSpec(
        name=name,
        source="keras",
        identifier=identifier,
        modality="image",
        family="keras",
        image=ImagePreprocessing(),
        license="NOASSERTION",
        license_notes="The preset's or file's own terms apply: read them before use.",
        description=f"{what} {identifier!r} on Keras' torch backend.",
    )


def is_local(spec: CheckpointSpec) -> bool:
    return os.path.exists(spec.identifier)


def load_model(spec: CheckpointSpec, *, pretrained: bool, offline: bool) -> nn.Module:
    keras = keras_on_torch(spec.name)
    if _is_file(spec.identifier):
        if not os.path.isfile(spec.identifier):
            raise unavailable(spec.name, spec.identifier, offline=True)
        model = keras.saving.load_model(spec.identifier, compile=False, safe_mode=True)
        if not pretrained:  # the same layers with fresh weights
            model = keras.models.clone_model(model)
        return model
    if offline and not os.path.isdir(spec.identifier):
        raise unavailable(spec.name, "a local KerasHub preset folder", offline=True)
    return _preset(spec, load_weights=pretrained)


def _preset(spec: CheckpointSpec, load_weights: bool) -> nn.Module:
    try:
        import keras_hub
    except ImportError:
        raise missing_extra(spec.name, "keras-hub", "keras") from None
    try:
        return keras_hub.models.Backbone.from_preset(spec.identifier, load_weights=load_weights)
    except (OSError, ValueError) as exc:
        if os.path.isdir(spec.identifier) or "network" not in str(exc).lower():
            raise
        raise unavailable(spec.name, "KerasHub's cache", offline=False, cause=exc) from exc


def download(spec: CheckpointSpec) -> str:
    """Fetch a preset into KerasHub's cache; its folder is then usable offline as ``keras:FOLDER``."""
    if os.path.exists(spec.identifier):
        return os.path.abspath(spec.identifier)
    keras_on_torch(spec.name)
    from keras_hub.src.utils.preset_utils import get_file

    return os.path.dirname(get_file(spec.identifier, "config.json"))
