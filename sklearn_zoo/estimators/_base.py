"""What every fine-tuning estimator shares: parameter checks, the fit recipe, batched inference."""

from __future__ import annotations

import contextlib
import math
import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, check_random_state

from .._config import resolve_device
from ..cache import FrozenFeatureCache, default_store, prefix_key
from ..inference import run_batches
from ..loading import load_backbone
from ..module import ZooModule, make_head, trains_channels_last, wants_channels_last
from ..training import ZooNet, build_net, make_accelerator, release_accelerator
from ..zoo import CheckpointSpec, get_checkpoint
from ._docs import DOC_LINK_TEMPLATE
from ._saving import SaveLoadMixin, cache_key, history, integer, one_of
from ._strategy import (
    STRATEGIES,
    TEXT_CLASSIFIER_STRATEGIES,
    auto_epochs,
    resolve_strategy,
    stages,
)

COMMON_CONSTRAINTS: dict[str, list] = {
    "checkpoint": [str, CheckpointSpec],
    "freeze_depth": [StrOptions({"all"}), Integral],
    "head_size": [tuple, list, Integral],
    "head_dropout": [Interval(Real, 0, 1, closed="left")],
    "lr": [Interval(Real, 0, None, closed="neither")],
    "backbone_lr_scale": [Interval(Real, 0, None, closed="left")],
    "strategy": [StrOptions(set(STRATEGIES))],
    "max_epochs": [Interval(Integral, 1, None, closed="left"), None],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "warmup_fraction": [Interval(Real, 0, 1, closed="left")],
    "schedule": [StrOptions({"cosine", "constant"})],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "device": [str],
    "precision": [StrOptions({"auto", "fp32", "bf16"})],
    "grad_accumulation_steps": [Interval(Integral, 1, None, closed="left")],
    "accelerate": ["boolean"],
    "compile": ["boolean"],
    "pretrained": ["boolean"],
    "cache": ["boolean"],
    "num_workers": [Interval(Integral, 0, None, closed="left")],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "net_params": [dict, None],
}


def check_head_size(head_size: Any, owner: str | None = None) -> tuple[int, ...]:
    """``()`` / ``0`` -> linear head; an int or a sequence of positive ints -> hidden widths."""
    if isinstance(head_size, Integral) and not isinstance(head_size, bool):
        head_size = () if head_size == 0 else (int(head_size),)
    if isinstance(head_size, tuple | list) and all(
        isinstance(h, Integral) and not isinstance(h, bool) and h > 0 for h in head_size
    ):
        return tuple(int(h) for h in head_size)
    of = f" of {owner}" if owner else ""
    raise ValueError(
        f"The 'head_size' parameter{of} must be () or 0 for a linear head, or a tuple of positive ints "
        f"giving hidden layer widths, e.g. (256,) or (512, 128). Got {head_size!r} instead."
    )


def autocast_dtype(precision: str, device: str) -> torch.dtype | None:
    if precision == "bf16":
        return torch.bfloat16
    if precision == "auto" and device.startswith("cuda") and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return None


class ZooEstimatorMixin(SaveLoadMixin, TransformerMixin, BaseEstimator):
    """Fit recipe shared by the four fine-tuning estimators.

    Subclasses provide the modality (``_make_dataset``, ``_prepare_inputs``) and the task
    (``_encode_target``, ``_criterion``, ``_n_outputs``, ``_decode_output``).
    """

    _parameter_constraints: dict = COMMON_CONSTRAINTS
    _doc_link_module = "sklearn_zoo"
    _doc_link_template = DOC_LINK_TEMPLATE

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> ZooEstimatorMixin:
        """Fine-tune the checkpoint on ``(X, y)``; weights load here, never in ``__init__``.

        Parameters
        ----------
        X : images or texts
            See the class docstring for the accepted forms.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (or a 0/1 indicator matrix for multi-label) for a classifier, numbers
            for a regressor.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        head_size = check_head_size(self.head_size, type(self).__name__)
        inputs = self._check_inputs(X)
        target = self._encode_target(y, n_samples=len(inputs))
        weights = self._sample_weights(sample_weight, target, len(inputs))
        spec = get_checkpoint(self.checkpoint)
        self._check_modality(spec)
        device = resolve_device(self.device, type(self).__name__)
        seed = (
            None
            if self.random_state is None
            else check_random_state(self.random_state).randint(2**31 - 1)
        )
        rng = torch.random.fork_rng(devices=[]) if seed is not None else contextlib.nullcontext()
        with rng:
            if seed is not None:
                torch.manual_seed(seed)
            fitted = self._fit_net(spec, inputs, target, weights, head_size, device, seed)
        vars(self).pop("_saved_rows_key", None)  # the rows of a loaded folder are not these
        for name, value in fitted.items():
            setattr(self, name, value)
        return self

    def _fit_net(self, spec, inputs, target, weights, head_size, device, seed) -> dict[str, Any]:
        backbone = load_backbone(spec, pretrained=self.pretrained, **self._pooling_kwargs())
        strategy = self._resolve_strategy(target)
        if strategy == "contrastive" and target.get("stratify") is None:
            raise ValueError(
                f"strategy='contrastive' needs one class per sample; {type(self).__name__} got a "
                "multi-label (2-D indicator) y. Use strategy='lp-ft' for multi-label targets."
            )
        k = self._freeze(backbone, "all" if strategy == "probe" else self.freeze_depth, spec)
        if k == backbone.num_blocks:  # nothing of the backbone is left to train
            strategy = "probe"
        prep = self._prepare_inputs(spec)
        accelerator = None
        if self.accelerate:  # made first: in a multi-GPU launch it picks this process's GPU
            accelerator = make_accelerator(
                cpu=device == "cpu",
                mixed_precision="bf16" if autocast_dtype(self.precision, device) else "no",
                grad_accumulation_steps=self.grad_accumulation_steps,
                owner=type(self).__name__,
            )
            device = str(accelerator.device)
        head = make_head(backbone.num_features, head_size, target["n_outputs"], self.head_dropout)
        channels_last = wants_channels_last(device, self._modality)  # the frozen prefix's layout
        train_nhwc = trains_channels_last(device, self._modality)

        y_all = {"y": target["y"]} if weights is None else {"y": target["y"], "w": weights}
        train_idx, valid_idx = self._split(len(inputs), target.get("stratify"), seed)
        train_raw, valid_raw = (
            self._make_dataset(inputs, prep, _rows(y_all, idx), idx, training=(idx is train_idx))
            if idx is not None
            else None
            for idx in (train_idx, valid_idx)
        )
        criterion = self._criterion(target)
        history: list[dict[str, Any]] = []
        tuned = False  # whether a contrastive stage changed the blocks the cache would store
        key = None
        n_trainable = 0  # the parameters some stage trained (a contrastive stage: the encoder's)
        for stage in stages(strategy):
            split = backbone.num_blocks if stage == "probe" else k
            backbone.freeze(split)
            n_trainable = max(n_trainable, backbone.trainable_parameters())
            if stage == "contrastive":
                history += self._contrastive_stage(
                    backbone, inputs, target, train_idx, prep, device, seed, accelerator
                )
                tuned = True
                continue
            # LP-FT's fine-tuning keeps the normalization its head was trained on: BatchNorm in
            # train mode would normalize by batch statistics and move every feature at step one
            backbone.frozen_norm_stats = strategy == "lp-ft"
            module = ZooModule(backbone, head, split=split, channels_last=train_nhwc)
            if train_nhwc:
                module = module.to(memory_format=torch.channels_last)
            train_ds, valid_ds, key = train_raw, valid_raw, None
            if self.cache and split > 0 and backbone.can_split_at(split) and not self._augments():
                if not tuned:  # the prefix of these weights is the same in every fit: share it
                    key = prefix_key(
                        spec,
                        pretrained=self.pretrained,
                        seed=seed,
                        k=split,
                        pooling=self._pooling_kwargs(),
                        inputs=self._prep_signature(prep),
                        channels_last=channels_last,
                    )
                cache = FrozenFeatureCache(
                    backbone,
                    split,
                    device=device,
                    batch_size=self.batch_size,
                    model_key=key,
                    store=default_store(),
                )
                train_ds = cache.wrap(train_ds) or train_ds
                valid_ds = (cache.wrap(valid_ds) or valid_ds) if valid_ds is not None else None
            # LP-FT's fine-tuning starts from a trained head: everything learns at the lower rate
            second = stage == "finetune" and strategy == "lp-ft"
            net = self._train(
                module,
                criterion,
                train_ds,
                valid_ds,
                device,
                accelerator,
                lr=self.lr * self.backbone_lr_scale if second else self.lr,
                backbone_lr_scale=1.0 if second else self.backbone_lr_scale,
                max_epochs=self._epochs(stage, len(train_ds)),
            )
            history += [  # an epoch cut short by Ctrl-C has no losses: it is left out
                {**{k: v for k, v in epoch.items() if k != "batches"}, "stage": stage}
                for epoch in net.history
                if "train_loss" in epoch
            ]
            net = release_accelerator(net)  # a plain ZooNet: pickles without the Accelerator
            if second:
                self._warn_if_fine_tuning_undid_probe(history)
            if getattr(net, "interrupted_", False):
                best = (
                    "best weights (lowest validation loss)" if valid_ds is not None else "weights"
                )
                done = sum(row["stage"] == stage for row in history)
                warnings.warn(
                    f"fit was interrupted (KeyboardInterrupt) after {done} of {net.max_epochs} "
                    f"epochs of its {stage!r} stage. {type(self).__name__} is fitted with the "
                    f"{best} reached so far; call fit again to train it fully.",
                    UserWarning,
                    stacklevel=3,
                )
                break
        net.trim_for_prediction()
        net.module = type(module)  # the instance lives on as net.module_: do not pickle it twice
        return {
            "net_": net,
            "spec_": spec,
            "history_": history,
            "strategy_": strategy,
            "prefix_key_": key,
            "n_blocks_": backbone.num_blocks,
            "n_frozen_blocks_": module.split,
            "n_trainable_params_": n_trainable + sum(p.numel() for p in head.parameters()),
            "device_": device,
            **target["fitted"],
            **prep.get("fitted", {}),
        }

    def _warn_if_fine_tuning_undid_probe(self, history: list[dict[str, Any]]) -> None:
        """LP-FT's fine-tuning keeps BatchNorm statistics fixed, so a rate too high for the
        backbone can wreck the features the head learned on: say so instead of failing quietly."""
        probe = [row["train_loss"] for row in history if row["stage"] == "probe"]
        tuned = [row["train_loss"] for row in history if row["stage"] == "finetune"]
        if not (probe and tuned):
            return
        learned = probe[0] - probe[-1] > 0.1 * probe[0]  # a head at chance has nothing to lose
        if learned and tuned[-1] > probe[0]:
            rate = self.lr * self.backbone_lr_scale
            warnings.warn(
                f"strategy 'lp-ft': fine-tuning at lr * backbone_lr_scale = {rate:g} ended with a "
                f"training loss ({tuned[-1]:.3g}) above the head's first epoch on the frozen "
                f"backbone ({probe[0]:.3g}): the rate is too high for the backbone. Lower "
                f"backbone_lr_scale (try {self.backbone_lr_scale / 10:g}) or use "
                "strategy='probe'.",
                UserWarning,
                stacklevel=3,
            )

    def _resolve_strategy(self, target: dict[str, Any]) -> str:
        stratify = target.get("stratify")
        return resolve_strategy(
            self.strategy,
            modality=self._modality,
            classifier=is_classifier(self),
            multilabel=stratify is None,
            min_class_count=int(np.bincount(stratify).min()) if stratify is not None else 0,
        )

    def _freeze(self, backbone, freeze_depth: Any, spec: CheckpointSpec) -> int:
        try:
            return backbone.freeze(freeze_depth, spec.name)
        except (TypeError, ValueError) as exc:  # name the estimator, as scikit-learn does
            message = str(exc).replace(
                "The 'freeze_depth' parameter",
                f"The 'freeze_depth' parameter of {type(self).__name__}",
                1,
            )
            raise type(exc)(message) from None

    def _epochs(self, stage: str, n_train: int) -> int:
        if self.max_epochs is not None:
            return self.max_epochs
        return auto_epochs(stage, n_train, self.batch_size, self.grad_accumulation_steps)

    def _contrastive_stage(
        self, backbone, inputs, target, train_idx, prep, device, seed, accelerator
    ) -> list[dict[str, Any]]:
        raise ValueError(
            f"strategy='contrastive' is for text classifiers; {type(self).__name__} cannot use it."
        )

    def _train(
        self,
        module,
        criterion,
        train_ds,
        valid_ds,
        device: str,
        accelerator=None,
        *,
        lr: float,
        backbone_lr_scale: float,
        max_epochs: int,
    ):
        """Build the skorch net and fit it. A GPU out-of-memory error halves ``batch_size`` and
        starts again from the initial weights, down to 1 (with a warning each time)."""
        # the weights that training changes (trainable parameters, buffers), for a fresh restart
        initial = {
            name: t.detach().to("cpu", copy=True)
            for name, t in [*module.named_parameters(), *module.named_buffers()]
            if t.requires_grad or not isinstance(t, torch.nn.Parameter)
        }
        batch_size = self.batch_size
        while True:
            net = build_net(
                module,
                criterion,
                lr=lr,
                backbone_lr_scale=backbone_lr_scale,
                weight_decay=self.weight_decay,
                max_epochs=max_epochs,
                batch_size=batch_size,
                # optimizer steps: the accelerator steps the schedule once per accumulation
                steps_per_epoch=math.ceil(
                    math.ceil(len(train_ds) / batch_size)
                    / (self.grad_accumulation_steps if accelerator is not None else 1)
                ),
                warmup_fraction=self.warmup_fraction,
                schedule=self.schedule,
                valid_dataset=valid_ds,
                n_iter_no_change=self.n_iter_no_change,
                device=device,
                autocast_dtype=autocast_dtype(self.precision, device),
                grad_accumulation_steps=self.grad_accumulation_steps,
                num_workers=self.num_workers,
                verbose=self.verbose,
                accelerator=accelerator,
                compile=self.compile,
                extra=self.net_params,
            )
            try:
                net.fit(train_ds, None)
                return net
            except FloatingPointError as exc:
                raise ValueError(
                    f"Training diverged: {exc}. Lower the learning rate (lr={self.lr:g} now; try "
                    f"lr={self.lr / 10:g}) or use a larger batch_size."
                ) from None
            except torch.cuda.OutOfMemoryError:
                del net
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
                if batch_size == 1:
                    raise ValueError(
                        f"Out of memory on {device!r} even with batch_size=1 (the 'batch_size' "
                        f"parameter of {type(self).__name__} is {self.batch_size}). Freeze more of "
                        "the backbone (freeze_depth), use a smaller image_size / max_length, "
                        "precision='bf16', or device='cpu'."
                    ) from None
                smaller = max(batch_size // 2, 1)
                warnings.warn(
                    f"Out of memory on {device!r} with batch_size={batch_size}: retrying with "
                    f"batch_size={smaller} from the initial weights. Pass batch_size={smaller} "
                    f"(or less) to {type(self).__name__} to skip this.",
                    UserWarning,
                    stacklevel=4,
                )
                module.load_state_dict(initial, strict=False)
                batch_size = smaller

    def _split(self, n: int, stratify: Any, seed: int | None):
        idx = np.arange(n)
        if not self.early_stopping:
            return idx, None
        n_valid = math.ceil(self.validation_fraction * n)
        if n_valid < 1 or n - n_valid < 1:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves no training or validation "
                f"samples out of {n}. Use early_stopping=False or more data."
            )
        try:
            train, valid = train_test_split(
                idx, test_size=n_valid, stratify=stratify, random_state=seed
            )
        except ValueError:  # too few samples of a class to stratify
            train, valid = train_test_split(idx, test_size=n_valid, random_state=seed)
        return np.sort(train), np.sort(valid)

    def _sample_weights(self, sample_weight: Any, target: dict, n: int) -> torch.Tensor | None:
        w = target.get("class_sample_weight")
        if sample_weight is not None:
            sw = np.asarray(sample_weight, dtype=np.float64)
            if sw.shape != (n,):
                raise ValueError(
                    f"sample_weight has shape {sw.shape}, expected ({n},): one weight per sample."
                )
            if not np.isfinite(sw).all() or (sw < 0).any():
                raise ValueError("sample_weight must be finite and non-negative.")
            if sw.sum() <= 0:
                raise ValueError("Sample weights must contain at least one non-zero number.")
            w = sw if w is None else w * sw
        return None if w is None else torch.as_tensor(w, dtype=torch.float32)

    def _augments(self) -> bool:
        return bool(getattr(self, "augment", False))

    def _pooling_kwargs(self) -> dict[str, Any]:
        return {}

    def _check_modality(self, spec: CheckpointSpec) -> None:
        if spec.modality != self._modality:
            name = type(self).__name__
            other = name.replace(self._modality.capitalize(), spec.modality.capitalize())
            raise ValueError(
                f"Checkpoint {spec.name!r} is {_article(spec.modality)} {spec.modality} model, and "
                f"{name} works on {self._modality}s. Choose {_article(self._modality)} "
                f"{self._modality} checkpoint (`sklearn-zoo list --modality {self._modality}`) or "
                f"use {other}."
            )

    # -- inference -------------------------------------------------------------------------
    def _dataset_for(self, X: Any):
        """A dataset over ``X`` in inference order (texts longest first) and the order used."""
        check_is_fitted(self, "net_")
        inputs = self._check_inputs(X)
        order = self._inference_order(inputs)
        idx = np.arange(len(inputs)) if order is None else order
        return self._make_dataset(inputs, self._fitted_prep(), None, idx, training=False), order

    def _outputs(self, X: Any) -> np.ndarray:
        """Raw head outputs (logits or scaled values) for ``X``, batched, in inference mode."""
        return self._run(X, lambda module, batch: module(**batch))

    def transform(self, X: Any) -> np.ndarray:
        """Compute the backbone features of the fitted (fine-tuned) model.

        Parameters
        ----------
        X : images or texts
            See the class docstring for the accepted forms.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features)
            The pooled features the head sees, float32.
        """
        return self._run(X, lambda module, batch: module.features(**batch))

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        net = vars(self).get("net_")
        if net is not None:  # skorch maps a net fitted on a missing GPU to a torch.device("cpu")
            net.device = self.device_ = str(net.device)

    def _run(self, X: Any, fn) -> np.ndarray:
        dataset, order = self._dataset_for(X)
        module = self.net_.module_
        module.eval()
        if self.prefix_key_ is not None:  # the frozen prefix of these samples may be cached already
            cache = FrozenFeatureCache(
                module.backbone,
                module.split,
                device=self.net_.device,
                batch_size=self.batch_size,
                store=default_store(),
                **self._cache_keys(),
            )
            dataset = cache.wrap(dataset) or dataset
        return run_batches(
            dataset,
            lambda batch: fn(module, batch),
            device=self.net_.device,
            batch_size=self.batch_size,
            # from the device the net is on now: a net trained on a GPU and unpickled on a CPU runs fp32
            autocast_dtype=autocast_dtype(self.precision, self.net_.device),
            num_workers=self.num_workers,
            order=order,
        )

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Get the names of the :meth:`transform` columns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored: images and texts have no input feature names.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``<classname>0``, ``<classname>1``, ... in lower case.
        """
        check_is_fitted(self, "net_")
        prefix = type(self).__name__.lower()
        return np.asarray(
            [f"{prefix}{i}" for i in range(self.net_.module_.backbone.num_features)], dtype=object
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        if tags.transformer_tags is not None:  # networks compute and return float32
            tags.transformer_tags.preserves_dtype = ["float32"]
        tags.non_deterministic = self.random_state is None
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        return tags

    # -- persistence (SaveLoadMixin) ------------------------------------------------------
    _saved_fields = {
        "history_": history(),
        "strategy_": one_of(set(TEXT_CLASSIFIER_STRATEGIES) - {"auto"}),
        "prefix_key_": cache_key(),
        "n_blocks_": integer(1),
        "n_frozen_blocks_": integer(0),
        "n_trainable_params_": integer(0),
    }

    def _network(self) -> ZooModule:
        return self.net_.module_

    def _network_from_state(self, backbone, state: dict[str, Any]) -> ZooModule:
        """Backbone and head as ``fit`` left them, for the saved weights to fill."""
        n, k = state["n_blocks_"], state["n_frozen_blocks_"]
        if n != backbone.num_blocks or k > n:
            raise ValueError(
                f"fitted.json: 'n_blocks_' ({n}) and 'n_frozen_blocks_' ({k}) do not fit the "
                f"rebuilt backbone, which has {backbone.num_blocks} blocks."
            )
        backbone.freeze(int(k))
        classes = state.get("classes_")
        head = make_head(
            backbone.num_features,
            check_head_size(self.head_size, type(self).__name__),
            len(classes) if classes is not None else int(state["n_outputs_"]),
            self.head_dropout,
        )
        return ZooModule(backbone, head, split=int(k))

    def _restore(self, module: ZooModule, state: dict, prep: dict, device: str) -> dict[str, Any]:
        if trains_channels_last(device, self._modality):  # as fit stores it
            module.channels_last = True
            module = module.to(memory_format=torch.channels_last)
        net = ZooNet(
            module=module,
            criterion=torch.nn.MSELoss,
            device=device,
            batch_size=self.batch_size,
            autocast_dtype=autocast_dtype(self.precision, device),
        )
        net.initialize()
        net.trim_for_prediction()
        net.module = type(module)  # as after fit: the instance lives on as net.module_
        return {**state, **prep, "net_": net, "device_": device}


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _rows(y: dict[str, torch.Tensor], idx: np.ndarray | None):
    if idx is None:
        return None
    index = torch.as_tensor(idx, dtype=torch.long)
    return {k: v[index] for k, v in y.items()}
