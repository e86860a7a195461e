"""Where torch hub keeps weights, and the file a torchvision weights enum names, found without
importing torch or torchvision (so ``sklearn-zoo list`` answers from the files on disk alone)."""

from __future__ import annotations

import ast
import functools
import importlib.util
import os
import re
import sys
from pathlib import Path


def hub_dir() -> str:
    """``torch.hub.get_dir()``: ``$TORCH_HOME/hub``, ``$TORCH_HOME`` defaulting to
    ``$XDG_CACHE_HOME/torch`` and that to ``~/.cache/torch``. Once torch is imported its own answer
    is used, which also knows about ``torch.hub.set_dir``."""
    if "torch" in sys.modules:
        import torch

        return torch.hub.get_dir()
    cache = os.getenv("XDG_CACHE_HOME", os.path.join("~", ".cache"))
    return os.path.join(
        os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(cache, "torch"))), "hub"
    )


def checkpoint_path(filename: str) -> str:
    return os.path.join(hub_dir(), "checkpoints", filename)


def torchvision_weights_file(arch: str, member: str) -> str | None:
    """The file name of torchvision's weights ``member`` (``"IMAGENET1K_V1"``, ``"DEFAULT"``) of the
    builder ``arch``, as torchvision would save it; ``None`` when torchvision does not know them.

    Read from the ``url=`` of the weights enum in torchvision's own source, parsed, never run.
    """
    if "torchvision" in sys.modules:
        from torchvision.models import get_model_weights

        try:
            return os.path.basename(get_model_weights(arch)[member].url)
        except (KeyError, ValueError):
            return None
    urls = _weights_urls(arch.lower())
    while member in urls and not urls[member].startswith("https://"):
        member = urls[member]  # an alias such as DEFAULT = IMAGENET1K_V2
    return os.path.basename(urls[member]) if member in urls else None


@functools.cache
def _weights_urls(arch: str) -> dict[str, str]:
    """``{member: url, alias: member}`` of the ``<Arch>_Weights`` enum in torchvision's source."""
    where = _weights_classes().get(arch)
    return {} if where is None else _enum_urls(_parse(where[0]), where[1])


@functools.cache
def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _weights_classes() -> dict[str, tuple[Path, str]]:
    """Every ``<Arch>_Weights`` enum of torchvision's models: ``{arch: (source file, class)}``."""
    found = importlib.util.find_spec("torchvision")
    if found is None or not found.submodule_search_locations:
        return {}
    heading = re.compile(r"^class (\w+)_Weights\(WeightsEnum\):", re.MULTILINE)
    classes: dict[str, tuple[Path, str]] = {}
    for path in sorted(Path(found.submodule_search_locations[0], "models").rglob("*.py")):
        for match in heading.finditer(path.read_text(encoding="utf-8")):
            classes.setdefault(match[1].lower(), (path, f"{match[1]}_Weights"))
    return classes


def _enum_urls(tree: ast.Module, class_name: str) -> dict[str, str]:
    enum = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name)
    urls: dict[str, str] = {}
    for node in enum.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)):
            continue
        name, value = node.targets[0].id, node.value
        if isinstance(value, ast.Name):
            urls[name] = value.id
        elif isinstance(value, ast.Call):
            url = next((k.value for k in value.keywords if k.arg == "url"), None)
            if isinstance(url, ast.Constant) and isinstance(url.value, str):
                urls[name] = url.value
    return urls
