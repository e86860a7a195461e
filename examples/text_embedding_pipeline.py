"""Sentence embeddings in a scikit-learn pipeline: TextEmbedder + LogisticRegression.

``TextEmbedder("all-MiniLM-L6-v2")`` is a transformer like ``StandardScaler``: sentences in, 384-d
vectors out. Any scikit-learn model can sit on top, and the pipeline cross-validates, grid-searches
and pickles as one estimator. The embeddings are cached, so the folds of ``cross_val_score`` embed
each sentence once.

Data: the 3,000 labelled review sentences of Kotzias et al. (KDD 2015) when they are present
(``sklearn_zoo.datasets.load_sentences``), otherwise the 60 sentences shipped with the package.
A bag-of-words model (TF-IDF + logistic regression) on the same folds is the baseline to beat.

    python examples/text_embedding_pipeline.py
    python examples/text_embedding_pipeline.py --quick
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

import sklearn_zoo
from sklearn_zoo import TextEmbedder


def load_texts() -> tuple[np.ndarray, np.ndarray, str]:
    """Labelled review sentences: the full data set if present, else the packaged sample."""
    try:
        from sklearn_zoo.datasets import load_sentences

        texts, labels = load_sentences()
        return texts, labels, "review sentences (Kotzias et al., 2015)"
    except (ImportError, FileNotFoundError):
        path = Path(sklearn_zoo.__file__).parent / "data" / "demo_sentences.tsv"
        rows = [
            line.rsplit("\t", 1) for line in path.read_text("utf-8").splitlines() if "\t" in line
        ]
        texts = np.asarray([r[0] for r in rows], dtype=object)
        return texts, np.asarray([r[1] for r in rows]), "the package's demo sentences"


def main(quick: bool = False) -> dict:
    texts, labels, source = load_texts()
    if quick and len(texts) > 200:
        keep = np.random.default_rng(0).choice(len(texts), 200, replace=False)
        texts, labels = texts[keep], labels[keep]
    print(f"{len(texts)} sentences from {source}, classes {np.unique(labels).tolist()}")

    cv = StratifiedKFold(n_splits=3 if quick else 5, shuffle=True, random_state=0)
    embed = make_pipeline(
        TextEmbedder("all-MiniLM-L6-v2", normalize=True),
        LogisticRegression(C=10.0, max_iter=2000),
    )
    bag_of_words = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(C=10.0, max_iter=2000)
    )
    scores = {
        "all-MiniLM-L6-v2 + LogisticRegression": cross_val_score(embed, texts, labels, cv=cv),
        "TF-IDF + LogisticRegression (baseline)": cross_val_score(
            bag_of_words, texts, labels, cv=cv
        ),
    }
    for name, s in scores.items():
        print(f"{name:<40} accuracy {s.mean():.3f} +/- {s.std():.3f}")

    embed.fit(texts, labels)
    new = ["The food was cold and the waiter ignored us.", "Works perfectly, I would buy it again."]
    for text, label in zip(new, embed.predict(new)):
        print(f"  {label!s:>8}  <- {text}")
    return {name: float(s.mean()) for name, s in scores.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("SKLEARN_ZOO_EXAMPLES_QUICK") == "1",  # the docs build
        help="200 sentences, 3 folds",
    )
    main(quick=parser.parse_args().quick)
