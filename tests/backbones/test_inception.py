"""Inception v3 and GoogLeNet: the auxiliary classifiers are dropped (features never pass through
them), torchvision's ``transform_input`` is kept when a model has it on, and a classifier on a
tiny GoogLeNet fits, predicts, pickles and round-trips through ``save`` / ``load``."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from sklearn_zoo import PretrainedImageClassifier
from sklearn_zoo.backbones import adapt


@pytest.mark.parametrize("arch", ["inception_v3", "googlenet"])
def test_auxiliary_classifiers_are_dropped(arch):
    from torchvision.models import get_model

    model = get_model(arch, weights=None, num_classes=5, init_weights=False)
    backbone = adapt(model)
    names = [n for n, _ in backbone.named_parameters()]
    assert not any(part in n for n in names for part in ("AuxLogits", "aux1", "aux2"))
    backbone.train()
    features = backbone(torch.rand(2, 3, 75, 75))  # train mode: no (logits, aux) tuple
    assert isinstance(features, torch.Tensor) and features.shape == (2, backbone.num_features)


def test_transform_input_is_the_cards_scale():
    """A model built with ``transform_input=True`` rescales ImageNet-normalized input inside; fed
    [-1, 1] input without it, the same weights give the same features."""
    from torchvision.models import inception_v3

    torch.manual_seed(0)
    inside = inception_v3(weights=None, init_weights=False, transform_input=True, aux_logits=False)
    outside = inception_v3(weights=None, init_weights=False, aux_logits=False)
    outside.load_state_dict(inside.state_dict())
    pixels = torch.rand(2, 3, 75, 75)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    a, b = adapt(inside).eval(), adapt(outside).eval()
    with torch.no_grad():  # the stem's output: the features of random weights can all be 0
        stem = a.forward_prefix((pixels - mean) / std, 1)
        torch.testing.assert_close(stem, b.forward_prefix((pixels - 0.5) / 0.5, 1))
    assert stem.abs().sum() > 0


def test_googlenet_classifier_round_trips(tmp_path, tiny, image_data):
    from torchvision.models import googlenet

    torch.manual_seed(0)
    path = tiny.save_state_dict(
        googlenet(weights=None, num_classes=10, init_weights=False), tmp_path / "g.safetensors"
    )
    X, y = image_data
    clf = PretrainedImageClassifier(
        f"torchvision:googlenet@{path}",
        strategy="finetune",  # no guard to give the probe back: the last block trains
        freeze_depth=-1,
        image_size=64,
        max_epochs=2,
        batch_size=16,
        random_state=0,
    ).fit(X, y)
    assert (clf.n_blocks_, clf.n_frozen_blocks_) == (10, 9)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X), proba, rtol=1e-5)
    loaded = PretrainedImageClassifier.load(clf.save(tmp_path / "saved"))
    np.testing.assert_allclose(loaded.predict_proba(X), proba, rtol=1e-5, atol=1e-6)
