"""Accuracy of the training strategies against the label budget, with the library's defaults.

Text: all-MiniLM-L6-v2 on the 3,000 labelled review sentences (``../shared/data``), a fixed
stratified test set of 1,000, training sets of 16, 64, 256 and 2,000 labels drawn from the other
2,000. Images: EfficientNet-Lite0 on real photos (``--dataset flowers5`` or ``cats_dogs`` from
``../shared/data``, at the checkpoint's own 224 px) and on scikit-learn's digits (``--dataset
digits``, a far domain, at 64 px), 5, 20 and 100 labelled images per class drawn from a pool of
100 a class; the photos' dev and test splits are disjoint from that pool and capped (``MAX_TEST``:
150 dev and 300 test photos of flowers5, 150 and 150 of cats_dogs) to keep evaluation affordable.
Every estimator keeps its default parameters except ``strategy`` (and the digits' ``image_size``);
"default" is ``strategy="auto"``, shown with the strategy it chose. Several seeds: the seed draws
the training set and seeds the training.

    python benchmarks/accuracy.py --modality text --budgets 16 64 256 2000 --seeds 0 1 2
    python benchmarks/accuracy.py --modality image --dataset flowers5 --budgets 5 20 100
    python benchmarks/accuracy.py --report results.jsonl     # the table again, from saved runs

The default runs first; the strategy it picks is the very same fit (same seed and parameters,
deterministic on the CPU), so that row reuses it instead of training it twice.

``--set lr=3e-3`` changes a parameter of every run, ``--set checkpoint=gpt2`` the checkpoint (the
GPT-2 row against MiniLM; it needs GPT-2's weights, from the Hugging Face Hub); ``--dev`` scores on
a validation split instead of the test set (for choosing defaults without looking at the test
set); ``--keep-features`` keeps the frozen-feature cache between runs (for screening: the fit
times then exclude the features).
Each run is appended to ``--out`` as one JSON line as soon as it ends.

``baseline`` is the simple baseline every default must beat: the checkpoint's pooled embeddings
(``ImageEmbedder`` / ``TextEmbedder``) into scikit-learn's ``LogisticRegression`` at its defaults,
as embetter and most tutorials do it; its "trainable" count is the logistic regression's.

``adapter`` is LoRA (``adapter="lora"``, rank 8) on the fine-tuning stage (``strategy="finetune"``),
its adapters at the head's rate (``backbone_lr_scale=1``: LoRA learns at 10-20 times full
fine-tuning's rate). Every row has the trainable parameters, the saved folder's size and the
prediction time; ``--measure`` runs each fit in a fresh process and adds its peak memory.

    python benchmarks/accuracy.py --modality image --dataset flowers5 --strategies probe finetune adapter --measure
"""

from __future__ import annotations

import argparse
import ast
import functools
import json
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

STRATEGIES = {
    "text": ["baseline", "probe", "finetune", "lp-ft", "contrastive", "adapter", "default"],
    "image": ["baseline", "probe", "finetune", "lp-ft", "adapter", "default"],
}
ADAPTER = {"strategy": "finetune", "adapter": "lora", "backbone_lr_scale": 1.0}
IMAGE_SIZE = {"digits": 64}  # the photos run at the checkpoint's own size


def image_params(dataset: str) -> dict:
    """The estimator parameters a dataset's images run with: ``image_size`` for the digits."""
    size = IMAGE_SIZE.get(dataset)
    return {} if size is None else {"image_size": size}


PHOTOS = ("flowers5", "cats_dogs")
MAX_TEST = 300  # photos scored per run (the dev split: half as many), to keep evaluation affordable


def text_split(budget: int, seed: int, dev: bool):
    from sklearn.model_selection import train_test_split

    from sklearn_zoo.datasets import load_sentences

    X, y = load_sentences()
    pool, test = train_test_split(np.arange(len(y)), test_size=1000, stratify=y, random_state=0)
    if dev:  # 500 of the pool score the candidates; the test set stays unseen
        pool, test = train_test_split(pool, test_size=500, stratify=y[pool], random_state=0)
    if budget < len(pool):
        pool, _ = train_test_split(pool, train_size=budget, stratify=y[pool], random_state=seed)
    return list(X[pool]), y[pool], list(X[test]), y[test]


def image_split(per_class: int, seed: int, dev: bool, dataset: str = "digits"):
    if dataset in PHOTOS:
        return photo_split(dataset, per_class, seed, dev)
    from sklearn_zoo.datasets import load_digit_images

    X, y = load_digit_images()
    rng0 = np.random.RandomState(0)
    pool, test = [], []
    for c in range(10):  # 100 of each digit may be labelled; the rest is the test set
        idx = rng0.permutation(np.flatnonzero(y == c))
        pool.append(idx[:100]), test.append(idx[100:])
    test = rng0.permutation(np.concatenate(test))
    test = test[:300] if dev else test[300:]
    rng = np.random.RandomState(seed)
    train = np.concatenate([rng.choice(p, per_class, replace=False) for p in pool])
    return X[train], y[train], X[test], y[test]


def photo_split(name: str, per_class: int, seed: int, dev: bool, max_test: int = MAX_TEST):
    """A seeded draw of ``per_class`` photos a class from a fixed pool (half of each class, at
    most 100), and a fixed dev or test split of the other photos, capped."""
    from sklearn_zoo.datasets import load_image_folder

    data = load_image_folder(Path(__file__).parents[2] / "shared" / "data" / name)
    X, y = data.filenames, data.target
    rng0 = np.random.RandomState(0)
    pool, test = [], []
    for c in np.unique(y):  # half of each class may be labelled (at most 100); the rest tests
        idx = rng0.permutation(np.flatnonzero(y == c))
        n_pool = min(100, len(idx) // 2)
        pool.append(idx[:n_pool]), test.append(idx[n_pool:])
    test = rng0.permutation(np.concatenate(test))
    test = test[: max_test // 2] if dev else test[max_test // 2 :][:max_test]
    rng = np.random.RandomState(seed)
    train = np.concatenate([rng.choice(p, min(per_class, len(p)), replace=False) for p in pool])
    return list(X[train]), y[train], list(X[test]), y[test]


def run_one(
    modality: str,
    strategy: str,
    budget: int,
    seed: int,
    params: dict,
    dev: bool,
    dataset: str = "digits",
    keep_features: bool = False,
):
    from sklearn_zoo import PretrainedImageClassifier, PretrainedTextClassifier
    from sklearn_zoo.cache import default_store

    if modality == "text":
        X, y, Xt, yt = text_split(budget, seed, dev)
        cls, extra = PretrainedTextClassifier, {}
    else:
        X, y, Xt, yt = image_split(budget, seed, dev, dataset)
        cls, extra = PretrainedImageClassifier, image_params(dataset)
    chosen = {} if strategy == "default" else {"strategy": strategy}
    chosen = ADAPTER if strategy == "adapter" else chosen
    if strategy == "baseline":
        clf = baseline(modality, extra, params)
    else:
        clf = cls(random_state=seed, **extra, **chosen, **params)  # the defaults: freeze_depth=0
    if not keep_features:
        default_store().clear()  # each fit pays for its own frozen features: standalone fit times
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        clf.fit(X, y)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        accuracy = float(clf.score(Xt, yt))
        predict_s = time.perf_counter() - start
    row = {
        "modality": modality,
        "dataset": dataset if modality == "image" else "sentences",
        "strategy": strategy,
        "budget": budget,
        "n_train": len(y),
        "seed": seed,
        "params": params,
        "dev": dev,
        "accuracy": accuracy,
        "fit_s": seconds,
        "keep_features": keep_features,
        "n_test": len(yt),
        "predict_s": predict_s,
    }
    return {**row, **(_baseline_fields(clf) if strategy == "baseline" else _fit_fields(clf))}


def _fit_fields(clf) -> dict:
    return {
        "ran": clf.strategy_,
        "epochs": len(clf.history_),
        "stages": getattr(clf, "stages_", []),  # each stage's epochs, seconds, budget cut
        "won": getattr(clf, "best_stage_", None),
        "trainable_params": int(clf.n_trainable_params_),
        "saved_mb": _save_mb(clf),
    }


def baseline(modality: str, extra: dict, params: dict):
    """The simple baseline: the frozen checkpoint's embeddings into scikit-learn's
    LogisticRegression at its defaults."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from sklearn_zoo import ImageEmbedder, TextEmbedder

    embedder = TextEmbedder if modality == "text" else ImageEmbedder
    checkpoint = {"checkpoint": params["checkpoint"]} if "checkpoint" in params else {}
    return make_pipeline(embedder(**extra, **checkpoint), LogisticRegression(max_iter=2000))


def _baseline_fields(clf) -> dict:
    import pickle

    regression = clf[-1]
    return {
        "ran": "baseline",
        "won": None,
        "trainable_params": int(regression.coef_.size + regression.intercept_.size),
        "saved_mb": len(pickle.dumps(regression)) / 2**20,  # the embedder has no trained weights
    }


def _save_mb(clf) -> float:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        clf.save(folder)
        return sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file()) / 2**20


def table(rows: list[dict]) -> str:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[
            (
                r.get("dataset", "digits" if r["modality"] == "image" else "sentences"),
                r["budget"],
                json.dumps(r["params"], sort_keys=True),
                r["dev"],
            )
        ].append(r)
    out = []
    for (dataset, budget, params, dev), runs in sorted(groups.items()):
        modality = runs[0]["modality"]
        unit = "labels" if modality == "text" else "per class"
        where = "dev split" if dev else "test set"
        extra = "" if params == "{}" else f", params {params}"
        out.append(f"\n== {dataset}, {budget} {unit} ({where}{extra})")
        out.append(
            f"  {'strategy':<24} {'accuracy (mean ± sd)':>22} {'seeds':>6} {'fit s':>8}"
            f" {'trainable':>10} {'saved MB':>9} {'peak MB':>8} {'predict s':>9}"
        )
        means = {}
        for strategy in STRATEGIES[modality]:
            mine = [r for r in runs if r["strategy"] == strategy]
            if not mine:
                continue
            acc = np.array([r["accuracy"] for r in mine])
            means[strategy] = acc.mean()
            ran = sorted({r["ran"] for r in mine})
            name = strategy if strategy != "default" else f"default ({'/'.join(ran)})"
            sd = acc.std(ddof=1) if len(acc) > 1 else 0.0
            out.append(
                f"  {name:<24} {acc.mean():>13.3f} ± {sd:.3f} {len(acc):>6} "
                f"{np.mean([r['fit_s'] for r in mine]):>8.1f}" + _extras(mine)
            )
        if "default" in means and len(means) > 1:
            others = {k: v for k, v in means.items() if k != "default"}
            best = max(others, key=others.get)
            out.append(
                f"  default - best ({best}): {100 * (means['default'] - others[best]):+.1f} points; "
                + ", ".join(
                    f"default - {k}: {100 * (means['default'] - means[k]):+.1f}"
                    for k in ("probe", "finetune")
                    if k in means
                )
            )
    return "\n".join(out)


def _extras(runs: list[dict]) -> str:
    def mean(key: str, fmt: str, width: int) -> str:
        values = [r[key] for r in runs if key in r]
        return f" {format(np.mean(values), fmt):>{width}}" if values else f" {'-':>{width}}"

    return (
        mean("trainable_params", ",.0f", 10)
        + mean("saved_mb", ".2f", 9)
        + mean("peak_mb", ".0f", 8)
        + mean("predict_s", ".1f", 9)
    )


def _value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modality", choices=["text", "image"], default="text")
    parser.add_argument("--dataset", choices=["digits", *PHOTOS], default="digits")
    parser.add_argument("--budgets", type=int, nargs="+")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--strategies", nargs="+")
    parser.add_argument("--set", nargs="*", default=[], metavar="PARAM=VALUE")
    parser.add_argument("--dev", action="store_true", help="score on a validation split")
    parser.add_argument("--keep-features", action="store_true", help="reuse frozen features")
    parser.add_argument("--measure", action="store_true", help="each fit in a fresh process")
    parser.add_argument("--out", default="accuracy.jsonl", help="JSON lines, appended")
    parser.add_argument("--report", help="print the table of a saved JSON lines file and exit")
    args = parser.parse_args()
    from _common import append_row, machine, read_rows

    if args.report:
        rows = read_rows(args.report)
        print(table(rows))
        return

    print(machine())
    budgets = args.budgets or ([16, 64, 256, 2000] if args.modality == "text" else [5, 20, 100])
    params = dict(kv.split("=", 1) for kv in args.set)
    params = {k: _value(v) for k, v in params.items()}
    rows = []
    wanted = args.strategies or STRATEGIES[args.modality]
    for budget in budgets:
        for seed in args.seeds:
            default = None
            # the default first: the strategy it picks is then the same fit (same seed, same
            # parameters, deterministic on the CPU) and is not run twice
            for strategy in sorted(wanted, key=lambda s: s != "default"):
                if default is not None and strategy == default["ran"]:
                    row = {**default, "strategy": strategy, "same_fit_as_default": True}
                else:
                    job = (args.modality, strategy, budget, seed, params, args.dev)
                    job += (args.dataset, args.keep_features)
                    if args.measure:  # its own process: the fit's peak memory
                        from _common import measure

                        row, _, peak = measure(functools.partial(run_one, *job))
                        row["peak_mb"] = peak
                    else:
                        row = run_one(*job)
                if strategy == "default":
                    default = row
                rows.append(row)
                append_row(args.out, row)
                print(
                    f"  {budget:>5} seed {seed} {strategy:<12} ({row['ran']}) "
                    f"acc {row['accuracy']:.3f}  {row['fit_s']:.1f} s",
                    flush=True,
                )
    print(table(rows))


if __name__ == "__main__":
    main()
