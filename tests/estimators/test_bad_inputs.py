"""Validation at the boundary: every bad input is refused with a scikit-learn style error that names
the problem, and a failed call leaves the estimator exactly as it was.

One table row per bad input: which estimator, the call, the exception type and a ``match=`` regex.
``docs/bad_inputs.md`` states how many rows there are; a test below keeps that number true.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import digits, fast
from sklearn.base import clone, is_regressor
from sklearn.exceptions import NotFittedError

from sklearn_zoo import (
    ImageEmbedder,
    PretrainedImageClassifier,
    PretrainedImageRegressor,
    PretrainedTextClassifier,
    PretrainedTextRegressor,
    TextEmbedder,
)

ROOT = Path(__file__).resolve().parents[2]
FAST = fast(max_epochs=1)
N = 20

# -- the table ---------------------------------------------------------------------------------

IC, IR, IE = "image-classifier", "image-regressor", "image-embedder"
TC, TR, TE = "text-classifier", "text-regressor", "text-embedder"
BAD_PARAM = ValueError  # sklearn's InvalidParameterError is a ValueError (and a TypeError)


@dataclass(frozen=True)
class Bad:
    """One bad input: ``call(estimator, data)`` must raise ``exc`` matching ``match``."""

    id: str
    kind: str
    call: Callable[[Any, SimpleNamespace], Any]
    exc: type[BaseException]
    match: str
    params: dict | Callable[[SimpleNamespace], dict] = field(default_factory=dict)
    fitted: bool = True  # False: the estimator has never been fitted


def _fit(est, d):
    """``fit`` on the good data of the estimator's modality and task."""
    if est._modality == "image":
        return est.fit(d.X, d.y_reg if is_regressor(est) else d.y)
    return est.fit(d.T, d.ty_reg if is_regressor(est) else d.ty)


_good_fit = _fit


def _param(name: str, value: Any, kind: str, match: str | None = None, fitted: bool = True) -> Bad:
    cls = {
        IC: "PretrainedImageClassifier",
        IR: "PretrainedImageRegressor",
        IE: "ImageEmbedder",
        TC: "PretrainedTextClassifier",
        TR: "PretrainedTextRegressor",
        TE: "TextEmbedder",
    }[kind]
    return Bad(
        f"{kind}-{name}={value!r}",
        kind,
        _good_fit,
        BAD_PARAM,
        match
        or rf"The '{name}' parameter of {cls} must be .* Got {re.escape(repr(value))} instead",
        params={name: value},
        fitted=fitted,
    )


ROWS: list[Bad] = [
    # -- empty input -----------------------------------------------------------------------
    Bad("ic-empty-array", IC, lambda e, d: e.fit(d.X[:0], d.y[:0]), ValueError, "empty array of images"),
    Bad("ir-empty-list", IR, lambda e, d: e.fit([], []), ValueError, "empty list of images"),
    Bad("ie-empty-transform", IE, lambda e, d: e.transform(d.X[:0]), ValueError, "empty array of images"),
    Bad("tc-empty-list", TC, lambda e, d: e.fit([], []), ValueError, "empty list of texts"),
    Bad("te-empty-transform", TE, lambda e, d: e.transform([]), ValueError, "empty list of texts"),
    Bad("tr-empty-predict", TR, lambda e, d: e.predict(np.array([], dtype=object)), ValueError, "empty list of texts"),
    # -- X / y / sample_weight lengths -----------------------------------------------------
    Bad("ic-y-too-short", IC, lambda e, d: e.fit(d.X, d.y[:5]), ValueError, r"inconsistent numbers of samples: X has 20, y has 5"),
    Bad("tr-y-too-long", TR, lambda e, d: e.fit(d.T, np.r_[d.ty_reg, 1.0]), ValueError, r"inconsistent numbers of samples: X has 20, y has 21"),
    Bad("ic-sample-weight-length", IC, lambda e, d: e.fit(d.X, d.y, sample_weight=np.ones(3)), ValueError, r"sample_weight has shape \(3,\), expected \(20,\)"),
    Bad("tc-sample-weight-length", TC, lambda e, d: e.fit(d.T, d.ty, sample_weight=np.ones(N + 1)), ValueError, r"sample_weight has shape \(21,\), expected \(20,\)"),
    Bad("ic-score-length", IC, lambda e, d: e.score(d.X, d.y[:4]), ValueError, "inconsistent numbers of samples"),
    # -- NaN / inf ---------------------------------------------------------------------------
    Bad("ic-y-nan", IC, lambda e, d: e.fit(d.X, np.where(d.y == 0, np.nan, d.y)), ValueError, "y contains NaN"),
    Bad("ir-y-inf", IR, lambda e, d: e.fit(d.X, np.where(d.y == 0, np.inf, d.y_reg)), ValueError, "y contains NaN or infinity"),
    Bad("tr-y-nan", TR, lambda e, d: e.fit(d.T, np.r_[np.nan, d.ty_reg[1:]]), ValueError, "y contains NaN"),
    Bad("ic-image-nan", IC, lambda e, d: e.fit(np.where(d.X > 100, np.nan, d.X / 255.0), d.y), ValueError, "Images contain NaN or infinity"),
    Bad("ir-image-inf", IR, lambda e, d: e.predict(np.where(d.X > 100, np.inf, d.X / 255.0)), ValueError, "Images contain NaN or infinity"),
    Bad("ie-pil-image-float-nan", IE, lambda e, d: e.transform([np.full((8, 8, 3), np.nan, np.float32), np.zeros((9, 9, 3), np.float32)]), ValueError, "Image 0 contain NaN"),
    # -- targets -----------------------------------------------------------------------------
    Bad("ic-single-class", IC, lambda e, d: e.fit(d.X, np.zeros(N)), ValueError, r"only one class \(0.0\).*at least 2 classes"),
    Bad("tc-single-class", TC, lambda e, d: e.fit(d.T, ["pos"] * N), ValueError, r"only one class \('pos'\)"),
    Bad("ic-continuous-y", IC, lambda e, d: e.fit(d.X, d.y + 0.5), ValueError, r"Unknown label type: 'continuous'.*Regressor"),
    Bad("tc-continuous-y", TC, lambda e, d: e.fit(d.T, np.linspace(0, 1, N)), ValueError, r"Unknown label type: 'continuous'"),
    Bad("ir-string-y", IR, lambda e, d: e.fit(d.X, np.array(["low", "high"])[d.y % 2]), ValueError, "y must be numeric for a regressor.*Classifier"),
    Bad("tr-numeric-strings-y", TR, lambda e, d: e.fit(d.T, d.ty_reg.astype(str)), ValueError, r"y must be numeric for a regressor.*astype\(float\)"),
    Bad("ir-complex-y", IR, lambda e, d: e.fit(d.X, d.y_reg + 1j), ValueError, "y must be numeric.*complex128"),
    Bad("ic-multilabel-class-weight", IC, lambda e, d: e.fit(d.X, np.stack([d.y == 0, d.y > 0], 1).astype(int)), ValueError, "class_weight is not supported with a multi-label", params={"class_weight": "balanced"}),
    Bad("ic-y-3d", IC, lambda e, d: e.fit(d.X, d.y.reshape(N, 1, 1)), ValueError, r"y must be 1-D .* Got shape \(20, 1, 1\)"),
    Bad("tc-y-none", TC, lambda e, d: e.fit(d.T, None), ValueError, "requires y to be passed"),
    Bad("tc-y-none-entries", TC, lambda e, d: e.fit(d.T, np.array([None] + list(d.ty[1:]), dtype=object)), ValueError, "y contains None"),
    # -- sample_weight -----------------------------------------------------------------------
    Bad("ic-sample-weight-zero", IC, lambda e, d: e.fit(d.X, d.y, sample_weight=np.zeros(N)), ValueError, "at least one non-zero"),
    Bad("tr-sample-weight-negative", TR, lambda e, d: e.fit(d.T, d.ty_reg, sample_weight=-np.ones(N)), ValueError, "finite and non-negative"),
    Bad("ir-sample-weight-2d", IR, lambda e, d: e.fit(d.X, d.y_reg, sample_weight=np.ones((N, 2))), ValueError, r"sample_weight has shape \(20, 2\)"),
    Bad("ic-sample-weight-nan", IC, lambda e, d: e.fit(d.X, d.y, sample_weight=np.r_[np.nan, np.ones(N - 1)]), ValueError, "finite"),
    # -- image arrays of the wrong shape or range ----------------------------------------------
    Bad("ic-5-channels", IC, lambda e, d: e.fit(np.zeros((N, 8, 8, 5), np.uint8), d.y), ValueError, r"shape \(8, 8, 5\) have no channel axis of size 1, 3 or 4"),
    Bad("ir-2-channels-nchw", IR, lambda e, d: e.predict(np.zeros((N, 2, 8, 8), np.uint8)), ValueError, "no channel axis of size 1, 3 or 4"),
    Bad("ic-5-dims", IC, lambda e, d: e.fit(np.zeros((N, 8, 8, 3, 1), np.uint8), d.y), ValueError, r"4-D array .* Got an array of shape \(20, 8, 8, 3, 1\)"),
    Bad("ic-1-dim", IC, lambda e, d: e.predict(np.zeros(N, np.uint8)), ValueError, r"Got an array of shape \(20,\)"),
    Bad("ic-flat-table", IC, lambda e, d: e.fit(d.X.reshape(N, 64), d.y), ValueError, r"flat \(N, features\) table is not an image"),
    Bad("ie-flat-table", IE, lambda e, d: e.transform(d.X.reshape(N, 64).astype(float)), ValueError, r"flat \(N, features\) table"),
    Bad("ic-negative-floats", IC, lambda e, d: e.fit(d.X / 255.0 - 0.5, d.y), ValueError, r"negative values .*\[0, 1\] or \[0, 255\].*normalization is applied for you"),
    Bad("ir-floats-above-255", IR, lambda e, d: e.fit(d.X * 300.0, d.y_reg), ValueError, r"values up to .* floats must be in \[0, 1\] or \[0, 255\]"),
    Bad("ie-one-image-negative", IE, lambda e, d: e.transform([np.zeros((8, 8)), -np.ones((9, 9))]), ValueError, r"Image 1 have negative values"),
    Bad("ic-one-image-bad-shape", IC, lambda e, d: e.predict([np.zeros((8, 8), np.uint8), np.zeros((8, 8, 7), np.uint8)]), ValueError, r"Image 1 has shape \(8, 8, 7\)"),
    Bad("ic-string-pixels", IC, lambda e, d: e.predict([np.full((8, 8), "a"), np.full((9, 9), "b")]), TypeError, "Image 0 must be numeric"),
    # -- files -------------------------------------------------------------------------------
    Bad("ic-missing-path", IC, lambda e, d: e.fit([d.png] * 5 + [d.missing] + [d.png] * 14, d.y), ValueError, r"nope\.png' \(index 5\) does not exist"),
    Bad("ie-missing-path", IE, lambda e, d: e.transform([d.missing]), ValueError, r"\(index 0\) does not exist"),
    Bad("ic-text-file", IC, lambda e, d: e.fit([d.png] * 3 + [d.txt] + [d.png] * 16, d.y), ValueError, r"notes\.txt' \(index 3\) is not a readable image"),
    Bad("ic-truncated-png", IC, lambda e, d: e.fit([d.png] * 19 + [d.trunc_png], d.y), ValueError, r"truncated\.png' \(index 19\) is not a readable image"),
    Bad("ic-truncated-png-in-validation-split", IC, lambda e, d: e.fit([d.png] * 17 + [d.trunc_png] + [d.png] * 2, d.y), ValueError, r"truncated\.png' \(index 17\)", params={"early_stopping": True, "validation_fraction": 0.5, "cache": False}),
    Bad("ir-truncated-jpeg", IR, lambda e, d: e.predict([d.png, d.trunc_jpg]), ValueError, r"truncated\.jpg' \(index 1\) is not a readable image"),
    Bad("ie-corrupt-jpeg", IE, lambda e, d: e.transform([d.garbage_jpg, d.png]), ValueError, r"garbage\.jpg' \(index 0\) is not a readable image"),
    Bad("ic-directory-path", IC, lambda e, d: e.fit([d.png] * 4 + [str(d.tmp)] + [d.png] * 15, d.y), ValueError, r"\(index 4\) is a directory, not an image file"),
    Bad("ie-empty-file", IE, lambda e, d: e.transform([d.png, d.empty]), ValueError, r"empty\.jpg' \(index 1\) is empty \(0 bytes\)"),
    Bad("ir-over-the-pixel-limit", IR, lambda e, d: e.predict([d.png, d.png]), ValueError, r"ok\.png' \(index 0\) has 8 x 8 = 64 pixels, more than max_image_pixels=63", params={"max_image_pixels": 63}),
    Bad("ic-one-hwc-image", IC, lambda e, d: e.predict(np.zeros((32, 32, 3), np.uint8)), ValueError, r"one color image \(H, W, C\).* Pass X\[None\] \(a batch of one\) or \[image\]"),
    Bad("ie-one-hwca-image", IE, lambda e, d: e.transform(np.zeros((32, 32, 4), np.float32)), ValueError, r"shape \(32, 32, 4\): that is one color image"),
    Bad("ic-texts-as-images", IC, lambda e, d: e.fit(list(d.T), d.y), ValueError, r"Image file '.*' \(index 0\) does not exist"),
    # -- wrong containers ------------------------------------------------------------------------
    Bad("ic-single-path", IC, lambda e, d: e.predict(d.png), TypeError, "got a single one: wrap it in a list"),
    Bad("ic-mixed-kinds", IC, lambda e, d: e.predict([d.X[0], d.png]), TypeError, r"all be of one kind .*\['arrays', 'paths'\]"),
    Bad("ic-dict", IC, lambda e, d: e.fit({"a": d.X}, d.y), TypeError, "Expected images as an array, .* Got dict instead"),
    Bad("ie-list-of-numbers", IE, lambda e, d: e.transform([1, 2, 3]), TypeError, "Image 0 is a int: expected a file path, a PIL image or an array"),
    Bad("ic-sparse", IC, lambda e, d: e.fit(sp.csr_matrix(d.X.reshape(N, 64)), d.y), TypeError, "Sparse input is not supported"),
    Bad("ie-sparse", IE, lambda e, d: e.transform(sp.csr_matrix(d.X.reshape(N, 64))), TypeError, "Sparse input is not supported"),
    # -- texts ---------------------------------------------------------------------------------
    Bad("tc-none-entry", TC, lambda e, d: e.fit(list(d.T[:-1]) + [None], d.ty), TypeError, "Text 19 is None of type NoneType: every entry must be a str"),
    Bad("tc-int-entry", TC, lambda e, d: e.predict(["good film", 3]), TypeError, "Text 1 is 3 of type int"),
    Bad("te-nan-entry", TE, lambda e, d: e.transform(np.array(["good", np.nan], dtype=object)), TypeError, "Text 1 is nan of type float"),
    Bad("tc-single-str", TC, lambda e, d: e.fit("good film", d.ty), TypeError, "got a single str: wrap it in a list"),
    Bad("te-single-str", TE, lambda e, d: e.transform("good film"), TypeError, "single str"),
    Bad("tr-2d-texts", TR, lambda e, d: e.fit(d.T.reshape(10, 2), d.ty_reg[:10]), ValueError, r"1-D array or list. Got an array of shape \(10, 2\)"),
    Bad("tc-images-as-texts", TC, lambda e, d: e.fit(d.X, d.ty), ValueError, r"1-D array or list. Got an array of shape \(20, 8, 8\)"),
    Bad("tr-sparse", TR, lambda e, d: e.fit(sp.csr_matrix(np.ones((N, 3))), d.ty_reg), TypeError, "Sparse input is not supported: pass the texts"),
    Bad("te-dict", TE, lambda e, d: e.transform({"text": "good"}), TypeError, "Expected texts as a list, array or Series of str. Got dict"),
    # -- not fitted ------------------------------------------------------------------------------
    Bad("ic-predict-unfitted", IC, lambda e, d: e.predict(d.X), NotFittedError, "PretrainedImageClassifier instance is not fitted yet", fitted=False),
    Bad("tc-predict-proba-unfitted", TC, lambda e, d: e.predict_proba(d.T), NotFittedError, "not fitted yet", fitted=False),
    Bad("ir-score-unfitted", IR, lambda e, d: e.score(d.X, d.y_reg), NotFittedError, "not fitted yet", fitted=False),
    Bad("tr-transform-unfitted", TR, lambda e, d: e.transform(d.T), NotFittedError, "not fitted yet", fitted=False),
    Bad("ie-transform-unfitted", IE, lambda e, d: e.transform(d.X), NotFittedError, "ImageEmbedder instance is not fitted yet", fitted=False),
    Bad("te-feature-names-unfitted", TE, lambda e, d: e.get_feature_names_out(), NotFittedError, "not fitted yet", fitted=False),
    Bad("ic-save-unfitted", IC, lambda e, d: e.save(d.tmp / "never"), NotFittedError, "not fitted yet", fitted=False),
    # -- parameters ------------------------------------------------------------------------------
    _param("lr", 0, IC),
    _param("lr", -1.0, TR),
    _param("max_epochs", 0, IC),
    _param("batch_size", 0, TC),
    _param("batch_size", 0, IE),
    _param("head_size", (0,), IC, r"The 'head_size' parameter of PretrainedImageClassifier must be \(\) or 0 for a linear head, or a tuple of positive ints.* Got \(0,\) instead"),
    _param("head_size", "big", TC),
    _param("head_size", -3, IR, r"The 'head_size' parameter of PretrainedImageRegressor must be .* Got \(-3,\) instead"),
    _param("head_dropout", 1.0, IC),
    _param("head_norm", "l2", IC),
    _param("head_norm", True, TR),
    _param("freeze_depth", "none", IC),
    _param("freeze_depth", 99, IC, r"The 'freeze_depth' parameter of PretrainedImageClassifier must be 'all' or an int in \[-6, 6\] for checkpoint .* which has 6 blocks.* Got 99 instead"),
    _param("freeze_depth", -99, TC, r"The 'freeze_depth' parameter of PretrainedTextClassifier must be 'all' or an int in \[-3, 3\] for checkpoint .* Got -99 instead"),
    _param("precision", "fp64", IR),
    _param("precision", "fp64", TE),
    _param("schedule", "linear", IC),
    _param("validation_fraction", 1.5, IC),
    _param("warmup_fraction", 1.0, TC),
    _param("n_iter_no_change", 0, IR),
    _param("grad_accumulation_steps", 0, TR),
    _param("accelerate", "yes", IC),
    _param("strategy", "fastest", IC),
    _param("strategy", "contrastive", IR),
    _param("strategy", "contrastive", TR),
    _param("contrastive_pairs", 0, TC),
    Bad("tc-contrastive-multilabel", TC, lambda e, d: e.fit(d.T, np.stack([d.ty == d.ty[0], d.ty != d.ty[0]], 1).astype(int)), ValueError, r"strategy='contrastive' needs one class per sample.*Use strategy='lp-ft'", params={"strategy": "contrastive"}),
    _param("compile", 1.5, TC),
    _param("class_weight", "auto", TC),
    _param("image_size", 2, IC),
    _param("image_size", 2, IE),
    _param("max_image_pixels", 0, IC),
    _param("max_image_pixels", 1.5, IE),
    _param("max_length", 0, TC),
    _param("pooling", "sum", TC),
    _param("pooling", "sum", TE),
    _param("augment", "yes", IR),
    _param("random_state", "seed", IC),
    _param("normalize", "yes", TE),
    _param("device", 123, IC),
    _param("device", "gpu0", TR, r"The 'device' parameter of PretrainedTextRegressor must be 'auto' or a torch device such as 'cpu', 'cuda'.* Got 'gpu0' instead"),
    _param("device", "cuda:99", IE, r"The 'device' parameter of ImageEmbedder is 'cuda:99', but"),
    _param("checkpoint", 42, IC),
    _param("checkpoint", 42, TE),
    _param("checkpoint", "resnet19", IC, r"Unknown checkpoint 'resnet19'. Did you mean 'resnet18'"),
    _param("checkpoint", "bert-base-uncasd", TC, r"Unknown checkpoint 'bert-base-uncasd'. Did you mean 'bert-base-uncased'"),
    _param("net_params", {"max_epoch": 3}, IC, r"unexpected argument\(s\) max_epoch"),
    Bad("ic-text-checkpoint", IC, _good_fit, ValueError, r"is a text model, and PretrainedImageClassifier works on images. Choose an image checkpoint", params=lambda d: {"checkpoint": d.text_checkpoint}),
    Bad("tr-image-checkpoint", TR, _good_fit, ValueError, r"is an image model, and PretrainedTextRegressor works on texts.* or use PretrainedImageRegressor", params=lambda d: {"checkpoint": d.image_checkpoint}),
    Bad("ie-text-checkpoint", IE, _good_fit, ValueError, r"is a text model, and ImageEmbedder embeds images. Use TextEmbedder", params=lambda d: {"checkpoint": d.text_checkpoint}),
]  # fmt: skip


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(tmp_path_factory, tiny_image_checkpoint, tiny_text_checkpoint):
    """Good data (20 digits, 20 short reviews) and bad files, made once for the module."""
    from PIL import Image

    tmp = tmp_path_factory.mktemp("bad_inputs")
    X, y = digits(N)
    T = np.array(["good film", "bad film", "great movie", "awful movie"] * 5, dtype=object)
    ty = np.array(["pos", "neg"] * 10)
    rgb = np.repeat(X[0][..., None], 3, axis=-1)
    Image.fromarray(rgb).save(tmp / "ok.png")
    Image.fromarray(rgb).save(tmp / "ok.jpg")
    png, jpg = (tmp / "ok.png").read_bytes(), (tmp / "ok.jpg").read_bytes()
    (tmp / "truncated.png").write_bytes(png[: len(png) // 2])
    (tmp / "truncated.jpg").write_bytes(jpg[: len(jpg) // 2])
    (tmp / "garbage.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 2)
    (tmp / "notes.txt").write_text("not an image")
    (tmp / "empty.jpg").write_bytes(b"")
    return SimpleNamespace(
        X=X,
        y=y,
        y_reg=y.astype(float) * 1.5,
        T=T,
        ty=ty,
        ty_reg=np.arange(N, dtype=float),
        tmp=tmp,
        png=str(tmp / "ok.png"),
        trunc_png=str(tmp / "truncated.png"),
        trunc_jpg=str(tmp / "truncated.jpg"),
        garbage_jpg=str(tmp / "garbage.jpg"),
        txt=str(tmp / "notes.txt"),
        empty=str(tmp / "empty.jpg"),
        missing=str(tmp / "nope.png"),
        image_checkpoint=tiny_image_checkpoint,
        text_checkpoint=tiny_text_checkpoint,
    )


def make_estimator(kind: str, d: SimpleNamespace):
    image = {"image_size": 32}
    return {
        IC: lambda: PretrainedImageClassifier(d.image_checkpoint, **image, **FAST),
        IR: lambda: PretrainedImageRegressor(d.image_checkpoint, **image, **FAST),
        IE: lambda: ImageEmbedder(d.image_checkpoint, **image),
        TC: lambda: PretrainedTextClassifier(d.text_checkpoint, **FAST),
        TR: lambda: PretrainedTextRegressor(d.text_checkpoint, **FAST),
        TE: lambda: TextEmbedder(d.text_checkpoint),
    }[kind]()


@pytest.fixture(scope="module")
def fitted(data):
    """One estimator of each kind fitted on good data (shared: rows work on shallow copies)."""
    return {kind: _fit(make_estimator(kind, data), data) for kind in (IC, IR, IE, TC, TR, TE)}


def _shallow_copy(est):
    """A new estimator object whose attributes are the same objects as ``est``'s."""
    copy = object.__new__(type(est))
    vars(copy).update(vars(est))
    return copy


def _weights(est) -> float:
    module = est.net_.module_ if hasattr(est, "net_") else est.backbone_
    return float(sum(p.double().abs().sum() for p in module.state_dict().values()))


# -- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_bad_input_is_refused_and_leaves_the_estimator_as_it_was(row, data, fitted):
    est = _shallow_copy(fitted[row.kind]) if row.fitted else clone(fitted[row.kind])
    params = row.params(data) if callable(row.params) else row.params
    est.set_params(**params)
    before = dict(vars(est))
    weights = _weights(est) if row.fitted else None
    with pytest.raises(row.exc, match=row.match):
        row.call(est, data)
    # a failed call leaves the estimator as it was before: same attributes, same objects
    assert vars(est).keys() == before.keys()
    changed = [k for k, v in vars(est).items() if v is not before[k]]
    assert not changed, f"the failed call replaced {changed}"
    if row.fitted:
        assert _weights(est) == weights


def test_table_is_large_and_distinct():
    ids = [row.id for row in ROWS]
    assert len(set(ids)) == len(ids)
    assert len(ROWS) >= 45
    assert {row.kind for row in ROWS} == {IC, IR, IE, TC, TR, TE}


def test_doc_states_the_number_of_bad_inputs():
    text = (ROOT / "docs" / "bad_inputs.md").read_text(encoding="utf-8")
    stated = re.search(r"\*\*(\d+) bad inputs\*\*", text)
    assert stated, "docs/bad_inputs.md must say '**N bad inputs**'"
    assert int(stated.group(1)) == len(ROWS)


def test_a_failed_fit_keeps_the_previous_model(data, fitted):
    est = _shallow_copy(fitted[IC])
    expected = est.predict_proba(data.X)
    with pytest.raises(ValueError):
        est.set_params(freeze_depth=99).fit(data.X, data.y)
    np.testing.assert_array_equal(est.predict_proba(data.X), expected)


# -- what must NOT raise -----------------------------------------------------------------------


def test_grayscale_and_rgba_images_are_converted(data, fitted, tmp_path):
    from PIL import Image

    est = fitted[IC]
    gray = data.X[:4]  # N x H x W
    rgb = np.repeat(gray[..., None], 3, axis=-1)
    rgba = np.concatenate([rgb, np.full(rgb.shape[:3] + (1,), 255, np.uint8)], axis=-1)
    expected = est.predict_proba(rgb)
    for form in (gray, gray[..., None], rgba, rgba.transpose(0, 3, 1, 2)):
        np.testing.assert_allclose(est.predict_proba(form), expected, atol=1e-6)
    pil = [Image.fromarray(a, mode="L") for a in gray] + [Image.fromarray(a) for a in rgba]
    np.testing.assert_allclose(est.predict_proba(pil), np.r_[expected, expected], atol=1e-6)
    paths = []
    for i, img in enumerate(pil):
        paths.append(str(tmp_path / f"{i}.png"))
        img.save(paths[-1])
    np.testing.assert_allclose(est.predict_proba(paths), np.r_[expected, expected], atol=1e-6)


def test_mixed_image_sizes_are_resized(data):
    sizes = [(8, 8), (20, 12), (5, 30, 3), (16, 16, 4)]
    X = [np.resize(data.X[i], s).astype(np.uint8) for i, s in enumerate(sizes * 5)]
    est = make_estimator(IC, data).fit(X, data.y)
    assert set(est.predict(X)) <= set(est.classes_)
    assert make_estimator(IE, data).fit().transform(X).shape[0] == len(X)


def test_empty_strings_are_texts(data):
    """An empty string is a valid (if uninformative) text: it is tokenized to [CLS] [SEP]."""
    texts = list(data.T)
    texts[0] = texts[5] = ""
    est = make_estimator(TC, data).fit(texts, data.ty)
    assert est.predict(["", "good film"]).shape == (2,)
    assert np.isfinite(make_estimator(TE, data).fit().transform([""])).all()


def test_texts_longer_than_max_length_are_truncated(data, fitted):
    long = " ".join(["good"] * 10_000)
    emb = fitted[TE]
    n = emb.max_length_ - 2  # [CLS] and [SEP] take two of the positions
    np.testing.assert_allclose(
        emb.transform([long]), emb.transform([" ".join(["good"] * n)]), atol=1e-6
    )
    assert fitted[TC].predict([long, "bad film"]).shape == (2,)
    assert fitted[TR].predict([long]).shape == (1,)
