"""Pixels as they look, from whatever holds them: arrays, PIL images and image files become RGB uint8
(EXIF orientation applied, 16-bit scaled by its range, transparency composited on white)."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np

DEFAULT_MAX_PIXELS = 40_000_000
_ORIENTATION = 0x0112  # the EXIF tag


def to_uint8(a: np.ndarray, what: str) -> np.ndarray:
    """Pixel values to uint8: uint16 scaled by 255 / 65535, floats read as [0, 1] when their
    maximum is at most 1 and as [0, 255] otherwise; anything else is refused."""
    if a.dtype == np.uint8:
        return a
    if a.dtype == bool:
        return a.astype(np.uint8) * 255
    if a.dtype == np.uint16:  # 16-bit images span 0-65535, as image libraries read them
        return np.rint(a * np.float32(255 / 65535)).astype(np.uint8)
    if not np.issubdtype(a.dtype, np.number):
        raise TypeError(f"{what} must be numeric. Got an array of dtype {a.dtype} instead.")
    a = a.astype(np.float32, copy=False)
    if not np.isfinite(a).all():
        raise ValueError(
            f"{what} contain NaN or infinity. Replace or drop those images before fitting."
        )
    lo, hi = float(a.min()), float(a.max())
    if lo < 0:
        raise ValueError(
            f"{what} have negative values (min {lo:.3g}): pass raw pixels, as uint8 or as floats in "
            "[0, 1] or [0, 255]; the checkpoint's own normalization is applied for you."
        )
    if hi <= 1.0:
        a = a * 255.0
    elif hi > 255.0:
        raise ValueError(
            f"{what} have values up to {hi:.3g}: floats must be in [0, 1] or [0, 255] (16-bit "
            "images as uint16). Rescale them (e.g. X / X.max()) before fitting."
        )
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def to_rgb(X: np.ndarray) -> np.ndarray:
    """uint8 N x C x H x W with C in 1, 3, 4 to N x 3 x H x W: gray repeated, alpha composited on
    white (``rgb * a + 255 * (1 - a)``, as a transparent PNG looks on a white page)."""
    if X.shape[1] == 1:
        return np.repeat(X, 3, axis=1)
    if X.shape[1] == 3:
        return X
    alpha = X[:, 3:4].astype(np.uint16)
    over_white = X[:, :3] * alpha + 255 * (255 - alpha)
    return ((over_white + 127) // 255).astype(np.uint8)


def oriented(img: Any) -> Any:
    """A PIL image turned as its EXIF orientation tag says (the image itself when it has none)."""
    from PIL import ImageOps

    if img.getexif().get(_ORIENTATION, 1) in (1, None):
        return img
    return ImageOps.exif_transpose(img)


def pil_pixels(img: Any) -> np.ndarray:
    """A PIL image's pixels, turned as it is shown, as C x H x W: RGB or RGBA uint8 (alpha for
    :func:`to_rgb` to composite), or one channel of 16-bit, 32-bit or float gray for :func:`to_uint8`."""
    img = oriented(img)
    if img.mode.startswith("I;16") or (img.mode == "I" and img.format == "PNG"):
        return np.asarray(img).astype(np.uint16)[None]  # older Pillow opens 16-bit PNGs as "I"
    if img.mode in ("I", "F"):
        return np.asarray(img)[None]
    rgba = img.convert("RGBA" if _has_alpha(img) else "RGB")
    return np.moveaxis(np.asarray(rgba), -1, 0)


def _has_alpha(img: Any) -> bool:
    """RGBA, LA, PA, a palette or RGB with a transparent colour (Pillow 10.1's
    ``has_transparency_data``, which Pillow 10.0 lacks)."""
    palette_alpha = img.mode == "P" and img.palette is not None and img.palette.mode.endswith("A")
    return (
        img.mode in ("RGBA", "RGBa", "LA", "La", "PA")
        or "transparency" in img.info
        or palette_alpha
    )


def read_image(path: str, index: int, max_pixels: int | None, min_side: int) -> np.ndarray:
    """The file's first frame as :func:`pil_pixels` gives it. Its size is read from the header
    first: a JPEG over ``max_pixels`` is decoded at 1/2, 1/4 or 1/8 scale when that brings it under
    (never with a side below ``min_side``), any other file over it is refused."""
    from PIL import Image

    with warnings.catch_warnings():
        if max_pixels is not None:  # ours is the stricter limit: PIL's warning would only repeat it
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        img = _attempt(path, index, Image.open, path)
    with img:
        if max_pixels is not None and img.width * img.height > max_pixels:
            if img.format == "JPEG":
                side = max(int(min_side), 1)
                img.draft(None, (side, side))
            if img.width * img.height > max_pixels:
                raise ValueError(
                    f"Image file {path!r} (index {index}) has {img.width} x {img.height} = "
                    f"{img.width * img.height:,} pixels, more than max_image_pixels={max_pixels:,}. "
                    "Downscale it, or raise max_image_pixels (None: no limit) if you trust it."
                )
        _attempt(path, index, img.load)
        return _attempt(path, index, pil_pixels, img)


def _attempt(path: str, index: int, fn, *args):
    """``fn(*args)`` with whatever PIL raises on a bad file turned into a ValueError naming it."""
    try:
        return fn(*args)
    except MemoryError:
        raise
    except FileNotFoundError:
        raise ValueError(f"Image file {path!r} (index {index}) does not exist.") from None
    except Exception as exc:  # PIL's decoders raise OSError, SyntaxError, ValueError, EOFError ...
        raise ValueError(
            f"Image file {path!r} (index {index}) is not a readable image: {exc}"
        ) from None


def check_image_files(paths: list[Any]) -> None:
    """Refuse missing paths, folders and empty files up front, naming the first and the count."""
    import stat

    bad = []
    for i, p in enumerate(paths):
        try:
            st = os.stat(os.fspath(p))
        except (OSError, ValueError):  # ValueError: a NUL byte in the path
            bad.append((i, p, "does not exist"))
            continue
        if stat.S_ISDIR(st.st_mode):
            bad.append((i, p, "is a directory, not an image file"))
        elif st.st_size == 0:
            bad.append((i, p, "is empty (0 bytes)"))
    if bad:
        i, p, why = bad[0]
        more = f" ({len(bad)} bad paths in all)" if len(bad) > 1 else ""
        raise ValueError(f"Image file {os.fspath(p)!r} (index {i}) {why}{more}.")
