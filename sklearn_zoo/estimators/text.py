"""Fine-tuning estimators on texts: :class:`PretrainedTextClassifier`, :class:`PretrainedTextRegressor`."""

from __future__ import annotations

from numbers import Integral
from typing import Any

from .._compat import Interval, StrOptions
from ._adapter import ADAPTER_CONSTRAINTS
from ._base import COMMON_CONSTRAINTS, ZooEstimatorMixin
from ._docs import ATTRS_DOC, params_doc, see_also
from ._modalities import TEXT_CONSTRAINTS, TextInputMixin
from ._strategy import TEXT_CLASSIFIER_STRATEGIES
from ._tasks import (
    CLASS_WEIGHT_CONSTRAINT,
    LABEL_SMOOTHING_CONSTRAINT,
    ZooClassifierMixin,
    ZooRegressorMixin,
)

_TEXT_ATTRS = """    tokenizer_ : transformers tokenizer
        The checkpoint's tokenizer.
    max_length_ : int
        The truncation length in tokens.
"""


class PretrainedTextClassifier(TextInputMixin, ZooClassifierMixin, ZooEstimatorMixin):
    __doc__ = (
        """Fine-tune a pretrained text encoder as a classifier.

    Accepts texts as a list, array or pandas Series of str. ``y`` may be labels of any type, or a
    2-D 0/1 indicator matrix for multi-label classification.
    """
        + params_doc("all-MiniLM-L6-v2", "text", contrastive=True, classifier=True)
        + ATTRS_DOC
        + _TEXT_ATTRS
        + """    classes_ : ndarray
        The class labels.
"""
        + see_also(
            ("PretrainedTextRegressor", "The same for a continuous target."),
            (
                "TextEmbedder",
                "The frozen encoder's sentence embeddings, for any scikit-learn model.",
            ),
            ("PretrainedImageClassifier", "The same on images."),
        )
        + """
    Examples
    --------
    >>> from sklearn_zoo import PretrainedTextClassifier
    >>> texts = ["great film", "loved it", "wonderful acting", "awful film", "hated it", "terrible acting"]
    >>> labels = ["pos", "pos", "pos", "neg", "neg", "neg"]
    >>> clf = PretrainedTextClassifier("all-MiniLM-L6-v2", random_state=0)
    >>> clf.fit(texts, labels).predict(["a wonderful film", "an awful film"]).tolist()
    ['pos', 'neg']
    >>> clf.strategy_  # 3 labelled texts per class: sentence pairs first, then the head
    'contrastive'
    """
    )

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        **ADAPTER_CONSTRAINTS,
        **TEXT_CONSTRAINTS,
        **CLASS_WEIGHT_CONSTRAINT,
        **LABEL_SMOOTHING_CONSTRAINT,
        "strategy": [StrOptions(set(TEXT_CLASSIFIER_STRATEGIES))],
        "contrastive_pairs": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        checkpoint: Any = "all-MiniLM-L6-v2",
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
        backbone_lr_scale: float = 0.1,
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
        contrastive_pairs: int | None = None,
        max_length: int | None = None,
        pooling: str | None = None,
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


class PretrainedTextRegressor(TextInputMixin, ZooRegressorMixin, ZooEstimatorMixin):
    __doc__ = (
        """Fine-tune a pretrained text encoder as a regressor (one or several outputs).

    Accepts the same texts as :class:`PretrainedTextClassifier`. The target is standardized for
    training and predictions come back in its original units.
    """
        + params_doc("all-MiniLM-L6-v2", "text")
        + ATTRS_DOC
        + _TEXT_ATTRS
        + see_also(
            ("PretrainedTextClassifier", "The same for class labels."),
            (
                "TextEmbedder",
                "The frozen encoder's sentence embeddings, for any scikit-learn model.",
            ),
        )
        + """
    Examples
    --------
    >>> from sklearn_zoo import PretrainedTextRegressor
    >>> texts = ["one star, awful", "two stars, poor", "four stars, good", "five stars, superb"]
    >>> reg = PretrainedTextRegressor(max_epochs=5, random_state=0).fit(texts, [1.0, 2.0, 4.0, 5.0])
    >>> reg.predict(["three stars, fine"]).shape
    (1,)
    """
    )

    _parameter_constraints = {**COMMON_CONSTRAINTS, **ADAPTER_CONSTRAINTS, **TEXT_CONSTRAINTS}

    def __init__(
        self,
        checkpoint: Any = "all-MiniLM-L6-v2",
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
        backbone_lr_scale: float = 0.1,
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
        max_length: int | None = None,
        pooling: str | None = None,
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
