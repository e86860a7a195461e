"""Training that continues from the fitted weights instead of starting over: ``warm_start=True``
fits and ``partial_fit``. A :class:`Start` is what the plan's network step starts from; the rules
here say when there is one, what a partial fit trains, and what must not change in between."""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

from torch import nn

from .._digest import weights_sha256
from ..backbones import Backbone
from ..loading import load_backbone
from ..module import make_head
from ..zoo import CheckpointSpec
from ._plan import FitPlan
from ._tasks import Target


@dataclass(frozen=True)
class Start:
    """A fitted network to train on (copies: a failed fit leaves the estimator as it was), and
    the target encoding it was trained with (classes, or the regression target's scaling)."""

    backbone: Backbone
    head: nn.Module
    target: dict[str, Any]
    strategy: str


def fitted_start(estimator: Any) -> Start:
    module = estimator.net_.module_
    target = {k: vars(estimator)[k] for k in estimator._target_fields if k in vars(estimator)}
    return Start(
        copy.deepcopy(module.backbone), copy.deepcopy(module.head), target, estimator.strategy_
    )


def warm_start(estimator: Any) -> Start | None:
    """What ``fit`` starts from: the fitted network under ``warm_start=True``, else nothing."""
    if not estimator.warm_start or "net_" not in vars(estimator):
        return None
    return fitted_start(estimator)


def check_same_network(estimator: Any, start: Start, spec: Any, head: nn.Module) -> None:
    """The checkpoint and the head's shape must be those of the fit being continued."""
    owner = type(estimator).__name__
    if spec.name != estimator.spec_.name:
        raise ValueError(
            f"{owner} continues training the network it fitted on {estimator.spec_.name!r} "
            f"(warm_start=True or partial_fit), and the 'checkpoint' parameter is now "
            f"{spec.name!r}. Use warm_start=False, or a new estimator, to start from it."
        )

    def layout(h: nn.Module) -> list:
        return [type(m).__name__ for m in h] + [tuple(p.shape) for p in h.parameters()]

    if layout(head) != layout(start.head):
        raise ValueError(
            f"{owner} continues training its fitted head (warm_start=True or partial_fit), and "
            f"the 'head_size' ({estimator.head_size!r}) and 'head_norm' "
            f"({estimator.head_norm!r}) parameters no longer give that head. "
            "Use warm_start=False, or a new estimator, to train another head."
        )


def partial_plan(plan: FitPlan) -> FitPlan:
    """A ``partial_fit`` call's plan: one pass over the call's data at the constant learning rate,
    as scikit-learn's ``partial_fit`` does (a warm-up and a decay would restart at every call),
    of one stage: the probe when nothing but the head may learn (``strategy='probe'``,
    ``freeze_depth='all'``, a frozen-only backbone), else plain fine-tuning of what
    ``freeze_depth`` leaves trainable (LP-FT's and contrastive training's first stages are for a
    fresh network's head)."""
    backbone = plan.backbone
    frozen = (
        plan.strategy == "probe" or backbone.frozen_only or plan.freeze_k == backbone.num_blocks
    )
    stage = "probe" if frozen else "finetune"
    training = replace(plan.training, max_epochs=1, schedule="constant", warmup_fraction=0.0)
    return replace(plan, strategy=stage, stages=(stage,), training=training)


def weights_digest(backbone: nn.Module) -> str:
    """A digest of the backbone's weights: the frozen features of a continued network are its
    own, not those of the checkpoint (nor of an earlier state of it). The adapters' base hash
    and the model card use the same one."""
    return weights_sha256(backbone)


class ContinueMixin:
    """The estimator's side of continuing: ``partial_fit``'s call (``_partial``) and the network
    step of the plan (``_starting_network``); ``_train`` is the fit recipe's."""

    def _partial(self, X: Any, y: Any, sample_weight: Any, first_target: dict | None) -> Any:
        """One ``partial_fit`` call: on from the fitted network, or (the first call) from the
        checkpoint, the target encoded as ``first_target`` says (the classes all calls may see)."""
        self._validate_params()
        if "net_" not in vars(self):
            return self._train(X, y, sample_weight, None, first_target, partial=True)
        start = fitted_start(self)
        return self._train(X, y, sample_weight, start, start.target, partial=True)

    def _starting_network(
        self, spec: CheckpointSpec, head_size: tuple[int, ...], target: Target, start
    ):
        """The backbone and head training starts from: those of the fit it continues, or the
        checkpoint's weights (random with ``pretrained=False``) and a new head, the two draws
        of the seeded generator before training."""
        if start is None:
            backbone = load_backbone(spec, pretrained=self.pretrained, **self._pooling_kwargs())
        else:
            backbone = start.backbone
        head = make_head(
            backbone.num_features, head_size, target.n_outputs, self.head_dropout, self.head_norm
        )
        if start is None:
            return backbone, head
        check_same_network(self, start, spec, head)
        return backbone, start.head
