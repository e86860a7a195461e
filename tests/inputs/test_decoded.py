"""Image files decoded and resized once per fit, kept in memory up to a limit and spilled to a
private folder past it; every epoch starts from the stored pixels."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from sklearn_zoo import PretrainedImageClassifier
from sklearn_zoo.inputs import images as images_module
from sklearn_zoo.inputs.decoded import DecodedImages, DecodedSource
from sklearn_zoo.inputs.images import as_image_source
from sklearn_zoo.inputs.transforms import first_resize, make_transform
from sklearn_zoo.zoo import get_checkpoint


@pytest.fixture
def photo_files(tmp_path):
    rng = np.random.default_rng(0)
    paths, labels = [], []
    for i in range(30):
        pixels = rng.integers(0, 256, size=(48 + i % 5, 64, 3), dtype=np.uint8)
        path = tmp_path / f"{i}.jpg"
        Image.fromarray(pixels).save(path, quality=90)
        paths.append(str(path))
        labels.append(i % 3)
    return paths, np.array(labels)


@pytest.fixture
def count_decodes(monkeypatch):
    calls = []
    decode = images_module._decode

    def counted(item, *args):
        calls.append(item)
        return decode(item, *args)

    monkeypatch.setattr(images_module, "_decode", counted)
    return calls


@pytest.mark.parametrize("max_bytes", [2**30, 3 * 32 * 32 * 4])  # all in memory; 4 in memory
def test_stored_images_are_what_the_eval_transform_would_see(photo_files, max_bytes):
    paths, _ = photo_files
    pre = get_checkpoint("efficientnet_lite0").image
    source = as_image_source(paths)
    stored = DecodedImages(source, first_resize(pre, 32), min_side=32, max_bytes=max_bytes)
    decoded = DecodedSource(stored).subset([3, 1, 4])
    evaluate = make_transform(pre, 32)
    for image, raw in zip(decoded.load([0, 1, 2]), source.load([3, 1, 4], min_side=32)):
        torch.testing.assert_close(evaluate(image), evaluate(raw), rtol=0, atol=0)
    assert decoded.sample_keys() == [source.sample_keys()[i] for i in (3, 1, 4)]
    again = [stored.get(i) for i in range(len(paths))]  # the rest, some spilled to disk
    assert all(torch.equal(stored.get(i), again[i]) for i in range(len(paths)))
    assert stored.decoded == len(paths)
    assert (stored._folder is None) == (max_bytes == 2**30)


def test_a_fine_tuning_fit_decodes_each_photo_once(
    tiny_image_checkpoint, photo_files, count_decodes
):
    paths, y = photo_files
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint,
        strategy="lp-ft",  # a few photos: "auto" would run the probe (too few to guard)
        image_size=32,
        max_epochs=3,
        batch_size=8,
        random_state=0,
    ).fit(paths, y)
    assert [r["stage"] for r in clf.stages_] == ["probe", "finetune"]
    assert len(count_decodes) == len(paths)  # not once per epoch (3 fine-tuning epochs)


def test_a_probe_decodes_as_before(tiny_image_checkpoint, photo_files, count_decodes):
    paths, y = photo_files
    PretrainedImageClassifier(
        tiny_image_checkpoint, strategy="probe", image_size=32, max_epochs=2, random_state=0
    ).fit(paths, y)
    assert len(count_decodes) == len(paths)  # once, for the cached features
