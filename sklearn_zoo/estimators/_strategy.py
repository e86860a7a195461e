"""How a fit trains: the ``strategy`` (probe, plain fine-tuning, LP-FT, contrastive) as a list of
stages, the ``"auto"`` choice, and the number of epochs of each stage when ``max_epochs=None``.

The rules and constants here are measured, not guessed: ``benchmarks/accuracy.py`` prints the
figures behind them (recorded in ``docs/guide/strategy.md`` and ``docs/benchmarks.md``).
"""

from __future__ import annotations

import math

STRATEGIES = ("auto", "probe", "finetune", "lp-ft")
TEXT_CLASSIFIER_STRATEGIES = (*STRATEGIES, "contrastive")

# "auto" on a single-label text classifier: contrastive pair training up to this many labelled
# samples per class on average, LP-FT above, and plain fine-tuning once every class has
# FINETUNE_MIN_PER_CLASS. Measured on MiniLM, review sentences: the pairs lead at 8, 32 and 128
# per class (0.796 / 0.880 / 0.901, against LP-FT's 0.771 / 0.841 / 0.878 under its guard), and on
# 230 + 25 sentences (balanced accuracy, 2 seeds) they score 0.774 / 0.830 where LP-FT's guard gave
# the probe back (0.634 / 0.634) and plain fine-tuning 0.740 / 0.792, at about half LP-FT's time;
# at 1,000 per class plain fine-tuning and LP-FT tie (0.928) and the pairs trail (0.916). The
# average, not the rarest class: one rare class among many samples (495 + 17, 256 on average)
# does not send 512 texts to the pair stage. Nor does LP-FT run when its guard would see fewer
# than MIN_GUARD_SAMPLES validation samples of the rarest class: on 495 + 17 sentences (balanced
# accuracy, 2 seeds) the guard, judging on 2 of them, gave back a probe blind to that class
# (0.516 / 0.514, at 0.94-1.1x plain fine-tuning's time), where plain fine-tuning scored
# 0.678 / 0.666 and the pairs 0.660 / 0.652: such data get plain fine-tuning.
CONTRASTIVE_MAX_PER_CLASS = 128
FINETUNE_MIN_PER_CLASS = 400

# "auto" for an image classifier: LP-FT only when its guard has this many validation samples to
# judge on, else the probe. cats_dogs, 5 photos a class: 2 validation photos kept a fine-tuning
# that scored 0.773 on the test set against the probe's 0.960 (seed 1); with 5 (flowers5, 2
# seeds) and 10 (digits, 3 seeds) the guard gave the probe back in every seed, never below it.
MIN_GUARD_SAMPLES = 5

# contrastive_pairs=None: SetFit's 20 iterations (40 pairs per sample), at most this many pairs
PAIRS_PER_SAMPLE, MAX_AUTO_PAIRS = 40, 2000

# max_epochs=None: each stage runs about this many optimizer steps, within [min, max] epochs.
# The probe stage trains on cached features (its epochs cost next to nothing) and a linear head
# needs a few hundred steps to converge; fine-tuning stages cost a full pass per epoch.
AUTO_EPOCHS = {
    "probe": {"steps": 500, "min": 10, "max": 500},
    "finetune": {"steps": 300, "min": 3, "max": 30},
    # LP-FT's fine-tuning of an image backbone, from the probe's trained head: on photos no
    # length beat the probe (the guard returns it, so the stage is paid for nothing there); on
    # digits, 20 a class, dev split, 3 seeds: 0.930 ± 0.030 against 0.949 ± 0.011 for 300 steps
    # (test set: 0.956 ± 0.005, the last release's 300 unguarded steps 0.957), a third of the time
    "refine": {"steps": 100, "min": 3, "max": 10},
}


# The probe a single-label classifier's fit returns (strategy "probe", or the probe LP-FT's guard
# gives back): Adam with an L2 penalty on the head's weights of PROBE_L2 / n_train (per sample,
# the penalty of scikit-learn's LogisticRegression at its default C = 1 / PROBE_L2), in place of
# AdamW's decoupled weight decay, which hardly regularizes in a probe's few hundred steps. On
# frozen EfficientNet-Lite0 embeddings (dev splits of flowers5, cats_dogs and the digits at
# 5 / 20 / 100 a class, 3 seeds each, the head from zero) the mean dev accuracy over the 9 cells
# was 0.805 without the penalty, 0.808 / 0.805 / 0.802 with PROBE_L2 = 1 / 10 / 100
# (docs/guide/strategy.md). LP-FT's first stage stays unpenalized: it is the head fine-tuning
# starts from and the state the guard compares each epoch with, and a penalized one, less sure of
# what it gets right, lost the guard's Brier comparison to a worse fine-tuning (cats_dogs 100 a
# class: 0.933 on the test set against the probe's 0.980).
PROBE_L2 = 1.0


def probe_l2(returned: bool, kind: str, n_train: int) -> float | None:
    """The head's L2 penalty in a probe stage (None: the decoupled ``weight_decay``);
    ``returned``: the probe is the model the fit ends with."""
    return PROBE_L2 / max(n_train, 1) if returned and kind == "multiclass" else None


def returns_probe(strategy: str) -> bool:
    """Whether a strategy's probe on the pretrained features is the model it returns: not
    LP-FT's (a starting point), nor contrastive's (on pair-trained features, not measured)."""
    return stages(strategy) == ["probe"]


def epochs_rule(strategy: str, stage: str, modality: str) -> str:
    """The :data:`AUTO_EPOCHS` rule a stage follows under ``max_epochs=None``."""
    if strategy == "lp-ft" and stage == "finetune" and modality == "image":
        return "refine"
    return stage


def resolve_strategy(
    strategy: str,
    *,
    modality: str,
    classifier: bool,
    multilabel: bool,
    min_class_count: int,
    mean_class_count: float | None = None,
    guard_samples: int | None = MIN_GUARD_SAMPLES,
    rare_guard_samples: int | None = MIN_GUARD_SAMPLES,
) -> str:
    """The strategy a fit runs: ``strategy`` itself, or what ``"auto"`` picks for this data.

    Its cost is bounded: contrastive pairs only with at most ``CONTRASTIVE_MAX_PER_CLASS``
    samples per class on average, where their at most ``MAX_AUTO_PAIRS`` pairs cost at most
    about 3 times plain fine-tuning's passes over the data (``docs/guide/strategy.md``).
    An image classifier whose LP-FT guard would judge on fewer than ``MIN_GUARD_SAMPLES``
    validation samples (``guard_samples``; None: none held out) runs the probe; a text
    classifier whose guard would see fewer of its rarest class (``rare_guard_samples``) runs
    plain fine-tuning."""
    if strategy != "auto":
        return strategy
    typical = min_class_count if mean_class_count is None else mean_class_count
    if modality == "text" and classifier and not multilabel:
        if typical <= CONTRASTIVE_MAX_PER_CLASS:
            return "contrastive"
        blind = rare_guard_samples is not None and rare_guard_samples < MIN_GUARD_SAMPLES
        if min_class_count >= FINETUNE_MIN_PER_CLASS or blind:
            return "finetune"
    few = guard_samples is None or guard_samples < MIN_GUARD_SAMPLES
    if modality == "image" and classifier and not multilabel and few:
        return "probe"
    return "lp-ft"


def stages(strategy: str) -> list[str]:
    """The training stages of a strategy, in order: ``"probe"`` trains the head on the frozen
    backbone, ``"finetune"`` trains the head and the blocks ``freeze_depth`` leaves trainable,
    ``"contrastive"`` trains those blocks on sentence pairs (no head)."""
    return {
        "probe": ["probe"],
        "finetune": ["finetune"],
        "lp-ft": ["probe", "finetune"],
        "contrastive": ["contrastive", "probe"],
    }[strategy]


def auto_epochs(stage: str, n_train: int, batch_size: int, grad_accumulation_steps: int = 1) -> int:
    """Epochs of a stage under ``max_epochs=None``: about ``AUTO_EPOCHS[stage]["steps"]``
    optimizer steps, clipped to the stage's range."""
    rule = AUTO_EPOCHS[stage]
    steps_per_epoch = max(math.ceil(math.ceil(n_train / batch_size) / grad_accumulation_steps), 1)
    return int(min(max(math.ceil(rule["steps"] / steps_per_epoch), rule["min"]), rule["max"]))


def from_trained_head(strategy: str, stage: str) -> bool:
    """Whether ``stage`` starts from a head an earlier stage trained (LP-FT's fine-tuning): then
    everything learns at ``lr * backbone_lr_scale``, the head's rate included."""
    return strategy == "lp-ft" and stage == "finetune"


def guarded(strategy: str) -> bool:
    """Whether a fit of ``strategy`` holds out validation rows to keep its best stage: LP-FT,
    whose fine-tuning must not end below the probe it starts from (``_guard.py``)."""
    return strategy == "lp-ft"


def keeps_norm_stats(strategy: str) -> bool:
    """Whether BatchNorm keeps its pretrained statistics while blocks train (LP-FT): in train mode
    it would normalize by batch statistics and move every feature the probe's head learned on."""
    return strategy == "lp-ft"


def contrastive_pairs(n_train: int, requested: int | None) -> int:
    """Sentence pairs of a contrastive stage: ``requested``, or SetFit's 20 iterations (40 pairs
    per training sample), at most ``MAX_AUTO_PAIRS``."""
    return requested or min(PAIRS_PER_SAMPLE * n_train, MAX_AUTO_PAIRS)


def frozen_only_strategy(strategy: str, owner: str, checkpoint: str, why: str) -> str:
    """The strategy on a backbone torch cannot train: ``"probe"``, for ``"auto"`` or ``"probe"``."""
    if strategy in ("auto", "probe"):
        return "probe"
    raise ValueError(
        f"The 'strategy' parameter of {owner} must be 'probe' or 'auto' for checkpoint "
        f"{checkpoint!r}. Got {strategy!r} instead. {why}"
    )
