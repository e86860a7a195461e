"""`CheckpointSpec`: everything the zoo knows about one checkpoint, before any weight is loaded."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal

Modality = Literal["image", "text"]

SOURCES = ("torchvision", "timm", "hf", "local", "package")


INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos")
CROPS = ("center", "center_floor", "squash")


@dataclass(frozen=True)
class ImagePreprocessing:
    """How images must be prepared for a checkpoint (the values it was trained with).

    ``crop="center"`` resizes the shorter side to :meth:`resize_for` and center-crops a square,
    its offsets rounded half to even (torchvision's ``CenterCrop``, used by torchvision and timm);
    ``"center_floor"`` is the same with the offsets rounded down (Hugging Face image processors);
    ``"squash"`` resizes to a square without keeping the aspect ratio and crops nothing (Hugging
    Face's ``ViTImageProcessor``).
    """

    size: int = 224
    resize: int | None = None  # shorter side before the center crop; None = timm's rule
    crop_pct: float = 0.875
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    interpolation: str = "bilinear"
    crop: Literal["center", "center_floor", "squash"] = "center"

    def __post_init__(self) -> None:
        if self.interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"interpolation must be one of {INTERPOLATIONS}. Got {self.interpolation!r} instead."
            )
        if self.crop not in CROPS:
            raise ValueError(f"crop must be one of {CROPS}. Got {self.crop!r} instead.")

    def resize_for(self, size: int | None = None) -> int:
        """The side images are resized to before a center crop of ``size`` (default: ``self.size``).

        The card's ``resize`` at its own size when it gives one; otherwise timm's rule,
        ``floor(size / crop_pct)``. ``crop="squash"`` resizes both sides to ``size``.
        """
        size = self.size if size is None else int(size)
        if self.crop == "squash":
            return size
        if self.resize is not None and size == self.size:
            return self.resize
        return math.floor(size / self.crop_pct)

    @property
    def resize_size(self) -> int:
        return self.resize_for()


@dataclass(frozen=True)
class TextPreprocessing:
    """How texts are tokenized for a checkpoint."""

    tokenizer: str | None = None  # None: the tokenizer stored with the checkpoint
    max_length: int = 256
    pooling: Literal["mean", "cls", "pooler"] = "mean"


@dataclass(frozen=True)
class CheckpointSpec:
    """A checkpoint card: where the weights come from, how to feed them, and what they are.

    Specs compare by every field, hash by ``(name, source, identifier)``, and come back from
    :func:`dataclasses.asdict` as ``CheckpointSpec(**fields)`` (nested specs included).

    Parameters
    ----------
    name : str
        The catalogue name (``"resnet18"``) or the name a user typed (``"timm:resnet50"``).
    source : {"torchvision", "timm", "hf", "local", "package"}
        Which loader brings the weights.
    identifier : str
        What the source needs: a torchvision builder, a timm model name, a Hugging Face id,
        a local path, or a package name.
    modality : {"image", "text"}
    family : str
        The backbone adapter that gives the model the common face (blocks, features, freezing).
    architecture : CheckpointSpec, optional
        For weights that come without their architecture (a ``local`` weights file, a
        ``package`` state dict): the resolved spec of the model they are loaded into. The
        registry fills it from ``options["architecture"]``, a name such as ``"timm:resnet50"``.
    """

    name: str
    source: str
    identifier: str
    modality: Modality
    family: str
    image: ImagePreprocessing | None = None
    text: TextPreprocessing | None = None
    feature_dim: int | None = None
    num_blocks: int | None = None
    num_params: int | None = None
    license: str = "unknown"
    paper: str = ""
    training_data: str = ""
    limitations: str = ""
    description: str = ""
    # source-specific options: torchvision weights enum, the name of a weights file's
    # architecture, revision for the hub, package fallback ...
    options: dict[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    architecture: CheckpointSpec | None = None

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}. Got {self.source!r} instead.")
        if self.modality not in ("image", "text"):
            raise ValueError(f"modality must be 'image' or 'text'. Got {self.modality!r} instead.")
        for name, kind in _NESTED.items():  # fields read back from JSON: dicts
            if isinstance(getattr(self, name), dict):
                object.__setattr__(self, name, kind(**getattr(self, name)))
        if self.modality == "image" and self.image is None:
            object.__setattr__(self, "image", ImagePreprocessing())
        if self.modality == "text" and self.text is None:
            object.__setattr__(self, "text", TextPreprocessing())

    def __hash__(self) -> int:  # options is a dict: equal specs still hash alike
        return hash((self.name, self.source, self.identifier))

    def replace(self, **changes: Any) -> CheckpointSpec:
        return dataclasses.replace(self, **changes)

    def card(self) -> dict[str, Any]:
        """The spec as a flat dict (for ``sklearn-zoo info`` and the docs catalogue)."""
        out = dataclasses.asdict(self)
        out["options"] = {k: v for k, v in self.options.items() if not callable(v)}
        out["architecture"] = self.architecture.name if self.architecture else None
        return out


_NESTED = {"image": ImagePreprocessing, "text": TextPreprocessing, "architecture": CheckpointSpec}
