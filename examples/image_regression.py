"""Regression from images: read a number off a picture, scored by R².

``PretrainedImageRegressor`` predicts numbers instead of classes: the target is standardized for
training and predictions come back in its units; ``score`` is R², as for every scikit-learn
regressor. The task here stands in for any numeric quantity read off an image (a count, a size, a
dial): the value of a handwritten digit, treated as a number, so that mistaking a 7 for an 8 costs
less than mistaking it for a 1.

EfficientNet-Lite0 (shipped on PyPI, so this runs offline) with its backbone frozen and an MLP
head, against a ridge regression on the raw pixels.

    python examples/image_regression.py
    python examples/image_regression.py --quick
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import train_test_split

from sklearn_zoo import PretrainedImageRegressor
from sklearn_zoo.datasets import load_digit_images


def main(quick: bool = False) -> dict:
    X, digits = load_digit_images()
    y = digits.astype(float)  # the target: a number, not a class
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=150 if quick else 1000, test_size=300 if quick else None, random_state=0
    )

    reg = PretrainedImageRegressor(
        "efficientnet_lite0",
        freeze_depth="all",
        head_size=(128,),
        image_size=64,
        lr=3e-3,
        batch_size=64,
        max_epochs=15 if quick else 40,
        random_state=0,
    )
    reg.fit(X_train, y_train)
    predicted = reg.predict(X_test)

    def flat(images: np.ndarray) -> np.ndarray:
        return images.reshape(len(images), -1) / 255.0

    pixels = RidgeCV(alphas=np.logspace(-2, 4, 13)).fit(flat(X_train), y_train)
    results = {
        "EfficientNet-Lite0 R2": float(reg.score(X_test, y_test)),
        "EfficientNet-Lite0 mean absolute error": float(mean_absolute_error(y_test, predicted)),
        "ridge on raw pixels R2": float(pixels.score(flat(X_test), y_test)),
        "ridge on raw pixels mean absolute error": float(
            mean_absolute_error(y_test, pixels.predict(flat(X_test)))
        ),
    }
    print(f"{len(X_train)} training images, {len(X_test)} test images")
    for name, value in results.items():
        print(f"  {name:<40} {value:.3f}")
    print(
        "  true value -> predicted:",
        ", ".join(f"{t:.0f} -> {p:.1f}" for t, p in zip(y_test[:6], predicted[:6])),
    )
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
