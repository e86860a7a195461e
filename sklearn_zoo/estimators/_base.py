"""What every fine-tuning estimator shares: parameter checks, the fit recipe, batched inference."""

from __future__ import annotations

from dataclasses import replace
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin, is_classifier
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, StrOptions
from ..backbones import resolve_freeze_depth
from ..features import FeatureIdentity, FrozenFeatures, stream
from ..inference import run_batches
from ..module import ZooModule, check_head_size, make_head, zero_output_layer
from ..runtime import Runtime, resolve_device, resolve_num_workers
from ..training import ZooNet, make_accelerator
from ..zoo import CheckpointSpec, get_checkpoint
from ._adapter import AdapterMixin, adapted, adapter_attributes
from ._budget import deadline_of
from ._card import ModelCardMixin, base_digest
from ._continue import ContinueMixin, partial_plan, warm_start, weights_digest
from ._docs import DOC_LINK_TEMPLATE
from ._guard import guard_rows, held_out
from ._plan import (
    FitPlan,
    Rows,
    Training,
    draw_seed,
    plan_datasets,
    sample_weights,
    seeded,
)
from ._saving import SaveLoadMixin, cache_key, history, integer, one_of
from ._stages import STAGES, fitted_attributes, run_stages
from ._strategy import (
    MIN_GUARD_SAMPLES,
    STRATEGIES,
    TEXT_CLASSIFIER_STRATEGIES,
    frozen_only_strategy,
    resolve_strategy,
    stages,
)
from ._tasks import Target

COMMON_CONSTRAINTS: dict[str, list] = {
    "checkpoint": [str, CheckpointSpec],
    "freeze_depth": [StrOptions({"all"}), Integral],
    "head_size": [tuple, list, Integral],
    "head_dropout": [Interval(Real, 0, 1, closed="left")],
    "head_norm": [StrOptions({"power"}), None],
    "lr": [Interval(Real, 0, None, closed="neither")],
    "backbone_lr_scale": [Interval(Real, 0, None, closed="left")],
    "strategy": [StrOptions(set(STRATEGIES))],
    "max_epochs": [Interval(Integral, 1, None, closed="left"), None],
    "time_budget": [Interval(Real, 0, None, closed="neither"), str, None],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "warmup_fraction": [Interval(Real, 0, 1, closed="left")],
    "schedule": [StrOptions({"cosine", "constant"})],
    "ema_decay": [Interval(Real, 0, 1, closed="neither"), None],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "device": [str],
    "precision": [StrOptions({"auto", "fp32", "bf16"})],
    "grad_accumulation_steps": [Interval(Integral, 1, None, closed="left")],
    "accelerate": ["boolean"],
    "compile": ["boolean"],
    "pretrained": ["boolean"],
    "cache": ["boolean"],
    "num_workers": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "net_params": [dict, None],
    "warm_start": ["boolean"],
}


class ZooEstimatorMixin(
    AdapterMixin, ModelCardMixin, ContinueMixin, SaveLoadMixin, TransformerMixin, BaseEstimator
):
    """Fit recipe shared by the four fine-tuning estimators.

    Subclasses provide the modality (``_modality``, ``_check_inputs``, ``_prepare_inputs``,
    ``_fitted_prep``, ``_pooling_kwargs``, and for loading ``_restore_inputs``; see
    ``_modalities.py``) and the task (``_encode_target``; see ``_tasks.py``); both halves add the
    ``_saved_fields`` a saved folder holds. ``fit`` checks the data, builds a
    :class:`~._plan.FitPlan` in small steps (the methods below it) and runs the plan's stages
    (``_stages.py``); the rules each step follows are module-level functions.
    """

    _parameter_constraints: dict = COMMON_CONSTRAINTS
    _doc_link_module = "sklearn_zoo"
    _doc_link_template = DOC_LINK_TEMPLATE

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> ZooEstimatorMixin:
        """Fine-tune the checkpoint on ``(X, y)``; weights load here, never in ``__init__``.

        With ``warm_start=True`` a fitted estimator trains on from its fitted weights instead.

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
        start = warm_start(self)
        return self._train(X, y, sample_weight, start, None if start is None else start.target)

    def _train(self, X, y, sample_weight, start, previous, *, partial: bool = False) -> Any:
        """Check the data, plan the fit (from ``start``, a fitted network to continue, or the
        checkpoint) and run its stages; the fitted attributes are set together at the end."""
        deadline = deadline_of(getattr(self, "time_budget", None), type(self).__name__)
        head_size = check_head_size(self.head_size, type(self).__name__)
        inputs = self._check_inputs(X)
        target = self._encode_target(y, n_samples=len(inputs), previous=previous)
        weights = sample_weights(sample_weight, target.class_sample_weight, len(inputs))
        spec = get_checkpoint(self.checkpoint)
        self._check_modality(spec)
        device = resolve_device(self.device, type(self).__name__)
        seed = draw_seed(self.random_state)
        with seeded(seed):
            plan = self._plan(
                spec, inputs, target, weights, head_size, device, seed, start, partial
            )
            plan = replace(partial_plan(plan) if partial else plan, deadline=deadline)
            state = run_stages(plan)
        # everything is computed first: a failed fit leaves the estimator as it was
        vars(self).pop("_saved_rows_key", None)  # the rows of a loaded folder are not these
        vars(self).update({**fitted_attributes(plan, state), **adapter_attributes(plan)})
        return self

    def _plan(
        self, spec, inputs, target, weights, head_size, device, seed, start, partial=False
    ) -> FitPlan:
        """The fit's decisions, one small step each (skorch's ``NeuralNet.initialize`` is the model)."""
        backbone, head = self._starting_network(spec, head_size, target, start)
        strategy = self._resolve_strategy(target)
        if backbone.frozen_only:
            why = getattr(backbone, "why_frozen", "")
            strategy = frozen_only_strategy(self.strategy, type(self).__name__, spec.name, why)
        k = self._freeze_boundary(backbone, strategy, spec)
        if k == backbone.num_blocks:  # nothing of the backbone is left to train
            strategy = "probe"
        if start is None and not partial and "probe" in stages(strategy):
            zero_output_layer(head)  # the probe starts from zero (after the same random draws)
        prepared = self._prepare_inputs(spec)
        if "finetune" in stages(strategy):  # images read every epoch: decode them once
            inputs = prepared.once(inputs)
        runtime, accelerator = self._runtime(device)
        rows = self._split(len(inputs), target, seed, "finetune" if partial else strategy)
        y = {"y": target.y} if weights is None else {"y": target.y, "w": weights}
        plan = FitPlan(
            owner=type(self).__name__,
            spec=spec,
            strategy=strategy,
            stages=tuple(stages(strategy)),
            backbone=backbone,
            head=head,
            freeze_k=k,
            inputs=inputs,
            target=target,
            prepared=prepared,
            rows=rows,
            **plan_datasets(prepared, inputs, rows, y),
            criterion=target.criterion(getattr(self, "label_smoothing", 0.0)),
            runtime=runtime,
            accelerator=accelerator,
            training=Training.of(
                self, num_workers=resolve_num_workers(self.num_workers, inputs, self.batch_size)
            ),
            seed=seed,
            features=self._feature_identity(spec, seed, prepared, start and backbone),
            base_weights=base_digest(backbone, self.pretrained, continued=start is not None),
        )
        return adapted(self, plan, continued=start is not None)

    def _resolve_strategy(self, target: Target) -> str:
        strategy = resolve_strategy(
            self.strategy,
            modality=self._modality,
            classifier=is_classifier(self),
            multilabel=target.kind == "multilabel",
            min_class_count=target.min_class_count,
            mean_class_count=target.mean_class_count,
            **self._guard_samples(target),
        )
        if strategy == "contrastive" and target.codes is None:
            raise ValueError(
                f"strategy='contrastive' needs one class per sample; {type(self).__name__} got a "
                "multi-label (2-D indicator) y. Use strategy='lp-ft' for multi-label targets."
            )
        return strategy

    def _guard_samples(self, target: Target) -> dict[str, int | None]:
        """How many validation samples LP-FT's guard would judge on, in all (``guard_samples``)
        and of the rarest class (``rare_guard_samples``); None when it holds none out.
        ``validation_fraction=0`` (the guard turned off on purpose) counts as enough."""
        if target.codes is None or self.validation_fraction == 0:
            return {"guard_samples": MIN_GUARD_SAMPLES, "rare_guard_samples": MIN_GUARD_SAMPLES}
        rows = guard_rows(len(target.codes), self.validation_fraction, target.codes, 0)
        if rows is None:
            return {"guard_samples": None, "rare_guard_samples": None}
        counts = np.bincount(target.codes[rows.valid], minlength=int(target.codes.max()) + 1)
        return {"guard_samples": len(rows.valid), "rare_guard_samples": int(counts.min())}

    def _freeze_boundary(self, backbone: Any, strategy: str, spec: CheckpointSpec) -> int:
        """The blocks the fine-tuning stages keep frozen: ``freeze_depth`` resolved (a probe: all).
        It is checked unless the user chose the probe: whether ``"auto"`` picks the probe depends
        on the data, and a bad value is refused whatever the data."""
        depth = "all" if self.strategy == "probe" else self.freeze_depth
        try:
            k = resolve_freeze_depth(depth, backbone.num_blocks, spec.name)
            return backbone.num_blocks if strategy == "probe" else k
        except (TypeError, ValueError) as exc:  # name the estimator, as scikit-learn does
            message = str(exc).replace(
                "The 'freeze_depth' parameter",
                f"The 'freeze_depth' parameter of {type(self).__name__}",
                1,
            )
            raise type(exc)(message) from None

    def _runtime(self, device: str) -> tuple[Runtime, Any]:
        """Where training runs, and the Accelerate accelerator when ``accelerate=True`` (made
        before anything is placed: in a multi-GPU launch it picks this process's GPU)."""
        runtime = Runtime.on(device, self.precision, self._modality)
        if not self.accelerate:
            return runtime, None
        accelerator = make_accelerator(
            cpu=device == "cpu",
            mixed_precision="bf16" if runtime.autocast_dtype else "no",
            grad_accumulation_steps=self.grad_accumulation_steps,
            owner=type(self).__name__,
        )
        return Runtime.on(accelerator.device, self.precision, self._modality), accelerator

    def _split(self, n: int, target: Target, seed: int | None, strategy: str) -> Rows:
        fraction, codes = self.validation_fraction, target.codes
        return held_out(n, fraction, codes, seed, self.early_stopping, strategy)

    def _feature_identity(
        self, spec: CheckpointSpec, seed: int | None, prepared: Any, continued: Any = None
    ) -> FeatureIdentity | None:
        """What names this fit's frozen features in the cache (of the clean images, whatever
        ``augment`` says); None with ``cache=False``. A continued backbone (``continued``) is
        named by its weights."""
        if not self.cache:
            return None
        weights = None if continued is None else weights_digest(continued)
        return FeatureIdentity(
            spec, self.pretrained, seed, self._pooling_kwargs(), prepared.signature(), weights
        )

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
    def _outputs(self, X: Any) -> np.ndarray:
        """Raw head outputs (logits or scaled values) for ``X``, batched, in inference mode;
        with ``tta=True`` the mean of those of the images and of their mirror images."""
        outputs = self._run(X, lambda module, batch: module(**batch), "predict")
        if getattr(self, "tta", False):
            flipped = self._run(X, lambda module, batch: module(**batch), "predict", flip=True)
            outputs = (outputs + flipped) / 2
        return outputs

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
        return self._run(X, lambda module, batch: module.features(**batch), "transform")

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        net = vars(self).get("net_")
        if net is not None:  # skorch maps a net fitted on a missing GPU to a torch.device("cpu")
            net.device = self.device_ = str(net.device)

    def _run(self, X: Any, fn, desc: str, flip: bool = False) -> np.ndarray:
        """``fn(module, batch)`` over ``X``, streamed a chunk at a time (``features.stream``);
        ``flip`` runs the mirror images."""
        check_is_fitted(self, "net_")
        inputs = self._check_inputs(X)
        module = self.net_.module_
        module.eval()
        # from the device the net is on now: a net trained on a GPU and unpickled on a CPU runs fp32
        runtime = Runtime.on(self.net_.device, self.precision, self._modality)
        workers = resolve_num_workers(self.num_workers, inputs, self.batch_size)
        frozen = None
        if self.prefix_key_ is not None:  # the frozen prefix of these samples may be cached already
            frozen = FrozenFeatures(
                module.backbone,
                module.split,
                runtime,
                batch_size=self.batch_size,
                num_workers=workers,
                **({} if flip else self._cache_keys()),  # mirror images: computed, not stored
            )

        def run(dataset: Any) -> np.ndarray:
            data = dataset if frozen is None else frozen.wrap(dataset)
            return run_batches(
                data,
                lambda batch: fn(module, batch),
                device=runtime.device,
                batch_size=self.batch_size,
                autocast_dtype=runtime.autocast_dtype,
                num_workers=workers if data is dataset else 0,  # rows need no decoding
            )

        prepared = self._fitted_prep(flip=True) if flip else self._fitted_prep()
        verbose = getattr(self, "verbose", 0)
        return stream(prepared, inputs, run, batch_size=self.batch_size, verbose=verbose, desc=desc)

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
        "best_stage_": one_of(set(STAGES) - {"contrastive"}, required=False),
        "stages_": history(required=False),
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
            self.head_norm,
        )
        return ZooModule(backbone, head, split=int(k))

    def _restore(self, module: ZooModule, state: dict, prep: dict, device: str) -> dict[str, Any]:
        runtime = Runtime.on(device, self.precision, self._modality)
        module.channels_last = runtime.trains_channels_last  # as fit stores it
        module = runtime.arrange(module, trainable=True)
        net = ZooNet(
            module=module,
            criterion=torch.nn.MSELoss,
            device=device,
            batch_size=self.batch_size,
            autocast_dtype=runtime.autocast_dtype,
        )
        net.initialize()
        net.trim_for_prediction()
        net.module = type(module)  # as after fit: the instance lives on as net.module_
        return {**state, **prep, "net_": net, "device_": device}


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
