"""From a checkpoint name to a ready :class:`~sklearn_zoo.backbones.Backbone` (and tokenizer)."""

from __future__ import annotations

from typing import Any

from .backbones import Backbone, adapt
from .sources import load_model
from .sources import load_tokenizer as _load_tokenizer
from .zoo import CheckpointSpec, get_checkpoint


def load_backbone(
    checkpoint: str | CheckpointSpec, *, pretrained: bool = True, pooling: str | None = None
) -> Backbone:
    """Load a checkpoint's weights and give them the common backbone face.

    ``pretrained=False`` builds the same architecture with random weights (a from-scratch baseline).

    Examples
    --------
    >>> from sklearn_zoo.loading import load_backbone
    >>> backbone = load_backbone("efficientnet_lite0")
    >>> backbone.num_blocks, backbone.num_features
    (8, 1280)
    """
    spec = get_checkpoint(checkpoint)
    model = load_model(spec, pretrained=pretrained)
    options: dict[str, Any] = {}
    if spec.modality == "text":
        options["pooling"] = pooling or spec.text.pooling
    elif pooling is not None:
        options["pooling"] = pooling
    return adapt(model, spec.family if spec.family != "auto" else "auto", **options)


def load_tokenizer(checkpoint: str | CheckpointSpec) -> Any:
    """The checkpoint's own tokenizer (text checkpoints)."""
    return _load_tokenizer(get_checkpoint(checkpoint))
