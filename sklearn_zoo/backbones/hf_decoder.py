"""Hugging Face decoder-only text models (GPT-2, DistilGPT2, Llama-style embedding models):
embeddings as the stem, one block per transformer layer, the final norm with the last; the text's
vector is its last non-padding token's state (the only one that has read the whole text)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping

import torch
from torch import nn

from . import register_family
from ._hf_common import layer_groups, pool
from .base import Backbone

DECODER_POOLINGS = ("last", "mean", "max")
_FINAL_NORMS = ("ln_f", "norm", "final_layer_norm", "final_layernorm")


@functools.cache
def decoder_only_types() -> frozenset[str]:
    """transformers model types with a causal language model and no masked one: decoders."""
    from transformers.models.auto.modeling_auto import (
        MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
        MODEL_FOR_MASKED_LM_MAPPING_NAMES,
    )

    return frozenset(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES) - frozenset(
        MODEL_FOR_MASKED_LM_MAPPING_NAMES
    )


def is_decoder_type(model_type: str) -> bool:
    return model_type in decoder_only_types()


def _is_hf_decoder(model: nn.Module) -> bool:
    config = getattr(model, "config", None)
    return (
        type(model).__module__.startswith("transformers.")
        and config is not None
        and not getattr(config, "is_encoder_decoder", False)
        and is_decoder_type(getattr(config, "model_type", ""))
        and getattr(model, "main_input_name", "input_ids") == "input_ids"
    )


class HFDecoderBackbone(Backbone):
    def __init__(self, model: nn.Module, pooling: str = "last") -> None:
        super().__init__()
        if pooling not in DECODER_POOLINGS:
            raise ValueError(
                f"The 'pooling' parameter of a decoder-only model ({type(model).__name__}) must be "
                f"one of {DECODER_POOLINGS}: it has no CLS token or pooler. Got {pooling!r} instead."
            )
        self.model = model
        self.pooling = pooling
        self.num_features = int(model.config.hidden_size)
        self._groups = layer_groups(model, "model.", tail=_FINAL_NORMS)
        accepted = inspect.signature(model.forward).parameters
        self._positions = "position_ids" in accepted  # not for state-space models (Mamba)
        self._masks = "attention_mask" in accepted

    def block_param_names(self) -> list[list[str]]:
        return self._groups

    def forward_features(self, x: Mapping[str, torch.Tensor]) -> torch.Tensor:
        mask = x["attention_mask"]
        extra = {"attention_mask": mask} if self._masks else {}
        if self._positions:  # real tokens only: a left-padded text reads as a right-padded one
            extra["position_ids"] = (mask.long().cumsum(-1) - 1).clamp(min=0)
        out = self.model(input_ids=x["input_ids"], **extra)
        return pool(out.last_hidden_state, mask, self.pooling)


@register_family("hf.decoder", _is_hf_decoder)
def build(model: nn.Module, pooling: str = "last") -> HFDecoderBackbone:
    return HFDecoderBackbone(model, pooling=pooling)
