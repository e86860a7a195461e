"""Any timm model: blocks come from the model's own ``group_matcher`` (stem, stages, final norm merged
into the last stage); EfficientNet and ResNet can also be run block by block."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from . import register_family
from .base import Backbone


def _is_timm(model: nn.Module) -> bool:
    return type(model).__module__.startswith("timm.") and hasattr(model, "group_matcher")


def _efficientnet_steps(m: nn.Module) -> list:
    return [lambda x: m.bn1(m.conv_stem(x)), *list(m.blocks)]


def _resnet_steps(m: nn.Module) -> list:
    return [lambda x: m.maxpool(m.act1(m.bn1(m.conv1(x)))), m.layer1, m.layer2, m.layer3, m.layer4]


# model class name -> function giving one callable per block (the last block's tail, e.g. conv_head,
# is run by ``forward_head``'s pooling path through ``_finish``)
_SPLIT_PLANS = {"EfficientNet": _efficientnet_steps, "ResNet": _resnet_steps}


class TimmBackbone(Backbone):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        if model.get_classifier() is not None and getattr(model, "num_classes", 0):
            model.reset_classifier(0)
        self.model = model
        # models with a pre-logits projection (MobileNetV3 conv_head) pool to head_hidden_size
        self.num_features = int(getattr(model, "head_hidden_size", None) or model.num_features)
        self._groups = self._make_groups()
        plan = _SPLIT_PLANS.get(type(model).__name__)
        self.supports_split = plan is not None and len(plan(model)) == len(self._groups)

    def _make_groups(self) -> list[list[str]]:
        from timm.models import group_parameters

        groups = list(group_parameters(self.model, self.model.group_matcher(coarse=True)).values())
        last = groups[-1]
        if len(groups) > 2 and all(n.split(".")[0] in ("head", "norm", "fc_norm") for n in last):
            groups = groups[:-2] + [groups[-2] + last]
        grouped = {n for g in groups for n in g}
        rest = [n for n, _ in self.model.named_parameters() if n not in grouped]
        if rest:  # parameters no matcher names belong to the last block
            groups[-1] = groups[-1] + rest
        return [[f"model.{n}" for n in g] for g in groups]

    def block_param_names(self) -> list[list[str]]:
        return self._groups

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.forward_head(self.model.forward_features(x), pre_logits=True)

    def _steps(self) -> list:
        return _SPLIT_PLANS[type(self.model).__name__](self.model)

    def _finish(self, h: torch.Tensor) -> torch.Tensor:
        m = self.model
        if hasattr(m, "conv_head"):
            h = m.bn2(m.conv_head(h))
        return m.forward_head(h, pre_logits=True)

    def forward_prefix(self, x: Any, k: int) -> Any:
        if not self.supports_split or k in (0,):
            return super().forward_prefix(x, k)
        for step in self._steps()[:k]:
            x = step(x)
        return self._finish(x) if k == self.num_blocks else x

    def forward_suffix(self, h: Any, k: int) -> torch.Tensor:
        if not self.supports_split or k in (0, self.num_blocks):
            return super().forward_suffix(h, k)
        for step in self._steps()[k:]:
            h = step(h)
        return self._finish(h)


@register_family("timm", _is_timm)
def build(model: nn.Module) -> TimmBackbone:
    return TimmBackbone(model)
