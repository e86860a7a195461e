"""torchvision EfficientNet (v1, v2), MobileNetV2 and MobileNetV3: ``features[0]`` is the stem, each
later entry a stage, the last a 1x1 conv; then global average pooling."""

from torch import nn

from . import register_family
from .base import GlobalAvgPool, SequentialBackbone


def _is_mobile(model: nn.Module) -> bool:
    from torchvision.models import EfficientNet, MobileNetV2, MobileNetV3

    return isinstance(model, EfficientNet | MobileNetV2 | MobileNetV3)


def _out_channels(block: nn.Module) -> int:
    convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
    return convs[-1].out_channels


@register_family("torchvision.mobile", _is_mobile)
def build(model: nn.Module) -> SequentialBackbone:
    blocks = list(model.features)
    return SequentialBackbone(blocks, GlobalAvgPool(), _out_channels(blocks[-1]))
