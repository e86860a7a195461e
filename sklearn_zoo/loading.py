"""From a checkpoint name to a ready :class:`~sklearn_zoo.backbones.Backbone` (and tokenizer)."""

from __future__ import annotations

from typing import Any

from .backbones import Backbone, adapt
from .sources import load_model
from .sources import load_tokenizer as _load_tokenizer
from .zoo import CheckpointSpec, get_checkpoint
from .zoo.licenses import check_license


def load_backbone(
    checkpoint: str | CheckpointSpec,
    *,
    pretrained: bool = True,
    pooling: str | None = None,
    offline: bool | None = None,
) -> Backbone:
    """Load a checkpoint's weights and give them the common backbone face.

    The backbone has ordered ``blocks`` (stem first), ``num_features`` and ``freeze``, whatever
    library the checkpoint comes from.

    Parameters
    ----------
    checkpoint : str or CheckpointSpec
        A name :func:`~sklearn_zoo.get_checkpoint` accepts, or a card.
    pretrained : bool, default=True
        ``False`` builds the same architecture with random weights (a from-scratch baseline).
    pooling : str, default=None
        Text checkpoints: ``"mean"``, ``"cls"``, ``"max"``, ``"last"`` or ``"pooler"``; ``None``
        uses the card's.
    offline : bool, default=None
        ``True`` reads local files only; ``None`` follows ``SKLEARN_ZOO_OFFLINE``.

    Returns
    -------
    backbone : Backbone
        The loaded backbone, all blocks trainable.

    Raises
    ------
    LicenseNotAllowedError
        ``SKLEARN_ZOO_ALLOWED_LICENSES`` is set and the checkpoint's license is outside it.

    See Also
    --------
    load_tokenizer : The tokenizer of a text checkpoint.

    Examples
    --------
    >>> from sklearn_zoo.loading import load_backbone
    >>> backbone = load_backbone("efficientnet_lite0")
    >>> backbone.num_blocks, backbone.num_features
    (8, 1280)
    """
    spec = get_checkpoint(checkpoint)
    check_license(spec, pretrained=pretrained)
    model = load_model(spec, pretrained=pretrained, offline=offline)
    options: dict[str, Any] = {}
    if spec.modality == "text":
        options["pooling"] = pooling or spec.text.pooling
    elif pooling is not None:
        options["pooling"] = pooling
    return adapt(model, spec.family if spec.family != "auto" else "auto", **options)


def load_tokenizer(checkpoint: str | CheckpointSpec) -> Any:
    """Load a text checkpoint's own tokenizer.

    It is the tokenizer stored with the weights (or the one the card names), loaded by
    transformers.

    Parameters
    ----------
    checkpoint : str or CheckpointSpec
        A text checkpoint's name, or its card.

    Returns
    -------
    tokenizer : transformers.PreTrainedTokenizerBase
        The tokenizer.

    See Also
    --------
    load_backbone : The checkpoint's weights.

    Examples
    --------
    >>> from sklearn_zoo import load_tokenizer
    >>> load_tokenizer("all-MiniLM-L6-v2")("hello world")["input_ids"]
    [101, 7592, 2088, 102]
    """
    return _load_tokenizer(get_checkpoint(checkpoint))
