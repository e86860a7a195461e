"""What a fit works from: the plan decided before training (data, target, network parts, runtime,
stages), the state each training stage hands to the next, and the rules that make the plan."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_random_state
from torch import nn

from ..backbones import Backbone
from ..features import FeatureIdentity
from ..runtime import Runtime
from ..zoo import CheckpointSpec
from ._modalities import Prepared
from ._tasks import Target


@dataclass(frozen=True)
class Training:
    """The estimator's training parameters, as the stages read them."""

    lr: float
    backbone_lr_scale: float
    max_epochs: int | None
    batch_size: int
    weight_decay: float
    warmup_fraction: float
    schedule: str
    n_iter_no_change: int
    grad_accumulation_steps: int
    num_workers: int
    verbose: int
    compile: bool
    net_params: dict | None
    early_stopping: bool = False
    ema_decay: float | None = None
    contrastive_pairs: int | None = None  # text classifiers only

    @classmethod
    def of(cls, estimator: Any, **resolved: Any) -> Training:
        """The estimator's parameters, with ``resolved`` values for those it leaves to the fit."""
        values = {f.name: getattr(estimator, f.name, f.default) for f in fields(cls)}
        return cls(**{**values, **resolved})


@dataclass(frozen=True)
class Rows:
    """Row indices of the training and (with early stopping or a guard) validation samples."""

    train: np.ndarray
    valid: np.ndarray | None = None
    guard: bool = False  # the validation rows choose the best stage (see ``_guard.py``)


@dataclass(frozen=True)
class FitPlan:
    """Everything a fit decides before training. Stages train ``backbone`` and ``head`` in place;
    nothing else in the plan changes."""

    owner: str  # the estimator's class name, for messages
    spec: CheckpointSpec
    strategy: str
    stages: tuple[str, ...]
    backbone: Backbone
    head: nn.Module
    freeze_k: int  # blocks the fine-tuning stages keep frozen (``freeze_depth`` resolved)
    inputs: Any  # the checked X
    target: Target
    prepared: Prepared
    rows: Rows
    train: Any  # datasets over ``rows``, on the raw inputs
    valid: Any
    full: Any  # with a guard: every row, for the probe's refit when the probe wins; else None
    clean: Any  # with ``augment``: the training rows without augmentation (frozen features)
    criterion: nn.Module
    runtime: Runtime
    accelerator: Any
    training: Training
    seed: int | None
    features: FeatureIdentity | None  # None: frozen features are not shared (cache off)
    base_weights: str | None = None  # the digest of the weights it starts from (the model card's)
    deadline: float | None = None  # ``time_budget``: when the fit must end (``_budget.clock``)
    adapter: Any = None  # the adapters attached to the trainable blocks (``_adapter.AdapterPlan``)


@dataclass(frozen=True)
class StageRecord:
    """What one stage did: the blocks it kept frozen, the epochs it ran, how long it took."""

    stage: str
    frozen_blocks: int
    epochs: int
    seconds: float
    interrupted: bool = False
    budget_cut: bool = False  # ``time_budget`` ended it before its planned epochs


@dataclass(frozen=True)
class FitState:
    """What training has produced so far; every stage returns the next state."""

    net: Any = None  # the skorch net of the last stage that trained the head
    prefix_key: str | None = None  # where that net's frozen-feature rows are stored, if shared
    history: tuple[dict[str, Any], ...] = ()  # epoch rows, each with its "stage"
    records: tuple[StageRecord, ...] = ()
    best: str | None = None  # the stage whose state the fit ended in (the guard's choice)
    score: tuple[float, float] | None = None  # that state's validation score (guard)
    tuned: bool = False  # a stage trained blocks below the cache boundary: no shared rows
    n_trainable: int = 0  # the most backbone parameters a stage trained
    interrupted: bool = False  # the last stage was cut short by Ctrl-C
    cut: bool = False  # the last stage was cut short by the time budget
    # under a guard: the head's weights and torch's generator before the probe; with a
    # single-label classifier's guard, the probe's probability of each validation row's class
    probe_start: Any = None
    valid_probs: Any = None


def draw_seed(random_state: Any) -> int | None:
    """One seed for everything a fit draws (weights, split, pairs); None leaves torch as it is."""
    if random_state is None:
        return None
    return check_random_state(random_state).randint(2**31 - 1)


@contextlib.contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """torch's global generator seeded for the block and restored after it (when ``seed`` is set)."""
    if seed is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def sample_weights(
    sample_weight: Any, class_sample_weight: np.ndarray | None, n: int
) -> torch.Tensor | None:
    """The per-sample loss weights: ``sample_weight`` times the class weights, when either is set."""
    w = class_sample_weight
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


def split_rows(
    n: int, validation_fraction: float, stratify: np.ndarray | None, seed: int | None
) -> Rows:
    """A held-out validation share of ``n`` rows, stratified by class where every class allows."""
    n_valid = math.ceil(validation_fraction * n)
    if n_valid < 1 or n - n_valid < 1:
        raise ValueError(
            f"validation_fraction={validation_fraction} leaves no training or validation "
            f"samples out of {n}. Use early_stopping=False or more data."
        )
    idx = np.arange(n)
    try:
        train, valid = train_test_split(
            idx, test_size=n_valid, stratify=stratify, random_state=seed
        )
    except ValueError:  # too few samples of a class to stratify
        train, valid = train_test_split(idx, test_size=n_valid, random_state=seed)
    return Rows(np.sort(train), np.sort(valid))


def target_rows(y: dict[str, torch.Tensor], idx: np.ndarray) -> dict[str, torch.Tensor]:
    """Rows ``idx`` of every target tensor (``"y"`` and the weights ``"w"``)."""
    index = torch.as_tensor(idx, dtype=torch.long)
    return {k: v[index] for k, v in y.items()}


def plan_datasets(prepared: Any, inputs: Any, rows: Rows, y: dict[str, Any]) -> dict[str, Any]:
    """The plan's datasets: the training rows (through the training transform, and clean for
    frozen features when that transform is random), the validation rows, and with a guard
    every row (the probe's refit when the probe wins)."""

    def rows_of(idx: np.ndarray, training: bool = False) -> Any:
        return prepared.dataset(inputs, idx, target_rows(y, idx), training=training)

    return {
        "train": rows_of(rows.train, training=True),
        "clean": rows_of(rows.train) if prepared.augments else None,
        "valid": None if rows.valid is None else rows_of(rows.valid),
        "full": rows_of(np.arange(len(inputs))) if rows.guard else None,
    }
