"""The messages every source gives when weights, or the library that reads them, are missing."""

from __future__ import annotations

from ..exceptions import CheckpointUnavailableError


def unavailable(
    name: str, where: str, offline: bool, cause: BaseException | None = None
) -> CheckpointUnavailableError:
    if offline:
        why = f"offline mode is on and its weights are not in {where}"
    else:
        why = f"its weights are not in {where} and could not be downloaded ({type(cause).__name__}: {cause})"
    return CheckpointUnavailableError(
        f"Checkpoint {name!r} is not available: {why}. On a machine with network access run "
        f"`sklearn-zoo download {name}` (it fills that cache; copy the cache folder over to use it "
        "offline), or choose a checkpoint that `sklearn-zoo list --offline` shows."
    )


def missing_extra(name: str, package: str, extra: str) -> ImportError:
    """The error of a source whose library is an optional extra that is not installed."""
    return ImportError(
        f"Checkpoint {name!r} needs {package}, which is not installed. Install it with "
        f'pip install "sklearn-zoo[{extra}]".'
    )
