"""PyTorch Hub models (``torchhub:owner/repo[:ref]:entry[?kw=value]``) through ``torch.hub.load``.
A hub repository runs its ``hubconf.py``: nothing here loads one unless the card's options say
``trust_remote_code=True``, and offline the repository is read from torch hub's cache alone."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ._errors import unavailable
from ._torch_hub import hub_dir

if TYPE_CHECKING:
    from torch import nn

    from ..zoo.spec import CheckpointSpec


def refuse_untrusted(spec: CheckpointSpec) -> None:
    """A ``ValueError`` unless the user turned ``trust_remote_code`` on for this checkpoint."""
    if spec.options.get("trust_remote_code") is True:
        return
    raise ValueError(
        f"Checkpoint {spec.name!r} comes from PyTorch Hub, and loading it runs the repository's "
        "hubconf.py: Python code from its authors, with your permissions. sklearn_zoo runs no "
        "one else's code unless asked. If you trust the repository, pass "
        f"get_checkpoint({spec.name!r}, trust_remote_code=True) as the checkpoint (and "
        "`sklearn-zoo download --trust-remote-code NAME` to fetch it)."
    )


def _is_dir(spec: CheckpointSpec) -> bool:
    return os.path.isdir(spec.identifier)


def cached_repo(spec: CheckpointSpec) -> str | None:
    """The folder torch hub unpacked ``owner/repo[:ref]`` into, when it is on this machine (no
    ref: ``main`` or ``master``, as torch hub itself falls back to offline)."""
    repo, _, ref = spec.identifier.partition(":")
    owner, _, name = repo.partition("/")
    refs = [ref.replace("/", "_")] if ref else ["main", "master"]
    for candidate in refs:
        folder = os.path.join(hub_dir(), f"{owner}_{name}_{candidate}")
        if os.path.isfile(os.path.join(folder, "hubconf.py")):
            return folder
    return None


def is_local(spec: CheckpointSpec) -> bool:
    """The repository is here (its weights may still be fetched by the entry point)."""
    if _is_dir(spec):
        return os.path.isfile(os.path.join(spec.identifier, "hubconf.py"))
    return cached_repo(spec) is not None


def _load(spec: CheckpointSpec, where: str, source: str, **extra: Any) -> nn.Module:
    import torch

    kwargs = {**spec.options.get("kwargs", {}), **extra}
    model = torch.hub.load(
        where, spec.options["entry"], source=source, trust_repo=True, verbose=False, **kwargs
    )
    if not isinstance(model, torch.nn.Module):
        raise ValueError(
            f"Checkpoint {spec.name!r}: the hub entry point {spec.options['entry']!r} returned a "
            f"{type(model).__name__}, not a torch.nn.Module."
        )
    return model


def load_model(spec: CheckpointSpec, *, pretrained: bool, offline: bool) -> nn.Module:
    """``pretrained=False`` passes ``pretrained=False`` to the entry point (torch hub's convention)."""
    refuse_untrusted(spec)
    extra = {} if pretrained else {"pretrained": False}
    if _is_dir(spec):
        return _load(spec, spec.identifier, "local", **extra)
    folder = cached_repo(spec)
    if offline and folder is None:
        raise unavailable(spec.name, f"torch hub's cache {hub_dir()}", offline=True)
    try:
        if folder is not None:  # what torch hub would use, without asking GitHub for the branch
            return _load(spec, folder, "local", **extra)
        return _load(spec, spec.identifier, "github", **extra)
    except OSError as exc:  # the repository or the weights its entry point downloads
        where = f"torch hub's cache {hub_dir()}"
        raise unavailable(spec.name, where, offline=offline, cause=exc) from exc


def download(spec: CheckpointSpec) -> str:
    """Fetch the repository and run its entry point once (which fetches its weights)."""
    refuse_untrusted(spec)
    if _is_dir(spec):
        return os.path.abspath(spec.identifier)
    _load(spec, spec.identifier, "github")
    return cached_repo(spec) or hub_dir()


def parse(name: str) -> tuple[str, str, dict[str, Any]]:
    """``"owner/repo[:ref]:entry[?kw=value&...]"`` -> ``(repo_or_dir, entry, kwargs)``; values
    are Python literals (numbers, True/False/None, quoted strings) or else plain strings."""
    import ast

    rest, _, query = name.partition("?")
    repo, sep, entry = rest.rpartition(":")
    if not sep or not repo or not entry.isidentifier():
        raise ValueError(
            f"A PyTorch Hub checkpoint is named 'torchhub:OWNER/REPO[:REF]:ENTRY[?KW=VALUE]' (or a "
            f"local hub folder as 'torchhub:PATH:ENTRY'). Got 'torchhub:{name}' instead."
        )
    kwargs: dict[str, Any] = {}
    for pair in filter(None, query.split("&")):
        key, eq, value = pair.partition("=")
        if not eq or not key.isidentifier():
            raise ValueError(f"'torchhub:{name}': {pair!r} is not a KW=VALUE option.")
        try:
            kwargs[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            kwargs[key] = value
    if not os.path.isdir(repo) and repo.count("/") != 1:
        raise ValueError(f"'torchhub:{name}': {repo!r} is neither OWNER/REPO nor a local folder.")
    return repo, entry, kwargs
