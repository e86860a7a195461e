"""The frozen-prefix cache: activations of the frozen, deterministic first blocks of a backbone.

Rows are stored per sample, keyed by the model (checkpoint, weights, freeze boundary, preprocessing)
and a fingerprint of the sample, so any subset reuses them: every epoch of a fit, every fold and
candidate of a grid search, a repeated ``fit``, ``rank_checkpoints``. A bounded in-memory LRU sits in
front of a bounded on-disk store (safetensors shards, signed) that worker processes share.
Location: ``SKLEARN_ZOO_CACHE``; sizes: ``SKLEARN_ZOO_CACHE_MEMORY`` / ``SKLEARN_ZOO_CACHE_SIZE`` (bytes).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import uuid
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from ._config import cache_dir, make_private_dir
from ._shards import (
    SECRET,
    SHARD_FORMAT,
    check_model_key,
    is_own_shard,
    read_or_create_secret,
    read_shard,
    signature,
    warn_if_shared,
)

_DEFAULT_MEMORY = 1 * 2**30
_DEFAULT_DISK = 2 * 2**30


def _env_bytes(name: str, default: int) -> int:
    try:
        return int(float(os.environ.get(name, default)))
    except ValueError:
        return default


def fingerprint(*parts: Any) -> str:
    """A short stable hash of JSON-able parts (model keys)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.blake2b(blob, digest_size=16).hexdigest()


class FeatureStore:
    """Per-sample activation rows: memory LRU (bounded) + on-disk shards (bounded, signed)."""

    def __init__(self, directory: Path | None, memory_bytes: int, disk_bytes: int) -> None:
        self.directory = Path(directory) if directory is not None else None
        self.memory_bytes = int(memory_bytes)
        self.disk_bytes = int(disk_bytes)
        self._memory: OrderedDict[tuple[str, str], torch.Tensor] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()
        self._secret: bytes | None = None
        self.stats = {"hits": 0, "computed": 0, "corrupt": 0}

    # -- memory ----------------------------------------------------------------------------
    def _remember(self, key: tuple[str, str], row: torch.Tensor) -> None:
        size = row.numel() * row.element_size()
        if size > self.memory_bytes:
            return
        with self._lock:
            old = self._memory.pop(key, None)
            if old is not None:
                self._used -= old.numel() * old.element_size()
            self._memory[key] = row
            self._used += size
            while self._used > self.memory_bytes and self._memory:
                _, dropped = self._memory.popitem(last=False)
                self._used -= dropped.numel() * dropped.element_size()

    @property
    def memory_used(self) -> int:
        return self._used

    # -- disk ------------------------------------------------------------------------------
    def _model_dir(self, model_key: str) -> Path | None:
        return None if self.directory is None else self.directory / check_model_key(model_key)

    def _secret_key(self, create: bool) -> bytes | None:
        """The key that signs this folder's shards, made with the folder (mode 0700, key 0600)."""
        if self._secret is None:
            if create:
                make_private_dir(self.directory)
            elif not (self.directory / SECRET).is_file():
                return None  # no key: no shard could be trusted
            warn_if_shared(self.directory)
            self._secret = read_or_create_secret(self.directory / SECRET)
        return self._secret

    def _read_shard(self, shard: Path, model_key: str, secret: bytes, wanted: set[str]):
        try:
            return read_shard(shard, model_key, secret, wanted)
        except Exception:  # noqa: BLE001 - whatever is wrong with it, it is deleted and recomputed
            self.stats["corrupt"] += 1
            with contextlib.suppress(OSError):
                shard.unlink(missing_ok=True)
            return None

    def _disk_lookup(self, model_key: str, wanted: set[str]) -> dict[str, torch.Tensor]:
        folder = self._model_dir(model_key)
        if folder is None or not folder.is_dir() or not wanted:
            return {}
        try:
            secret = self._secret_key(create=False)
        except OSError:  # an unreadable key: no shard can be checked, so none is used
            secret = None
        found: dict[str, torch.Tensor] = {}
        for shard in sorted(folder.glob("*.safetensors")) if secret else ():
            read = (
                self._read_shard(shard, model_key, secret, wanted) if is_own_shard(shard) else None
            )
            if read is None:
                continue
            keys, rows = read
            for i, key in enumerate(keys):
                if key in wanted and key not in found:
                    found[key] = rows[i]
        return found

    def _disk_store(self, model_key: str, keys: Sequence[str], rows: torch.Tensor) -> None:
        folder = self._model_dir(model_key)
        if folder is None:
            return
        from safetensors.torch import save_file

        rows = rows.contiguous()
        try:
            secret = self._secret_key(create=True)
            meta = {
                "format": SHARD_FORMAT,
                "keys": json.dumps(list(keys)),
                "mac": signature(secret, model_key, keys, rows),
            }
            folder.mkdir(mode=0o700, exist_ok=True)
            tmp = folder / f".{uuid.uuid4().hex}.tmp"
            save_file({"rows": rows}, str(tmp), metadata=meta)
            shard = folder / f"{uuid.uuid4().hex}.safetensors"
            os.replace(tmp, shard)
            self._evict_disk(keep=shard)
        except OSError as exc:  # read-only location, full disk: carry on without the disk cache
            warnings.warn(
                f"The feature cache at {self.directory} cannot be written ({exc}); continuing with the "
                "in-memory cache only. Set SKLEARN_ZOO_CACHE to a writable folder to share it.",
                RuntimeWarning,
                stacklevel=4,
            )
            self.directory = None

    def _own_shards(self) -> list[Path]:
        return [shard for shard in self.directory.glob("*/*.safetensors") if is_own_shard(shard)]

    def _evict_disk(self, keep: Path | None = None) -> None:
        """Delete the oldest shards until the folder fits ``disk_bytes``, ``keep`` (the shard just
        written; file times may tie) last. Other processes sharing the folder may delete a shard
        between listing it and reading its size: it is skipped. Files the store did not name are
        neither counted nor deleted."""
        sizes: list[tuple[bool, float, int, Path]] = []
        for shard in self._own_shards():
            try:
                info = shard.stat()
            except FileNotFoundError:
                continue
            sizes.append((shard == keep, info.st_mtime, info.st_size, shard))
        sizes.sort(key=lambda item: item[:2])  # the kept shard after all others
        total = sum(size for _, _, size, _ in sizes)
        for _, _, size, shard in sizes:
            if total <= self.disk_bytes:
                break
            shard.unlink(missing_ok=True)
            total -= size

    # -- API -------------------------------------------------------------------------------
    def get_many(self, model_key: str, sample_keys: Sequence[str]) -> dict[int, torch.Tensor]:
        """Rows already known, by position in ``sample_keys``."""
        check_model_key(model_key)
        out: dict[int, torch.Tensor] = {}
        missing: dict[str, list[int]] = {}
        for i, key in enumerate(sample_keys):
            row = self._memory.get((model_key, key))
            if row is not None:
                out[i] = row
            else:
                missing.setdefault(key, []).append(i)
        for key, row in self._disk_lookup(model_key, set(missing)).items():
            self._remember((model_key, key), row)
            for i in missing[key]:
                out[i] = row
        self.stats["hits"] += len(out)
        return out

    def put_many(self, model_key: str, sample_keys: Sequence[str], rows: torch.Tensor) -> None:
        check_model_key(model_key)
        self.stats["computed"] += len(sample_keys)
        for key, row in zip(sample_keys, rows):
            self._remember((model_key, key), row.clone())
        self._disk_store(model_key, sample_keys, rows)

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()
            self._used = 0
        if self.directory is not None and self.directory.is_dir():
            for shard in self._own_shards():
                shard.unlink(missing_ok=True)


_STORES: dict[tuple, FeatureStore] = {}


def default_store() -> FeatureStore:
    """The process's store for the current ``SKLEARN_ZOO_CACHE*`` settings."""
    directory = cache_dir() / "features"
    config = (
        str(directory),
        _env_bytes("SKLEARN_ZOO_CACHE_MEMORY", _DEFAULT_MEMORY),
        _env_bytes("SKLEARN_ZOO_CACHE_SIZE", _DEFAULT_DISK),
    )
    if config not in _STORES:
        _STORES[config] = FeatureStore(directory, config[1], config[2])
    return _STORES[config]
