"""Shared fixtures: no network, offline mode, private caches, and tiny checkpoints of every family
built with the real libraries, saved to disk and loaded back through the real loading code."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _helpers import digits, refuse_network

# -- environment ------------------------------------------------------------------------------


@pytest.fixture
def block_network(monkeypatch):
    """Any attempt to open a connection or resolve a host fails loudly. huggingface_hub's retry
    back-off (up to a minute per file) is made instant, so a refused download fails fast."""
    import types

    refuse_network(monkeypatch)
    try:
        from huggingface_hub.utils import _http
    except ImportError:  # pragma: no cover - another huggingface_hub layout
        return
    if isinstance(getattr(_http, "time", None), types.ModuleType):
        fast = types.SimpleNamespace(**vars(_http.time))
        fast.sleep = lambda seconds: None
        monkeypatch.setattr(_http, "time", fast)


@pytest.fixture
def fresh_store(tmp_path, monkeypatch):
    """The default feature store, moved to an empty folder of this test."""
    from sklearn_zoo.cache import default_store

    monkeypatch.setenv("SKLEARN_ZOO_CACHE", str(tmp_path / "cache"))
    store = default_store()
    store.clear()
    return store


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("SKLEARN_ZOO_OFFLINE", "1")


@pytest.fixture
def online(monkeypatch):
    """Offline mode explicitly off (whatever the calling environment says)."""
    for var in ("SKLEARN_ZOO_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def tmp_torch_home(tmp_path, monkeypatch) -> Path:
    """torch hub's cache (torchvision and URL-only timm weights) in an empty private folder."""
    import torch

    home = tmp_path / "torch_home"
    (home / "hub").mkdir(parents=True)
    monkeypatch.setenv("TORCH_HOME", str(home))
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(home / "hub"))
    yield home
    torch.hub.set_dir(old)


@pytest.fixture
def tmp_hf_cache(tmp_path, monkeypatch) -> Path:
    """An empty Hugging Face cache. huggingface_hub reads HF_HUB_CACHE once, at import, into
    ``huggingface_hub.constants`` (which it and transformers look up at call time): patch both."""
    import huggingface_hub.constants as hf_constants

    cache = tmp_path / "hf_cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(cache))
    return cache


# -- tiny checkpoints ---------------------------------------------------------------------------

# the vocabulary of the tiny tokenizers of the backbone/zoo/source tests
TINY_WORDS = [
    "the",
    "a",
    "cat",
    "dog",
    "sat",
    "on",
    "mat",
    "runs",
    "fast",
    "slow",
    "good",
    "bad",
    "film",
    "movie",
    "it",
    "was",
    "is",
    "very",
    "not",
]


def write_tokenizer(folder: Path, cls_name: str = "BertTokenizerFast", max_length: int = 32) -> Any:
    """A word-level WordPiece tokenizer over :data:`TINY_WORDS`, saved into ``folder``."""
    import transformers

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = specials + TINY_WORDS
    folder.mkdir(parents=True, exist_ok=True)
    vocab_file = folder / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = getattr(transformers, cls_name)(vocab_file=str(vocab_file), do_lower_case=True)
    tokenizer.model_max_length = max_length
    tokenizer.save_pretrained(str(folder))
    return tokenizer


def _hf_text_model(kind: str, vocab_size: int):
    from transformers import (
        BertConfig,
        BertModel,
        DistilBertConfig,
        DistilBertModel,
        RobertaConfig,
        RobertaModel,
    )

    common = {"vocab_size": vocab_size, "max_position_embeddings": 40}
    if kind == "bert":
        cfg = BertConfig(
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            **common,
        )
        return BertModel(cfg)
    if kind == "distilbert":
        cfg = DistilBertConfig(dim=32, n_layers=2, n_heads=2, hidden_dim=64, **common)
        return DistilBertModel(cfg)
    if kind == "roberta":
        cfg = RobertaConfig(
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            pad_token_id=0,
            type_vocab_size=2,
            **common,
        )
        return RobertaModel(cfg)
    raise ValueError(kind)


def _hf_vision_model(kind: str):
    from transformers import Dinov2Config, Dinov2Model, ViTConfig, ViTModel

    common = {
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "image_size": 32,
        "patch_size": 16,
    }
    if kind == "vit":
        return ViTModel(ViTConfig(intermediate_size=64, **common))
    if kind == "dinov2":
        return Dinov2Model(Dinov2Config(mlp_ratio=2, **common))
    raise ValueError(kind)


def save_hf_text(folder: Path, kind: str = "bert") -> Path:
    """A tiny random transformers text encoder and its tokenizer, saved with ``save_pretrained``."""
    import torch

    tokenizer_cls = "DistilBertTokenizerFast" if kind == "distilbert" else "BertTokenizerFast"
    tokenizer = write_tokenizer(folder, tokenizer_cls)
    torch.manual_seed(0)
    _hf_text_model(kind, len(tokenizer)).save_pretrained(str(folder))
    return folder


def write_decoder_tokenizer(folder: Path, words: list[str], max_length: int = 32) -> Any:
    """A word-level tokenizer as GPT-2's: an end-of-text token and no padding token."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(["<|endoftext|>", "<unk>", *dict.fromkeys(words)])}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        eos_token="<|endoftext|>",
        bos_token="<|endoftext|>",
        unk_token="<unk>",
        model_max_length=max_length,
    )
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(str(folder))
    return tokenizer


def save_hf_decoder(folder: Path, words: list[str] = TINY_WORDS, kind: str = "gpt2") -> Path:
    """A tiny random GPT-2 (or Llama: rotary positions, RMS norms) and its tokenizer (no padding
    token), saved with ``save_pretrained``."""
    import torch
    from transformers import GPT2Config, GPT2Model, LlamaConfig, LlamaModel

    tokenizer = write_decoder_tokenizer(folder, words)
    torch.manual_seed(0)
    eos = tokenizer.eos_token_id
    common = {"vocab_size": len(tokenizer), "bos_token_id": eos, "eos_token_id": eos}
    if kind == "gpt2":
        model = GPT2Model(GPT2Config(n_positions=64, n_embd=32, n_layer=2, n_head=2, **common))
    else:
        config = LlamaConfig(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=2,
            max_position_embeddings=64,
            **common,
        )
        model = LlamaModel(config)
    model.save_pretrained(str(folder))
    return folder


def save_keras_cnn(path: Path, classes: int = 0) -> Path:
    """A tiny Keras 3 CNN (three stages named as Keras applications name them) saved as a
    ``.keras`` file; skips the test where keras is not installed."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    layers = keras.layers
    inputs = keras.Input((None, None, 3))
    x = layers.Conv2D(8, 3, strides=2, padding="same", name="conv1_conv")(inputs)
    x = layers.BatchNormalization(name="conv1_bn")(x)
    x = layers.ReLU(name="conv1_relu")(x)
    x = layers.Conv2D(8, 3, padding="same", name="conv2_block1_conv")(x)
    x = layers.BatchNormalization(name="conv2_block1_bn")(x)
    x = layers.Conv2D(16, 3, strides=2, padding="same", name="conv3_block1_conv")(x)
    if classes:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, name="predictions")(x)
    keras.Model(inputs, x, name="tiny_cnn").save(str(path))
    return path


def save_hf_vision(folder: Path, kind: str = "vit") -> Path:
    import torch

    torch.manual_seed(0)
    _hf_vision_model(kind).save_pretrained(str(folder))
    return folder


def save_state_dict(model, path: Path) -> Path:
    """``.safetensors`` through safetensors, anything else through ``torch.save``."""
    import torch

    state = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
    if path.suffix == ".safetensors":
        from safetensors.torch import save_file

        save_file(state, str(path))
    else:
        torch.save(state, str(path))
    return path


def tiny_torchvision_convnext():
    from torchvision.models.convnext import CNBlockConfig, ConvNeXt

    setting = [CNBlockConfig(8, 16, 1), CNBlockConfig(16, 32, 1), CNBlockConfig(32, None, 1)]
    return ConvNeXt(setting, num_classes=10)


def tiny_torchvision_vit():
    from torchvision.models.vision_transformer import VisionTransformer

    return VisionTransformer(
        image_size=32,
        patch_size=16,
        num_layers=2,
        num_heads=2,
        hidden_dim=32,
        mlp_dim=64,
        num_classes=10,
    )


@dataclass
class Tiny:
    """A loaded tiny backbone, an input batch for it, and what its structure must be."""

    backbone: Any
    inputs: Any
    num_blocks: int
    num_features: int
    n: int = 2


def _images(n: int, size: int):
    import torch

    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(0))


def _text_inputs(folder: Path, n: int):
    from sklearn_zoo.loading import load_tokenizer

    tokenizer = load_tokenizer(str(folder))
    texts = ["the cat sat on the mat", "a very good film"][:n]
    return dict(tokenizer(texts, padding=True, return_tensors="pt"))


def _build_tiny(case: str, tmp_path: Path) -> Tiny:
    import torch

    from sklearn_zoo.backbones import adapt
    from sklearn_zoo.loading import load_backbone

    torch.manual_seed(0)
    if case == "torchvision.resnet":
        from torchvision.models import resnet18

        path = save_state_dict(resnet18(num_classes=10), tmp_path / "resnet18.pth")
        return Tiny(load_backbone(f"torchvision:resnet18@{path}"), _images(2, 32), 5, 512)
    if case == "torchvision.mobile":
        from torchvision.models import mobilenet_v3_small

        model = mobilenet_v3_small(num_classes=10)
        path = save_state_dict(model, tmp_path / "mobilenet.safetensors")
        blocks = len(model.features)
        return Tiny(
            load_backbone(f"torchvision:mobilenet_v3_small@{path}"), _images(2, 32), blocks, 576
        )
    if case in ("torchvision.inception_v3", "torchvision.googlenet"):
        from torchvision.models import get_model

        arch = case.split(".")[1]
        model = get_model(arch, weights=None, num_classes=10, init_weights=False)
        path = save_state_dict(model, tmp_path / f"{arch}.safetensors")
        blocks, width = (13, 2048) if arch == "inception_v3" else (10, 1024)
        return Tiny(load_backbone(f"torchvision:{arch}@{path}"), _images(2, 75), blocks, width)
    if case == "timm.inception_v3":  # the stem in two blocks, then the eleven Mixed_* modules
        import timm

        path = save_state_dict(timm.create_model("inception_v3"), tmp_path / "v3.safetensors")
        return Tiny(load_backbone(f"timm:inception_v3@{path}"), _images(2, 75), 13, 2048)
    if case in ("torchvision.convnext", "torchvision.vit"):
        from safetensors.torch import load_file

        make = tiny_torchvision_convnext if case.endswith("convnext") else tiny_torchvision_vit
        path = save_state_dict(make(), tmp_path / "weights.safetensors")
        model = make()
        model.load_state_dict(load_file(str(path)))
        return Tiny(adapt(model), _images(2, 32), 4 if case.endswith("convnext") else 3, 32)
    if case.startswith("timm."):
        import timm

        arch = case.split(".", 1)[1]
        model = timm.create_model(arch, pretrained=False)
        path = save_state_dict(model, tmp_path / f"{arch}.safetensors")
        # stem first, then one block per stage (ResNet: layer1..4, ViT: one per transformer block)
        if arch == "test_resnet":
            blocks = 5
        elif arch == "test_convnext":
            blocks = 1 + len(model.stages)
        else:
            blocks = 1 + len(model.blocks)
        size = 160 if arch == "test_vit" else 64  # test_vit has a fixed input size
        return Tiny(
            load_backbone(f"timm:{arch}@{path}"), _images(2, size), blocks, model.num_features
        )
    if case.startswith("hf.text."):
        folder = save_hf_text(tmp_path / "text", case.rsplit(".", 1)[1])
        return Tiny(load_backbone(str(folder)), _text_inputs(folder, 2), 3, 32)
    if case.startswith("hf.decoder."):
        folder = save_hf_decoder(tmp_path / "decoder", kind=case.rsplit(".", 1)[1])
        return Tiny(load_backbone(str(folder)), _text_inputs(folder, 2), 3, 32)
    if case == "keras.cnn":
        path = save_keras_cnn(tmp_path / "cnn.keras")
        return Tiny(load_backbone(f"keras:{path}"), _images(2, 32), 3, 16)
    if case.startswith("hf.vision."):
        folder = save_hf_vision(tmp_path / "vision", case.rsplit(".", 1)[1])
        return Tiny(load_backbone(str(folder)), _images(2, 32), 3, 32)
    raise ValueError(case)


@pytest.fixture
def make_tiny(tmp_path) -> Callable[[str], Tiny]:
    """``make_tiny(case)``: a freshly loaded tiny backbone (cases: ``tests/backbones/test_contract.py``)."""
    return lambda case: _build_tiny(case, tmp_path)


@pytest.fixture
def tiny():
    """The checkpoint-writing helpers of this module, for tests in other folders."""
    from types import SimpleNamespace

    return SimpleNamespace(
        write_tokenizer=write_tokenizer,
        save_hf_text=save_hf_text,
        save_hf_vision=save_hf_vision,
        save_hf_decoder=save_hf_decoder,
        save_keras_cnn=save_keras_cnn,
        save_state_dict=save_state_dict,
        torchvision_convnext=tiny_torchvision_convnext,
        torchvision_vit=tiny_torchvision_vit,
        words=TINY_WORDS,
    )


@pytest.fixture(scope="session", autouse=True)
def _private_feature_cache(tmp_path_factory):
    """The frozen-feature cache of the test session lives in a temporary folder, not ~/.cache."""
    folder = tmp_path_factory.mktemp("sklearn_zoo_cache")
    old = os.environ.get("SKLEARN_ZOO_CACHE")
    os.environ["SKLEARN_ZOO_CACHE"] = str(folder)  # inherited by joblib workers (n_jobs=2)
    yield folder
    if old is None:
        os.environ.pop("SKLEARN_ZOO_CACHE", None)
    else:
        os.environ["SKLEARN_ZOO_CACHE"] = old


# -- tiny checkpoints for the estimator tests: real libraries, saved to disk, loaded back through
# -- the real loading code (``timm:NAME@file`` and a local transformers directory)

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
    # a vocab.txt read by from_pretrained: the one way transformers 4.45 and 5 agree on
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast.from_pretrained(str(folder), do_lower_case=True)
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
    return digits(60)


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
