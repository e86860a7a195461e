"""``head_norm="power"``: the signed square root of the features, L2-normalized, in front of the
head; what it computes, and that it travels with the fitted network (pickle, save, warm start)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from _helpers import FAST

from sklearn_zoo import PretrainedImageClassifier, PretrainedTextRegressor
from sklearn_zoo import module as zoo_module
from sklearn_zoo.module import PowerNorm, make_head


def test_power_norm_takes_signed_square_roots_and_fixes_the_norm():
    x = torch.tensor([[4.0, -9.0, 0.0, 16.0], [0.01, 0.0, 0.0, 0.0]])
    out = PowerNorm(scale=8.0, eps=0.0)(x)
    roots = torch.tensor([[2.0, -3.0, 0.0, 4.0], [0.1, 0.0, 0.0, 0.0]])
    torch.testing.assert_close(out, 8.0 * roots / roots.norm(dim=1, keepdim=True))
    torch.testing.assert_close(out.norm(dim=1), torch.tensor([8.0, 8.0]))
    # a feature a few large activations dominate counts less: 16 against 4 is 2 against 1
    assert out[0, 3] / out[0, 0] == pytest.approx(2.0)


def test_power_norm_has_finite_gradients_at_zero_features():
    x = torch.zeros(2, 5, requires_grad=True)
    make_head(5, (), 3, 0.0, "power")(x).sum().backward()
    assert torch.isfinite(x.grad).all()


def test_the_fitted_head_applies_the_norm_to_the_features_transform_gives(
    tiny_image_checkpoint, image_data
):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, strategy="probe", head_norm="power", image_size=32, **FAST
    ).fit(X, y)
    head = clf.net_.module_.head
    assert isinstance(head[0], PowerNorm) and isinstance(head[1], torch.nn.Linear)
    features = torch.as_tensor(clf.transform(X[:8]), dtype=torch.float32)
    linear = head[1]
    normed = 12.0 * torch.nn.functional.normalize(
        torch.sign(features) * torch.sqrt(features.abs() + 1e-6), dim=1
    )
    expected = torch.softmax(linear(normed), dim=1).detach().numpy()
    np.testing.assert_allclose(clf.predict_proba(X[:8]), expected, atol=1e-5)
    plain = PretrainedImageClassifier(
        tiny_image_checkpoint, strategy="probe", image_size=32, **FAST
    ).fit(X, y)
    assert isinstance(plain.net_.module_.head[0], torch.nn.Linear)
    assert clf.model_card_.adaptation["head"].endswith("on power-normalized features (L2 norm 12)")
    assert "power" not in plain.model_card_.adaptation["head"]
    assert not np.allclose(plain.predict_proba(X), clf.predict_proba(X), atol=1e-3)


def test_pickle_and_save_keep_the_norm(tiny_image_checkpoint, image_data, tmp_path, monkeypatch):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, strategy="lp-ft", head_norm="power", image_size=32, **FAST
    ).fit(X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X), proba, atol=1e-6)
    folder = clf.save(tmp_path / "clf")
    # the norm's scale is saved with the weights: a library that builds another scale now
    # still loads the model that was fitted
    monkeypatch.setattr(zoo_module, "POWER_NORM_SCALE", 3.0)
    assert float(PowerNorm().scale) == 3.0
    loaded = PretrainedImageClassifier.load(folder)
    assert loaded.head_norm == "power" and isinstance(loaded.net_.module_.head[0], PowerNorm)
    assert float(loaded.net_.module_.head[0].scale) == 12.0
    np.testing.assert_allclose(loaded.predict_proba(X), proba, atol=1e-6)


def test_a_warm_start_refuses_another_norm_and_keeps_the_fitted_network(
    tiny_image_checkpoint, image_data
):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, strategy="probe", image_size=32, warm_start=True, **FAST
    ).fit(X, y)
    net, proba = clf.net_, clf.predict_proba(X)
    clf.set_params(head_norm="power")
    with pytest.raises(ValueError, match="'head_norm' \\('power'\\) parameters no longer give"):
        clf.fit(X, y)
    assert clf.net_ is net
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


@pytest.mark.parametrize("bad", ["l2", "POWER", 1, True])
def test_an_unknown_norm_is_refused_before_anything_loads(bad, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(checkpoint="no-such-checkpoint", head_norm=bad)
    with pytest.raises(ValueError, match="head_norm"):
        clf.fit(X, y)


def test_a_regressor_head_takes_the_norm_too(tiny_text_checkpoint, text_data):
    X, _ = text_data
    target = np.linspace(0.0, 1.0, len(X))
    reg = PretrainedTextRegressor(
        tiny_text_checkpoint, strategy="probe", head_norm="power", **FAST
    ).fit(X, target)
    assert isinstance(reg.net_.module_.head[0], PowerNorm)
    assert np.isfinite(reg.predict(X)).all()
