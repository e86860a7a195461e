"""GridSearchCV over freeze_depth {"all", -1} x head_size {(), (128,)} x 3 folds: sklearn_zoo (frozen
prefix computed once per sample, shared by folds and candidates) against skorch with its `Freezer`
callback and no cache (the frozen backbone runs every epoch of every fold of every candidate).

Both sides get the same preprocessed inputs, epochs, batch size, optimizer and learning rate, and
train the same model: the baseline keeps the BatchNorm layers of frozen blocks in eval mode, as
sklearn_zoo does (skorch's Freezer alone leaves them drifting). The number of images that went
through the backbone's stem is counted with a forward hook.

    python benchmarks/grid_search.py [--epochs 5] [--size 64]
"""

from __future__ import annotations

import argparse
import functools

import numpy as np
from _common import machine, measure, report

LR, BATCH, SEED = 3e-3, 32, 0
GRID_DEPTHS, GRID_HEADS = ("all", -1), ((), (128,))


def _data():
    from sklearn_zoo.datasets import load_digit_images

    X, y = load_digit_images()
    rng = np.random.default_rng(SEED)
    train = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), 20, replace=False) for c in range(10)]
    )
    return X[train], y[train]


def _count_stem(backbone, counter):
    stem = backbone.model.conv_stem
    stem.register_forward_hook(
        lambda m, inp, out: counter.__setitem__(0, counter[0] + out.shape[0])
    )


def ours(epochs: int, size: int):
    import os
    import tempfile

    # a fresh feature cache: rows left by an earlier run would make this side look faster
    os.environ["SKLEARN_ZOO_CACHE"] = tempfile.mkdtemp(prefix="sklearn_zoo_bench_")
    from sklearn.model_selection import GridSearchCV

    import sklearn_zoo.loading as loading
    from sklearn_zoo import PretrainedImageClassifier

    counter = [0]
    real = loading.load_backbone

    def counted(*args, **kwargs):
        backbone = real(*args, **kwargs)
        _count_stem(backbone, counter)
        return backbone

    import sklearn_zoo.estimators._base as base

    base.load_backbone = counted
    X, y = _data()
    est = PretrainedImageClassifier(
        strategy="finetune",  # the same training as the skorch baseline: one stage per fit
        image_size=size,
        lr=LR,
        backbone_lr_scale=1.0,
        max_epochs=epochs,
        batch_size=BATCH,
        warmup_fraction=0.0,
        schedule="constant",
        random_state=SEED,
        device="cpu",
    )
    search = GridSearchCV(
        est, {"freeze_depth": list(GRID_DEPTHS), "head_size": list(GRID_HEADS)}, cv=3
    ).fit(X, y)
    best = search.best_params_
    return (
        (best["freeze_depth"], tuple(best["head_size"])),
        counter[0],
        search.cv_results_["mean_test_score"].tolist(),
    )


def skorch_freezer(epochs: int, size: int):
    import torch
    from sklearn.model_selection import GridSearchCV
    from skorch import NeuralNetClassifier
    from skorch.callbacks import Freezer
    from torch import nn

    from sklearn_zoo import get_checkpoint
    from sklearn_zoo.inputs import make_transform
    from sklearn_zoo.loading import load_backbone

    counter = [0]

    class Net(nn.Module):
        def __init__(self, head_size=()):
            super().__init__()
            self.backbone = load_backbone("efficientnet_lite0")
            _count_stem(self.backbone, counter)
            layers, width = [], self.backbone.num_features
            for h in head_size:
                layers += [nn.Linear(width, h), nn.GELU()]
                width = h
            self.head = nn.Sequential(*layers, nn.Linear(width, 10))

        def forward(self, X):
            return self.head(self.backbone(X))

        def train(self, mode=True):
            # as sklearn_zoo does: BatchNorm layers the Freezer froze keep their running statistics
            # (left in training mode they drift on every batch and the frozen features with them)
            super().train(mode)
            for m in self.backbone.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm) and not any(
                    p.requires_grad for p in m.parameters()
                ):
                    m.eval()
            return self

    groups = load_backbone("efficientnet_lite0").block_param_names()
    frozen = {
        "all": [f"backbone.{n}" for g in groups for n in g],
        -1: [f"backbone.{n}" for g in groups[:-1] for n in g],
    }
    X, y = _data()
    transform = make_transform(get_checkpoint("efficientnet_lite0").image, size)
    Xt = torch.cat(
        [transform(b) for b in torch.from_numpy(np.repeat(X[:, None], 3, axis=1)).split(64)]
    )
    torch.manual_seed(SEED)
    net = NeuralNetClassifier(
        Net,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        lr=LR,
        max_epochs=epochs,
        batch_size=BATCH,
        train_split=None,
        verbose=0,
        iterator_train__shuffle=True,
        callbacks=[("freezer", Freezer(frozen["all"]))],
    )
    grid = {
        "callbacks__freezer__patterns": [frozen[d] for d in GRID_DEPTHS],
        "module__head_size": list(GRID_HEADS),
    }
    search = GridSearchCV(net, grid, cv=3).fit(Xt, torch.from_numpy(y))
    best = search.best_params_
    depth = next(d for d in GRID_DEPTHS if frozen[d] == best["callbacks__freezer__patterns"])
    return (
        (depth, tuple(best["module__head_size"])),
        counter[0],
        search.cv_results_["mean_test_score"].tolist(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    print(machine())
    a = measure(functools.partial(ours, args.epochs, args.size))
    b = measure(functools.partial(skorch_freezer, args.epochs, args.size))
    report(
        f"GridSearchCV 2 freeze depths x 2 heads x 3 folds, {args.epochs} epochs, 200 digits at {args.size}px",
        [
            (
                "sklearn_zoo (cached frozen prefix)",
                a[1],
                a[2],
                f"best {a[0][0]}  backbone stem ran on {a[0][1]:,} images",
            ),
            (
                "skorch + Freezer, no cache",
                b[1],
                b[2],
                f"best {b[0][0]}  backbone stem ran on {b[0][1]:,} images",
            ),
        ],
        "speed-up skorch time / sklearn_zoo time",
        b[1] / a[1],
    )
    print(f"  same best_params_: {a[0][0] == b[0][0]}")
    print(
        f"  mean test scores, sklearn_zoo: {np.round(a[0][2], 3).tolist()}  skorch: {np.round(b[0][2], 3).tolist()}"
    )


if __name__ == "__main__":
    main()
