"""The skorch configuration: the optimizer the estimators train with, and the escape hatch."""

from __future__ import annotations

import numpy as np
import torch
from _helpers import fast

from sklearn_zoo import PretrainedImageClassifier

FAST = fast(max_epochs=1, device="cpu", image_size=16)


def _optimizer_of(clf):
    seen = {}

    from skorch.callbacks import Callback

    class Grab(Callback):
        def on_train_begin(self, net, **kwargs):
            seen["optimizer"] = net.optimizer_

    params = dict(clf.net_params or {})
    params["callbacks"] = [*params.get("callbacks", []), Grab()]
    return clf.set_params(net_params=params), seen


def test_adamw_is_fused_on_cpu_with_a_lower_backbone_lr(tiny_image_checkpoint, image_data):
    clf, seen = _optimizer_of(
        PretrainedImageClassifier(
            tiny_image_checkpoint,
            freeze_depth=-1,
            lr=1e-2,
            backbone_lr_scale=0.1,
            strategy="finetune",
            **FAST,
        )
    )
    clf.fit(*image_data)
    opt = seen["optimizer"]
    assert isinstance(opt, torch.optim.AdamW) and opt.defaults["fused"] is True
    lrs = sorted(g.get("initial_lr", g["lr"]) for g in opt.param_groups if g["params"])
    assert lrs == [1e-3, 1e-2]  # backbone at lr * backbone_lr_scale, head at lr


def test_a_user_optimizer_through_net_params_gets_no_fused_flag(tiny_image_checkpoint, image_data):
    clf, seen = _optimizer_of(
        PretrainedImageClassifier(
            tiny_image_checkpoint,
            net_params={"optimizer": torch.optim.RMSprop, "optimizer__alpha": 0.9},
            **FAST,
        )
    )
    clf.fit(*image_data)
    opt = seen["optimizer"]
    assert isinstance(opt, torch.optim.RMSprop) and opt.defaults["alpha"] == 0.9
    assert np.isfinite(clf.history_[-1]["train_loss"])
