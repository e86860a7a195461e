"""torchvision builders with their ImageNet weights, kept in torch hub's cache (``TORCH_HOME``)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ._errors import unavailable
from ._torch_hub import checkpoint_path, torchvision_weights_file

if TYPE_CHECKING:
    from torch import nn

    from ..zoo.spec import CheckpointSpec


INIT_WEIGHTS_SWITCH = ("inception_v3", "googlenet")  # builders with an init_weights switch


def _weights(spec: CheckpointSpec):
    from torchvision.models import get_model_weights

    enum = get_model_weights(spec.identifier)
    member = spec.options.get("weights", "DEFAULT")
    try:
        return enum[member]
    except KeyError:
        raise ValueError(
            f"torchvision has no weights {member!r} for {spec.identifier!r}. "
            f"Available: {', '.join(w.name for w in enum)}."
        ) from None


def _cached_file(spec: CheckpointSpec) -> str:
    return checkpoint_path(os.path.basename(_weights(spec).url))


def is_local(spec: CheckpointSpec) -> bool:
    """Whether the weights file is in torch hub's cache; torch is not imported to find out."""
    name = torchvision_weights_file(spec.identifier, spec.options.get("weights", "DEFAULT"))
    return name is not None and os.path.isfile(checkpoint_path(name))


def download(spec: CheckpointSpec) -> str:
    import torch

    torch.hub.load_state_dict_from_url(
        _weights(spec).url, progress=True, check_hash=True, weights_only=True
    )
    return _cached_file(spec)


def load_model(spec: CheckpointSpec, *, pretrained: bool, offline: bool) -> nn.Module:
    import torch
    from torchvision.models import get_model

    # Inception v3 and GoogLeNet: loaded weights replace the slow truncated-normal initialization
    init = {"init_weights": not pretrained} if spec.identifier in INIT_WEIGHTS_SWITCH else {}
    model = get_model(spec.identifier, weights=None, **init)
    if not pretrained:
        return model
    path = _cached_file(spec)
    if os.path.isfile(path):
        state = torch.load(path, map_location="cpu", weights_only=True)
    elif offline:
        raise unavailable(spec.name, os.path.dirname(path), offline=True)
    else:
        try:
            state = torch.hub.load_state_dict_from_url(
                _weights(spec).url, map_location="cpu", check_hash=True, weights_only=True
            )
        except (OSError, RuntimeError) as exc:  # URLError is an OSError
            raise unavailable(spec.name, os.path.dirname(path), offline=False, cause=exc) from exc
    model.load_state_dict(state)
    return model
