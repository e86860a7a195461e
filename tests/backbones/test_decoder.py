"""Decoder-only text models (GPT-2): a padding token where the tokenizer has none, the last
non-padding token's state whichever side pads, the card of a local folder, and the estimators."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from sklearn_zoo import PretrainedTextClassifier, TextEmbedder, get_checkpoint
from sklearn_zoo.loading import load_backbone, load_tokenizer

FAST = {"max_epochs": 2, "batch_size": 16, "random_state": 0}


@pytest.fixture(params=["gpt2", "llama"])
def decoder_folder(request, tmp_path, tiny):
    words = tiny.words + ["good", "bad"]
    return str(tiny.save_hf_decoder(tmp_path / request.param, words, kind=request.param))


@pytest.fixture
def gpt2_folder(tmp_path, tiny):
    return str(tiny.save_hf_decoder(tmp_path / "gpt2", tiny.words + ["good", "bad"]))


def test_card_of_a_local_decoder(gpt2_folder):
    spec = get_checkpoint(gpt2_folder)
    assert (spec.family, spec.text.pooling) == ("hf.decoder", "last")
    assert (spec.feature_dim, spec.num_blocks, spec.text.max_length) == (32, 3, 64)


def test_tokenizer_gets_a_padding_token(gpt2_folder):
    from transformers import AutoTokenizer

    assert AutoTokenizer.from_pretrained(gpt2_folder).pad_token is None
    tokenizer = load_tokenizer(gpt2_folder)
    assert tokenizer.pad_token == tokenizer.eos_token == "<|endoftext|>"
    batch = tokenizer(["the cat", "the cat sat on the mat"], padding=True)
    assert batch["attention_mask"][0].count(0) == 4


@pytest.mark.parametrize("pooling", ["last", "mean"])
def test_left_and_right_padding_give_the_texts_own_features(decoder_folder, pooling):
    backbone = load_backbone(decoder_folder, pooling=pooling).eval()
    tokenizer = load_tokenizer(decoder_folder)
    texts = ["the cat", "the cat sat on the mat very fast"]
    with torch.no_grad():
        alone = torch.cat([backbone(dict(tokenizer([t], return_tensors="pt"))) for t in texts])
        for side in ("right", "left"):
            tokenizer.padding_side = side
            batch = dict(tokenizer(texts, padding=True, return_tensors="pt"))
            torch.testing.assert_close(backbone(batch), alone, rtol=1e-4, atol=1e-5, msg=side)


def test_decoder_refuses_poolings_it_has_no_token_for(gpt2_folder):
    with pytest.raises(ValueError, match="no CLS token or pooler"):
        load_backbone(gpt2_folder, pooling="cls")


def test_text_classifier_on_a_decoder(gpt2_folder, text_data, tmp_path):
    X, y = text_data
    clf = PretrainedTextClassifier(gpt2_folder, freeze_depth=-1, lr=5e-3, **FAST).fit(X, y)
    assert clf.n_blocks_ == 3 and clf.spec_.family == "hf.decoder"
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X), proba, rtol=1e-5)
    loaded = PretrainedTextClassifier.load(clf.save(tmp_path / "saved"))
    np.testing.assert_allclose(loaded.predict_proba(X), proba, rtol=1e-5, atol=1e-6)
    assert loaded.tokenizer_.pad_token == "<|endoftext|>"


def test_text_embedder_on_a_decoder(gpt2_folder, text_data):
    X, _ = text_data
    emb = TextEmbedder(gpt2_folder).fit(X)
    Z = emb.transform(X)
    assert Z.shape == (len(X), 32) and np.isfinite(Z).all()
