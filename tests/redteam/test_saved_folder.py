"""Red team: a folder written by ``save()`` and then edited by an attacker. Each attack leaves a mark
(a marker file, a network attempt, a changed file outside the folder, memory asked for) when it
works; ``load()`` must refuse the folder with a ``ValueError`` naming the field, or load it
harmlessly, and the mark must not appear."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest
from _helpers import digits

from sklearn_zoo import ImageEmbedder, PretrainedImageClassifier, TextEmbedder

TEXTS = ["the film was good", "a bad movie", "it was not so bad"]
OFFLINE_VARS = ("SKLEARN_ZOO_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def _digits():
    return digits(30)


@pytest.fixture(scope="module")
def originals(tmp_path_factory, tiny_image_checkpoint, tiny_text_checkpoint) -> dict[str, Path]:
    """An image classifier (with a feature-cache key) and a text embedder, saved once."""
    root = tmp_path_factory.mktemp("originals")
    X, y = _digits()
    clf = PretrainedImageClassifier(
        tiny_image_checkpoint, image_size=32, freeze_depth="all", max_epochs=1, random_state=0
    ).fit(X, y)
    assert clf.prefix_key_ is not None  # the cache-key attacks need one
    text = TextEmbedder(tiny_text_checkpoint, max_length=16).fit()
    image = ImageEmbedder(tiny_image_checkpoint, image_size=32).fit()
    return {
        "image": clf.save(root / "image"),
        "text": text.save(root / "text"),
        "embedder": image.save(root / "embedder"),
    }


@pytest.fixture
def folder(originals, tmp_path):
    """``folder(kind)``: a private copy of a saved estimator for the attacker to edit."""
    return lambda kind: Path(shutil.copytree(originals[kind], tmp_path / uuid.uuid4().hex))


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def _edit_spec(folder: Path, **fields) -> None:
    def change(fitted):
        spec = fitted["spec_"]["__spec__"]
        options = fields.pop("options", {})
        spec.update(fields)
        spec["options"] = {**spec["options"], **options}

    _edit(folder / "fitted.json", change)


def _use(loader, X) -> None:
    """What a victim does with a saved model: load it and predict. A refusal is a ValueError."""
    try:
        est = loader()
        est.predict(X) if hasattr(est, "predict") else est.transform(X)
    except ValueError:
        pass


# -- remote code ------------------------------------------------------------------------------
PAYLOAD = """
import pathlib
pathlib.Path({marker!r}).write_text("remote code ran")
from transformers import BertConfig, BertModel


class EvilConfig(BertConfig):
    model_type = "evil-bert"


class EvilModel(BertModel):
    config_class = EvilConfig
"""


@pytest.fixture
def modules_cache(tmp_path, monkeypatch):
    """transformers copies remote code into a private folder, and forgets it after the test."""
    import transformers.dynamic_module_utils as dynamic

    monkeypatch.setattr(dynamic, "HF_MODULES_CACHE", str(tmp_path / "hf_modules"))
    monkeypatch.setenv("HF_MODULES_CACHE", str(tmp_path / "hf_modules"))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("transformers_modules"):
            del sys.modules[name]


def _plant_remote_code(folder: Path, marker: Path, model_type: str) -> None:
    (folder / "config" / "evil.py").write_text(PAYLOAD.format(marker=str(marker)))

    def change(config):
        config["model_type"] = model_type
        config["auto_map"] = {"AutoConfig": "evil.EvilConfig", "AutoModel": "evil.EvilModel"}

    _edit(folder / "config" / "config.json", change)
    _edit_spec(folder, options={"trust_remote_code": True})


@pytest.mark.parametrize("model_type", ["bert", "evil-bert"], ids=["known type", "unknown type"])
def test_trust_remote_code_switched_on_in_the_saved_spec_runs_no_code(
    folder, tmp_path, modules_cache, model_type
):
    saved, marker = folder("text"), tmp_path / "PWNED"
    _plant_remote_code(saved, marker, model_type)
    _use(lambda: TextEmbedder.load(saved), TEXTS)
    assert not marker.exists()


def test_the_remote_code_payload_is_real(folder, tmp_path, modules_cache):
    """Passing ``trust_remote_code=True`` to ``load`` trusts the folder: its code runs. So the
    test above proves something."""
    saved, marker = folder("text"), tmp_path / "PWNED"
    _plant_remote_code(saved, marker, "evil-bert")
    TextEmbedder.load(saved, trust_remote_code=True)
    assert marker.exists()


def test_an_unknown_model_type_is_refused_with_the_opt_in_named(folder, tmp_path, modules_cache):
    saved = folder("text")
    _plant_remote_code(saved, tmp_path / "PWNED", "evil-bert")
    with pytest.raises(ValueError, match=r"model_type.*'evil-bert'.*trust_remote_code=True"):
        TextEmbedder.load(saved)


# -- a module named by the file ---------------------------------------------------------------
def test_a_saved_spec_naming_a_module_for_the_package_source_imports_nothing(
    folder, tmp_path, monkeypatch
):
    saved, marker = folder("image"), tmp_path / "PWNED"
    name = f"zoo_planted_{uuid.uuid4().hex}"
    plants = tmp_path / "plants"
    plants.mkdir()
    (plants / f"{name}.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('imported')\n"
    )
    monkeypatch.syspath_prepend(str(plants))  # beside the folder, or any installed module
    _edit_spec(saved, source="package", identifier=name, options={"architecture": None})
    try:
        PretrainedImageClassifier.load(saved)
        error = None
    except Exception as exc:  # noqa: BLE001 - the marker is checked before the error's type
        error = exc
    assert not marker.exists()
    assert name not in sys.modules
    assert isinstance(error, ValueError) and "spec_" in str(error), repr(error)


def test_a_checkpoint_parameter_naming_a_module_is_refused_before_a_refit_imports_it(
    folder, tmp_path, monkeypatch
):
    """The folder's ``checkpoint`` parameter is what a later ``fit`` (a refit, a clone in a grid
    search) loads: a card naming a module for the package source is refused on load."""
    saved, marker = folder("image"), tmp_path / "PWNED"
    name = f"zoo_planted_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('imported')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    def plant(header):
        card = json.loads((saved / "fitted.json").read_text())["spec_"]
        card["__spec__"].update(source="package", identifier=name, options={})
        header["params"]["checkpoint"] = card

    _edit(saved / "params.json", plant)
    X, y = _digits()
    with contextlib.suppress(ValueError):
        PretrainedImageClassifier.load(saved).fit(X, y)
    assert not marker.exists()


# -- downloads --------------------------------------------------------------------------------
@pytest.fixture
def tripwire(tmp_path, monkeypatch, block_network) -> Path:
    """Offline mode unset (in the environment and in huggingface_hub's constants, which it reads at
    import), sockets refused, and the marker written by any connection or name lookup attempted."""
    import huggingface_hub.constants

    for var in OFFLINE_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    marker = tmp_path / "NETWORK"

    def record(refuse):
        def tripped(*args, **kwargs):
            marker.write_text(repr(args[1:]))
            return refuse(*args, **kwargs)

        return tripped

    for owner, name in ((socket.socket, "connect"), (socket.socket, "connect_ex")):
        monkeypatch.setattr(owner, name, record(getattr(owner, name)))
    for name in ("create_connection", "getaddrinfo"):
        monkeypatch.setattr(socket, name, record(getattr(socket, name)))
    return marker


def test_a_saved_spec_naming_a_hub_repository_downloads_nothing(folder, tripwire):
    saved = folder("text")
    shutil.rmtree(saved / "config")  # nothing local left: the hub would be asked
    _edit_spec(saved, source="hf", identifier="sklearn-zoo-redteam/not-a-model")
    _use(lambda: TextEmbedder.load(saved), TEXTS)
    assert not tripwire.exists()


def test_a_saved_architecture_naming_a_hub_repository_downloads_nothing(folder, tripwire):
    saved = folder("image")
    _edit_spec(saved, options={"architecture": "hf:sklearn-zoo-redteam/not-a-model"})
    _use(lambda: PretrainedImageClassifier.load(saved), _digits()[0])
    assert not tripwire.exists()


# -- paths --------------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["absolute", "relative"])
def test_a_prefix_key_pointing_outside_the_cache_touches_nothing_there(
    folder, tmp_path, monkeypatch, form
):
    monkeypatch.setenv("SKLEARN_ZOO_CACHE", str(tmp_path / "cache"))
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "model.safetensors").write_bytes(b"the user's own file, not a cache shard")
    key = str(victim) if form == "absolute" else os.path.join("..", "..", "victim")
    saved = folder("image")
    _edit(saved / "fitted.json", lambda fitted: fitted.update(prefix_key_=key))
    _use(lambda: PretrainedImageClassifier.load(saved), _digits()[0])
    assert sorted(p.name for p in victim.iterdir()) == ["model.safetensors"]
    assert (victim / "model.safetensors").read_bytes().startswith(b"the user's own file")


def test_a_prefix_key_that_is_not_a_key_is_a_value_error_naming_it(folder):
    saved = folder("image")
    _edit(saved / "fitted.json", lambda fitted: fitted.update(prefix_key_="/tmp"))
    with pytest.raises(ValueError, match=r"prefix_key_"):
        PretrainedImageClassifier.load(saved)


def test_a_folder_whose_weights_are_not_its_checkpoints_changes_no_other_models_features(
    folder, tmp_path, monkeypatch, tiny_image_checkpoint
):
    """The card says 'this checkpoint', the weights are another network's: the rows the victim's
    cache gets from it must not be served to the victim's own models of that checkpoint."""
    from safetensors.torch import load_file, save_file

    monkeypatch.setenv("SKLEARN_ZOO_CACHE", str(tmp_path / "cache"))
    saved = folder("embedder")
    weights = load_file(str(saved / "weights.safetensors"))
    save_file({k: v.zero_() for k, v in weights.items()}, str(saved / "weights.safetensors"))
    X = _digits()[0]
    _use(lambda: ImageEmbedder.load(saved), X)  # the victim tries the shared model once
    monkeypatch.setenv("SKLEARN_ZOO_CACHE_MEMORY", str(2**30 + 1))  # a later session
    own = ImageEmbedder(tiny_image_checkpoint, image_size=32).fit().transform(X)
    uncached = ImageEmbedder(tiny_image_checkpoint, image_size=32, cache=False).fit().transform(X)
    np.testing.assert_allclose(own, uncached, atol=1e-5)


# -- memory -------------------------------------------------------------------------------------
CHILD = r"""
import json, resource, sys
from pathlib import Path

import sklearn_zoo
from sklearn_zoo import ImageEmbedder, PretrainedImageClassifier, TextEmbedder

# the address space this process has now, plus 1.5 GiB: enough to load a tiny model, far from
# the gigabytes the attacks ask for (which would otherwise really be allocated)
pages = int(open("/proc/self/statm").read().split()[0])
limit = pages * resource.getpagesize() + 3 * 2**29
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
results = {}
for job in json.loads(Path(sys.argv[1]).read_text()):
    cls = getattr(sklearn_zoo, job["class"])
    try:
        cls.load(job["path"])
        results[job["name"]] = "loaded"
    except ValueError as exc:
        results[job["name"]] = "refused: " + str(exc)
    except (MemoryError, RuntimeError) as exc:  # torch reports a failed allocation as RuntimeError
        results[job["name"]] = "allocated: " + type(exc).__name__
    if not results[job["name"]].startswith("refused"):
        Path(job["marker"]).write_text(results[job["name"]])
print(json.dumps(results))
"""


def _wide_labels(fitted):  # 69 bytes of JSON asking for 6 GB of numpy strings
    fitted["classes_"] = {"__ndarray__": ["a", "b", "c"], "dtype": "<U500000000", "shape": [3]}


def _huge_head(params):  # two hidden layers of 100,000: a 40 GB head
    params["params"]["head_size"] = {"__tuple__": [100_000, 100_000]}


def _huge_config(config):  # a BERT of width 100,000: tens of GB of random weights
    config.update(hidden_size=100_000, intermediate_size=100_000, num_hidden_layers=12)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs RLIMIT_AS and /proc")
def test_oversized_entries_are_refused_before_anything_is_allocated(folder, tmp_path):
    attacks = [
        ("wide labels", "image", "fitted.json", _wide_labels, "classes_"),
        ("huge head", "image", "params.json", _huge_head, "head"),
        ("huge config", "text", "config/config.json", _huge_config, "config|embeddings"),
    ]
    jobs = []
    for name, kind, file, change, _ in attacks:
        saved = folder(kind)
        _edit(saved / file, change)
        cls = "PretrainedImageClassifier" if kind == "image" else "TextEmbedder"
        marker = str(tmp_path / f"ALLOCATED {name}")
        jobs.append({"name": name, "class": cls, "path": str(saved), "marker": marker})
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "jobs.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    allocated = [name for name, *_ in attacks if Path(tmp_path / f"ALLOCATED {name}").exists()]
    assert not allocated, results
    for name, *_, field in attacks:
        assert re.search(f"refused: .*({field})", results[name]), (name, results[name])
