"""The modality half of an estimator: how images or texts become datasets for the network.
The image half imports torchvision on first use, so text estimators never load it."""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..inputs import DEFAULT_MAX_PIXELS, TextDataset, as_texts
from ..loading import load_tokenizer
from ..zoo import CheckpointSpec
from ._saving import integer

# the largest image side a saved estimator may ask its inputs to be resized to
MAX_IMAGE_SIDE = 8192

IMAGE_CONSTRAINTS = {
    "image_size": [Interval(Integral, 8, None, closed="left"), None],
    "augment": ["boolean", callable],
    "max_image_pixels": [Interval(Integral, 1, None, closed="left"), None],
}
TEXT_CONSTRAINTS = {
    "max_length": [Interval(Integral, 1, None, closed="left"), None],
    "pooling": [StrOptions({"mean", "cls", "max", "last", "pooler"}), None],
}


class ImageInputMixin:
    """Images: arrays (NHWC/NCHW, uint8/uint16/float), file paths, PIL images; files are decoded
    with the estimator's ``max_image_pixels`` and never below the resize its checkpoint needs."""

    _modality = "image"
    _saved_fields = {"image_size_": integer(8, MAX_IMAGE_SIDE)}

    def _check_inputs(self, X: Any):
        from ..inputs.images import as_image_source

        return as_image_source(X)

    def _prepare_inputs(self, spec: CheckpointSpec) -> dict[str, Any]:
        from ..inputs.transforms import make_transform

        size = self.image_size or spec.image.size
        evaluate = make_transform(spec.image, size)
        train = make_transform(spec.image, size, self.augment) if self.augment else evaluate
        return {
            "eval": evaluate,
            "train": train,
            "min_side": _min_side(spec, size),
            "fitted": {"preprocess_": evaluate, "image_size_": size},
        }

    def _fitted_prep(self) -> dict[str, Any]:
        return {"eval": self.preprocess_, "min_side": _min_side(self.spec_, self.image_size_)}

    def _restore_inputs(self, spec: CheckpointSpec, state: dict, saved: Any, trust: bool) -> dict:
        from ..inputs.transforms import make_transform

        size = state["image_size_"]
        if size / spec.image.crop_pct > MAX_IMAGE_SIDE:
            raise ValueError(
                f"fitted.json: 'spec_'.image.crop_pct ({spec.image.crop_pct}) resizes images to "
                f"{size / spec.image.crop_pct:.0f} pixels a side, more than {MAX_IMAGE_SIDE}."
            )
        return {"preprocess_": make_transform(spec.image, size)}

    def _prep_signature(self, prep: dict[str, Any]) -> str:
        return repr(prep["eval"])

    def _make_dataset(self, inputs, prep: dict[str, Any], y: Any, idx: np.ndarray, training: bool):
        from ..inputs.images import ImageDataset

        transform: Callable = prep["train"] if training else prep["eval"]
        # an estimator pickled before max_image_pixels existed gets the default
        max_pixels = getattr(self, "max_image_pixels", DEFAULT_MAX_PIXELS)
        return ImageDataset(inputs.subset(idx), transform, y, max_pixels, prep["min_side"])

    def _inference_order(self, inputs) -> np.ndarray | None:
        return None

    def _pooling_kwargs(self) -> dict[str, Any]:
        return {}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


def _min_side(spec: CheckpointSpec, size: int) -> int:
    """The smallest side a JPEG may be decoded at (``Image.draft``): what the resize needs."""
    return max(spec.image.resize_for(size), size)


class TextInputMixin:
    """Texts: lists, arrays or Series of str, tokenized by the checkpoint's tokenizer per batch."""

    _modality = "text"
    _saved_fields = {"max_length_": integer(1)}

    def _check_inputs(self, X: Any) -> list[str]:
        return as_texts(X)

    def _prepare_inputs(self, spec: CheckpointSpec) -> dict[str, Any]:
        tokenizer = load_tokenizer(spec)
        max_length = int(self.max_length or spec.text.max_length)
        model_max = getattr(tokenizer, "model_max_length", None)
        if isinstance(model_max, int) and model_max < 100_000:
            max_length = min(max_length, model_max)
        return {
            "tokenizer": tokenizer,
            "max_length": max_length,
            "fitted": {"tokenizer_": tokenizer, "max_length_": max_length},
        }

    def _fitted_prep(self) -> dict[str, Any]:
        return {"tokenizer": self.tokenizer_, "max_length": self.max_length_}

    def _restore_inputs(self, spec: CheckpointSpec, state: dict, saved: Any, trust: bool) -> dict:
        return {"tokenizer_": saved.tokenizer(trust)}

    def _prep_signature(self, prep: dict[str, Any]) -> str:
        tokenizer = prep["tokenizer"]
        return f"{type(tokenizer).__name__}|{tokenizer.name_or_path}|{len(tokenizer)}|{prep['max_length']}"

    def _make_dataset(
        self, inputs: list[str], prep: dict[str, Any], y: Any, idx: np.ndarray, training: bool
    ):
        return TextDataset([inputs[i] for i in idx], prep["tokenizer"], prep["max_length"], y)

    def _inference_order(self, inputs: list[str]) -> np.ndarray | None:
        return np.argsort([-len(t) for t in inputs], kind="stable")

    def _pooling_kwargs(self) -> dict[str, Any]:
        return {"pooling": self.pooling} if self.pooling else {}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.one_d_array = True
        return tags
