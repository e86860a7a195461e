"""Loading never unpickles arbitrary objects: a booby-trapped checkpoint is refused and its payload
never runs. (``trust_remote_code`` staying off is tested in tests/sources/test_offline.py, and
attacks on saved folders and the feature cache in tests/redteam/.)"""

from __future__ import annotations

import os
import pickle

import pytest
import torch

from sklearn_zoo.loading import load_backbone


class Payload:
    """Unpickling this runs ``os.system("touch MARKER")``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _torch_zip(path, marker):
    """A ``torch.save`` checkpoint: real tensors and, among them, the payload."""
    import timm

    state = timm.create_model("test_resnet", pretrained=False).state_dict()
    torch.save({**state, "extra": Payload(str(marker))}, str(path))


def _raw_pickle(path, marker):
    """A plain (legacy, non-zip) pickle file."""
    with open(path, "wb") as f:
        pickle.dump({"state_dict": {"fc.weight": Payload(str(marker))}}, f)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")
@pytest.mark.parametrize("write", [_torch_zip, _raw_pickle], ids=["torch.save", "pickle.dump"])
@pytest.mark.parametrize("suffix", [".pth", ".bin"])
def test_a_checkpoint_holding_a_pickled_object_is_refused(tmp_path, write, suffix):
    marker = tmp_path / "PWNED"
    path = tmp_path / f"evil{suffix}"
    write(path, marker)
    with pytest.raises(ValueError, match=r"Refusing to load .*evil.*arbitrary code.*safetensors"):
        load_backbone(f"timm:test_resnet@{path}")
    assert not marker.exists()


def test_the_payload_is_real(tmp_path):
    """The same file does run its payload when unpickled without ``weights_only``: the test above
    proves something."""
    marker = tmp_path / "PWNED"
    _raw_pickle(tmp_path / "evil.pth", marker)
    with open(tmp_path / "evil.pth", "rb") as f:
        pickle.load(f)  # noqa: S301 - on purpose, in a temporary folder
    assert marker.exists()


def test_a_saved_estimator_with_a_pickle_for_weights_is_refused(
    tiny_image_checkpoint, image_data, tmp_path
):
    """``load`` reads safetensors only: a pickle put in place of the weights never runs."""
    from sklearn_zoo import PretrainedImageClassifier

    X, y = image_data
    clf = PretrainedImageClassifier(tiny_image_checkpoint, image_size=32, max_epochs=1)
    folder = clf.fit(X, y).save(tmp_path / "saved")
    marker = tmp_path / "PWNED"
    _raw_pickle(folder / "weights.safetensors", marker)
    with pytest.raises(ValueError, match="weights.safetensors' does not hold the weights"):
        PretrainedImageClassifier.load(folder)
    assert not marker.exists()
    assert not [p for p in folder.iterdir() if p.suffix in (".pkl", ".pickle", ".joblib", ".pt")]
