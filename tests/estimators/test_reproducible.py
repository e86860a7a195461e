"""A seeded fit is the same fit wherever it runs: first in its process or after other fits,
with torch's and numpy's global generators wherever earlier code left them."""

from __future__ import annotations

import numpy as np
import torch

from sklearn_zoo import PretrainedImageClassifier, PretrainedTextClassifier

FAST = {"image_size": 32, "max_epochs": 2, "batch_size": 16}


def _lp_ft(checkpoint, **params):
    return {"checkpoint": checkpoint, "strategy": "lp-ft", "random_state": 0, **FAST, **params}


def test_image_fit_repeats_after_other_fits(tiny_image_checkpoint, image_data):
    X, y = image_data
    params = _lp_ft(tiny_image_checkpoint, augment="light")
    first = PretrainedImageClassifier(**params).fit(X, y).predict_proba(X)
    # other fits in between, and the global generators moved on
    PretrainedImageClassifier(**{**params, "random_state": 7}).fit(X, y)
    PretrainedImageClassifier(**{**params, "strategy": "finetune", "random_state": None}).fit(X, y)
    torch.manual_seed(123)
    np.random.seed(123)
    torch.rand(5)
    again = PretrainedImageClassifier(**params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, again)


def test_text_fit_repeats_after_other_fits(tiny_text_checkpoint, text_data):
    X, y = text_data
    params = {"checkpoint": tiny_text_checkpoint, "random_state": 0, "max_epochs": 2}
    first = PretrainedTextClassifier(strategy="lp-ft", **params).fit(X, y).predict_proba(X)
    PretrainedTextClassifier(strategy="contrastive", **{**params, "random_state": 3}).fit(X, y)
    torch.manual_seed(5)
    np.random.seed(5)
    again = PretrainedTextClassifier(strategy="lp-ft", **params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, again)


def test_a_seeded_fit_leaves_the_global_generators_alone(tiny_image_checkpoint, image_data):
    X, y = image_data
    torch.manual_seed(11)
    np.random.seed(11)
    expected_torch, expected_numpy = torch.rand(3), np.random.rand(3)
    torch.manual_seed(11)
    np.random.seed(11)
    PretrainedImageClassifier(**_lp_ft(tiny_image_checkpoint, augment="light")).fit(X, y)
    np.testing.assert_array_equal(torch.rand(3), expected_torch)
    np.testing.assert_array_equal(np.random.rand(3), expected_numpy)
