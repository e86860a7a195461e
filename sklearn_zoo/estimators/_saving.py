"""``save`` / ``load`` for every estimator: the folder format is :mod:`sklearn_zoo.persistence`'s,
the network each estimator rebuilds from its checked fitted state."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .. import model_card, persistence
from ..architectures import check_spec, rebuild_backbone
from ..cache import fingerprint
from ..runtime import frozen_channels_last, resolve_device
from ..zoo import CheckpointSpec, list_checkpoints
from ..zoo.licenses import check_license

# fitted attributes that are rebuilt on load rather than saved
REBUILT = frozenset(
    {"net_", "backbone_", "preprocess_", "tokenizer_", "autocast_dtype_", "_n_features_out"}
    | {"_saved_rows_key"}
)
_SCALARS = (type(None), bool, int, float, str, np.generic)


class Field(NamedTuple):
    """How a saved fitted attribute is checked: ``check(value, where, state)`` raises a
    ``ValueError`` naming ``where`` (``state`` holds the other saved attributes)."""

    check: Callable[[Any, str, dict], None]
    required: bool = True


def _must(where: str, what: str, value: Any) -> ValueError:
    shown = f"an array of shape {value.shape}" if isinstance(value, np.ndarray) else repr(value)
    return ValueError(f"{where} must be {what}. Got {shown[:200]} instead.")


def integer(low: int = 0, high: int | None = None, *, required: bool = True) -> Field:
    def check(value: Any, where: str, state: dict) -> None:
        ok = isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)
        if not ok or value < low or (high is not None and value > high):
            raise _must(where, f"an int in [{low}, {high if high is not None else 'inf'}]", value)

    return Field(check, required)


def flag() -> Field:
    def check(value: Any, where: str, state: dict) -> None:
        if not isinstance(value, bool | np.bool_):
            raise _must(where, "a bool", value)

    return Field(check)


def one_of(options: Any, *, required: bool = True) -> Field:
    def check(value: Any, where: str, state: dict) -> None:
        if not isinstance(value, str) or value not in options:
            raise _must(where, f"one of {sorted(options)}", value)

    return Field(check, required)


def cache_key(*, required: bool = True) -> Field:
    """A feature-cache key (it names a folder in the cache): 32 hex digits, or None."""

    def check(value: Any, where: str, state: dict) -> None:
        if value is not None and not (
            isinstance(value, str) and re.fullmatch("[0-9a-f]{32}", value)
        ):
            raise _must(where, "None or a key of 32 hex digits", value)

    return Field(check, required)


def history(*, required: bool = True) -> Field:
    def check(value: Any, where: str, state: dict) -> None:
        if not isinstance(value, list) or not all(
            isinstance(row, dict)
            and all(isinstance(k, str) and isinstance(v, _SCALARS) for k, v in row.items())
            for row in value
        ):
            raise _must(where, "a list of dicts of numbers and strings (one per epoch)", value)

    return Field(check, required)


def labels() -> Field:
    def check(value: Any, where: str, state: dict) -> None:
        if not (
            isinstance(value, np.ndarray)
            and value.ndim == 1
            and len(value) >= 1
            and value.dtype.kind in "biufUO"
            and all(isinstance(v, _SCALARS) for v in value.tolist())
        ):
            raise _must(where, "a 1-D array of class labels", value)

    return Field(check)


def per_output(*, positive: bool = False) -> Field:
    """A float array with one finite value per output (``n_outputs_`` of them)."""

    def check(value: Any, where: str, state: dict) -> None:
        n = state.get("n_outputs_")
        if not (
            isinstance(value, np.ndarray)
            and value.dtype.kind == "f"
            and value.shape == (n,)
            and np.isfinite(value).all()
            and (not positive or (value > 0).all())
        ):
            sign = "positive " if positive else ""
            raise _must(where, f"a float array of {n} finite {sign}values (n_outputs_)", value)

    return Field(check)


def _checkpoint_card(value: Any, where: str, state: dict) -> None:
    if not isinstance(value, CheckpointSpec):
        raise _must(where, "a checkpoint card", value)


def _text(value: Any, where: str, state: dict) -> None:
    if not isinstance(value, str):
        raise _must(where, "a str", value)


def _output_config(value: Any, where: str, state: dict) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and v in ("default", "pandas", "polars") for k, v in value.items()
    ):
        raise _must(where, "set_output's {method: 'default' | 'pandas' | 'polars'}", value)


def _load_device(saved: Any, device: str | None) -> str:
    if device is not None:
        return resolve_device(device)
    try:
        return resolve_device(saved if isinstance(saved, str) else "cpu")
    except ValueError:  # saved on a device this machine does not have
        return "cpu"


class SaveLoadMixin:
    """``save`` and ``load`` for an estimator that provides ``_network()`` (what is saved),
    ``_network_from_state(backbone, state)`` (the network a fitted state describes, to be filled
    with the saved weights), ``_restore_inputs(spec, state, saved, trust_remote_code)`` and
    ``_restore(network, state, prep, device)`` (the fitted attributes). ``_saved_fields`` of each
    class in the MRO say which fitted attributes a folder holds and how each is checked."""

    _saved_fields: dict[str, Field] = {
        "spec_": Field(_checkpoint_card),
        "device_": Field(_text),
        "_sklearn_output_config": Field(_output_config, required=False),
        "_n_features_out": integer(1, required=False),  # rebuilt; written by older versions
        "model_card_": Field(model_card.check_saved, required=False),  # older saves have none
    }

    def save(self, path: str | Path) -> Path:
        """Write the fitted estimator to a directory, in a format whose loading runs no code.

        JSON, safetensors and tokenizer files, unlike pickle (see :mod:`sklearn_zoo.persistence`).

        Parameters
        ----------
        path : str or path-like
            The directory to write to, created if needed.

        Returns
        -------
        path : pathlib.Path
            The directory written.
        """
        check_is_fitted(self)
        params = self.get_params(deep=False)
        fitted = {k: v for k, v in vars(self).items() if k not in params and k not in REBUILT}
        card = fitted.get("model_card_")
        if card is not None:  # its data; the checkpoint is saved as spec_
            fitted["model_card_"] = card.saved()
        return persistence.write(
            path,
            class_name=type(self).__name__,
            params=params,
            fitted=fitted,
            module=self._network(),
            tokenizer=getattr(self, "tokenizer_", None),
            keep=self._saved_tensors(),
            readme=None if card is None else card.render(),
        )

    @classmethod
    def load(
        cls, path: str | Path, *, device: str | None = None, trust_remote_code: bool = False
    ) -> Any:
        """Read an estimator written by :meth:`save`, downloading and running nothing.

        No code the folder names or ships is run: the network is rebuilt from what sklearn_zoo
        knows and every saved value is checked (a mismatch is a ``ValueError`` naming it).

        Parameters
        ----------
        path : str or path-like
            A directory written by :meth:`save`.
        device : str, default=None
            Where to put the network; ``None`` is the device it was fitted on, or the CPU when this
            machine does not have it.
        trust_remote_code : bool, default=False
            Run the model code shipped in the folder's ``config/`` (a transformers architecture
            with its own code). Only for a folder you trust as you would a program.

        Returns
        -------
        estimator : object
            The fitted estimator, of this class.
        """
        return persistence.load(path, cls=cls, device=device, trust_remote_code=trust_remote_code)

    @classmethod
    def _from_saved(
        cls, saved: persistence.SavedEstimator, *, device: str | None, trust_remote_code: bool
    ) -> Any:
        estimator = _from_params(cls, saved.params, trust_remote_code)
        state = _check_state(cls, saved.fitted)
        spec = check_spec(
            state["spec_"], modality=estimator._modality, trust_remote_code=trust_remote_code
        )
        # a model fine-tuned from the weights carries their license
        check_license(spec, pretrained=getattr(estimator, "pretrained", True))
        device = _load_device(state["device_"], device)
        config = saved.hf_config(trust_remote_code)
        pooling = estimator._pooling_kwargs().get("pooling")

        def build() -> Any:
            backbone = rebuild_backbone(
                spec, hf_config=config, trust_remote_code=trust_remote_code, pooling=pooling
            )
            estimator._rebuild_adapters(backbone, state)  # before the network freezes blocks
            return estimator._network_from_state(backbone, state)

        network = saved.load_weights(build, only=estimator._saved_tensors(state))
        estimator._restore_base(network, spec, state)
        prep = estimator._restore_inputs(spec, state, saved, trust_remote_code)
        # rebuilt from the checked fitted.json: README.md is never read
        card = model_card.from_saved(state.get("model_card_"), spec, cls.__name__)
        state = {**state, "spec_": spec, "model_card_": card}
        vars(estimator).update(estimator._restore(network, state, prep, device))
        if estimator.prefix_key_ is not None:
            layout = frozen_channels_last(device, estimator._modality)
            key = fingerprint("saved", estimator.prefix_key_, saved.digest(), layout)
            estimator._saved_rows_key = key
        return estimator

    def _saved_tensors(self, fitted: dict[str, Any] | None = None) -> Callable[[str], bool] | None:
        """Which tensors of the network a save holds (None: all of them)."""
        return None

    def _rebuild_adapters(self, backbone: Any, state: dict[str, Any]) -> None:
        """Attach what a fit added to the backbone (nothing, unless it says otherwise)."""

    def _restore_base(self, network: Any, spec: CheckpointSpec, state: dict[str, Any]) -> None:
        """Fill what a save leaves out of the network (nothing, unless it says otherwise)."""

    def _cache_keys(self) -> dict[str, Any]:
        """Where the feature cache keeps this estimator's frozen rows. A loaded estimator reads the
        rows of the key it was saved with (it predicts what the saved one did) and writes its own
        under a key bound to the folder's content: a folder that misstates its weights or inputs
        can change no rows but its own."""
        own = vars(self).get("_saved_rows_key")
        if own is None:
            return {"model_key": self.prefix_key_}
        return {"model_key": own, "read_keys": (self.prefix_key_,)}

    @classmethod
    def _all_saved_fields(cls) -> dict[str, Field]:
        fields: dict[str, Field] = {}
        for klass in reversed(cls.__mro__):
            fields.update(vars(klass).get("_saved_fields", {}))
        return fields


def _from_params(cls: type, params: dict[str, Any], trust_remote_code: bool) -> Any:
    """The estimator with its saved parameters, checked as ``fit`` checks them."""
    unknown = sorted(set(params) - set(cls._get_param_names()))
    if unknown:
        raise ValueError(
            f"{persistence.PARAMS}: {unknown[0]!r} is not a parameter of {cls.__name__}."
        )
    checkpoint = params.get("checkpoint")
    if isinstance(checkpoint, CheckpointSpec):
        # the parameter a later fit loads: it may import no module the zoo does not know
        if checkpoint.source == "package" and checkpoint.identifier not in {
            entry.identifier for entry in list_checkpoints(source="package")
        }:
            raise ValueError(
                f"{persistence.PARAMS}: the 'checkpoint' parameter names the package "
                f"{checkpoint.identifier!r}, which is not one of sklearn_zoo's weight packages."
            )
        if not trust_remote_code:
            options = {k: v for k, v in checkpoint.options.items() if k != "trust_remote_code"}
            params = {**params, "checkpoint": checkpoint.replace(options=options)}
    estimator = cls(**params)
    estimator._validate_params()  # InvalidParameterError: a ValueError naming the parameter
    return estimator


def _check_state(cls: type, fitted: dict[str, Any]) -> dict[str, Any]:
    fields = cls._all_saved_fields()
    for name in fitted:
        if name not in fields:
            raise ValueError(
                f"{persistence.FITTED}: {name!r} is not a fitted attribute of {cls.__name__}."
            )
    for name, field in fields.items():
        if name in fitted:
            field.check(fitted[name], f"{persistence.FITTED}: {name!r}", fitted)
        elif field.required:
            raise ValueError(f"{persistence.FITTED} has no {name!r}: it is not a complete save.")
    return dict(fitted)
