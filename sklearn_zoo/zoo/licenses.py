"""Licenses as data: SPDX identifiers, the ``license=`` filter of the catalogue, and the opt-in
policy ``SKLEARN_ZOO_ALLOWED_LICENSES`` that refuses a checkpoint outside it when it is loaded."""

from __future__ import annotations

import os
from collections.abc import Iterable

from ..exceptions import LicenseNotAllowedError
from .spec import CheckpointSpec

ENV = "SKLEARN_ZOO_ALLOWED_LICENSES"
NOASSERTION = "NOASSERTION"  # SPDX: the authors state no license
# SPDX identifiers as other tools spell them (timm's pretrained_cfg, Hugging Face model cards)
_CANONICAL = {
    name.lower(): name
    for name in (
        "Apache-2.0",
        "MIT",
        "BSD-3-Clause",
        "BSD-2-Clause",
        "CC-BY-4.0",
        "CC-BY-SA-4.0",
        "CC-BY-NC-4.0",
        "CC-BY-NC-SA-4.0",
        "CC0-1.0",
        "GPL-3.0-only",
        "LGPL-3.0-only",
        "MPL-2.0",
        "OpenRAIL",
        NOASSERTION,
    )
}
_UNSTATED = {"", "unknown", "other", "none"}


def spdx(name: str | None) -> str:
    """``name`` as its SPDX identifier is spelled (``"apache-2.0"`` -> ``"Apache-2.0"``);
    an empty or ``"unknown"`` name is ``"NOASSERTION"``; other names come back stripped."""
    text = (name or "").strip()
    if text.lower() in _UNSTATED:
        return NOASSERTION
    return _CANONICAL.get(text.lower(), text)


def licenses_of(spec: CheckpointSpec) -> tuple[str, ...]:
    """The licenses that apply to ``spec``: the weights' first, then the code's where it differs."""
    weights = spdx(spec.license)
    code = spdx(spec.code_license) if spec.code_license else weights
    return (weights,) if code == weights else (weights, code)


def _as_set(licenses: str | Iterable[str], where: str) -> frozenset[str]:
    items = [licenses] if isinstance(licenses, str) else licenses
    try:  # "MIT, Apache-2.0" and ["MIT", "Apache-2.0"] alike
        wanted = frozenset(
            spdx(name).lower() for item in items for name in item.replace(",", " ").split()
        )
    except (AttributeError, TypeError):
        raise TypeError(
            f"{where} must be an SPDX identifier or a list of them, e.g. 'Apache-2.0' or "
            f"['MIT', 'Apache-2.0']. Got {licenses!r} instead."
        ) from None
    if not wanted:
        raise ValueError(f"{where} names no license. Got {licenses!r} instead.")
    return wanted


def has_license(spec: CheckpointSpec, licenses: str | Iterable[str]) -> bool:
    """True when the weights' license is one of ``licenses`` (SPDX identifiers, any case)."""
    return spdx(spec.license).lower() in _as_set(licenses, "The 'license' parameter")


def allowed_licenses() -> frozenset[str] | None:
    """The licenses ``SKLEARN_ZOO_ALLOWED_LICENSES`` allows (comma or space separated, lower
    case), or None when it is unset: no policy."""
    value = os.environ.get(ENV, "").strip()
    return _as_set(value, ENV) if value else None


def check_license(spec: CheckpointSpec, *, pretrained: bool = True) -> None:
    """Refuse ``spec`` when a license policy is set and one of its licenses is outside it.

    Checked where weights are loaded (``fit``, ``load``), never at import. With
    ``pretrained=False`` only the code's license applies: no pretrained weight is used.

    Raises
    ------
    LicenseNotAllowedError
        A ``ValueError`` naming the checkpoint, the license and the policy.
    """
    allowed = allowed_licenses()
    if allowed is None:
        return
    found = licenses_of(spec)
    if not pretrained:
        found = found[-1:]
    refused = [name for name in found if name.lower() not in allowed]
    if refused:
        kind = "weights" if refused[0] == found[0] and pretrained else "code"
        raise LicenseNotAllowedError(
            f"Checkpoint {spec.name!r} is refused by the license policy: its {kind} license is "
            f"{refused[0]!r}, and {ENV} allows only {', '.join(sorted(allowed))}. Choose a "
            f"checkpoint under one of those (`sklearn-zoo list --license ID`), or add "
            f"{refused[0]!r} to {ENV} if your use is permitted."
        )
