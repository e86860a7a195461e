"""Accuracy and end time of the default fit under ``time_budget``, against no budget and the probe.

EfficientNet-Lite0 on flowers5 and cats_dogs (20 and 100 photos a class, 224 px) and all-MiniLM-L6-v2
on the review sentences (256 and 2,000 labels), with the splits of ``accuracy.py``. For every set:
the linear probe (``strategy="probe"``, no budget) as the floor, then the default fit at each budget.
Each fit starts with an empty feature cache, so its time includes its frozen features.

    python benchmarks/time_budget.py --sets flowers5:20 cats_dogs:20 sentences:256 --budgets 30 120 600 none
    python benchmarks/time_budget.py --report results.jsonl                 # the table again
    python benchmarks/time_budget.py --report results.jsonl --plot out.png  # accuracy against budget
    python benchmarks/time_budget.py --sets flowers5:20 --budgets 30 120 --no-probe
    python benchmarks/time_budget.py --report results.jsonl --reuse accuracy.jsonl  # + its fits

A budget is kept when the fit ends within 10% of it or within one epoch of the stage the budget
cut (whichever is larger), the target of issue #24; the table says so per fit.
``--set image_size=64`` changes a parameter of every fit (for a quick check of the wiring).
Each run is appended to ``--out`` as one JSON line as soon as it ends.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections import defaultdict

import numpy as np
from accuracy import _value, image_split, text_split

DEFAULT_SETS = [f"{d}:{k}" for d in ("flowers5", "cats_dogs") for k in (20, 100)]
DEFAULT_SETS += ["sentences:256", "sentences:2000"]


def load(name: str, budget: int, seed: int, dev: bool):
    if name == "sentences":
        return text_split(budget, seed, dev)
    return image_split(budget, seed, dev, name)


def run_one(
    data: str, budget: float | None, seed: int, dev: bool, strategy: str | None, extra: dict
) -> dict:
    from sklearn_zoo import PretrainedImageClassifier, PretrainedTextClassifier
    from sklearn_zoo.cache import default_store

    name, size = data.split(":")
    X, y, Xt, yt = load(name, int(size), seed, dev)
    cls = PretrainedTextClassifier if name == "sentences" else PretrainedImageClassifier
    params = {} if strategy is None else {"strategy": strategy}
    clf = cls(random_state=seed, time_budget=budget, **params, **extra)
    default_store().clear()  # each fit computes its own frozen features
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        clf.fit(X, y)
        seconds = time.perf_counter() - start
        accuracy = float(clf.score(Xt, yt))
    return {
        "data": data,
        "strategy": strategy or "default",
        "ran": clf.strategy_,
        "budget_s": budget,
        "seed": seed,
        "params": extra,
        "dev": dev,
        "accuracy": accuracy,
        "fit_s": seconds,
        "best_stage": getattr(clf, "best_stage_", None),
        "stages": getattr(clf, "stages_", []),
    }


def from_accuracy(rows: list[dict]) -> list[dict]:
    """``accuracy.py``'s probe and default runs on the photo sets and sentences as rows of this
    table: the same split, seed and parameters, so the same fits as this script's probe and
    no-budget runs (``--reuse``, to not train them twice)."""
    out = []
    for r in rows:
        if r["strategy"] not in ("probe", "default") or r["params"]:
            continue
        data = f"{r.get('dataset', 'sentences')}:{r['budget']}"
        out.append(
            {
                "data": data,
                "strategy": r["strategy"],
                "ran": r["ran"],
                "budget_s": None,
                "seed": r["seed"],
                "params": {},
                "dev": r["dev"],
                "accuracy": r["accuracy"],
                "fit_s": r["fit_s"],
                "best_stage": r.get("won"),
                "stages": r.get("stages", []),
                "from": "accuracy.py",
            }
        )
    return out


def slack(row: dict) -> float:
    """What the fit may overrun its budget by: 10% of it, or one epoch of the stage it cut."""
    cut = [s for s in row["stages"] if s.get("budget_cut") and s["epochs"]]
    epoch = max((s["seconds"] / s["epochs"] for s in cut), default=0.0)
    return max(0.1 * row["budget_s"], epoch)


def table(rows: list[dict]) -> str:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups[r["data"]].append(r)
    out = []
    for data, runs in sorted(groups.items()):
        out.append(f"\n== {data} ({'dev split' if runs[0]['dev'] else 'test set'})")
        out.append(
            f"  {'fit':<22} {'accuracy (mean ± sd)':>22} {'seeds':>6} {'fit s':>8} "
            f"{'end / budget':>13} {'kept':>5}  stages won / cut"
        )
        keys = sorted({(r["strategy"], r["budget_s"] or np.inf) for r in runs})
        for strategy, budget in keys:
            mine = [
                r for r in runs if r["strategy"] == strategy and (r["budget_s"] or np.inf) == budget
            ]
            acc = np.array([r["accuracy"] for r in mine])
            sd = acc.std(ddof=1) if len(acc) > 1 else 0.0
            fit = np.mean([r["fit_s"] for r in mine])
            label = f"{strategy}, " + ("no budget" if budget == np.inf else f"{budget:g} s")
            ratio = "" if budget == np.inf else f"{max(r['fit_s'] for r in mine) / budget:.2f}"
            kept = (
                ""
                if budget == np.inf
                else ("yes" if all(r["fit_s"] <= r["budget_s"] + slack(r) for r in mine) else "NO")
            )
            won = "/".join(sorted({str(r["best_stage"]) for r in mine}))
            cut = "/".join(
                sorted({s["stage"] for r in mine for s in r["stages"] if s.get("budget_cut")})
            )
            out.append(
                f"  {label:<22} {acc.mean():>13.3f} ± {sd:.3f} {len(acc):>6} {fit:>8.1f} "
                f"{ratio:>13} {kept:>5}  {won} / {cut or '-'}"
            )
    return "\n".join(out)


def plot(rows: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for data in sorted({r["data"] for r in rows}):
        mine = [r for r in rows if r["data"] == data and r["strategy"] == "default"]
        budgets = sorted({r["budget_s"] or np.inf for r in mine})
        finite = max((b for b in budgets if b != np.inf), default=60.0)
        xs = [b if b != np.inf else finite * 2 for b in budgets]
        ys = [
            np.mean([r["accuracy"] for r in mine if (r["budget_s"] or np.inf) == b])
            for b in budgets
        ]
        (line,) = ax.plot(xs, ys, marker="o", label=data)
        probe = [r["accuracy"] for r in rows if r["data"] == data and r["strategy"] == "probe"]
        if probe:
            ax.axhline(np.mean(probe), color=line.get_color(), linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("time_budget (s); the last point of each line: no budget")
    ax.set_ylabel("accuracy")
    ax.set_title("Default fit against time_budget (dotted: the linear probe), 2 CPU cores")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _budget(text: str) -> float | None:
    return None if text.lower() == "none" else float(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=DEFAULT_SETS, metavar="DATA:SIZE")
    parser.add_argument("--budgets", nargs="+", type=_budget, default=[30.0, 120.0, 600.0, None])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--set", nargs="*", default=[], metavar="PARAM=VALUE")
    parser.add_argument("--no-probe", action="store_true", help="skip the probe's reference fit")
    parser.add_argument("--dev", action="store_true", help="score on a validation split")
    parser.add_argument("--out", default="time_budget.jsonl", help="JSON lines, appended")
    parser.add_argument("--report", help="print the table of a saved JSON lines file and exit")
    parser.add_argument("--plot", help="with --report: save the accuracy-against-budget plot")
    parser.add_argument(
        "--reuse",
        nargs="*",
        default=[],
        help="with --report: accuracy.py JSON lines whose probe and default runs are the no-budget rows",
    )
    args = parser.parse_args()
    from _common import append_row, machine, read_rows

    if args.report:
        rows = read_rows(args.report)
        for path in args.reuse:
            seeds = {(r["data"], r["seed"]) for r in rows}
            rows += [r for r in from_accuracy(read_rows(path)) if (r["data"], r["seed"]) in seeds]
        print(table(rows))
        if args.plot:
            plot(rows, args.plot)
        return

    print(machine())
    extra = {k: _value(v) for k, v in (kv.split("=", 1) for kv in args.set)}
    rows = []
    for data in args.sets:
        for seed in args.seeds:
            runs = [("probe", None)] * (not args.no_probe) + [(None, b) for b in args.budgets]
            for strategy, budget in runs:
                row = run_one(data, budget, seed, args.dev, strategy, extra)
                rows.append(row)
                append_row(args.out, row)
                print(
                    f"  {data:<16} seed {seed} {row['strategy']:<8} budget {budget} "
                    f"acc {row['accuracy']:.3f} {row['fit_s']:.1f} s won {row['best_stage']}",
                    flush=True,
                )
    print(table(rows))


if __name__ == "__main__":
    main()
