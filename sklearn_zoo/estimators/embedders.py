"""Feature extractors: :class:`ImageEmbedder` and :class:`TextEmbedder` (fit loads, transform embeds)."""

from __future__ import annotations

import io
from numbers import Integral
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, StrOptions
from ..features import FeatureIdentity, FrozenFeatures, stream
from ..loading import load_backbone
from ..runtime import Runtime, autocast_dtype, resolve_device, resolve_num_workers
from ..zoo import CheckpointSpec, get_checkpoint
from ._base import _article
from ._card import ModelCardMixin, base_digest, embedder_card
from ._docs import DOC_LINK_TEMPLATE
from ._modalities import IMAGE_CONSTRAINTS, TEXT_CONSTRAINTS, ImageInputMixin, TextInputMixin
from ._saving import SaveLoadMixin, cache_key

_CONSTRAINTS = {
    "checkpoint": [str, CheckpointSpec],
    "normalize": ["boolean"],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "device": [str],
    "precision": [StrOptions({"auto", "fp32", "bf16"})],
    "num_workers": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
    "cache": ["boolean"],
    "verbose": ["verbose"],
}


class _EmbedderMixin(
    ModelCardMixin, SaveLoadMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    _doc_link_module = "sklearn_zoo"
    _doc_link_template = DOC_LINK_TEMPLATE

    def fit(self, X: Any = None, y: Any = None) -> _EmbedderMixin:
        """Load the checkpoint, frozen and in eval mode.

        Parameters
        ----------
        X : images or texts, default=None
            Checked when given (see the class docstring for the accepted forms), not learned from.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted embedder.
        """
        self._validate_params()
        if X is not None:
            self._check_inputs(X)
        spec = get_checkpoint(self.checkpoint)
        self._check_modality(spec)
        device = resolve_device(self.device, type(self).__name__)
        backbone = load_backbone(spec, **self._pooling_kwargs())
        digest = base_digest(backbone, pretrained=True)
        prepared = self._prepare_inputs(spec)
        identity = FeatureIdentity(spec, True, None, self._pooling_kwargs(), prepared.signature())
        runtime = Runtime.on(device, self.precision, self._modality)
        # the rows these weights give: shared with every fit that has them
        key = FrozenFeatures.key_of(identity, backbone.num_blocks, runtime, autocast=True)
        # everything is computed first: a failed fit leaves the estimator as it was
        vars(self).pop("_saved_rows_key", None)  # the rows of a loaded folder are not these
        state = self._fitted_state(backbone, spec, device, prepared.attributes())
        card = embedder_card(type(self).__name__, spec, digest, state)
        vars(self).update({**state, "prefix_key_": key, "model_card_": card})
        return self

    def _fitted_state(
        self, backbone: Any, spec: CheckpointSpec, device: str, prep: dict
    ) -> dict[str, Any]:
        """The fitted attributes around a loaded ``backbone`` (``fit`` and ``load``)."""
        backbone.freeze("all")
        runtime = Runtime.on(device, self.precision, self._modality)
        return {
            "backbone_": runtime.arrange(backbone, trainable=False).to(device).eval(),
            "spec_": spec,
            "device_": device,
            "autocast_dtype_": runtime.autocast_dtype,
            "_n_features_out": backbone.num_features,
            **prep,
        }

    def transform(self, X: Any) -> np.ndarray:
        """Embed ``X`` with the checkpoint's pooled features.

        Parameters
        ----------
        X : images or texts
            See the class docstring for the accepted forms.

        Returns
        -------
        embeddings : ndarray of shape (n_samples, n_features)
            The embeddings in float32, each row L2-normalized if ``normalize``.
        """
        check_is_fitted(self, "backbone_")
        inputs = self._check_inputs(X)
        frozen = FrozenFeatures(
            self.backbone_,
            self.backbone_.num_blocks,
            Runtime(self.device_, self.autocast_dtype_, self._modality),
            batch_size=self.batch_size,
            **(self._cache_keys() if self.cache else {}),
            autocast=True,
            max_bytes=None,
            num_workers=resolve_num_workers(self.num_workers, inputs, self.batch_size),
        )
        out = stream(
            self._fitted_prep(),
            inputs,
            lambda dataset: frozen.rows(dataset).numpy(),
            batch_size=self.batch_size,
            verbose=getattr(self, "verbose", 0),  # embedders pickled before it existed: silent
        )
        if self.normalize:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    def _check_modality(self, spec: CheckpointSpec) -> None:
        if spec.modality != self._modality:
            other = "TextEmbedder" if spec.modality == "text" else "ImageEmbedder"
            raise ValueError(
                f"Checkpoint {spec.name!r} is {_article(spec.modality)} {spec.modality} model, and {type(self).__name__} embeds "
                f"{self._modality}s. Use {other}, or {_article(self._modality)} {self._modality} checkpoint."
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        if tags.transformer_tags is not None:  # networks compute and return float32
            tags.transformer_tags.preserves_dtype = ["float32"]
        tags.requires_fit = True
        return tags

    # -- pickling ---------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # object.__getstate__ is vars(self) itself
        if "backbone_" in state:  # saved apart, as skorch saves a net's modules
            buffer = io.BytesIO()
            torch.save(state["backbone_"], buffer)
            state["backbone_"] = buffer.getvalue()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state.get("backbone_"), bytes):
            from skorch.utils import get_map_location

            # a device this machine has: the CPU (with a DeviceWarning) when the fit's GPU is missing
            device = get_map_location(state["device_"])
            # a whole module, as unpickling this estimator is anyway: pickle is the trusted path
            state["backbone_"] = torch.load(
                io.BytesIO(state["backbone_"]), map_location=device, weights_only=False
            )
            state["device_"] = str(device)
            state["autocast_dtype_"] = autocast_dtype(state["precision"], state["device_"])
        super().__setstate__(state)

    # -- persistence (SaveLoadMixin) ------------------------------------------------------
    _saved_fields = {"prefix_key_": cache_key(required=False)}  # older saves have none

    def _network(self) -> Any:
        return self.backbone_

    def _network_from_state(self, backbone: Any, state: dict[str, Any]) -> Any:
        return backbone

    def _restore(self, backbone: Any, state: dict, prep: dict, device: str) -> dict[str, Any]:
        fitted = self._fitted_state(backbone, state["spec_"], device, prep)
        return {**state, "prefix_key_": state.get("prefix_key_"), **fitted}


class ImageEmbedder(ImageInputMixin, _EmbedderMixin):
    """Embed images with a pretrained checkpoint's pooled features (a scikit-learn transformer).

    Its ``fit`` only loads the checkpoint; ``transform`` returns the pooled features of the
    frozen backbone, which any scikit-learn model can then use.

    Parameters
    ----------
    checkpoint : str or CheckpointSpec, default="efficientnet_lite0"
        An image checkpoint: a catalogue name (``sklearn-zoo list --modality image``), a
        ``"source:NAME"`` name, or ``"timm:NAME@weights.safetensors"``.
    image_size : int, default=None
        Side of the square input; ``None`` uses the checkpoint's own.
    max_image_pixels : int or None, default=40_000_000
        Image files with more pixels than this (read from the header, before decoding) are a
        ``ValueError``, except JPEGs that decode at 1/2, 1/4 or 1/8 scale under the limit without
        going below the resize. ``None``: no limit.
    normalize : bool, default=False
        L2-normalize each embedding.
    batch_size : int, default=64
        Images per forward pass.
    device : str, default="auto"
        ``"auto"`` picks cuda, then mps, then cpu.
    precision : {"auto", "fp32", "bf16"}, default="auto"
        ``"auto"`` is bf16 on a GPU that supports it, fp32 elsewhere.
    num_workers : int or "auto", default="auto"
        DataLoader worker processes decoding images in parallel; ``"auto"``: one per CPU less one
        (at most 8) for image files and PIL images, none for arrays.
    cache : bool, default=True
        Keep embeddings in the feature cache (memory + disk), so embedding the same samples again
        (other folds, other pipelines, ``rank_checkpoints``) is free.
    verbose : int, default=0
        ``1`` shows a progress bar in ``transform``; ``0`` prints nothing.

    Attributes
    ----------
    backbone_ : Backbone
        The frozen backbone.
    spec_ : CheckpointSpec
        The checkpoint card that was loaded.

    See Also
    --------
    TextEmbedder : The same for texts.
    PretrainedImageClassifier : Fine-tunes the checkpoint instead of freezing it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_zoo import ImageEmbedder
    >>> images = np.random.default_rng(0).integers(0, 255, (4, 32, 32, 3), dtype=np.uint8)
    >>> ImageEmbedder(image_size=64).fit_transform(images).shape
    (4, 1280)
    """

    _parameter_constraints = {
        **_CONSTRAINTS,
        "image_size": IMAGE_CONSTRAINTS["image_size"],
        "max_image_pixels": IMAGE_CONSTRAINTS["max_image_pixels"],
    }
    augment = False

    def __init__(
        self,
        checkpoint: Any = "efficientnet_lite0",
        *,
        image_size: int | None = None,
        max_image_pixels: int | None = 40_000_000,
        normalize: bool = False,
        batch_size: int = 64,
        device: str = "auto",
        precision: str = "auto",
        num_workers: int | str = "auto",
        cache: bool = True,
        verbose: int = 0,
    ) -> None:
        vars(self).update({k: v for k, v in locals().items() if k != "self"})


class TextEmbedder(TextInputMixin, _EmbedderMixin):
    """Embed texts with a pretrained encoder (a scikit-learn transformer).

    Texts are sorted by length and padded per batch, so batches of short texts stay cheap.

    Parameters
    ----------
    checkpoint : str or CheckpointSpec, default="all-MiniLM-L6-v2"
        A text checkpoint: a catalogue name (``sklearn-zoo list --modality text``), ``"hf:ORG/NAME"``
        or a local transformers directory.
    pooling : {"mean", "cls", "max", "last", "pooler"}, default=None
        How token states become one vector (see :class:`PretrainedTextClassifier`); ``None``
        uses the checkpoint's own: its card's, or the one its sentence-transformers
        configuration names.
    max_length : int, default=None
        Longer texts are truncated to this many tokens.
    normalize : bool, default=False
        L2-normalize each embedding (cosine similarity becomes a dot product).
    batch_size : int, default=64
        Texts per forward pass.
    device : str, default="auto"
        ``"auto"`` picks cuda, then mps, then cpu.
    precision : {"auto", "fp32", "bf16"}, default="auto"
        ``"auto"`` is bf16 on a GPU that supports it, fp32 elsewhere.
    num_workers : int or "auto", default="auto"
        DataLoader worker processes tokenizing in parallel; ``"auto"`` is none (fast tokenizers
        encode a batch in the main process faster than a worker can send it back).
    cache : bool, default=True
        Keep embeddings in the feature cache (memory + disk), so embedding the same samples again
        (other folds, other pipelines, ``rank_checkpoints``) is free.
    verbose : int, default=0
        ``1`` shows a progress bar in ``transform``; ``0`` prints nothing.

    Attributes
    ----------
    backbone_ : Backbone
        The frozen encoder.
    tokenizer_ : transformers tokenizer
        The checkpoint's tokenizer.
    spec_ : CheckpointSpec
        The checkpoint card that was loaded.

    See Also
    --------
    ImageEmbedder : The same for images.
    PretrainedTextClassifier : Fine-tunes the encoder instead of freezing it.

    Examples
    --------
    >>> from sklearn_zoo import TextEmbedder
    >>> emb = TextEmbedder("all-MiniLM-L6-v2", normalize=True).fit()
    >>> v = emb.transform(["A man is eating food.", "A man eats a meal.", "The stock market fell."])
    >>> bool(v[0] @ v[1] > v[0] @ v[2])
    True
    """

    _parameter_constraints = {**_CONSTRAINTS, **TEXT_CONSTRAINTS}

    def __init__(
        self,
        checkpoint: Any = "all-MiniLM-L6-v2",
        *,
        pooling: str | None = None,
        max_length: int | None = None,
        normalize: bool = False,
        batch_size: int = 64,
        device: str = "auto",
        precision: str = "auto",
        num_workers: int | str = "auto",
        cache: bool = True,
        verbose: int = 0,
    ) -> None:
        vars(self).update({k: v for k, v in locals().items() if k != "self"})
