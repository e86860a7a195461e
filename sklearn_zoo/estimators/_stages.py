"""The training stages. A stage is one function of the plan and the state so far that returns the
next state; it freezes what it keeps frozen, once. A strategy is a list of stages
(``_strategy.stages``); :func:`run_stages` runs them and records what each did."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any

import numpy as np
import torch
from torch import nn

from ..contrastive import PairDataset, PairModule, sample_pairs
from ..features import FrozenFeatures
from ..module import ZooModule
from ..training import release_accelerator
from ._averaging import WeightAverage
from ._budget import StageClock, shorten_hint
from ._card import fit_card
from ._guard import Guard, final_key, valid_probs
from ._plan import FitPlan, FitState, StageRecord
from ._strategy import (
    auto_epochs,
    contrastive_pairs,
    epochs_rule,
    from_trained_head,
    keeps_norm_stats,
    probe_l2,
    returns_probe,
)
from ._train import train_net, trainable_state


def freeze(plan: FitPlan, state: FitState, k: int) -> FitState:
    """Freeze the backbone's first ``k`` blocks for a stage, and count the parameters it trains."""
    plan.backbone.freeze(k)
    return replace(state, n_trainable=max(state.n_trainable, plan.backbone.trainable_parameters()))


def probe(plan: FitPlan, state: FitState) -> FitState:
    """The head on the frozen backbone, whose features are computed once per sample. Under a
    guard it notes where it started, so that a probe given back is the probe's own fit."""
    if plan.full is not None:
        head = {k: v.detach().clone() for k, v in plan.head.state_dict().items()}
        state = replace(state, probe_start=(head, torch.get_rng_state()))
    frozen = freeze(plan, state, plan.backbone.num_blocks)
    state = _train_head(plan, frozen, "probe", penalized=returns_probe(plan.strategy))
    return replace(state, best="probe", score=final_key(state.history))


def finetune(plan: FitPlan, state: FitState) -> FitState:
    """The head and the blocks ``freeze_depth`` leaves trainable, together. Under the guard (LP-FT
    with validation rows) it keeps its best epoch, or gives the probe back if none beat it."""
    probe_state, guard = state, None
    if plan.rows.guard and state.best == "probe":
        classify = plan.target.kind == "multiclass"
        guard = Guard(classify, to_beat=state.score, baseline=state.valid_probs)
    state = _train_head(plan, freeze(plan, state, plan.freeze_k), "finetune", guard)
    if from_trained_head(plan.strategy, "finetune"):
        training = plan.training
        warn_if_fine_tuning_undid_probe(state.history, training.lr, training.backbone_lr_scale)
    if guard is not None and guard.best_epoch_ is None:
        state.net.module_.load_state_dict(guard.start_, strict=False)
        return _back_to_probe(plan, probe_state, state)
    return replace(state, best="finetune", score=None if guard is None else guard.best_key_)


def _back_to_probe(plan: FitPlan, probe_state: FitState, state: FitState) -> FitState:
    """The probe's net back (no fine-tuning epoch beat it on validation; its weights are restored),
    its head refit on every row, validation rows included: on cached features it is cheap. The
    refit starts from the head's first weights and torch's generator where the probe found them:
    it is the fit ``strategy="probe"`` makes with the same ``random_state`` (without early
    stopping, which holds rows out of that fit too)."""
    plan.backbone.freeze(plan.backbone.num_blocks)
    kept = replace(state, net=probe_state.net, prefix_key=probe_state.prefix_key, tuned=False)
    if plan.full is not None:
        head, generator = probe_state.probe_start
        plan.head.load_state_dict(head)
        torch.set_rng_state(generator)
        # as many epochs as the probe trained: early stopping's length, with nothing to stop on
        epochs = sum(row["stage"] == "probe" for row in probe_state.history)
        stopped = plan.training.early_stopping and epochs > 0
        max_epochs = epochs if stopped else plan.training.max_epochs
        training = replace(plan.training, early_stopping=False, max_epochs=max_epochs)
        refit = replace(plan, train=plan.full, clean=None, valid=None, training=training)
        kept = _train_head(refit, kept, "probe", penalized=True)
    return replace(kept, best="probe", score=probe_state.score, cut=state.cut)


def contrastive(plan: FitPlan, state: FitState) -> FitState:
    """SetFit-style: the blocks ``freeze_depth`` leaves trainable learn from sentence pairs (same
    class: cosine similarity 1, else 0), without a head; see :mod:`sklearn_zoo.contrastive`."""
    state = freeze(plan, state, plan.freeze_k)
    rows, training = plan.rows.train, plan.training
    n_pairs = contrastive_pairs(len(rows), training.contrastive_pairs)
    first, second, label = sample_pairs(
        plan.target.codes[rows], n_pairs, np.random.RandomState(plan.seed)
    )
    texts = [plan.inputs[i] for i in rows]
    tokenizer, max_length = plan.prepared.tokenizer, plan.prepared.max_length
    net = train_net(
        plan,
        PairModule(plan.backbone),
        nn.MSELoss(reduction="none"),
        PairDataset(texts, tokenizer, max_length, first, second, label),
        None,
        lr=training.lr * training.backbone_lr_scale,
        backbone_lr_scale=1.0,
        max_epochs=1,
        callbacks=_watch(plan, "contrastive", None, False),
    )
    release_accelerator(net)
    history = state.history + epoch_rows(net, "contrastive")
    return replace(state, history=history, tuned=True, cut=_cut(net))


STAGES: dict[str, Callable[[FitPlan, FitState], FitState]] = {
    "probe": probe,
    "finetune": finetune,
    "contrastive": contrastive,
}


def _train_head(
    plan: FitPlan,
    state: FitState,
    stage: str,
    guard: Guard | None = None,
    penalized: bool = False,
) -> FitState:
    """Train backbone and head as frozen now, on frozen features where the cache can hold them.
    A ``guard`` ends it in its best epoch on validation (and keeps the weights it started from
    as ``start_``); in a guarded fit, validation rows get their accuracy recorded all the same.
    ``penalized``: the probe the fit returns, with the head's L2 penalty (``probe_l2``)."""
    split = plan.backbone.frozen_blocks
    plan.backbone.frozen_norm_stats = keeps_norm_stats(plan.strategy)
    runtime = plan.runtime
    module = ZooModule(
        plan.backbone, plan.head, split=split, channels_last=runtime.trains_channels_last
    )
    module = runtime.arrange(module, trainable=True)
    start = trainable_state(module) if guard is not None else None
    train, valid, key = _frozen_datasets(plan, state, split)
    lr, backbone_lr_scale = plan.training.lr, plan.training.backbone_lr_scale
    if from_trained_head(plan.strategy, stage):
        lr, backbone_lr_scale = lr * backbone_lr_scale, 1.0
    net = train_net(
        plan,
        module,
        plan.criterion,
        train,
        valid,
        lr=lr,
        backbone_lr_scale=backbone_lr_scale,
        max_epochs=_epochs(plan, stage, len(train)),
        callbacks=_watch(plan, stage, guard, valid is not None),
        l2=probe_l2(penalized, plan.target.kind, len(train)),
    )
    if guard is not None:
        guard.start_ = start
        if guard.best_epoch_ not in (None, len(net.history)):
            net.module_.load_state_dict(guard.best_state_, strict=False)
        guard.best_state_ = None  # the copy is not needed any more
    net = release_accelerator(net)  # a plain ZooNet: pickles without the Accelerator
    return replace(
        state,
        net=net,
        prefix_key=key,
        history=state.history + epoch_rows(net, stage),
        interrupted=getattr(net, "interrupted_", False),
        cut=_cut(net),
        valid_probs=_probe_valid_probs(plan, stage, net, valid),
    )


def _probe_valid_probs(plan: FitPlan, stage: str, net: Any, valid: Any) -> Any:
    """The probe's probability of each validation row's class, in the state it ended in (the
    guard's per-sample baseline); None outside a single-label classifier's guarded probe."""
    if stage != "probe" or valid is None or not plan.rows.guard:
        return None
    return valid_probs(net, valid) if plan.target.kind == "multiclass" else None


def _watch(plan: FitPlan, stage: str, guard: Guard | None, scored: bool) -> list[tuple[str, Any]]:
    """A stage's own callbacks: its clock (estimate, ETA, ``time_budget``), and in a guarded fit
    the guard (or, outside LP-FT's fine-tuning, the validation accuracy it compares alone)."""
    training = plan.training
    watch: list[tuple[str, Any]] = []
    if scored and plan.rows.guard:
        classify = plan.target.kind == "multiclass"
        watch.append(("guard", guard or Guard(classify, keep=False)))
    if training.ema_decay and stage != "probe":  # after the guard: it copies averaged weights
        watch.append(("weight_average", WeightAverage(training.ema_decay)))
    stage_clock = StageClock(
        stage,
        deadline=plan.deadline,
        hint=shorten_hint(plan.spec.modality, stage),
        verbose=training.verbose,
        warn=stage != "probe",
        cut_first_epoch=guard is not None or stage == "contrastive",
    )
    return [*watch, ("stage_clock", stage_clock)]


def _cut(net: Any) -> bool:
    """Whether the time budget cut the net's training short."""
    return any(isinstance(cb, StageClock) and cb.stopped_ for _, cb in net.callbacks_)


def _frozen_datasets(plan: FitPlan, state: FitState, split: int) -> tuple[Any, Any, str | None]:
    """The stage's datasets, as the output of the ``split`` frozen blocks where they can be cut
    there (then with the store key of those rows: None once a stage has tuned those blocks).
    Augmented images are random: only a probe, on the clean images, has frozen features."""
    if plan.features is None or split == 0 or not plan.backbone.can_split_at(split):
        return plan.train, plan.valid, None
    if plan.clean is not None and split < plan.backbone.num_blocks:
        return plan.train, plan.valid, None
    frozen = FrozenFeatures(
        plan.backbone,
        split,
        plan.runtime,
        batch_size=plan.training.batch_size,
        identity=None if state.tuned else plan.features,
        num_workers=plan.training.num_workers,
        verbose=plan.training.verbose,
    )
    train = plan.train if plan.clean is None else plan.clean
    return frozen.wrap(train), frozen.wrap(plan.valid), frozen.key


def _epochs(plan: FitPlan, stage: str, n_train: int) -> int:
    training = plan.training
    if training.max_epochs is not None:
        return training.max_epochs
    rule = epochs_rule(plan.strategy, stage, plan.spec.modality)
    return auto_epochs(rule, n_train, training.batch_size, training.grad_accumulation_steps)


def epoch_rows(net: Any, stage: str) -> tuple[dict[str, Any], ...]:
    """The net's epochs as history rows of ``stage``; an epoch cut short by Ctrl-C has no losses."""
    return tuple(
        {**{k: v for k, v in epoch.items() if k != "batches"}, "stage": stage}
        for epoch in net.history
        if "train_loss" in epoch
    )


def run_stages(plan: FitPlan) -> FitState:
    """The plan's stages in order, each recorded; a stage cut short by Ctrl-C ends the fit."""
    state = FitState()
    for stage in plan.stages:
        start, done = time.perf_counter(), len(state.history)
        state = STAGES[stage](plan, state)
        record = StageRecord(
            stage,
            frozen_blocks=plan.backbone.frozen_blocks,
            epochs=sum(row["stage"] == stage for row in state.history[done:]),
            seconds=time.perf_counter() - start,
            interrupted=state.interrupted,
            budget_cut=state.cut,
        )
        state = replace(state, records=(*state.records, record))
        if state.interrupted:
            _warn_interrupted(plan, state)
            break
    return state


def _warn_interrupted(plan: FitPlan, state: FitState) -> None:
    record = state.records[-1]
    best = "best weights (lowest validation loss)" if plan.valid is not None else "weights"
    warnings.warn(
        f"fit was interrupted (KeyboardInterrupt) after {record.epochs} of "
        f"{state.net.max_epochs} epochs of its {record.stage!r} stage. {plan.owner} is fitted "
        f"with the {best} reached so far; call fit again to train it fully.",
        UserWarning,
        stacklevel=4,
    )


def warn_if_fine_tuning_undid_probe(
    history: Sequence[dict[str, Any]], lr: float, scale: float
) -> None:
    """LP-FT's fine-tuning keeps BatchNorm statistics fixed, so a rate too high for the
    backbone can wreck the features the head learned on: say so instead of failing quietly."""
    probe = [row["train_loss"] for row in history if row["stage"] == "probe"]
    tuned = [row["train_loss"] for row in history if row["stage"] == "finetune"]
    if not (probe and tuned):
        return
    learned = probe[0] - probe[-1] > 0.1 * probe[0]  # a head at chance has nothing to lose
    if learned and tuned[-1] > probe[0]:
        warnings.warn(
            f"strategy 'lp-ft': fine-tuning at lr * backbone_lr_scale = {lr * scale:g} ended with "
            f"a training loss ({tuned[-1]:.3g}) above the head's first epoch on the frozen "
            f"backbone ({probe[0]:.3g}): the rate is too high for the backbone. Lower "
            f"backbone_lr_scale (try {scale / 10:g}) or use strategy='probe'.",
            UserWarning,
            stacklevel=5,
        )


def fitted_attributes(plan: FitPlan, state: FitState) -> dict[str, Any]:
    """The estimator's fitted attributes from the plan and the final state."""
    net = state.net
    net.trim_for_prediction()
    net.module = type(net.module_)  # the instance lives on as net.module_: do not pickle it twice
    head_params = sum(p.numel() for p in plan.head.parameters())
    fitted = {
        "net_": net,
        "spec_": plan.spec,
        "history_": list(state.history),
        "strategy_": plan.strategy,
        "best_stage_": state.best,
        "stages_": [asdict(record) for record in state.records],
        "prefix_key_": state.prefix_key,
        "n_blocks_": plan.backbone.num_blocks,
        "n_frozen_blocks_": net.module_.split,
        "n_trainable_params_": state.n_trainable + head_params,
        "device_": plan.runtime.device,
        **plan.target.attributes,
        **plan.prepared.attributes(),
    }
    return {**fitted, "model_card_": fit_card(plan, state, fitted)}
