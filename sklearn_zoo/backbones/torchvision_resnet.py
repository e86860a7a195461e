"""torchvision ResNet / ResNeXt / Wide ResNet: stem, layer1..layer4, global average pool."""

from torch import nn

from . import register_family
from .base import GlobalAvgPool, SequentialBackbone


def _is_resnet(model: nn.Module) -> bool:
    from torchvision.models import ResNet

    return isinstance(model, ResNet)


@register_family("torchvision.resnet", _is_resnet)
def build(model: nn.Module) -> SequentialBackbone:
    stem = nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool)
    blocks = [stem, model.layer1, model.layer2, model.layer3, model.layer4]
    return SequentialBackbone(blocks, GlobalAvgPool(), model.fc.in_features)
