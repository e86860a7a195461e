"""Tiny checkpoints for the estimator tests, built with the real libraries, saved to disk and loaded
back through the real loading code (``timm:NAME@file`` and a local transformers directory)."""

from __future__ import annotations

import numpy as np
import pytest

WORDS = [
    "good",
    "great",
    "fine",
    "love",
    "loved",
    "wonderful",
    "superb",
    "best",
    "nice",
    "happy",
    "bad",
    "awful",
    "poor",
    "hate",
    "hated",
    "terrible",
    "worst",
    "boring",
    "sad",
    "dull",
    "film",
    "movie",
    "food",
    "place",
    "it",
    "was",
    "is",
    "a",
    "the",
    "and",
    "not",
    "very",
    "so",
    "this",
    "that",
    "i",
]


@pytest.fixture(scope="session")
def tiny_image_checkpoint(tmp_path_factory) -> str:
    """``timm:test_efficientnet@<file>``: a random tiny EfficientNet saved as safetensors."""
    import timm
    import torch
    from safetensors.torch import save_file

    torch.manual_seed(0)
    model = timm.create_model("test_efficientnet", pretrained=False)
    path = tmp_path_factory.mktemp("tiny_image") / "test_efficientnet.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return f"timm:test_efficientnet@{path}"


@pytest.fixture(scope="session")
def tiny_text_checkpoint(tmp_path_factory) -> str:
    """A random 2-layer BERT with a word-level vocabulary, saved with ``save_pretrained``."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny_text")
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = list("0123456789.-e+")
    vocab = specials + list(dict.fromkeys(WORDS)) + chars
    tokenizer = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True)
    tokenizer.model_max_length = 64
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(str(folder))
    return str(folder)


@pytest.fixture
def image_data():
    """60 real 8x8 digit images (0, 1, 2) as uint8 and their labels."""
    from sklearn.datasets import load_digits

    digits = load_digits(n_class=3)
    X = (digits.images[:60] * 16).clip(0, 255).astype(np.uint8)
    return X, digits.target[:60]


@pytest.fixture
def text_data():
    rng = np.random.default_rng(0)
    pos, neg = WORDS[:10], WORDS[10:20]
    texts, labels = [], []
    for i in range(40):
        words = pos if i % 2 == 0 else neg
        texts.append(" ".join(rng.choice(words, size=rng.integers(2, 6))))
        labels.append("pos" if i % 2 == 0 else "neg")
    return np.array(texts, dtype=object), np.array(labels)
