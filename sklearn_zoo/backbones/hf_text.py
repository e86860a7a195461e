"""Hugging Face text encoders (BERT, DistilBERT, RoBERTa, MiniLM, MPNet ...): embeddings as the stem,
one block per layer; mean, CLS, max, last-token (as sentence-transformers computes them) or pooler
pooling."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from . import register_family
from ._hf_common import layer_groups, pool
from .base import Backbone
from .hf_decoder import is_decoder_type

POOLINGS = ("mean", "cls", "max", "last", "pooler")
__all__ = ["POOLINGS", "HFTextBackbone", "build", "pool"]


def _is_hf_text(model: nn.Module) -> bool:
    config = getattr(model, "config", None)
    return (
        type(model).__module__.startswith("transformers.")
        and config is not None
        and hasattr(config, "vocab_size")
        and getattr(model, "main_input_name", "input_ids") == "input_ids"
        and not is_decoder_type(getattr(config, "model_type", ""))
    )


class HFTextBackbone(Backbone):
    def __init__(self, model: nn.Module, pooling: str = "mean") -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(
                f"The 'pooling' parameter must be one of {POOLINGS}. Got {pooling!r} instead."
            )
        if pooling == "pooler" and getattr(model, "pooler", None) is None:
            raise ValueError(
                f"{type(model).__name__} has no pooler layer: use pooling='mean' or pooling='cls'."
            )
        self.model = model
        self.pooling = pooling
        self.num_features = int(
            model.config.hidden_size if hasattr(model.config, "hidden_size") else model.config.dim
        )
        tail = ("pooler",) if pooling == "pooler" else ()
        self._groups = layer_groups(model, "model.", tail=tail)
        if pooling != "pooler" and getattr(model, "pooler", None) is not None:
            # an unused pooler would only take memory and gradients: drop it
            pooler_names = {n for n, _ in model.named_parameters() if n.startswith("pooler.")}
            self._groups = [
                [n for n in g if n[len("model.") :] not in pooler_names] for g in self._groups
            ]
            model.pooler = None

    def block_param_names(self) -> list[list[str]]:
        return self._groups

    def forward_features(self, x: Mapping[str, torch.Tensor]) -> torch.Tensor:
        out = self.model(**x)
        if self.pooling == "pooler":
            return out.pooler_output
        return pool(out.last_hidden_state, x["attention_mask"], self.pooling)


@register_family("hf.text", _is_hf_text)
def build(model: nn.Module, pooling: str = "mean") -> HFTextBackbone:
    return HFTextBackbone(model, pooling=pooling)
