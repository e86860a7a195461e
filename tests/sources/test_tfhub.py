"""TensorFlow Hub SavedModels: a tiny SavedModel the test writes, loaded through the real source
as a frozen feature extractor (probe, transform, rank_checkpoints, pickle); anything that would
train it is a ValueError saying why; without TensorFlow a clear error names the extra."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest

from sklearn_zoo import ImageEmbedder, PretrainedImageClassifier, get_checkpoint

FAST = {"max_epochs": 5, "batch_size": 16, "random_state": 0, "image_size": 32}


def save_tiny_saved_model(folder):
    """A SavedModel in TF Hub's image feature vector form: NHWC pixels in [0, 1] to 8 features."""
    tf = pytest.importorskip("tensorflow")

    class FeatureVector(tf.Module):
        def __init__(self):
            super().__init__()
            self.kernel = tf.Variable(tf.random.stateless_normal((3, 3, 3, 8), seed=(0, 1)))

        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])
        def __call__(self, images):
            maps = tf.nn.relu(tf.nn.conv2d(images, self.kernel, strides=2, padding="SAME"))
            return tf.reduce_mean(maps, axis=[1, 2])

    tf.saved_model.save(FeatureVector(), str(folder))
    return folder


@pytest.fixture
def saved_model(tmp_path):
    return save_tiny_saved_model(tmp_path / "feature_vector")


def test_missing_tensorflow_names_the_extra(tmp_path, monkeypatch, image_data):
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    X, y = image_data
    with pytest.raises(ImportError, match=r'pip install "sklearn-zoo\[tfhub\]"'):
        PretrainedImageClassifier(f"tfhub:{tmp_path}", strategy="probe", **FAST).fit(X, y)


def test_card_of_a_saved_model(tmp_path):
    spec = get_checkpoint(f"tfhub:{tmp_path}")
    assert (spec.source, spec.family, spec.image.mean, spec.image.std) == (
        "tfhub",
        "tfhub",
        (0.0, 0.0, 0.0),
        (1.0, 1.0, 1.0),
    )


@pytest.mark.parametrize("strategy", ["finetune", "lp-ft"])
def test_training_the_saved_model_is_refused(saved_model, image_data, strategy):
    X, y = image_data
    clf = PretrainedImageClassifier(f"tfhub:{saved_model}", strategy=strategy, **FAST)
    with pytest.raises(ValueError, match="needs a Keras|use a Keras") as info:
        clf.fit(X, y)
    assert "strategy='probe'" in str(info.value) and not hasattr(clf, "net_")


def test_saved_model_probe_transform_pickle(saved_model, image_data, tmp_path):
    X, y = image_data
    clf = PretrainedImageClassifier(f"tfhub:{saved_model}", lr=1e-2, **FAST).fit(X, y)
    assert clf.strategy_ == "probe" and clf.n_blocks_ == clf.n_frozen_blocks_ == 1
    losses = [row["train_loss"] for row in clf.history_]
    assert losses[-1] < losses[0]  # the head learns on the SavedModel's features
    features = clf.transform(X)
    assert features.shape == (len(X), 8)
    embedded = ImageEmbedder(f"tfhub:{saved_model}", image_size=32).fit(X).transform(X)
    np.testing.assert_allclose(embedded, features, rtol=1e-5, atol=1e-6)

    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X), rtol=1e-5)
    with pytest.raises(ValueError, match="TensorFlow Hub model: .*runs no code a folder names"):
        PretrainedImageClassifier.load(clf.save(tmp_path / "saved"))


def test_rank_checkpoints_with_a_saved_model(saved_model, image_data):
    from sklearn_zoo import rank_checkpoints

    X, y = image_data
    ranking = rank_checkpoints(X, y, [f"tfhub:{saved_model}"], cv=2, image_size=32)
    assert list(ranking["checkpoint"]) == [f"tfhub:{saved_model}"]


def test_offline_handle_must_be_in_the_cache(
    offline, block_network, image_data, tmp_path, monkeypatch
):
    pytest.importorskip("tensorflow")
    from sklearn_zoo import is_available_offline
    from sklearn_zoo.exceptions import CheckpointUnavailableError

    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "tfhub_cache"))
    handle = "tfhub:https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector/5"
    assert not is_available_offline(handle)
    X, y = image_data
    with pytest.raises(CheckpointUnavailableError, match="sklearn-zoo download"):
        PretrainedImageClassifier(handle, **FAST).fit(X, y)
    # a SavedModel where tensorflow_hub caches the handle is used from there
    import hashlib

    url = handle.split(":", 1)[1]
    save_tiny_saved_model(tmp_path / "tfhub_cache" / hashlib.sha1(url.encode()).hexdigest())
    assert is_available_offline(handle)
    assert PretrainedImageClassifier(handle, **FAST).fit(X, y).transform(X).shape == (len(X), 8)
