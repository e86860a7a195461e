"""An exponential moving average of the weights a stage trains (``ema_decay``), through
``torch.optim.swa_utils.AveragedModel``: validated on, and kept at the end of the stage."""

from __future__ import annotations

from typing import Any

import torch
from skorch.callbacks import Callback, EarlyStopping
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from ._train import trainable_state


class WeightAverage(Callback):
    """After every optimizer step the average moves ``1 - decay`` of the way to the weights.
    Each epoch's validation (and the guard's or early stopping's copy of the best epoch) sees
    the averaged weights; training goes on from the live ones; the stage ends with the average
    (or with the best epoch that early stopping restores)."""

    def __init__(self, decay: float) -> None:
        self.decay = decay

    def initialize(self) -> WeightAverage:
        self.average_: AveragedModel | None = None
        self._live: dict[str, torch.Tensor] | None = None
        return self

    def on_train_begin(self, net: Any, **kwargs: Any) -> None:
        self.average_ = AveragedModel(
            net.module_, multi_avg_fn=get_ema_multi_avg_fn(self.decay), use_buffers=True
        )

    def on_batch_end(self, net: Any, training: bool = False, **kwargs: Any) -> None:
        if training:
            self.average_.update_parameters(net.module_)

    def on_batch_begin(self, net: Any, training: bool = False, **kwargs: Any) -> None:
        if not training and self._live is None:  # the epoch's validation starts
            self._live = trainable_state(net.module_)
            self._load_average(net)

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        if self._live is not None:
            net.module_.load_state_dict(self._live, strict=False)
            self._live = None

    def on_train_end(self, net: Any, **kwargs: Any) -> None:
        restored = any(isinstance(cb, EarlyStopping) and cb.load_best for _, cb in net.callbacks_)
        if not restored:
            self._load_average(net)
        self.average_ = None

    def _load_average(self, net: Any) -> None:
        net.module_.load_state_dict(self.average_.module.state_dict())
