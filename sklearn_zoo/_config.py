"""Process-wide settings read from the environment: offline mode, the cache folder and its permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

_TRUE = ("1", "true", "yes", "on")


def is_offline() -> bool:
    """True when ``SKLEARN_ZOO_OFFLINE`` (or ``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE``) is set."""
    return any(
        os.environ.get(var, "").strip().lower() in _TRUE
        for var in ("SKLEARN_ZOO_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def cache_dir() -> Path:
    """Where the frozen-feature cache lives: ``SKLEARN_ZOO_CACHE`` or ``~/.cache/sklearn_zoo``."""
    env = os.environ.get("SKLEARN_ZOO_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sklearn_zoo"


def make_private_dir(path: Path) -> None:
    """Create ``path`` and its missing parents with mode 0700: only this user can read or write."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)  # exist_ok: another process may be first


def sharing_problem(path: Path, parent: bool = False) -> str | None:
    """Why users other than this one can change what is in the cache folder ``path``, or None.

    ``parent=True`` checks the folder holding the cache: it may belong to another user (``/tmp``)
    and be writable by all if its sticky bit keeps them from replacing the cache inside.
    """
    try:
        info = os.stat(path)
    except OSError:
        return None
    mode = stat.S_IMODE(info.st_mode)
    if not parent and hasattr(os, "getuid") and info.st_uid != os.getuid():
        return f"belongs to another user (uid {info.st_uid})"
    if mode & 0o022 and not (parent and mode & stat.S_ISVTX):
        return f"can be written by other users (mode {mode:o})"
    return None
