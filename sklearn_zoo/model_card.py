"""Model cards: what a fitted estimator was built from, how, on what data and with what validation
scores, as Hugging Face model-card Markdown. Plain data and text only: no torch, nothing runs."""

from __future__ import annotations

import dataclasses
import json
import platform
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from .zoo.licenses import NOASSERTION, licenses_of
from .zoo.spec import CheckpointSpec

README = "README.md"
# distributions whose versions a card records (those installed)
LIBRARIES = (
    "sklearn-zoo",
    "scikit-learn",
    "skorch",
    "torch",
    "torchvision",
    "timm",
    "transformers",
    "peft",
    "numpy",
)
# fitted attributes a card reads where an estimator has them (the card's label for each): later
# features add theirs here and the card shows them, saves them and reads them back
OPTIONAL_ATTRIBUTES = {
    "stage_won_": "stage that won",
    "adapters_": "adapters",
    "time_budget_": "time budget (s)",
}
_SECTIONS = ("adaptation", "data", "validation", "versions")
_MAX_DEPTH = 6


@dataclass(frozen=True)
class ModelCard:
    """What a fitted estimator is: its base, how it was adapted, on what, how it scored.

    The card of ``est.model_card_``: the base checkpoint's card, how ``fit`` adapted it, what it
    was trained on, its validation scores and the library versions. Every value is plain data (str, numbers, lists and dicts of those); :meth:`render` writes
    the Markdown that ``est.model_card()`` returns and ``save()`` writes as ``README.md``.

    Parameters
    ----------
    estimator : str
        The estimator's class name.
    checkpoint : CheckpointSpec
        The base checkpoint's card.
    adaptation : dict
        How it was adapted: strategy, stages, frozen blocks, head, epochs, trainable parameters,
        the base weights' revision and digest.
    data : dict
        What it was trained on: samples, input kind, classes and their counts.
    validation : dict
        Scores on the fit's validation split; empty when it had none.
    versions : dict
        The library versions of the fit.

    See Also
    --------
    sklearn_zoo.group_report : Results per group, for ``model_card(groups=...)``.

    Examples
    --------
    >>> from sklearn_zoo import TextEmbedder
    >>> card = TextEmbedder("all-MiniLM-L6-v2").fit().model_card_
    >>> card.checkpoint.name, card.checkpoint.license
    ('all-MiniLM-L6-v2', 'Apache-2.0')
    >>> print(card.render().splitlines()[1])
    license: "apache-2.0"
    """

    estimator: str
    checkpoint: CheckpointSpec
    adaptation: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    def saved(self) -> dict[str, Any]:
        """Return the card's own data, as ``save()`` writes it in ``fitted.json``.

        Returns
        -------
        sections : dict
            ``adaptation``, ``data``, ``validation`` and ``versions``; the checkpoint is saved
            apart, as ``spec_``.
        """
        return {name: getattr(self, name) for name in _SECTIONS}

    def render(self, groups: Any = None) -> str:
        """The card as Markdown: YAML front matter, then one section per subject.

        Parameters
        ----------
        groups : GroupReport, default=None
            A :func:`~sklearn_zoo.group_report` result, shown as a section of its own.

        Returns
        -------
        markdown : str
            Text only: every value is escaped, so no HTML, link or code is made of it.
        """
        parts = [
            _front_matter(self),
            f"# {_md(self.estimator)} from {_md(self.checkpoint.name)}\n",
            _base_section(self.checkpoint, self.adaptation),
            _adaptation_section(self.adaptation),
            _data_section(self.data),
            _validation_section(self.validation),
        ]
        if groups is not None:
            parts.append(_groups_section(groups))
        parts.append(_versions_section(self.versions))
        parts.append(
            "## About this card\n\nWritten by sklearn_zoo from the fitted estimator. "
            "`load()` never reads it: editing it changes nothing the model does.\n"
        )
        return "\n".join(parts)


def library_versions() -> dict[str, str]:
    """The installed versions of :data:`LIBRARIES`, and Python's."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def optional_attributes(fitted: dict[str, Any]) -> dict[str, Any]:
    """The :data:`OPTIONAL_ATTRIBUTES` ``fitted`` has, under their card labels, as plain data."""
    return {
        label: plain(fitted[name])
        for name, label in OPTIONAL_ATTRIBUTES.items()
        if fitted.get(name) is not None
    }


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON-able plain data: numpy scalars and arrays as Python values, tuples as
    lists, dataclasses as dicts, anything else as its ``str``."""
    if depth > _MAX_DEPTH:
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return plain(value.tolist(), depth + 1)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v, depth + 1) for v in value]
    return str(value)


def from_saved(saved: Any, checkpoint: CheckpointSpec, estimator: str) -> ModelCard:
    """The card of a saved folder, from its checked ``fitted.json`` entry (None for a folder
    saved before cards: then only the checkpoint is known)."""
    if saved is None:
        note = {"note": "not recorded: saved by a version of sklearn_zoo without model cards"}
        return ModelCard(estimator, checkpoint, adaptation=note, data=note)
    check_saved(saved, "fitted.json: 'model_card_'")
    return ModelCard(estimator, checkpoint, **saved)


def check_saved(value: Any, where: str, state: Any = None) -> None:
    """A saved card is a dict of the four sections, each a dict of plain data."""
    if not (isinstance(value, dict) and set(value) == set(_SECTIONS)) or not all(
        isinstance(v, dict) and _is_plain(v, 0) for v in value.values()
    ):
        raise ValueError(
            f"{where} must be a dict of {', '.join(_SECTIONS)}, each a dict of plain values. "
            f"Got {str(value)[:200]} instead."
        )


def _is_plain(value: Any, depth: int) -> bool:
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if depth > _MAX_DEPTH:
        return False
    if isinstance(value, list):
        return all(_is_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v, depth + 1) for k, v in value.items())
    return False


# -- rendering -------------------------------------------------------------------------------


def _md(value: Any) -> str:
    """A value as inert Markdown text: no HTML, no link, no table break, on one line."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\`*_[]|":
        text = text.replace(char, "\\" + char)
    return " ".join(text.split()) or "-"


def _yaml(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _hf_license(spec: CheckpointSpec) -> str:
    license = licenses_of(spec)[0]
    return "unknown" if license == NOASSERTION else license.lower()


def _base_model(spec: CheckpointSpec) -> str:
    """The Hub id Hugging Face's ``base_model`` wants where there is one, else the zoo's name."""
    source, identifier = spec.source, spec.identifier
    if source == "package" and spec.options.get("fallback"):
        source, identifier = spec.options["fallback"]
    if source == "hf":
        return identifier
    if source == "timm":
        return f"timm/{identifier}"
    return spec.name


def _front_matter(card: ModelCard) -> str:
    spec = card.checkpoint
    tags = ["sklearn-zoo", "scikit-learn", card.data.get("task", "")]
    metrics = sorted(k for k in card.validation if k not in ("stage", "epoch"))
    lines = [
        "---",
        f"license: {_yaml(_hf_license(spec))}",
        f"base_model: {_yaml(_base_model(spec))}",
        'library_name: "sklearn-zoo"',
        "tags:",
        *[f"- {_yaml(tag)}" for tag in tags if tag],
        "metrics:" if metrics else "metrics: []",
        *[f"- {_yaml(name)}" for name in metrics],
        "---\n",
    ]
    return "\n".join(lines)


def _items(rows: dict[str, Any]) -> str:
    return "\n".join(f"- **{_md(k)}**: {_md(_inline(v))}" for k, v in rows.items()) + "\n"


def _inline(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_inline(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(_inline(v) for v in value) or "-"
    return str(value)


def table(header: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table of escaped cells."""
    lines = ["| " + " | ".join(_md(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md(_inline(c)) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _base_section(spec: CheckpointSpec, adaptation: dict[str, Any]) -> str:
    licenses = licenses_of(spec)
    rows = {
        "checkpoint": spec.name,
        "source": f"{spec.source}: {spec.identifier}",
        "revision": adaptation.get("base revision", "-"),
        "weights digest (BLAKE2b-128)": adaptation.get("base weights digest", "-"),
        "license (weights)": licenses[0],
        "license (code)": licenses[-1],
        "license notes": spec.license_notes or "-",
        "license read from": spec.license_source or "-",
        "training data": spec.training_data or "-",
        "known limitations": spec.limitations or "-",
        "citation": spec.paper or "-",
    }
    return "## Base checkpoint\n\n" + _items(rows)


def _adaptation_section(adaptation: dict[str, Any]) -> str:
    shown = {k: v for k, v in adaptation.items() if k != "stages" and not k.startswith("base ")}
    text = "## How it was adapted\n\n" + _items(shown)
    stages = adaptation.get("stages") or []
    if stages:
        header = list(dict.fromkeys(key for row in stages for key in row))
        text += "\n" + table(header, [[row.get(k, "-") for k in header] for row in stages])
    return text


def _data_section(data: dict[str, Any]) -> str:
    shown = {k: v for k, v in data.items() if k != "classes"}
    text = "## Training data\n\n" + _items(shown)
    classes = data.get("classes")
    if classes:
        text += "\n" + table(["class", "samples"], [[c["label"], c["count"]] for c in classes])
    return text


def _validation_section(validation: dict[str, Any]) -> str:
    if not validation:
        return "## Validation\n\nnone: the fit had no validation split (`early_stopping=False`).\n"
    return "## Validation\n\nScores on the fit's held-out validation rows.\n\n" + _items(validation)


def _groups_section(groups: Any) -> str:
    return "## Results per group\n\n" + groups.to_markdown()


def _versions_section(versions: dict[str, str]) -> str:
    return "## Library versions\n\n" + table(["library", "version"], [*versions.items()])
