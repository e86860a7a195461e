"""Fine-tuning estimators on images: :class:`PretrainedImageClassifier`, :class:`PretrainedImageRegressor`."""

from __future__ import annotations

from typing import Any

from ._adapter import ADAPTER_CONSTRAINTS
from ._base import COMMON_CONSTRAINTS, ZooEstimatorMixin
from ._docs import ATTRS_DOC, params_doc, see_also
from ._modalities import IMAGE_CONSTRAINTS, ImageInputMixin
from ._tasks import (
    CLASS_WEIGHT_CONSTRAINT,
    LABEL_SMOOTHING_CONSTRAINT,
    ZooClassifierMixin,
    ZooRegressorMixin,
)


class PretrainedImageClassifier(ImageInputMixin, ZooClassifierMixin, ZooEstimatorMixin):
    __doc__ = (
        """Fine-tune a pretrained image checkpoint as a classifier.

    Accepts images as a uint8, uint16 or float array (N, H, W, C), (N, C, H, W) or (N, H, W) (one
    (H, W, 3) image is refused: pass ``X[None]``), a list of file paths (decoded lazily, batch by
    batch, turned as their EXIF orientation says), or PIL images. ``y`` may be labels of any type, or a
    2-D 0/1 indicator matrix for multi-label classification.
    """
        + params_doc("efficientnet_lite0", "image", classifier=True)
        + ATTRS_DOC
        + """    preprocess_ : torchvision transform
        The preprocessing applied to every image at prediction time.
    classes_ : ndarray
        The class labels.
"""
        + see_also(
            ("PretrainedImageRegressor", "The same for a continuous target."),
            ("ImageEmbedder", "The frozen checkpoint's features, for any scikit-learn model."),
            ("PretrainedTextClassifier", "The same on texts."),
        )
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_zoo import PretrainedImageClassifier
    >>> digits = load_digits()
    >>> X = (digits.images[:60] * 16).astype(np.uint8)
    >>> clf = PretrainedImageClassifier("efficientnet_lite0", image_size=64, max_epochs=2, random_state=0)
    >>> clf.fit(X, digits.target[:60]).predict(X[:3]).shape
    (3,)
    """
    )

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        **ADAPTER_CONSTRAINTS,
        **IMAGE_CONSTRAINTS,
        **CLASS_WEIGHT_CONSTRAINT,
        **LABEL_SMOOTHING_CONSTRAINT,
    }

    def __init__(
        self,
        checkpoint: Any = "efficientnet_lite0",
        *,
        strategy: str = "auto",
        freeze_depth: Any = 0,
        head_size: Any = (),
        head_dropout: float = 0.0,
        head_norm: str | None = None,
        adapter: str | None = None,
        adapter_rank: int = 8,
        adapter_alpha: float | None = None,
        adapter_dropout: float = 0.0,
        adapter_targets: Any = "auto",
        lr: float = 1e-3,
        backbone_lr_scale: float = 1.0,
        max_epochs: int | None = None,
        time_budget: Any = None,
        batch_size: int = 32,
        weight_decay: float = 0.01,
        warmup_fraction: float = 0.1,
        schedule: str = "cosine",
        ema_decay: float | None = None,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        class_weight: Any = None,
        label_smoothing: float = 0.0,
        image_size: int | None = None,
        augment: Any = False,
        tta: bool = False,
        max_image_pixels: int | None = 40_000_000,
        pretrained: bool = True,
        cache: bool = True,
        warm_start: bool = False,
        device: str = "auto",
        precision: str = "auto",
        grad_accumulation_steps: int = 1,
        accelerate: bool = False,
        compile: bool = False,
        num_workers: int | str = "auto",
        random_state: Any = None,
        verbose: int = 0,
        net_params: dict | None = None,
    ) -> None:
        vars(self).update({k: v for k, v in locals().items() if k != "self"})


class PretrainedImageRegressor(ImageInputMixin, ZooRegressorMixin, ZooEstimatorMixin):
    __doc__ = (
        """Fine-tune a pretrained image checkpoint as a regressor (one or several outputs).

    Accepts the same images as :class:`PretrainedImageClassifier`. The target is standardized for
    training and predictions come back in its original units.
    """
        + params_doc("efficientnet_lite0", "image")
        + ATTRS_DOC
        + see_also(
            ("PretrainedImageClassifier", "The same for class labels."),
            ("ImageEmbedder", "The frozen checkpoint's features, for any scikit-learn model."),
        )
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_zoo import PretrainedImageRegressor
    >>> digits = load_digits()
    >>> X = (digits.images[:40] * 16).astype(np.uint8)
    >>> reg = PretrainedImageRegressor(image_size=64, max_epochs=2, random_state=0)
    >>> reg.fit(X, digits.target[:40].astype(float)).predict(X[:2]).shape
    (2,)
    """
    )

    _parameter_constraints = {**COMMON_CONSTRAINTS, **ADAPTER_CONSTRAINTS, **IMAGE_CONSTRAINTS}

    def __init__(
        self,
        checkpoint: Any = "efficientnet_lite0",
        *,
        strategy: str = "auto",
        freeze_depth: Any = 0,
        head_size: Any = (),
        head_dropout: float = 0.0,
        head_norm: str | None = None,
        adapter: str | None = None,
        adapter_rank: int = 8,
        adapter_alpha: float | None = None,
        adapter_dropout: float = 0.0,
        adapter_targets: Any = "auto",
        lr: float = 1e-3,
        backbone_lr_scale: float = 1.0,
        max_epochs: int | None = None,
        time_budget: Any = None,
        batch_size: int = 32,
        weight_decay: float = 0.01,
        warmup_fraction: float = 0.1,
        schedule: str = "cosine",
        ema_decay: float | None = None,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        image_size: int | None = None,
        augment: Any = False,
        tta: bool = False,
        max_image_pixels: int | None = 40_000_000,
        pretrained: bool = True,
        cache: bool = True,
        warm_start: bool = False,
        device: str = "auto",
        precision: str = "auto",
        grad_accumulation_steps: int = 1,
        accelerate: bool = False,
        compile: bool = False,
        num_workers: int | str = "auto",
        random_state: Any = None,
        verbose: int = 0,
        net_params: dict | None = None,
    ) -> None:
        vars(self).update({k: v for k, v in locals().items() if k != "self"})
