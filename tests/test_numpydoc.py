"""numpydoc's validation over the public API, as scikit-learn runs it on its own estimators
(``sklearn/tests/test_docstrings.py``): every public class and function of ``sklearn_zoo.__all__``,
and every public method those classes define (methods inherited from scikit-learn are validated
by scikit-learn's own suite, and those of ``Exception`` are Python's)."""

from __future__ import annotations

import inspect

import pytest

import sklearn_zoo

validate = pytest.importorskip("numpydoc.validate").validate

# Checks left out, everywhere, with scikit-learn's reasons:
# - GL01, GL02: the summary may start on the line of the opening quotes (the house style);
# - RT02: the first line of a Returns entry names the returned object ("self : object").
IGNORED = {"GL01", "GL02", "RT02"}
# On methods only (a class or function has them): an extended summary, See Also and Examples.
IGNORED_ON_METHODS = {"ES01", "SA01", "EX01"}


def _public_api() -> list[tuple[str, bool]]:
    """``(import path, is a method)`` of everything validated."""
    paths = []
    for name in sklearn_zoo.__all__:
        obj = getattr(sklearn_zoo, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue  # __version__
        paths.append((f"{obj.__module__}.{obj.__qualname__}", False))
        if inspect.isclass(obj):
            for attr, member in inspect.getmembers(obj):
                defined_here = getattr(member, "__module__", "") or ""
                if (
                    not attr.startswith("_")
                    and callable(member)
                    and defined_here.startswith("sklearn_zoo")
                ):
                    paths.append((f"{obj.__module__}.{obj.__qualname__}.{attr}", True))
    return sorted(set(paths))


@pytest.mark.parametrize(("path", "method"), _public_api(), ids=lambda p: str(p))
def test_docstring(path, method):
    result = validate(path)
    ignored = IGNORED | (IGNORED_ON_METHODS if method else set())
    errors = [f"{code}: {message}" for code, message in result["errors"] if code not in ignored]
    assert not errors, f"{path} ({result['file']}:{result['file_line']}):\n" + "\n".join(errors)


def test_the_public_api_is_covered():
    paths = {path for path, _ in _public_api()}
    assert "sklearn_zoo.estimators.text.PretrainedTextClassifier.decision_function" in paths
    assert "sklearn_zoo.plotting._freeze_depth.FreezeDepthDisplay.from_cv_results" in paths
    assert "sklearn_zoo.zoo.registry.get_checkpoint" in paths
    assert not any(path.endswith(".get_params") for path in paths)  # scikit-learn's own
