"""Docs cannot rot: the README's code blocks and every docstring example run as tests."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import sklearn_zoo
import sklearn_zoo.estimators

ROOT = Path(__file__).resolve().parents[1]


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(sklearn_zoo.__path__, prefix="sklearn_zoo."):
        if info.name.endswith(".cli") or info.name.endswith(".demo"):
            continue
        names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name, globs={}):
        if test.examples and test.name.startswith(name):
            runner.run(test)
    assert runner.failures == 0, f"{runner.failures} docstring example(s) failed in {name}"


@pytest.mark.slow
def test_readme_code_blocks():
    from mktestdocs import check_md_file

    check_md_file(fpath=ROOT / "README.md", memory=True)


@pytest.mark.parametrize("name", sklearn_zoo.estimators.__all__)
def test_docstring_defaults_match_the_signature(name):
    """Every parameter is documented, with the default that ``__init__`` really has (the image
    and text estimators share one docstring template, but not every default)."""
    import ast
    import inspect
    import re

    cls = getattr(sklearn_zoo, name)
    documented = {
        m["name"]: m["default"]
        for m in re.finditer(
            r"^    (?P<name>\w+) : [^\n]*?default=(?P<default>[^\n]+)$", cls.__doc__, re.MULTILINE
        )
    }
    for param in inspect.signature(cls.__init__).parameters.values():
        if param.name == "self":
            continue
        assert param.name in documented, f"{name}: {param.name} has no 'default=' in the docstring"
        assert ast.literal_eval(documented[param.name]) == param.default, (
            f"{name}.{param.name}: the docstring says default={documented[param.name]}, "
            f"__init__ has {param.default!r}"
        )
