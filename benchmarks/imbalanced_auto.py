"""What ``strategy="auto"`` should run on imbalanced data, and what each choice costs.

Text: all-MiniLM-L6-v2 on the review sentences (``../shared/data``), training sets drawn from the
dev pool of ``benchmarks/accuracy.py`` with one class cut to a few samples (``--sizes 230:25``:
230 of one class, 25 of the other), scored by balanced accuracy on its 500 dev sentences (the test
set stays unseen). Images (``--dataset digits|flowers5|cats_dogs``): EfficientNet-Lite0 on the
labelled pool of ``accuracy.py``, every class but the last at the first size and the last class
at the second (``--sizes 50:5``; the digits at 64 px), scored on that set's dev split. Every
strategy at the library's defaults (``NAME+balanced``: with ``class_weight="balanced"``); the fit
time of each beside plain fine-tuning's.

    python benchmarks/imbalanced_auto.py --sizes 230:25 490:22 --seeds 0 1 2 --out runs.jsonl
    python benchmarks/imbalanced_auto.py --dataset digits --sizes 50:5 --seeds 0 1 2
    python benchmarks/imbalanced_auto.py --report runs.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

STRATEGIES = ["finetune", "probe", "lp-ft", "contrastive", "auto"]


def draw(major: int, minor: int, seed: int):
    from accuracy import text_split

    X, y, Xt, yt = text_split(10**6, 0, dev=True)  # the whole dev pool and the 500 dev sentences
    rng = np.random.RandomState(seed)
    classes = np.unique(y)
    idx = np.concatenate(
        [
            rng.choice(np.flatnonzero(y == classes[0]), major, replace=False),
            rng.choice(np.flatnonzero(y == classes[1]), minor, replace=False),
        ]
    )
    return [X[i] for i in idx], y[idx], Xt, yt


def draw_images(dataset: str, major: int, minor: int, seed: int):
    from accuracy import image_split

    X, y, Xt, yt = image_split(100, 0, True, dataset)  # the whole labelled pool, the dev split
    rng = np.random.RandomState(seed)
    classes = np.unique(y)
    sizes = [major] * (len(classes) - 1) + [minor]
    idx = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), n, replace=False) for c, n in zip(classes, sizes)]
    )
    return [X[i] for i in idx] if isinstance(X, list) else X[idx], y[idx], Xt, yt


def run_one(strategy: str, major: int, minor: int, seed: int, dataset: str = "text") -> dict:
    from sklearn.metrics import balanced_accuracy_score

    from sklearn_zoo import PretrainedImageClassifier, PretrainedTextClassifier
    from sklearn_zoo.cache import default_store

    name, _, weighting = strategy.partition("+")
    params = {"strategy": name, "random_state": seed}
    if weighting:
        params["class_weight"] = weighting
    if dataset == "text":
        X, y, Xt, yt = draw(major, minor, seed)
        clf = PretrainedTextClassifier(**params)
    else:
        from accuracy import image_params

        X, y, Xt, yt = draw_images(dataset, major, minor, seed)
        clf = PretrainedImageClassifier(**params, **image_params(dataset))
    default_store().clear()  # each fit pays for its own frozen features
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        clf.fit(X, y)
        seconds = time.perf_counter() - start
    predicted = clf.predict(Xt)
    return {
        "dataset": dataset,
        "strategy": strategy,
        "ran": clf.strategy_,
        "best_stage": clf.best_stage_,
        "major": major,
        "minor": minor,
        "seed": seed,
        "balanced_accuracy": float(balanced_accuracy_score(yt, predicted)),
        "accuracy": float(np.mean(predicted == np.asarray(yt))),
        "fit_s": seconds,
    }


def report(rows: list[dict]) -> str:
    cells = defaultdict(list)
    for r in rows:
        cells[(r.get("dataset", "text"), r["major"], r["minor"], r["strategy"])].append(r)
    lines = [
        "| data | train | strategy (ran) | balanced accuracy | fit s | x finetune |",
        "|---|---|---|---|---|---|",
    ]
    for (dataset, major, minor, strategy), runs in sorted(cells.items()):
        ft = cells.get((dataset, major, minor, "finetune"), [])
        ba = [r["balanced_accuracy"] for r in runs]
        fit = np.mean([r["fit_s"] for r in runs])
        ratio = fit / np.mean([r["fit_s"] for r in ft]) if ft else float("nan")
        ran = "/".join(sorted({f"{r['ran']}: {r['best_stage']}" for r in runs}))
        lines.append(
            f"| {dataset} | {major} + {minor} | {strategy} ({ran}) | {np.mean(ba):.3f} ± {np.std(ba):.3f} "
            f"(n={len(ba)}) | {fit:.0f} | {ratio:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset", choices=["text", "digits", "flowers5", "cats_dogs"], default="text"
    )
    parser.add_argument("--sizes", nargs="+", default=["230:25", "490:22"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--strategies", nargs="+", default=STRATEGIES)
    parser.add_argument("--out", type=Path, default=Path("imbalanced_auto.jsonl"))
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    if args.report:
        print(report([json.loads(line) for line in args.report.read_text().splitlines()]))
        return
    rows = []
    for size in args.sizes:
        major, minor = (int(v) for v in size.split(":"))
        for seed in args.seeds:
            for strategy in args.strategies:
                row = run_one(strategy, major, minor, seed, args.dataset)
                rows.append(row)
                with args.out.open("a") as f:
                    f.write(json.dumps(row) + "\n")
                print(json.dumps(row), flush=True)
    print(report(rows))


if __name__ == "__main__":
    main()
