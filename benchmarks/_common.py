"""Shared by the benchmark scripts: machine description, timing, peak memory in a child process."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import platform
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def machine() -> str:
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, {gpu}; "
        f"Python {platform.python_version()}, torch {torch.__version__}, {torch.get_num_threads()} threads"
    )


def _child(fn: Callable[[], Any], queue: Any) -> None:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((result, seconds, peak_mb))


def measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``fn`` in a fresh process: (its result, wall seconds, peak resident memory in MB)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def report(
    title: str,
    rows: list[tuple[str, float, float, str]],
    ratio_label: str,
    ratio: float | None = None,
) -> None:
    """rows: (name, seconds, peak MB, extra); prints a table and a ratio (default: first/second time)."""
    print(f"\n== {title}")
    for name, seconds, peak, extra in rows:
        print(f"  {name:<44} {seconds:8.2f} s  peak {peak:7.0f} MB  {extra}")
    ratio = rows[0][1] / rows[1][1] if ratio is None else ratio
    print(f"  {ratio_label}: {ratio:.3f}x")


def append_row(path: str, row: dict) -> None:
    """One run as a JSON line at the end of ``path``, as soon as it ends (nothing lost on a kill)."""
    with open(path, "a") as f:
        f.write(json.dumps(row) + "\n")


def read_rows(path: str) -> list[dict]:
    """The runs a script appended to ``path``."""
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line]
