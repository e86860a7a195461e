"""`fit` against a hand-written PyTorch loop: same model, data, epochs, batch size, optimizer.

Two settings: full fine-tuning (per-step overhead of skorch and our batching; cache irrelevant), and
a linear probe (freeze_depth="all"), where the hand loop recomputes the frozen backbone every epoch
and `fit` computes it once. Each side runs in its own process (peak memory is per side).

    python benchmarks/fit_vs_loop.py [--epochs 3] [--size 64]
"""

from __future__ import annotations

import argparse
import functools

import numpy as np
from _common import machine, measure, report

LR, BATCH, SEED = 3e-3, 32, 0


def _data(n_per_class: int = 20):
    from sklearn_zoo.datasets import load_digit_images

    X, y = load_digit_images()
    rng = np.random.default_rng(SEED)
    train = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), n_per_class, replace=False) for c in range(10)]
    )
    test = np.setdiff1d(np.arange(len(y)), train)[:400]
    return X[train], y[train], X[test], y[test]


def ours(freeze_depth, epochs: int, size: int) -> float:
    from sklearn_zoo import PretrainedImageClassifier

    X, y, Xt, yt = _data()
    clf = PretrainedImageClassifier(
        freeze_depth=freeze_depth,
        strategy="finetune",  # the same training as the loop: one stage
        image_size=size,
        lr=LR,
        backbone_lr_scale=1.0,
        max_epochs=epochs,
        batch_size=BATCH,
        weight_decay=0.01,
        warmup_fraction=0.0,
        schedule="constant",
        random_state=SEED,
        device="cpu",
    )
    return clf.fit(X, y).score(Xt, yt)


def loop(freeze_depth, epochs: int, size: int) -> float:
    import torch
    from torch import nn

    from sklearn_zoo import get_checkpoint
    from sklearn_zoo.inputs import make_transform
    from sklearn_zoo.loading import load_backbone

    X, y, Xt, yt = _data()
    torch.manual_seed(SEED)
    backbone = load_backbone("efficientnet_lite0")
    backbone.freeze(freeze_depth)
    model = nn.Sequential(backbone, nn.Linear(backbone.num_features, 10))
    transform = make_transform(get_checkpoint("efficientnet_lite0").image, size)
    images = torch.from_numpy(np.repeat(X[:, None], 3, axis=1))
    targets = torch.from_numpy(y)
    opt = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=LR, weight_decay=0.01
    )
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(images)).split(BATCH):
            opt.zero_grad()
            loss = loss_fn(model(transform(images[idx])), targets[idx])
            loss.backward()
            opt.step()
    model.eval()
    with torch.inference_mode():
        test = torch.from_numpy(np.repeat(Xt[:, None], 3, axis=1))
        pred = torch.cat([model(transform(b)).argmax(1) for b in test.split(64)])
    return float((pred.numpy() == yt).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    print(machine())
    for label, depth, epochs in (
        ("full fine-tuning, freeze_depth=0", 0, args.epochs),
        ("linear probe, freeze_depth='all'", "all", 4 * args.epochs),
    ):
        a = measure(functools.partial(ours, depth, epochs, args.size))
        b = measure(functools.partial(loop, depth, epochs, args.size))
        report(
            f"EfficientNet-Lite0 on 200 digits, {epochs} epochs, {label}, {args.size}px",
            [
                ("sklearn_zoo fit (+score)", a[1], a[2], f"acc {a[0]:.3f}"),
                ("hand-written loop (+score)", b[1], b[2], f"acc {b[0]:.3f}"),
            ],
            "time ratio fit / loop",
        )


if __name__ == "__main__":
    main()
