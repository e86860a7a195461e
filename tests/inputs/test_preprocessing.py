"""Every image entry of the catalogue is preprocessed as its source library does it: the eval
transform built from the card (``make_transform``, the one rule) against timm's
``resolve_data_config`` + ``create_transform``, torchvision's ``weights.transforms()`` and the Hugging
Face image processor, on models built offline (no weights needed to compare transforms)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torchvision.transforms import v2

from sklearn_zoo.inputs import make_transform
from sklearn_zoo.inputs.transforms import is_random
from sklearn_zoo.zoo import ImagePreprocessing
from sklearn_zoo.zoo.catalogue import CATALOGUE

IMAGE_ENTRIES = [spec for spec in CATALOGUE if spec.modality == "image"]
# Hugging Face entries: the processors the conversion scripts pushed to the hub (transformers'
# convert_vit_timm_to_pytorch.py: ViTImageProcessor(size=config.image_size); convert_dinov2_to_hf.py:
# BitImageProcessor(size={"shortest_edge": 256}, resample=BICUBIC, ImageNet mean and std)). The
# hub files themselves cannot be read offline.
HF_PROCESSORS = {
    "google/vit-base-patch16-224-in21k": ("ViTImageProcessor", {"size": 224}),
    "facebook/dinov2-small": (
        "BitImageProcessor",
        {"size": {"shortest_edge": 256}, "resample": 3, "image_mean": (0.485, 0.456, 0.406),
         "image_std": (0.229, 0.224, 0.225)},
    ),
}  # fmt: skip
HF_PROCESSORS["facebook/dinov2-base"] = HF_PROCESSORS["facebook/dinov2-small"]


def _photos():
    """Real photos of several shapes: landscape, portrait, square, odd sizes, and one smaller than
    the crop (upscaled)."""
    from PIL import Image
    from sklearn.datasets import load_sample_images

    china, flower = load_sample_images().images
    arrays = [
        china,
        flower[:, 100:411],
        china[50:350, 200:500],
        flower[1:262, 3:400],
        china[:61, :93],
    ]
    return [Image.fromarray(np.ascontiguousarray(a)) for a in arrays]


# torchvision models that take ImageNet-normalized inputs and rescale them to [-1, 1] themselves
# (``transform_input=True``): the backbone leaves that step out and its card normalizes to [-1, 1]
TRANSFORM_INPUT = ("inception_v3", "googlenet")


def _with_transform_input(t):
    """torchvision's eval transform followed by the model's own ``transform_input`` step."""
    mean = torch.tensor(t.mean)[:, None, None]
    std = torch.tensor(t.std)[:, None, None]
    return lambda img: (t(img) * std + mean - 0.5) / 0.5


def _reference(spec):
    """The source's own eval transform (PIL image in, normalized CHW tensor out) and its settings."""
    if spec.source == "torchvision":
        from torchvision.models import get_model_weights

        t = get_model_weights(spec.identifier)[spec.options["weights"]].transforms()
        settings = {
            "resize": t.resize_size[0],
            "crop": (t.crop_size[0], "round"),  # F.center_crop, as torchvision's CenterCrop
            "interpolation": t.interpolation.value,
            "mean": tuple(t.mean),
            "std": tuple(t.std),
        }
        if spec.identifier in TRANSFORM_INPUT:  # the model rescales to [-1, 1] itself
            return _with_transform_input(t), {**settings, "mean": (0.5,) * 3, "std": (0.5,) * 3}
        return t, settings
    if spec.source in ("timm", "package"):
        import timm
        from timm.data import create_transform, resolve_data_config

        ident = spec.identifier if spec.source == "timm" else spec.options["fallback"][1]
        with torch.device("meta"):  # the architecture and its pretrained_cfg, no weights
            model = timm.create_model(ident, pretrained=False)
        cfg = resolve_data_config({}, model=model)
        t = create_transform(**cfg)
        resize, crop = t.transforms[0], t.transforms[1]
        assert type(crop).__name__ == "CenterCrop"  # torchvision's: offsets rounded
        settings = {
            "resize": resize.size,
            "crop": (crop.size[0], "round"),
            "interpolation": resize.interpolation.value,
            "mean": tuple(cfg["mean"]),
            "std": tuple(cfg["std"]),
        }
        return t, settings
    import transformers

    name, kwargs = HF_PROCESSORS[spec.identifier]
    processor = getattr(transformers, name)(**kwargs)
    size = processor.size
    interpolation = {2: "bilinear", 3: "bicubic"}[int(processor.resample)]
    settings = {
        "resize": size["shortest_edge"]
        if "shortest_edge" in size
        else (size["height"], size["width"]),
        # BaseImageProcessor.center_crop: top = int((height - crop) / 2), rounded down
        "crop": (processor.crop_size["height"], "floor")
        if getattr(processor, "do_center_crop", False)
        else None,
        "interpolation": interpolation,
        "mean": tuple(processor.image_mean),
        "std": tuple(processor.image_std),
    }
    return (lambda img: processor(images=img, return_tensors="pt").pixel_values[0]), settings


def _settings(transform: v2.Compose) -> dict:
    steps = {type(t).__name__: t for t in transform.transforms}
    resize = steps["Resize"]
    crop = None
    if "CenterCrop" in steps:
        crop = (steps["CenterCrop"].size[0], "round")
    elif "CenterCropFloor" in steps:
        crop = (steps["CenterCropFloor"].size, "floor")
    return {
        "resize": resize.size[0] if len(resize.size) == 1 else tuple(resize.size),
        "crop": crop,
        "interpolation": resize.interpolation.value,
        "mean": tuple(steps["Normalize"].mean),
        "std": tuple(steps["Normalize"].std),
    }


def _chw(img) -> torch.Tensor:
    return torch.from_numpy(np.array(img)).permute(2, 0, 1)


@pytest.mark.parametrize("spec", IMAGE_ENTRIES, ids=lambda s: s.name)
def test_eval_transform_equals_the_sources(spec):
    """Same settings, and the same tensors on real photos: the sources resize PIL images, ours
    resizes uint8 tensors (antialiased), which differs by at most 2 levels of 255, on few pixels
    (a crop one pixel off would be 0.2 apart on average, 25 levels)."""
    theirs, expected = _reference(spec)
    ours = make_transform(spec.image)
    assert _settings(ours) == expected
    assert not is_random(ours)  # one batched call for arrays, not a loop over images
    level = 1 / 255 / min(spec.image.std)
    for img in _photos():
        want, got = theirs(img), ours(_chw(img))
        assert got.shape == want.shape == (3, spec.image.size, spec.image.size)
        diff = (got - want).abs()
        assert float(diff.max()) <= 2 * level + 1e-5, img.size
        assert float(diff.mean()) < level / 4, img.size


TIMM_ENTRIES = [spec for spec in IMAGE_ENTRIES if spec.source in ("timm", "package")]


@pytest.mark.parametrize("size", [64, 100, 160, 299])
@pytest.mark.parametrize("spec", TIMM_ENTRIES, ids=lambda s: s.name)
def test_other_image_sizes_follow_timms_rule(spec, size):
    """``image_size`` other than the card's: the resize is timm's ``floor(size / crop_pct)``."""
    from timm.data import create_transform

    pre = spec.image
    theirs = create_transform(
        input_size=size,
        crop_pct=pre.crop_pct,
        interpolation=pre.interpolation,
        mean=pre.mean,
        std=pre.std,
    )
    ours = make_transform(pre, size)
    assert _settings(ours)["resize"] == theirs.transforms[0].size == pre.resize_for(size)
    img = _photos()[1]
    two_levels = 2 / 255 / min(pre.std)
    assert float((ours(_chw(img)) - theirs(img)).abs().max()) <= two_levels + 1e-5


def test_the_resize_rule():
    card = ImagePreprocessing(size=224, resize=232, crop_pct=224 / 232)
    assert card.resize_for() == card.resize_size == 232  # the card's own resize, as given
    assert card.resize_for(64) == math.floor(64 / card.crop_pct) == 66
    timm_card = ImagePreprocessing(size=224, crop_pct=0.95)
    assert timm_card.resize_for() == 235  # floor(235.79): round() gave 236
    assert ImagePreprocessing(crop="squash").resize_for(100) == 100
    squash = make_transform(ImagePreprocessing(crop="squash"), 32)
    assert squash(torch.zeros(3, 50, 90, dtype=torch.uint8)).shape == (3, 32, 32)


@pytest.mark.parametrize("crop, top", [("center", 2), ("center_floor", 1)])
def test_crop_offsets_round_as_the_source_does(crop, top):
    """7 rows cropped to 4 leave 3: torchvision starts at round(1.5) = 2, Hugging Face at 1."""
    rows = torch.arange(7, dtype=torch.uint8).mul(10).reshape(1, 7, 1).expand(3, 7, 4)
    pre = ImagePreprocessing(size=4, resize=4, crop_pct=1.0, mean=(0,) * 3, std=(1,) * 3, crop=crop)
    out = make_transform(pre)(rows)
    assert out.shape == (3, 4, 4)
    assert round(float(out[0, 0, 0]) * 255) == top * 10


@pytest.mark.parametrize(
    "bad, match",
    [
        ({"interpolation": "box"}, "interpolation must be one of"),
        ({"crop": "left"}, "crop must be one of"),
    ],
)
def test_preprocessing_values_are_checked(bad, match):
    with pytest.raises(ValueError, match=match):
        ImagePreprocessing(**bad)


# Processors of Hugging Face models outside the catalogue (``hf:ORG/NAME``), as their
# preprocessor_config.json files say them: the card read from the file must preprocess alike.
HF_CONFIGS = {
    "vit": ("ViTImageProcessor", {"size": 224}),
    "dinov2": ("BitImageProcessor", {"size": {"shortest_edge": 256}, "resample": 3}),
    "clip": ("CLIPImageProcessor", {}),
    "convnext-224": ("ConvNextImageProcessor", {"size": {"shortest_edge": 224}}),
}


@pytest.mark.parametrize("name", list(HF_CONFIGS))
def test_cards_read_from_hf_processor_configs_preprocess_alike(name):
    import json

    import transformers

    from sklearn_zoo.zoo.registry import _hf_image_pre

    cls, kwargs = HF_CONFIGS[name]
    processor = getattr(transformers, cls)(**kwargs)
    card = _hf_image_pre(json.loads(processor.to_json_string()))
    ours = make_transform(card)
    level = 1 / 255 / min(card.std)
    for img in _photos():
        want = processor(images=img, return_tensors="pt").pixel_values[0]
        got = ours(_chw(img))
        assert got.shape == want.shape, (img.size, got.shape, want.shape)
        diff = (got - want).abs()
        assert float(diff.max()) <= 2 * level + 1e-5, img.size
        assert float(diff.mean()) < level / 4, img.size
