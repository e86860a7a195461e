"""The index of a model folder of the feature cache: which shard holds which samples, so a lookup
opens only the shards it needs. A hint, never trusted: every row is still checked by its shard."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import uuid
from pathlib import Path

INDEX = "index.json"  # <model key>/index.json, beside the shards it describes
INDEX_FORMAT = "sklearn_zoo.features.index/1"
MAX_INDEX_BYTES = 64 * 2**20
_TAG = 8  # hex digits of a sample key's tag: a false match only opens one shard too many
_SHARD = re.compile(r"[0-9a-f]{32}\.safetensors")
_TAGS = re.compile(r"(?:[0-9a-f]{8})*")


def tag(sample_key: str) -> str:
    """The short hash the index files a sample key under."""
    return hashlib.blake2b(sample_key.encode("utf-8"), digest_size=_TAG // 2).hexdigest()


def tags(sample_keys: list[str]) -> str:
    """The tags of a shard's keys, concatenated (the index's compact form)."""
    return "".join(tag(key) for key in sample_keys)


def index_stamp(folder: Path) -> tuple[int, int, int] | None:
    """What identifies the index file's current version (None: no usable file), read without
    opening it, and without following a link (the index names files of this folder only)."""
    try:
        info = os.stat(folder / INDEX, follow_symlinks=False)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_INDEX_BYTES:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


def read_index(folder: Path) -> dict[str, str]:
    """``{shard name: tags}`` as the folder's index says; empty when it is missing, a link, too
    large or not an index of this format (then every shard is read and the index rewritten)."""
    try:
        fd = os.open(folder / INDEX, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            data = json.loads(f.read(MAX_INDEX_BYTES + 1))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
        return {}
    shards = data.get("shards")
    if not isinstance(shards, dict):
        return {}
    return {
        name: value
        for name, value in shards.items()
        if isinstance(name, str)
        and _SHARD.fullmatch(name)
        and isinstance(value, str)
        and _TAGS.fullmatch(value)
    }


def holders(entries: dict[str, str]) -> dict[str, list[str]]:
    """The index inverted: ``{tag: shard names}``."""
    found: dict[str, list[str]] = {}
    for name, value in entries.items():
        for i in range(0, len(value), _TAG):
            found.setdefault(value[i : i + _TAG], []).append(name)
    return found


def update_index(folder: Path, added: dict[str, str], present: set[str]) -> None:
    """Rewrite the index with ``added`` entries and without shards no longer ``present``, through
    a temporary file renamed over it. Two writers at once may lose one's entries: a lookup then
    finds those shards unindexed, reads them, and adds them back."""
    entries = {name: value for name, value in read_index(folder).items() if name in present}
    entries.update({name: value for name, value in added.items() if name in present})
    tmp = folder / f".{uuid.uuid4().hex}.tmp"
    try:
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            json.dump({"format": INDEX_FORMAT, "shards": entries}, f)
        os.replace(tmp, folder / INDEX)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
