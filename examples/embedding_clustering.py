"""Clustering images by their embeddings, with a 2-D map of the result.

``ImageEmbedder`` turns each image into the pooled features of a pretrained network (1,280 numbers
for EfficientNet-Lite0, shipped on PyPI, so this runs offline). No labels are used: ``KMeans``
groups the embeddings into ten clusters, and the adjusted Rand index (1 = the clusters are exactly
the ten digits, 0 = chance) says how well they match the digits a person would see. KMeans on the
raw pixels is the baseline.

The map projects the embeddings to 2-D (t-SNE; PCA with ``--quick``) and colours them by true digit
and by cluster, side by side, into a PNG.

    python examples/embedding_clustering.py [--out clusters.png]
    python examples/embedding_clustering.py --quick
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_zoo import ImageEmbedder
from sklearn_zoo.datasets import load_digit_images


def plot(
    points: np.ndarray, digits: np.ndarray, clusters: np.ndarray, title: str, out: Path
) -> Path:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            "This example draws with matplotlib: pip install 'sklearn-zoo[plot]'."
        ) from exc

    fig = Figure(figsize=(11, 5))
    for ax, colours, name in zip(
        fig.subplots(1, 2), (digits, clusters), ("true digit", "KMeans cluster")
    ):
        scatter = ax.scatter(points[:, 0], points[:, 1], c=colours, cmap="tab10", s=8)
        ax.set(title=f"coloured by {name}", xticks=[], yticks=[])
        ax.legend(*scatter.legend_elements(), fontsize="x-small", loc="best", title=name)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    return out


def main(quick: bool = False, out: str | Path | None = None) -> dict:
    out = Path(out) if out is not None else Path(tempfile.mkdtemp()) / "embedding_clusters.png"
    X, digits = load_digit_images()
    if quick:
        keep = np.random.default_rng(0).choice(len(X), 300, replace=False)
        X, digits = X[keep], digits[keep]

    # L2-normalized embeddings: KMeans then groups by angle (cosine similarity), which suits them
    embedder = ImageEmbedder("efficientnet_lite0", image_size=64 if quick else 96, normalize=True)
    features = embedder.fit_transform(X)  # (n_images, 1280)
    print(f"embedded {len(X)} images into {features.shape[1]} dimensions")

    clusters = KMeans(n_clusters=10, n_init=10, random_state=0).fit_predict(features)
    on_pixels = make_pipeline(StandardScaler(), KMeans(n_clusters=10, n_init=10, random_state=0))
    scores = {
        "ARI, KMeans on embeddings": adjusted_rand_score(digits, clusters),
        "ARI, KMeans on raw pixels": adjusted_rand_score(
            digits, on_pixels.fit_predict(X.reshape(len(X), -1))
        ),
    }
    for name, value in scores.items():
        print(f"  {name:<28} {value:.3f}")

    if quick:
        points = PCA(n_components=2, random_state=0).fit_transform(features)
    else:
        points = TSNE(n_components=2, init="pca", random_state=0).fit_transform(features)
    title = (
        f"EfficientNet-Lite0 embeddings of {len(X)} digits "
        f"({'PCA' if quick else 't-SNE'}); adjusted Rand index of the clusters "
        f"{scores['ARI, KMeans on embeddings']:.2f}"
    )
    path = plot(points, digits, clusters, title, out)
    print(f"wrote {path}")
    return {"png": path, **{k: float(v) for k, v in scores.items()}}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("SKLEARN_ZOO_EXAMPLES_QUICK") == "1",  # the docs build
        help="300 images, PCA",
    )
    parser.add_argument(
        "--out", default=None, help="the PNG to write (default: in a temporary folder)"
    )
    args = parser.parse_args()
    main(quick=args.quick, out=args.out)
