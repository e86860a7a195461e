"""What decoding photos once per fit saves: one epoch's worth of image reading, with and without
the store of ``sklearn_zoo.inputs.decoded``, on the cats_dogs JPEGs (``../shared/data``).

An epoch reads every photo through the training transform (here the eval one, and
``augment="light"``). Without the store each epoch decodes every file again; with it the first
epoch decodes and resizes each file once and the others start from the stored pixels.

    python benchmarks/decode_once.py --epochs 3 --out decode_once.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def read_epoch(dataset, batch_size: int = 32) -> float:
    start = time.perf_counter()
    for first in range(0, len(dataset), batch_size):
        dataset.__getitems__(list(range(first, min(first + batch_size, len(dataset)))))
    return time.perf_counter() - start


def main() -> None:
    from _common import machine

    from sklearn_zoo import PretrainedImageClassifier, get_checkpoint, load_image_folder
    from sklearn_zoo.inputs.images import as_image_source

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(Path(__file__).parents[2] / "shared/data/cats_dogs"))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, help="only the first LIMIT photos (a smoke test)")
    parser.add_argument("--out", type=Path, default=Path("decode_once.jsonl"))
    args = parser.parse_args()
    paths = list(load_image_folder(args.data).filenames)[: args.limit]
    source = as_image_source(paths)
    spec = get_checkpoint("efficientnet_lite0")
    print(machine())
    for augment in (False, "light"):
        prepared = PretrainedImageClassifier(augment=augment)._prepare_inputs(spec)
        rows = np.arange(len(paths))
        plain = prepared.dataset(source, rows, training=True)
        stored = prepared.dataset(prepared.once(source), rows, training=True)
        without = [read_epoch(plain) for _ in range(args.epochs)]
        with_store = [read_epoch(stored) for _ in range(args.epochs)]
        row = {
            "photos": len(paths),
            "augment": augment,
            "epochs": args.epochs,
            "without_store_s": without,
            "with_store_s": with_store,
            "saved_per_later_epoch": 1 - np.mean(with_store[1:]) / np.mean(without[1:]),
        }
        with args.out.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(
            f"augment={augment!r}: {len(paths)} photos, an epoch of reading: "
            f"{np.mean(without):.2f} s without the store, "
            f"first {with_store[0]:.2f} s then {np.mean(with_store[1:]):.2f} s with it "
            f"({row['saved_per_later_epoch']:.0%} saved per later epoch)"
        )


if __name__ == "__main__":
    main()
