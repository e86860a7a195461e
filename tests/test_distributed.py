"""Grid search on a Dask cluster: a ``LocalCluster`` of two worker processes runs the fits and gives
the same search as ``n_jobs=1``; unfitted estimators travel as small pickles (weights load on the
worker), fitted ones carry their weights back; the feature cache on a shared path is written by the
workers and reused; a collection embedded partition by partition on the workers (the guide's
``dask.bag`` recipe) equals the local run. Ray's joblib backend where it is installed."""

from __future__ import annotations

import contextlib
import pickle
import shutil

import numpy as np
import pytest
import torch
from _helpers import fast
from joblib import parallel_config
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sklearn_zoo import ImageEmbedder, PretrainedImageClassifier, PretrainedTextClassifier
from sklearn_zoo.cache import default_store

distributed = pytest.importorskip("distributed")

FAST = fast(device="cpu")
GRID = {"freeze_depth": ["all", -1], "head_size": [(), (8,)]}
CV = 2
# a continuous score: equal scores then mean equal predicted probabilities, not just equal labels
SCORING = "neg_log_loss"
# huggingface_hub reads these once, when it is imported: they go to the worker processes only, so
# that they cannot stick in this process for the tests that run after this module
WORKER_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


@pytest.fixture(scope="module")
def cluster_cache(tmp_path_factory):
    """The feature cache shared by the test process and the workers (one machine: a shared path)."""
    return tmp_path_factory.mktemp("cluster_cache")


@pytest.fixture(scope="module")
def client(cluster_cache):
    """Two single-threaded worker processes. They inherit ``os.environ`` as it is when they start:
    offline mode, and ``SKLEARN_ZOO_CACHE`` pointing at ``cluster_cache``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SKLEARN_ZOO_OFFLINE", "1")
        mp.setenv("SKLEARN_ZOO_CACHE", str(cluster_cache))
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env=WORKER_ENV,
        )
        client = distributed.Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()


def _worker_stats(client) -> dict[str, dict[str, int]]:
    """The feature-cache counters (hits, computed, corrupt) of each worker process."""

    def stats():
        from sklearn_zoo.cache import default_store

        return dict(default_store().stats)

    return client.run(stats)


def _delta(after: dict, before: dict, counter: str) -> int:
    return sum(after[w][counter] - before.get(w, {}).get(counter, 0) for w in after)


@contextlib.contextmanager
def _torch_threads_of(client):
    """This process's PyTorch on as many threads as each worker's. Some CPU kernels split their
    sums by thread, so one fit on 2 threads and on 1 thread differ in the last bits of float32
    (measured: ~1e-7 in the log loss, ~2e-6 in probabilities); with equal thread counts the
    cluster must change nothing at all."""
    counts = set(client.run(torch.get_num_threads).values())
    assert len(counts) == 1, counts
    old = torch.get_num_threads()
    torch.set_num_threads(counts.pop())
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _search(est, n_jobs):
    return GridSearchCV(est, GRID, cv=CV, scoring=SCORING, n_jobs=n_jobs)


def _assert_same_search(local, remote):
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    for i in range(CV):
        key = f"split{i}_test_score"
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])


@pytest.fixture
def image_clf(tiny_image_checkpoint):
    return PretrainedImageClassifier(tiny_image_checkpoint, image_size=32, **FAST)


def test_workers_are_offline_and_share_the_cache_path(client, cluster_cache):
    def settings():
        import huggingface_hub.constants

        from sklearn_zoo._config import cache_dir, is_offline

        return is_offline(), huggingface_hub.constants.HF_HUB_OFFLINE, str(cache_dir())

    seen = client.run(settings)
    assert len(seen) == 2
    assert set(seen.values()) == {(True, True, str(cluster_cache))}


def test_image_grid_search_on_the_cluster_matches_n_jobs_1(client, image_clf, image_data):
    X, y = image_data
    workers = set(client.scheduler_info()["workers"])
    with _torch_threads_of(client):
        local = _search(image_clf, n_jobs=1).fit(X, y)
        before = _worker_stats(client)
        with distributed.get_task_stream(client) as tasks, parallel_config(backend="dask"):
            remote = _search(image_clf, n_jobs=-1).fit(X, y)
        after = _worker_stats(client)
    _assert_same_search(local, remote)
    assert len(remote.cv_results_["params"]) == 4
    # the fits went through the scheduler to the worker processes, and ran there: every training
    # fold (4 candidates x 2 folds x 30 images) went through a worker's feature cache
    assert tasks.data and {task["worker"] for task in tasks.data} <= workers
    n_fits = len(remote.cv_results_["params"]) * CV
    rows = _delta(after, before, "hits") + _delta(after, before, "computed")
    assert rows >= n_fits * len(X) * (CV - 1) // CV
    # the refit best estimator predicts the same
    np.testing.assert_array_equal(
        remote.best_estimator_.predict_proba(X), local.best_estimator_.predict_proba(X)
    )


def test_text_grid_search_on_the_cluster_matches_n_jobs_1(client, tiny_text_checkpoint, text_data):
    X, y = text_data
    est = PretrainedTextClassifier(tiny_text_checkpoint, **FAST)
    with _torch_threads_of(client):
        local = _search(est, n_jobs=1).fit(X, y)
        with parallel_config(backend="dask"):
            remote = _search(est, n_jobs=-1).fit(X, y)
    _assert_same_search(local, remote)
    np.testing.assert_array_equal(remote.predict(X), local.predict(X))


def test_small_pickles_go_out_fitted_weights_come_back(client, image_clf, image_data):
    X, y = image_data
    est = clone(image_clf).set_params(freeze_depth=-1, head_size=(8,))
    assert len(pickle.dumps(clone(est))) < 10_000  # parameters only: the weights load in fit
    with _torch_threads_of(client):
        future = client.submit(clone(est).fit, X, y, pure=False)
        remote = future.result()  # fitted in a worker process, pickled back here
        local = clone(est).fit(X, y)
    assert future.status == "finished"
    weights = sum(t.numel() * t.element_size() for t in remote.net_.module_.state_dict().values())
    assert weights > 10_000
    assert len(pickle.dumps(remote)) > weights  # the fitted estimator carries its weights
    assert remote.device_ == "cpu"
    np.testing.assert_array_equal(remote.predict_proba(X), local.predict_proba(X))


def test_feature_cache_on_a_shared_path(
    client, cluster_cache, tiny_image_checkpoint, image_data, tmp_path
):
    X, y = image_data
    # a copy of the weights no other test has used: the cache keys include the weights' path
    weights = shutil.copy(tiny_image_checkpoint.split("@", 1)[1], tmp_path / "weights.safetensors")
    est = PretrainedImageClassifier(
        f"timm:test_efficientnet@{weights}", strategy="lp-ft", image_size=32, **FAST
    )
    here = default_store()  # this process's store, on the same path as the workers'
    assert here.directory == cluster_cache / "features"

    def shards():
        return set(cluster_cache.glob("features/*/*.safetensors"))

    old_shards, here_before, before = shards(), dict(here.stats), _worker_stats(client)
    with parallel_config(backend="dask"):
        first = _search(est, n_jobs=-1).fit(X, y)
    new_shards, here_after, after = shards() - old_shards, dict(here.stats), _worker_stats(client)
    # the workers ran every image through both frozen prefixes and wrote the rows to the shared
    # path: one folder of shards per freeze_depth
    assert _delta(after, before, "computed") >= 2 * len(X)
    assert len({shard.parent.name for shard in new_shards}) == 2
    assert first.best_estimator_.prefix_key_ in {shard.parent.name for shard in new_shards}
    # the refit in this process read all of X from the workers' shards and computed nothing
    assert here_after["computed"] == here_before["computed"]
    assert here_after["hits"] - here_before["hits"] >= len(X)

    with parallel_config(backend="dask"):
        again = _search(est, n_jobs=-1).fit(X, y)
    final = _worker_stats(client)
    assert shards() == old_shards | new_shards  # nothing new written
    assert _delta(final, after, "computed") == 0  # every row came from the cache
    assert _delta(final, after, "hits") >= len(first.cv_results_["params"]) * len(X)
    # equal to float32 precision, not bit for bit: in the first search both workers may compute the
    # same rows, in batches of another composition (last-bit differences), and each writes its
    # copy; a fit of the second search may read the other worker's copy
    np.testing.assert_allclose(
        again.cv_results_["mean_test_score"], first.cv_results_["mean_test_score"], rtol=1e-6
    )


def test_a_collection_embedded_on_the_cluster_equals_the_local_run(
    client, tiny_image_checkpoint, tmp_path
):
    """The recipe of the distributed guide: a ``dask.bag`` of image paths, the fitted embedder as
    one delayed object that each worker fetches, one ``transform`` per partition."""
    import dask
    import dask.bag as db
    from PIL import Image

    rng = np.random.default_rng(0)
    paths = []
    for i in range(30):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(rng.integers(0, 255, (20 + i, 36, 3), dtype=np.uint8)).save(paths[-1])
    # no cache: the workers compute every row, none is read from what the local run wrote
    emb = ImageEmbedder(tiny_image_checkpoint, image_size=32, batch_size=4, cache=False).fit()

    def embed(part, estimator):
        return [estimator.transform(list(part))]

    workers = set(client.scheduler_info()["workers"])
    with _torch_threads_of(client):
        local = emb.transform(paths)
        bag = db.from_sequence(paths, npartitions=3)
        with distributed.get_task_stream(client) as tasks:
            parts = bag.map_partitions(embed, dask.delayed(emb)).compute()
    assert len(parts) == 3
    assert tasks.data and {task["worker"] for task in tasks.data} <= workers
    np.testing.assert_array_equal(np.concatenate(parts), local)


def test_ray_backend_matches_n_jobs_1(image_clf, image_data, cluster_cache):
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    X, y = image_data
    env = {
        "SKLEARN_ZOO_OFFLINE": "1",
        "SKLEARN_ZOO_CACHE": str(cluster_cache),
        **WORKER_ENV,
        "OMP_NUM_THREADS": "1",
    }
    ray.init(num_cpus=2, include_dashboard=False, runtime_env={"env_vars": env})
    try:
        register_ray()
        old = torch.get_num_threads()
        torch.set_num_threads(1)  # as the Ray workers (OMP_NUM_THREADS=1): bitwise equal fits
        try:
            local = _search(image_clf, n_jobs=1).fit(X, y)
            with parallel_config(backend="ray"):
                remote = _search(image_clf, n_jobs=2).fit(X, y)
        finally:
            torch.set_num_threads(old)
    finally:
        ray.shutdown()
    _assert_same_search(local, remote)
