"""``time_budget``: stages timed on their first steps and sized to end in time (a fake clock: no
wall-clock timing is asserted), the probe first, the best state kept, and the long-fit estimate."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import torch
from _helpers import wreck_at_epoch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback

from sklearn_zoo import LongFitWarning, PretrainedImageClassifier, PretrainedTextRegressor
from sklearn_zoo.estimators import _budget
from sklearn_zoo.estimators._budget import duration, parse_budget

FAST = {"image_size": 32, "batch_size": 16, "random_state": 0}


class FakeClock(Callback):
    """The budget's clock, moved ``per_step`` seconds by each training step of a stage that
    trains backbone blocks (the probe on cached features costs next to nothing)."""

    def __init__(self, per_step: float):
        self.per_step = per_step
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def on_batch_begin(self, net, training=False, **kwargs):
        module = net.module_
        if training and module.split < module.backbone.num_blocks:
            self.now += self.per_step


class LastLR(Callback):
    def __init__(self):
        self.seen = []

    def on_epoch_end(self, net, **kwargs):
        self.seen.append(net.optimizer_.param_groups[-1]["lr"])


def _fit(checkpoint, data, clock, monkeypatch, **params):
    monkeypatch.setattr(_budget, "clock", clock)
    callbacks = [clock, *params.pop("callbacks", [])]
    clf = PretrainedImageClassifier(checkpoint, net_params={"callbacks": callbacks}, **params)
    return clf.fit(*data)


def test_budget_shortens_fine_tuning_and_its_schedule(
    tiny_image_checkpoint, image_data, monkeypatch
):
    # 54 training rows, batches of 16: 4 steps (4 fake seconds) an epoch; 20 s fit 5 of 10 epochs
    lr = LastLR()
    clf = _fit(
        tiny_image_checkpoint,
        image_data,
        FakeClock(1.0),
        monkeypatch,
        time_budget=20,
        max_epochs=10,
        warmup_fraction=0.0,
        callbacks=[lr],
        **FAST,
    )
    probe, tuned = clf.stages_
    assert probe["stage"] == "probe" and probe["epochs"] == 10 and not probe["budget_cut"]
    assert tuned["stage"] == "finetune" and tuned["epochs"] == 5 and tuned["budget_cut"]
    assert not tuned["interrupted"]
    # the cosine schedule was resized to 5 epochs (20 steps) after the first steps: after the
    # 4th epoch it is at 0.10 of the rate (0.65 on the 10 epochs planned before)
    first, fourth = lr.seen[10], lr.seen[13]  # LastLR runs after the budget's last stop
    assert fourth / first < 0.2


def test_budget_keeps_the_best_state_seen(tiny_image_checkpoint, image_data, monkeypatch):
    clf = _fit(
        tiny_image_checkpoint,
        image_data,
        FakeClock(1.0),
        monkeypatch,
        time_budget="20s",
        max_epochs=10,
        callbacks=[wreck_at_epoch(5)],
        **FAST,
    )
    assert clf.stages_[1]["epochs"] == 5 and clf.stages_[1]["budget_cut"]
    weights = torch.cat([p.flatten() for p in clf.net_.module_.backbone.parameters()])
    assert weights.std() < 2.0  # not the wrecked last epoch


def test_probe_first_and_kept_when_no_fine_tuning_epoch_fits(
    tiny_image_checkpoint, image_data, monkeypatch
):
    clf = _fit(
        tiny_image_checkpoint,
        image_data,
        FakeClock(1.0),
        monkeypatch,
        time_budget=2,
        max_epochs=3,
        **FAST,
    )
    assert [r["stage"] for r in clf.stages_] == ["probe", "finetune"]
    assert clf.stages_[1]["epochs"] == 0 and clf.stages_[1]["budget_cut"]
    assert clf.best_stage_ == "probe" and clf.n_frozen_blocks_ == clf.n_blocks_
    assert {r["stage"] for r in clf.history_} == {"probe"}
    assert clf.predict(image_data[0]).shape == image_data[1].shape


def test_plain_fine_tuning_finishes_its_first_epoch(tiny_image_checkpoint, image_data, monkeypatch):
    # no probe to fall back on: the budget stops it at the end of an epoch, never inside one
    clf = _fit(
        tiny_image_checkpoint,
        image_data,
        FakeClock(1.0),
        monkeypatch,
        strategy="finetune",
        time_budget=2,
        max_epochs=3,
        **FAST,
    )
    assert clf.stages_[0]["epochs"] == 1 and clf.stages_[0]["budget_cut"]


def test_long_fit_warns_once_and_can_be_silenced(
    tiny_image_checkpoint, image_data, monkeypatch, capsys
):
    slow = {"max_epochs": 2, **FAST}  # 4 steps of 100 fake seconds an epoch: 800 s planned
    with pytest.warns(LongFitWarning, match="about 13min 20s for 2 epoch") as record:
        _fit(tiny_image_checkpoint, image_data, FakeClock(100.0), monkeypatch, **slow)
    assert len([w for w in record if w.category is LongFitWarning]) == 1
    assert "time_budget" in str(record[0].message) and "image_size" in str(record[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=LongFitWarning)
        _fit(tiny_image_checkpoint, image_data, FakeClock(100.0), monkeypatch, **slow)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LongFitWarning)  # short: no warning
        _fit(tiny_image_checkpoint, image_data, FakeClock(1.0), monkeypatch, **slow)
    capsys.readouterr()
    _fit(tiny_image_checkpoint, image_data, FakeClock(100.0), monkeypatch, verbose=1, **slow)
    out = capsys.readouterr().out
    assert "finetune: about 13min 20s for 2 epoch(s)" in out and "To shorten it" in out


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(None, None), (90, 90.0), (0.5, 0.5), ("90s", 90.0), ("10min", 600.0), ("1.5h", 5400.0)],
)
def test_parse_budget(value, seconds):
    assert parse_budget(value, "X") == seconds


@pytest.mark.parametrize("value", ["soon", "10 days", "0s", "-5s", 0, -1, float("inf"), True])
def test_bad_budget_is_refused_before_anything_loads(value, tiny_image_checkpoint, image_data):
    clf = PretrainedImageClassifier(tiny_image_checkpoint, time_budget=value, **FAST)
    with pytest.raises(ValueError, match="'time_budget' parameter of PretrainedImageClassifier"):
        clf.fit(*image_data)


def test_duration():
    assert [duration(s) for s in (4.4, 200, 3900)] == ["4s", "3min 20s", "1h 05min"]


def test_budget_is_an_ordinary_parameter(tiny_text_checkpoint, text_data, tmp_path):
    from sklearn_zoo import load

    X, y = text_data
    reg = PretrainedTextRegressor(tiny_text_checkpoint, time_budget="10min", max_epochs=1)
    assert clone(reg).get_params()["time_budget"] == "10min"
    assert pickle.loads(pickle.dumps(reg)).time_budget == "10min"
    target = (np.asarray(y) == "pos").astype(float)
    search = GridSearchCV(reg, {"time_budget": [60, "2min"]}, cv=2).fit(list(X), target)
    assert search.best_params_["time_budget"] in (60, "2min")
    reg.fit(list(X), target).save(tmp_path / "m")
    assert load(tmp_path / "m").time_budget == "10min"


def test_budget_rechecks_after_every_epoch(tiny_image_checkpoint, image_data, monkeypatch):
    class SlowingClock(FakeClock):
        """1 s a step in the first fine-tuning epoch, 3 s after it."""

        def on_epoch_end(self, net, **kwargs):
            if net.module_.split == 0:
                self.per_step = 3.0

    clf = _fit(
        tiny_image_checkpoint,
        image_data,
        SlowingClock(1.0),
        monkeypatch,
        time_budget=20,
        max_epochs=10,
        **FAST,
    )
    # planned 5 epochs from the first steps; after epoch 1 (4 s) an epoch takes 12 s: one more
    assert clf.stages_[1]["epochs"] == 2 and clf.stages_[1]["budget_cut"]


def test_the_progress_bar_shows_the_stage_eta(tiny_image_checkpoint, image_data, monkeypatch):
    class LastBatch(Callback):
        def __init__(self):
            self.eta = []

        def on_epoch_end(self, net, **kwargs):
            if net.module_.split == 0:
                etas = [b["eta"] for b in net.history[-1, "batches"] if "eta" in b]
                self.eta.append(etas[-1])  # the last training step's

    seen = LastBatch()
    _fit(
        tiny_image_checkpoint,
        image_data,
        FakeClock(10.0),
        monkeypatch,
        max_epochs=3,
        callbacks=[seen],
        **FAST,
    )
    # 4 steps of 10 fake seconds an epoch: at the end of epochs 1, 2, 3 the stage has 80, 40, 0 s left
    assert seen.eta == ["1min 20s", "40s", "0s"]
    from sklearn_zoo.training import _callbacks  # the progress bar shows the batch rows' "eta"

    bar = dict(_callbacks(10, 0.1, "cosine", early_stopping=False, n_iter_no_change=5, verbose=1))
    assert "eta" in bar["progress"].postfix_keys
