"""Imports stay light: each modality loads only what it needs (checked in fresh processes)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import sklearn_zoo

HEAVY = ("torch", "torchvision", "timm", "transformers", "skorch", "matplotlib")


def _imported_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


def test_import_sklearn_zoo_loads_no_torch():
    assert _imported_after("import sklearn_zoo; sklearn_zoo.list_checkpoints()") == set()


@pytest.mark.parametrize(
    "names", ["TextEmbedder", "PretrainedTextClassifier, PretrainedTextRegressor"]
)
def test_text_estimators_load_no_torchvision(names):
    imported = _imported_after(f"from sklearn_zoo import {names}")
    assert "torch" in imported
    assert not imported & {"torchvision", "timm", "matplotlib"}, imported


def test_every_public_name_resolves():
    for name in sklearn_zoo.__all__:
        assert getattr(sklearn_zoo, name) is not None, name
    assert set(sklearn_zoo._LAZY) <= set(dir(sklearn_zoo))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        sklearn_zoo.nothing  # noqa: B018
