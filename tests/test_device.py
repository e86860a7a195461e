"""Device and precision choices; the GPU paths run wherever a CUDA device is present."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from sklearn_zoo import PretrainedImageClassifier, TextEmbedder
from sklearn_zoo._config import resolve_device
from sklearn_zoo.estimators._base import autocast_dtype

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


@cuda
def test_gpu_fit_in_mixed_precision_then_predict_on_cpu(
    tiny_image_checkpoint, image_data, monkeypatch
):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, max_epochs=2, freeze_depth=-1, random_state=0
    )
    clf.fit(X, y)
    assert clf.device_ == "cuda"
    expected = clf.predict_proba(X)
    blob = pickle.dumps(clf)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # as on a CPU-only machine
    with pytest.warns(UserWarning, match="cuda"):
        on_cpu = pickle.loads(blob)
    assert on_cpu.net_.device == "cpu"
    np.testing.assert_allclose(on_cpu.predict_proba(X), expected, atol=2e-2)


@cuda
def test_gpu_text_embedder(tiny_text_checkpoint, text_data):
    texts, _ = text_data
    emb = TextEmbedder(tiny_text_checkpoint, device="cuda", cache=False).fit()
    gpu = emb.transform(texts)
    cpu = TextEmbedder(tiny_text_checkpoint, device="cpu", cache=False).fit().transform(texts)
    np.testing.assert_allclose(gpu, cpu, atol=5e-2)
