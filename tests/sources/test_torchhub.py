"""PyTorch Hub: a hub repository the test writes, loaded through ``torch.hub.load`` only with
``trust_remote_code=True``, from torch hub's cache when offline, and never from a saved folder."""

from __future__ import annotations

import pickle
import textwrap

import numpy as np
import pytest

from sklearn_zoo import PretrainedImageClassifier, get_checkpoint
from sklearn_zoo.exceptions import CheckpointUnavailableError

FAST = {"max_epochs": 2, "batch_size": 16, "random_state": 0, "image_size": 32}

HUBCONF = '''
dependencies = ["torch", "torchvision"]
import os
import pathlib

import torch
from torchvision.models import resnet18

HERE = pathlib.Path(__file__).parent
(HERE / "ran.txt").write_text("hubconf.py ran")  # the test sees whether this code ran


def tiny_resnet(pretrained=True, num_classes=10):
    """A ResNet-18 whose weights are the repository's weights.pth."""
    model = resnet18(num_classes=num_classes)
    if pretrained:
        model.load_state_dict(torch.load(HERE / "weights.pth", weights_only=True))
    return model
'''


def write_hub_repo(folder, tiny):
    """A hub repository: hubconf.py with one entry point, and the weights it loads."""
    import torch
    from torchvision.models import resnet18

    folder.mkdir(parents=True)
    (folder / "hubconf.py").write_text(textwrap.dedent(HUBCONF), encoding="utf-8")
    torch.manual_seed(0)
    tiny.save_state_dict(resnet18(num_classes=7), folder / "weights.pth")
    return folder


@pytest.fixture
def hub_repo(tmp_path, tiny):
    return write_hub_repo(tmp_path / "repo", tiny)


def test_hub_code_is_refused_without_trust(hub_repo, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(f"torchhub:{hub_repo}:tiny_resnet?num_classes=7", **FAST)
    with pytest.raises(ValueError, match=r"runs the repository's hubconf\.py") as info:
        clf.fit(X, y)
    assert "trust_remote_code=True" in str(info.value)
    assert not (hub_repo / "ran.txt").exists()
    assert not hasattr(clf, "net_")


def test_trusted_hub_model_fits_predicts_pickles(hub_repo, image_data, tmp_path):
    import torch

    X, y = image_data
    name = f"torchhub:{hub_repo}:tiny_resnet?num_classes=7"
    spec = get_checkpoint(name, trust_remote_code=True)
    assert (spec.source, spec.options["entry"], spec.options["kwargs"]) == (
        "torchhub",
        "tiny_resnet",
        {"num_classes": 7},
    )
    clf = PretrainedImageClassifier(spec, freeze_depth=-1, **FAST).fit(X, y)
    assert (hub_repo / "ran.txt").exists() and clf.spec_.family == "auto"
    assert clf.n_blocks_ == 5  # found to be a torchvision ResNet: stem and four stages
    # the hub entry point's weights, not random ones: the frozen stem is the file's
    saved = torch.load(hub_repo / "weights.pth", weights_only=True)
    stem = clf.net_.module_.backbone.blocks[0][0].weight.detach()
    torch.testing.assert_close(stem, saved["conv1.weight"])
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X), proba)

    (hub_repo / "ran.txt").unlink()
    folder = clf.save(tmp_path / "saved")
    for trust in (False, True):
        with pytest.raises(ValueError, match="load\\(\\) runs no code a folder names"):
            PretrainedImageClassifier.load(folder, trust_remote_code=trust)
    assert not (hub_repo / "ran.txt").exists()


def test_offline_loads_from_torch_hubs_cache(
    tmp_torch_home, tiny, image_data, offline, block_network
):
    X, y = image_data
    name = "torchhub:someone/tinyrepo:tiny_resnet?num_classes=7"
    with pytest.raises(CheckpointUnavailableError, match="sklearn-zoo download"):
        PretrainedImageClassifier(get_checkpoint(name, trust_remote_code=True), **FAST).fit(X, y)

    cached = write_hub_repo(tmp_torch_home / "hub" / "someone_tinyrepo_main", tiny)
    from sklearn_zoo import is_available_offline

    assert is_available_offline(name)
    clf = PretrainedImageClassifier(get_checkpoint(name, trust_remote_code=True), **FAST)
    assert clf.fit(X, y).predict(X).shape == (len(X),)
    assert (cached / "ran.txt").exists()


@pytest.mark.parametrize(
    "name",
    ["torchhub:owner/repo", "torchhub:owner/repo:not-an-entry", "torchhub:a/b/c:entry"],
)
def test_malformed_hub_names(name):
    with pytest.raises(ValueError, match="torchhub:"):
        get_checkpoint(name)


def test_download_refuses_without_trust(hub_repo, capsys):
    from sklearn_zoo.cli import main

    name = f"torchhub:{hub_repo}:tiny_resnet"
    assert main(["download", name]) == 2
    assert "hubconf.py" in capsys.readouterr().err
    assert main(["download", "--trust-remote-code", name]) == 0
    assert str(hub_repo) in capsys.readouterr().out


def test_cli_shows_the_new_sources(capsys):
    from sklearn_zoo.cli import main

    assert main(["info", "torchhub:owner/repo:entry?depth=2"]) == 0
    out = capsys.readouterr().out
    assert "torchhub" in out and "owner/repo" in out
    with pytest.raises(SystemExit):
        main(["list", "--help"])
    out = capsys.readouterr().out
    for form in ("torchhub:OWNER/REPO", "keras:PRESET", "tfhub:HANDLE_OR_PATH"):
        assert form in out
