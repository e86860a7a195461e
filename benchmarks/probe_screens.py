"""Screens for a probe above the probe on the photos (issue #15): cheap variants of the frozen
features, scored on the dev splits of ``benchmarks/accuracy.py`` (the test set only to report).

``views``: a logistic regression on the cached features of augmented views of each training
photo (its mirror image, and ``--crops`` RandomResizedCrops of 35-100% of the area with a random
flip), against the clean features alone; each also with flip test-time augmentation.
``size``: ``strategy="probe"`` at other input sizes than the checkpoint's 224 px.
``cv``: the L2 penalty chosen by stratified k-fold cross-validation (``LogisticRegressionCV``,
by accuracy and by log-loss) against ``LogisticRegression(C=1)``, the simple baseline.
``solver``: the library's probe (``strategy="probe"``: Adam, about 500 steps, the L2 penalty of
``C = 1``) against the exact optimum of logistic regression on the same frozen features (lbfgs),
at ``C`` 1, 0.3 and 0.1: whether the probe should be solved as the baseline is.
``norm``: the probe with ``head_norm="power"`` (the signed square root of the features,
L2-normalized, in front of its head) against the probe without, and logistic regression (C = 1) on
the raw and on the power-normalized features; ``--scales`` sets the norm the features are scaled
to (``sklearn_zoo.module.POWER_NORM_SCALE``, 12), one probe each.
``crop``: the probe and logistic regression (C = 1) on the features of the checkpoint's own eval
transform (resize to 256, center crop of 224: 87.5% of each side) against the whole photo
squashed to 224 x 224 (the card with ``crop="squash"``), on the same draws.
``outputs``: logistic regression on the checkpoint's own ImageNet classifier applied to the
frozen features (its 1,000 log-probabilities, alone or next to the features), a prior from the
pre-training labels, against the features alone.
``start``: the probe's linear head started at the class means of the frozen features (the
nearest-class-mean classifier written as a linear one: weights ``s * mean``, biases
``-s * |mean|^2 / 2``, ``s = k / `` the mean squared distance of a sample to its class mean, one
probe for each ``--scales`` value of ``k``) instead of at zero; the start is set by wrapping the
probe stage's ``train_net`` (a private hook: the library has no parameter for it).
``wise``: WiSE-FT, LP-FT's fine-tuned weights averaged with the probe it started from (a fraction
``alpha`` of the way from the probe to the fine-tuned end, 0.25 / 0.5 / 0.75), against the probe
(``strategy="probe"``) and both ends; LP-FT unguarded (``validation_fraction=0``), at each
``--rates`` value of ``backbone_lr_scale``. The probe's state is copied by wrapping the fine-tuning
stage (a private hook).
``norm-layers``: LP-FT whose fine-tuning stage trains only the affine parameters of the backbone's
normalization layers (BatchNorm / LayerNorm / GroupNorm scales and shifts, as FiT and BitFit-style
tuning do) with the head, against the probe and plain LP-FT; guarded (the default) and unguarded
(``validation_fraction=0``), at each ``--rates`` value of ``backbone_lr_scale`` (default 1);
``--guard on|off`` runs only the guarded or the unguarded fits, ``--variants`` only the named
ones. The other parameters are frozen by wrapping
``Backbone.freeze`` (a private hook: the library has no parameter for it).
``sgd``: LP-FT unguarded (``validation_fraction=0``) whose fine-tuning stage runs SGD (momentum
0.9, Nesterov, no weight decay; the backbone and the head at one rate, each ``--rates`` value,
default 3e-4 1e-3 3e-3) in place of AdamW, the optimizer of BiT-style fine-tuning, against the probe;
the probe stage keeps its AdamW. The optimizer is swapped by wrapping the fine-tuning stage and
``training._optimizer_params`` (private hooks).

    python benchmarks/probe_screens.py views --dataset flowers5 --budget 20
    python benchmarks/probe_screens.py size --dataset flowers5 --budget 20 --sizes 128 160 192 224 288
    python benchmarks/probe_screens.py cv --dataset cats_dogs flowers5 digits
    python benchmarks/probe_screens.py solver --dataset cats_dogs --budget 5 --seeds 0 1 2 3 4 5 6 7 8 9
    python benchmarks/probe_screens.py norm --dataset flowers5 cats_dogs digits --budget 20 --seeds 0 1 2
    python benchmarks/probe_screens.py norm --dataset flowers5 --budget 20 --scales 4 8 12 --seeds 0 1 2
    python benchmarks/probe_screens.py crop --dataset flowers5 cats_dogs --budget 5 20 100 --split test
    python benchmarks/probe_screens.py outputs --dataset flowers5 --budget 20 --seeds 0 1 2 3 4 5 6 7 8 9
    python benchmarks/probe_screens.py start --dataset cats_dogs flowers5 --budget 5 20 --scales 0.5 1 2 4
    python benchmarks/probe_screens.py wise --dataset flowers5 --budget 20 --rates 1 0.1 --seeds 0 1 2 3
    python benchmarks/probe_screens.py norm-layers --dataset flowers5 --budget 20 --seeds 0 1 2
    python benchmarks/probe_screens.py norm-layers --dataset flowers5 --budget 20 --rates 3 10 --guard off --variants lp-ft_norms
    python benchmarks/probe_screens.py sgd --dataset flowers5 --budget 20
    python benchmarks/probe_screens.py sgd --dataset flowers5 --budget 20 --rates 3e-4 --split test

Each run prints one JSON line per seed and variant.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
import warnings

import numpy as np

CS = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]


def _row(**fields) -> None:
    print(json.dumps(fields), flush=True)


def views(dataset: str, budget: int, crops: int, seeds: list[int]) -> None:
    import torch
    from accuracy import photo_split
    from PIL import Image, ImageOps
    from sklearn.linear_model import LogisticRegression
    from torchvision.transforms import v2

    from sklearn_zoo import ImageEmbedder

    def load(path):
        return ImageOps.exif_transpose(Image.open(path)).convert("RGB")

    embedder = ImageEmbedder(cache=False, num_workers=0).fit()  # its own resize and crop
    for seed in seeds:
        X, y, Xt, yt = photo_split(dataset, budget, seed, dev=True)
        torch.manual_seed(seed)
        crop = v2.Compose([v2.RandomResizedCrop(224, scale=(0.35, 1.0)), v2.RandomHorizontalFlip()])
        train = [load(p) for p in X]
        clean, T = embedder.transform(X), embedder.transform(Xt)
        mirror = embedder.transform([ImageOps.mirror(im) for im in train])
        cropped = [embedder.transform([crop(im) for im in train]) for _ in range(crops)]
        Tm = embedder.transform([ImageOps.mirror(load(p)) for p in Xt])
        variants = {
            "clean": [clean],
            "clean+flip": [clean, mirror],
            f"clean+flip+{crops}crops": [clean, mirror, *cropped],
        }
        for name, parts in variants.items():
            for C in [1.0, 0.3]:
                model = LogisticRegression(C=C, max_iter=2000)
                model.fit(np.vstack(parts), np.tile(y, len(parts)))
                proba = model.predict_proba(T) + model.predict_proba(Tm)
                _row(
                    dataset=dataset, budget=budget, seed=seed, variant=name, C=C,
                    acc=float(model.score(T, yt)),
                    acc_tta=float((model.classes_[proba.argmax(1)] == yt).mean()),
                )  # fmt: skip


def size(dataset: str, budget: int, sizes: list[int], seeds: list[int]) -> None:
    from accuracy import photo_split

    from sklearn_zoo import PretrainedImageClassifier

    for seed in seeds:
        X, y, Xt, yt = photo_split(dataset, budget, seed, dev=True)
        for side in sizes:
            start = time.perf_counter()
            clf = PretrainedImageClassifier(strategy="probe", image_size=side, random_state=seed)
            accuracy = float(clf.fit(X, y).score(Xt, yt))
            seconds = round(time.perf_counter() - start, 1)
            _row(dataset=dataset, budget=budget, seed=seed, size=side, acc=accuracy, s=seconds)


def cv(datasets: list[str]) -> None:
    from accuracy import image_params, image_split
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold

    from sklearn_zoo import ImageEmbedder

    for dataset in datasets:
        embedder = ImageEmbedder(num_workers=0, **image_params(dataset)).fit()  # cached features
        for split in ["dev", "test"]:
            for budget in [5, 20, 100]:
                for seed in range(10 if budget == 5 else 3):
                    X, y, Xt, yt = image_split(budget, seed, split == "dev", dataset)
                    A, T = embedder.transform(X), embedder.transform(Xt)
                    row = {"dataset": dataset, "split": split, "budget": budget, "seed": seed}
                    row["lr_c1"] = float(LogisticRegression(max_iter=3000).fit(A, y).score(T, yt))
                    folds = StratifiedKFold(min(5, budget), shuffle=True, random_state=seed)
                    for scoring in ["accuracy", "neg_log_loss"]:
                        model = LogisticRegressionCV(
                            Cs=CS, cv=folds, scoring=scoring, max_iter=3000
                        ).fit(A, y)
                        row[f"cv_{scoring[:3]}"] = float((model.predict(T) == yt).mean())
                        row[f"C_{scoring[:3]}"] = float(model.C_[0])
                    _row(**row)


def solver(datasets: list[str], budget: int, seeds: list[int]) -> None:
    from accuracy import image_params, image_split
    from sklearn.linear_model import LogisticRegression

    from sklearn_zoo import ImageEmbedder, PretrainedImageClassifier

    for dataset in datasets:
        embedder = ImageEmbedder(num_workers=0, **image_params(dataset)).fit()  # cached features
        for split in ["dev", "test"]:
            for seed in seeds:
                X, y, Xt, yt = image_split(budget, seed, split == "dev", dataset)
                A, T = embedder.transform(X), embedder.transform(Xt)
                row = {"dataset": dataset, "split": split, "budget": budget, "seed": seed}
                for C in [1.0, 0.3, 0.1]:
                    model = LogisticRegression(C=C, max_iter=5000).fit(A, y)
                    row[f"lbfgs_c{C:g}"] = float(model.score(T, yt))
                probe = PretrainedImageClassifier(
                    strategy="probe", random_state=seed, **image_params(dataset)
                )
                row["probe"] = float(probe.fit(X, y).score(Xt, yt))
                _row(**row)


def norm(datasets: list[str], budget: int, seeds: list[int], split: str, scales: list) -> None:
    import torch
    from accuracy import image_params, image_split
    from sklearn.linear_model import LogisticRegression

    from sklearn_zoo import ImageEmbedder, PretrainedImageClassifier
    from sklearn_zoo import module as zoo_module

    default_scale = zoo_module.POWER_NORM_SCALE
    power = zoo_module.PowerNorm(default_scale)
    variants = [("probe", None, default_scale)]
    variants += [(f"probe_power{scale:g}", "power", scale) for scale in scales]
    for dataset in datasets:
        embedder = ImageEmbedder(num_workers=0, **image_params(dataset)).fit()  # cached features
        for seed in seeds:
            X, y, Xt, yt = image_split(budget, seed, split == "dev", dataset)
            A, T = embedder.transform(X), embedder.transform(Xt)
            row = {"dataset": dataset, "split": split, "budget": budget, "seed": seed}
            for name, head_norm, scale in variants:
                zoo_module.POWER_NORM_SCALE = scale  # what the fit's PowerNorm is built with
                probe = PretrainedImageClassifier(
                    strategy="probe",
                    head_norm=head_norm,
                    random_state=seed,
                    **image_params(dataset),
                )
                row[name] = float(probe.fit(X, y).score(Xt, yt))
            zoo_module.POWER_NORM_SCALE = default_scale
            with torch.no_grad():
                P, Q = (power(torch.as_tensor(F)).numpy() for F in (A, T))
            row["lr"] = float(LogisticRegression(max_iter=5000).fit(A, y).score(T, yt))
            row["lr_power"] = float(LogisticRegression(max_iter=5000).fit(P, y).score(Q, yt))
            _row(**row)


def crop(datasets: list[str], budgets: list[int], seeds: list[int], split: str) -> None:
    import dataclasses

    from accuracy import image_params, image_split
    from sklearn.linear_model import LogisticRegression

    from sklearn_zoo import ImageEmbedder, PretrainedImageClassifier, get_checkpoint

    card = get_checkpoint("efficientnet_lite0")
    squashed = card.replace(image=dataclasses.replace(card.image, crop="squash"))
    for dataset, budget, seed in itertools.product(datasets, budgets, seeds):
        X, y, Xt, yt = image_split(budget, seed, split == "dev", dataset)
        row = {"dataset": dataset, "split": split, "budget": budget, "seed": seed}
        params = {"num_workers": 0, **image_params(dataset)}
        for name, spec in [("crop", card), ("squash", squashed)]:
            embedder = ImageEmbedder(spec, cache=False, **params).fit()
            A, T = embedder.transform(X), embedder.transform(Xt)
            lr = LogisticRegression(max_iter=5000).fit(A, y)
            row[f"{name}_lr"] = float(lr.score(T, yt))
            probe = PretrainedImageClassifier(spec, strategy="probe", random_state=seed, **params)
            row[f"{name}_probe"] = float(probe.fit(X, y).score(Xt, yt))
        _row(**row)


def outputs(datasets: list[str], budgets: list[int], seeds: list[int], split: str) -> None:
    import torch
    from accuracy import image_params, image_split
    from sklearn.linear_model import LogisticRegression

    from sklearn_zoo import ImageEmbedder, get_checkpoint
    from sklearn_zoo.sources import package

    spec = get_checkpoint("efficientnet_lite0")
    classifier = package.load_model(spec, pretrained=True, offline=True).classifier

    def log_probs(F):
        with torch.no_grad():
            return classifier(torch.as_tensor(F)).log_softmax(-1).numpy()

    for dataset in datasets:
        embedder = ImageEmbedder(num_workers=0, **image_params(dataset)).fit()  # cached features
        for budget, seed in itertools.product(budgets, seeds):
            X, y, Xt, yt = image_split(budget, seed, split == "dev", dataset)
            A, T = embedder.transform(X), embedder.transform(Xt)
            LA, LT = log_probs(A), log_probs(T)
            row = {"dataset": dataset, "split": split, "budget": budget, "seed": seed}
            for name, P, Q, C in [
                ("features", A, T, 1.0),
                ("log_probs", LA, LT, 1.0),
                ("log_probs_c0.1", LA, LT, 0.1),
                ("features+probs", np.hstack([A, np.exp(LA)]), np.hstack([T, np.exp(LT)]), 1.0),
            ]:
                model = LogisticRegression(C=C, max_iter=5000).fit(P, y)
                row[name] = float(model.score(Q, yt))
            _row(**row)


def _class_mean_start(head, features, codes, k: float) -> None:
    """Set a linear head's output layer to the nearest-class-mean classifier of ``features``."""
    import torch

    with torch.no_grad():
        F = head[:-1](features).double()
        means = torch.stack([F[codes == c].mean(0) for c in range(head[-1].out_features)])
        s = k / ((F - means[codes]) ** 2).sum(1).mean()
        head[-1].weight.copy_(s * means)
        head[-1].bias.copy_(-s * (means**2).sum(1) / 2)


def start(
    datasets: list[str], budgets: list[int], seeds: list[int], split: str, scales: list
) -> None:
    from unittest import mock

    import torch
    from accuracy import image_params, image_split

    from sklearn_zoo import PretrainedImageClassifier
    from sklearn_zoo.estimators import _stages

    train_net, scale = _stages.train_net, {"k": None}

    def started(plan, module, criterion, train, valid, **kwargs):
        zero = not any(t.any() for t in module.head[-1].parameters())
        if scale["k"] is not None and zero:  # a probe's first start
            if not hasattr(train, "prefix"):
                raise RuntimeError(
                    "the class-mean start needs the frozen-feature cache (cache=True)"
                )
            with torch.no_grad():
                features = torch.cat([module.features(prefix=p) for p in train.prefix.split(256)])
            codes = train.y["y"].long()
            _class_mean_start(module.head.eval(), features, codes, scale["k"])
        return train_net(plan, module, criterion, train, valid, **kwargs)

    with mock.patch.object(_stages, "train_net", started):
        for dataset, budget, seed in itertools.product(datasets, budgets, seeds):
            X, y, Xt, yt = image_split(budget, seed, split == "dev", dataset)
            row = {"dataset": dataset, "split": split, "budget": budget, "seed": seed}
            for k in [None, *scales]:
                scale["k"] = k
                probe = PretrainedImageClassifier(
                    strategy="probe", random_state=seed, **image_params(dataset)
                )
                name = "probe" if k is None else f"probe_start{k:g}"
                row[name] = float(probe.fit(X, y).score(Xt, yt))
            _row(**row)


def wise(
    datasets: list[str], budgets: list[int], seeds: list[int], split: str, rates: list
) -> None:
    from unittest import mock

    from sklearn_zoo import PretrainedImageClassifier
    from sklearn_zoo.estimators import _stages

    finetune, probe_state = _stages.STAGES["finetune"], {}

    def copied(plan, state):
        for prefix, part in [("backbone", plan.backbone), ("head", plan.head)]:
            probe_state.update({f"{prefix}.{k}": v.clone() for k, v in part.state_dict().items()})
        return finetune(plan, state)

    with mock.patch.dict(_stages.STAGES, {"finetune": copied}):
        for dataset, budget, seed in itertools.product(datasets, budgets, seeds):
            X, y, Xt, yt, row, params = _with_probe(dataset, budget, seed, split)
            for rate in rates:
                lpft = PretrainedImageClassifier(
                    strategy="lp-ft", validation_fraction=0, backbone_lr_scale=rate, **params
                ).fit(X, y)
                module = lpft.net_.module_
                end = {k: v.clone() for k, v in module.state_dict().items()}
                for alpha in [0.0, 0.25, 0.5, 0.75, 1.0]:
                    _mix(module, probe_state, end, alpha)
                    row[f"rate{rate:g}_alpha{alpha:g}"] = float(lpft.score(Xt, yt))
            _row(**row)


def norm_layers(
    datasets: list[str],
    budgets: list[int],
    seeds: list[int],
    split: str,
    rates: list[float],
    guards: list[bool],
    variants: list[str],
) -> None:
    from unittest import mock

    from torch import nn

    from sklearn_zoo import PretrainedImageClassifier
    from sklearn_zoo.backbones.base import Backbone

    kinds = (nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm)
    freeze = Backbone.freeze

    def norms_only(backbone, freeze_depth, checkpoint=""):
        k = freeze(backbone, freeze_depth, checkpoint)
        if k < backbone.num_blocks:  # a fine-tuning stage: only the norms' scales and shifts
            for module in backbone.modules():
                for param in module.parameters(recurse=False):
                    param.requires_grad_(param.requires_grad and isinstance(module, kinds))
        return k

    patches = {"lp-ft": freeze, "lp-ft_norms": norms_only}
    for dataset, budget, seed in itertools.product(datasets, budgets, seeds):
        X, y, Xt, yt, row, params = _with_probe(dataset, budget, seed, split)
        for guarded, rate, name in itertools.product(guards, rates, variants):
            extra = {} if guarded else {"validation_fraction": 0}
            clf = PretrainedImageClassifier(
                strategy="lp-ft", backbone_lr_scale=rate, **extra, **params
            )
            started = time.perf_counter()
            with mock.patch.object(Backbone, "freeze", patches[name]):
                clf.fit(X, y)
            key = f"{name}{'' if rate == 1 else f'_rate{rate:g}'}{'_guarded' if guarded else ''}"
            row[key] = float(clf.score(Xt, yt))
            row[f"{key}_s"] = round(time.perf_counter() - started, 1)
        _row(**row)


def sgd(datasets: list[str], budgets: list[int], seeds: list[int], split: str, rates: list) -> None:
    from unittest import mock

    import torch

    from sklearn_zoo import PretrainedImageClassifier, training
    from sklearn_zoo.estimators import _stages

    finetune, adamw = _stages.STAGES["finetune"], training._optimizer_params
    sgd_lr = {}  # set while a fine-tuning stage runs: its SGD rate

    def in_finetune(plan, state):
        sgd_lr["now"] = sgd_lr["rate"]
        try:
            return finetune(plan, state)
        finally:
            del sgd_lr["now"]

    def optimizer(lr, backbone_lr_scale, weight_decay, device, l2=None):
        if "now" not in sgd_lr:  # the probe stage
            return adamw(lr, backbone_lr_scale, weight_decay, device, l2)
        return {
            "optimizer": torch.optim.SGD,
            "lr": sgd_lr["now"],
            "optimizer__momentum": 0.9,
            "optimizer__nesterov": True,
            "optimizer__weight_decay": 0.0,
        }

    with (
        mock.patch.dict(_stages.STAGES, {"finetune": in_finetune}),
        mock.patch.object(training, "_optimizer_params", optimizer),
    ):
        for dataset, budget, seed in itertools.product(datasets, budgets, seeds):
            X, y, Xt, yt, row, params = _with_probe(dataset, budget, seed, split)
            for rate in rates:
                sgd_lr["rate"] = rate
                clf = PretrainedImageClassifier(strategy="lp-ft", validation_fraction=0, **params)
                started = time.perf_counter()
                row[f"sgd{rate:g}"] = float(clf.fit(X, y).score(Xt, yt))
                row[f"sgd{rate:g}_s"] = round(time.perf_counter() - started, 1)
            _row(**row)


def _with_probe(dataset: str, budget: int, seed: int, split: str) -> tuple:
    """One draw of the photos, its row with ``strategy="probe"``'s score, and the fit parameters."""
    from accuracy import image_params, image_split

    from sklearn_zoo import PretrainedImageClassifier

    X, y, Xt, yt = image_split(budget, seed, split == "dev", dataset)
    row = {"dataset": dataset, "split": split, "budget": budget, "seed": seed}
    params = {"random_state": seed, **image_params(dataset)}
    probe = PretrainedImageClassifier(strategy="probe", **params)
    row["probe"] = float(probe.fit(X, y).score(Xt, yt))
    return X, y, Xt, yt, row, params


def _mix(module, start: dict, end: dict, alpha: float) -> None:
    """Set a module's weights ``alpha`` of the way from the state ``start`` to the state ``end``."""
    mixed = {
        k: start[k] + alpha * (v - start[k]) if v.is_floating_point() else v for k, v in end.items()
    }
    module.load_state_dict(mixed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "screen",
        choices=[
            "views",
            "size",
            "cv",
            "solver",
            "norm",
            "crop",
            "outputs",
            "start",
            "wise",
            "norm-layers",
            "sgd",
        ],
    )
    parser.add_argument("--dataset", nargs="+", default=["flowers5"])
    parser.add_argument("--budget", type=int, nargs="+", default=[20])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--crops", type=int, default=6)
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 160, 192, 224, 288])
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument("--scales", type=float, nargs="+", help="norm: 12; start: 0.5 1 2 4")
    parser.add_argument(
        "--rates", type=float, nargs="+", help="wise: 1 0.1; norm-layers: 1; sgd: 3e-4 1e-3 3e-3"
    )
    parser.add_argument("--guard", choices=["both", "on", "off"], default="both")
    parser.add_argument(
        "--variants", nargs="+", choices=["lp-ft", "lp-ft_norms"], default=["lp-ft", "lp-ft_norms"]
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    one_budget = {  # the screens that take one budget run once for each
        "views": lambda budget: views(args.dataset[0], budget, args.crops, args.seeds),
        "size": lambda budget: size(args.dataset[0], budget, args.sizes, args.seeds),
        "solver": lambda budget: solver(args.dataset, budget, args.seeds),
        "norm": lambda budget: norm(
            args.dataset, budget, args.seeds, args.split, args.scales or [12.0]
        ),
    }
    if args.screen in one_budget:
        for budget in args.budget:
            one_budget[args.screen](budget)
    elif args.screen == "crop":
        crop(args.dataset, args.budget, args.seeds, args.split)
    elif args.screen == "outputs":
        outputs(args.dataset, args.budget, args.seeds, args.split)
    elif args.screen == "start":
        start(
            args.dataset, args.budget, args.seeds, args.split, args.scales or [0.5, 1.0, 2.0, 4.0]
        )
    elif args.screen == "wise":
        wise(args.dataset, args.budget, args.seeds, args.split, args.rates or [1.0, 0.1])
    elif args.screen == "norm-layers":
        guards = {"both": [False, True], "on": [True], "off": [False]}[args.guard]
        rates = args.rates or [1.0]
        norm_layers(args.dataset, args.budget, args.seeds, args.split, rates, guards, args.variants)
    elif args.screen == "sgd":
        sgd(args.dataset, args.budget, args.seeds, args.split, args.rates or [3e-4, 1e-3, 3e-3])
    else:
        cv(args.dataset)


if __name__ == "__main__":
    main()
