"""What ``strategy="auto"`` should run on imbalanced text, and what each choice costs.

all-MiniLM-L6-v2 on the review sentences (``../shared/data``): training sets drawn from the dev
pool of ``benchmarks/accuracy.py`` with one class cut to a few samples (e.g. 230 + 25), scored by
balanced accuracy on its 500 dev sentences (the test set stays unseen). Every strategy at the
library's defaults; the fit time of each beside plain fine-tuning's.

    python benchmarks/imbalanced_auto.py --sizes 230:25 490:22 --seeds 0 1 2 --out runs.jsonl
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


def run_one(strategy: str, major: int, minor: int, seed: int) -> dict:
    from sklearn.metrics import balanced_accuracy_score

    from sklearn_zoo import PretrainedTextClassifier
    from sklearn_zoo.cache import default_store

    X, y, Xt, yt = draw(major, minor, seed)
    clf = PretrainedTextClassifier(strategy=strategy, random_state=seed)
    default_store().clear()  # each fit pays for its own frozen features
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        clf.fit(X, y)
        seconds = time.perf_counter() - start
    predicted = clf.predict(Xt)
    return {
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
        cells[(r["major"], r["minor"], r["strategy"])].append(r)
    lines = [
        "| train | strategy (ran) | balanced accuracy | fit s | x finetune |",
        "|---|---|---|---|---|",
    ]
    for (major, minor, strategy), runs in sorted(cells.items()):
        ft = cells.get((major, minor, "finetune"), [])
        ba = [r["balanced_accuracy"] for r in runs]
        fit = np.mean([r["fit_s"] for r in runs])
        ratio = fit / np.mean([r["fit_s"] for r in ft]) if ft else float("nan")
        ran = "/".join(sorted({r["ran"] for r in runs}))
        lines.append(
            f"| {major} + {minor} | {strategy} ({ran}) | {np.mean(ba):.3f} ± {np.std(ba):.3f} "
            f"(n={len(ba)}) | {fit:.0f} | {ratio:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
                row = run_one(strategy, major, minor, seed)
                rows.append(row)
                with args.out.open("a") as f:
                    f.write(json.dumps(row) + "\n")
                print(json.dumps(row), flush=True)
    print(report(rows))


if __name__ == "__main__":
    main()
