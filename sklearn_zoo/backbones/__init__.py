"""Family adapters: give every backbone the same face (blocks, pooled features, freezing by depth).

Adding a family is one small module that calls :func:`register_family`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from torch import nn

from .base import Backbone, SequentialBackbone, resolve_freeze_depth

_FAMILIES: dict[str, tuple[Callable[[nn.Module], bool], Callable[..., Backbone]]] = {}
_FAMILY_MODULES = (
    "torchvision_resnet",
    "torchvision_mobile",
    "torchvision_convnext",
    "torchvision_vit",
    "torchvision_inception",
    "timm_generic",
    "hf_decoder",
    "hf_text",
    "hf_vision",
    "keras_model",
    "tf_saved_model",
)


def register_family(name: str, matches: Callable[[nn.Module], bool]):
    """Class/function decorator: ``build(model, **options) -> Backbone`` for models that ``matches``."""

    def decorate(build: Callable[..., Backbone]) -> Callable[..., Backbone]:
        _FAMILIES[name] = (matches, build)
        return build

    return decorate


def _load_families() -> None:
    if len(_FAMILIES) < len(_FAMILY_MODULES):
        for module in _FAMILY_MODULES:
            importlib.import_module(f"{__name__}.{module}")


def families() -> list[str]:
    _load_families()
    return sorted(_FAMILIES)


def detect_family(model: nn.Module) -> str:
    _load_families()
    for name, (matches, _) in _FAMILIES.items():
        if matches(model):
            return name
    raise TypeError(
        f"No backbone adapter knows models of type {type(model).__module__}.{type(model).__name__}. "
        f"Supported families: {', '.join(families())}. Add one with sklearn_zoo.backbones.register_family."
    )


def adapt(model: nn.Module, family: str = "auto", **options) -> Backbone:
    """Wrap a loaded model (classifier head included or not) as a :class:`Backbone`."""
    if isinstance(model, Backbone):
        return model
    _load_families()
    if family == "auto":
        family = detect_family(model)
    if family not in _FAMILIES:
        raise ValueError(f"Unknown backbone family {family!r}. Known: {', '.join(families())}.")
    return _FAMILIES[family][1](model, **options)


__all__ = [
    "Backbone",
    "SequentialBackbone",
    "adapt",
    "detect_family",
    "families",
    "register_family",
    "resolve_freeze_depth",
]
