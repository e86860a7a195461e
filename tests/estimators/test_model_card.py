"""Model cards: every fit leaves one (``model_card_``), ``model_card()`` renders it, ``save()``
writes it as README.md, ``sklearn-zoo card`` prints it, and ``load()`` never trusts that file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from _helpers import digits, fast

from sklearn_zoo import (
    LicenseNotAllowedError,
    PretrainedImageClassifier,
    PretrainedImageRegressor,
    TextEmbedder,
    load,
)
from sklearn_zoo.model_card import ModelCard, optional_attributes
from sklearn_zoo.zoo.licenses import ENV

FAST = fast(image_size=32)


@pytest.fixture(scope="module")
def fitted(tiny_image_checkpoint):
    """A classifier fitted with a validation split, on 60 digits of classes 0, 1, 2."""
    X, codes = digits()
    y = np.array(["zero", "one", "two"])[codes]
    # 4 epochs: fine-tuning the random backbone beats its probe clearly enough for the guard
    clf = PretrainedImageClassifier(tiny_image_checkpoint, early_stopping=True, **FAST)
    return clf.set_params(max_epochs=4).fit(X, y), X, y


def _front_matter(markdown: str) -> dict[str, object]:
    head = markdown.split("---\n")[1]
    out, key = {}, None
    for line in head.splitlines():
        if line.startswith("- "):
            out[key].append(json.loads(line[2:]))
        else:
            key, _, value = line.partition(": ")
            key = key.rstrip(":")
            out[key] = json.loads(value) if value else []
    return out


def test_a_fitted_classifier_card_names_its_base_strategy_and_data(fitted):
    clf, X, y = fitted
    card = clf.model_card_
    assert isinstance(card, ModelCard) and card.checkpoint == clf.spec_
    assert card.adaptation["strategy"] == clf.strategy_ == "lp-ft"
    assert card.adaptation["stages run"] == ["probe", "finetune"]
    assert card.adaptation["stage that won"] == "finetune"  # the weights kept: the last stage's
    assert card.adaptation["trainable parameters"] == clf.n_trainable_params_
    counts = {c["label"]: c["count"] for c in card.data["classes"]}
    assert counts == {label: int((y == label).sum()) for label in clf.classes_}
    assert card.data["samples"] == 60 and card.data["validation samples"] == 6
    best = min((r for r in clf.history_ if r["stage"] == "finetune"), key=lambda r: r["valid_loss"])
    assert card.validation["valid_loss"] == pytest.approx(best["valid_loss"])

    text = clf.model_card()
    meta = _front_matter(text)
    assert meta["license"] == clf.spec_.license.lower() == "apache-2.0"
    assert meta["base_model"] == clf.spec_.name and meta["library_name"] == "sklearn-zoo"
    assert "image-classification" in meta["tags"]
    assert meta["metrics"] == ["valid_acc", "valid_loss"]  # LP-FT's guard records the accuracy
    zeros = f"| zero | {counts['zero']} |"
    for words in ("## Base checkpoint", "**strategy**: lp-ft", zeros, "## Validation"):
        assert words in text, words
    assert card.adaptation["base weights digest"] in text


def test_the_base_weights_hash_names_the_pretrained_weights(tiny_image_checkpoint, fitted):
    from sklearn_zoo.estimators._continue import weights_digest
    from sklearn_zoo.loading import load_backbone

    clf, X, y = fitted
    base = load_backbone(tiny_image_checkpoint)
    assert clf.model_card_.adaptation["base weights digest"] == weights_digest(base)
    # the fine-tuned weights are others
    assert weights_digest(clf.net_.module_.backbone) != weights_digest(base)


def test_without_a_validation_split_the_card_says_none(tiny_image_checkpoint, image_data):
    X, y = image_data
    reg = PretrainedImageRegressor(tiny_image_checkpoint, strategy="probe", **FAST)
    reg.fit(X, y.astype(float))
    assert reg.model_card_.validation == {}
    text = reg.model_card()
    assert "## Validation\n\nnone" in text and "metrics: []" in text
    assert reg.model_card_.data["target mean"] == pytest.approx([y.mean()])
    assert "image-regression" in text


def test_class_labels_cannot_inject_markup(tiny_image_checkpoint, image_data):
    X, y = image_data
    names = np.array(["<script>alert(1)</script>", "[x](javascript:alert(1))", "a|b\n---"])
    clf = PretrainedImageClassifier(tiny_image_checkpoint, strategy="probe", **FAST)
    text = clf.fit(X, names[y]).model_card()
    assert "<script" not in text
    assert not re.search(r"(?<!\\)\]\(", text)  # no "](" that Markdown reads as a link
    assert "&lt;script&gt;" in text and "\\[x\\]" in text and "a\\|b ---" in text


def test_save_writes_the_card_and_load_ignores_edits_to_it(fitted, tmp_path, monkeypatch):
    clf, X, y = fitted
    folder = clf.save(tmp_path / "model")
    readme = folder / "README.md"
    assert readme.read_text(encoding="utf-8") == clf.model_card()

    readme.write_text("---\nlicense: mit\n---\n# edited <script>x</script>\n", encoding="utf-8")
    loaded = load(folder)
    assert loaded.model_card() == clf.model_card()
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    readme.unlink()  # nor does load need it
    assert load(folder).model_card_ == clf.model_card_

    env = {**os.environ, "SKLEARN_ZOO_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_zoo.cli", "card", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == clf.model_card()
    code = f"import sys; from sklearn_zoo.cli import main; main(['card', {str(folder)!r}]); "
    code += "sys.stderr.write(str('torch' in sys.modules))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.stderr == "False"  # the card is read without torch, nor any weight


def test_a_tampered_card_is_refused_and_an_old_save_has_a_short_one(fitted, tmp_path):
    clf, X, y = fitted
    folder = clf.save(tmp_path / "model")
    fitted_json = folder / "fitted.json"
    state = json.loads(fitted_json.read_text(encoding="utf-8"))
    card = state["model_card_"]
    state["model_card_"] = {**card, "data": ["not", "a", "dict"]}
    fitted_json.write_text(json.dumps(state), encoding="utf-8")
    with pytest.raises(ValueError, match="model_card_"):
        load(folder)
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_zoo.cli", "card", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "model_card_" in proc.stderr

    del state["model_card_"]  # saved before cards existed
    fitted_json.write_text(json.dumps(state), encoding="utf-8")
    old = load(folder)
    assert old.model_card_.checkpoint == clf.spec_
    assert "not recorded" in old.model_card()


def test_load_refuses_a_model_whose_base_is_outside_the_policy(fitted, tmp_path, monkeypatch):
    clf, X, y = fitted
    folder = clf.save(tmp_path / "model")
    monkeypatch.setenv(ENV, "MIT")
    with pytest.raises(LicenseNotAllowedError, match="'Apache-2.0'"):
        load(folder)
    monkeypatch.setenv(ENV, "Apache-2.0")
    assert load(folder).model_card_ == clf.model_card_


def test_an_embedder_card_says_nothing_was_learned(tiny_text_checkpoint, tmp_path):
    emb = TextEmbedder(tiny_text_checkpoint).fit()
    card = emb.model_card_
    assert card.adaptation["trainable parameters"] == 0
    assert card.data["task"] == "text-feature-extraction"
    assert card.validation == {}
    loaded = load(emb.save(tmp_path / "embedder"))
    assert loaded.model_card() == emb.model_card()


def test_attributes_added_later_are_read_when_present():
    fitted = {"stage_won_": "probe", "adapters_": {"r": np.int64(8)}, "time_budget_": None}
    extra = optional_attributes(fitted)
    assert extra == {"stage that won": "probe", "adapters": {"r": 8}}
    from sklearn_zoo import get_checkpoint

    card = ModelCard("X", get_checkpoint("resnet18"), adaptation=extra)
    assert "**stage that won**: probe" in card.render()


def test_model_card_needs_a_fitted_estimator(fitted):
    import pickle

    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        PretrainedImageClassifier().model_card()
    clf = pickle.loads(pickle.dumps(fitted[0]))
    assert clf.model_card() == fitted[0].model_card()
    del clf.model_card_  # pickled by a version without cards
    assert "not recorded" in clf.model_card() and clf.spec_.name in clf.model_card()


def test_a_continued_fit_says_so(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, strategy="probe", warm_start=True, **FAST
    ).fit(X, y)
    assert len(clf.model_card_.adaptation["base weights digest"]) == 64  # SHA-256
    clf.fit(X, y)
    assert "continued" in clf.model_card_.adaptation["base weights digest"]
    clf.partial_fit(X[:16], y[:16])
    assert "continued" in clf.model_card_.adaptation["base weights digest"]
    assert clf.model_card_.data["samples"] == 16


def test_an_adapter_fit_and_its_card_name_the_base_by_one_digest(tiny_image_checkpoint, image_data):
    pytest.importorskip("peft")
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, strategy="finetune", adapter="lora", adapter_rank=2, **FAST
    ).fit(X, y)
    assert len(clf.adapter_base_sha256_) == 64  # SHA-256, as saved folders store it
    assert clf.adapter_base_sha256_ == clf.model_card_.adaptation["base weights digest"]
