"""Every backbone family keeps the same contract: ordered blocks, pooled features, freezing by depth,
frozen BatchNorm in eval mode, and (where offered) a prefix/suffix split that changes nothing."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from sklearn_zoo.backbones.base import resolve_freeze_depth

# one case per family (and per architecture where a family covers several); see conftest.make_tiny
TINY_CASES = (
    "torchvision.resnet",
    "torchvision.mobile",
    "torchvision.convnext",
    "torchvision.vit",
    "torchvision.inception_v3",
    "torchvision.googlenet",
    "timm.test_efficientnet",
    "timm.test_resnet",
    "timm.test_vit",
    "timm.test_convnext",
    "timm.inception_v3",
    "hf.text.bert",
    "hf.text.distilbert",
    "hf.text.roberta",
    "hf.decoder.gpt2",
    "hf.decoder.llama",
    "hf.vision.vit",
    "hf.vision.dinov2",
    "keras.cnn",  # skipped without keras
)


def _expected_trainable(groups: list[list[str]], depth) -> set[str]:
    everything = {name for group in groups for name in group}
    if depth == "all":
        return set()
    if depth == 0:
        return everything
    if depth == 1:
        return everything - set(groups[0])
    if depth == -1:
        return set(groups[-1])
    raise AssertionError(depth)


def _forward(backbone, inputs):
    return backbone.forward_features(inputs)


@pytest.mark.parametrize("case", TINY_CASES)
def test_family_contract(case, make_tiny):
    tiny = make_tiny(case)
    backbone = tiny.backbone
    groups = backbone.block_param_names()

    # structure: the blocks partition the parameters, in the expected number
    assert backbone.num_blocks == tiny.num_blocks == len(groups)
    assert all(groups), "every block owns parameters"
    names = [name for group in groups for name in group]
    assert len(names) == len(set(names)), "no parameter in two blocks"
    # every learnable parameter (not a Keras model's BatchNorm statistics) is in a block
    assert set(names) == {name for name, p in backbone.named_parameters() if p.requires_grad}
    assert backbone.num_features == tiny.num_features

    backbone.eval()
    with torch.no_grad():
        features = _forward(backbone, tiny.inputs)
    assert features.shape == (tiny.n, tiny.num_features)
    assert torch.isfinite(features).all()

    # freezing by depth
    for depth in (0, 1, -1, "all"):
        backbone.freeze(depth)
        backbone.train()
        trainable = {name for name, p in backbone.named_parameters() if p.requires_grad}
        assert trainable == _expected_trainable(groups, depth), depth
        for name, module in backbone.named_modules():
            params = list(module.parameters(recurse=True))
            if not name or not params:
                continue
            if all(not p.requires_grad for p in params):
                assert not module.training, f"frozen {name} is in train mode at depth {depth!r}"
            elif isinstance(module, nn.modules.batchnorm._BatchNorm):
                assert module.training, f"trainable {name} is in eval mode at depth {depth!r}"
        bns = [m for m in backbone.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        frozen_bns = [m for m in bns if not any(p.requires_grad for p in m.parameters())]
        if depth == "all":
            assert len(frozen_bns) == len(bns)
        assert all(not m.training for m in frozen_bns)
        if bns and depth != "all":
            # a training step leaves the running statistics of frozen BatchNorm layers alone
            before = [m.running_mean.clone() for m in frozen_bns]
            backbone(tiny.inputs)
            assert all(torch.equal(b, m.running_mean) for b, m in zip(before, frozen_bns))

    # out-of-range depths name the valid range
    n = backbone.num_blocks
    for bad in (n + 1, -n - 1):
        with pytest.raises(ValueError, match=re.escape(f"[-{n}, {n}]")):
            backbone.freeze(bad)

    # splitting the forward pass after any block changes nothing
    backbone.freeze(0)
    backbone.eval()
    with torch.no_grad():
        features = _forward(backbone, tiny.inputs)  # the training steps above moved BatchNorm stats
    if backbone.supports_split:
        with torch.no_grad():
            for k in range(n + 1):
                assert backbone.can_split_at(k)
                out = backbone.forward_suffix(backbone.forward_prefix(tiny.inputs, k), k)
                torch.testing.assert_close(out, features, rtol=1e-4, atol=1e-5, msg=f"k={k}")
    else:
        with torch.no_grad():
            for k in (0, n):
                out = backbone.forward_suffix(backbone.forward_prefix(tiny.inputs, k), k)
                torch.testing.assert_close(out, features, rtol=1e-4, atol=1e-5)


def test_weights_of_another_architecture_are_refused(tmp_path, tiny):
    import timm
    from torchvision.models import mobilenet_v3_small

    from sklearn_zoo.loading import load_backbone

    path = tiny.save_state_dict(timm.create_model("test_resnet"), tmp_path / "resnet.safetensors")
    with pytest.raises(ValueError, match="do not fit 'timm:test_efficientnet'"):
        load_backbone(f"timm:test_efficientnet@{path}")

    path = tiny.save_state_dict(mobilenet_v3_small(num_classes=10), tmp_path / "mobile.pth")
    with pytest.raises(ValueError, match="do not fit 'torchvision:resnet18'"):
        load_backbone(f"torchvision:resnet18@{path}")


def test_weights_file_needs_an_architecture(tmp_path, tiny):
    import timm

    from sklearn_zoo.loading import load_backbone

    path = tiny.save_state_dict(timm.create_model("test_resnet"), tmp_path / "resnet.safetensors")
    with pytest.raises(ValueError, match="which architecture"):
        load_backbone(str(path))


@pytest.mark.parametrize(
    ("depth", "expected"),
    [(0, 0), (1, 1), (5, 5), (-1, 4), (-5, 0), ("all", 5)],
)
def test_resolve_freeze_depth(depth, expected):
    assert resolve_freeze_depth(depth, 5) == expected


def test_resolve_freeze_depth_accepts_numpy_ints():
    np = pytest.importorskip("numpy")
    assert resolve_freeze_depth(np.int64(-2), 5) == 3


@pytest.mark.parametrize("depth", [True, False, 1.0, None, (1,)])
def test_resolve_freeze_depth_rejects_non_ints(depth):
    with pytest.raises(TypeError, match="freeze_depth"):
        resolve_freeze_depth(depth, 5)


@pytest.mark.parametrize("depth", ["none", "ALL", "0", "", 6, -6])
def test_resolve_freeze_depth_rejects_bad_values(depth):
    with pytest.raises(ValueError, match=re.escape("[-5, 5]")) as info:
        resolve_freeze_depth(depth, 5, checkpoint="resnet18")
    assert "'resnet18'" in str(info.value)
