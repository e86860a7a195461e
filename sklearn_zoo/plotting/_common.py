"""matplotlib, imported on first use with a message that says how to install it."""

from __future__ import annotations

from typing import Any


def pyplot(owner: str) -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(f"{owner} needs matplotlib: pip install 'sklearn-zoo[plot]'.") from exc
    return plt
