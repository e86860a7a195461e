"""The skorch configuration: AdamW with a lower backbone learning rate, warm-up + cosine schedule,
early stopping with restore-best, mixed precision, gradient accumulation, sample weights, and the
Hugging Face Accelerate path (multi-GPU data parallel) through skorch's ``AccelerateMixin``."""

from __future__ import annotations

import math
from typing import Any

import torch
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, LRScheduler, ProgressBar
from skorch.dataset import unpack_data
from skorch.helper import predefined_split
from skorch.hf import AccelerateMixin

from ._compat import free_accelerator_state, set_training, uncompiled, unwrap_accelerated
from .inputs import identity_collate
from .runtime import fused_adamw, pins_memory


class WarmupCosine:
    """Learning-rate factor: linear warm-up over ``warmup`` steps, then cosine decay to 0 (picklable)."""

    def __init__(self, total: int, warmup: int, cosine: bool = True) -> None:
        self.total = max(int(total), 1)
        self.warmup = max(int(warmup), 0)
        self.cosine = cosine

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return (step + 1) / (self.warmup + 1)
        if not self.cosine:
            return 1.0
        progress = min((step - self.warmup) / max(self.total - self.warmup, 1), 1.0)
        return 0.5 * (1.0 + math.cos(math.pi * progress))


class ZooNet(NeuralNet):
    """skorch's NeuralNet plus autocast, gradient accumulation, per-sample weights and a NaN guard.

    The criterion is built with ``reduction="none"``; the batch target is a dict with ``"y"`` and,
    when sample weights are given, ``"w"``.
    """

    def __init__(
        self,
        *args,
        autocast_dtype: torch.dtype | None = None,
        grad_accumulation_steps: int = 1,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.autocast_dtype = autocast_dtype
        self.grad_accumulation_steps = grad_accumulation_steps

    def infer(self, x: Any, **fit_params: Any) -> torch.Tensor:
        if self.autocast_dtype is None:
            return super().infer(x, **fit_params)
        device_type = torch.device(self.device).type
        with torch.autocast(device_type=device_type, dtype=self.autocast_dtype):
            return super().infer(x, **fit_params).float()

    def get_loss(
        self, y_pred: torch.Tensor, y_true: Any, X: Any = None, training: bool = False
    ) -> torch.Tensor:
        target, weight = (
            (y_true["y"], y_true.get("w")) if isinstance(y_true, dict) else (y_true, None)
        )
        target = target.to(y_pred.device)
        losses = self.criterion_(y_pred, target)
        if losses.dim() > 1:  # multi-label / multi-output: mean over outputs
            losses = losses.mean(dim=tuple(range(1, losses.dim())))
        if weight is None:
            loss = losses.mean()
        else:
            weight = weight.to(losses.device, losses.dtype)
            loss = (losses * weight).sum() / weight.sum().clamp(min=1e-12)
        if training and not torch.isfinite(loss):  # every training path: plain and Accelerate
            raise FloatingPointError(f"the training loss became {loss.item()}")
        return loss

    def train_step_single(self, batch: Any, **fit_params: Any) -> dict[str, Any]:
        set_training(self)
        Xi, yi = unpack_data(batch)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        (loss / self.grad_accumulation_steps).backward()
        return {"loss": loss, "y_pred": y_pred}

    def train_step(self, batch: Any, **fit_params: Any) -> dict[str, Any]:
        step = self.train_step_single(batch, **fit_params)
        self._micro_steps = getattr(self, "_micro_steps", 0) + 1
        if self._micro_steps % self.grad_accumulation_steps == 0:
            self._optimizer_step(batch)
        return step

    def _optimizer_step(self, batch: Any = None) -> None:
        self.notify(
            "on_grad_computed", named_parameters=list(self.get_all_learnable_params()), batch=batch
        )
        self.optimizer_.step()
        self.optimizer_.zero_grad(set_to_none=True)

    def fit_loop(self, X: Any, y: Any = None, epochs: int | None = None, **fit_params: Any):
        """skorch's loop; records in ``interrupted_`` whether a KeyboardInterrupt (Ctrl-C) cut it
        short. skorch ends training on one and keeps the weights; early stopping and a callback
        that sets ``stopped_`` (a time budget) raise one too, and those are not interruptions."""
        self.interrupted_ = False
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            self.interrupted_ = not any(
                (isinstance(cb, EarlyStopping) and getattr(cb, "misses_", 0) >= cb.patience)
                or getattr(cb, "stopped_", False)  # a time budget (``StageClock``)
                for _, cb in getattr(self, "callbacks_", [])
            )
            raise

    def on_epoch_end(self, net: NeuralNet, **kwargs: Any) -> None:
        super().on_epoch_end(net, **kwargs)
        if getattr(self, "_micro_steps", 0) % self.grad_accumulation_steps:
            self._optimizer_step()  # flush the gradients of an incomplete accumulation
            self._micro_steps = 0


class AcceleratedZooNet(AccelerateMixin, ZooNet):
    """:class:`ZooNet` trained through Hugging Face Accelerate: the accelerator places the model,
    wraps it for data parallel training when launched with ``accelerate launch``, and does the
    autocast and gradient accumulation. Hand it back with :func:`release_accelerator` after
    ``fit``: skorch's accelerated nets do not pickle, the released one does. skorch's own
    ``train_step_single`` runs the step; :meth:`ZooNet.get_loss` keeps the NaN guard."""


def make_accelerator(
    *, cpu: bool, mixed_precision: str, grad_accumulation_steps: int, owner: str
) -> Any:
    """An ``accelerate.Accelerator`` with these settings (``mixed_precision``: "no" or "bf16")."""
    try:
        from accelerate import Accelerator
    except ImportError:
        raise ImportError(
            f"accelerate=True in {owner} needs the accelerate package: "
            'pip install "sklearn-zoo[accelerate]".'
        ) from None
    free_accelerator_state(mixed_precision=mixed_precision, cpu=cpu)
    return Accelerator(
        cpu=cpu,
        mixed_precision=mixed_precision,
        gradient_accumulation_steps=grad_accumulation_steps,
    )


def release_accelerator(net: ZooNet) -> ZooNet:
    """A trained net as a plain :class:`ZooNet`: an :class:`AcceleratedZooNet` loses its wrapped
    modules and its ``Accelerator`` (not picklable), a compiled module its ``torch.compile``
    wrapper. The trained weights, history and device stay; nothing is copied."""
    if isinstance(net, AcceleratedZooNet):
        device = str(net.accelerator.device)
        state = {**unwrap_accelerated(net), "device": device}
        net = ZooNet.__new__(ZooNet)
        net.__dict__.update(state)
    module = getattr(net, "module_", None)
    if isinstance(module, torch.nn.Module):
        net.module_ = uncompiled(module)
    net.compile = False
    return net


def build_net(
    module: torch.nn.Module,
    criterion: torch.nn.Module,
    *,
    lr: float,
    backbone_lr_scale: float,
    weight_decay: float,
    max_epochs: int,
    batch_size: int,
    steps_per_epoch: int,
    warmup_fraction: float,
    schedule: str,
    valid_dataset: Any,
    n_iter_no_change: int,
    device: str,
    autocast_dtype: torch.dtype | None,
    grad_accumulation_steps: int,
    num_workers: int,
    verbose: int,
    accelerator: Any = None,
    compile: bool = False,
    extra: dict[str, Any] | None = None,
    early_stopping: bool | None = None,
    stage_callbacks: list[tuple[str, Any]] | None = None,
    l2: float | None = None,
) -> ZooNet:
    """A ready-to-``fit`` :class:`ZooNet` (``extra`` is the user's escape hatch of skorch params).

    With an ``accelerator`` it is an :class:`AcceleratedZooNet`: the accelerator places the model
    and does the autocast and gradient accumulation (``steps_per_epoch`` counts optimizer steps).
    ``early_stopping=None`` stops early whenever there is a ``valid_dataset``; the
    ``stage_callbacks`` run after the estimator's own and before the user's. ``l2`` replaces
    the decoupled ``weight_decay`` by an L2 penalty on the head's weights (see
    :func:`_optimizer_params`).
    """
    callbacks = _callbacks(
        max_epochs * steps_per_epoch,
        warmup_fraction,
        schedule,
        early_stopping=valid_dataset is not None if early_stopping is None else early_stopping,
        n_iter_no_change=n_iter_no_change,
        verbose=verbose,
        stage_callbacks=stage_callbacks,
    )
    params: dict[str, Any] = {
        "module": module,
        "criterion": criterion,
        **_optimizer_params(lr, backbone_lr_scale, weight_decay, device, l2),
        "max_epochs": max_epochs,
        "batch_size": batch_size,
        "train_split": predefined_split(valid_dataset) if valid_dataset is not None else None,
        "callbacks": callbacks,
        "device": device,
        "verbose": verbose,
        "autocast_dtype": autocast_dtype,
        "grad_accumulation_steps": grad_accumulation_steps,
        **_loader_params(num_workers, device),
    }
    if compile:
        params["compile"] = True
    extra = dict(extra or {})
    accelerator = extra.pop("accelerator", accelerator)
    params = _with_user_params(params, extra)
    if accelerator is None:
        return ZooNet(**params)
    return _accelerated(params, accelerator, verbose)


def _accelerated(params: dict[str, Any], accelerator: Any, verbose: int) -> AcceleratedZooNet:
    """The accelerator places the model, and does the autocast and gradient accumulation."""
    params = {
        **params,
        "accelerator": accelerator,
        "device": None,
        "autocast_dtype": None,
        "grad_accumulation_steps": 1,
    }
    # the accelerator's own print would make the net unpicklable
    params.setdefault("callbacks__print_log__sink", _sink(verbose))
    return AcceleratedZooNet(**params)


def _optimizer_params(
    lr: float, backbone_lr_scale: float, weight_decay: float, device: str, l2: float | None = None
) -> dict[str, Any]:
    """AdamW, the backbone at ``lr * backbone_lr_scale`` and the head at ``lr``. With ``l2``:
    Adam, and the penalty ``l2 / 2 * ||W||^2`` on the head's weights added to the loss (their
    gradient gets ``l2 * W``; biases are not penalized), as logistic regression's is."""
    groups: list[tuple[str, dict[str, Any]]] = [("backbone.*", {"lr": lr * backbone_lr_scale})]
    if l2 is not None:
        groups.append(("head.*weight", {"weight_decay": l2}))
    return {
        "optimizer": torch.optim.AdamW if l2 is None else torch.optim.Adam,
        "lr": lr,
        "optimizer__weight_decay": weight_decay if l2 is None else 0.0,
        # one fused kernel for all parameters instead of a Python loop over them (CPU and CUDA)
        **({"optimizer__fused": True} if fused_adamw(device) else {}),
        "optimizer__param_groups": groups,
    }


def _callbacks(
    total: int,
    warmup_fraction: float,
    schedule: str,
    *,
    early_stopping: bool,
    n_iter_no_change: int,
    verbose: int,
    stage_callbacks: list[tuple[str, Any]] | None = None,
) -> list[tuple[str, Any]]:
    """The per-batch learning-rate schedule, early stopping with restore-best, the stage's own
    callbacks, the progress bar (with the stage's ``eta`` when a callback records one)."""
    warmup = WarmupCosine(total, int(warmup_fraction * total), cosine=schedule == "cosine")
    callbacks: list[tuple[str, Any]] = [
        (
            "lr_schedule",
            LRScheduler(
                policy=torch.optim.lr_scheduler.LambdaLR, lr_lambda=warmup, step_every="batch"
            ),
        )
    ]
    if early_stopping:
        callbacks.append(
            (
                "early_stopping",
                EarlyStopping(
                    monitor="valid_loss",
                    patience=n_iter_no_change,
                    load_best=True,
                    sink=_sink(verbose),
                ),
            )
        )
    callbacks += list(stage_callbacks or [])
    if verbose:
        callbacks.append(
            ("progress", ProgressBar(postfix_keys=["train_loss", "valid_loss", "eta"]))
        )
    return callbacks


def _loader_params(num_workers: int, device: str) -> dict[str, Any]:
    """Batches come whole from the datasets (``identity_collate``); shuffled for training."""
    loader: dict[str, Any] = {"collate_fn": identity_collate, "num_workers": num_workers}
    if num_workers:
        loader["persistent_workers"] = False
    if pins_memory(device):
        loader["pin_memory"] = True
    return {
        **{f"iterator_train__{k}": v for k, v in loader.items()},
        **{f"iterator_valid__{k}": v for k, v in loader.items()},
        "iterator_train__shuffle": True,
    }


def _with_user_params(params: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The user's skorch params over the estimator's: their callbacks run after its own, and
    their optimizer gets no ``fused`` flag it may not have."""
    params = dict(params)
    if "callbacks" in extra:
        params["callbacks"] = [*params["callbacks"], *list(extra.pop("callbacks") or [])]
    if "optimizer" in extra and "optimizer__fused" not in extra:
        params.pop("optimizer__fused", None)
    params.update(extra)
    return params


def _sink(verbose: int):
    return print if verbose else _quiet


def _quiet(*args: Any, **kwargs: Any) -> None:
    """A picklable no-op sink for callbacks' messages."""
