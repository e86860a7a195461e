"""Hugging Face transformers encoders and decoders from the hub (kept in the HF cache) or a local directory.
Safetensors are preferred; ``trust_remote_code`` stays off unless the spec's options turn it on."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._errors import unavailable

if TYPE_CHECKING:
    from torch import nn

    from ..zoo.spec import CheckpointSpec


def _where(identifier: str) -> str:
    if os.path.isdir(identifier):
        return identifier
    from huggingface_hub.constants import HF_HUB_CACHE

    return f"the Hugging Face cache {HF_HUB_CACHE} ({identifier})"


def _kwargs(spec: CheckpointSpec, offline: bool) -> dict[str, Any]:
    local = os.path.isdir(spec.identifier)
    kwargs: dict[str, Any] = {
        "local_files_only": offline or local,
        "trust_remote_code": bool(spec.options.get("trust_remote_code", False)),
    }
    if spec.options.get("revision") and not local:
        kwargs["revision"] = spec.options["revision"]
    return kwargs


@contextlib.contextmanager
def _hub_offline(offline: bool) -> Iterator[None]:
    """huggingface_hub's own offline switch, on for the call: even with ``local_files_only`` it
    otherwise looks up its telemetry registry on the network."""
    from huggingface_hub import constants

    before = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = before or offline
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = before


def _call(spec: CheckpointSpec, offline: bool, fn, *args, **kwargs):
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # no "Loading weights" bar for every fit of a grid search
    try:
        with _hub_offline(offline):
            return fn(*args, **kwargs)
    except ValueError as exc:
        if "trust_remote_code" in str(exc):
            raise ValueError(
                f"Checkpoint {spec.name!r} needs code from its repository to load, and running "
                "other people's code is off by default. If you trust it, pass "
                f"get_checkpoint({spec.name!r}, trust_remote_code=True) as the checkpoint."
            ) from exc
        raise
    except OSError as exc:
        raise unavailable(spec.name, _where(spec.identifier), offline=offline, cause=exc) from exc
    finally:
        if bars:
            hf_logging.enable_progress_bar()


def load_model(spec: CheckpointSpec, *, pretrained: bool, offline: bool) -> nn.Module:
    from transformers import AutoConfig, AutoModel

    kwargs = _kwargs(spec, offline)
    if not pretrained:
        config = _call(spec, offline, AutoConfig.from_pretrained, spec.identifier, **kwargs)
        return AutoModel.from_config(config, trust_remote_code=kwargs["trust_remote_code"])
    # no adapter_kwargs here: the hub's offline switch (``_hub_offline``) already keeps the PEFT
    # adapter lookup local, and transformers 4.x also passes local_files_only to that lookup
    # itself ("multiple values for keyword argument" once peft is installed)
    return _call(spec, offline, AutoModel.from_pretrained, spec.identifier, **kwargs)


def load_tokenizer(spec: CheckpointSpec, *, offline: bool) -> Any:
    from transformers import AutoTokenizer

    name = spec.text.tokenizer if spec.text and spec.text.tokenizer else spec.identifier
    tokenizer = _call(spec, offline, AutoTokenizer.from_pretrained, name, **_kwargs(spec, offline))
    if tokenizer.pad_token is None:  # GPT-2's has none: batches pad with its end-of-text token
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    return tokenizer


def read_config(
    spec: CheckpointSpec, filename: str = "config.json", offline: bool = True
) -> dict | None:
    """A JSON file of the checkpoint (config, preprocessor config) if it is on this machine."""
    import json

    if os.path.isdir(spec.identifier):
        path = os.path.join(spec.identifier, filename)
    else:
        from huggingface_hub import try_to_load_from_cache

        path = try_to_load_from_cache(spec.identifier, filename)
        if not isinstance(path, str) and not offline:
            path = _fetch(spec, filename)
    if not isinstance(path, str) or not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _fetch(spec: CheckpointSpec, filename: str) -> str | None:
    """Download one small file of a hub repository; ``None`` if the repository has no such file.

    One request without retries asks the hub first, so a machine with no network learns it at
    once (``hf_hub_download`` alone would retry for about 20 seconds).
    """
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url
    from huggingface_hub.utils import EntryNotFoundError, RepositoryNotFoundError

    revision = spec.options.get("revision")
    try:
        get_hf_file_metadata(hf_hub_url(spec.identifier, filename, revision=revision))
    except EntryNotFoundError:
        return None
    except RepositoryNotFoundError:  # gated and private repositories included
        raise ValueError(
            f"Checkpoint {spec.name!r}: the Hugging Face Hub has no repository "
            f"{spec.identifier!r} that this machine may read. Check the name; for a private or "
            "gated model, log in first (`hf auth login`)."
        ) from None
    except Exception as exc:  # no network: the error types differ between huggingface_hub versions
        raise _no_hub(spec, exc) from exc
    return hf_hub_download(spec.identifier, filename, revision=revision)


def _no_hub(spec: CheckpointSpec, cause: BaseException) -> Exception:
    from ..exceptions import CheckpointUnavailableError

    return CheckpointUnavailableError(
        f"Checkpoint {spec.name!r} is not on this machine and the Hugging Face Hub cannot be "
        f"reached ({type(cause).__name__}: {cause}). Set SKLEARN_ZOO_OFFLINE=1 to work with the "
        f"checkpoints on this machine (`sklearn-zoo list --offline`), or run `sklearn-zoo "
        f"download {spec.name}` on a machine with network access and copy its Hugging Face "
        "cache over."
    )


# sentence-transformers' pooling modes (1_Pooling/config.json) and the ones the backbone implements
_ST_POOLING = {"cls": "cls", "mean": "mean", "max": "max", "lasttoken": "last"}
_ST_LEGACY_KEYS = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}


def read_pooling(spec: CheckpointSpec, offline: bool = True) -> str | None:
    """The pooling a sentence-transformers checkpoint was trained with, from its ``modules.json``
    and pooling ``config.json`` (read as data: the module types named there are never imported);
    ``None`` for a plain transformers checkpoint. A mode the backbone does not implement is a
    warning, and ``None``."""
    modules = read_config(spec, "modules.json", offline=offline)
    if not isinstance(modules, list):
        return None
    folder = next(
        (
            m.get("path")
            for m in modules
            if isinstance(m, dict) and str(m.get("type", "")).endswith(".Pooling")
        ),
        None,
    )
    if not isinstance(folder, str) or os.path.isabs(folder) or ".." in folder.split("/"):
        return None  # a path outside the checkpoint is not followed
    config = read_config(spec, f"{folder}/config.json" if folder else "config.json", offline)
    modes = _st_modes(config or {})
    if len(modes) == 1 and modes[0] in _ST_POOLING:
        return _ST_POOLING[modes[0]]
    if modes:
        import warnings

        warnings.warn(
            f"Checkpoint {spec.name!r} was trained with sentence-transformers pooling {modes}, "
            "which sklearn_zoo does not implement: its embeddings use mean pooling. Pass "
            "pooling='mean', 'cls', 'max' or 'last' to choose one.",
            UserWarning,
            stacklevel=4,
        )
    return None


def _st_modes(config: dict) -> list[str]:
    """The pooling modes of a sentence-transformers pooling config, old (booleans) or new format."""
    mode = config.get("pooling_mode")
    if isinstance(mode, str):
        return [mode]
    if isinstance(mode, list):
        return [str(m) for m in mode]
    return [name for key, name in _ST_LEGACY_KEYS.items() if config.get(key) is True]


def is_local(spec: CheckpointSpec) -> bool:
    if os.path.isdir(spec.identifier):
        return os.path.isfile(os.path.join(spec.identifier, "config.json"))
    from huggingface_hub import try_to_load_from_cache

    config = try_to_load_from_cache(spec.identifier, "config.json")
    if not isinstance(config, str):
        return False
    return any(
        isinstance(try_to_load_from_cache(spec.identifier, f), str)
        for f in ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json")
    )


def download(spec: CheckpointSpec) -> str:
    from huggingface_hub import snapshot_download

    return snapshot_download(
        spec.identifier,
        revision=spec.options.get("revision"),
        allow_patterns=[
            "*.json",
            "*.txt",
            "*.model",
            "model.safetensors*",
            "tokenizer*",
            "vocab*",
            "merges*",
        ],
    )
