"""Faults during fit: Ctrl-C, a diverging loss, GPU out-of-memory, a broken feature cache."""

from __future__ import annotations

import copy
import errno
import warnings

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_zoo import (
    PretrainedImageClassifier,
    PretrainedImageRegressor,
    PretrainedTextClassifier,
)
from sklearn_zoo.training import ZooNet


def _state(net) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in net.module_.state_dict().items()}


def _assert_same_state(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)


class CtrlC(Callback):
    """Presses Ctrl-C after the first batch of epoch ``at_epoch``; keeps a copy of the weights at
    the end of every epoch, and at the moment of the interruption."""

    def __init__(self, at_epoch: int) -> None:
        self.at_epoch = at_epoch

    def initialize(self):
        self.epoch_states_: dict[int, dict] = {}
        self.best_epoch_ = None
        self.interrupted_state_ = None
        return self

    def on_epoch_end(self, net, **kwargs):
        epoch = len(net.history)
        self.epoch_states_[epoch] = _state(net)
        stopper = dict(net.callbacks_).get("early_stopping")
        if stopper is not None:
            self.best_epoch_ = stopper.best_epoch_

    def on_batch_end(self, net, **kwargs):
        if len(net.history) == self.at_epoch:
            self.interrupted_state_ = _state(net)
            raise KeyboardInterrupt


class Poison(Callback):
    """Turns the head's weights into NaN after the first batch of epoch 2."""

    def on_batch_end(self, net, **kwargs):
        if len(net.history) == 2:
            with torch.no_grad():
                for p in net.module_.head.parameters():
                    p.fill_(float("nan"))


@pytest.fixture
def image_clf(tiny_image_checkpoint):
    return PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, max_epochs=5, batch_size=16, random_state=0
    )


# -- (a) Ctrl-C ---------------------------------------------------------------------------------


def test_ctrl_c_keeps_the_weights_so_far_and_warns(image_clf, image_data):
    X, y = image_data
    ctrl_c = CtrlC(at_epoch=3)
    image_clf.set_params(net_params={"callbacks": [ctrl_c]})
    with pytest.warns(UserWarning, match=r"fit was interrupted \(KeyboardInterrupt\) after 2 of 5"):
        image_clf.fit(X, y)
    assert len(image_clf.history_) == 2  # the epoch cut short is not reported
    # fitted, usable, and holding the weights of the moment of the interruption
    _assert_same_state(_state(image_clf.net_), ctrl_c.interrupted_state_)
    assert set(image_clf.predict(X)) <= set(image_clf.classes_)


def test_ctrl_c_with_early_stopping_restores_the_best_epoch(tiny_image_checkpoint, image_data):
    X, y = image_data
    ctrl_c = CtrlC(at_epoch=4)
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint,
        image_size=32,
        lr=0.05,
        max_epochs=8,
        batch_size=8,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=10,
        random_state=0,
        net_params={"callbacks": [ctrl_c]},
    )
    with pytest.warns(UserWarning, match=r"after 3 of 8 epochs.*best weights"):
        clf.fit(X, y)
    best = ctrl_c.best_epoch_
    assert best in (1, 2, 3)
    losses = [epoch["valid_loss"] for epoch in clf.history_]
    assert losses[best - 1] == pytest.approx(min(losses), rel=1e-3)
    _assert_same_state(_state(clf.net_), ctrl_c.epoch_states_[best])
    assert clf.predict_proba(X).shape == (len(X), 3)


def test_early_stopping_is_not_an_interruption(image_clf, image_data):
    X, y = image_data
    image_clf.set_params(
        lr=1e-12, max_epochs=20, early_stopping=True, n_iter_no_change=1, validation_fraction=0.25
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        image_clf.fit(X, y)
    assert len(image_clf.history_) < 20  # it did stop early
    assert not [w for w in caught if "interrupted" in str(w.message)]


# -- (b) a diverging loss -----------------------------------------------------------------------


def test_huge_learning_rate_stops_with_a_lower_lr_hint(tiny_image_checkpoint, image_data):
    X, y = image_data
    reg = PretrainedImageRegressor(tiny_image_checkpoint, image_size=32, lr=1e6, random_state=0)
    with pytest.raises(
        ValueError, match=r"Training diverged: .*Lower the learning rate \(lr=1e\+06"
    ):
        reg.fit(X, y.astype(float))
    assert not hasattr(reg, "net_")


def test_poisoned_weights_stop_training_and_keep_the_previous_model(image_clf, image_data):
    X, y = image_data
    image_clf.set_params(max_epochs=2).fit(X, y)
    before, proba = dict(vars(image_clf)), image_clf.predict_proba(X)
    image_clf.set_params(max_epochs=3, net_params={"callbacks": [Poison()]})
    with pytest.raises(ValueError, match=r"the training loss became nan.*try lr=0\.0001"):
        image_clf.fit(X, y)
    image_clf.set_params(max_epochs=2, net_params=None)
    assert all(vars(image_clf)[k] is v for k, v in before.items() if k.endswith("_"))
    np.testing.assert_array_equal(image_clf.predict_proba(X), proba)


# -- (c) GPU out of memory ----------------------------------------------------------------------


@pytest.fixture
def oom_above(monkeypatch):
    """``oom_above(n)``: training steps of nets whose batch_size exceeds ``n`` run out of memory on
    their second batch (after one optimizer step, so a retry must restore the initial weights)."""
    starts: dict[int, dict] = {}  # attempt number -> head weights at that net's first step
    original = ZooNet.train_step

    def install(limit: int):
        def train_step(self, batch, **fit_params):
            calls = getattr(self, "_test_calls", 0)
            self._test_calls = calls + 1
            if calls == 0:
                starts[len(starts)] = {  # not id(net): a collected net's id can come back
                    k: v.detach().clone() for k, v in self.module_.head.state_dict().items()
                }
            if self.batch_size > limit and calls >= 1:
                raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
            return original(self, batch, **fit_params)

        monkeypatch.setattr(ZooNet, "train_step", train_step)
        return starts

    return install


def test_out_of_memory_halves_the_batch_size(image_clf, image_data, oom_above):
    X, y = image_data
    starts = oom_above(8)
    # one stage: each stage of LP-FT retries on its own (fine-tuning needs more memory than a head)
    image_clf.set_params(batch_size=32, max_epochs=2, strategy="finetune")
    with pytest.warns(UserWarning) as record:
        image_clf.fit(X, y)
    messages = [str(w.message) for w in record if "Out of memory" in str(w.message)]
    assert len(messages) == 2
    assert "batch_size=32: retrying with batch_size=16" in messages[0]
    assert "batch_size=16: retrying with batch_size=8" in messages[1]
    assert image_clf.batch_size == 32  # the parameter is the user's: it is not changed
    assert set(image_clf.predict(X)) <= set(image_clf.classes_)
    # every attempt started from the same initial weights
    first, *others = starts.values()
    assert len(others) == 2
    for other in others:
        _assert_same_state(first, other)


def test_out_of_memory_even_at_batch_size_1_is_a_value_error(image_clf, image_data, oom_above):
    X, y = image_data
    oom_above(0)
    image_clf.set_params(batch_size=4, max_epochs=1)
    with (
        pytest.warns(UserWarning, match="Out of memory"),
        pytest.raises(ValueError, match=r"even with batch_size=1 \(the 'batch_size' parameter"),
    ):
        image_clf.fit(X, y)
    assert not hasattr(image_clf, "net_")


# -- (d) the feature cache ----------------------------------------------------------------------


@pytest.fixture
def cache_at(monkeypatch):
    """Point the feature cache at a folder, with a fresh store for it."""
    from sklearn_zoo import cache

    def point(folder):
        monkeypatch.setenv("SKLEARN_ZOO_CACHE", str(folder))
        monkeypatch.setattr(cache, "_STORES", {})
        return cache.default_store

    return point


def _reference(tiny_image_checkpoint, image_data, tmp_path, cache_at):
    X, y = image_data
    cache_at(tmp_path / "reference")
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, freeze_depth="all", max_epochs=2, random_state=0
    )
    return clf, clf.fit(X, y).predict_proba(X)


def test_unwritable_cache_folder_falls_back_with_a_warning(
    tiny_image_checkpoint, image_data, tmp_path, cache_at
):
    X, y = image_data
    clf, expected = _reference(tiny_image_checkpoint, image_data, tmp_path, cache_at)
    blocker = tmp_path / "a_file"
    blocker.write_text("a file where the cache folder should be")
    cache_at(blocker / "cache")
    with pytest.warns(RuntimeWarning, match="cannot be written.*in-memory cache only"):
        clf.fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), expected, atol=1e-6)


def test_full_disk_falls_back_with_a_warning(
    tiny_image_checkpoint, image_data, tmp_path, cache_at, monkeypatch
):
    import safetensors.torch

    X, y = image_data
    clf, expected = _reference(tiny_image_checkpoint, image_data, tmp_path, cache_at)
    cache_at(tmp_path / "full")

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safetensors.torch, "save_file", no_space)
    with pytest.warns(RuntimeWarning, match="No space left on device"):
        clf.fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), expected, atol=1e-6)


def test_corrupt_cache_entries_are_recomputed(
    tiny_image_checkpoint, image_data, tmp_path, cache_at
):
    X, y = image_data
    clf, expected = _reference(tiny_image_checkpoint, image_data, tmp_path, cache_at)
    shards = list((tmp_path / "reference").rglob("*.safetensors"))
    assert shards
    for shard in shards:  # flip the last bytes: the stored rows no longer match their checksum
        data = bytearray(shard.read_bytes())
        data[-8:] = bytes(8)
        shard.write_bytes(bytes(data))
    store = cache_at(tmp_path / "reference")()  # a new process: nothing in memory
    clf.fit(X, y)
    assert store.stats["corrupt"] >= 1 and store.stats["computed"] >= len(X)
    np.testing.assert_allclose(clf.predict_proba(X), expected, atol=1e-6)


def test_ctrl_c_on_a_text_classifier(tiny_text_checkpoint, text_data):
    X, y = text_data
    ctrl_c = CtrlC(at_epoch=2)
    clf = PretrainedTextClassifier(
        tiny_text_checkpoint,
        max_epochs=4,
        batch_size=8,
        random_state=0,
        net_params={"callbacks": [copy.deepcopy(ctrl_c)]},
    )
    with pytest.warns(UserWarning, match="after 1 of 4 epochs"):
        clf.fit(X, y)
    assert clf.predict(X).shape == (len(X),)


def test_ctrl_c_on_a_regressor(tiny_image_checkpoint, image_data):
    X, y = image_data
    reg = PretrainedImageRegressor(
        tiny_image_checkpoint,
        image_size=32,
        max_epochs=3,
        batch_size=16,
        random_state=0,
        net_params={"callbacks": [CtrlC(at_epoch=1)]},
    )
    with pytest.warns(UserWarning, match="after 0 of 3 epochs"):
        reg.fit(X, y.astype(float))
    assert reg.history_ == [] and np.isfinite(reg.predict(X)).all()
