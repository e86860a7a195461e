"""Where and how a network runs: the device, the autocast precision and the memory layout.

Every such decision is a rule here; :class:`Runtime` carries the three answers for one device.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn


def resolve_device(device: str = "auto", owner: str | None = None) -> str:
    """``"auto"`` picks cuda, then mps, then cpu; any other value is checked and returned as given.

    A value torch does not parse, or a device this machine does not have, is a ``ValueError``
    (``owner``, the estimator's class name, goes into the message).
    """
    if device != "auto":
        _check_device(device, f" of {owner}" if owner else "")
        return device
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def _check_device(device: str, where: str) -> None:
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(
            f"The 'device' parameter{where} must be 'auto' or a torch device such as 'cpu', "
            f"'cuda', 'cuda:1' or 'mps'. Got {device!r} instead."
        ) from None
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"The 'device' parameter{where} is {device!r}, but CUDA is not available on this "
                "machine (torch.cuda.is_available() is False). Use device='auto' or device='cpu'."
            )
        count = torch.cuda.device_count()
        if parsed.index is not None and parsed.index >= count:
            raise ValueError(
                f"The 'device' parameter{where} is {device!r}, but this machine has {count} CUDA "
                f"device(s): use an index in [0, {count - 1}]."
            )
    if parsed.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError(
                f"The 'device' parameter{where} is {device!r}, but MPS is not available on this "
                "machine. Use device='auto' or device='cpu'."
            )


def _type(device: str | torch.device) -> str:
    return torch.device(device).type


def autocast_dtype(precision: str, device: str | torch.device) -> torch.dtype | None:
    """The autocast dtype of ``precision`` on ``device``: ``"auto"`` is bf16 on a GPU that has it."""
    if precision == "bf16":
        return torch.bfloat16
    if precision == "auto" and _type(device) == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return None


def frozen_channels_last(device: str | torch.device, modality: str) -> bool:
    """Whether frozen image inference runs NHWC: on CUDA (cuDNN, tensor cores) and on the CPU
    (oneDNN: on 2 cores EfficientNet-Lite0 embeds 1.5x faster than NCHW, same outputs to 1e-5)."""
    return modality == "image" and _type(device) in ("cpu", "cuda")


def trains_channels_last(device: str | torch.device, modality: str) -> bool:
    """Whether a trainable image network is stored NHWC: on CUDA only. On the CPU the NHWC
    backward pass is less accurate (one EfficientNet-Lite0 step, float32 against float64: 2.9%
    gradient error NHWC, 0.56% NCHW) and fine-tuned accuracy suffered, so CPU training stays NCHW;
    its frozen prefix is still computed NHWC (:func:`frozen_channels_last`)."""
    return frozen_channels_last(device, modality) and _type(device) == "cuda"


def pins_memory(device: str | torch.device) -> bool:
    """Whether data loaders pin host memory: when batches go to a CUDA device."""
    return _type(device) == "cuda"


def fused_adamw(device: str | torch.device) -> bool:
    """Whether AdamW runs as one fused kernel for all parameters (CPU and CUDA have it)."""
    return _type(device) in ("cpu", "cuda")


def autocast(
    device: str | torch.device, dtype: torch.dtype | None
) -> contextlib.AbstractContextManager:
    """Autocast to ``dtype`` on ``device``; no autocast when ``dtype`` is None."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(_type(device), dtype=dtype)


def as_channels_last(x: Any) -> Any:
    """A 4-D tensor in NHWC memory; anything else as it is."""
    if isinstance(x, torch.Tensor) and x.dim() == 4:
        return x.contiguous(memory_format=torch.channels_last)
    return x


@dataclass(frozen=True)
class Runtime:
    """One device's answers: where a network runs, its autocast dtype, and its memory layouts."""

    device: str
    autocast_dtype: torch.dtype | None
    modality: str

    @classmethod
    def on(cls, device: str | torch.device, precision: str, modality: str) -> Runtime:
        """The runtime of ``precision`` on ``device`` (after unpickling: a ``torch.device`` too)."""
        device = str(device)
        return cls(device, autocast_dtype(precision, device), modality)

    @property
    def frozen_channels_last(self) -> bool:
        return frozen_channels_last(self.device, self.modality)

    @property
    def trains_channels_last(self) -> bool:
        return trains_channels_last(self.device, self.modality)

    def autocast(self) -> contextlib.AbstractContextManager:
        return autocast(self.device, self.autocast_dtype)

    def arrange(self, module: nn.Module, *, trainable: bool) -> nn.Module:
        """``module`` in the memory layout it runs in here (trainable or frozen)."""
        if self.trains_channels_last if trainable else self.frozen_channels_last:
            module = module.to(memory_format=torch.channels_last)
        return module
