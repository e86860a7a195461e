"""torchvision Inception v3 and GoogLeNet: the stem convolutions, then one block per Inception
module (``Mixed_*``, ``inception*``), global average pooling. The auxiliary classifiers are dropped: they only add
a training loss on ImageNet logits, and a feature extractor never runs them."""

from __future__ import annotations

import torch
from torch import nn

from . import register_family
from .base import GlobalAvgPool, SequentialBackbone


def _is_inception(model: nn.Module) -> bool:
    from torchvision.models import GoogLeNet, Inception3

    return isinstance(model, Inception3 | GoogLeNet)


class _InputTransform(nn.Module):
    """torchvision's ``transform_input``: ImageNet-normalized pixels to the [-1, 1] scale Google's
    weights were trained on (the catalogue feeds that scale directly, and turns it off)."""

    def __init__(self, transform) -> None:
        super().__init__()
        self.transform = transform

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.transform(x)


def _stem(model: nn.Module, names: tuple[str, ...]) -> nn.Sequential:
    layers = [getattr(model, name) for name in names]
    if model.transform_input:
        layers.insert(0, _InputTransform(model._transform_input))
    return nn.Sequential(*layers)


def _inception_v3(model: nn.Module) -> list[nn.Module]:
    """Two stem blocks (up to each max pool, as timm's ``inception_v3`` groups them), then the
    eleven ``Mixed_*`` modules."""
    stem = _stem(model, ("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1"))
    second = nn.Sequential(model.Conv2d_3b_1x1, model.Conv2d_4a_3x3, model.maxpool2)
    mixed = [m for name, m in model.named_children() if name.startswith("Mixed_")]
    return [stem, second, *mixed]


def _googlenet(model: nn.Module) -> list[nn.Module]:
    stem = _stem(model, ("conv1", "maxpool1", "conv2", "conv3", "maxpool2"))
    m = model
    return [
        stem,
        m.inception3a,
        m.inception3b,
        nn.Sequential(m.maxpool3, m.inception4a),
        m.inception4b,
        m.inception4c,
        m.inception4d,
        m.inception4e,
        nn.Sequential(m.maxpool4, m.inception5a),
        m.inception5b,
    ]


@register_family("torchvision.inception", _is_inception)
def build(model: nn.Module) -> SequentialBackbone:
    from torchvision.models import Inception3

    model.aux_logits = False
    if isinstance(model, Inception3):
        model.AuxLogits = None
        blocks = _inception_v3(model)
    else:
        model.aux1 = model.aux2 = None
        blocks = _googlenet(model)
    return SequentialBackbone(blocks, GlobalAvgPool(), model.fc.in_features)
