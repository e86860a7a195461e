"""Small real datasets for examples, benchmarks and tests: the labelled review sentences of
Kotzias et al. (KDD 2015) when present beside the repository, and digits as uint8 images."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

_SENTENCE_FILES = ("amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt")


def _candidates() -> list[Path]:
    env = os.environ.get("SKLEARN_ZOO_DATA")
    here = Path(__file__).resolve().parents[1]
    paths = [Path(env)] if env else []
    return [*paths, here.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]


def load_sentences(path: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """3,000 review sentences (amazon, imdb, yelp) and their 0/1 sentiment labels.

    Looks in ``path``, then ``$SKLEARN_ZOO_DATA``, then ``../shared/data`` beside the repository.
    Raises ``FileNotFoundError`` (saying where it looked) when the folder is absent.
    """
    folders = (
        [Path(path)]
        if path is not None
        else [p / "sentiment_labelled_sentences" for p in _candidates()]
    )
    for folder in folders:
        if all((folder / name).is_file() for name in _SENTENCE_FILES):
            texts, labels = [], []
            for name in _SENTENCE_FILES:
                for line in (folder / name).read_text(encoding="utf-8").splitlines():
                    text, _, label = line.rstrip().rpartition("\t")
                    if text.strip() and label in ("0", "1"):
                        texts.append(text.strip())
                        labels.append(int(label))
            return np.asarray(texts, dtype=object), np.asarray(labels)
    raise FileNotFoundError(
        "The sentiment_labelled_sentences folder was not found in: "
        + ", ".join(str(f) for f in folders)
    )


def load_digit_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 handwritten digits as 8x8 uint8 images (0-255) and their labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images * 16).clip(0, 255).astype(np.uint8), digits.target
