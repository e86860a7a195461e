"""Draws the pictures of the docs into docs/img/, from the code and the pages they illustrate.

    python docs/gen_figures.py                 # every figure
    python docs/gen_figures.py freeze_depth    # some of them

- ``freeze_depth.png``: the blocks each ``freeze_depth`` freezes, computed by the function ``fit``
  uses (``resolve_freeze_depth``) on EfficientNet-Lite0's blocks from the catalogue.
- ``strategies.png``: the training stages of each ``strategy``, as ``fit`` runs them (``stages``).
- ``accuracy_vs_labels.png``: the accuracy tables of docs/benchmarks.md, read off the page.
- ``accuracy_vs_budget.png``: the time-budget table of docs/benchmarks.md, read off the page.
- ``scale.png``: the large-collections table of docs/benchmarks.md, read off the page.
- ``learning_curves.png``: a real LP-FT fit on 200 digits, drawn by ``TrainingCurvesDisplay``
  (about a minute on a CPU).

The PNGs are checked in; run this again when what a figure shows changes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
IMG = DOCS / "img"
FROZEN, TRAINED, HEAD = "#c9ced6", "#f28e2b", "#4e79a7"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def freeze_depth_rows(depths=("all", 5, -2, 0)) -> tuple[list[str], list[tuple[str, int]]]:
    """EfficientNet-Lite0's block names and, per ``freeze_depth``, the number of frozen blocks."""
    from sklearn_zoo import get_checkpoint
    from sklearn_zoo.backbones import resolve_freeze_depth

    n = get_checkpoint("efficientnet_lite0").num_blocks
    names = ["stem", *[f"stage {i}" for i in range(1, n)]]
    return names, [(repr(d), resolve_freeze_depth(d, n)) for d in depths]


def draw_freeze_depth(out: Path) -> None:
    plt = _pyplot()
    from matplotlib.patches import Patch

    names, rows = freeze_depth_rows()
    fig, ax = plt.subplots(figsize=(9, 2.9))
    for r, (_, frozen) in enumerate(rows):
        y = len(rows) - 1 - r
        for i in range(len(names)):
            ax.barh(y, 0.92, left=i, color=FROZEN if i < frozen else TRAINED, edgecolor="white")
        ax.barh(y, 0.92, left=len(names), color=HEAD, edgecolor="white")
        ax.text(
            len(names) + 1.1, y, f"{len(names) - frozen} of {len(names)} blocks train", va="center"
        )
    ax.set_yticks(range(len(rows)), [f"freeze_depth={label}" for label, _ in reversed(rows)])
    ax.set_xticks([i + 0.46 for i in range(len(names) + 1)], [*names, "head"], fontsize=8)
    ax.set_xlim(0, len(names) + 4.2)
    ax.set_title("EfficientNet-Lite0: blocks from the input (left) to the new head (right)")
    handles = [Patch(color=c) for c in (FROZEN, TRAINED, HEAD)]
    ax.legend(
        handles,
        ["frozen", "trains", "head (always trains)"],
        loc="upper center",
        bbox_to_anchor=(0.45, -0.14),
        ncol=3,
        frameon=False,
    )
    ax.spines[["top", "right", "left", "bottom"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


STAGE_TEXT = {
    "probe": ("head on the frozen backbone", "its features cached: nearly free", HEAD),
    "finetune": ("trainable blocks + head", "freeze_depth says which blocks", TRAINED),
    "contrastive": ("encoder on sentence pairs", "same class: similar; else not", "#59a14f"),
}


def strategy_rows() -> list[tuple[str, list[str]]]:
    """Each explicit ``strategy`` and its stages, as ``fit`` runs them."""
    from sklearn_zoo.estimators._strategy import TEXT_CLASSIFIER_STRATEGIES, stages

    return [(s, stages(s)) for s in TEXT_CLASSIFIER_STRATEGIES if s != "auto"]


def draw_strategies(out: Path) -> None:
    plt = _pyplot()
    rows = strategy_rows()
    fig, ax = plt.subplots(figsize=(9, 3.0))
    for r, (_, stages) in enumerate(rows):
        y = len(rows) - 1 - r
        for i, stage in enumerate(stages):
            title, note, color = STAGE_TEXT[stage]
            ax.barh(y, 0.96, left=i, color=color, alpha=0.85, edgecolor="white")
            ax.text(
                i + 0.48,
                y + 0.12,
                title,
                ha="center",
                va="center",
                color="white",
                fontsize=9,
                weight="bold",
            )
            ax.text(i + 0.48, y - 0.17, note, ha="center", va="center", color="white", fontsize=7.5)
            if i:
                ax.annotate("", (i + 0.02, y), (i - 0.06, y), arrowprops={"arrowstyle": "->"})
    ax.set_yticks(range(len(rows)), [f'strategy="{s}"' for s, _ in reversed(rows)])
    ax.set_xticks([0.48, 1.48], ["stage 1", "stage 2"])
    ax.set_xlim(0, 2)
    ax.set_title('Training stages of each strategy ("auto" picks one of them)')
    ax.spines[["top", "right", "left", "bottom"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


_CELL = re.compile(r"([0-9.]+) ± ([0-9.]+)")


# the accuracy tables of the benchmarks page, by the first cell of their header
ACCURACY_TABLES = {
    "text": ("| labels |", "all-MiniLM-L6-v2, review sentences", "labelled sentences"),
    "image": ("| per class |", "EfficientNet-Lite0, digits at 64 px", "labelled digits per class"),
    "flowers5": (
        "| flowers5, per class |",
        "EfficientNet-Lite0, flowers5 photos",
        "photos per class",
    ),
    "cats_dogs": (
        "| cats_dogs, per class |",
        "EfficientNet-Lite0, cats_dogs photos",
        "photos per class",
    ),
}


def page_table(
    first: str, page: Path = DOCS / "benchmarks.md"
) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the page's markdown table whose header line starts with ``first``."""
    lines = page.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return header, rows


def benchmark_tables(page: Path = DOCS / "benchmarks.md") -> dict[str, dict[str, list[tuple]]]:
    """The accuracy tables of the benchmarks page: ``{kind: {strategy: [(labels, mean, std),
    ...]}}``, labels counted in sentences (text) or images per class (digits, photos)."""
    tables: dict[str, dict[str, list[tuple]]] = {}
    for kind, (first, _, _) in ACCURACY_TABLES.items():
        header, rows = page_table(first, page)
        series: dict[str, list[tuple]] = {}
        for cells in rows:
            labels = int(cells[0].replace(",", ""))
            for name, cell in zip(header[1:], cells[1:]):
                if (match := _CELL.match(cell)) is not None:
                    series.setdefault(name, []).append((labels, *map(float, match.groups())))
        tables[kind] = series
    return tables


def draw_accuracy_vs_labels(out: Path) -> None:
    plt = _pyplot()
    tables = benchmark_tables()
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.2))
    for ax, (kind, series) in zip(axes.flat, tables.items()):
        _, title, xlabel = ACCURACY_TABLES[kind]
        for name, points in series.items():
            labels, mean, std = zip(*points)
            color = COLORS.get(name)
            ax.errorbar(labels, mean, yerr=std, marker="o", capsize=3, label=name, color=color)
        ax.set_xscale("log")
        ax.minorticks_off()
        ticks = sorted({p[0] for points in series.values() for p in points})  # every budget run
        ax.set_xticks(ticks, [f"{n:,}" for n in ticks])
        ax.set(title=title, xlabel=xlabel, ylabel="test accuracy")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle("Accuracy against the number of labels (mean ± sd over seeds)", fontsize=11)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


COLORS = {
    "baseline": "#9c755f",
    "probe": "#4e79a7",
    "finetune": "#f28e2b",
    "lp-ft": "#59a14f",
    "contrastive": "#e15759",
}
_FIRST_FLOAT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
BUDGET_TABLE = "| set (seed 0) |"
SCALE_TABLE = "| collection | N |"


def budget_rows(page: Path = DOCS / "benchmarks.md") -> dict[str, dict[str, float]]:
    """The time-budget table of the benchmarks page: ``{set: {column: accuracy}}``, columns
    ``probe``, the budgets (``30 s``, ``120 s``, ...) and ``no budget``."""
    header, rows = page_table(BUDGET_TABLE, page)
    return {
        cells[0]: {
            name: float(match.group())
            for name, cell in zip(header[1:], cells[1:])
            if (match := _FIRST_FLOAT.search(cell))
        }
        for cells in rows
    }


def draw_accuracy_vs_budget(out: Path) -> None:
    plt = _pyplot()
    rows = budget_rows()
    fig, ax = plt.subplots(figsize=(9.5, 4.5))
    for name, cells in rows.items():
        budgets = [c for c in cells if c.endswith(" s")]
        if "no budget" not in cells:
            continue
        xs = [float(c[:-2]) for c in budgets] + [2 * max(float(c[:-2]) for c in budgets)]
        ys = [cells[c] for c in budgets] + [cells["no budget"]]
        (line,) = ax.plot(xs, ys, marker="o", label=name)
        ax.axhline(cells["probe"], color=line.get_color(), linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set_xticks(xs, [*budgets, "none"])
    ax.set(xlabel="time_budget", ylabel="test accuracy")
    ax.set_title("The default fit under time_budget, 2 CPU cores (dotted: the linear probe)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def scale_rows(page: Path = DOCS / "benchmarks.md") -> dict[tuple[str, str], list[tuple]]:
    """The large-collections table: ``{(collection, workers): [(N, items/s, peak RSS MB)]}``."""
    header, rows = page_table(SCALE_TABLE, page)
    col = {name: i for i, name in enumerate(header)}
    series: dict[tuple[str, str], list[tuple]] = {}
    for cells in rows:
        key = (cells[col["collection"]], cells[col["workers"]])
        point = (
            int(cells[col["N"]].replace(",", "")),
            float(cells[col["items/s"]]),
            float(cells[col["peak RSS (MB)"]]),
        )
        series.setdefault(key, []).append(point)
    return series


def draw_scale(out: Path) -> None:
    plt = _pyplot()
    fig, (speed, memory) = plt.subplots(1, 2, figsize=(10, 3.8))
    for (collection, workers), points in scale_rows().items():
        n, per_s, rss = zip(*sorted(points))
        label = f"{collection}, workers={workers}"
        speed.plot(n, per_s, marker="o", label=label)
        memory.plot(n, rss, marker="o", label=label)
    speed.set(xscale="log", xlabel="N", ylabel="items per second", title="Throughput against N")
    memory.set(xscale="log", xlabel="N", ylabel="peak RSS (MB)", title="Peak memory against N")
    memory.set_ylim(bottom=0)
    for ax in (speed, memory):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("transform on N items, 2 CPU cores (benchmarks/scale.py)", fontsize=11)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def draw_learning_curves(out: Path) -> None:
    import numpy as np

    from sklearn_zoo import PretrainedImageClassifier, TrainingCurvesDisplay
    from sklearn_zoo.datasets import load_digit_images

    plt = _pyplot()
    X, y = load_digit_images()
    pick = np.random.default_rng(0).permutation(len(X))[:200]
    clf = PretrainedImageClassifier(
        image_size=48, max_epochs=12, early_stopping=True, validation_fraction=0.2, random_state=0
    ).fit(X[pick], y[pick])
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    TrainingCurvesDisplay.from_estimator(clf, ax=ax)
    ax.set_title("LP-FT on 200 digits: the head, then everything from it")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


FIGURES = {
    "freeze_depth": draw_freeze_depth,
    "strategies": draw_strategies,
    "accuracy_vs_labels": draw_accuracy_vs_labels,
    "accuracy_vs_budget": draw_accuracy_vs_budget,
    "scale": draw_scale,
    "learning_curves": draw_learning_curves,
}


def main(names: list[str], folder: Path = IMG) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or FIGURES:
        FIGURES[name](folder / f"{name}.png")
        written.append(folder / f"{name}.png")
        print("wrote", written[-1])
    return written


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv[1:])
