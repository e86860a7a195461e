"""Hugging Face vision transformers (ViT, DINOv2, DeiT ...): patch embeddings as the stem, one block
per layer, the final LayerNorm's class token (or the mean of patch tokens) as the feature."""

from __future__ import annotations

import torch
from torch import nn

from . import register_family
from ._hf_common import layer_groups
from .base import Backbone


def _is_hf_vision(model: nn.Module) -> bool:
    return (
        type(model).__module__.startswith("transformers.")
        and getattr(model, "main_input_name", "") == "pixel_values"
    )


class HFVisionBackbone(Backbone):
    def __init__(self, model: nn.Module, pooling: str = "cls") -> None:
        super().__init__()
        if pooling not in ("cls", "mean"):
            raise ValueError(
                f"The 'pooling' parameter must be 'cls' or 'mean'. Got {pooling!r} instead."
            )
        if getattr(model, "pooler", None) is not None:
            model.pooler = None  # the class token after the final norm is the feature
        self.model = model
        self.pooling = pooling
        self.num_features = int(model.config.hidden_size)
        self._groups = layer_groups(model, "model.", tail=("layernorm", "norm", "pooler"))

    def block_param_names(self) -> list[list[str]]:
        return self._groups

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.model(pixel_values=x).last_hidden_state
        return hidden[:, 0] if self.pooling == "cls" else hidden[:, 1:].mean(1)


@register_family("hf.vision", _is_hf_vision)
def build(model: nn.Module, pooling: str = "cls") -> HFVisionBackbone:
    return HFVisionBackbone(model, pooling=pooling)
