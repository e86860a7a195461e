"""Keras 3 models on the torch backend (``torch.nn.Module``s): one block per run of layers whose
names share the part before the first ``_`` (``conv1``, ``conv2_block1_*`` ...), in the model's
order; images arrive NCHW and are passed on channels-last, a feature map is averaged over space.
A final Dense classifier is dropped."""

from __future__ import annotations

import torch
from torch import nn

from . import register_family
from .base import Backbone, FreezeDepth, resolve_freeze_depth


def _is_keras(model: nn.Module) -> bool:
    return type(model).__module__.startswith(("keras.", "keras_hub."))


def _weighted_layers(model) -> list:
    """Layers with weights, innermost, in the model's order (nested models flattened)."""
    found = []
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:
            found += _weighted_layers(layer)
        elif layer.trainable_weights:
            found.append(layer)
    return found


def _stages(model) -> list[list]:
    stages: list[list] = []
    prefix = None
    for layer in _weighted_layers(model):
        head = layer.name.split("_")[0]
        if head != prefix:
            stages.append([])
            prefix = head
        stages[-1].append(layer)
    return stages


def _without_classifier(model):
    """A functional model ending in a Dense classifier, cut before it (features are what it saw)."""
    import keras

    last = model.layers[-1]
    if isinstance(last, keras.layers.Dense) and hasattr(model, "inputs") and len(model.layers) > 2:
        return keras.Model(model.inputs, model.layers[-2].output, name=model.name)
    return model


class KerasBackbone(Backbone):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        from .._compat import keras_torch_parameters

        model = _without_classifier(model)
        keras_torch_parameters(model)
        self.model = model
        self._stages = _stages(model)
        if not self._stages:
            raise TypeError(f"The Keras model {model.name!r} has no trainable layers.")
        # Keras' torch backend keeps every variable as "_torch_params.<variable path>"
        own = {n.split(".", 1)[1]: f"model.{n}" for n, _ in model.named_parameters()}
        self._groups = [
            [own[v.path] for layer in stage for v in layer.trainable_weights]
            for stage in self._stages
        ]
        self.num_features = int(model.outputs[0].shape[-1])

    def block_param_names(self) -> list[list[str]]:
        return self._groups

    def freeze(self, freeze_depth: FreezeDepth, checkpoint: str = "") -> int:
        """Keras' own switch, ``layer.trainable``: it sets the variables' ``requires_grad`` (a
        BatchNorm layer's statistics are never trainable) and runs frozen BatchNorm layers in
        inference mode."""
        k = resolve_freeze_depth(freeze_depth, len(self._stages), checkpoint)
        for i, stage in enumerate(self._stages):
            for layer in stage:
                layer.trainable = i >= k
        self.frozen_blocks = k
        self.train(self.training)
        return k

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        out = self.model(x.permute(0, 2, 3, 1), training=self.training)
        if out.ndim == 4:  # a channels-last feature map
            return out.mean(dim=(1, 2))
        if out.ndim == 3:  # tokens
            return out.mean(dim=1)
        return out


@register_family("keras", _is_keras)
def build(model: nn.Module) -> KerasBackbone:
    return KerasBackbone(model)
