"""A TensorFlow SavedModel (a TF Hub image feature vector) as a frozen backbone: one block without
torch parameters, run by TensorFlow on channels-last pixels in [0, 1]; it pickles as the bytes of
its SavedModel folder. Only its features train a head: TensorFlow's graph does not learn in torch."""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
from typing import Any

import numpy as np
import torch

from . import register_family
from .base import Backbone


def _archive(folder: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(folder, arcname="saved_model")
    return buffer.getvalue()


def _unpack(archive: bytes) -> str:
    folder = tempfile.mkdtemp(prefix="sklearn_zoo_saved_model_")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")  # no links or paths out of the folder
    return os.path.join(folder, "saved_model")


def _function(folder: str) -> Any:
    import tensorflow as tf

    loaded = tf.saved_model.load(folder)
    if callable(loaded):
        return loaded, loaded
    return loaded, loaded.signatures["serving_default"]


class TFSavedModelBackbone(Backbone):
    frozen_only = True
    why_frozen = (
        "It is a TensorFlow SavedModel: TensorFlow runs its graph, so torch cannot train it, and "
        "it serves as a frozen feature extractor under strategy='probe'. To fine-tune the network "
        "itself, use a Keras ('keras:PRESET' or a .keras file) or a PyTorch checkpoint of it."
    )

    def __init__(self, folder: str, size: int = 224) -> None:
        super().__init__()
        self.size = int(size)
        self._saved = _archive(folder)
        self._load(folder)
        self.num_features = int(
            self._run(np.zeros((1, self.size, self.size, 3), "float32")).shape[1]
        )

    def _load(self, folder: str) -> None:
        self._keep, self._fn = _function(folder)

    def _run(self, pixels: np.ndarray) -> np.ndarray:
        out = self._fn(pixels)
        if isinstance(out, dict):  # a serving signature: its one output
            out = next(iter(out.values()))
        out = np.asarray(out, dtype=np.float32)
        return (
            out.reshape(len(out), -1)
            if out.ndim == 2
            else out.mean(axis=tuple(range(1, out.ndim - 1)))
        )

    def block_param_names(self) -> list[list[str]]:
        return [[]]

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        pixels = x.detach().float().permute(0, 2, 3, 1).cpu().numpy()
        return torch.from_numpy(self._run(np.ascontiguousarray(pixels))).to(x.device)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(vars(self))
        state.pop("_keep", None)
        state.pop("_fn", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._load(_unpack(self._saved))


@register_family("tfhub", lambda model: False)
def build(model: TFSavedModelBackbone) -> TFSavedModelBackbone:
    return model
