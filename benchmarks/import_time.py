"""Start-up cost of the command line and of the imports, each in fresh processes, against importing
torch (what ``sklearn-zoo list`` used to pay at least) and torch, scikit-learn and torchvision (what
``from sklearn_zoo import TextEmbedder`` used to pay at least).

    python benchmarks/import_time.py [--repeat 5]

Prints the median wall time of each command over ``--repeat`` runs, alternating the commands so
that a busy machine slows them alike, and each one's ratio to its baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# (what, command, the baseline it is compared with)
COMMANDS = [
    ("import torch", "import torch", None),
    ("import torch, sklearn, torchvision", "import torch, sklearn.base, torchvision", None),
    ("sklearn-zoo list", "from sklearn_zoo.cli import main; main(['list'])", "import torch"),
    (
        "sklearn-zoo info resnet18",
        "from sklearn_zoo.cli import main; main(['info', 'resnet18'])",
        "import torch",
    ),
    (
        "from sklearn_zoo import TextEmbedder",
        "from sklearn_zoo import TextEmbedder",
        "import torch, sklearn, torchvision",
    ),
]


def _run(code: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SKLEARN_ZOO_OFFLINE": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name, _, _ in COMMANDS}
    for _ in range(args.repeat):
        for name, code, _ in COMMANDS:
            times[name].append(_run(code))
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"median of {args.repeat} fresh processes, {os.cpu_count()} CPU cores")
    for name, _, baseline in COMMANDS:
        versus = f"  {median[name] / median[baseline]:.2f}x '{baseline}'" if baseline else ""
        print(f"  {name:<40} {median[name]:6.2f} s{versus}")


if __name__ == "__main__":
    main()
