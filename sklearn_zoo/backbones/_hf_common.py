"""Block structure shared by Hugging Face encoders: embeddings first, then one block per layer."""

from __future__ import annotations

import torch
from torch import nn


def find_layers(model: nn.Module) -> tuple[str, nn.ModuleList]:
    """The ModuleList holding the transformer layers (``encoder.layer``, ``transformer.layer``,
    a decoder's ``layers`` or GPT-2's ``h``)."""
    n_layers = getattr(model.config, "num_hidden_layers", None) or getattr(
        model.config, "n_layers", None
    )
    for name, module in model.named_modules():
        if (
            isinstance(module, nn.ModuleList)
            and len(module) == n_layers
            and name.split(".")[-1] in ("layer", "layers", "h")
        ):
            return name, module
    raise TypeError(
        f"Could not find the {n_layers} transformer layers of {type(model).__name__}: "
        "no ModuleList named 'layer', 'layers' or 'h' of that length."
    )


def layer_groups(
    model: nn.Module, prefix: str, tail: tuple[str, ...] = ("pooler",)
) -> list[list[str]]:
    """Stem (embeddings and any shared parameters), one group per layer, the final norm/pooler last."""
    layers_name, layers = find_layers(model)
    groups: list[list[str]] = [[] for _ in range(len(layers) + 1)]
    for name, _ in model.named_parameters():
        if name.startswith(layers_name + "."):
            index = int(name[len(layers_name) + 1 :].split(".")[0])
            groups[index + 1].append(prefix + name)
        elif name.split(".")[0] in tail:
            groups[-1].append(prefix + name)
        else:
            groups[0].append(prefix + name)
    return groups


def pool(hidden: torch.Tensor, attention_mask: torch.Tensor, pooling: str) -> torch.Tensor:
    """Token states ``(n, length, d)`` to one vector per text, padding left out (on either side)."""
    if pooling in ("cls", "last"):
        mask = attention_mask.to(torch.int)
        if pooling == "cls":  # the first token that is not padding
            index = mask.argmax(dim=1)
        else:  # the last one
            index = mask.shape[1] - 1 - mask.flip(1).argmax(dim=1)
        return hidden[torch.arange(len(hidden), device=hidden.device), index]
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    if pooling == "max":
        return hidden.masked_fill(mask == 0, float("-inf")).max(dim=1).values
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
