"""The on-disk half of the feature cache: signed safetensors shards in a private folder. Only files
named as the store names them are read or deleted; a shard whose signature fails is never used."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from ._config import sharing_problem

# the layout the store writes, and the only files it reads or deletes: <model key>/<id>.safetensors
SHARD_FORMAT = "sklearn_zoo.features/2"
_KEY = re.compile(r"[0-9a-f]{32}")
_SHARD = re.compile(r"[0-9a-f]{32}\.safetensors")
SECRET = "shards.key"  # signs the shards: whoever can read it can write rows everyone trusts
_WARNED: set[str] = set()


def check_model_key(model_key: Any) -> str:
    """A model key as :func:`fingerprint` makes it: it names a folder, so nothing else is accepted."""
    if isinstance(model_key, str) and _KEY.fullmatch(model_key):
        return model_key
    raise ValueError(
        "A feature-cache model key must be 32 lowercase hex digits, as prefix_key() makes it. "
        f"Got {model_key!r} instead."
    )


def is_own_shard(shard: Path) -> bool:
    """Whether ``shard`` is named as this store names its shards (others are never touched)."""
    return bool(_SHARD.fullmatch(shard.name) and _KEY.fullmatch(shard.parent.name))


def is_own_index(path: Path) -> bool:
    """Whether ``path`` is a model folder's index as the store names it (see ``_shard_index``)."""
    return path.name == "index.json" and bool(_KEY.fullmatch(path.parent.name))


def signature(secret: bytes, model_key: str, keys: Sequence[str], rows: torch.Tensor) -> str:
    """HMAC-SHA256 over the format, the model key, the sample keys (in order) and the rows."""
    header = json.dumps([SHARD_FORMAT, model_key, list(keys), str(rows.dtype), list(rows.shape)])
    mac = hmac.new(secret, header.encode(), hashlib.sha256)
    mac.update(rows.contiguous().numpy().tobytes())
    return mac.hexdigest()


def read_or_create_secret(path: Path) -> bytes:
    """The folder's signing key: 32 random bytes, created once (mode 0600) by the first writer."""
    try:
        secret = path.read_bytes()
    except FileNotFoundError:
        tmp = path.with_name(f".{uuid.uuid4().hex}.tmp")
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
            f.write(os.urandom(32))
        try:
            os.link(tmp, path)  # atomic, and never over another process's key
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        secret = path.read_bytes()
    if len(secret) != 32:
        raise OSError(f"{path} is not a feature-cache key (32 random bytes); delete it.")
    return secret


def warn_if_shared(directory: Path) -> None:
    """Say once per folder when others can write (or own) the cache: they can change features."""
    for path, parent in ((directory, False), (directory.parent, True)):
        problem = sharing_problem(path, parent=parent)
        if problem is None or str(path) in _WARNED:
            continue
        _WARNED.add(str(path))
        warnings.warn(
            f"The feature cache folder {path} {problem}: whoever can write there can change the "
            "features your models train and predict on. Point SKLEARN_ZOO_CACHE at a folder only "
            "you can write, or pass cache=False (see 'A shared cache is shared trust' in the "
            "caching guide).",
            UserWarning,
            stacklevel=5,
        )


def read_shard(shard: Path, model_key: str, secret: bytes, wanted: set[str]):
    """``(keys, rows)`` of a shard, ``rows`` None when it holds no ``wanted`` key (its keys are then
    unchecked). A ``ValueError`` (or safetensors' error) when it fails its checks: corrupt,
    half-written, forged or moved."""
    from safetensors import safe_open

    with safe_open(str(shard), framework="pt") as f:
        meta = f.metadata() or {}
        keys = json.loads(meta.get("keys", "null"))
        if (
            meta.get("format") != SHARD_FORMAT
            or not isinstance(keys, list)
            or not all(isinstance(k, str) for k in keys)
            or list(f.keys()) != ["rows"]
            or f.get_slice("rows").get_shape()[:1] != [len(keys)]
        ):
            raise ValueError("not a shard of this format")
        if wanted.isdisjoint(keys):
            return keys, None
        rows = f.get_tensor("rows")
    if not hmac.compare_digest(signature(secret, model_key, keys, rows), str(meta.get("mac"))):
        raise ValueError("signature mismatch")
    return keys, rows
