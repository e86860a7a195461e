"""The fit's time: ``time_budget`` parsed, each training stage timed on its first steps, sized to
end within the budget and stopped at an epoch's end when time runs out; the estimate it prints
(``verbose>=1``) or warns about (a long fit at ``verbose=0``), and the ETA of the progress bar."""

from __future__ import annotations

import math
import re
import time
import warnings
from typing import Any

from skorch.callbacks import Callback, LRScheduler

from ..exceptions import LongFitWarning

# the clock every budget reads; tests replace it with a fake one
clock = time.monotonic

# steps timed before a stage's length is estimated (the first one also warms the kernels up)
TIMED_STEPS = 3
# a planned stage longer than this warns once at verbose=0 (scikit-learn users decide fast)
LONG_FIT_SECONDS = 300.0

_UNITS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600}
_BUDGET = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|sec|min|m|h)\s*")


def parse_budget(value: Any, owner: str) -> float | None:
    """``time_budget`` in seconds: None, a positive number of seconds, or "90s", "10min", "1.5h"."""
    if value is None:
        return None
    if isinstance(value, str):
        match = _BUDGET.fullmatch(value)
        if match and float(match[1]) > 0:
            return float(match[1]) * _UNITS[match[2]]
    elif isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < math.inf:
        return float(value)
    raise ValueError(
        f"The 'time_budget' parameter of {owner} must be None, a positive number of seconds, or "
        f'a string such as "90s", "10min" or "1.5h". Got {value!r} instead.'
    )


def deadline_of(value: Any, owner: str) -> float | None:
    """When a fit that starts now must end (on :data:`clock`), or None without a budget."""
    budget = parse_budget(value, owner)
    return None if budget is None else clock() + budget


def duration(seconds: float) -> str:
    """``seconds`` for people: "45s", "3min 20s", "1h 05min"."""
    seconds = max(int(round(seconds)), 0)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}min {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}min"


class StageClock(Callback):
    """Times a stage's first steps, estimates its length, says so (``verbose``) or warns when it
    is long, shows the stage's ETA in the progress bar (``eta``), and under a ``deadline``
    shortens the stage (and its learning-rate schedule) to end in time: after an epoch when the
    next one would not fit, or, with ``cut_first_epoch``, after the first steps when not even
    one fits.

    ``stopped_`` says whether the deadline cut the stage short; ``epoch_seconds_`` is the
    estimated length of an epoch.
    """

    def __init__(
        self,
        stage: str,
        *,
        deadline: float | None,
        hint: str,
        verbose: int,
        warn: bool,
        cut_first_epoch: bool = False,
    ) -> None:
        self.stage = stage
        self.deadline = deadline
        self.hint = hint
        self.verbose = verbose
        self.warn = warn
        self.cut_first_epoch = cut_first_epoch  # a usable model exists without this stage

    def initialize(self) -> StageClock:
        self.stopped_ = False
        self.epoch_seconds_: float | None = None
        self.planned_: int | None = None
        return self

    def on_train_begin(self, net: Any, **kwargs: Any) -> None:
        self._start = clock()
        self.planned_ = net.max_epochs
        self._steps = len(net.get_iterator(net.get_dataset(kwargs["X"]), training=True))

    def on_epoch_begin(self, net: Any, **kwargs: Any) -> None:
        self._epoch_start, self._done = clock(), 0

    def on_batch_end(self, net: Any, training: bool = False, **kwargs: Any) -> None:
        if not training:
            return
        self._done += 1
        epochs = len(net.history)
        if epochs == 1 and self._done == min(TIMED_STEPS, self._steps):
            per_step = (clock() - self._epoch_start) / self._done
            self.epoch_seconds_ = per_step * self._steps
            self._plan(net)
            if self.planned_ == 0:
                raise KeyboardInterrupt  # not even one epoch fits: the stage ends here
        if self.epoch_seconds_ is not None:
            left = (self.planned_ - epochs) * self.epoch_seconds_
            left += self.epoch_seconds_ * (1 - self._done / self._steps)
            net.history.record_batch("eta", duration(left))

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        done = len(net.history)
        self.epoch_seconds_ = clock() - self._epoch_start
        if self.deadline is not None and done < self.planned_:
            fits = _epochs_within(self.deadline - clock(), self.epoch_seconds_)
            if done + fits < self.planned_:
                self._shorten(net, done + fits)
        if done >= self.planned_ and done < net.max_epochs:
            raise KeyboardInterrupt  # skorch ends training here and keeps the weights

    def _plan(self, net: Any) -> None:
        """After the timed steps: the stage's length, cut to the deadline, said or warned."""
        epoch = self.epoch_seconds_
        if self.deadline is not None:
            fits = _epochs_within(self.deadline - self._epoch_start, epoch)
            if fits < self.planned_:
                self._shorten(net, fits if fits or self.cut_first_epoch else 1)
        if self.stopped_ and self.planned_ == 0:
            return
        total = epoch * self.planned_
        message = (
            f"{self.stage}: about {duration(total)} for {self.planned_} epoch(s) of "
            f"{duration(epoch)} each."
        )
        if self.verbose:
            print(f"{message} To shorten it: {self.hint}.")
        elif self.warn and total > LONG_FIT_SECONDS:
            warnings.warn(
                f"{message} To shorten it: {self.hint}. Silence this warning with "
                "warnings.filterwarnings('ignore', category=sklearn_zoo.LongFitWarning).",
                LongFitWarning,
                stacklevel=2,
            )

    def _shorten(self, net: Any, epochs: int) -> None:
        """End after ``epochs`` (0: now), the learning-rate schedule decaying to its end there."""
        self.stopped_ = True
        self.planned_ = max(epochs, 0)
        for _, cb in net.callbacks_:
            schedule = getattr(cb, "lr_lambda", None) if isinstance(cb, LRScheduler) else None
            if hasattr(schedule, "total") and self.planned_:
                schedule.total = max(self.planned_ * self._steps, schedule.warmup + 1)


def _epochs_within(seconds: float, epoch: float) -> int | float:
    """Whole epochs of ``epoch`` seconds in ``seconds`` (any number when an epoch takes no time)."""
    return max(int(seconds // epoch), 0) if epoch > 0 else math.inf


def shorten_hint(modality: str, stage: str) -> str:
    """How to make a stage shorter, in the estimator's parameters."""
    size = "a smaller image_size (e.g. 160)" if modality == "image" else "a smaller max_length"
    probe = "" if stage == "probe" else "strategy='probe', "
    return f"time_budget='2min', {probe}{size}, or a GPU (device='cuda')"
