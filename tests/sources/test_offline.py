"""Offline is a first-class mode: local checkpoints load with the network blocked, missing ones fail
with an error that says how to fetch them, and loading never runs a checkpoint's own code."""

from __future__ import annotations

import json

import pytest
import torch
from _helpers import refuse_network

from sklearn_zoo import CheckpointUnavailableError, get_checkpoint, is_available_offline
from sklearn_zoo.loading import load_backbone, load_tokenizer
from sklearn_zoo.sources import download, load_model

# -- what is on this machine loads without the network ------------------------------------------


@pytest.mark.usefixtures("block_network", "offline")
@pytest.mark.parametrize(
    ("name", "blocks", "features"), [("efficientnet_lite0", 8, 1280), ("all-MiniLM-L6-v2", 7, 384)]
)
def test_packaged_checkpoints_load_offline(name, blocks, features):
    assert is_available_offline(name)
    backbone = load_backbone(name)
    assert (backbone.num_blocks, backbone.num_features) == (blocks, features)
    if name == "all-MiniLM-L6-v2":
        assert load_tokenizer(name)("hello world")["input_ids"][0] == 101  # [CLS]


@pytest.mark.usefixtures("block_network", "offline")
def test_local_transformers_directory_loads_offline(tmp_path, tiny):
    folder = tiny.save_hf_text(tmp_path / "bert", "bert")
    assert is_available_offline(str(folder))
    backbone = load_backbone(str(folder)).eval()
    tokenizer = load_tokenizer(str(folder))
    batch = dict(tokenizer(["the cat sat", "a dog runs fast"], padding=True, return_tensors="pt"))
    with torch.no_grad():
        assert backbone.forward_features(batch).shape == (2, 32)
    assert download(get_checkpoint(str(folder))) == str(folder.resolve())


@pytest.mark.usefixtures("block_network", "offline")
@pytest.mark.parametrize("suffix", [".safetensors", ".pth"])
def test_local_weights_file_loads_offline(tmp_path, tiny, suffix):
    import timm

    torch.manual_seed(0)
    model = timm.create_model("test_resnet", num_classes=3)
    path = tiny.save_state_dict(model, tmp_path / f"weights{suffix}")
    name = f"timm:test_resnet@{path}"
    assert is_available_offline(name)
    loaded = load_model(get_checkpoint(name))
    # the backbone's weights are the saved ones; the 3-class head is dropped for a fresh 1000-class one
    for key, value in model.state_dict().items():
        if not key.startswith("fc."):
            torch.testing.assert_close(loaded.state_dict()[key], value)
    assert load_backbone(name).num_features == model.num_features


def test_missing_weights_file(tmp_path, offline):
    name = f"timm:test_resnet@{tmp_path / 'nowhere.safetensors'}"
    assert not is_available_offline(name)
    with pytest.raises(CheckpointUnavailableError, match="does not exist"):
        load_backbone(name)


# -- what is not on this machine fails clearly ------------------------------------------------

NOT_LOCAL = ["resnet50", "timm-resnet50", "bert-base-uncased", "dinov2-small"]


@pytest.mark.usefixtures("block_network", "offline", "tmp_torch_home", "tmp_hf_cache")
@pytest.mark.parametrize("name", NOT_LOCAL)
def test_offline_mode_names_the_download_command(name):
    assert not is_available_offline(name)
    with pytest.raises(CheckpointUnavailableError, match=f"sklearn-zoo download {name}") as info:
        load_backbone(name)
    assert "offline mode is on" in str(info.value)
    with pytest.raises(CheckpointUnavailableError, match="offline mode is on"):
        download(get_checkpoint(name))


@pytest.mark.usefixtures("block_network", "online", "tmp_torch_home", "tmp_hf_cache")
@pytest.mark.parametrize("name", ["resnet50", "bert-base-uncased", "timm-resnet50"])
def test_blocked_network_is_a_clear_error_not_a_socket_error(name):
    with pytest.raises(CheckpointUnavailableError, match=f"sklearn-zoo download {name}") as info:
        load_backbone(name)
    assert "could not be downloaded" in str(info.value)
    with pytest.raises(CheckpointUnavailableError, match="Could not download"):
        download(get_checkpoint(name))


def test_unavailable_is_both_a_file_and_a_value_error():
    assert issubclass(CheckpointUnavailableError, FileNotFoundError)
    assert issubclass(CheckpointUnavailableError, ValueError)


# -- no code from a checkpoint runs unless the user says so ------------------------------------


@pytest.fixture
def remote_code_dir(tmp_path):
    folder = tmp_path / "remote_code"
    folder.mkdir()
    config = {
        "model_type": "zoo_test_unknown_type",
        "auto_map": {"AutoConfig": "modeling_x.XConfig", "AutoModel": "modeling_x.XModel"},
        "hidden_size": 8,
        "num_hidden_layers": 1,
    }
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    marker = tmp_path / "EXECUTED"
    (folder / "modeling_x.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('the checkpoint code ran')\n",
        encoding="utf-8",
    )
    return folder, marker


@pytest.mark.usefixtures("block_network", "offline")
def test_remote_code_is_refused_by_default(remote_code_dir):
    folder, marker = remote_code_dir
    spec = get_checkpoint(str(folder))
    assert spec.source == "local"
    with pytest.raises(ValueError, match="trust_remote_code") as info:
        load_backbone(spec)
    assert "off by default" in str(info.value)
    with pytest.raises(ValueError, match="trust_remote_code"):
        load_model(spec, pretrained=False)
    assert not marker.exists(), "the checkpoint's modeling code was executed"


@pytest.mark.usefixtures("offline", "tmp_hf_cache")
@pytest.mark.parametrize("name", ["bert-base-uncased", "dinov2-small"])
def test_offline_mode_tries_no_connection_at_all(name, monkeypatch):
    """Offline means no attempt either: not for the weights, not for a PEFT adapter file, not for
    the hub library's telemetry registry (read once per process: forgotten here)."""
    import importlib.util

    if importlib.util.find_spec("huggingface_hub.utils._detect_agent"):  # newer huggingface_hub
        from huggingface_hub.utils import _detect_agent

        monkeypatch.setattr(_detect_agent, "_registry", None, raising=False)
    tried: list = []
    refuse_network(monkeypatch, record=lambda args, kwargs: tried.append(args))
    with pytest.raises(CheckpointUnavailableError, match="offline mode is on"):
        load_backbone(name)
    assert tried == []
