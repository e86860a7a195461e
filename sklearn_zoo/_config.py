"""Process-wide settings read from the environment: offline mode, cache location."""

from __future__ import annotations

import os
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
