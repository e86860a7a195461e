"""`CheckpointSpec`: everything the zoo knows about one checkpoint, before any weight is loaded."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal

Modality = Literal["image", "text"]

SOURCES = ("torchvision", "timm", "hf", "local", "package", "torchhub", "keras", "tfhub")


INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos")
CROPS = ("center", "center_floor", "squash")


@dataclass(frozen=True)
class ImagePreprocessing:
    """How images must be prepared for a checkpoint: the values it was trained with.

    Images are resized, cropped to a square, scaled to [0, 1] and normalized with ``mean`` and
    ``std``. ``crop="center"`` resizes the shorter side to :meth:`resize_for` and center-crops a
    square, its offsets rounded half to even (torchvision's ``CenterCrop``, used by torchvision
    and timm); ``"center_floor"`` is the same with the offsets rounded down (Hugging Face image
    processors); ``"squash"`` resizes to a square without keeping the aspect ratio and crops
    nothing (Hugging Face's ``ViTImageProcessor``).

    Parameters
    ----------
    size : int, default=224
        Side of the square crop the network sees.
    resize : int or None, default=None
        Shorter side before the crop at ``size``; ``None`` is timm's ``floor(size / crop_pct)``.
    crop_pct : float, default=0.875
        Share of the resized image the crop keeps.
    mean, std : tuple of 3 float, default=ImageNet's
        Per-channel normalization.
    interpolation : {"bilinear", "bicubic", "nearest", "lanczos"}, default="bilinear"
        Resampling of the resize.
    crop : {"center", "center_floor", "squash"}, default="center"
        How the square is cut, as above.

    See Also
    --------
    CheckpointSpec : The card that holds it.

    Examples
    --------
    >>> from sklearn_zoo import get_checkpoint
    >>> get_checkpoint("efficientnet_lite0").image.mean
    (0.5, 0.5, 0.5)
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
        """The side images are resized to before a center crop of ``size``.

        The card's ``resize`` at its own size when it gives one; otherwise timm's rule,
        ``floor(size / crop_pct)``. ``crop="squash"`` resizes both sides to ``size``.

        Parameters
        ----------
        size : int, default=None
            The crop's side; ``None`` is the card's own ``size``.

        Returns
        -------
        int
            The resized side (the shorter one, or both for ``"squash"``).
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
    """How texts are tokenized and pooled for a checkpoint.

    The estimators' ``max_length`` and ``pooling`` parameters override these when given.

    Parameters
    ----------
    tokenizer : str or None, default=None
        A tokenizer to load instead of the one stored with the checkpoint.
    max_length : int, default=256
        Longer texts are truncated to this many tokens.
    pooling : {"mean", "cls", "max", "last", "pooler"}, default="mean"
        How token states become one vector.

    See Also
    --------
    CheckpointSpec : The card that holds it.

    Examples
    --------
    >>> from sklearn_zoo import get_checkpoint
    >>> get_checkpoint("all-MiniLM-L6-v2").text.pooling
    'mean'
    """

    tokenizer: str | None = None  # None: the tokenizer stored with the checkpoint
    max_length: int = 256
    pooling: Literal["mean", "cls", "max", "last", "pooler"] = "mean"


@dataclass(frozen=True)
class CheckpointSpec:
    """A checkpoint card: where the weights come from, how to feed them, and what they are.

    Everything the zoo knows about a checkpoint before any weight is loaded; ``sklearn-zoo info``
    prints it, and :func:`~sklearn_zoo.register_checkpoint` adds a new one to the zoo.

    Specs compare by every field, hash by ``(name, source, identifier)``, and come back from
    :func:`dataclasses.asdict` as ``CheckpointSpec(**fields)`` (nested specs included).

    Parameters
    ----------
    name : str
        The catalogue name (``"resnet18"``) or the name a user typed (``"timm:resnet50"``).
    source : {"torchvision", "timm", "hf", "local", "package", "torchhub", "keras", "tfhub"}
        Which loader brings the weights.
    identifier : str
        What the source needs: a torchvision builder, a timm model name, a Hugging Face id,
        a local path, or a package name.
    modality : {"image", "text"}
        What the checkpoint embeds.
    family : str
        The backbone adapter that gives the model the common face (blocks, features, freezing);
        ``"auto"`` detects it from the loaded model.
    image : ImagePreprocessing, default=None
        Image checkpoints: the preprocessing (``None`` is the ImageNet default).
    text : TextPreprocessing, default=None
        Text checkpoints: tokenization and pooling (``None`` is the default).
    feature_dim : int, default=None
        Width of the pooled features.
    num_blocks : int, default=None
        Blocks ``freeze_depth`` counts, stem first.
    num_params : int, default=None
        Parameters, as the source reports them.
    license : str, default="NOASSERTION"
        The weights' license, as an SPDX identifier (``"Apache-2.0"``, ``"MIT"``) or expression;
        ``"NOASSERTION"`` where their authors state none. ``list_checkpoints(license=...)``
        filters on it and ``SKLEARN_ZOO_ALLOWED_LICENSES`` checks it (see
        :mod:`sklearn_zoo.zoo.licenses`).
    code_license : str or None, default=None
        The SPDX license of the code that builds the model, where it differs from the weights'
        (torchvision's code is BSD-3-Clause, its weights state no license); ``None``: the same.
    license_notes : str, default=""
        Terms beyond the SPDX identifiers: the training data's (ImageNet's non-commercial
        research terms), or a wheel that declares no license.
    license_source : str, default=""
        Where the license was read: the model card or repository.
    paper : str, default=""
        Where the model is described.
    training_data : str, default=""
        What the weights were trained on.
    limitations : str, default=""
        Known limitations and biases.
    description : str, default=""
        One line about the checkpoint.
    options : dict, default={}
        Source-specific settings: the torchvision weights enum, the architecture of a local
        state dict, a hub revision, ``trust_remote_code``, the fallback of a packaged checkpoint.
    aliases : tuple of str, default=()
        Other names the catalogue knows it by.
    architecture : CheckpointSpec, optional
        For weights that come without their architecture (a ``local`` weights file, a
        ``package`` state dict): the resolved spec of the model they are loaded into. The
        registry fills it from ``options["architecture"]``, a name such as ``"timm:resnet50"``.

    See Also
    --------
    get_checkpoint : The card of a name.

    Examples
    --------
    >>> from sklearn_zoo import get_checkpoint
    >>> spec = get_checkpoint("resnet18")
    >>> spec.source, spec.family, spec.num_blocks, spec.feature_dim
    ('torchvision', 'torchvision.resnet', 5, 512)
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
    license: str = "NOASSERTION"
    code_license: str | None = None
    license_notes: str = ""
    license_source: str = ""
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
        """Return a copy of the card with some fields changed.

        Parameters
        ----------
        **changes
            New values of fields, e.g. ``name="team-resnet"``.

        Returns
        -------
        spec : CheckpointSpec
            The new card; this one is unchanged (cards are frozen).
        """
        return dataclasses.replace(self, **changes)

    def card(self) -> dict[str, Any]:
        """Return the card as a dict of plain values.

        Returns
        -------
        card : dict
            Every field, preprocessing as nested dicts (what ``sklearn-zoo info --json`` prints).
        """
        out = dataclasses.asdict(self)
        out["options"] = {k: v for k, v in self.options.items() if not callable(v)}
        out["architecture"] = self.architecture.name if self.architecture else None
        return out


_NESTED = {"image": ImagePreprocessing, "text": TextPreprocessing, "architecture": CheckpointSpec}
