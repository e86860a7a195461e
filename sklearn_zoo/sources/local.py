"""Local checkpoints: a transformers directory, or a state-dict / safetensors file whose architecture
is named (``timm:NAME@path`` or ``torchvision:NAME@path``). Nothing here touches the network, and
files are read with safetensors or ``torch.load(weights_only=True)``: no code runs on load."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import nn

    from ..zoo.spec import CheckpointSpec

# classifier layers of the usual architectures (and Inception's auxiliary classifiers): a
# checkpoint's head may differ from the fresh model's
_HEAD_PREFIXES = ("fc.", "classifier.", "head.", "heads.", "_fc.", "head.fc.")
_HEAD_PREFIXES += ("AuxLogits.fc.", "aux1.fc2.", "aux2.fc2.")


def _missing(spec: CheckpointSpec) -> FileNotFoundError:
    from ..exceptions import CheckpointUnavailableError

    return CheckpointUnavailableError(
        f"Checkpoint {spec.name!r}: the path {spec.identifier!r} does not exist."
    )


def read_state_dict(path: str) -> dict:
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file

        return load_file(path)
    import pickle

    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:  # weights_only refused a Python object: never run it
        raise ValueError(
            f"Refusing to load {path!r}: it holds Python objects other than tensors, and "
            "unpickling those can run arbitrary code. Only plain state dicts are read "
            "(torch.load(weights_only=True)). If the file comes from a source you trust, extract "
            "its state dict and save it with safetensors (safetensors.torch.save_file)."
        ) from None
    for key in ("state_dict", "model", "model_state_dict"):  # common wrappers of a state dict
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    return state


def _architecture(spec: CheckpointSpec) -> nn.Module:
    """The model the weights file is for, with random weights (the registry resolved its spec)."""
    from . import source_module

    arch = spec.architecture
    if arch is None:
        raise ValueError(
            f"The weights file {spec.identifier!r} does not say which architecture it is for. Name it "
            f"as 'timm:NAME@{spec.identifier}' or 'torchvision:NAME@{spec.identifier}'."
        )
    return source_module(arch.source).load_model(arch, pretrained=False, offline=True)


def load_model(spec: CheckpointSpec, *, pretrained: bool, offline: bool) -> nn.Module:
    """``pretrained=False`` builds the architecture alone: the weights file is not read."""
    from . import huggingface

    if os.path.isdir(spec.identifier):
        return huggingface.load_model(spec, pretrained=pretrained, offline=True)
    if not os.path.isfile(spec.identifier) and (pretrained or spec.architecture is None):
        raise _missing(spec)
    model = _architecture(spec)
    if pretrained:
        _copy_weights(model, spec)
    return model


def _copy_weights(model: nn.Module, spec: CheckpointSpec) -> None:
    state = read_state_dict(spec.identifier)
    own = model.state_dict()
    state = {  # a classifier trained for other classes is dropped (the estimators add their own head)
        k: v
        for k, v in state.items()
        if not (k.startswith(_HEAD_PREFIXES) and (k not in own or own[k].shape != v.shape))
    }
    # tensors of another shape are refused below with a ValueError (load_state_dict: RuntimeError)
    misshapen = [k for k, v in state.items() if k in own and own[k].shape != v.shape]
    state = {k: v for k, v in state.items() if k not in misshapen}
    result = model.load_state_dict(state, strict=False)
    bad = [
        k
        for k in [*misshapen, *result.missing_keys, *result.unexpected_keys]
        if not k.startswith(_HEAD_PREFIXES)
    ]
    if bad:
        raise ValueError(
            f"The weights in {spec.identifier!r} do not fit {spec.architecture.name!r}: "
            f"{len(bad)} keys missing, unexpected or of another shape, e.g. {bad[:5]}. "
            "Check the architecture name."
        )


def load_tokenizer(spec: CheckpointSpec, *, offline: bool) -> Any:
    from . import huggingface

    if not os.path.isdir(spec.identifier):
        raise ValueError(f"Checkpoint {spec.name!r} is a weights file, not a text model directory.")
    return huggingface.load_tokenizer(spec, offline=True)


def is_local(spec: CheckpointSpec) -> bool:
    return os.path.exists(spec.identifier)


def download(spec: CheckpointSpec) -> str:
    if not os.path.exists(spec.identifier):
        raise _missing(spec)
    return os.path.abspath(spec.identifier)
