"""The trained network: a backbone, an MLP head of ``head_size``, and raw outputs (logits or values)."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import torch
from torch import nn

from .backbones import Backbone
from .runtime import as_channels_last


def check_head_size(head_size: Any, owner: str | None = None) -> tuple[int, ...]:
    """``()`` / ``0`` -> linear head; an int or a sequence of positive ints -> hidden widths."""
    if isinstance(head_size, Integral) and not isinstance(head_size, bool):
        head_size = () if head_size == 0 else (int(head_size),)
    if isinstance(head_size, tuple | list) and all(
        isinstance(h, Integral) and not isinstance(h, bool) and h > 0 for h in head_size
    ):
        return tuple(int(h) for h in head_size)
    of = f" of {owner}" if owner else ""
    raise ValueError(
        f"The 'head_size' parameter{of} must be () or 0 for a linear head, or a tuple of positive ints "
        f"giving hidden layer widths, e.g. (256,) or (512, 128). Got {head_size!r} instead."
    )


# PowerNorm's scale: chosen among 4 / 8 / 12 with the probe on EfficientNet-Lite0 features (dev
# splits, 2026-12-03): flowers5 at 5 / 20 / 100 a class +2.4 / -0.4 / -0.2, +1.6 / +1.5 / +0.9,
# +1.6 / +1.8 / +2.4 points over the probe without it; cats_dogs at 5 a class -0.8 / -1.0 / -1.2.
POWER_NORM_SCALE = 12.0


class PowerNorm(nn.Module):
    """The signed square root of each feature, then the features scaled to an L2 norm of
    ``scale``: the power normalization of improved Fisher vectors (Perronnin et al., 2010). It
    evens out pooled features that a few large activations dominate; ``scale`` sets the logits'
    range, and with it the strength of the head's L2 penalty (``docs/guide/strategy.md``)."""

    def __init__(self, scale: float | None = None, eps: float = 1e-6) -> None:
        super().__init__()
        # a buffer: the saved weights carry it, so a change of POWER_NORM_SCALE between save and
        # load does not change a fitted model (screens set the constant to build other scales)
        scale = POWER_NORM_SCALE if scale is None else scale
        self.register_buffer("scale", torch.tensor(float(scale)))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.sign(x) * torch.sqrt(x.abs() + self.eps)
        return self.scale * nn.functional.normalize(x, dim=-1)

    def extra_repr(self) -> str:
        return f"scale={float(self.scale):g}"


def make_head(
    in_features: int,
    head_size: Sequence[int],
    n_outputs: int,
    dropout: float,
    norm: str | None = None,
) -> nn.Sequential:
    """``()`` is a linear head; ``(256,)`` one hidden layer of 256 (GELU, dropout); and so on.
    ``norm="power"`` puts a :class:`PowerNorm` in front (the estimators' ``head_norm``, checked
    with their other parameters in ``fit`` and ``load``)."""
    layers: list[nn.Module] = [PowerNorm()] if norm == "power" else []
    width = in_features
    for hidden in head_size:
        layers += [nn.Linear(width, hidden), nn.GELU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = hidden
    if dropout and not head_size:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(width, n_outputs))
    return nn.Sequential(*layers)


def zero_output_layer(head: nn.Sequential) -> nn.Sequential:
    """The head's output layer at zero (its hidden layers keep their random start): a probe then
    starts, as logistic regression does, from predicting every class alike. From a random start,
    the weights a few hundred steps on a few samples a class do not move keep their random values
    (weight decay removes about 0.5% of them) and add noise to every prediction."""
    last = head[-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.zero_()
    return head


class ZooModule(nn.Module):
    """Backbone + head. A batch is a dict: ``pixel_values`` (images), tokenizer outputs (text), or
    ``prefix``, the cached output of the first ``split`` (frozen) blocks."""

    def __init__(
        self, backbone: Backbone, head: nn.Module, split: int = 0, channels_last: bool = False
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = head
        self.split = split
        self.channels_last = channels_last  # feed 4-D inputs as NHWC (see sklearn_zoo.runtime)

    def features(
        self, prefix: torch.Tensor | None = None, pixel_values: torch.Tensor | None = None, **text
    ) -> torch.Tensor:
        if self.channels_last:
            prefix, pixel_values = as_channels_last(prefix), as_channels_last(pixel_values)
        if prefix is not None:
            return self.backbone.forward_suffix(prefix, self.split)
        x = pixel_values if pixel_values is not None else text
        return self.backbone.forward_features(x)

    def forward(self, **batch: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(**batch))
