"""Shared test presets: fast training settings, a network that refuses, and small real images."""

from __future__ import annotations

import socket
from collections.abc import Callable

import numpy as np

#: The training settings of fast tests: two short epochs, small batches, reproducible.
FAST = {"max_epochs": 2, "batch_size": 16, "random_state": 0}

#: The four calls through which Python opens a connection or resolves a host.
SOCKET_CALLS = (
    (socket.socket, "connect"),
    (socket.socket, "connect_ex"),
    (socket, "create_connection"),
    (socket, "getaddrinfo"),
)

#: Put at the top of a script run in a child process: from then on its network refuses.
NO_NETWORK_PRELUDE = """
import socket as _socket

def _refuse(*args, **kwargs):
    raise OSError("network blocked in the child process")

for _owner, _name in ((_socket.socket, "connect"), (_socket.socket, "connect_ex"),
                      (_socket, "create_connection"), (_socket, "getaddrinfo")):
    setattr(_owner, _name, _refuse)
"""


def fast(**overrides) -> dict:
    """``FAST`` with some settings changed, e.g. ``fast(max_epochs=1, device="cpu")``."""
    return {**FAST, **overrides}


def refuse_network(monkeypatch, record: Callable | None = None) -> None:
    """Make every connection and host lookup raise ``OSError``; ``record(args, kwargs)`` sees each
    attempt first."""

    def refuse(*args, **kwargs):
        if record is not None:
            record(args, kwargs)
        raise OSError("network blocked by test")

    for owner, name in SOCKET_CALLS:
        monkeypatch.setattr(owner, name, refuse)


def digits(n: int = 60, n_class: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` of scikit-learn's 8x8 digits of ``n_class`` classes, as uint8 images."""
    from sklearn.datasets import load_digits

    data = load_digits(n_class=n_class)
    return (data.images[:n] * 16).clip(0, 255).astype(np.uint8), data.target[:n]


def wreck_at_epoch(epoch: int):
    """A skorch callback that turns the backbone into noise when the fine-tuning stage (every
    block trainable) starts its ``epoch``-th epoch: fine-tuning built to hurt from there on."""
    import torch
    from skorch.callbacks import Callback

    class WreckAtEpoch(Callback):
        def on_epoch_begin(self, net, **kwargs):
            module = net.module_
            if module.split == 0 and len(net.history) == epoch:
                with torch.no_grad():
                    for p in module.backbone.parameters():
                        p.normal_(0.0, 3.0)

    return WreckAtEpoch()
