"""The modality half of an estimator: how images or texts become datasets for the network.
The image half imports torchvision on first use, so text estimators never load it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np

from .._compat import Interval, StrOptions
from ..inputs import DEFAULT_MAX_PIXELS, TextDataset, as_texts
from ..loading import load_tokenizer
from ..zoo import CheckpointSpec
from ._saving import integer

# the largest image side a saved estimator may ask its inputs to be resized to
MAX_IMAGE_SIDE = 8192

IMAGE_CONSTRAINTS = {
    "image_size": [Interval(Integral, 8, None, closed="left"), None],
    "augment": ["boolean", StrOptions({"light", "strong"}), callable],
    "max_image_pixels": [Interval(Integral, 1, None, closed="left"), None],
    "tta": ["boolean"],
}
TEXT_CONSTRAINTS = {
    "max_length": [Interval(Integral, 1, None, closed="left"), None],
    "pooling": [StrOptions({"mean", "cls", "max", "last", "pooler"}), None],
}


@dataclass(frozen=True)
class ImagePrepared:
    """An image checkpoint's preprocessing at the fitted size: evaluation and training transforms,
    and the limits image files are decoded within."""

    transform: Callable
    train_transform: Callable
    size: int
    min_side: int  # the smallest side a JPEG may be decoded at (``Image.draft``)
    max_pixels: int | None  # the estimator's ``max_image_pixels``
    shrink: Callable | None = None  # the eval transform's first resize (images stored once)

    @property
    def augments(self) -> bool:
        """Whether training images are random: the probe then trains on the clean images'
        frozen features, computed once, and fine-tuning on the augmented images."""
        return self.train_transform is not self.transform

    def dataset(self, inputs: Any, idx: np.ndarray, y: Any = None, training: bool = False) -> Any:
        from ..inputs.images import ImageDataset

        transform = self.train_transform if training else self.transform
        return ImageDataset(inputs.subset(idx), transform, y, self.max_pixels, self.min_side)

    def inference_order(self, inputs: Any, idx: np.ndarray) -> np.ndarray:
        return idx

    def once(self, inputs: Any) -> Any:
        """``inputs`` for a fit that reads them every epoch: image files (and PIL images)
        decoded and resized once, then kept (see :mod:`sklearn_zoo.inputs.decoded`)."""
        from ..inputs.decoded import DecodedImages, DecodedSource

        if self.shrink is None or inputs.tensor is not None:  # arrays: in memory already
            return inputs
        images = DecodedImages(
            inputs, self.shrink, max_pixels=self.max_pixels, min_side=self.min_side
        )
        return DecodedSource(images)

    def signature(self) -> str:
        """What the feature cache keys on."""
        return repr(self.transform)

    def attributes(self) -> dict[str, Any]:
        """The fitted attributes that hold it."""
        return {"preprocess_": self.transform, "image_size_": self.size}


@dataclass(frozen=True)
class TextPrepared:
    """A text checkpoint's tokenizer and truncation length."""

    tokenizer: Any
    max_length: int
    augments = False

    def dataset(
        self, inputs: list[str], idx: np.ndarray, y: Any = None, training: bool = False
    ) -> TextDataset:
        return TextDataset([inputs[i] for i in idx], self.tokenizer, self.max_length, y)

    def inference_order(self, inputs: list[str], idx: np.ndarray) -> np.ndarray:
        """``idx`` longest text first: batches of similar lengths pad less."""
        return idx[np.argsort([-len(inputs[i]) for i in idx], kind="stable")]

    def once(self, inputs: list[str]) -> list[str]:
        return inputs  # tokenized per batch: nothing to decode

    def signature(self) -> str:
        """What the feature cache keys on."""
        tok = self.tokenizer
        return f"{type(tok).__name__}|{tok.name_or_path}|{len(tok)}|{self.max_length}"

    def attributes(self) -> dict[str, Any]:
        """The fitted attributes that hold it."""
        return {"tokenizer_": self.tokenizer, "max_length_": self.max_length}


Prepared = ImagePrepared | TextPrepared


class ImageInputMixin:
    """Images: arrays (NHWC/NCHW, uint8/uint16/float), file paths, PIL images; files are decoded
    with the estimator's ``max_image_pixels`` and never below the resize its checkpoint needs."""

    _modality = "image"
    _saved_fields = {"image_size_": integer(8, MAX_IMAGE_SIDE)}

    def _check_inputs(self, X: Any):
        from ..inputs.images import as_image_source

        return as_image_source(X)

    def _prepare_inputs(self, spec: CheckpointSpec) -> ImagePrepared:
        from ..inputs.transforms import first_resize, make_transform

        size = self.image_size or spec.image.size
        evaluate = make_transform(spec.image, size)
        train = make_transform(spec.image, size, self.augment) if self.augment else evaluate
        min_side, shrink = _min_side(spec, size), first_resize(spec.image, size)
        return ImagePrepared(evaluate, train, size, min_side, _max_pixels(self), shrink)

    def _fitted_prep(self, flip: bool = False) -> ImagePrepared:
        """The fitted preprocessing; ``flip`` mirrors the images left to right after it."""
        from ..inputs.transforms import mirrored

        size = self.image_size_
        min_side = _min_side(self.spec_, size)
        transform = mirrored(self.preprocess_) if flip else self.preprocess_
        return ImagePrepared(transform, transform, size, min_side, _max_pixels(self))

    def _restore_inputs(self, spec: CheckpointSpec, state: dict, saved: Any, trust: bool) -> dict:
        from ..inputs.transforms import make_transform

        size = state["image_size_"]
        if size / spec.image.crop_pct > MAX_IMAGE_SIDE:
            raise ValueError(
                f"fitted.json: 'spec_'.image.crop_pct ({spec.image.crop_pct}) resizes images to "
                f"{size / spec.image.crop_pct:.0f} pixels a side, more than {MAX_IMAGE_SIDE}."
            )
        return {"preprocess_": make_transform(spec.image, size)}

    def _pooling_kwargs(self) -> dict[str, Any]:
        return {}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


def _max_pixels(estimator: Any) -> int | None:
    # an estimator pickled before max_image_pixels existed gets the default
    return getattr(estimator, "max_image_pixels", DEFAULT_MAX_PIXELS)


def _min_side(spec: CheckpointSpec, size: int) -> int:
    """The smallest side a JPEG may be decoded at (``Image.draft``): what the resize needs."""
    return max(spec.image.resize_for(size), size)


class TextInputMixin:
    """Texts: lists, arrays or Series of str, tokenized by the checkpoint's tokenizer per batch."""

    _modality = "text"
    _saved_fields = {"max_length_": integer(1)}

    def _check_inputs(self, X: Any) -> list[str]:
        return as_texts(X)

    def _prepare_inputs(self, spec: CheckpointSpec) -> TextPrepared:
        tokenizer = load_tokenizer(spec)
        max_length = int(self.max_length or spec.text.max_length)
        model_max = getattr(tokenizer, "model_max_length", None)
        if isinstance(model_max, int) and model_max < 100_000:
            max_length = min(max_length, model_max)
        return TextPrepared(tokenizer, max_length)

    def _fitted_prep(self) -> TextPrepared:
        return TextPrepared(self.tokenizer_, self.max_length_)

    def _restore_inputs(self, spec: CheckpointSpec, state: dict, saved: Any, trust: bool) -> dict:
        return {"tokenizer_": saved.tokenizer(trust)}

    def _pooling_kwargs(self) -> dict[str, Any]:
        return {"pooling": self.pooling} if self.pooling else {}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.one_d_array = True
        return tags
