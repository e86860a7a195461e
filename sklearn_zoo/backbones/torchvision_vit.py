"""torchvision VisionTransformer: patch embedding + class token + position embedding as the stem,
one block per encoder layer, the final LayerNorm and the class token as the pooled feature."""

import torch
from torch import nn

from . import register_family
from .base import SequentialBackbone


def _is_vit(model: nn.Module) -> bool:
    from torchvision.models import VisionTransformer

    return isinstance(model, VisionTransformer)


class _ViTStem(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.patch_size = model.patch_size
        self.conv_proj = model.conv_proj
        self.class_token = model.class_token
        self.pos_embedding = model.encoder.pos_embedding
        self.dropout = model.encoder.dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_proj(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)
        return self.dropout(x + self.pos_embedding)


class _ClassToken(nn.Module):
    def __init__(self, norm: nn.Module) -> None:
        super().__init__()
        self.ln = norm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ln(x)[:, 0]


@register_family("torchvision.vit", _is_vit)
def build(model: nn.Module) -> SequentialBackbone:
    blocks = [_ViTStem(model), *model.encoder.layers]
    return SequentialBackbone(blocks, _ClassToken(model.encoder.ln), model.hidden_dim)
