"""`CheckpointSpec`: everything the zoo knows about one checkpoint, before any weight is loaded."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

Modality = Literal["image", "text"]

SOURCES = ("torchvision", "timm", "hf", "local", "package")


@dataclass(frozen=True)
class ImagePreprocessing:
    """How images must be prepared for a checkpoint (the values it was trained with)."""

    size: int = 224
    resize: int | None = None  # shorter side before the center crop; None = size / crop_pct
    crop_pct: float = 0.875
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    interpolation: str = "bilinear"

    @property
    def resize_size(self) -> int:
        if self.resize is not None:
            return self.resize
        return int(round(self.size / self.crop_pct))


@dataclass(frozen=True)
class TextPreprocessing:
    """How texts are tokenized for a checkpoint."""

    tokenizer: str | None = None  # None: the tokenizer stored with the checkpoint
    max_length: int = 256
    pooling: Literal["mean", "cls", "max", "last", "pooler"] = "mean"


@dataclass(frozen=True)
class CheckpointSpec:
    """A checkpoint card: where the weights come from, how to feed them, and what they are.

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
    # source-specific options: torchvision weights enum, architecture for a local state dict,
    # revision for the hub, package fallback, key mapping ...
    options: dict[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}. Got {self.source!r} instead.")
        if self.modality not in ("image", "text"):
            raise ValueError(f"modality must be 'image' or 'text'. Got {self.modality!r} instead.")
        if self.modality == "image" and self.image is None:
            object.__setattr__(self, "image", ImagePreprocessing())
        if self.modality == "text" and self.text is None:
            object.__setattr__(self, "text", TextPreprocessing())

    def replace(self, **changes: Any) -> CheckpointSpec:
        return dataclasses.replace(self, **changes)

    def card(self) -> dict[str, Any]:
        """The spec as a flat dict (for ``sklearn-zoo info`` and the docs catalogue)."""
        out = dataclasses.asdict(self)
        out["options"] = {k: v for k, v in self.options.items() if not callable(v)}
        return out
