"""Saving a fitted model and loading it back, two ways.

1. ``clf.save(folder)`` / ``PretrainedTextClassifier.load(folder)``: JSON, safetensors and tokenizer
   files only. Loading runs no code from the files and downloads nothing, so a model from someone
   else can be loaded safely, and on a machine with no network or no GPU.
2. ``joblib.dump`` / ``joblib.load`` (or pickle): one file, works for any Python object (a whole
   ``GridSearchCV`` or ``Pipeline``), but loading a pickle can run arbitrary code: only load pickles
   from sources you trust.

Both carry the fine-tuned weights: the loaded model predicts exactly what the saved one did.

    python examples/save_and_load.py [--out FOLDER]
    python examples/save_and_load.py --quick
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import joblib
import numpy as np

from sklearn_zoo import PretrainedTextClassifier

TEXTS = [
    "what a great film",
    "I loved every minute",
    "a superb cast and a clever plot",
    "wonderful, funny and moving",
    "dull and far too long",
    "a waste of time",
    "I hated the ending",
    "badly acted and boring",
]
LABELS = ["pos"] * 4 + ["neg"] * 4


def _size(path: Path) -> str:
    n = (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else path.stat().st_size
    )
    return f"{n / 2**20:.1f} MiB"


def main(quick: bool = False, out: str | Path | None = None) -> dict:
    out = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="sklearn_zoo_models_"))
    out.mkdir(parents=True, exist_ok=True)

    clf = PretrainedTextClassifier(
        "all-MiniLM-L6-v2",
        freeze_depth="all" if quick else -1,
        lr=1e-2 if quick else 1e-3,
        max_epochs=10 if quick else 20,
        random_state=0,
    )
    clf.fit(TEXTS, LABELS)
    new = ["an excellent, clever film", "boring and badly acted"]
    expected = clf.predict_proba(new)

    # 1. the safe format: a folder of plain files
    folder = clf.save(out / "sentiment-model")
    print(f"saved to {folder} ({_size(folder)}):")
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            print(f"  {path.relative_to(folder)}")
    loaded = PretrainedTextClassifier.load(folder)
    same_safe = bool(np.allclose(loaded.predict_proba(new), expected, atol=1e-6))
    print(f"loaded back: {loaded.predict(new).tolist()}, same probabilities: {same_safe}")

    # 2. joblib (pickle): one file; trust the source before loading one
    pickle_path = out / "sentiment-model.joblib"
    joblib.dump(clf, pickle_path)
    unpickled = joblib.load(pickle_path)
    same_pickle = bool(np.allclose(unpickled.predict_proba(new), expected, atol=1e-6))
    print(f"\npickled to {pickle_path} ({_size(pickle_path)}), same probabilities: {same_pickle}")
    return {
        "folder": folder,
        "pickle": pickle_path,
        "same_safe": same_safe,
        "same_pickle": same_pickle,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("SKLEARN_ZOO_EXAMPLES_QUICK") == "1",  # the docs build
        help="train the head only",
    )
    parser.add_argument("--out", default=None, help="where to write (default: a temporary folder)")
    args = parser.parse_args()
    main(quick=args.quick, out=args.out)
