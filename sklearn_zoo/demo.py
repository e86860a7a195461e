"""``sklearn-zoo demo``: why a pretrained checkpoint beats training from scratch, offline, in minutes.

Images: the embedded EfficientNet-Lite0 on scikit-learn's digits (20 labelled images per class).
Text (``--text``): the embedded all-MiniLM-L6-v2 on review sentences shipped with the package.
The fine-tuned rows use ``strategy="finetune"`` (plain fine-tuning at the given rates), so the table
compares freeze depths alone; ``docs/guide/strategy.md`` compares the strategies.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

_IMAGE_RUNS = [
    (
        "from scratch (random init, all trainable)",
        {
            "pretrained": False,
            "freeze_depth": 0,
            "lr": 3e-3,
            "backbone_lr_scale": 1.0,
            "max_epochs": 8,
            "strategy": "finetune",
        },
    ),
    ("linear probe (freeze_depth='all')", {"freeze_depth": "all", "lr": 1e-2, "max_epochs": 30}),
    (
        "partial fine-tune (freeze_depth=-3)",
        {
            "freeze_depth": -3,
            "lr": 3e-3,
            "backbone_lr_scale": 1.0,
            "max_epochs": 10,
            "strategy": "finetune",
        },
    ),
]
_TEXT_RUNS = [
    (
        "from scratch (random init, all trainable)",
        {
            "pretrained": False,
            "freeze_depth": 0,
            "lr": 1e-3,
            "max_epochs": 15,
            "strategy": "finetune",
        },
    ),
    ("linear probe (freeze_depth='all')", {"freeze_depth": "all", "lr": 1e-2, "max_epochs": 40}),
    (
        "partial fine-tune (freeze_depth=-2)",
        {
            "freeze_depth": -2,
            "lr": 1e-3,
            "backbone_lr_scale": 0.1,
            "max_epochs": 15,
            "strategy": "finetune",
        },
    ),
]


def _image_data(seed: int) -> tuple[Any, ...]:
    from .datasets import load_digit_images

    X, y = load_digit_images()
    rng = np.random.default_rng(seed)
    train = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), 20, replace=False) for c in range(10)]
    )
    rest = rng.permutation(np.setdiff1d(np.arange(len(y)), train))[:600]
    return X[train], y[train], X[rest], y[rest]


def _text_data(seed: int) -> tuple[Any, ...]:
    path = Path(__file__).parent / "data" / "demo_sentences.tsv"
    rows = [
        line.rsplit("\t", 1)
        for line in path.read_text(encoding="utf-8").splitlines()
        if "\t" in line
    ]
    texts = np.asarray([r[0] for r in rows], dtype=object)
    labels = np.asarray([r[1] for r in rows])
    order = np.random.default_rng(seed).permutation(len(texts))
    cut = int(0.6 * len(texts))
    return texts[order[:cut]], labels[order[:cut]], texts[order[cut:]], labels[order[cut:]]


def run(
    text: bool = False, out: str | Path = "sklearn_zoo_demo.png", seed: int = 0, quick: bool = False
) -> list[dict[str, Any]]:
    """Fit the demo's models; print a table; write the PNG. Returns the table rows."""
    from sklearn.model_selection import GridSearchCV
    from tqdm.auto import tqdm

    from . import PretrainedImageClassifier, PretrainedTextClassifier

    if text:
        X, y, X_test, y_test = _text_data(seed)
        make, runs, base = PretrainedTextClassifier, _TEXT_RUNS, {"checkpoint": "all-MiniLM-L6-v2"}
        depths = ["all", -1, -2]
    else:
        X, y, X_test, y_test = _image_data(seed)
        make, runs, base = (
            PretrainedImageClassifier,
            _IMAGE_RUNS,
            {"checkpoint": "efficientnet_lite0", "image_size": 64},
        )
        depths = ["all", -1, -3]
    if quick:  # for the test suite: the same steps, fewer epochs
        runs = [(name, {**params, "max_epochs": 2}) for name, params in runs]
    print(
        f"sklearn_zoo demo: {base['checkpoint']} on {len(X)} labelled {'sentences' if text else 'digit images'}, "
        f"tested on {len(X_test)} others (offline)"
    )
    rows: list[dict[str, Any]] = []
    steps = tqdm(total=len(runs) + 1, desc="demo", unit="model")
    for name, params in runs:
        steps.set_postfix_str(name.split(" (")[0])
        rows.append(_fit_one(make(**base, **params, random_state=seed), name, X, y, X_test, y_test))
        steps.update()
    steps.set_postfix_str("grid search")
    search_params = {**base, **runs[2][1], "max_epochs": max(2, runs[2][1]["max_epochs"] * 2 // 3)}
    search_params.pop("freeze_depth")
    # a frozen backbone wants the probe's larger learning rate (and its epochs cost next to nothing
    # on cached features), trainable blocks the fine-tune's: a list of grids pairs each freeze depth
    # with its own settings, as scikit-learn's docs do
    grid = [
        {
            "freeze_depth": depths[:1],
            "lr": [runs[1][1]["lr"]],
            "max_epochs": [runs[1][1]["max_epochs"]],
        },
        {"freeze_depth": depths[1:], "lr": [runs[2][1]["lr"]]},
    ]
    search = GridSearchCV(make(**search_params, random_state=seed), grid, cv=3)
    row = _fit_one(search, f"GridSearchCV over freeze_depth {depths}", X, y, X_test, y_test)
    row["name"] += f" -> {search.best_params_['freeze_depth']!r}"
    row["trainable"] = search.best_estimator_.n_trainable_params_
    row["history"] = search.best_estimator_.history_
    rows.append(row)
    steps.update()
    steps.close()
    _print_table(rows)
    path = _plot(rows, search, out)
    if path:
        print(f"\nwrote {path}")
    return rows


def _fit_one(est: Any, name: str, X: Any, y: Any, X_test: Any, y_test: Any) -> dict[str, Any]:
    start = time.perf_counter()
    est.fit(X, y)
    seconds = time.perf_counter() - start
    fitted = getattr(est, "best_estimator_", est)
    return {
        "name": name,
        "accuracy": float(est.score(X_test, y_test)),
        "fit_s": seconds,
        "trainable": fitted.n_trainable_params_,
        "history": fitted.history_,
    }


def _print_table(rows: list[dict[str, Any]]) -> None:
    width = max(len(r["name"]) for r in rows)
    print(f"\n{'model':<{width}}  accuracy  fit time  trainable params")
    for r in rows:
        print(
            f"{r['name']:<{width}}  {r['accuracy']:8.3f}  {r['fit_s']:7.1f}s  {r['trainable']:>16,}"
        )


def _plot(rows: list[dict[str, Any]], search: Any, out: str | Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("\n(matplotlib is not installed: no plot. `pip install sklearn-zoo[plot]`)")
        return None
    from .plotting import FreezeDepthDisplay

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    FreezeDepthDisplay.from_cv_results(search, score_name="accuracy", ax=left)
    left.set(title="Accuracy vs freeze depth", ylim=(0, 1))
    for r in rows:
        losses = [e["train_loss"] for e in r["history"]]
        label = (
            r["name"].split(" (")[0]
            if not r["name"].startswith("GridSearchCV")
            else "grid search best"
        )
        right.plot(
            range(1, len(losses) + 1),
            losses,
            marker="o",
            ms=3,
            label=f"{label} (acc {r['accuracy']:.2f})",
        )
    right.set(xlabel="epoch", ylabel="training loss", title="Learning curves", yscale="log")
    right.legend(fontsize=7)
    fig.tight_layout()
    path = Path(out)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(args: argparse.Namespace | None = None) -> int:
    if args is None:
        parser = argparse.ArgumentParser(prog="sklearn-zoo demo", description=__doc__)
        add_arguments(parser)
        args = parser.parse_args()
    run(text=args.text, out=args.out, seed=args.seed, quick=args.quick)
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--text", action="store_true", help="the text variant (all-MiniLM-L6-v2)")
    parser.add_argument("--out", default="sklearn_zoo_demo.png", help="where to write the plot")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="two epochs per model (a smoke test)")
