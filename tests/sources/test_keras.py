"""Keras 3 on its torch backend: a ``.keras`` file the test writes, loaded through the real source,
fine-tuned, frozen by depth (frozen BatchNorm keeps its statistics) and pickled; a saved folder
never rebuilds it; without keras a clear error names the extra."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest

from sklearn_zoo import PretrainedImageClassifier, get_checkpoint

FAST = {"max_epochs": 2, "batch_size": 16, "random_state": 0, "image_size": 32}


def test_missing_keras_names_the_extra(tmp_path, monkeypatch, image_data):
    monkeypatch.setitem(sys.modules, "keras", None)  # import keras raises ImportError
    X, y = image_data
    clf = PretrainedImageClassifier(f"keras:{tmp_path / 'model.keras'}", **FAST)
    with pytest.raises(ImportError, match=r'pip install "sklearn-zoo\[keras\]"'):
        clf.fit(X, y)


def test_card_of_a_keras_file(tmp_path):
    spec = get_checkpoint(f"keras:{tmp_path / 'model.keras'}")
    assert (spec.source, spec.family, spec.modality) == ("keras", "keras", "image")


def test_keras_model_fine_tunes_pickles_and_is_not_rebuilt_from_a_folder(
    tmp_path, tiny, image_data
):
    import torch

    path = tiny.save_keras_cnn(tmp_path / "cnn.keras", classes=10)
    X, y = image_data
    clf = PretrainedImageClassifier(f"keras:{path}", freeze_depth=1, lr=1e-2, **FAST)
    clf.fit(X, y)
    backbone = clf.net_.module_.backbone
    assert type(backbone).__name__ == "KerasBackbone" and clf.n_blocks_ == 3
    assert clf.n_frozen_blocks_ == 1

    keras = pytest.importorskip("keras")
    original = keras.saving.load_model(str(path), compile=False)
    weights = {v.path: np.asarray(v.numpy()) for v in original.weights}
    tuned = {
        n.split(".", 1)[1]: p.detach().cpu().numpy() for n, p in backbone.model.named_parameters()
    }
    # the frozen stem and its BatchNorm statistics did not move; the next stage learned
    for name in ("conv1_conv/kernel", "conv1_bn/moving_mean", "conv1_bn/moving_variance"):
        np.testing.assert_array_equal(tuned[name], weights[name], err_msg=name)
    assert not np.allclose(tuned["conv2_block1_conv/kernel"], weights["conv2_block1_conv/kernel"])
    assert "predictions/kernel" not in tuned  # the file's classifier is dropped

    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3) and np.isfinite(proba).all()
    np.testing.assert_allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X), proba, rtol=1e-5)
    with torch.no_grad():
        assert clf.transform(X).shape == (len(X), 16)

    folder = clf.save(tmp_path / "saved")
    with pytest.raises(ValueError, match=r"Keras model: .*load\(\) runs no code a folder names"):
        PretrainedImageClassifier.load(folder)


def test_offline_preset_must_be_on_this_machine(offline, block_network, image_data):
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("keras")
    from sklearn_zoo.exceptions import CheckpointUnavailableError

    X, y = image_data
    with pytest.raises(CheckpointUnavailableError, match="sklearn-zoo download keras:resnet_50"):
        PretrainedImageClassifier("keras:resnet_50_imagenet", **FAST).fit(X, y)


def test_kerashub_preset_folder_fine_tunes_and_pickles(tmp_path, image_data):
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras_hub = pytest.importorskip("keras_hub")
    keras_hub.models.ResNetBackbone(
        input_conv_filters=[64],
        input_conv_kernel_sizes=[3],
        stackwise_num_filters=[64, 16],
        stackwise_num_blocks=[1, 1],
        stackwise_num_strides=[1, 2],
        block_type="basic_block",
        use_pre_activation=False,
        image_shape=(None, None, 3),
    ).save_to_preset(str(tmp_path / "preset"))
    X, y = image_data
    clf = PretrainedImageClassifier(f"keras:{tmp_path / 'preset'}", freeze_depth=-1, **FAST)
    clf.fit(X, y)
    assert clf.n_blocks_ == 3  # the stem, then KerasHub's two stacks
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X), proba, rtol=1e-5)


def test_image_embedder_on_a_keras_file(tmp_path, tiny, image_data):
    from sklearn_zoo import ImageEmbedder

    path = tiny.save_keras_cnn(tmp_path / "cnn.keras")
    X, _ = image_data
    Z = ImageEmbedder(f"keras:{path}", image_size=32).fit(X).transform(X)
    assert Z.shape == (len(X), 16) and np.isfinite(Z).all()
