"""The saved-estimator format: tagged JSON, safetensors weights, and the transformers config and
tokenizer files. Reading a folder runs, imports and downloads nothing that the folder names."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._tagged_json import decode, encode, malformed

FORMAT = "sklearn_zoo.estimator/1"
PARAMS, FITTED, WEIGHTS = "params.json", "fitted.json", "weights.safetensors"
CONFIG, TOKENIZER = "config", "tokenizer"
README = "README.md"  # the model card, for people: never read by load()
# config.json entries that make transformers fetch or run code, or pick kernels and quantizers
_CONFIG_CODE_KEYS = (
    "auto_map",
    "custom_pipelines",
    "quantization_config",
    "attn_implementation",
    "_attn_implementation",
    "_attn_implementation_internal",
    "_attn_implementation_autoset",
)

_ESTIMATORS: dict[str, type] = {}


def register_estimator(cls: type) -> type:
    """Let :func:`load` find ``cls`` by the class name written in ``params.json``."""
    _ESTIMATORS[cls.__name__] = cls
    return cls


# -- files -----------------------------------------------------------------------------------
def _read_json(file: Path, name: str) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(
            f"{str(file.parent)!r} has no {name}: it is not a complete save."
        ) from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValueError(f"{str(file)!r} is not valid JSON: {exc}") from None


def _hf_model(module: Any) -> Any:
    """The transformers model inside a backbone, if it is one."""
    transformers = sys.modules.get("transformers")
    if transformers is None:
        return None
    for sub in module.modules():
        if isinstance(sub, transformers.PreTrainedModel):
            return sub
    return None


def write(
    path: str | Path,
    *,
    class_name: str,
    params: dict[str, Any],
    fitted: dict[str, Any],
    module: Any,
    tokenizer: Any = None,
    keep: Callable[[str], bool] | None = None,
    readme: str | None = None,
) -> Path:
    """Write a saved-estimator folder: ``params.json`` (format, class, ``get_params()``),
    ``fitted.json`` (the fitted attributes that are plain data), ``weights.safetensors`` (the
    network's ``state_dict``, or its tensors whose names ``keep`` accepts), ``config/`` (a
    transformers backbone's config), ``tokenizer/`` and ``README.md`` (the model card: for
    people; :func:`load` never reads it).

    Every value is encoded before anything is written: a refused value leaves no half-saved folder.
    """
    from safetensors.torch import save_file, save_model

    from . import __version__

    header = {
        "format": FORMAT,
        "class": class_name,
        "sklearn_zoo_version": __version__,
        "params": {k: encode(v, f"The '{k}' parameter of {class_name}") for k, v in params.items()},
    }
    state = {k: encode(v, f"The fitted attribute {k!r} of {class_name}") for k, v in fitted.items()}
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if keep is None:
        save_model(module, str(path / WEIGHTS), metadata={"format": "pt"}, force_contiguous=True)
    else:
        tensors = {k: v.contiguous() for k, v in module.state_dict().items() if keep(k)}
        save_file(tensors, str(path / WEIGHTS), metadata={"format": "pt"})
    hf = _hf_model(module)
    if hf is not None:
        hf.config.save_pretrained(str(path / CONFIG))
    if tokenizer is not None:
        tokenizer.save_pretrained(str(path / TOKENIZER))
    if readme is not None:
        (path / README).write_text(readme, encoding="utf-8")
    (path / FITTED).write_text(json.dumps(state, indent=1), encoding="utf-8")
    (path / PARAMS).write_text(json.dumps(header, indent=1), encoding="utf-8")
    return path


@dataclass
class SavedEstimator:
    """A saved folder with its JSON read and decoded; weights, config and tokenizer on demand."""

    path: Path
    class_name: str
    params: dict[str, Any]
    fitted: dict[str, Any]

    @property
    def weights_file(self) -> Path:
        return self.path / WEIGHTS

    def _not_weights(self, exc: Exception) -> ValueError:
        return ValueError(
            f"{str(self.weights_file)!r} does not hold the weights of this estimator: "
            f"{type(exc).__name__}: {exc}"
        )

    def digest(self) -> str:
        """SHA-256 over every file ``load`` reads (JSON, weights, ``config/``, ``tokenizer/``):
        what the cache keys of the loaded network's rows are bound to."""
        files = [self.path / PARAMS, self.path / FITTED, self.weights_file]
        for folder in (self.path / CONFIG, self.path / TOKENIZER):
            files += sorted(p for p in folder.rglob("*") if p.is_file())
        total = hashlib.sha256()
        for file in files:
            with open(file, "rb") as f:
                digest = hashlib.file_digest(f, "sha256").digest()
            total.update(file.relative_to(self.path).as_posix().encode() + b"\0" + digest)
        return total.hexdigest()

    def _shapes(self) -> dict[str, tuple[int, ...]]:
        from safetensors import safe_open

        try:  # the header only: no tensor is read
            with safe_open(str(self.weights_file), framework="pt") as f:
                return {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}  # noqa: SIM118
        except Exception as exc:  # safetensors' header errors, a missing file
            raise self._not_weights(exc) from None

    def load_weights(
        self, build: Callable[[], Any], only: Callable[[str], bool] | None = None
    ) -> Any:
        """``build()``'s network holding the saved weights (with ``only``: the file holds the
        network's tensors whose names ``only`` accepts, the rest keep ``build``'s values).

        ``build`` runs on the meta device first (no memory), and the network's tensors are compared
        with the file's: a fitted state describing a larger network than the file holds is a
        ``ValueError`` before anything is allocated.
        """
        import torch
        from safetensors.torch import load_file, load_model

        shapes = self._shapes()
        try:
            with torch.device("meta"):
                skeleton = build()
        except ValueError:
            raise
        except Exception:  # noqa: BLE001 - an architecture whose constructor reads tensor values
            skeleton = None  # (torchvision's RegNet): its size is the library's, checked below
        if skeleton is not None:
            _check_tensors(skeleton, shapes, self.weights_file, only)
        module = build()
        try:
            if only is None:
                load_model(module, str(self.weights_file), strict=True)
            else:
                _check_tensors(module, shapes, self.weights_file, only)
                module.load_state_dict(load_file(str(self.weights_file)), strict=False)
        except ValueError:
            raise
        except Exception as exc:  # missing or misshapen tensors
            raise self._not_weights(exc) from None
        return module

    def hf_config(self, trust_remote_code: bool = False) -> Any:
        """The transformers config in ``config/`` (None without one).

        Without ``trust_remote_code`` only a ``model_type`` transformers knows is accepted, and the
        entries that name code (``auto_map``) or kernels are dropped: no code from the folder runs.
        """
        folder = self.path / CONFIG
        if not (folder / "config.json").is_file():
            return None
        if trust_remote_code:
            from transformers import AutoConfig

            return AutoConfig.from_pretrained(
                str(folder), trust_remote_code=True, local_files_only=True
            )
        from transformers import CONFIG_MAPPING

        data = _read_json(folder / "config.json", f"{CONFIG}/config.json")
        model_type = data.get("model_type") if isinstance(data, dict) else None
        if not isinstance(model_type, str) or model_type not in CONFIG_MAPPING:
            raise ValueError(
                f"{CONFIG}/config.json in {str(self.path)!r} has model_type {model_type!r}, which "
                "transformers does not know: its architecture would need code shipped with the "
                "folder, and load() runs none. Pass trust_remote_code=True to load() only if you "
                "trust this folder as you would a program."
            )
        try:
            return CONFIG_MAPPING[model_type].from_dict(
                {k: v for k, v in data.items() if k not in _CONFIG_CODE_KEYS}
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{CONFIG}/config.json cannot be read: {exc}") from None

    def tokenizer(self, trust_remote_code: bool = False) -> Any:
        """The tokenizer in ``tokenizer/``, read from local files only."""
        from transformers import AutoTokenizer

        folder = self.path / TOKENIZER
        if not folder.is_dir():
            raise ValueError(f"{str(self.path)!r} has no {TOKENIZER}/ folder: it is not complete.")
        try:
            return AutoTokenizer.from_pretrained(
                str(folder), local_files_only=True, trust_remote_code=trust_remote_code
            )
        except (KeyError, OSError, TypeError, ValueError) as exc:
            raise ValueError(
                f"The tokenizer in {str(folder)!r} cannot be read: {type(exc).__name__}: {exc}"
            ) from None


def _check_tensors(
    module: Any,
    shapes: dict[str, tuple[int, ...]],
    file: Path,
    only: Callable[[str], bool] | None = None,
) -> None:
    """Every tensor of the file fits ``module``, and every tensor of ``module`` (once per set of
    tied weights; with ``only``, those it accepts) is in the file."""
    state = module.state_dict(keep_vars=True)
    problems = []
    for name, shape in shapes.items():
        if name not in state:
            problems.append(f"{name!r} is not a tensor of this network")
        elif tuple(state[name].shape) != shape:
            problems.append(
                f"{name!r} has shape {shape} in the file and {tuple(state[name].shape)} in the "
                "network the saved config and fitted state describe"
            )
    tied: dict[int, list[str]] = {}
    for name, tensor in state.items():
        if only is None or only(name):
            tied.setdefault(id(tensor), []).append(name)
    problems += [
        f"{names[0]!r} is missing" for names in tied.values() if shapes.keys().isdisjoint(names)
    ]
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ValueError(
            f"{str(file)!r} does not hold the weights of this estimator: "
            f"{'; '.join(problems[:3])}{more}."
        )


def read(path: str | Path) -> SavedEstimator:
    """Read and decode the JSON of a saved folder."""
    path = Path(path)
    if not (path / PARAMS).is_file():
        raise ValueError(
            f"{str(path)!r} is not a saved sklearn_zoo estimator: it has no {PARAMS}. Save one "
            "with estimator.save(path)."
        )
    header = _read_json(path / PARAMS, PARAMS)
    found = header.get("format") if isinstance(header, dict) else None
    if found != FORMAT:
        raise ValueError(
            f"{str(path)!r} is in format {found!r}; this version of sklearn_zoo reads {FORMAT!r}."
        )
    name, params = header.get("class"), header.get("params")
    fitted = _read_json(path / FITTED, FITTED)
    if not isinstance(name, str) or not isinstance(params, dict) or not isinstance(fitted, dict):
        raise malformed(f"{PARAMS} or {FITTED} in {str(path)!r}", "does not have the saved layout")
    try:
        return SavedEstimator(
            path,
            name,
            {k: decode(v, f"{PARAMS}: the parameter {k!r}") for k, v in params.items()},
            {k: decode(v, f"{FITTED}: {k!r}") for k, v in fitted.items()},
        )
    except RecursionError:
        raise malformed(f"{PARAMS} or {FITTED} in {str(path)!r}", "is nested too deeply") from None


def save(estimator: Any, path: str | Path) -> Path:
    """Write a fitted estimator to the directory ``path`` (created if needed); return its path."""
    return estimator.save(path)


def load(
    path: str | Path,
    *,
    cls: type | None = None,
    device: str | None = None,
    trust_remote_code: bool = False,
) -> Any:
    """Read an estimator written by :func:`save`; ``cls=None`` finds a registered class by the
    name in the folder. ``trust_remote_code=True`` trusts the folder to run its own code."""
    if not isinstance(trust_remote_code, bool):
        raise TypeError(
            "The 'trust_remote_code' parameter of load must be a bool. "
            f"Got {trust_remote_code!r} instead."
        )
    saved = read(path)
    name = saved.class_name
    if cls is None:
        cls = _ESTIMATORS.get(name)
        if cls is None:
            raise ValueError(
                f"{str(path)!r} holds an unknown estimator class {name!r}. sklearn_zoo.load() "
                "reads sklearn_zoo's estimators; load another class with its own load()."
            )
    elif cls.__name__ != name:
        raise TypeError(
            f"{str(path)!r} holds a {name}, not a {cls.__name__}: load it with {name}.load()."
        )
    return cls._from_saved(saved, device=device, trust_remote_code=trust_remote_code)
