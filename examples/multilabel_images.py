"""Multi-label image classification: several yes/no questions about each image at once.

Give a classifier a 2-D 0/1 indicator matrix as ``y`` and it trains one sigmoid output per column;
``predict`` returns a 0/1 matrix of the same shape and ``predict_proba`` one probability per label.
Here each handwritten digit gets three labels: *is even*, *is greater than 5*, *is prime*. A digit
can have any combination (8 is even and greater than 5; 7 is greater than 5 and prime).

EfficientNet-Lite0 (shipped on PyPI, so this runs offline) with its backbone frozen and a small MLP
head, against a baseline that always predicts each label's most frequent value.

    python examples/multilabel_images.py
    python examples/multilabel_images.py --quick
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, hamming_loss
from sklearn.model_selection import train_test_split

from sklearn_zoo import PretrainedImageClassifier
from sklearn_zoo.datasets import load_digit_images

LABELS = ("even", "greater than 5", "prime")


def indicator_matrix(digits: np.ndarray) -> np.ndarray:
    """One row per digit, one 0/1 column per question in :data:`LABELS`."""
    return np.column_stack([digits % 2 == 0, digits > 5, np.isin(digits, [2, 3, 5, 7])]).astype(int)


def main(quick: bool = False) -> dict:
    X, digits = load_digit_images()
    Y = indicator_matrix(digits)
    X_train, X_test, Y_train, Y_test, _, d_test = train_test_split(
        X,
        Y,
        digits,
        train_size=150 if quick else 1000,
        test_size=300 if quick else None,
        random_state=0,
    )

    clf = PretrainedImageClassifier(
        "efficientnet_lite0",
        freeze_depth="all",
        head_size=(128,),
        image_size=32 if quick else 64,
        lr=1e-2,
        batch_size=64,
        max_epochs=15 if quick else 40,
        random_state=0,
    )
    clf.fit(X_train, Y_train)
    Y_pred = clf.predict(X_test)  # shape (n_test, 3), 0/1
    proba = clf.predict_proba(X_test)  # one probability per label

    majority = np.tile((Y_train.mean(axis=0) > 0.5).astype(int), (len(Y_test), 1))
    results = {
        "subset accuracy": accuracy_score(Y_test, Y_pred),
        "hamming loss": hamming_loss(Y_test, Y_pred),
        "f1 (samples)": f1_score(Y_test, Y_pred, average="samples", zero_division=0),
        "baseline hamming loss": hamming_loss(Y_test, majority),
    }
    print(f"{len(X_train)} training images, {len(X_test)} test images, labels {LABELS}")
    for name, value in results.items():
        print(f"  {name:<22} {value:.3f}")
    per_label = (Y_pred == Y_test).mean(axis=0)
    for name, acc in zip(LABELS, per_label):
        print(f"  accuracy of '{name}': {acc:.3f}")
    print("first test images: digit -> P(even), P(greater than 5), P(prime)")
    for digit, p in zip(d_test[:5], proba[:5]):
        print(f"  {digit} -> " + ", ".join(f"{v:.2f}" for v in p))
    return {k: float(v) for k, v in results.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("SKLEARN_ZOO_EXAMPLES_QUICK") == "1",  # the docs build
        help="small data, few epochs",
    )
    main(quick=parser.parse_args().quick)
