"""The feature path: frozen backbone features computed once per sample (shared through the cache or
not), for fitting, ``transform`` and the embedders; and the order inference rows are served in."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch

from .backbones import Backbone
from .cache import FeatureStore, default_store, fingerprint
from .inputs import TensorDataset
from .runtime import Runtime, as_channels_last, autocast

# beyond this, one fit's cached activations are not worth their memory: training runs uncached
MAX_FIT_BYTES = 4 * 2**30


@dataclass(frozen=True)
class FeatureIdentity:
    """What makes frozen-prefix rows reusable across fits: the weights and the preprocessing."""

    spec: Any
    pretrained: bool
    seed: int | None
    pooling: dict
    inputs: str  # the preprocessing's signature
    weights: str | None = None  # a continued fit's backbone: the digest of its weights


def prefix_key(
    identity: FeatureIdentity, k: int, *, channels_last: bool, dtype: torch.dtype | None = None
) -> str | None:
    """The store key of ``identity``'s first ``k`` blocks computed in this layout and autocast
    dtype (NHWC and NCHW kernels, bf16 and fp32, differ in the last bits).

    Random weights (``pretrained=False``) are only reproducible with a seed; without one, None.
    """
    spec = identity.spec
    if not identity.pretrained and identity.seed is None and identity.weights is None:
        return None
    weights: Any = None
    if os.path.exists(spec.identifier):  # local files: their content may change under the same name
        stat = os.stat(spec.identifier)
        weights = (os.path.abspath(spec.identifier), stat.st_size, stat.st_mtime_ns)
    options = {k: v for k, v in spec.options.items() if not callable(v)}
    precision = () if dtype is None else (str(dtype),)  # fp32 keys as before autocast was keyed
    return fingerprint(
        spec.source,
        spec.identifier,
        options,
        weights,
        identity.pretrained,
        None if identity.pretrained else identity.seed,
        k,
        identity.pooling,
        identity.inputs,
        "nhwc" if channels_last else "nchw",
        torch.__version__,
        *precision,
        *(() if identity.weights is None else ("weights", identity.weights)),
    )


class FrozenFeatures:
    """``backbone``'s first ``k`` blocks (eval mode, inference mode) over the samples the store
    has not seen, in the runtime's frozen layout (and its autocast dtype with ``autocast=True``).

    With an ``identity``, the store key is derived here from that same layout and dtype
    (:meth:`key_of`); ``model_key`` reuses one derived before (prediction after a fit, a loaded
    estimator). Rows are written under the key, and read from it or, failing that, from the
    ``read_keys``. Without a key, rows serve this call only.
    """

    def __init__(
        self,
        backbone: Backbone,
        k: int,
        runtime: Runtime,
        *,
        batch_size: int,
        identity: FeatureIdentity | None = None,
        model_key: str | None = None,
        read_keys: Sequence[str] = (),
        autocast: bool = False,
        max_bytes: int | None = MAX_FIT_BYTES,
        store: FeatureStore | None = None,
    ) -> None:
        self.backbone, self.k, self.device = backbone, k, runtime.device
        self.channels_last = runtime.frozen_channels_last
        self.dtype = runtime.autocast_dtype if autocast else None
        self.key = model_key if identity is None else self.key_of(identity, k, runtime, autocast)
        self.read_keys = tuple(read_keys)
        self.store = (store or default_store()) if self.key is not None else None
        self.batch_size = max(int(batch_size), 1)
        self.max_bytes = max_bytes

    @staticmethod
    def key_of(identity: FeatureIdentity, k: int, runtime: Runtime, autocast: bool) -> str | None:
        """The key of the rows an instance with these arguments computes."""
        dtype = runtime.autocast_dtype if autocast else None
        return prefix_key(identity, k, channels_last=runtime.frozen_channels_last, dtype=dtype)

    def _compute(self, dataset: Any, indices: list[int]) -> torch.Tensor | None:
        chunks: list[torch.Tensor] = []
        was_training = self.backbone.training
        self.backbone.to(self.device).eval()
        try:
            with torch.inference_mode(), autocast(self.device, self.dtype):
                for start in range(0, len(indices), self.batch_size):
                    X, _ = dataset.__getitems__(indices[start : start + self.batch_size])
                    X = {k: v.to(self.device) for k, v in X.items()}
                    if self.channels_last and "pixel_values" in X:
                        X["pixel_values"] = as_channels_last(X["pixel_values"])
                    out = (
                        self.backbone.forward_prefix(X.get("pixel_values", X), self.k).float().cpu()
                    )
                    too_big = (
                        self.max_bytes is not None
                        and out[0].numel() * out.element_size() * len(dataset) > self.max_bytes
                    )
                    if not chunks and too_big:
                        return None
                    chunks.append(out)
        finally:
            self.backbone.train(was_training)
        return torch.cat(chunks)

    def rows(self, dataset: Any) -> torch.Tensor | None:
        """The prefix output of every sample of ``dataset``, in its order; None over ``max_bytes``."""
        n = len(dataset)
        if self.store is None:
            return self._compute(dataset, list(range(n)))
        keys = dataset.sample_keys()
        known = self.store.get_many(self.key, keys)
        for other in self.read_keys:
            rest = [i for i in range(n) if i not in known]
            found = self.store.get_many(other, [keys[i] for i in rest]) if rest else {}
            known.update({rest[j]: row for j, row in found.items()})
        todo = [i for i in range(n) if i not in known]
        if todo:
            computed = self._compute(dataset, todo)
            if computed is None:
                return None
            self.store.put_many(self.key, [keys[i] for i in todo], computed)
            known.update(zip(todo, computed))
        return torch.stack([known[i] for i in range(n)])

    def wrap(self, dataset: Any) -> Any:
        """``dataset`` as prefix rows with the same targets; ``dataset`` itself (or None) when
        the rows would not fit in memory (or there is no dataset)."""
        rows = None if dataset is None else self.rows(dataset)
        return dataset if rows is None else TensorDataset(rows, y=dataset.y)


class Preparation(Protocol):
    """A modality's preprocessing, ready (see ``sklearn_zoo.estimators._modalities``)."""

    def dataset(
        self, inputs: Any, idx: np.ndarray, y: Any = None, training: bool = False
    ) -> Any: ...

    def inference_order(self, inputs: Any) -> np.ndarray | None: ...


def in_inference_order(
    prepared: Preparation, inputs: Any, run: Callable[[Any], np.ndarray]
) -> np.ndarray:
    """``run`` on a dataset of ``inputs`` in the modality's inference order (texts longest first:
    batches of similar lengths pad less); its rows come back in the caller's order."""
    order = prepared.inference_order(inputs)
    out = run(prepared.dataset(inputs, np.arange(len(inputs)) if order is None else order))
    if order is None:
        return out
    restored = np.empty_like(out)
    restored[order] = out
    return restored
