"""Progress bars (tqdm) for long work outside training: shown at ``verbose >= 1``, silent at 0."""

from __future__ import annotations

from typing import Any


def progress(total: int | None, verbose: Any, desc: str, unit: str = "sample") -> Any:
    """A tqdm bar over ``total`` items, disabled (it prints nothing) when ``verbose`` is falsy."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not verbose, dynamic_ncols=True)
