"""``save`` / ``load``: JSON + safetensors + tokenizer files, exact round trips, no code on load."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _helpers import FAST, NO_NETWORK_PRELUDE, digits

from sklearn_zoo import (
    ImageEmbedder,
    PretrainedImageClassifier,
    PretrainedImageRegressor,
    PretrainedTextClassifier,
    TextEmbedder,
)

CHILD = (
    NO_NETWORK_PRELUDE
    + r"""
import json, sys

import numpy as np
import sklearn_zoo

jobs = json.loads(open(sys.argv[1]).read())
for job in jobs:
    cls = getattr(sklearn_zoo, job["class"])
    est = cls.load(job["path"])
    X = np.load(job["X"]) if job["X"].endswith(".npy") else json.loads(open(job["X"]).read())
    for method in job["methods"]:
        np.save(f"{job['out']}.{method}.npy", getattr(est, method)(X), allow_pickle=False)
print("ok")
"""
)


def _private_copy(source: str, tmp_path: Path) -> str:
    """A copy of a checkpoint (``timm:NAME@file`` or a folder) that the test may delete."""
    if "@" in source:
        arch, path = source.split("@", 1)
        target = tmp_path / "ckpt" / Path(path).name
        target.parent.mkdir(parents=True)
        shutil.copy(path, target)
        return f"{arch}@{target}"
    target = tmp_path / "ckpt"
    shutil.copytree(source, target)
    return str(target)


def test_round_trip_in_a_fresh_process_without_network(
    tiny_image_checkpoint, tiny_text_checkpoint, image_data, text_data, tmp_path
):
    """Image classifier, text classifier and image regressor: fitted here, saved, the checkpoints
    they came from deleted, loaded in a new Python process whose sockets refuse to connect, and
    predicting exactly what they predicted before."""
    X, y = image_data
    T, ty = text_data
    image_ckpt = _private_copy(tiny_image_checkpoint, tmp_path / "image")
    text_ckpt = _private_copy(tiny_text_checkpoint, tmp_path / "text")
    cases = [
        (
            PretrainedImageClassifier(image_ckpt, image_size=32, head_size=(8,), **FAST),
            X,
            y,
            ["predict", "predict_proba", "transform"],
        ),
        (
            PretrainedTextClassifier(text_ckpt, freeze_depth=-1, **FAST),
            list(T),
            ty,
            ["predict", "predict_proba"],
        ),
        (
            PretrainedImageRegressor(image_ckpt, image_size=32, freeze_depth=-2, **FAST),
            X,
            y.astype(float) * 2.5,
            ["predict"],
        ),
    ]
    jobs, expected = [], {}
    for i, (est, inputs, target, methods) in enumerate(cases):
        est.fit(inputs, target)
        folder = est.save(tmp_path / f"saved{i}")
        if isinstance(inputs, list):
            (tmp_path / f"X{i}.json").write_text(json.dumps(inputs))
            x_path = str(tmp_path / f"X{i}.json")
        else:
            x_path = str(tmp_path / f"X{i}.npy")
            np.save(x_path, inputs)
        out = str(tmp_path / f"out{i}")
        for method in methods:
            expected[f"{out}.{method}.npy"] = getattr(est, method)(inputs)
        jobs.append(
            {
                "class": type(est).__name__,
                "path": str(folder),
                "X": x_path,
                "methods": methods,
                "out": out,
            }
        )
    shutil.rmtree(tmp_path / "image" / "ckpt")
    shutil.rmtree(tmp_path / "text" / "ckpt")
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    env = {**os.environ, "SKLEARN_ZOO_CACHE": str(tmp_path / "child_cache")}  # nothing cached
    for var in ("SKLEARN_ZOO_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        env.pop(var, None)  # not offline: blocked sockets are what keeps it from the network
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "jobs.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for path, want in expected.items():
        got = np.load(path, allow_pickle=False)
        if want.dtype.kind == "f":  # float32 kernels over other batch compositions: last bits
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
        else:
            np.testing.assert_array_equal(got, want)


def test_params_and_fitted_attributes_round_trip(tiny_image_checkpoint, image_data, tmp_path):
    X, y = image_data
    labels = np.array(["zero", "one", "two"])[y]
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint,
        image_size=32,
        head_size=(8, 4),
        class_weight={"zero": 1.0, "one": 2.0, "two": 0.5},
        net_params={"iterator_train__drop_last": False},
        **FAST,
    ).fit(X, labels)
    loaded = PretrainedImageClassifier.load(clf.save(tmp_path / "clf"))
    assert loaded.get_params() == clf.get_params()
    assert isinstance(loaded.head_size, tuple)
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.classes_.dtype == clf.classes_.dtype
    assert loaded.history_ == clf.history_
    assert loaded.spec_ == clf.spec_
    for name in (
        "n_blocks_",
        "n_frozen_blocks_",
        "n_trainable_params_",
        "image_size_",
        "multilabel_",
    ):
        assert getattr(loaded, name) == getattr(clf, name)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    files = sorted(p.name for p in (tmp_path / "clf").iterdir())
    assert files == ["README.md", "fitted.json", "params.json", "weights.safetensors"]
    assert loaded.model_card_ == clf.model_card_


def test_int_keyed_dicts_regressor_targets_and_spec_params(
    tiny_image_checkpoint, image_data, tmp_path
):
    from sklearn_zoo import get_checkpoint

    X, y = image_data
    spec = get_checkpoint(tiny_image_checkpoint)
    clf = PretrainedImageClassifier(
        spec, image_size=32, class_weight={0: 1.0, 1: 3.0, 2: 1.0}, **FAST
    ).fit(X, y)
    loaded = PretrainedImageClassifier.load(clf.save(tmp_path / "clf"))
    assert loaded.class_weight == {0: 1.0, 1: 3.0, 2: 1.0}
    assert loaded.checkpoint == spec
    Y = np.stack([y * 1.0, -y * 2.0], axis=1)
    reg = PretrainedImageRegressor(tiny_image_checkpoint, image_size=32, **FAST).fit(X, Y)
    loaded = PretrainedImageRegressor.load(reg.save(tmp_path / "reg"))
    np.testing.assert_array_equal(loaded.y_mean_, reg.y_mean_)
    np.testing.assert_array_equal(loaded.y_scale_, reg.y_scale_)
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))


def test_embedders_round_trip(
    tiny_image_checkpoint, tiny_text_checkpoint, image_data, text_data, tmp_path
):
    X, _ = image_data
    T, _ = text_data
    for emb, inputs in (
        (ImageEmbedder(tiny_image_checkpoint, image_size=32, normalize=True), X),
        (TextEmbedder(tiny_text_checkpoint, max_length=16), list(T)),
    ):
        emb.fit()
        loaded = type(emb).load(emb.save(tmp_path / type(emb).__name__), device="cpu")
        assert loaded.get_params() == emb.get_params()
        np.testing.assert_array_equal(loaded.transform(inputs), emb.transform(inputs))
        np.testing.assert_array_equal(loaded.get_feature_names_out(), emb.get_feature_names_out())
    assert (tmp_path / "TextEmbedder" / "tokenizer").is_dir()
    assert (tmp_path / "TextEmbedder" / "config" / "config.json").is_file()


def test_values_that_are_not_plain_data_are_refused_and_nothing_is_written(
    tiny_image_checkpoint, image_data, tmp_path
):
    from skorch.callbacks import Callback

    X, y = image_data
    clf = PretrainedImageClassifier(tiny_image_checkpoint, image_size=32, **FAST).fit(X, y)
    clf.set_params(augment=lambda image: image)
    with pytest.raises(
        TypeError,
        match=r"The 'augment' parameter of PretrainedImageClassifier = .*function.* cannot be saved",
    ):
        clf.save(tmp_path / "a")
    clf.set_params(augment=False, net_params={"callbacks": [Callback()]})
    with pytest.raises(TypeError, match=r"'net_params' parameter.*\['callbacks'\]\[0\].*pickle"):
        clf.save(tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_load_checks_what_it_reads(tiny_image_checkpoint, image_data, tmp_path):
    X, y = image_data
    folder = (
        PretrainedImageClassifier(tiny_image_checkpoint, image_size=32, **FAST)
        .fit(X, y)
        .save(tmp_path / "clf")
    )
    with pytest.raises(
        TypeError, match="holds a PretrainedImageClassifier, not a PretrainedTextClassifier"
    ):
        PretrainedTextClassifier.load(folder)
    with pytest.raises(ValueError, match="is not a saved sklearn_zoo estimator"):
        PretrainedImageClassifier.load(tmp_path)
    header = json.loads((folder / "params.json").read_text())
    (folder / "params.json").write_text(json.dumps({**header, "class": "os.system"}))
    from sklearn_zoo.persistence import load

    with pytest.raises(ValueError, match="unknown estimator class 'os.system'"):
        load(folder)


@pytest.mark.gpu
@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA device")
def test_saved_on_gpu_loads_on_cpu(tiny_image_checkpoint, image_data, tmp_path):
    X, y = image_data
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, freeze_depth=-1, device="cuda", **FAST
    ).fit(X, y)
    emb = ImageEmbedder(tiny_image_checkpoint, image_size=32, device="cuda").fit()  # channels_last
    for est, method in ((clf, "predict_proba"), (emb, "transform")):
        folder = est.save(tmp_path / type(est).__name__)
        assert type(est).load(folder).device_.startswith("cuda")
        on_cpu = type(est).load(folder, device="cpu")
        assert on_cpu.device_ == "cpu"
        np.testing.assert_allclose(
            getattr(on_cpu, method)(X), getattr(est, method)(X), atol=2e-2, rtol=1e-2
        )


def _tamper(folder: Path, file: str, change) -> None:
    data = json.loads((folder / file).read_text())
    change(data)
    (folder / file).write_text(json.dumps(data))


def _spec_of(fitted: dict) -> dict:
    return fitted["spec_"]["__spec__"]


TAMPERED = {
    "an unknown attribute": ("fitted.json", lambda f: f.update(predict=1), "'predict' is not a"),
    "a missing attribute": ("fitted.json", lambda f: f.pop("classes_"), "has no 'classes_'"),
    "2-D classes": (
        "fitted.json",
        lambda f: f.update(classes_={"__ndarray__": [0, 1, 2, 3], "dtype": "<i8", "shape": [2, 2]}),
        r"'classes_' must be a 1-D array",
    ),
    "a subarray dtype": (
        "fitted.json",
        lambda f: f.update(classes_={"__ndarray__": [0], "dtype": "(9000,9000)f8", "shape": [1]}),
        r"'classes_' has dtype '\(9000,9000\)f8'",
    ),
    "a huge image size": (
        "fitted.json",
        lambda f: f.update(image_size_=10**6),
        r"'image_size_' must be an int in \[8, 8192\]",
    ),
    "another depth": ("fitted.json", lambda f: f.update(n_blocks_=2), "'n_blocks_'"),
    "a history of objects": (
        "fitted.json",
        lambda f: f.update(history_=[{"epoch": {"__spec__": {}}}]),
        "'history_'",
    ),
    "an unknown family": (
        "fitted.json",
        lambda f: _spec_of(f).update(family="my.module"),
        r"'spec_'.family must be",
    ),
    "a text card": (
        "fitted.json",
        lambda f: _spec_of(f).update(modality="text"),
        "'spec_'.modality",
    ),
    "a zero std": (
        "fitted.json",
        lambda f: _spec_of(f)["image"].update(std={"__tuple__": [0.2, 0, 0.2]}),
        r"'spec_'.image.std",
    ),
    "an unknown parameter": (
        "params.json",
        lambda h: h["params"].update(evil=1),
        "'evil' is not a parameter",
    ),
    "an invalid parameter": (
        "params.json",
        lambda h: h["params"].update(batch_size=-1),
        "The 'batch_size' parameter of PretrainedImageClassifier",
    ),
}


@pytest.fixture(scope="module")
def saved_classifier(tmp_path_factory, tiny_image_checkpoint) -> Path:
    X, y = digits(30)
    clf = PretrainedImageClassifier(tiny_image_checkpoint, image_size=32, **FAST)
    return clf.fit(X, y).save(tmp_path_factory.mktemp("saved") / "clf")


@pytest.mark.parametrize("case", TAMPERED)
def test_a_tampered_value_is_a_value_error_naming_it(saved_classifier, tmp_path, case):
    file, change, message = TAMPERED[case]
    folder = Path(shutil.copytree(saved_classifier, tmp_path / "clf"))
    _tamper(folder, file, change)
    with pytest.raises(ValueError, match=message):
        PretrainedImageClassifier.load(folder)


def test_trust_remote_code_comes_from_the_caller_only(tiny_text_checkpoint, text_data, tmp_path):
    """A spec saved with ``trust_remote_code=True`` loads without it (in ``spec_`` and in the
    ``checkpoint`` parameter, which a refit would use) unless ``load`` is given it."""
    from sklearn_zoo import get_checkpoint

    spec = get_checkpoint(tiny_text_checkpoint, trust_remote_code=True)
    folder = TextEmbedder(spec, max_length=16).fit().save(tmp_path / "emb")
    plain = TextEmbedder.load(folder)
    assert "trust_remote_code" not in plain.spec_.options
    assert "trust_remote_code" not in plain.checkpoint.options
    trusted = TextEmbedder.load(folder, trust_remote_code=True)
    assert trusted.spec_.options["trust_remote_code"] is True
    assert trusted.checkpoint == spec
    T = list(text_data[0])
    np.testing.assert_array_equal(plain.transform(T), trusted.transform(T))
    with pytest.raises(TypeError, match="'trust_remote_code' parameter of load must be a bool"):
        TextEmbedder.load(folder, trust_remote_code="yes")


def test_sklearn_zoo_load_finds_the_class_in_the_folder(saved_classifier):
    import sklearn_zoo

    loaded = sklearn_zoo.load(saved_classifier)
    assert isinstance(loaded, PretrainedImageClassifier)
    assert loaded.classes_.tolist() == [0, 1, 2]


def test_a_loaded_estimator_reads_the_rows_it_was_saved_with_and_writes_its_own_apart(
    tiny_image_checkpoint, image_data, tmp_path, monkeypatch
):
    """It reads the rows cached under its saved key (so it predicts exactly what the saved one
    did) and caches the rows it computes under a key bound to the folder, never the saved key."""
    from safetensors import safe_open

    monkeypatch.setenv("SKLEARN_ZOO_CACHE", str(tmp_path / "cache"))
    X, _ = image_data
    emb = ImageEmbedder(tiny_image_checkpoint, image_size=32).fit()
    emb.transform(X[:30])
    loaded = ImageEmbedder.load(emb.save(tmp_path / "emb"))
    assert loaded.prefix_key_ == emb.prefix_key_
    out = loaded.transform(X)
    rows: dict[str, int] = {}
    for shard in (tmp_path / "cache" / "features").glob("*/*.safetensors"):
        with safe_open(str(shard), framework="pt") as f:
            n = len(json.loads(f.metadata()["keys"]))
        rows[shard.parent.name] = rows.get(shard.parent.name, 0) + n
    own = rows.pop(emb.prefix_key_)
    assert own == 30  # the loaded copy wrote nothing under the saved key
    assert list(rows.values()) == [30]  # it read those 30 rows, and computed the other 30
    np.testing.assert_array_equal(out, emb.transform(X))
