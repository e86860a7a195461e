"""``sklearn-zoo``: list the catalogue, show a checkpoint card, fetch weights, run the demo.

A thin layer over :mod:`sklearn_zoo.zoo` and :mod:`sklearn_zoo.sources`. ``list`` and ``info`` never
import torch: whether weights are on this machine is read off the files on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

_LICENSE_WIDTH = 24
# exit statuses, the same in every command
EXIT_OK = 0
EXIT_UNAVAILABLE = 1  # a known checkpoint whose weights could not be reached or fetched
EXIT_USAGE = 2  # a bad option or an unknown checkpoint name (argparse exits 2 as well)
EPILOG = """exit status:
  0  done
  1  a checkpoint could not be reached or downloaded (offline, no network), or the
     command could not run
  2  a bad option, or a checkpoint name that is not in the catalogue nor a valid
     'source:NAME' or path (the same in every command)"""


SOURCES = ("torchvision", "timm", "hf", "local", "package", "torchhub", "keras", "tfhub")
NAMES_OUTSIDE = """names outside the catalogue, one form per source (see `sklearn-zoo info NAME`):
  torchvision:NAME            a torchvision builder with its ImageNet weights
  timm:NAME[.TAG]             a timm model (timm:NAME@FILE for a weights file)
  hf:ORG/NAME or a folder     a Hugging Face encoder or decoder (GPT-2 ...)
  torchhub:OWNER/REPO[:REF]:ENTRY[?KW=VALUE]
                              a PyTorch Hub entry point; runs the repository's
                              hubconf.py, so only with trust_remote_code=True
  keras:PRESET or FILE.keras  a KerasHub preset or a Keras 3 file, on Keras' torch
                              backend (pip install "sklearn-zoo[keras]")
  tfhub:HANDLE_OR_PATH        a TensorFlow Hub SavedModel, frozen features only
                              (pip install "sklearn-zoo[tfhub]")"""


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


def _lookup(name: str, command: str) -> Any:
    """The checkpoint's spec, or the exit status after saying on stderr why there is none."""
    from .exceptions import CheckpointUnavailableError
    from .zoo import get_checkpoint

    try:
        return get_checkpoint(name)
    except CheckpointUnavailableError as exc:
        print(f"sklearn-zoo {command}: {_one_line(exc)}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except (ValueError, TypeError) as exc:
        print(f"sklearn-zoo {command}: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE


def _card(spec: Any, available: bool) -> dict[str, Any]:
    return {**spec.card(), "available_offline": available}


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str))


def _cmd_list(args: argparse.Namespace) -> int:
    from .zoo import list_checkpoints

    specs = list_checkpoints(modality=args.modality, source=args.source, license=args.license)
    rows = [(spec, _offline(spec)) for spec in specs]
    rows = [(spec, available) for spec, available in rows if available or not args.offline]
    if args.json:
        _print_json([_card(spec, available) for spec, available in rows])
        return EXIT_OK
    if not rows:
        print("No checkpoint matches.", file=sys.stderr)
        return EXIT_OK
    header = ["name", "source", "modality", "params", "feature dim", "blocks", "license", "offline"]
    table = [
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
        for spec, available in rows
    ]
    print(_table(table, header))
    return EXIT_OK


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
    spec = _lookup(args.name, "info")
    if isinstance(spec, int):
        return spec
    card = _card(spec, _offline(spec))
    if args.json:
        _print_json(card)
        return EXIT_OK
    lines: list[tuple[str, str]] = []
    for key, value in card.items():
        if key == "num_params":
            value = f"{value:,} ({_human(value)})" if value else None
        elif key == "available_offline":
            key, value = "available offline", "yes" if value else "no"
        _flatten(key, value, lines)
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print(f"{key + ':':<{width + 1}} {value}")
    return EXIT_OK


def _cmd_download(args: argparse.Namespace) -> int:
    from .sources import download

    statuses = []
    for name in args.names:
        spec = _lookup(name, f"download: {name}")
        if isinstance(spec, int):
            statuses.append(spec)
            continue
        if args.trust_remote_code:
            spec = spec.replace(options={**spec.options, "trust_remote_code": True})
        try:
            where = download(spec)
        except Exception as exc:  # report and go on with the other names
            statuses.append(EXIT_USAGE if _is_usage(exc) else EXIT_UNAVAILABLE)
            print(f"sklearn-zoo download: {name}: {_one_line(exc)}", file=sys.stderr)
            continue
        print(f"{name}: {where}")
    return max(statuses, default=EXIT_OK)


def _is_usage(exc: BaseException) -> bool:
    """A bad name or option (not a checkpoint that could not be fetched)."""
    from .exceptions import CheckpointUnavailableError

    return isinstance(exc, ValueError | TypeError) and not isinstance(
        exc, CheckpointUnavailableError
    )


def _cmd_card(args: argparse.Namespace) -> int:
    """The model card of a saved folder, regenerated from its checked ``fitted.json`` (its
    README.md, which anyone may have edited, is not read); neither torch nor weights are loaded."""
    from . import model_card, persistence
    from .zoo import CheckpointSpec

    try:
        saved = persistence.read(args.path)
        spec = saved.fitted.get("spec_")
        if not isinstance(spec, CheckpointSpec):
            raise ValueError(f"{persistence.FITTED} in {args.path!r} holds no checkpoint card.")
        card = model_card.from_saved(saved.fitted.get("model_card_"), spec, saved.class_name)
    except ValueError as exc:
        print(f"sklearn-zoo card: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    print(card.render(), end="")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    try:
        from .demo import main as demo_main
    except ImportError:
        print("demo is not available in this build", file=sys.stderr)
        return EXIT_UNAVAILABLE
    return demo_main(args)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="sklearn-zoo",
        description="Pretrained vision and language checkpoints as scikit-learn estimators.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sklearn-zoo {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "list",
        help="the checkpoint catalogue as a table",
        epilog=NAMES_OUTSIDE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--modality", choices=("image", "text"), help="only image or only text checkpoints"
    )
    p.add_argument(
        "--source",
        choices=SOURCES,
        help="only checkpoints that load from this source on this machine",
    )
    p.add_argument("--offline", action="store_true", help="only checkpoints usable without network")
    p.add_argument(
        "--license",
        action="append",
        metavar="SPDX",
        help="only checkpoints whose weights are under this SPDX license (any case; repeat or "
        "separate with commas for several; NOASSERTION: none stated)",
    )
    p.add_argument("--json", action="store_true", help="the full cards as a JSON array")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("info", help="a checkpoint's card")
    p.add_argument("name", help="a catalogue name, 'source:id', or a local path")
    p.add_argument("--json", action="store_true", help="the card as a JSON object")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("card", help="the model card of a saved estimator (Markdown)")
    p.add_argument("path", help="a folder written by estimator.save(path)")
    p.set_defaults(func=_cmd_card)

    p = sub.add_parser("download", help="fetch checkpoints into their libraries' caches")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="run the code a checkpoint's repository ships (a PyTorch Hub hubconf.py)",
    )
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
        return EXIT_USAGE
    try:
        code = int(args.func(args) or EXIT_OK)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left (`sklearn-zoo list --json | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    return code


if __name__ == "__main__":
    raise SystemExit(main())
