"""JSON with tagged, validated types: tuples, dicts with non-str keys, numpy values and
checkpoint cards survive a round trip, and a malformed value is refused before it is allocated."""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .zoo.spec import CheckpointSpec, ImagePreprocessing, TextPreprocessing

# a saved numpy string array may be wider than its longest item (np.array(labels, dtype="U10")),
# but not by more than this: 69 bytes of JSON must not ask for gigabytes
MAX_STRING_WIDTH = 1024
_FLOAT_NAMES = ("nan", "inf", "-inf")


def encode(value: Any, where: str) -> Any:
    """``value`` as JSON data; a value that is not plain data is a ``TypeError`` naming ``where``."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return {"__npscalar__": encode(value.item(), where), "dtype": value.dtype.str}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufUO":
        items = [encode(v, where) for v in value.ravel().tolist()]
        return {"__ndarray__": items, "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: encode(v, f"{where}[{k!r}]") for k, v in value.items()}
        pairs = [[encode(k, where), encode(v, f"{where}[{k!r}]")] for k, v in value.items()]
        return {"__dict__": pairs}
    if isinstance(value, CheckpointSpec):
        return {"__spec__": encode(dataclasses.asdict(value), where)}
    raise TypeError(
        f"{where} = {value!r} (a {type(value).__name__}) cannot be saved: save() writes JSON, "
        "safetensors and tokenizer files only, so that loading runs no code. Set it to a plain "
        "value (str, number, bool, None, or lists / tuples / dicts of those) before saving, or use "
        "pickle / joblib, which must then only be loaded from sources you trust."
    )


def malformed(where: str, what: str) -> ValueError:
    return ValueError(f"{where} {what}. The file was not written by save(), or was edited since.")


def _dtype(value: Any, where: str, kinds: str) -> np.dtype:
    dtype = None
    if isinstance(value, str) and len(value) <= 16:
        with contextlib.suppress(TypeError, ValueError):
            dtype = np.dtype(value)
    if dtype is None or dtype.kind not in kinds or dtype.fields or dtype.subdtype:
        raise malformed(
            where, f"has dtype {value!r}: saved arrays hold numbers, strings or objects"
        )
    return dtype


def _array(value: dict, where: str) -> np.ndarray:
    items, shape = value["__ndarray__"], value.get("shape")
    dtype = _dtype(value.get("dtype"), where, "biufUO")
    if not isinstance(items, list):
        raise malformed(where, "holds no list of items")
    if not (
        isinstance(shape, list)
        and len(shape) <= 32
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
        and math.prod(shape) == len(items)
    ):
        raise malformed(where, f"has shape {shape!r} for {len(items)} items")
    items = [decode(v, f"{where}[{i}]") for i, v in enumerate(items)]
    if dtype.kind == "U":
        if not all(isinstance(v, str) for v in items):
            raise malformed(where, "is a string array with items that are not strings")
        longest = max((len(v) for v in items), default=0)
        if dtype.itemsize // 4 > max(longest, MAX_STRING_WIDTH):
            raise malformed(where, f"asks for strings of {dtype.itemsize // 4} characters")
    elif dtype.kind != "O" and not all(isinstance(v, bool | int | float) for v in items):
        raise malformed(where, f"is a {dtype} array with items that are not numbers")
    if dtype.kind == "O":
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(shape)
    try:
        return np.asarray(items, dtype=dtype).reshape(shape)
    except (OverflowError, ValueError):
        raise malformed(where, f"holds values that do not fit its dtype {dtype}") from None


def _scalar(value: dict, where: str) -> np.generic:
    dtype = _dtype(value.get("dtype"), where, "biuf")
    item = decode(value["__npscalar__"], where)
    if not isinstance(item, bool | int | float):
        raise malformed(where, "is a numpy scalar that is not a number")
    try:
        return dtype.type(item)
    except (OverflowError, ValueError):
        raise malformed(where, f"holds a value that does not fit its dtype {dtype}") from None


def _spec(value: Any, where: str) -> CheckpointSpec:
    fields = decode(value, where)
    names = {f.name for f in dataclasses.fields(CheckpointSpec)}
    if not isinstance(fields, dict) or not set(fields) <= names:
        raise malformed(where, f"is not a checkpoint card (fields: {', '.join(sorted(names))})")
    try:
        for key, cls in (("image", ImagePreprocessing), ("text", TextPreprocessing)):
            if isinstance(fields.get(key), dict):
                fields[key] = cls(**fields[key])
        return CheckpointSpec(**fields)
    except (TypeError, ValueError) as exc:
        raise malformed(where, f"is not a valid checkpoint card ({exc})") from None


def _float(value: dict, where: str) -> float:
    if value["__float__"] not in _FLOAT_NAMES:
        raise malformed(where, f"is the float {value['__float__']!r}")
    return float(value["__float__"])


def _pairs(value: dict, where: str) -> dict:
    pairs = value["__dict__"]
    if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        raise malformed(where, "is a dict that is not a list of [key, value] pairs")
    out = {}
    for k, v in pairs:
        key = decode(k, where)
        try:
            out[key] = decode(v, f"{where}[{key!r}]")
        except TypeError:  # an unhashable key
            raise malformed(where, f"has a dict key of type {type(key).__name__}") from None
    return out


def _items(value: dict, where: str) -> tuple:
    if not isinstance(value["__tuple__"], list):
        raise malformed(where, "is a tuple that is not a list")
    return tuple(decode(v, f"{where}[{i}]") for i, v in enumerate(value["__tuple__"]))


_TAGS: dict[str, Callable[[dict, str], Any]] = {
    "__float__": _float,
    "__npscalar__": _scalar,
    "__ndarray__": _array,
    "__tuple__": _items,
    "__dict__": _pairs,
    "__spec__": lambda value, where: _spec(value["__spec__"], where),
}


def decode(value: Any, where: str) -> Any:
    """The value :func:`encode` wrote, checked on the way; a malformed one is a ``ValueError``."""
    if isinstance(value, list):
        return [decode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    for tag, read in _TAGS.items():
        if tag in value:
            return read(value, where)
    return {k: decode(v, f"{where}[{k!r}]") for k, v in value.items()}
