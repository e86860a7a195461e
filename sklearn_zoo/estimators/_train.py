"""One training run of a stage: the skorch net built from the plan and fitted, with the faults a user
can act on (a diverging loss, a GPU out of memory) turned into advice."""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch

from ..training import build_net
from ._plan import FitPlan


def train_net(
    plan: FitPlan,
    module: torch.nn.Module,
    criterion: torch.nn.Module,
    train: Any,
    valid: Any,
    *,
    lr: float,
    backbone_lr_scale: float,
    max_epochs: int,
    callbacks: list[tuple[str, Any]] | None = None,
    l2: float | None = None,
) -> Any:
    """Build the skorch net and fit it (``l2``: the head's penalty, see ``build_net``). A GPU
    out-of-memory error halves ``batch_size`` and starts again from the initial weights, down to
    1 (with a warning each time)."""
    initial = trainable_state(module)
    batch_size = plan.training.batch_size
    while True:
        net = _build(
            plan,
            module,
            criterion,
            train,
            valid,
            batch_size,
            lr=lr,
            backbone_lr_scale=backbone_lr_scale,
            max_epochs=max_epochs,
            stage_callbacks=callbacks,
            l2=l2,
        )
        try:
            net.fit(train, None)
            return net
        except FloatingPointError as exc:
            raise ValueError(
                f"Training diverged: {exc}. Lower the learning rate (lr={plan.training.lr:g} now; "
                f"try lr={plan.training.lr / 10:g}) or use a larger batch_size."
            ) from None
        except torch.cuda.OutOfMemoryError:
            del net
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            batch_size = _smaller_batch(plan, batch_size)
            module.load_state_dict(initial, strict=False)


def trainable_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The weights that training changes (trainable parameters, buffers), for a fresh restart."""
    return {
        name: t.detach().to("cpu", copy=True)
        for name, t in [*module.named_parameters(), *module.named_buffers()]
        if t.requires_grad or not isinstance(t, torch.nn.Parameter)
    }


def _build(
    plan: FitPlan,
    module: torch.nn.Module,
    criterion: torch.nn.Module,
    train: Any,
    valid: Any,
    batch_size: int,
    **stage: Any,
) -> Any:
    training, runtime = plan.training, plan.runtime
    # optimizer steps: the accelerator steps the schedule once per accumulation
    accumulation = training.grad_accumulation_steps if plan.accelerator is not None else 1
    return build_net(
        module,
        criterion,
        **stage,
        weight_decay=training.weight_decay,
        batch_size=batch_size,
        steps_per_epoch=math.ceil(math.ceil(len(train) / batch_size) / accumulation),
        warmup_fraction=training.warmup_fraction,
        schedule=training.schedule,
        valid_dataset=valid,
        n_iter_no_change=training.n_iter_no_change,
        device=runtime.device,
        autocast_dtype=runtime.autocast_dtype,
        grad_accumulation_steps=training.grad_accumulation_steps,
        num_workers=training.num_workers,
        verbose=training.verbose,
        accelerator=plan.accelerator,
        compile=training.compile,
        extra=training.net_params,
        early_stopping=training.early_stopping,
    )


def _smaller_batch(plan: FitPlan, batch_size: int) -> int:
    """Half ``batch_size`` after an out-of-memory error (with a warning); at 1, a ValueError."""
    device = plan.runtime.device
    if batch_size == 1:
        raise ValueError(
            f"Out of memory on {device!r} even with batch_size=1 (the 'batch_size' "
            f"parameter of {plan.owner} is {plan.training.batch_size}). Freeze more of "
            "the backbone (freeze_depth), use a smaller image_size / max_length, "
            "precision='bf16', or device='cpu'."
        ) from None
    smaller = max(batch_size // 2, 1)
    warnings.warn(
        f"Out of memory on {device!r} with batch_size={batch_size}: retrying with "
        f"batch_size={smaller} from the initial weights. Pass batch_size={smaller} "
        f"(or less) to {plan.owner} to skip this.",
        UserWarning,
        stacklevel=7,
    )
    return smaller
