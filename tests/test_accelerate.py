"""The Hugging Face Accelerate path (``accelerate=True``), ``compile=True`` and channels-last:
they train, they really go through Accelerate / ``torch.compile``, and the fitted estimator
pickles like any other. The GPU cases run wherever a CUDA device is present."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from _helpers import fast
from skorch.callbacks import Callback

from sklearn_zoo import PretrainedImageClassifier, PretrainedTextClassifier
from sklearn_zoo.module import ZooModule, make_head
from sklearn_zoo.training import ZooNet

pytest.importorskip("accelerate")

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
# one training stage, so that optimizer steps and epochs are those of a single net
FAST = fast(device="cpu", strategy="finetune")


class Record(Callback):
    """What the net looked like while it trained: module and optimizer classes, the accelerator's
    settings, and the optimizer steps taken (AdamW's per-parameter ``step``)."""

    def __init__(self, seen: dict):
        self.seen = seen

    def on_epoch_end(self, net, **kwargs):
        optimizer = getattr(net.optimizer_, "optimizer", net.optimizer_)  # accelerate wraps it
        steps = [float(s["step"]) for s in optimizer.state.values() if "step" in s]
        accelerator = getattr(net, "accelerator", None)
        self.seen.update(
            module=type(net.module_).__name__,
            optimizer=type(net.optimizer_).__name__,
            mixed_precision=getattr(accelerator, "mixed_precision", None),
            steps=max(steps) if steps else 0,
            device=str(next(net.module_.parameters()).device),
        )


def _fit(cls, checkpoint, X, y, **params):
    seen: dict = {}
    net_params = {"callbacks": [Record(seen)], **params.pop("net_params", {})}
    est = cls(checkpoint, net_params=net_params, **{**FAST, **params})
    return est.fit(X, y), seen


def test_lp_ft_runs_both_stages_through_one_accelerator(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf, seen = _fit(
        PretrainedImageClassifier,
        tiny_image_checkpoint,
        X,
        y,
        image_size=16,
        strategy="lp-ft",
        freeze_depth=-1,
        accelerate=True,
        grad_accumulation_steps=2,
        validation_fraction=0.0,  # no guard: both stages end as trained, whatever they score
    )
    assert [row["stage"] for row in clf.history_] == ["probe"] * 2 + ["finetune"] * 2
    assert seen["optimizer"] == "AcceleratedOptimizer"
    assert seen["steps"] == 4  # the fine-tuning stage's own optimizer: 2 epochs x 4 / 2
    assert type(clf.net_) is ZooNet and not hasattr(clf.net_, "accelerator")
    assert clf.predict_proba(X).shape == (60, 3)
    pickle.loads(pickle.dumps(clf))


def test_trains_through_accelerate_and_accumulates_there(tiny_image_checkpoint, image_data):
    X, y = image_data  # 60 images: 4 batches of 16 an epoch
    clf, seen = _fit(
        PretrainedImageClassifier,
        tiny_image_checkpoint,
        X,
        y,
        image_size=16,
        freeze_depth=-1,
        accelerate=True,
        grad_accumulation_steps=2,
    )
    assert seen["optimizer"] == "AcceleratedOptimizer"
    assert seen["mixed_precision"] == "no"  # precision="auto" on the CPU
    assert seen["steps"] == 4  # 2 epochs x (4 batches / 2 accumulated)
    assert len(clf.history_) == 2 and all(np.isfinite(h["train_loss"]) for h in clf.history_)
    assert clf.predict_proba(X).shape == (60, 3)
    # handed back without the accelerator: a plain net that pickles
    assert type(clf.net_) is ZooNet and not hasattr(clf.net_, "accelerator")
    assert clf.device_ == "cpu"
    plain, seen_plain = _fit(
        PretrainedImageClassifier, tiny_image_checkpoint, X, y, image_size=16, freeze_depth=-1
    )
    assert seen_plain["optimizer"] == "AdamW" and seen_plain["steps"] == 8


def test_early_stopping_restores_best_weights_through_accelerate(tiny_text_checkpoint, text_data):
    T, ty = text_data
    clf, seen = _fit(
        PretrainedTextClassifier,
        tiny_text_checkpoint,
        T,
        ty,
        freeze_depth=0,
        accelerate=True,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=1,
        max_epochs=6,
        lr=5e-2,
    )
    assert seen["optimizer"] == "AcceleratedOptimizer"
    valid = [h["valid_loss"] for h in clf.history_]
    assert all(np.isfinite(valid)) and 2 <= len(valid) <= 6
    assert set(clf.predict(T)) <= {"pos", "neg"}


def test_bf16_through_accelerate_then_fp32_in_the_same_process(tiny_image_checkpoint, image_data):
    """Accelerate keeps one state per process; a second estimator with other settings still fits."""
    X, y = image_data
    common = {"image_size": 16, "accelerate": True, "max_epochs": 1}
    _, bf16 = _fit(
        PretrainedImageClassifier, tiny_image_checkpoint, X, y, precision="bf16", **common
    )
    _, fp32 = _fit(
        PretrainedImageClassifier, tiny_image_checkpoint, X, y, precision="fp32", **common
    )
    assert (bf16["mixed_precision"], fp32["mixed_precision"]) == ("bf16", "no")


def test_a_diverging_loss_is_still_caught(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=16, freeze_depth=0, accelerate=True, lr=1e30, **FAST
    )
    with pytest.raises(ValueError, match="Lower the learning rate"):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


CHILD = r"""
import pickle, socket, sys
def refuse(*args, **kwargs):
    raise OSError("network blocked in the child process")
socket.socket.connect = refuse
socket.create_connection = refuse
sys.modules["accelerate"] = None  # unpickling must not need accelerate
import numpy as np
clf = pickle.load(open(sys.argv[1], "rb"))
np.save(sys.argv[3], clf.predict_proba(np.load(sys.argv[2])), allow_pickle=False)
"""


def test_a_model_trained_through_accelerate_pickles_to_a_fresh_process(
    tiny_image_checkpoint, image_data, tmp_path
):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=16, freeze_depth=-1, accelerate=True, **FAST
    ).fit(X, y)
    (tmp_path / "clf.pkl").write_bytes(pickle.dumps(clf))
    np.save(tmp_path / "X.npy", X)
    result = subprocess.run(
        [sys.executable, "-c", CHILD, *(str(tmp_path / f) for f in ("clf.pkl", "X.npy", "p.npy"))],
        env={**os.environ, "SKLEARN_ZOO_CACHE": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # the child computes the frozen prefix afresh where the parent reads the fit's cached rows:
    # float32 convolutions of other batch compositions differ in the last bits
    np.testing.assert_allclose(np.load(tmp_path / "p.npy"), clf.predict_proba(X), rtol=1e-5)
    loaded = PretrainedImageClassifier.load(clf.save(tmp_path / "saved"))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_without_accelerate_installed_the_error_says_what_to_install(
    tiny_image_checkpoint, image_data, monkeypatch
):
    monkeypatch.setitem(sys.modules, "accelerate", None)
    clf = PretrainedImageClassifier(tiny_image_checkpoint, image_size=16, accelerate=True, **FAST)
    with pytest.raises(ImportError, match=r"sklearn-zoo\[accelerate\]"):
        clf.fit(*image_data)


def test_compile_trains_a_compiled_module_and_pickles_the_plain_one(
    tiny_image_checkpoint, image_data
):
    X, y = image_data
    clf, seen = _fit(
        PretrainedImageClassifier,
        tiny_image_checkpoint,
        X,
        y,
        image_size=16,
        freeze_depth=-1,
        compile=True,
        # the eager backend checks the wiring without a C++ build of the graph (slow on 2 cores)
        net_params={"compile__backend": "eager"},
    )
    assert seen["module"] == "OptimizedModule"
    assert type(clf.net_.module_) is ZooModule
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_channels_last_gives_the_same_outputs(tiny_image_checkpoint):
    from sklearn_zoo import get_checkpoint
    from sklearn_zoo.loading import load_backbone

    backbone = load_backbone(get_checkpoint(tiny_image_checkpoint))
    backbone.freeze(2)
    head = make_head(backbone.num_features, (), 3, 0.0)
    plain = ZooModule(backbone, head, split=2).eval()
    x = torch.rand(4, 3, 32, 32)
    with torch.inference_mode():
        want = plain(pixel_values=x)
        prefix = backbone.forward_prefix(x, 2)  # the cached activations take the same path
        from_prefix = plain(prefix=prefix)
        nhwc = ZooModule(backbone, head, split=2, channels_last=True)
        nhwc = nhwc.to(memory_format=torch.channels_last).eval()
        torch.testing.assert_close(nhwc(pixel_values=x), want, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(nhwc(prefix=prefix), from_prefix, rtol=1e-4, atol=1e-5)
    conv = next(m for m in nhwc.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)


@cuda
def test_accelerate_on_a_gpu_trains_bf16_channels_last_and_loads_on_cpu(
    tiny_image_checkpoint, image_data, tmp_path
):
    X, y = image_data
    clf, seen = _fit(
        PretrainedImageClassifier,
        tiny_image_checkpoint,
        X,
        y,
        image_size=32,
        freeze_depth=0,
        accelerate=True,
        device="auto",
    )
    assert seen["device"].startswith("cuda")
    if torch.cuda.is_bf16_supported():
        assert seen["mixed_precision"] == "bf16"
    conv = next(m for m in clf.net_.module_.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    on_cpu = PretrainedImageClassifier.load(clf.save(tmp_path / "saved"), device="cpu")
    np.testing.assert_allclose(on_cpu.predict_proba(X), clf.predict_proba(X), atol=2e-2)
