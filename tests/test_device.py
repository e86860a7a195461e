"""Device and precision choices; the GPU paths run wherever a CUDA device is present, and what a
GPU fit leaves in a pickle is reproduced here on the CPU."""

from __future__ import annotations

import io
import pickle
import warnings
from unittest import mock

import joblib
import numpy as np
import pytest
import torch
from skorch.exceptions import DeviceWarning

from sklearn_zoo import ImageEmbedder, PretrainedImageClassifier, TextEmbedder
from sklearn_zoo.runtime import autocast_dtype, resolve_device

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def test_auto_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert resolve_device("auto") == "mps"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"
    assert resolve_device("cpu") == "cpu"


def test_auto_precision_is_bf16_only_on_a_capable_gpu(monkeypatch):
    assert autocast_dtype("auto", "cpu") is None
    assert autocast_dtype("fp32", "cuda") is None
    assert autocast_dtype("bf16", "cpu") is torch.bfloat16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert autocast_dtype("auto", "cuda") is torch.bfloat16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert autocast_dtype("auto", "cuda") is None


def test_bf16_autocast_trains_on_cpu(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint,
        image_size=32,
        precision="bf16",
        max_epochs=2,
        freeze_depth=0,
        random_state=0,
    )
    proba = clf.fit(X, y).predict_proba(X)
    assert clf.net_.autocast_dtype is torch.bfloat16
    # bf16 inside the network, full precision out (float64, as scikit-learn's classifiers give)
    assert np.isfinite(proba).all() and proba.dtype == np.float64
    assert clf.transform(X).dtype == np.float32


def _dumps(est, how: str) -> bytes:
    if how == "pickle":
        return pickle.dumps(est)
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    return buffer.getvalue()


def _loads(blob: bytes, how: str):
    return pickle.loads(blob) if how == "pickle" else joblib.load(io.BytesIO(blob))


def _as_if_fitted_on_cuda(est):
    """Make ``est`` (fitted on the CPU) what a fit on a CUDA device leaves: the devices say
    "cuda", the network is stored channels-last with bf16 autocast, as ``fit`` sets them there."""
    est.device_ = "cuda"
    if hasattr(est, "net_"):
        est.net_.device = "cuda"
        est.net_.autocast_dtype = torch.bfloat16
        est.net_.module_.channels_last = True
        est.net_.module_.to(memory_format=torch.channels_last)
    else:
        est.autocast_dtype_ = torch.bfloat16
    return est


def _tagged_cuda(storage) -> str:
    return "cuda:0"


@pytest.fixture
def cpu_only(monkeypatch):
    """This machine has no CUDA device, even where the test suite runs on one."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.mark.parametrize("how", ["pickle", "joblib"])
@pytest.mark.parametrize("kind", ["classifier", "image-embedder", "text-embedder"])
def test_a_cuda_fit_unpickles_and_runs_on_a_cpu_only_machine(
    kind, how, tiny_image_checkpoint, image_data, text_data, cpu_only, request
):
    """Every tensor is pickled with the location tag of a GPU tensor ("cuda:0", what ``torch.save``
    writes for one), so unpickling takes the path it takes after a real CUDA fit."""
    X, y = image_data
    if kind == "classifier":
        est = PretrainedImageClassifier(
            tiny_image_checkpoint, image_size=32, max_epochs=1, freeze_depth=-1, random_state=0
        ).fit(X, y)
        method = "predict_proba"
    elif kind == "image-embedder":
        est, method = (
            ImageEmbedder(tiny_image_checkpoint, image_size=32, cache=False).fit(),
            "transform",
        )
    else:
        X, _ = text_data
        checkpoint = request.getfixturevalue("tiny_text_checkpoint")
        est, method = TextEmbedder(checkpoint, cache=False).fit(), "transform"
    expected = getattr(est, method)(X)
    with mock.patch("torch.serialization.location_tag", _tagged_cuda):
        blob = _dumps(_as_if_fitted_on_cuda(est), how)
    if kind != "classifier":  # pickling left the embedder itself as it was (on the CPU again)
        est.device_, est.autocast_dtype_ = "cpu", None
        np.testing.assert_array_equal(getattr(est, method)(X), expected)
    with pytest.warns(DeviceWarning, match="CUDA"):
        on_cpu = _loads(blob, how)
    assert on_cpu.device_ == "cpu" and type(on_cpu.device_) is str
    if kind == "classifier":
        assert on_cpu.net_.device == "cpu" and type(on_cpu.net_.device) is str
    else:
        assert on_cpu.autocast_dtype_ is None  # fp32 on the CPU, as a CPU fit would choose
        assert next(on_cpu.backbone_.parameters()).device.type == "cpu"
    np.testing.assert_allclose(getattr(on_cpu, method)(X), expected, atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeviceWarning)  # unpickled again: nothing left to move
        again = pickle.loads(pickle.dumps(on_cpu))
    np.testing.assert_allclose(getattr(again, method)(X), expected, atol=1e-5)


@pytest.mark.parametrize("cls", [PretrainedImageClassifier, ImageEmbedder])
def test_a_cuda_fit_saves_and_loads_on_a_cpu_only_machine(
    cls, tiny_image_checkpoint, image_data, tmp_path, cpu_only
):
    X, y = image_data
    if cls is ImageEmbedder:
        est, method = (
            ImageEmbedder(tiny_image_checkpoint, image_size=32, cache=False).fit(),
            "transform",
        )
    else:
        est = cls(tiny_image_checkpoint, image_size=32, max_epochs=1, random_state=0).fit(X, y)
        method = "predict_proba"
    expected = getattr(est, method)(X)
    folder = _as_if_fitted_on_cuda(est).save(tmp_path / "saved")
    loaded = cls.load(folder)
    assert loaded.device_ == "cpu"
    np.testing.assert_allclose(getattr(loaded, method)(X), expected, atol=1e-5)


@cuda
@pytest.mark.parametrize("how", ["pickle", "joblib"])
def test_gpu_fit_in_mixed_precision_then_predict_on_cpu(
    tiny_image_checkpoint, image_data, monkeypatch, how
):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, max_epochs=2, freeze_depth=-1, random_state=0
    )
    clf.fit(X, y)
    emb = ImageEmbedder(tiny_image_checkpoint, image_size=32, cache=False).fit()
    assert clf.device_ == emb.device_ == "cuda"
    for est, method in ((clf, "predict_proba"), (emb, "transform")):
        expected = getattr(est, method)(X)
        blob = _dumps(est, how)
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # a CPU-only machine
        with pytest.warns(DeviceWarning, match="CUDA"):
            on_cpu = _loads(blob, how)
        monkeypatch.undo()
        assert on_cpu.device_ == "cpu"
        np.testing.assert_allclose(getattr(on_cpu, method)(X), expected, atol=2e-2, rtol=1e-2)


@cuda
def test_gpu_text_embedder(tiny_text_checkpoint, text_data):
    texts, _ = text_data
    emb = TextEmbedder(tiny_text_checkpoint, device="cuda", cache=False).fit()
    gpu = emb.transform(texts)
    cpu = TextEmbedder(tiny_text_checkpoint, device="cpu", cache=False).fit().transform(texts)
    np.testing.assert_allclose(gpu, cpu, atol=5e-2)
