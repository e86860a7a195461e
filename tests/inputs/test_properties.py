"""Property-based tests: any valid image array becomes uint8 N x 3 x H x W, and a tiny classifier's
predictions are always among its classes, whatever the shapes, dtypes and label types."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklearn_zoo.inputs import as_image_source

CHANNELS = (1, 3, 4)


@st.composite
def image_batches(draw, max_n: int = 4, max_side: int = 12):
    """``(array, pixels_nhwc, layout)``: a batch in one of the accepted layouts and dtypes."""
    n = draw(st.integers(1, max_n))
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    c = draw(st.sampled_from(CHANNELS))
    dtype = draw(st.sampled_from(["uint8", "float32-unit", "float64-255"]))
    shape = (n, h, w, c)
    if dtype == "uint8":
        pixels = draw(arrays(np.uint8, shape))
    elif dtype == "float32-unit":
        pixels = draw(arrays(np.float32, shape, elements=st.floats(0, 1, width=32)))
    else:
        pixels = draw(arrays(np.float64, shape, elements=st.floats(0, 255)))
    layout = draw(st.sampled_from(["NHWC", "NCHW"]))
    array = pixels if layout == "NHWC" else pixels.transpose(0, 3, 1, 2)
    return array, pixels, layout


def _expected_uint8(a: np.ndarray) -> np.ndarray:
    """The pixel values as floats in [0, 255]: floats whose maximum is at most 1 are read as [0, 1]."""
    if a.dtype == np.uint8:
        return a.astype(np.float64)
    a = a.astype(np.float64)
    return a * 255.0 if a.max() <= 1.0 else a


def _rounded_as_float32(a: np.ndarray) -> np.ndarray:
    """The uint8 values of :func:`_expected_uint8`, rounded from float32 arithmetic as the package
    computes them (a value like 0.9 * 255 may round either way in float64)."""
    if a.dtype == np.uint8:
        return a.astype(np.float64)
    x = a.astype(np.float32)
    return np.rint(x * np.float32(255) if x.max() <= 1 else x).astype(np.float64)


@settings(max_examples=150, deadline=None)
@given(image_batches())
def test_any_valid_image_array_becomes_uint8_n_3_h_w(batch):
    array, pixels, layout = batch
    n, h, w, c = pixels.shape
    source = as_image_source(array)
    out = source.tensor.numpy()
    assert out.dtype == np.uint8 and out.ndim == 4 and out.shape[:2] == (n, 3)
    # the documented rule: when the second axis could be channels, the array is read as NCHW
    nchw = array if array.shape[1] in CHANNELS else array.transpose(0, 3, 1, 2)
    ambiguous = layout == "NHWC" and h in CHANNELS
    if not ambiguous:
        assert out.shape == (n, 3, h, w)
        np.testing.assert_array_equal(nchw, pixels.transpose(0, 3, 1, 2))
    values = _expected_uint8(nchw)
    if nchw.shape[1] == 4:  # alpha composited on white: what a transparent image looks like
        pixels8 = _rounded_as_float32(nchw)  # the uint8 pixels the composite starts from
        alpha = pixels8[:, 3:] / 255
        rgb = pixels8[:, :3] * alpha + 255 * (1 - alpha)
    else:  # gray repeated over three channels
        rgb = values[:, [0, 0, 0]] if nchw.shape[1] == 1 else values
    assert out.shape == rgb.shape
    # values are the pixels rounded to the nearest integer (float32 arithmetic: a hair of slack)
    assert np.abs(out.astype(np.float64) - rgb).max(initial=0) <= 0.5 + 1e-3
    assert len(source) == n


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 12), st.integers(1, 12), st.sampled_from((0, *CHANNELS))),
        min_size=1,
        max_size=4,
    ),
    st.randoms(use_true_random=False),
)
def test_lists_of_single_images_load_as_uint8_3_h_w(shapes, rnd):
    images = []
    for h, w, c in shapes:
        shape = (h, w) if c == 0 else (h, w, c)
        images.append(np.random.default_rng(rnd.randrange(2**32)).integers(0, 256, shape, np.uint8))
    assume(all(h not in CHANNELS for h, _, c in shapes if c))  # HWC that also reads as CHW
    source = as_image_source(images)
    loaded = source.load(list(range(len(images))))
    for img, (h, w, _) in zip(loaded, shapes):
        assert img.dtype == torch.uint8 and tuple(img.shape) == (3, h, w)


LABELS = {
    "ints": st.integers(-3, 3),
    "strings": st.sampled_from(["cat", "dog", "", "b c", "ünïcode"]),
    "bools": st.booleans(),
}


@st.composite
def tiny_problems(draw):
    kind = draw(st.sampled_from(sorted(LABELS)))
    n = draw(st.integers(2, 6))
    labels = draw(st.lists(LABELS[kind], min_size=n, max_size=n))
    assume(len(set(labels)) >= 2)
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    c = draw(st.sampled_from(CHANNELS))
    X = draw(arrays(np.uint8, (n, h, w, c)))
    X_new = draw(arrays(np.uint8, (draw(st.integers(1, 3)), 5, 7, 3)))
    return X, np.asarray(labels), X_new


@pytest.fixture(scope="module")
def tiny_classifier(tiny_image_checkpoint):
    from sklearn_zoo import PretrainedImageClassifier

    return PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=16, max_epochs=1, batch_size=8, random_state=0
    )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(problem=tiny_problems())
def test_predictions_are_always_members_of_classes(tiny_classifier, problem):
    from sklearn.base import clone

    X, y, X_new = problem
    clf = clone(tiny_classifier).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, np.unique(y))
    for images in (X, X_new):
        pred = clf.predict(images)
        assert pred.shape == (len(images),)
        assert pred.dtype == clf.classes_.dtype
        assert np.isin(pred, clf.classes_).all()
        proba = clf.predict_proba(images)
        assert proba.shape == (len(images), len(clf.classes_))
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
