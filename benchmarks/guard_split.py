"""How reliably a small validation split picks the better of two models (the guard's choice
between the probe's state and a fine-tuned one), against k-fold scoring, in a binomial model.

Each validation sample is right with probability ``a_probe`` for the probe and ``a_tuned`` for
the fine-tuned model, independently (real errors correlate, which makes a split more reliable,
not less). The guard keeps fine-tuning only when it scores strictly higher; ties keep the probe.
No network is trained: this sizes the question, it does not answer it on photos.

    python benchmarks/guard_split.py
"""

from __future__ import annotations

import numpy as np


def p_keeps_tuned(a_probe: float, a_tuned: float, n_valid: int, trials: int, rng) -> float:
    probe = rng.binomial(n_valid, a_probe, trials)
    tuned = rng.binomial(n_valid, a_tuned, trials)
    return float(np.mean(tuned > probe))


def main() -> None:
    rng = np.random.default_rng(0)
    cases = [(0.80, 0.85), (0.80, 0.90), (0.85, 0.80), (0.80, 0.10)]
    print(
        "| photos a class (5 classes) | validation samples | "
        + " | ".join(f"probe {p:.2f}, tuned {t:.2f}" for p, t in cases)
        + " |"
    )
    print("|---" * (2 + len(cases)) + "|")
    for per_class, n_valid, how in [
        (5, 5, "one split, 1 a class"),
        (10, 5, "one split, 1 a class"),
        (20, 10, "one split, 10%"),
        (100, 50, "one split, 10%"),
        (5, 25, "5-fold (every sample once)"),
        (10, 50, "5-fold (every sample once)"),
    ]:
        row = [p_keeps_tuned(p, t, n_valid, 200_000, rng) for p, t in cases]
        print(f"| {per_class} ({how}) | {n_valid} | " + " | ".join(f"{v:.2f}" for v in row) + " |")
    print("\ncells: the share of fits that keep the fine-tuned state")


if __name__ == "__main__":
    main()
