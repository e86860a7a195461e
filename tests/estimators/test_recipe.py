"""The photo recipe's pieces as parameters: augmentation presets (the probe still on cached clean
features), label smoothing, an average of the weights, flip test-time augmentation."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback
from torchvision.transforms import v2

from sklearn_zoo import PretrainedImageClassifier, PretrainedTextClassifier, load
from sklearn_zoo.inputs.images import as_image_source
from sklearn_zoo.inputs.transforms import make_transform
from sklearn_zoo.zoo import get_checkpoint

FAST = {"image_size": 32, "max_epochs": 2, "batch_size": 16, "random_state": 0}


class CountCalls:
    """A user augmentation that counts the images it sees (picklable, deterministic)."""

    def __init__(self):
        self.calls = 0

    def __call__(self, image):
        self.calls += 1
        return image


def test_presets_are_torchvision_v2_pipelines():
    pre = get_checkpoint("efficientnet_lite0").image
    light = [type(t) for t in make_transform(pre, 64, "light").transforms]
    strong = [type(t) for t in make_transform(pre, 64, "strong").transforms]
    assert light[:2] == [v2.RandomResizedCrop, v2.RandomHorizontalFlip]
    assert [type(t) for t in make_transform(pre, 64, True).transforms] == light
    assert v2.TrivialAugmentWide in strong and strong[-1] is v2.RandomErasing
    image = torch.randint(0, 256, (3, 80, 90), dtype=torch.uint8)
    assert make_transform(pre, 64, "strong")(image).shape == (3, 64, 64)


def test_probe_trains_on_cached_clean_features_and_fine_tuning_on_augmented_images(
    tiny_image_checkpoint, image_data, fresh_store
):
    X, y = image_data
    count = CountCalls()
    clf = PretrainedImageClassifier(tiny_image_checkpoint, augment=count, **FAST).fit(X, y)
    assert clf.strategy_ == "lp-ft"
    n_train = len(y) - 6  # the guard's validation rows are never augmented
    # the probe's features were computed once, from clean images: no call there; fine-tuning
    # augments every training image every epoch
    assert count.calls == n_train * 2
    assert fresh_store.stats["computed"] == len(y)  # the probe's rows: clean, once each
    probe_only = CountCalls()
    PretrainedImageClassifier(
        tiny_image_checkpoint, augment=probe_only, strategy="probe", **FAST
    ).fit(X, y)
    assert probe_only.calls == 0


def test_strong_augmentation_fits(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(tiny_image_checkpoint, augment="strong", **FAST).fit(X, y)
    assert clf.predict(X).shape == y.shape


def test_label_smoothing_changes_the_loss(tiny_text_checkpoint, text_data):
    X, y = text_data
    common = {"strategy": "probe", "max_epochs": 1, "batch_size": 8, "random_state": 0}
    plain = PretrainedTextClassifier(tiny_text_checkpoint, **common).fit(X, y)
    smooth = PretrainedTextClassifier(tiny_text_checkpoint, label_smoothing=0.3, **common)
    smooth.fit(X, y)
    assert smooth.history_[0]["train_loss"] != pytest.approx(plain.history_[0]["train_loss"])


class RecordWeights(Callback):
    """The head's weight after each epoch of the fine-tuning stage, and the final one."""

    def __init__(self):
        self.live = []

    def on_batch_end(self, net, training=False, **kwargs):
        if training and net.module_.split == 0:
            self.live.append(net.module_.head[-1].weight.detach().clone())


def test_weight_average_ends_the_stage_with_the_average(tiny_image_checkpoint, image_data):
    X, y = image_data
    rec = RecordWeights()
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint,
        strategy="finetune",
        ema_decay=0.5,
        net_params={"callbacks": [rec]},
        **FAST,
    ).fit(X, y)
    # EMA with decay 0.5 over the recorded steps (the average starts at the initial weights,
    # the first update copies the weights after the first step)
    expected = rec.live[0]
    for w in rec.live[1:]:
        expected = 0.5 * expected + 0.5 * w
    final = clf.net_.module_.head[-1].weight.detach()
    torch.testing.assert_close(final, expected)
    assert not torch.allclose(final, rec.live[-1])


def test_weight_average_is_what_validation_scores(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, strategy="finetune", early_stopping=True, ema_decay=0.9, **FAST
    ).fit(X, y)
    assert all("valid_loss" in r for r in clf.history_)


def test_flip_tta_averages_the_mirror_images(tiny_image_checkpoint, image_data):
    X, y = image_data
    clf = PretrainedImageClassifier(tiny_image_checkpoint, strategy="probe", **FAST).fit(X, y)
    plain = clf.decision_function(X)
    clf.set_params(tta=True)
    both = clf.decision_function(X)
    pixels = clf.preprocess_(as_image_source(X).tensor)
    with torch.no_grad():
        mirrored = clf.net_.module_.eval()(pixel_values=pixels.flip(-1)).numpy()
    np.testing.assert_allclose(both, (plain + mirrored) / 2, rtol=1e-4, atol=1e-5)
    assert not np.allclose(both, plain, rtol=1e-4, atol=1e-5)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize(
    ("param", "bad"),
    [
        ("augment", "medium"),
        ("tta", "yes"),
        ("label_smoothing", 1.0),
        ("label_smoothing", -0.1),
        ("ema_decay", 1.0),
        ("ema_decay", 0),
    ],
)
def test_bad_recipe_parameters_are_refused(param, bad, tiny_image_checkpoint, image_data):
    clf = PretrainedImageClassifier(tiny_image_checkpoint, **FAST).set_params(**{param: bad})
    with pytest.raises(ValueError, match=f"'{param}' parameter of PretrainedImageClassifier"):
        clf.fit(*image_data)


def test_recipe_parameters_clone_search_pickle_and_save(
    tiny_image_checkpoint, image_data, tmp_path
):
    X, y = image_data
    params = {"augment": "light", "tta": True, "label_smoothing": 0.1, "ema_decay": 0.9}
    clf = PretrainedImageClassifier(tiny_image_checkpoint, **params, **FAST)
    assert {k: clone(clf).get_params()[k] for k in params} == params
    search = GridSearchCV(clf, {"label_smoothing": [0.0, 0.1], "tta": [False, True]}, cv=2)
    search.set_params(estimator__max_epochs=1).fit(X, y)
    assert set(search.best_params_) == {"label_smoothing", "tta"}
    clf.fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    loaded = load(clf.save(tmp_path / "m"))
    assert {k: loaded.get_params()[k] for k in params} == params
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-5)
