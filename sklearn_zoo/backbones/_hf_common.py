"""Block structure shared by Hugging Face encoders: embeddings first, then one block per layer."""

from __future__ import annotations

from torch import nn


def find_layers(model: nn.Module) -> tuple[str, nn.ModuleList]:
    """The ModuleList holding the transformer layers (``encoder.layer``, ``transformer.layer`` ...)."""
    n_layers = getattr(model.config, "num_hidden_layers", None) or getattr(
        model.config, "n_layers", None
    )
    for name, module in model.named_modules():
        if (
            isinstance(module, nn.ModuleList)
            and len(module) == n_layers
            and name.split(".")[-1] in ("layer", "layers")
        ):
            return name, module
    raise TypeError(
        f"Could not find the {n_layers} transformer layers of {type(model).__name__}: "
        "no ModuleList named 'layer' or 'layers' of that length."
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
