"""The inference path over large collections: chunks of batches (only the output grows with N),
decoding in DataLoader workers (``num_workers="auto"``), progress bars at ``verbose=1``."""

from __future__ import annotations

import numpy as np
import pytest

from sklearn_zoo import ImageEmbedder, PretrainedImageClassifier, TextEmbedder, features
from sklearn_zoo.inputs import as_image_source
from sklearn_zoo.runtime import resolve_num_workers

FAST = {"max_epochs": 1, "batch_size": 4, "random_state": 0, "device": "cpu", "image_size": 32}


@pytest.fixture
def photo_paths(tmp_path):
    """30 small JPEGs of mixed sizes, as a folder of photos is."""
    from PIL import Image

    rng = np.random.default_rng(0)
    paths = []
    for i in range(30):
        paths.append(str(tmp_path / f"{i}.jpg"))
        Image.fromarray(rng.integers(0, 255, (24 + i, 40, 3), dtype=np.uint8)).save(paths[-1])
    return paths


def test_auto_workers_decode_files_and_nothing_else(photo_paths, image_data, monkeypatch):
    X, _ = image_data
    files = as_image_source(photo_paths)
    assert resolve_num_workers("auto", files, batch_size=4) >= 1
    assert resolve_num_workers("auto", files, batch_size=64) == 0  # one batch: not worth a process
    assert resolve_num_workers("auto", as_image_source(X), batch_size=4) == 0  # arrays
    assert resolve_num_workers("auto", ["a text"] * 100, batch_size=4) == 0
    assert resolve_num_workers(3, as_image_source(X), batch_size=4) == 3
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
    assert resolve_num_workers("auto", files, batch_size=4) == 0  # a joblib or Dask worker


def test_auto_workers_give_the_outputs_of_none(tiny_image_checkpoint, photo_paths, monkeypatch):
    started = []
    real = features.FrozenFeatures._batches

    def spy(self, dataset, indices):
        loader = real(self, dataset, indices)
        started.append(loader.num_workers)
        return loader

    monkeypatch.setattr(features.FrozenFeatures, "_batches", spy)
    emb = ImageEmbedder(tiny_image_checkpoint, image_size=32, batch_size=4, cache=False)
    auto = emb.fit().transform(photo_paths)
    assert max(started) >= 1  # the images were decoded in worker processes
    none = emb.set_params(num_workers=0).fit().transform(photo_paths)
    assert max(started[-1:]) == 0
    np.testing.assert_array_equal(auto, none)
    y = np.arange(len(photo_paths)) % 2
    clf = PretrainedImageClassifier(tiny_image_checkpoint, freeze_depth=-1, cache=False, **FAST)
    proba = clf.fit(photo_paths, y).predict_proba(photo_paths)
    np.testing.assert_array_equal(clf.set_params(num_workers=0).predict_proba(photo_paths), proba)


def test_inference_holds_one_chunk_at_a_time(tiny_image_checkpoint, photo_paths, monkeypatch):
    """Datasets are made for chunks of ``CHUNK_BATCHES`` batches, never for the whole collection,
    and the rows come back in the caller's order, as from one pass."""
    emb = ImageEmbedder(tiny_image_checkpoint, image_size=32, batch_size=4, cache=False).fit()
    whole = emb.transform(photo_paths)
    seen = []
    real = emb._fitted_prep

    def spying_prep():
        prepared = real()
        dataset = prepared.dataset

        class Spy:
            def __getattr__(self, name):
                return getattr(prepared, name)

            def dataset(self, inputs, idx, *args, **kwargs):
                seen.append(len(idx))
                return dataset(inputs, idx, *args, **kwargs)

        return Spy()

    monkeypatch.setattr(features, "CHUNK_BATCHES", 2)
    monkeypatch.setattr(emb, "_fitted_prep", spying_prep)
    chunked = emb.transform(photo_paths)
    assert seen == [8, 8, 8, 6]
    np.testing.assert_allclose(chunked, whole, atol=1e-6)


def test_texts_are_sorted_by_length_within_each_chunk(tiny_text_checkpoint, text_data, monkeypatch):
    X, _ = text_data
    emb = TextEmbedder(tiny_text_checkpoint, batch_size=4, cache=False).fit()
    whole = emb.transform(X)
    monkeypatch.setattr(features, "CHUNK_BATCHES", 1)
    lengths = []
    real = emb.tokenizer_.__class__.__call__

    def spy(self, texts, *args, **kwargs):
        lengths.append([len(t) for t in texts])
        return real(self, texts, *args, **kwargs)

    monkeypatch.setattr(emb.tokenizer_.__class__, "__call__", spy)
    np.testing.assert_allclose(emb.transform(X), whole, atol=1e-5)
    assert len(lengths) == int(np.ceil(len(X) / 4))
    assert all(batch == sorted(batch, reverse=True) for batch in lengths)


def test_verbose_1_shows_a_bar_for_transform_and_predict_verbose_0_nothing(
    tiny_image_checkpoint, image_data, capsys
):
    X, y = image_data
    emb = ImageEmbedder(tiny_image_checkpoint, image_size=32).fit()
    emb.transform(X)
    assert capsys.readouterr() == ("", "")
    emb.set_params(verbose=1).transform(X)
    err = capsys.readouterr().err
    assert "transform" in err and f"{len(X)}/{len(X)}" in err
    clf = PretrainedImageClassifier(tiny_image_checkpoint, **FAST).fit(X, y)
    clf.predict_proba(X)
    clf.transform(X)
    assert capsys.readouterr() == ("", "")
    clf.set_params(verbose=1).predict(X)
    assert "predict" in capsys.readouterr().err


def test_verbose_1_shows_the_frozen_features_a_fit_computes(
    tiny_image_checkpoint, image_data, capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("SKLEARN_ZOO_CACHE", str(tmp_path / "cache"))
    X, y = image_data
    PretrainedImageClassifier(tiny_image_checkpoint, freeze_depth="all", verbose=1, **FAST).fit(
        X, y
    )
    assert "frozen features" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["many", -1, 1.5])
def test_num_workers_is_validated(tiny_image_checkpoint, image_data, bad):
    X, _ = image_data
    with pytest.raises(ValueError, match="'num_workers' parameter of ImageEmbedder"):
        ImageEmbedder(tiny_image_checkpoint, num_workers=bad).fit()
