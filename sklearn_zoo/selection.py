"""Choosing a checkpoint on your own data: cross-validated linear-probe scores, ranked."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import type_of_target

from ._progress import progress
from .zoo import CheckpointSpec, get_checkpoint, list_checkpoints


def rank_checkpoints(
    X: Any,
    y: Any,
    checkpoints: Sequence[str | CheckpointSpec] | None = None,
    *,
    cv: Any = 5,
    scoring: str | None = None,
    image_size: int | None = None,
    batch_size: int = 64,
    device: str = "auto",
    n_jobs: int | None = None,
    as_frame: bool | str = "auto",
    verbose: int = 0,
) -> Any:
    """Rank checkpoints by the cross-validated score of a linear probe on their frozen features.

    Each checkpoint embeds ``X`` once (through the feature cache, so a second call, a later
    ``fit`` with ``freeze_depth="all"`` or a grid search reuses the embeddings); a logistic
    regression (classification) or ridge regression (continuous ``y``) on standardized features is
    then cross-validated.

    Parameters
    ----------
    X : images or texts
        What the estimators accept: image arrays, paths or PIL images, or a list of str.
    y : array-like of shape (n_samples,)
        Class labels, or a continuous target.
    checkpoints : list of str or CheckpointSpec, default=None
        ``None`` ranks every catalogue checkpoint of X's modality whose weights are on this machine.
    cv : int or cross-validation generator, default=5
        As in ``cross_validate``.
    scoring : str, default=None
        Any scikit-learn scorer name; ``None`` is accuracy (classification) or R² (regression).
    image_size : int, default=None
        Images only: the input side; ``None`` uses each checkpoint's own.
    batch_size : int, default=64
        Samples per forward pass of the embedders.
    device : str, default="auto"
        ``"auto"`` picks cuda, then mps, then cpu.
    n_jobs : int, default=None
        Parallel folds of the probe.
    as_frame : bool or "auto", default="auto"
        ``True`` returns a pandas DataFrame (pandas must be installed), ``False`` a dict of
        arrays, ``"auto"`` a DataFrame when pandas is installed and a dict otherwise.
    verbose : int, default=0
        ``1`` shows a progress bar over the checkpoints and prints one line per checkpoint as
        it is scored; ``2`` also the embedders' bars; ``0`` prints nothing.

    Returns
    -------
    table : pandas.DataFrame or dict of ndarray
        One row per checkpoint, best first, with the columns ``checkpoint``, ``mean_score``,
        ``std_score``, ``embed_seconds``, ``probe_seconds``, ``feature_dim``, ``num_params`` and
        ``license`` (``None`` where the card does not say). As a dict it has the layout of
        ``GridSearchCV.cv_results_``: one 1-D array per column, so ``table["mean_score"]`` works
        either way and ``pandas.DataFrame(table)`` gives the frame.

    See Also
    --------
    ImageEmbedder, TextEmbedder : The embedders that compute the features.

    Examples
    --------
    >>> from sklearn_zoo import rank_checkpoints
    >>> texts = ["great film", "loved it", "superb cast", "awful film", "hated it", "dull cast"] * 3
    >>> labels = [1, 1, 1, 0, 0, 0] * 3
    >>> table = rank_checkpoints(texts, labels, ["all-MiniLM-L6-v2"], cv=3)
    >>> list(table)[:3]
    ['checkpoint', 'mean_score', 'std_score']
    >>> table["checkpoint"][0]
    'all-MiniLM-L6-v2'
    """
    frame = _wants_frame(as_frame)
    if isinstance(verbose, bool) or not isinstance(verbose, Integral) or verbose < 0:
        raise ValueError(
            f"The 'verbose' parameter of rank_checkpoints must be an int >= 0. Got {verbose!r} "
            "instead."
        )
    modality = "text" if _looks_like_text(X) else "image"
    if checkpoints is None:
        checkpoints = [spec.name for spec in list_checkpoints(modality=modality, offline=True)]
    if not checkpoints:
        raise ValueError(
            f"No {modality} checkpoint is available on this machine: pass `checkpoints=[...]`."
        )
    y = np.asarray(y)
    continuous = type_of_target(y).startswith("continuous")
    probe = make_pipeline(
        StandardScaler(), RidgeCV() if continuous else LogisticRegression(max_iter=2000)
    )
    settings = {"image_size": image_size, "batch_size": batch_size, "device": device}
    rows = []
    with progress(len(checkpoints), verbose, "rank_checkpoints", unit="checkpoint") as bar:
        for checkpoint in checkpoints:
            row = _score(checkpoint, X, y, probe, cv, scoring, n_jobs, verbose, settings)
            rows.append(row)
            if verbose:  # above the bar, which stays at the bottom
                bar.write(
                    f"{row['checkpoint']}: {row['mean_score']:.4f} (+/- {row['std_score']:.4f}), "
                    f"embedded in {row['embed_seconds']:.1f} s"
                )
            bar.update()
    return _table(rows, frame)


def _score(checkpoint, X, y, probe, cv, scoring, n_jobs, verbose, settings) -> dict[str, Any]:
    """One row of the table: ``checkpoint`` embeds ``X`` and its probe is cross-validated."""
    from .estimators import ImageEmbedder, TextEmbedder

    spec = get_checkpoint(checkpoint)
    shown = {"verbose": max(int(verbose) - 1, 0), **settings}
    if spec.modality == "text":
        shown.pop("image_size")
        embedder = TextEmbedder(spec, **shown)
    else:
        embedder = ImageEmbedder(spec, **shown)
    start = time.perf_counter()
    features = embedder.fit().transform(X)
    embedded = time.perf_counter() - start
    result = cross_validate(probe, features, y, cv=cv, scoring=scoring, n_jobs=n_jobs)
    return {
        "checkpoint": spec.name,
        "mean_score": float(np.mean(result["test_score"])),
        "std_score": float(np.std(result["test_score"])),
        "embed_seconds": embedded,
        "probe_seconds": float(np.sum(result["fit_time"] + result["score_time"])),
        "feature_dim": features.shape[1],
        "num_params": spec.num_params,
        "license": spec.license,
    }


def _wants_frame(as_frame: bool | str) -> bool:
    if as_frame not in (True, False, "auto"):
        raise ValueError(
            f"The 'as_frame' parameter of rank_checkpoints must be True, False or 'auto'. "
            f"Got {as_frame!r} instead."
        )
    try:
        import pandas  # noqa: F401
    except ImportError:
        if as_frame is True:
            raise ImportError(
                "rank_checkpoints(as_frame=True) needs pandas: pip install 'sklearn-zoo[pandas]', "
                "or pass as_frame=False for a dict of arrays."
            ) from None
        return False
    return bool(as_frame)


def _table(rows: list[dict[str, Any]], frame: bool) -> Any:
    """The rows best first, as a dict of 1-D arrays (a DataFrame of them with ``frame``)."""
    order = sorted(range(len(rows)), key=lambda i: -rows[i]["mean_score"])  # stable for ties
    columns: dict[str, np.ndarray] = {}
    for key in rows[0]:
        values = [rows[i][key] for i in order]
        known = all(v is not None for v in values)
        numeric = known and all(isinstance(v, int | float) for v in values)
        columns[key] = np.asarray(values) if numeric else np.asarray(values, dtype=object)
    if not frame:
        return columns
    import pandas as pd

    return pd.DataFrame(columns)


def _looks_like_text(X: Any) -> bool:
    if isinstance(X, np.ndarray) and X.dtype != object and X.dtype.kind not in "US":
        return False
    first = (
        next(iter(X), None) if not isinstance(X, np.ndarray) else (X.flat[0] if X.size else None)
    )
    if hasattr(X, "iloc"):
        first = X.iloc[0] if len(X) else None
    return isinstance(first, str) and not os.path.isfile(first)
