"""``sklearn-zoo``: list the catalogue, show a checkpoint card, fetch weights, run the demo.

A thin layer over :mod:`sklearn_zoo.zoo` and :mod:`sklearn_zoo.sources`; torch is only imported
where a command needs it (``download``, and the offline check of some sources).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

_LICENSE_WIDTH = 24


def _human(n: int | None) -> str:
    """``11689512 -> '11.7M'``."""
    if not n:
        return "-"
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def _short_license(text: str) -> str:
    short = text.split(";")[0].split(" (")[0].strip() or "unknown"
    if len(short) > _LICENSE_WIDTH:
        short = short[: _LICENSE_WIDTH - 3].rstrip() + "..."
    return short


def _offline(spec: Any) -> bool:
    from .zoo import is_available_offline

    try:
        return bool(is_available_offline(spec))
    except Exception:  # a source that cannot even locate its cache is not usable offline
        return False


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    right = {3, 4, 5}  # numbers are right-aligned
    lines = []
    for row in [header, *rows]:
        cells = [
            f"{str(c):>{w}}" if i in right else f"{str(c):<{w}}"
            for i, (c, w) in enumerate(zip(row, widths))
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cmd_list(args: argparse.Namespace) -> int:
    from .zoo import list_checkpoints

    try:
        specs = list_checkpoints(modality=args.modality, source=args.source)
    except ValueError as exc:
        print(f"sklearn-zoo list: {_one_line(exc)}", file=sys.stderr)
        return 2
    rows = []
    for spec in specs:
        available = _offline(spec)
        if args.offline and not available:
            continue
        rows.append(
            [
                spec.name,
                spec.source,
                spec.modality,
                _human(spec.num_params),
                str(spec.feature_dim or "-"),
                str(spec.num_blocks or "-"),
                _short_license(spec.license),
                "yes" if available else "no",
            ]
        )
    if not rows:
        print("No checkpoint matches.", file=sys.stderr)
        return 0
    header = ["name", "source", "modality", "params", "feature dim", "blocks", "license", "offline"]
    print(_table(rows, header))
    return 0


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        if not value:
            out.append((prefix, "-"))
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif isinstance(value, list | tuple):
        out.append((prefix, ", ".join(str(v) for v in value) if value else "-"))
    elif value is None or value == "":
        out.append((prefix, "-"))
    else:
        out.append((prefix, str(value)))


def _cmd_info(args: argparse.Namespace) -> int:
    from .zoo import get_checkpoint

    try:
        spec = get_checkpoint(args.name)
    except ValueError as exc:
        print(f"sklearn-zoo info: {exc}", file=sys.stderr)
        return 2
    lines: list[tuple[str, str]] = []
    card = spec.card()
    for key, value in card.items():
        if key in ("num_params",):
            value = f"{value:,} ({_human(value)})" if value else None
        _flatten(key, value, lines)
    lines.append(("available offline", "yes" if _offline(spec) else "no"))
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print(f"{key + ':':<{width + 1}} {value}")
    return 0


def _cmd_download(args: argparse.Namespace) -> int:
    from .sources import download
    from .zoo import get_checkpoint

    failed = 0
    for name in args.names:
        try:
            where = download(get_checkpoint(name))
        except Exception as exc:  # report and go on with the other names
            failed += 1
            print(f"sklearn-zoo download: {name}: {_one_line(exc)}", file=sys.stderr)
            continue
        print(f"{name}: {where}")
    return 1 if failed else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    try:
        from .demo import main as demo_main
    except ImportError:
        print("demo is not available in this build", file=sys.stderr)
        return 1
    return demo_main(args)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="sklearn-zoo",
        description="Pretrained vision and language checkpoints as scikit-learn estimators.",
    )
    parser.add_argument("--version", action="version", version=f"sklearn-zoo {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("list", help="the checkpoint catalogue as a table")
    p.add_argument(
        "--modality", choices=("image", "text"), help="only image or only text checkpoints"
    )
    p.add_argument(
        "--source",
        choices=("torchvision", "timm", "hf", "local", "package"),
        help="only checkpoints that load from this source on this machine",
    )
    p.add_argument("--offline", action="store_true", help="only checkpoints usable without network")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("info", help="a checkpoint's card")
    p.add_argument("name", help="a catalogue name, 'source:id', or a local path")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("download", help="fetch checkpoints into their libraries' caches")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.set_defaults(func=_cmd_download)

    p = sub.add_parser("demo", help="pretrained vs from-scratch, offline, in minutes")
    p.add_argument("--text", action="store_true", help="the text variant (all-MiniLM-L6-v2)")
    p.add_argument("--out", default="sklearn_zoo_demo.png", help="where to write the plot")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="two epochs per model (a smoke test)")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
