"""Large collections: throughput and peak memory of ``ImageEmbedder.transform`` on image files and
``TextEmbedder.transform`` on texts as N grows, DataLoader workers 0 against ``"auto"``, and the time
of a feature-cache lookup among 10 and 1,000 shards. It writes its own synthetic JPEGs (640 x 480 by
default, smooth shapes and noise: 30-60 kB, as photos; ``--unique`` distinct files, cycled through
for larger N, each path decoded anew) and texts into a temporary folder, measures each point in a
fresh process (wall time of ``transform``, peak RSS of the process) and appends one JSON line per
point to ``--out``.

    python benchmarks/scale.py images --n 1000 5000 20000 [--workers 0 auto] [--size 96]
    python benchmarks/scale.py texts --n 10000 100000
    python benchmarks/scale.py cache --shards 10 1000
    python benchmarks/scale.py table --out scale.jsonl    # the tables of docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import machine, measure

WORDS = (  # noqa: SIM905 - a paragraph reads better than a column of words
    "the a of and to in is it that was for on with as his they be at one have this from by "
    "hot word but what some we can out other were all there when up use your how said an "
    "each she which do their time if will way about many then them write would like so these "
    "her long make thing see him two has look more day could go come did number sound no "
    "most people my over know water than call first who may down side been now find any new "
    "work part take get place made live where after back little only round man year came "
    "show every good me give our under name very through just form sentence great think say "
    "help low line differ turn"
).split()


def write_jpegs(folder: Path, n: int, width: int, height: int) -> list[str]:
    """``n`` synthetic photos (a colour gradient, ellipses and rectangles, mild noise) as JPEGs;
    files already there are kept, so several runs share one folder."""
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"{i:06d}.jpg"
        paths.append(str(path))
        if path.exists():
            continue
        rng = np.random.default_rng(i)
        top, bottom = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        t = np.linspace(0, 1, height)[:, None, None]
        pixels = np.broadcast_to(top * (1 - t) + bottom * t, (height, width, 3)).copy()
        img = Image.fromarray(pixels.astype(np.uint8))
        draw = ImageDraw.Draw(img)
        for _ in range(8):
            x0, y0 = rng.integers(0, width), rng.integers(0, height)
            box = [x0, y0, x0 + rng.integers(20, width // 2), y0 + rng.integers(20, height // 2)]
            fill = tuple(int(c) for c in rng.integers(0, 256, 3))
            (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=fill)
        noisy = np.asarray(img, dtype=np.int16) + rng.integers(-6, 7, (height, width, 3))
        Image.fromarray(noisy.clip(0, 255).astype(np.uint8)).save(path, quality=90)
    return paths


def make_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` synthetic sentences of 4 to ~120 words (log-normal lengths, as reviews are)."""
    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.lognormal(2.7, 0.7, n).astype(int), 4, 120)
    vocab = np.asarray(WORDS)
    return [" ".join(vocab[rng.integers(0, len(vocab), k)]) for k in lengths]


def _peaks() -> dict[str, float]:
    # the workers' figure is the largest child's, pages shared with this process included (fork)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mb": round(own, 1), "worker_peak_rss_mb": round(workers, 1)}


def embed_images(paths: list[str], workers: str, size: int, batch: int) -> dict:
    from sklearn_zoo import ImageEmbedder

    workers_param = workers if workers == "auto" else int(workers)
    emb = ImageEmbedder(
        image_size=size, batch_size=batch, cache=False, device="cpu", num_workers=workers_param
    ).fit()
    start = time.perf_counter()
    out = emb.transform(paths)
    seconds = time.perf_counter() - start
    return {"transform_s": seconds, "output_mb": out.nbytes / 2**20, **_peaks()}


def embed_texts(n: int, batch: int) -> dict:
    from sklearn_zoo import TextEmbedder

    texts = make_texts(n)
    emb = TextEmbedder(batch_size=batch, cache=False, device="cpu").fit()
    start = time.perf_counter()
    out = emb.transform(texts)
    seconds = time.perf_counter() - start
    return {"transform_s": seconds, "output_mb": out.nbytes / 2**20, **_peaks()}


def cache_lookup(folder: str, shards: int, rows: int, dim: int, repeats: int = 20) -> dict:
    """Lookups of one shard's rows in a model folder of ``shards`` shards, by a fresh store (an
    empty memory cache: every row read from disk): with the index, and as before it (no index:
    every shard opened), and how many shards each opened."""
    import safetensors
    import torch

    from sklearn_zoo._shard_index import INDEX
    from sklearn_zoo.cache import FeatureStore, fingerprint

    model = fingerprint("scale", shards)
    writer = FeatureStore(Path(folder), memory_bytes=0, disk_bytes=2**40)
    for j in range(shards):
        writer.put_many(model, [f"{j}-{i}" for i in range(rows)], torch.randn(rows, dim))
    opened: list[str] = []
    real = safetensors.safe_open
    safetensors.safe_open = lambda p, *a, **k: opened.append(p) or real(p, *a, **k)
    wanted = [f"{shards // 2}-{i}" for i in range(rows)]
    result = {}
    for name, drop_index in (("indexed", False), ("no_index", True)):
        times = []
        for _ in range(repeats):
            if drop_index:
                (Path(folder) / model / INDEX).unlink(missing_ok=True)
            opened.clear()
            store = FeatureStore(Path(folder), memory_bytes=0, disk_bytes=2**40)
            start = time.perf_counter()
            assert len(store.get_many(model, wanted)) == rows
            times.append(time.perf_counter() - start)
        result[f"{name}_ms"] = 1000 * float(np.median(times))
        result[f"{name}_shards_opened"] = len(opened)
    safetensors.safe_open = real
    return result


def tables(records: list[dict]) -> str:
    """The markdown tables of docs/benchmarks.md from the JSON lines (the last run of each point)."""
    points = {(r["part"], r.get("n"), r.get("workers"), r.get("shards")): r for r in records}
    lines = [
        "| collection | N | workers | items/s | s per 1,000 | peak RSS (MB) | output (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for (part, n, workers, _), r in sorted(
        (k, v) for k, v in points.items() if k[0] in ("images", "texts")
    ):
        lines.append(
            f"| {part} | {n:,} | {workers} | {r['per_s']:.0f} | {1000 / r['per_s']:.1f} "
            f"| {r['peak_rss_mb']:.0f} | {r['output_mb']:.0f} |"
        )
    lines += [
        "",
        "| shards in the folder | lookup with the index (ms) | shards opened "
        "| without the index (ms) | shards opened |",
        "|---|---|---|---|---|",
    ]
    for key, r in sorted((k, v) for k, v in points.items() if k[0] == "cache"):
        lines.append(
            f"| {key[3]:,} | {r['indexed_ms']:.1f} | {r['indexed_shards_opened']} "
            f"| {r['no_index_ms']:.1f} | {r['no_index_shards_opened']} |"
        )
    return "\n".join(lines)


def _emit(out: Path, record: dict) -> None:
    print(json.dumps(record))
    with out.open("a") as f:
        f.write(json.dumps(record) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("part", choices=["images", "texts", "cache", "table"])
    parser.add_argument("--n", type=int, nargs="+", default=None)
    parser.add_argument("--workers", nargs="+", default=["0", "auto"])
    parser.add_argument("--size", type=int, default=96, help="ImageEmbedder image_size")
    parser.add_argument("--photo", type=int, nargs=2, default=[640, 480], metavar=("W", "H"))
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--shards", type=int, nargs="+", default=[10, 1000])
    parser.add_argument("--data", type=Path, default=None, help="keep the JPEGs here (reused)")
    parser.add_argument("--unique", type=int, default=2000, help="distinct files, then cycled")
    parser.add_argument("--out", type=Path, default=Path("scale.jsonl"))
    args = parser.parse_args()
    if args.part == "table":
        print(tables([json.loads(line) for line in args.out.read_text().splitlines() if line]))
        return
    base = {"part": args.part, "machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M")}
    print(base["machine"])
    tmp = Path(tempfile.mkdtemp(prefix="scale-"))
    try:
        if args.part == "images":
            ns = args.n or [1000, 5000, 20000]
            start = time.perf_counter()
            files = write_jpegs(args.data or tmp / "jpegs", min(args.unique, max(ns)), *args.photo)
            kb = np.mean([Path(p).stat().st_size for p in files[:200]]) / 1024
            print(f"{len(files)} JPEGs in {time.perf_counter() - start:.0f} s, {kb:.0f} kB each")
            paths = [files[i % len(files)] for i in range(max(ns))]  # each decoded anew
            for n in ns:
                for workers in args.workers:
                    fn = functools.partial(embed_images, paths[:n], workers, args.size, args.batch)
                    result, seconds, _ = measure(fn)
                    record = {**base, "n": n, "workers": workers, "image_size": args.size}
                    record.update(photo=args.photo, jpeg_kb=round(kb), batch=args.batch)
                    _emit(args.out, {**record, **result, "per_s": n / result["transform_s"]})
        elif args.part == "texts":
            for n in args.n or [10000, 100000]:
                result, seconds, _ = measure(functools.partial(embed_texts, n, args.batch))
                record = {**base, "n": n, "workers": "auto", "batch": args.batch}
                _emit(args.out, {**record, **result, "per_s": n / result["transform_s"]})
        else:
            for shards in args.shards:
                fn = functools.partial(cache_lookup, str(tmp / f"cache{shards}"), shards, 64, 384)
                result, _, _ = measure(fn)
                _emit(args.out, {**base, "shards": shards, "rows_per_shard": 64, **result})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
