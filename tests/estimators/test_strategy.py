"""The training strategies: probe, plain fine-tuning, LP-FT, contrastive (SetFit-style) pairs, the
``"auto"`` choice and ``max_epochs=None``, on tiny checkpoints."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from _helpers import FAST
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback

from sklearn_zoo import (
    PretrainedImageClassifier,
    PretrainedImageRegressor,
    PretrainedTextClassifier,
    PretrainedTextRegressor,
)
from sklearn_zoo.contrastive import sample_pairs
from sklearn_zoo.estimators._stages import warn_if_fine_tuning_undid_probe
from sklearn_zoo.estimators._strategy import (
    AUTO_EPOCHS,
    CONTRASTIVE_MAX_PER_CLASS,
    FINETUNE_MIN_PER_CLASS,
    MIN_GUARD_SAMPLES,
    PROBE_L2,
    auto_epochs,
    epochs_rule,
    resolve_strategy,
)

FT = {**FAST, "freeze_depth": 0}  # the default, spelled out: something to fine-tune


class RecordLR(Callback):
    """Records the learning rate of each optimizer param group when a stage starts."""

    def __init__(self):
        self.seen = []

    def on_train_begin(self, net, **kwargs):
        self.seen.append(
            [
                g["lr"]
                for g in net.optimizer_.param_groups
                if any(p.requires_grad for p in g["params"])
            ]
        )


def _stages(est):
    return [row["stage"] for row in est.history_]


def _backbone_state(est):
    return {k: v.clone() for k, v in est.net_.module_.backbone.state_dict().items()}


def test_probe_leaves_the_backbone_alone_whatever_freeze_depth_says(
    tiny_image_checkpoint, image_data
):
    X, y = image_data
    before = PretrainedImageClassifier(tiny_image_checkpoint, image_size=32, **FAST)
    before.set_params(strategy="probe", freeze_depth=0, max_epochs=1, lr=1e-12).fit(X, y)
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, strategy="probe", freeze_depth=0, image_size=32, **FAST
    ).fit(X, y)
    assert clf.strategy_ == "probe" and _stages(clf) == ["probe"] * 2
    assert clf.n_frozen_blocks_ == clf.n_blocks_
    for name, value in _backbone_state(before).items():  # same pretrained weights and BN stats
        torch.testing.assert_close(_backbone_state(clf)[name], value)


def test_the_probe_starts_from_a_zero_head_and_depends_on_no_draw(
    tiny_image_checkpoint, image_data
):
    """A probe on one batch draws nothing but its first weights; from zero, the seed is moot."""
    X, y = image_data[0][:16], image_data[1][:16]
    probes = [
        PretrainedImageClassifier(
            tiny_image_checkpoint, strategy="probe", image_size=32, **{**FAST, "random_state": s}
        ).fit(X, y)
        for s in (0, 1)
    ]
    np.testing.assert_allclose(probes[0].predict_proba(X), probes[1].predict_proba(X), atol=1e-6)
    tuned = [
        PretrainedImageClassifier(
            tiny_image_checkpoint, strategy="finetune", image_size=32, **{**FAST, "random_state": s}
        ).fit(X, y)
        for s in (0, 1)
    ]  # plain fine-tuning keeps its random head: the seed shows
    assert not np.allclose(tuned[0].predict_proba(X), tuned[1].predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("head_size", [(), (8,)])
def test_zero_output_layer_zeroes_the_last_layer_only(head_size):
    from sklearn_zoo.module import make_head, zero_output_layer

    torch.manual_seed(0)
    head = zero_output_layer(make_head(4, head_size, 3, 0.0))
    assert not head[-1].weight.any() and not head[-1].bias.any()
    if head_size:
        assert head[0].weight.any()  # the hidden layer keeps its random start
    assert not head(torch.randn(5, 4)).any()


class RecordOptimizer(Callback):
    """Records the optimizer's class and each trainable group's weight decay when a stage starts."""

    def __init__(self):
        self.seen = []

    def on_train_begin(self, net, **kwargs):
        decays = [
            (sum(p.numel() for p in g["params"]), g["weight_decay"])
            for g in net.optimizer_.param_groups
            if any(p.requires_grad for p in g["params"])
        ]
        self.seen.append((type(net.optimizer_).__name__, sorted(decays)))


def test_the_probe_a_fit_returns_penalizes_the_head_weights_as_logistic_regression_does(
    tiny_image_checkpoint, image_data
):
    X, y = image_data
    common = dict(image_size=32, validation_fraction=0.0, weight_decay=0.05, **FAST)
    rec = RecordOptimizer()
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, strategy="probe", net_params={"callbacks": [rec]}, **common
    ).fit(X, y)
    ((probe_opt, probe_groups),) = rec.seen
    n_classes, width = len(clf.classes_), clf.net_.module_.head[-1].in_features
    # the probe: Adam, L2 of PROBE_L2 / n on the head's weights, none on its biases
    assert probe_opt == "Adam"
    assert probe_groups == [(n_classes, 0.0), (n_classes * width, PROBE_L2 / len(y))]
    # LP-FT's probe is fine-tuning's starting point: AdamW's weight_decay in both stages
    rec = RecordOptimizer()
    PretrainedImageClassifier(
        tiny_image_checkpoint, strategy="lp-ft", net_params={"callbacks": [rec]}, **common
    ).fit(X, y)
    assert [opt for opt, _ in rec.seen] == ["AdamW", "AdamW"]
    assert {d for _, groups in rec.seen for _, d in groups} == {0.05}


def test_only_the_returned_probe_of_a_single_label_classifier_has_the_penalty():
    from sklearn_zoo.estimators import _strategy

    assert _strategy.probe_l2(True, "multiclass", 50) == PROBE_L2 / 50
    assert _strategy.probe_l2(False, "multiclass", 50) is None
    assert _strategy.probe_l2(True, "regression", 50) is None  # measured on classifiers only
    assert _strategy.probe_l2(True, "multilabel", 50) is None
    assert _strategy.returns_probe("probe")
    assert not any(map(_strategy.returns_probe, ["lp-ft", "contrastive", "finetune"]))


def test_a_stronger_probe_penalty_gives_a_smaller_head(
    tiny_image_checkpoint, image_data, monkeypatch
):
    from sklearn_zoo.estimators import _strategy

    X, y = image_data
    norms = []
    for penalty in (0.0, 100.0):
        monkeypatch.setattr(_strategy, "PROBE_L2", penalty)
        clf = PretrainedImageClassifier(
            tiny_image_checkpoint, strategy="probe", image_size=32, **{**FAST, "max_epochs": 20}
        ).fit(X, y)
        norms.append(float(clf.net_.module_.head[-1].weight.detach().norm()))
    assert norms[1] < 0.5 * norms[0]


def test_finetune_trains_backbone_and_head_together(tiny_image_checkpoint, image_data):
    X, y = image_data
    rec = RecordLR()
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint,
        strategy="finetune",
        freeze_depth=0,
        image_size=32,
        lr=1e-2,
        backbone_lr_scale=0.1,
        warmup_fraction=0.0,
        schedule="constant",
        net_params={"callbacks": [rec]},
        **FAST,
    ).fit(X, y)
    assert clf.strategy_ == "finetune" and _stages(clf) == ["finetune"] * 2
    assert clf.n_frozen_blocks_ == 0
    assert len(rec.seen) == 1
    assert sorted(rec.seen[0]) == pytest.approx([1e-3, 1e-2])  # backbone at lr * scale, head at lr


def test_defaults_fine_tune_everything_from_a_trained_head(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(tiny_image_checkpoint, image_size=32, **FAST).fit(X, y)
    assert clf.get_params()["freeze_depth"] == 0 and clf.get_params()["strategy"] == "auto"
    assert clf.strategy_ == "lp-ft" and clf.n_frozen_blocks_ == 0


def test_freeze_depth_all_under_auto_is_a_probe(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, freeze_depth="all", **FAST
    ).fit(X, y)
    assert clf.strategy_ == "probe" and clf.n_frozen_blocks_ == clf.n_blocks_


def test_lp_ft_fits_the_head_first_then_fine_tunes_everything_at_the_lower_rate(
    tiny_image_checkpoint, image_data, monkeypatch
):
    from sklearn_zoo.estimators import _strategy

    X, y = image_data
    common = dict(
        image_size=32,
        lr=1e-2,
        backbone_lr_scale=0.1,
        warmup_fraction=0.0,
        schedule="constant",
        weight_decay=0.0,  # AdamW then updates as Adam: the same probe with and without penalty
        **FAST,
    )
    # LP-FT's guard holds 10% of the rows out for validation; so does early stopping
    probe = PretrainedImageClassifier(
        tiny_image_checkpoint, strategy="probe", early_stopping=True, **common
    )
    with monkeypatch.context() as m:  # the probe LP-FT starts from has no L2 penalty
        m.setattr(_strategy, "PROBE_L2", 0.0)
        probe.fit(X, y)
    rec = RecordLR()
    lpft = PretrainedImageClassifier(
        tiny_image_checkpoint,
        strategy="lp-ft",
        freeze_depth=2,
        net_params={"callbacks": [rec]},
        **common,
    ).fit(X, y)
    assert lpft.strategy_ == "lp-ft"
    assert _stages(lpft) == ["probe", "probe", "finetune", "finetune"]
    assert lpft.n_frozen_blocks_ == 2
    # the first stage is exactly the probe: same losses epoch by epoch
    np.testing.assert_allclose(
        [r["train_loss"] for r in lpft.history_[:2]],
        [r["train_loss"] for r in probe.history_],
        rtol=1e-5,
    )
    # probe stage: head at lr; fine-tuning stage: head and backbone at lr * backbone_lr_scale
    assert rec.seen[0] == pytest.approx([1e-2])
    assert rec.seen[1] == pytest.approx([1e-3, 1e-3])


def test_lp_ft_keeps_batchnorm_statistics_plain_finetune_moves_them(
    tiny_image_checkpoint, image_data
):
    X, y = image_data
    kwargs = dict(image_size=32, freeze_depth=0, lr=1e-2, **FAST)
    ref = PretrainedImageClassifier(tiny_image_checkpoint, strategy="probe", **kwargs).fit(X, y)
    lpft = PretrainedImageClassifier(tiny_image_checkpoint, strategy="lp-ft", **kwargs).fit(X, y)
    plain = PretrainedImageClassifier(tiny_image_checkpoint, strategy="finetune", **kwargs).fit(
        X, y
    )
    stats = [k for k in _backbone_state(ref) if k.endswith("running_mean")]
    assert stats
    for name in stats:
        torch.testing.assert_close(_backbone_state(lpft)[name], _backbone_state(ref)[name])
    assert any(
        not torch.allclose(_backbone_state(plain)[name], _backbone_state(ref)[name])
        for name in stats
    )
    # while the weights themselves were fine-tuned
    weights = [k for k in _backbone_state(ref) if k.endswith("weight")]
    assert any(
        not torch.allclose(_backbone_state(lpft)[k], _backbone_state(ref)[k]) for k in weights
    )


def test_lp_ft_probe_stage_reads_the_shared_feature_cache(
    tiny_image_checkpoint, image_data, fresh_store
):
    X, y = image_data
    kwargs = dict(image_size=32, freeze_depth=0, **FAST)
    PretrainedImageClassifier(tiny_image_checkpoint, strategy="probe", **kwargs).fit(X, y)
    computed = fresh_store.stats["computed"]
    assert computed == len(X)
    PretrainedImageClassifier(tiny_image_checkpoint, strategy="lp-ft", **kwargs).fit(X, y)
    assert fresh_store.stats["computed"] == computed  # the head's stage cost no backbone pass


def test_nothing_to_fine_tune_is_a_probe(tiny_text_checkpoint, text_data):
    X, y = text_data
    for strategy in ("finetune", "lp-ft", "contrastive"):
        clf = PretrainedTextClassifier(
            tiny_text_checkpoint, strategy=strategy, freeze_depth="all", **FAST
        ).fit(X, y)
        assert clf.strategy_ == "probe" and set(_stages(clf)) == {"probe"}


def test_auto_picks_contrastive_for_few_shot_text_and_lp_ft_otherwise(
    tiny_text_checkpoint, tiny_image_checkpoint, text_data, image_data
):
    X, y = text_data  # 20 per class
    assert (y == y[0]).sum() <= CONTRASTIVE_MAX_PER_CLASS
    few = PretrainedTextClassifier(tiny_text_checkpoint, contrastive_pairs=32, **FT).fit(X, y)
    assert few.strategy_ == "contrastive"
    assert _stages(few)[0] == "contrastive" and set(_stages(few)[1:]) == {"probe"}
    reps = CONTRASTIVE_MAX_PER_CLASS // 20 + 1  # just over the limit a class
    many = np.tile(X, reps), np.tile(y, reps)
    assert PretrainedTextClassifier(tiny_text_checkpoint, **FT).fit(*many).strategy_ == "lp-ft"
    multilabel = np.stack([y == "pos", y == "neg"], axis=1).astype(int)
    assert (
        PretrainedTextClassifier(tiny_text_checkpoint, **FT).fit(X, multilabel).strategy_ == "lp-ft"
    )
    assert (
        PretrainedTextRegressor(tiny_text_checkpoint, **FT).fit(X, (y == "pos") * 1.0).strategy_
        == "lp-ft"
    )
    Xi, yi = image_data
    assert (
        PretrainedImageClassifier(tiny_image_checkpoint, image_size=32, **FT).fit(Xi, yi).strategy_
        == "lp-ft"
    )
    assert (
        PretrainedImageRegressor(tiny_image_checkpoint, image_size=32, **FT)
        .fit(Xi, yi * 1.0)
        .strategy_
        == "lp-ft"
    )


def test_the_auto_rule_is_bounded_on_imbalanced_classes():
    # issue 15.4: 495 + 17 texts ran the pair stage on 512 texts; the average class decides
    rule = dict(modality="text", classifier=True, multilabel=False)
    assert resolve_strategy("auto", **rule, min_class_count=17, mean_class_count=256) == "lp-ft"
    assert resolve_strategy("auto", **rule, min_class_count=20, mean_class_count=24) == (
        "contrastive"
    )
    assert resolve_strategy("auto", **rule, min_class_count=17, mean_class_count=450) == "lp-ft"


def test_auto_gives_plain_fine_tuning_where_the_guard_cannot_see_the_rarest_class():
    # 495 + 17 sentences: LP-FT's guard saw 2 of the rare class and gave back a blind probe
    rule = dict(modality="text", classifier=True, multilabel=False, min_class_count=17)
    rare = dict(mean_class_count=256, guard_samples=52)
    assert resolve_strategy("auto", **rule, **rare, rare_guard_samples=2) == "finetune"
    seen = MIN_GUARD_SAMPLES
    assert resolve_strategy("auto", **rule, **rare, rare_guard_samples=seen) == "lp-ft"
    assert resolve_strategy("auto", **rule, **rare, rare_guard_samples=None) == "lp-ft"  # no guard
    assert resolve_strategy("lp-ft", **rule, **rare, rare_guard_samples=2) == "lp-ft"
    few = dict(mean_class_count=20, guard_samples=5, rare_guard_samples=1)
    assert resolve_strategy("auto", **rule, **few) == "contrastive"  # few-shot: the pairs
    image = dict(rule, modality="image")  # photos: the probe is the fallback, not measured here
    assert resolve_strategy("auto", **image, **rare, rare_guard_samples=2) == "lp-ft"


def test_auto_on_imbalanced_texts(tiny_text_checkpoint, text_data):
    X, y = text_data
    keep = np.r_[np.flatnonzero(y == "pos"), np.flatnonzero(y == "neg")[:4]]  # 20 + 4 texts
    clf = PretrainedTextClassifier(tiny_text_checkpoint, max_epochs=1, batch_size=8)
    clf.fit(X[keep], y[keep])
    assert clf.strategy_ == "contrastive"  # 12 a class on average: few-shot
    reps = 2 * CONTRASTIVE_MAX_PER_CLASS // 20 + 1  # 20 x reps + 4 over the limit on average
    many = np.r_[np.repeat(np.flatnonzero(y == "pos"), reps), np.flatnonzero(y == "neg")[:4]]
    # one rare class, 1 of its 4 in the guard's rows: not the pairs, and not LP-FT
    assert clf.fit(X[many], y[many]).strategy_ == "finetune"
    seen = np.r_[many, np.repeat(np.flatnonzero(y == "neg"), 8)]  # 164 rare: 16 in the guard
    assert clf.fit(X[seen], y[seen]).strategy_ == "lp-ft"


@pytest.mark.parametrize(
    "modality, classifier, multilabel, per_class, expected",
    [
        ("text", True, False, 4, "contrastive"),
        ("text", True, False, CONTRASTIVE_MAX_PER_CLASS, "contrastive"),
        ("text", True, False, CONTRASTIVE_MAX_PER_CLASS + 1, "lp-ft"),
        ("text", True, False, FINETUNE_MIN_PER_CLASS - 1, "lp-ft"),
        ("text", True, False, FINETUNE_MIN_PER_CLASS, "finetune"),
        ("text", True, True, 4, "lp-ft"),  # multi-label: no class per sample
        ("text", False, False, 0, "lp-ft"),  # regressor
        ("image", True, False, 4, "lp-ft"),
        ("image", True, False, 5000, "lp-ft"),
    ],
)
def test_the_auto_rule(modality, classifier, multilabel, per_class, expected):
    data = dict(
        modality=modality, classifier=classifier, multilabel=multilabel, min_class_count=per_class
    )
    assert resolve_strategy("auto", **data) == expected
    assert resolve_strategy("probe", **data) == "probe"  # a strategy given is the one that runs


def test_contrastive_pulls_each_class_together(tiny_text_checkpoint, text_data):
    X, y = text_data

    def separation(clf):
        f = clf.transform(X)
        f = f / np.linalg.norm(f, axis=1, keepdims=True)
        sim = f @ f.T
        same = y[:, None] == y[None, :]
        off = ~np.eye(len(y), dtype=bool)
        return sim[same & off].mean() - sim[~same].mean()

    kwargs = dict(freeze_depth=0, batch_size=16, random_state=0, lr=1e-2, backbone_lr_scale=0.5)
    probe = PretrainedTextClassifier(tiny_text_checkpoint, strategy="probe", max_epochs=2, **kwargs)
    pairs = PretrainedTextClassifier(
        tiny_text_checkpoint, strategy="contrastive", contrastive_pairs=400, max_epochs=2, **kwargs
    )
    probe.fit(X, y)
    pairs.fit(X, y)
    assert pairs.strategy_ == "contrastive"
    assert pairs.n_frozen_blocks_ == pairs.n_blocks_ and pairs.prefix_key_ is None
    # the head trained last on a frozen encoder, but the encoder trained first: both count
    n_encoder = sum(p.numel() for p in pairs.net_.module_.backbone.parameters())
    assert probe.n_trainable_params_ + n_encoder // 2 < pairs.n_trainable_params_
    assert pairs.n_trainable_params_ <= probe.n_trainable_params_ + n_encoder
    assert separation(pairs) > separation(probe) + 0.1
    assert pairs.score(X, y) >= probe.score(X, y)
    contrastive_rows = [r for r in pairs.history_ if r["stage"] == "contrastive"]
    assert len(contrastive_rows) == 1  # one pass over the pairs


def test_contrastive_estimator_pickles_and_saves(tiny_text_checkpoint, text_data, tmp_path):
    X, y = text_data
    clf = PretrainedTextClassifier(
        tiny_text_checkpoint, strategy="contrastive", contrastive_pairs=64, **FT
    ).fit(X, y)
    expected = clf.predict_proba(X)
    np.testing.assert_allclose(
        pickle.loads(pickle.dumps(clf)).predict_proba(X), expected, atol=1e-6
    )
    loaded = PretrainedTextClassifier.load(clf.save(tmp_path / "m"))
    np.testing.assert_allclose(loaded.predict_proba(X), expected, atol=1e-5)


def test_contrastive_refuses_multilabel_and_other_estimators(
    tiny_text_checkpoint, tiny_image_checkpoint, text_data, image_data
):
    X, y = text_data
    multilabel = np.stack([y == "pos", y == "neg"], axis=1).astype(int)
    clf = PretrainedTextClassifier(tiny_text_checkpoint, strategy="contrastive", **FT)
    with pytest.raises(ValueError, match="needs one class per sample.*strategy='lp-ft'"):
        clf.fit(X, multilabel)
    with pytest.raises(ValueError, match="'strategy' parameter of PretrainedTextRegressor"):
        PretrainedTextRegressor(tiny_text_checkpoint, strategy="contrastive").fit(X, y == "pos")
    Xi, yi = image_data
    with pytest.raises(ValueError, match="'strategy' parameter of PretrainedImageClassifier"):
        PretrainedImageClassifier(tiny_image_checkpoint, strategy="contrastive").fit(Xi, yi)


def test_strategy_and_contrastive_pairs_in_a_grid_search(tiny_text_checkpoint, text_data):
    X, y = text_data
    est = PretrainedTextClassifier(tiny_text_checkpoint, freeze_depth=0, **FAST)
    grid = [
        {"strategy": ["probe", "lp-ft"]},
        {"strategy": ["contrastive"], "contrastive_pairs": [16, 48]},
    ]
    search = GridSearchCV(est, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.strategy_ == search.best_params_["strategy"]
    assert clone(est).set_params(strategy="contrastive").get_params()["strategy"] == "contrastive"


def test_sample_pairs_are_balanced_and_labelled_right():
    codes = np.array([0, 0, 0, 1, 1, 2])  # class 2 has one sample: no positive partner
    first, second, label = sample_pairs(codes, 50, np.random.RandomState(0))
    assert len(first) == len(second) == len(label) == 50
    np.testing.assert_array_equal(label, (codes[first] == codes[second]).astype(np.float32))
    assert not np.any((first == second) & (label == 1))  # a positive pair is two samples
    assert 0.3 < label.mean() < 0.5  # close to half, less the singleton's missing positives
    assert set(first) == set(range(6))  # every sample is an anchor
    assert not np.any((first == 5) & (label == 1))
    again = sample_pairs(codes, 50, np.random.RandomState(0))
    for a, b in zip((first, second, label), again):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="at least 2 classes"):
        sample_pairs(np.zeros(4, dtype=int), 10, np.random.RandomState(0))


@pytest.mark.parametrize(
    ("stage", "n", "expected"),
    [
        ("probe", 16, 500),
        ("probe", 2000, 10),
        ("probe", 320, 50),
        ("finetune", 16, 30),
        ("finetune", 2000, 5),
    ],
)
def test_auto_epochs_follow_the_step_rule(stage, n, expected):
    assert auto_epochs(stage, n, 32) == expected
    rule = AUTO_EPOCHS[stage]
    assert rule["min"] <= expected <= rule["max"]


def test_max_epochs_none_trains_each_stage_its_own_number_of_epochs(
    tiny_image_checkpoint, image_data
):
    X, y = image_data  # 60 images, batch 32: 2 steps per epoch
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint,
        image_size=32,
        strategy="lp-ft",
        freeze_depth=0,
        max_epochs=None,
        random_state=0,
    ).fit(X, y)
    stages = _stages(clf)
    assert stages.count("probe") == auto_epochs("probe", 60, 32) == 250
    # LP-FT's fine-tuning of an image backbone follows the shorter "refine" rule (100 steps)
    assert stages.count("finetune") == auto_epochs("refine", 60, 32) == 10
    plain = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, strategy="finetune", max_epochs=None, random_state=0
    ).fit(X, y)
    assert _stages(plain).count("finetune") == auto_epochs("finetune", 60, 32) == 30


def test_epochs_rule_shortens_only_lp_ft_fine_tuning_of_images():
    assert epochs_rule("lp-ft", "finetune", "image") == "refine"
    assert epochs_rule("lp-ft", "finetune", "text") == "finetune"
    assert epochs_rule("finetune", "finetune", "image") == "finetune"
    assert epochs_rule("lp-ft", "probe", "image") == "probe"


def test_auto_is_the_same_fit_as_the_strategy_it_picks(tiny_image_checkpoint, image_data):
    X, y = image_data  # benchmarks/accuracy.py relies on this to not train the default twice
    auto = PretrainedImageClassifier(tiny_image_checkpoint, image_size=32, **FT).fit(X, y)
    lpft = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, strategy="lp-ft", **FT
    ).fit(X, y)
    assert auto.strategy_ == "lp-ft"
    np.testing.assert_array_equal(auto.predict_proba(X), lpft.predict_proba(X))


@pytest.mark.parametrize(
    "probe, tuned, warns",
    [
        ((2.1, 0.4, 0.06), [2.3, 2.2], True),
        ((2.1, 0.4, 0.06), [0.5, 0.2], False),
        ((2.1, 0.4, 0.06), [3.0, 1.5], False),
        # a head that learned nothing (a random network on noise, loss at chance): no warning
        ((0.700, 0.695, 0.690), [0.701, 0.703], False),
    ],
)
def test_lp_ft_warns_when_fine_tuning_ends_worse_than_the_untrained_head(
    probe, tuned, warns, recwarn
):
    history = [{"stage": "probe", "train_loss": loss} for loss in probe]
    history += [{"stage": "finetune", "train_loss": loss} for loss in tuned]
    warn_if_fine_tuning_undid_probe(history, lr=3e-3, scale=1.0)
    messages = [str(w.message) for w in recwarn if "too high for the backbone" in str(w.message)]
    assert len(messages) == warns
    if warns:
        assert "lr * backbone_lr_scale = 0.003" in messages[0]
        assert "try 0.1" in messages[0]


def test_auto_runs_the_probe_when_the_guard_would_judge_on_too_few_images():
    kw = {"classifier": True, "multilabel": False, "min_class_count": 5}
    assert resolve_strategy("auto", modality="image", guard_samples=2, **kw) == "probe"
    assert resolve_strategy("auto", modality="image", guard_samples=None, **kw) == "probe"
    assert (
        resolve_strategy("auto", modality="image", guard_samples=MIN_GUARD_SAMPLES, **kw) == "lp-ft"
    )
    assert resolve_strategy("lp-ft", modality="image", guard_samples=2, **kw) == "lp-ft"
    regression = {**kw, "classifier": False}
    assert resolve_strategy("auto", modality="image", guard_samples=None, **regression) == "lp-ft"


def test_auto_on_five_images_of_two_classes_is_the_probe(tiny_image_checkpoint, image_data):
    X, y = image_data
    few = np.concatenate([np.flatnonzero(y == c)[:5] for c in (0, 1)])  # 1 validation image a class
    clf = PretrainedImageClassifier(tiny_image_checkpoint, **FT).fit(X[few], y[few])
    assert clf.strategy_ == "probe" and clf.n_frozen_blocks_ == clf.n_blocks_
    off = PretrainedImageClassifier(tiny_image_checkpoint, validation_fraction=0.0, **FT)
    assert off.fit(X[few], y[few]).strategy_ == "lp-ft"  # the guard turned off on purpose
