"""timm models with their pretrained weights from the Hugging Face cache (or torch hub's, for the
few timm weights that only have a URL). The file is located first, then handed to timm."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from ._errors import unavailable
from ._torch_hub import checkpoint_path

if TYPE_CHECKING:
    from torch import nn

    from ..zoo.spec import CheckpointSpec

_HF_FILES = ("model.safetensors", "pytorch_model.bin")


def _cfg(name: str):
    import timm

    try:
        cfg = timm.models.get_pretrained_cfg(name, allow_unregistered=False)
    except RuntimeError:
        cfg = None
    if cfg is None:
        arch = name.split(".")[0]
        if not timm.is_model(arch):
            raise ValueError(
                f"timm has no model {arch!r}. See timm.list_models() for the names it knows."
            )
        raise ValueError(
            f"timm has no pretrained weights {name!r}. Tags it knows for {arch}: "
            f"{', '.join(timm.list_pretrained(arch + '*')) or 'none'}."
        )
    return cfg


def _cached_file(name: str) -> str | None:
    cfg = _cfg(name)
    if cfg.hf_hub_id:
        from huggingface_hub import try_to_load_from_cache

        for filename in _HF_FILES:
            path = try_to_load_from_cache(cfg.hf_hub_id, filename)
            if isinstance(path, str):
                return path
        return None
    if cfg.url:
        path = checkpoint_path(os.path.basename(cfg.url))
        return path if os.path.isfile(path) else None
    return None


def _where(name: str) -> str:
    cfg = _cfg(name)
    if cfg.hf_hub_id:
        from huggingface_hub.constants import HF_HUB_CACHE

        return f"the Hugging Face cache {HF_HUB_CACHE} ({cfg.hf_hub_id})"
    return os.path.dirname(checkpoint_path(""))


def is_local(spec: CheckpointSpec) -> bool:
    """Whether the weights are cached. Before timm is imported (``sklearn-zoo list``) this is read
    off the Hugging Face cache at ``timm/<name>``, where timm keeps the weights of the catalogue's
    timm checkpoints; once it is imported (``get_checkpoint("timm:NAME")`` imports it), timm's own
    record of where the weights live is used."""
    if "timm" not in sys.modules:
        from huggingface_hub import try_to_load_from_cache

        repo = f"timm/{spec.identifier}"
        return any(isinstance(try_to_load_from_cache(repo, f), str) for f in _HF_FILES)
    return _cached_file(spec.identifier) is not None


def download(spec: CheckpointSpec) -> str:
    cfg = _cfg(spec.identifier)
    if cfg.hf_hub_id:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError

        try:
            return hf_hub_download(cfg.hf_hub_id, _HF_FILES[0])
        except EntryNotFoundError:
            return hf_hub_download(cfg.hf_hub_id, _HF_FILES[1])
    import torch

    torch.hub.load_state_dict_from_url(cfg.url, progress=True, weights_only=True)
    return _cached_file(spec.identifier) or ""


def load_model(spec: CheckpointSpec, *, pretrained: bool, offline: bool) -> nn.Module:
    import timm

    if not pretrained:
        return timm.create_model(spec.identifier, pretrained=False)
    path = _cached_file(spec.identifier)
    if path is None:
        if offline:
            raise unavailable(spec.name, _where(spec.identifier), offline=True)
        try:
            path = download(spec)
        except Exception as exc:  # network errors come in many types from huggingface_hub
            raise unavailable(spec.name, _where(spec.identifier), offline=False, cause=exc) from exc
    # timm loads .safetensors with safetensors and .bin/.pth with torch.load(weights_only=True)
    return timm.create_model(
        spec.identifier, pretrained=True, pretrained_cfg_overlay={"file": path}
    )
