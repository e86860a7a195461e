"""Red team: someone else can write to the feature cache folder (a shared path, a world-writable
temporary folder). Each attack leaves a mark when it works (another user's embeddings changed, a
file that is not the cache's deleted, a file written outside the cache); none may appear."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from sklearn_zoo import ImageEmbedder
from sklearn_zoo.cache import FeatureStore, fingerprint


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A private cache for this test; ``features/`` is where the shards go."""
    monkeypatch.setenv("SKLEARN_ZOO_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "features"


@pytest.fixture
def victim(cache, tiny_image_checkpoint, image_data, monkeypatch):
    """A user's embedder, its embeddings, and the one model folder its transform filled."""
    X, _ = image_data
    emb = ImageEmbedder(tiny_image_checkpoint, image_size=32).fit()
    before = emb.transform(X)
    (model_dir,) = [p for p in cache.iterdir() if p.is_dir()]
    return emb, X, before, model_dir


def _later_session(monkeypatch) -> None:
    """A new process: nothing in memory, every row read from the disk cache."""
    monkeypatch.setenv("SKLEARN_ZOO_CACHE_MEMORY", str(2**30 + 1))


def _shards(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.safetensors"))


def _rewrite(shard: Path, change) -> None:
    """Rewrite a shard with its tensors as they are and its metadata changed by ``change``."""
    with safe_open(str(shard), framework="pt") as f:
        meta = dict(f.metadata())
        tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    change(meta)
    save_file(tensors, str(shard), metadata=meta)


def test_swapped_keys_in_a_shard_do_not_change_another_users_embeddings(victim, monkeypatch):
    emb, X, before, model_dir = victim
    for shard in _shards(model_dir):  # the rows stay, the key list is reversed
        _rewrite(shard, lambda m: m.update(keys=json.dumps(json.loads(m["keys"])[::-1])))
    _later_session(monkeypatch)
    np.testing.assert_allclose(emb.transform(X), before, atol=1e-6)


def test_a_forged_shard_does_not_change_another_users_embeddings(victim, tmp_path, monkeypatch):
    """The forger writes a well-formed shard with the library itself, in a cache of their own,
    for the victim's model and samples, and drops it into the victim's folder."""
    emb, X, before, model_dir = victim
    (shard,) = _shards(model_dir)
    with safe_open(str(shard), framework="pt") as f:
        keys = json.loads(f.metadata()["keys"])
    forger = FeatureStore(tmp_path / "forger", memory_bytes=0, disk_bytes=10**9)
    forger.put_many(model_dir.name, keys, torch.full((len(keys), before.shape[1]), 7.0))
    shard.unlink()
    (forged,) = _shards(tmp_path / "forger" / model_dir.name)
    shutil.copy(forged, model_dir / forged.name)
    _later_session(monkeypatch)
    np.testing.assert_allclose(emb.transform(X), before, atol=1e-6)


def test_a_shard_moved_from_another_model_is_refused(tmp_path):
    store = FeatureStore(tmp_path, memory_bytes=0, disk_bytes=10**9)
    one, other = fingerprint("one"), fingerprint("other")
    store.put_many(one, ["s0", "s1"], torch.zeros(2, 4))
    store.put_many(other, ["s0", "s1"], torch.ones(2, 4))
    for shard in _shards(tmp_path / other):
        shard.unlink()
    for shard in _shards(tmp_path / one):
        shutil.move(shard, tmp_path / other / shard.name)
    fresh = FeatureStore(tmp_path, memory_bytes=0, disk_bytes=10**9)
    assert fresh.get_many(other, ["s0", "s1"]) == {}


def test_eviction_and_shard_checks_delete_no_file_the_cache_did_not_write(tmp_path):
    model = fingerprint("model")
    foreign = [
        tmp_path / "notes" / "weights.safetensors",  # a folder that is not a model key
        tmp_path / model / "model.safetensors",  # a name that is not a shard's
        tmp_path / model / "0123.safetensors",
        tmp_path / "README.safetensors",
    ]
    for path in foreign:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not written by the cache" * 40)
    store = FeatureStore(tmp_path, memory_bytes=0, disk_bytes=2000)
    for j in range(5):  # ~700 B a shard: the oldest files must go, but only the cache's own
        store.put_many(model, [f"{j}-{i}" for i in range(10)], torch.randn(10, 16))
    assert store.get_many(model, ["4-0"])  # reading the folder leaves the foreign files too
    store.clear()
    missing = [str(p.relative_to(tmp_path)) for p in foreign if not p.exists()]
    assert not missing, f"deleted files the cache did not write: {missing}"
    total = sum(p.stat().st_size for p in tmp_path.glob("*/*.safetensors") if p not in foreign)
    assert total == 0  # clear() did remove the cache's own shards


@pytest.mark.parametrize("key", ["../../outside", "{tmp}/outside", "a/../../../outside"])
def test_a_path_traversing_model_key_writes_and_reads_nothing_outside_the_cache(tmp_path, key):
    root = tmp_path / "cache" / "features"
    key = key.format(tmp=tmp_path)
    store = FeatureStore(root, memory_bytes=0, disk_bytes=10**9)
    with pytest.raises(ValueError, match="key"):
        store.put_many(key, ["s0"], torch.zeros(1, 4))
    with pytest.raises(ValueError, match="key"):
        store.get_many(key, ["s0"])
    assert {p.name for p in tmp_path.iterdir()} <= {"cache"}  # nothing beside the cache


def test_a_tampered_index_makes_the_cache_read_or_delete_no_foreign_file(tmp_path, monkeypatch):
    """The index names shards; whoever rewrites it may name files outside the folder, files the
    cache did not write, or the victim's shards for keys they do not hold, or make it a link."""
    import safetensors

    from sklearn_zoo._shard_index import INDEX, INDEX_FORMAT, tags

    model = fingerprint("model")
    store = FeatureStore(tmp_path / "cache", memory_bytes=0, disk_bytes=10**9)
    store.put_many(model, ["s0", "s1"], torch.ones(2, 4))
    folder = tmp_path / "cache" / model
    (own,) = _shards(folder)
    foreign = [tmp_path / "secret.safetensors", folder / "model.safetensors"]
    for path in foreign:
        save_file({"rows": torch.full((1, 4), 9.0)}, str(path), metadata={"keys": '["s2"]'})
    lies = {"../../secret.safetensors": tags(["s2"]), "model.safetensors": tags(["s2"])}
    lies[own.name] = tags(["s2", "s3"])  # an own shard said to hold rows it does not
    (folder / INDEX).write_text(json.dumps({"format": INDEX_FORMAT, "shards": lies}))
    opened: list[str] = []
    real = safetensors.safe_open
    monkeypatch.setattr(
        safetensors, "safe_open", lambda p, *a, **k: opened.append(p) or real(p, *a, **k)
    )
    fresh = FeatureStore(tmp_path / "cache", memory_bytes=0, disk_bytes=10**9)
    assert fresh.get_many(model, ["s2", "s3"]) == {}
    assert {Path(p).name for p in opened} == {own.name}  # read, and the index corrected
    assert set(fresh.get_many(model, ["s0", "s1"])) == {0, 1}
    (folder / INDEX).unlink()
    (folder / INDEX).symlink_to(foreign[0])  # the index as a link to another file
    fresh = FeatureStore(tmp_path / "cache", memory_bytes=0, disk_bytes=10**9)
    assert set(fresh.get_many(model, ["s0"])) == {0}
    fresh.put_many(model, ["s4"], torch.zeros(1, 4))
    fresh.clear()
    assert all(path.exists() for path in foreign)
    with safe_open(str(foreign[0]), framework="pt") as f:  # not overwritten through the link
        assert f.metadata() == {"keys": '["s2"]'}
