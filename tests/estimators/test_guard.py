"""The guarded LP-FT: validation rows held out, every fine-tuning epoch scored against the probe's
state, and the best kept (the probe's included), on a tiny checkpoint."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _helpers import wreck_at_epoch
from skorch.callbacks import Callback

from sklearn_zoo import PretrainedImageClassifier, PretrainedTextClassifier
from sklearn_zoo.estimators._guard import final_key, guard_rows, score_key

FAST = {"image_size": 32, "max_epochs": 3, "batch_size": 16, "random_state": 0}


class WreckBackbone(Callback):
    """Fine-tuning built to hurt: after every fine-tuning step what trains in the backbone (its
    adapters, when it has them) is noise and the head predicts class 0 whatever it sees (a third
    of the validation rows right)."""

    def on_batch_end(self, net, training=False, **kwargs):
        module = net.module_
        if training and module.split < module.backbone.num_blocks:  # a stage that tunes blocks
            with torch.no_grad():
                for p in module.backbone.parameters():
                    if p.requires_grad:
                        p.normal_(0.0, 3.0)
                module.head[-1].weight.zero_()
                module.head[-1].bias.copy_(torch.tensor([10.0, 0.0, 0.0]))


def _backbone_state(est):
    return {k: v.clone() for k, v in est.net_.module_.backbone.state_dict().items()}


def test_guard_returns_the_probe_when_fine_tuning_only_hurts(tiny_image_checkpoint, image_data):
    X, y = image_data
    learns = {**FAST, "lr": 3e-2}  # the probe beats a third of the validation rows
    probe = PretrainedImageClassifier(tiny_image_checkpoint, strategy="probe", **learns)
    probe.fit(X, y)
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, net_params={"callbacks": [WreckBackbone()]}, **learns
    ).fit(X, y)
    assert clf.strategy_ == "lp-ft" and clf.best_stage_ == "probe"
    assert [r["stage"] for r in clf.stages_] == ["probe", "finetune"]
    stages = [r["stage"] for r in clf.history_]
    assert stages == ["probe"] * 3 + ["finetune"] * 3 + ["probe"] * 3  # refit on every row
    assert clf.n_frozen_blocks_ == clf.n_blocks_ and clf.prefix_key_ is not None
    for name, value in _backbone_state(probe).items():  # the pretrained backbone, not the wreck
        torch.testing.assert_close(_backbone_state(clf)[name], value)
    tuned = [r for r in clf.history_ if r["stage"] == "finetune"]
    probe_end = [r for r in clf.history_ if r["stage"] == "probe"][2]
    assert all(r["valid_acc"] == pytest.approx(1 / 3) for r in tuned)
    assert probe_end["valid_acc"] > 1 / 3
    # the probe it gives back is the very fit of strategy="probe"
    np.testing.assert_array_equal(clf.predict_proba(X), probe.predict_proba(X))


@pytest.mark.parametrize("max_epochs", [None, 4])
def test_the_probe_given_back_is_the_probe_strategys_fit(
    tiny_image_checkpoint, image_data, max_epochs
):
    X, y = image_data
    params = {**FAST, "lr": 3e-2, "max_epochs": max_epochs}  # None: each stage's own length
    probe = PretrainedImageClassifier(tiny_image_checkpoint, strategy="probe", **params).fit(X, y)
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, net_params={"callbacks": [WreckBackbone()]}, **params
    ).fit(X, y)
    assert clf.best_stage_ == "probe"
    refit = [r for r in clf.history_ if r["stage"] == "probe"][-len(probe.history_) :]
    assert [r["train_loss"] for r in refit] == [r["train_loss"] for r in probe.history_]
    np.testing.assert_array_equal(clf.predict_proba(X), probe.predict_proba(X))


def test_the_probe_given_back_by_an_adapter_fit_is_the_probe_strategys_fit(
    tiny_image_checkpoint, image_data
):
    # the adapters' random start must not move torch's generator before the probe stage
    pytest.importorskip("peft")
    X, y = image_data
    params = {**FAST, "lr": 3e-2, "adapter": "lora", "adapter_rank": 2}
    probe = PretrainedImageClassifier(tiny_image_checkpoint, strategy="probe", **params).fit(X, y)
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, net_params={"callbacks": [WreckBackbone()]}, **params
    ).fit(X, y)
    assert clf.strategy_ == "lp-ft" and clf.best_stage_ == "probe"
    assert clf.adapter_modules_  # the adapters were there, and trained
    np.testing.assert_array_equal(clf.predict_proba(X), probe.predict_proba(X))


def test_guard_keeps_fine_tuning_when_it_helps(tiny_image_checkpoint, image_data):
    # a random tiny backbone: the probe stays near chance, fine-tuning learns
    X, y = image_data
    clf = PretrainedImageClassifier(tiny_image_checkpoint, **FAST).fit(X, y)
    assert clf.best_stage_ == "finetune" and clf.n_frozen_blocks_ == 0
    assert [r["stage"] for r in clf.stages_] == ["probe", "finetune"]
    rows = clf.history_
    probe_key = score_key([r for r in rows if r["stage"] == "probe"][-1])
    best = max(score_key(r) for r in rows if r["stage"] == "finetune")
    assert best > probe_key
    # the validation rows were held out of training: 60 samples, 3 classes -> 6 held out
    assert rows[0]["train_batch_count"] == 4 and rows[0]["valid_batch_count"] == 1


def test_guard_ends_in_the_best_epoch_not_the_last(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, net_params={"callbacks": [wreck_at_epoch(3)]}, **FAST
    ).fit(X, y)
    assert clf.best_stage_ == "finetune"
    tuned = [r for r in clf.history_ if r["stage"] == "finetune"]
    assert score_key(tuned[-1]) < max(score_key(r) for r in tuned)
    assert torch.isfinite(torch.as_tensor(clf.predict_proba(X))).all()
    # the kept weights are not the wrecked ones: the backbone is not N(0, 3) noise
    weights = torch.cat([p.flatten() for p in clf.net_.module_.backbone.parameters()])
    assert weights.std() < 2.0


def test_no_guard_without_lp_ft_or_enough_samples(tiny_image_checkpoint, image_data):
    X, y = image_data
    ft = PretrainedImageClassifier(tiny_image_checkpoint, strategy="finetune", **FAST).fit(X, y)
    assert "valid_loss" not in ft.history_[0] and ft.best_stage_ == "finetune"
    assert guard_rows(60, 0.1, np.repeat([0, 1, 2], 20), 0).valid.size == 6
    assert guard_rows(9, 0.1, np.repeat([0, 1, 2], 3), 0).valid.size == 3  # one per class
    assert guard_rows(8, 0.1, np.array([0, 0, 0, 1, 1, 1, 2, 2]), 0) is None  # a class of two
    assert guard_rows(3, 0.5, None, 0) is None  # regression: too few
    assert guard_rows(10, 0.1, None, 0).valid.size == 1


def test_final_key_follows_early_stopping_restore():
    rows = [
        {"valid_loss": 0.5, "valid_loss_best": True, "valid_acc": 0.8},
        {"valid_loss": 0.7, "valid_loss_best": False, "valid_acc": 0.9},
    ]
    assert final_key(rows) == (0.8, -0.5)
    assert final_key(rows[:1]) == (0.8, -0.5)
    assert final_key([{"train_loss": 1.0}]) is None


@pytest.mark.parametrize("early_stopping", [False, True])
def test_guard_on_text_and_saved(tiny_text_checkpoint, text_data, tmp_path, early_stopping):
    from sklearn_zoo import load

    X, y = text_data
    clf = PretrainedTextClassifier(
        tiny_text_checkpoint,
        strategy="lp-ft",
        early_stopping=early_stopping,
        max_epochs=2,
        batch_size=8,
        random_state=0,
    ).fit(X, y)
    assert clf.best_stage_ in ("probe", "finetune")
    assert clf.stages_[0]["stage"] == "probe"
    clf.save(tmp_path / "m")
    loaded = load(tmp_path / "m")
    assert loaded.best_stage_ == clf.best_stage_ and loaded.stages_ == clf.stages_
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_partial_fit_holds_nothing_out(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(tiny_image_checkpoint, **FAST)
    clf.partial_fit(X, y, classes=np.unique(y))
    assert all("valid_loss" not in row for row in clf.history_)
    assert clf.history_[0]["train_batch_count"] == 4  # 60 rows in batches of 16


def _run_guard(to_beat, epochs, n_valid=10):
    """Feed ``Guard`` epochs of (validation accuracy, validation loss) as skorch would."""
    from types import SimpleNamespace

    from skorch.history import History

    from sklearn_zoo.estimators._guard import Guard

    net = SimpleNamespace(history=History(), module_=torch.nn.Linear(2, 2))
    guard = Guard(classify=True, to_beat=to_beat).initialize()
    for acc, loss in epochs:
        guard.on_epoch_begin(net)
        right = round(acc * n_valid)
        batch = (None, torch.tensor([0] * n_valid))
        logits = torch.zeros(n_valid, 2)
        logits[:right, 0] = 1.0  # the first ``right`` rows predicted as class 0: correct
        logits[right:, 1] = 1.0
        guard.on_batch_end(net, batch=batch, training=False, y_pred=logits)
        net.history.new_epoch()
        net.history.record("valid_loss", loss)
        guard.on_epoch_end(net)
    return guard


def test_guard_rejects_epochs_as_accurate_on_few_samples_but_with_a_worse_loss():
    # measured: flowers5, 20 photos a class, the last 2 blocks at lr 1e-3 (dev accuracy 0.36 against
    # the probe's 0.67). On 10 validation photos some epochs matched the probe's 6/10 by luck; the
    # loss doubled in every one of them.
    probe = (0.6, -0.876)
    tuned = [(0.4, 1.81), (0.6, 1.298), (0.5, 1.298), (0.6, 1.739), (0.6, 1.556), (0.5, 1.73)]
    assert _run_guard(probe, tuned).best_epoch_ is None


def test_guard_keeps_the_lowest_loss_among_epochs_not_clearly_less_accurate():
    probe = (0.6, -0.66)
    tuned = [(0.4, 2.29), (0.7, 0.91), (0.9, 0.41), (0.3, 0.2), (0.9, 0.28), (0.8, 0.30)]
    guard = _run_guard(probe, tuned)
    # epoch 4 has the lowest loss but is clearly less accurate than the probe (3/10 vs 6/10)
    assert guard.best_epoch_ == 5 and guard.best_key_ == (0.9, -0.28)


def test_validation_fraction_zero_turns_the_guard_off(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(tiny_image_checkpoint, validation_fraction=0.0, **FAST)
    clf.fit(X, y)
    assert clf.strategy_ == "lp-ft" and clf.best_stage_ == "finetune"
    assert all("valid_loss" not in row for row in clf.history_)
    assert clf.history_[0]["train_batch_count"] == 4  # every one of the 60 rows trains
    assert guard_rows(60, 0.0, np.repeat([0, 1, 2], 20), 0) is None
    stopping = PretrainedImageClassifier(
        tiny_image_checkpoint, validation_fraction=0.0, early_stopping=True, **FAST
    )
    with pytest.raises(ValueError, match="validation_fraction above 0"):
        stopping.fit(X, y)
    clf.set_params(validation_fraction=-0.1)
    with pytest.raises(ValueError, match="validation_fraction"):
        clf.fit(X, y)


def _run_probability_guard(probe_probs, epochs_probs):
    """Feed ``Guard`` epochs given as each validation row's probability of its class (2 classes),
    against the probe's; the losses skorch would record are their mean log-loss."""
    from types import SimpleNamespace

    from skorch.history import History

    from sklearn_zoo.estimators._guard import Guard

    def logits(p):
        p = torch.tensor(p, dtype=torch.float64)
        return torch.stack([torch.log(p), torch.log1p(-p)], dim=1).float()  # class 0 is right

    loss = lambda p: float(-np.log(np.asarray(p)).mean())  # noqa: E731
    acc = lambda p: float(np.mean(np.asarray(p) > 0.5))  # noqa: E731
    net = SimpleNamespace(history=History(), module_=torch.nn.Linear(2, 2))
    guard = Guard(
        classify=True,
        to_beat=(acc(probe_probs), -loss(probe_probs)),
        baseline=np.asarray(probe_probs, dtype=np.float32),
    ).initialize()
    for probs in epochs_probs:
        guard.on_epoch_begin(net)
        target = torch.zeros(len(probs), dtype=torch.long)
        guard.on_batch_end(net, batch=(None, target), training=False, y_pred=logits(probs))
        net.history.new_epoch()
        net.history.record("valid_loss", loss(probs))
        guard.on_epoch_end(net)
    return guard


def test_guard_keeps_the_probe_when_both_are_right_and_fine_tuning_is_only_sharper():
    # cats_dogs, 100 photos a class, seed 2: 20 validation photos all right under the probe; the
    # lowest-loss rule kept a sharper fine-tuning epoch that scored 0.847 on the test set (probe
    # 0.980). Confidence beyond 99% earns nothing, and one photo's gain is within the noise.
    probe = [0.995] * 19 + [0.9]
    sharper = [[0.99999] * 20, [0.9999] * 19 + [0.999]]
    guard = _run_probability_guard(probe, sharper)
    assert guard.best_epoch_ is None  # although both epochs have a lower mean validation loss


def test_guard_keeps_fine_tuning_that_is_clearly_better_sample_by_sample():
    # digits-like: the probe unsure on many rows, fine-tuning sure and right on most of them
    rng = np.random.default_rng(0)
    probe = rng.uniform(0.3, 0.8, size=20).tolist()
    tuned = [min(p + 0.15, 0.99) for p in probe]
    tuned[3] = 0.25  # one row worse
    guard = _run_probability_guard(probe, [probe, tuned])
    assert guard.best_epoch_ == 2


def test_a_broad_gain_counts_despite_a_few_confident_mistakes():
    # digits, 100 a class (100 validation digits): fine-tuning right on 96 where the probe had 85,
    # wrong with near certainty on 4. Its mean log-loss is lower, but 4 losses of 9.2 make the
    # log-loss gain 0.5 standard errors; the bounded Brier score sees the broad gain (5.0).
    probe = [0.7] * 85 + [0.3] * 15
    tuned = [1e-4] * 2 + [0.97] * 96 + [1e-4] * 2
    assert _run_probability_guard(probe, [tuned]).best_epoch_ == 1


def test_clearly_better_needs_a_gain_beyond_its_noise():
    from sklearn_zoo.estimators._guard import clearly_better

    base = np.full(10, 0.6)
    assert not clearly_better(base, base)  # no gain
    one = base.copy()
    one[0] = 0.99  # one sample's gain only
    assert not clearly_better(one, base)
    assert clearly_better(np.full(10, 0.9), base)  # every sample better
    assert not clearly_better(np.full(10, 0.9999), np.full(10, 0.995))  # both beyond the cap


def test_the_guards_measurement_leaves_torchs_generator_alone():
    from skorch import NeuralNet
    from skorch.dataset import Dataset

    from sklearn_zoo.estimators._guard import valid_probs

    net = NeuralNet(torch.nn.Linear(4, 3), criterion=torch.nn.CrossEntropyLoss, batch_size=4)
    net.initialize()
    data = Dataset(torch.randn(10, 4), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]))
    torch.manual_seed(3)
    expected = torch.rand(2)
    torch.manual_seed(3)
    probs = valid_probs(net, data)
    assert probs.shape == (10,) and ((probs > 0) & (probs < 1)).all()
    torch.testing.assert_close(torch.rand(2), expected)
