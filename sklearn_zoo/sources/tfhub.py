"""TensorFlow Hub SavedModels (``tfhub:HANDLE_OR_PATH``) as frozen image feature extractors, where
TensorFlow is installed. A handle resolves through ``tensorflow_hub`` into its cache
(``TFHUB_CACHE_DIR``); offline, only a SavedModel folder on this machine is read."""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import TYPE_CHECKING, Any

from ._errors import missing_extra, unavailable

if TYPE_CHECKING:
    from ..zoo.spec import CheckpointSpec


def spec_of(name: str, identifier: str) -> CheckpointSpec:
    from ..zoo.spec import CheckpointSpec, ImagePreprocessing

    return CheckpointSpec(
        name=name,
        source="tfhub",
        identifier=identifier,
        modality="image",
        family="tfhub",
        # TF Hub's image feature vectors take pixels in [0, 1], 224 pixels unless said otherwise
        image=ImagePreprocessing(size=224, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0)),
        license="NOASSERTION",
        license_notes="The model's own terms apply: read them before use.",
        description=f"TensorFlow SavedModel {identifier!r}: a frozen feature extractor.",
    )


def _cache_dir() -> str:
    """tensorflow_hub's cache: ``TFHUB_CACHE_DIR``, else its folder in the temporary directory."""
    return os.getenv("TFHUB_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "tfhub_modules")


def _folder(spec: CheckpointSpec) -> str:
    """The SavedModel folder: the path itself, or where tensorflow_hub caches the handle."""
    if os.path.isdir(spec.identifier):
        return spec.identifier
    return os.path.join(_cache_dir(), hashlib.sha1(spec.identifier.encode("utf8")).hexdigest())


def is_local(spec: CheckpointSpec) -> bool:
    return os.path.isfile(os.path.join(_folder(spec), "saved_model.pb"))


def _tensorflow(spec: CheckpointSpec) -> Any:
    try:
        import tensorflow as tf
    except ImportError:
        raise missing_extra(spec.name, "TensorFlow", "tfhub") from None
    return tf


def download(spec: CheckpointSpec) -> str:
    if is_local(spec):
        return _folder(spec)
    _tensorflow(spec)
    try:
        import tensorflow_hub
    except ImportError:
        raise missing_extra(spec.name, "tensorflow-hub", "tfhub") from None
    return tensorflow_hub.resolve(spec.identifier)


def load_model(spec: CheckpointSpec, *, pretrained: bool, offline: bool) -> Any:
    _tensorflow(spec)
    if not pretrained:
        raise ValueError(
            f"Checkpoint {spec.name!r} is a TensorFlow SavedModel: it runs with its own weights "
            "(pretrained=True) or not at all."
        )
    if not is_local(spec):
        if offline or os.path.isdir(spec.identifier):
            raise unavailable(spec.name, _folder(spec), offline=offline)
        download(spec)
    from ..backbones.tf_saved_model import TFSavedModelBackbone

    return TFSavedModelBackbone(_folder(spec), size=spec.image.size)
