"""The frozen-feature cache: reuse across fits, identical results, bounds, corruption, fallbacks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sklearn_zoo import ImageEmbedder, PretrainedImageClassifier
from sklearn_zoo.cache import FeatureStore, fingerprint

M = fingerprint("m")  # a model key as prefix_key() makes them: 32 hex digits


def test_store_round_trip_and_memory_bound(tmp_path):
    store = FeatureStore(tmp_path, memory_bytes=4 * 4 * 10, disk_bytes=10**9)
    rows = torch.arange(40, dtype=torch.float32).reshape(10, 4)
    store.put_many(M, [f"s{i}" for i in range(10)], rows)
    assert store.memory_used <= 4 * 4 * 10
    got = store.get_many(M, ["s3", "nope", "s9"])
    assert set(got) == {0, 2}
    torch.testing.assert_close(got[0], rows[3])
    store.put_many(M, [f"t{i}" for i in range(10)], rows + 100)  # evicts the first rows from memory
    assert store.memory_used <= 4 * 4 * 10
    fresh = FeatureStore(
        tmp_path, memory_bytes=10**6, disk_bytes=10**9
    )  # another process: disk only
    torch.testing.assert_close(fresh.get_many(M, ["s3"])[0], rows[3])


def test_disk_is_bounded_and_corrupt_shards_are_dropped(tmp_path):
    store = FeatureStore(tmp_path, memory_bytes=0, disk_bytes=3000)
    for j in range(5):
        store.put_many(M, [f"{j}-{i}" for i in range(10)], torch.randn(10, 16))  # ~700 B a shard
    total = sum(p.stat().st_size for p in tmp_path.glob("*/*.safetensors"))
    assert total <= 3000
    shard = next(tmp_path.glob("*/*.safetensors"))
    data = bytearray(shard.read_bytes())
    data[-5:] = b"xxxxx"  # flip bytes of the stored rows
    shard.write_bytes(bytes(data))
    FeatureStore(tmp_path, memory_bytes=0, disk_bytes=3000).get_many(M, ["4-0", "3-0", "2-0"])
    assert not shard.exists()


def test_a_shard_deleted_by_another_process_during_eviction_is_skipped(tmp_path, monkeypatch):
    """Workers sharing a cache folder evict concurrently: a shard listed by one process may be
    gone before it reads its size. That must neither warn nor turn the disk cache off."""
    import warnings
    from pathlib import Path

    store = FeatureStore(tmp_path, memory_bytes=0, disk_bytes=3000)
    for j in range(4):
        store.put_many(M, [f"{j}-{i}" for i in range(10)], torch.randn(10, 16))
    real_glob = Path.glob
    older = sorted(tmp_path.glob("*/*.safetensors"))

    def racing_glob(self, pattern):
        found = list(real_glob(self, pattern))
        if pattern.endswith(".safetensors") and older:
            older.pop(0).unlink()  # "another process" evicts an old shard right after the listing
        return iter(found)

    monkeypatch.setattr(Path, "glob", racing_glob)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store.put_many(M, [f"9-{i}" for i in range(10)], torch.randn(10, 16))
    monkeypatch.setattr(Path, "glob", real_glob)
    assert store.directory is not None  # the disk cache is still on
    assert sum(p.stat().st_size for p in tmp_path.glob("*/*.safetensors")) <= 3000
    assert set(FeatureStore(tmp_path, memory_bytes=0, disk_bytes=3000).get_many(M, ["9-0"])) == {0}


def test_unwritable_location_falls_back_with_a_warning(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = FeatureStore(blocker / "sub", memory_bytes=10**6, disk_bytes=10**6)
    with pytest.warns(RuntimeWarning, match="cannot be written"):
        store.put_many(M, ["a"], torch.ones(1, 3))
    assert store.get_many(M, ["a"])  # the memory cache still works


def test_grid_search_computes_each_sample_once(tiny_image_checkpoint, image_data, fresh_store):
    X, y = image_data
    est = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, max_epochs=2, random_state=0
    )
    GridSearchCV(est, {"freeze_depth": ["all"], "head_size": [(), (8,)]}, cv=3).fit(X, y)
    # 60 samples through the backbone once; every other fold and candidate reads the cache
    assert fresh_store.stats["computed"] == len(X)
    assert fresh_store.stats["hits"] > 3 * len(X)


def test_results_identical_with_and_without_cross_fit_cache(
    tiny_image_checkpoint, image_data, fresh_store
):
    X, y = image_data
    est = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, freeze_depth=-1, max_epochs=2, random_state=0
    )
    cold = clone(est).fit(X, y).predict_proba(X)
    warm = clone(est).fit(X, y).predict_proba(X)  # every prefix row now comes from the cache
    off = clone(est).set_params(cache=False).fit(X, y).predict_proba(X)
    assert fresh_store.stats["hits"] >= len(X)
    np.testing.assert_allclose(warm, cold, atol=1e-6)
    np.testing.assert_allclose(off, cold, atol=1e-5)


def test_embedder_shares_the_cache_and_respects_data_changes(
    tiny_image_checkpoint, image_data, fresh_store
):
    X, _ = image_data
    emb = ImageEmbedder(tiny_image_checkpoint, image_size=32).fit()
    first = emb.transform(X)
    computed = fresh_store.stats["computed"]
    np.testing.assert_array_equal(emb.transform(X[::-1]), first[::-1])
    assert fresh_store.stats["computed"] == computed  # nothing recomputed
    changed = X.copy()
    changed[0, 0, 0] ^= 255
    emb.transform(changed)
    assert fresh_store.stats["computed"] == computed + 1  # only the changed image
    np.testing.assert_allclose(
        ImageEmbedder(tiny_image_checkpoint, image_size=32, cache=False).fit().transform(X),
        first,
        atol=1e-5,
    )


def test_cache_folders_and_key_are_private_whatever_the_umask(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        store = FeatureStore(tmp_path / "new" / "features", memory_bytes=0, disk_bytes=10**6)
        store.put_many(M, ["a"], torch.ones(1, 3))
    finally:
        os.umask(old)
    for folder in (
        tmp_path / "new",
        tmp_path / "new" / "features",
        tmp_path / "new" / "features" / M,
    ):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE((tmp_path / "new" / "features" / "shards.key").stat().st_mode) == 0o600


def _warnings_of(store) -> list[str]:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store.put_many(M, ["a"], torch.ones(1, 3))
        store.get_many(M, ["a"])
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def test_a_cache_others_can_write_is_used_with_one_warning(tmp_path):
    root = tmp_path / "shared"
    root.mkdir()
    root.chmod(0o777)
    store = FeatureStore(root / "features", memory_bytes=0, disk_bytes=10**6)
    (message,) = _warnings_of(store)
    assert f"{root} can be written by other users (mode 777)" in message
    assert "shared trust" in message
    assert store.get_many(M, ["a"])  # still used
    assert _warnings_of(FeatureStore(root / "features", memory_bytes=0, disk_bytes=10**6)) == []
    sticky = tmp_path / "tmp-like"  # like /tmp: others cannot replace the cache inside it
    sticky.mkdir()
    sticky.chmod(0o1777)
    assert _warnings_of(FeatureStore(sticky / "features", memory_bytes=0, disk_bytes=10**6)) == []


@pytest.mark.skipif(not hasattr(__import__("os"), "chown"), reason="needs chown")
def test_a_cache_folder_owned_by_another_user_is_used_with_a_warning(tmp_path):
    import os

    folder = tmp_path / "features"
    folder.mkdir(mode=0o700)
    try:
        os.chown(folder, os.getuid() + 1, -1)
    except PermissionError:
        pytest.skip("changing a folder's owner needs root")
    (message,) = _warnings_of(FeatureStore(folder, memory_bytes=0, disk_bytes=10**6))
    assert f"{folder} belongs to another user (uid {os.getuid() + 1})" in message


def test_rows_of_another_precision_are_not_reused(tiny_image_checkpoint, image_data, fresh_store):
    X, _ = image_data
    fp32 = ImageEmbedder(tiny_image_checkpoint, image_size=32).fit().transform(X)
    computed = fresh_store.stats["computed"]
    bf16 = ImageEmbedder(tiny_image_checkpoint, image_size=32, precision="bf16").fit()
    cached = bf16.transform(X)
    assert fresh_store.stats["computed"] == computed + len(X)  # its own rows, not the fp32 ones
    assert not np.array_equal(cached, fp32)
    uncached = clone(bf16).set_params(cache=False).fit().transform(X)
    np.testing.assert_array_equal(cached, uncached)
