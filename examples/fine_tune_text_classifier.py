"""Fine-tuning a pretrained text encoder as a classifier.

``PretrainedTextClassifier`` puts a new head on all-MiniLM-L6-v2 (6 transformer layers, shipped on
PyPI, so this runs offline) and trains it with ``fit``. Two settings on the same split:

- ``freeze_depth="all"``: the encoder stays as pretrained; only the head learns (its inputs are
  computed once and cached, so every epoch is cheap);
- the defaults: ``freeze_depth=0``, ``strategy="auto"``, ``max_epochs=None``. With a few labels per
  class the encoder first learns from same-class / different-class sentence pairs (SetFit-style
  ``"contrastive"``); with more, the head is trained on the frozen encoder and then everything
  is fine-tuned from it at a tenth of the rate (``"lp-ft"``). ``strategy_`` says which ran.

Data: the labelled review sentences of Kotzias et al. (KDD 2015) when present
(``sklearn_zoo.datasets.load_sentences``), otherwise the 60 sentences shipped with the package.

    python examples/fine_tune_text_classifier.py
    python examples/fine_tune_text_classifier.py --quick
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split

import sklearn_zoo
from sklearn_zoo import PretrainedTextClassifier


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


def main(quick: bool = False) -> dict:
    texts, labels = load_texts()
    n_train = min(120 if quick else 2000, int(0.6 * len(texts)))
    n_test = min(120 if quick else 1000, len(texts) - n_train)
    X_train, X_test, y_train, y_test = train_test_split(
        texts, labels, train_size=n_train, test_size=n_test, stratify=labels, random_state=0
    )
    print(f"training on {len(X_train)} sentences, testing on {len(X_test)}")

    settings = {
        "head only (freeze_depth='all')": {
            "freeze_depth": "all",
            "lr": 1e-2,
            "max_epochs": 15 if quick else 30,
        },
        "the defaults": {"max_epochs": 2} if quick else {},  # quick: a smoke test
    }
    results = {}
    for name, params in settings.items():
        clf = PretrainedTextClassifier("all-MiniLM-L6-v2", batch_size=32, random_state=0, **params)
        start = time.perf_counter()
        clf.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        accuracy = float(clf.score(X_test, y_test))
        results[name] = accuracy
        print(
            f"\n{name} (strategy_={clf.strategy_!r}): accuracy {accuracy:.3f}, fit {seconds:.1f}s, "
            f"{clf.n_trainable_params_:,} trainable parameters, {len(clf.history_)} epochs"
        )
    print("\nthe last model, per class:")
    print(classification_report(y_test, clf.predict(X_test), digits=3))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("SKLEARN_ZOO_EXAMPLES_QUICK") == "1",  # the docs build
        help="small data, few epochs",
    )
    main(quick=parser.parse_args().quick)
