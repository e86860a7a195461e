"""torchvision ConvNeXt: stem, then four stages (each later one with its downsampling layer),
global average pooling and the final LayerNorm."""

import torch
from torch import nn

from . import register_family
from .base import SequentialBackbone


def _is_convnext(model: nn.Module) -> bool:
    from torchvision.models import ConvNeXt

    return isinstance(model, ConvNeXt)


class _PoolNorm(nn.Module):
    def __init__(self, norm: nn.Module) -> None:
        super().__init__()
        self.norm = norm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(self.norm(nn.functional.adaptive_avg_pool2d(x, 1)), 1)


@register_family("torchvision.convnext", _is_convnext)
def build(model: nn.Module) -> SequentialBackbone:
    f = list(model.features)  # stem, stage1, down, stage2, down, stage3, down, stage4
    blocks = [f[0], f[1]] + [nn.Sequential(f[i], f[i + 1]) for i in range(2, len(f), 2)]
    norm = model.classifier[0]
    return SequentialBackbone(blocks, _PoolNorm(norm), norm.normalized_shape[0])
