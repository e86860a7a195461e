"""GPU throughput: `fit` and `transform` against a hand-written mixed-precision loop, and MFU.

Both sides fine-tune the same network (ResNet-50 at 224 px, BERT-base at 128 tokens; random
weights, so no hub is needed) with the same batch size, optimizer and bf16 autocast, channels-last
for the CNN. Both sides are timed from the NumPy arrays to a trained model (building the network,
moving or tokenizing the data, one epoch); the hand loop then trains on data already on the GPU. The
model FLOPs of one training step are counted with ``torch.utils.flop_counter`` and divided by the
device's peak bf16 throughput (MFU).

    python benchmarks/gpu_throughput.py [--steps 60] [--batch 64] [--peak-tflops 989]
    python benchmarks/gpu_throughput.py --smoke --device cpu     # wiring check on a CPU

Each side runs in its own process, one after the other.
"""

from __future__ import annotations

import argparse
import functools
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import machine, measure

# dense bf16 peaks (TFLOP/s) from the vendors' data sheets, matched against the device name
PEAK_BF16 = {"H200": 989.0, "H100 PCIe": 756.0, "H100": 989.0, "A100": 312.0, "L4": 121.0}
SEED = 0


def _peak(device_name: str, given: float | None) -> float | None:
    if given:
        return given
    return next((v for k, v in PEAK_BF16.items() if k in device_name), None)


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


# -- workloads ------------------------------------------------------------------------------------
def _images(n: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    return rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8), rng.integers(0, 10, n)


def _text_checkpoint(folder: Path, smoke: bool) -> tuple[str, list[str], np.ndarray]:
    """A random BERT (base size unless smoke) with a word-level vocabulary, saved to ``folder``."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    words = [f"w{i}" for i in range(5000)]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    tok = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True)
    tok.model_max_length = 128
    tok.save_pretrained(str(folder))
    size = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128)
    config = BertConfig(vocab_size=len(vocab), **({} if not smoke else size))
    torch.manual_seed(SEED)
    BertModel(config).save_pretrained(str(folder))
    rng = np.random.default_rng(SEED)
    texts = [" ".join(rng.choice(words, 126)) for _ in range(4096)]  # 128 tokens with CLS/SEP
    return str(folder), texts, rng.integers(0, 2, len(texts))


def _setting(kind: str, smoke: bool, batch: int, steps: int, tmp: str):
    if kind == "image":
        size = 64 if smoke else 224
        X, y = _images(batch * steps, size)
        arch = "torchvision:resnet18" if smoke else "torchvision:resnet50"
        return arch, X, y, {"image_size": size}
    ckpt, texts, y = _text_checkpoint(Path(tmp), smoke)
    n = batch * steps
    return ckpt, np.asarray(texts[:n], dtype=object), y[:n], {"max_length": 128}


def ours_fit(kind: str, smoke: bool, batch: int, steps: int, device: str, tmp: str) -> dict:
    from sklearn_zoo import PretrainedImageClassifier, PretrainedTextClassifier

    ckpt, X, y, extra = _setting(kind, smoke, batch, steps, tmp)
    cls = PretrainedImageClassifier if kind == "image" else PretrainedTextClassifier
    common = dict(
        freeze_depth=0,
        strategy="finetune",  # one stage, as the hand-written loop
        pretrained=False,
        batch_size=batch,
        lr=1e-4,
        backbone_lr_scale=1.0,
        warmup_fraction=0.0,
        schedule="constant",
        device=device,
        precision="bf16",
        random_state=SEED,
        **extra,
    )
    cls(ckpt, max_epochs=1, **common).fit(
        X[: batch * 3], y[: batch * 3]
    )  # warm-up: kernels, allocator
    clf = cls(ckpt, max_epochs=1, **common)
    _sync(device)
    start = time.perf_counter()
    clf.fit(X, y)
    _sync(device)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    clf.transform(X)
    _sync(device)
    return {"fit_s": fit_s, "transform_s": time.perf_counter() - start, "n": len(X)}


def loop(kind: str, smoke: bool, batch: int, steps: int, device: str, tmp: str) -> dict:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    ckpt, X, y, extra = _setting(kind, smoke, batch, steps, tmp)
    # warm the kernels and the allocator on a throw-away copy, as ours_fit does
    _loop_train(kind, ckpt, X[: batch * 3], y[: batch * 3], batch, device)
    _sync(device)
    start = time.perf_counter()  # as fit: from the arrays, through building the model, to trained
    model, backbone, batch_at, step = _loop_train(kind, ckpt, X, y, batch, device)
    _sync(device)
    fit_s = time.perf_counter() - start
    with FlopCounterMode(display=False) as counter:
        step(0)
    flops_per_sample = counter.get_total_flops() / batch
    model.eval()
    start = time.perf_counter()
    if kind == "text":  # transform tokenizes its input too
        batch_at = _text_batches(ckpt, X, batch, device)
    with torch.inference_mode(), torch.autocast(torch.device(device).type, dtype=torch.bfloat16):
        for i in range(0, len(y), batch):
            backbone(batch_at(i)).float().cpu()
    _sync(device)
    return {
        "fit_s": fit_s,
        "transform_s": time.perf_counter() - start,
        "n": len(y),
        "flops_per_sample": flops_per_sample,
    }


def _text_batches(ckpt: str, X, batch: int, device: str):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(ckpt)
    enc = tok(list(X), padding="max_length", truncation=True, max_length=128, return_tensors="pt")
    enc = {k: v.to(device) for k, v in enc.items()}
    return lambda i: {k: v[i : i + batch] for k, v in enc.items()}


def _loop_train(kind: str, ckpt: str, X, y, batch: int, device: str):
    """The hand-written loop: build the model, put the data on the device, one epoch of AMP steps."""
    import torch
    from torch import nn

    from sklearn_zoo import get_checkpoint
    from sklearn_zoo.loading import load_backbone

    torch.manual_seed(SEED)
    spec = get_checkpoint(ckpt)
    backbone = load_backbone(spec, pretrained=False)
    backbone.freeze(0)
    model = nn.Sequential(backbone, nn.Linear(backbone.num_features, 2 if kind == "text" else 10))
    if kind == "image":
        model = model.to(device, memory_format=torch.channels_last)
        mean = torch.tensor(spec.image.mean, device=device).view(1, 3, 1, 1) * 255
        std = torch.tensor(spec.image.std, device=device).view(1, 3, 1, 1) * 255
        data = torch.from_numpy(X).to(device).permute(0, 3, 1, 2)  # the images already on the GPU

        def batch_at(i):
            x = data[i : i + batch].float().sub_(mean).div_(std)
            return x.contiguous(memory_format=torch.channels_last)
    else:
        model = model.to(device)
        batch_at = _text_batches(ckpt, X, batch, device)

    targets = torch.from_numpy(y).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    loss_fn = nn.CrossEntropyLoss()

    def step(i):
        with torch.autocast(torch.device(device).type, dtype=torch.bfloat16):
            loss = loss_fn(model(batch_at(i)).float(), targets[i : i + batch])
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    model.train()
    for i in range(0, len(y), batch):
        step(i)
    return model, backbone, batch_at, step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=60, help="optimizer steps timed per side")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--peak-tflops", type=float, default=None, help="the device's bf16 peak")
    parser.add_argument("--smoke", action="store_true", help="small models: check the wiring")
    parser.add_argument("--only", choices=["image", "text"], default=None)
    args = parser.parse_args()
    import torch

    name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "CPU"
    peak = _peak(name, args.peak_tflops)
    print(machine())
    for kind in [args.only] if args.only else ["image", "text"]:
        with tempfile.TemporaryDirectory() as tmp:
            call = dict(
                kind=kind,
                smoke=args.smoke,
                batch=args.batch,
                steps=args.steps,
                device=args.device,
                tmp=tmp,
            )
            a = measure(functools.partial(ours_fit, **call))[0]
            b = measure(functools.partial(loop, **call))[0]
        unit = "images/s" if kind == "image" else "sequences/s"
        model = {"image": "ResNet-50 224px", "text": "BERT-base 128 tokens"}[kind]
        print(f"\n== {model if not args.smoke else kind + ' (smoke)'}, batch {args.batch}, bf16")
        for what in ("fit", "transform"):
            ours_rate = a["n"] / a[f"{what}_s"]
            loop_rate = b["n"] / b[f"{what}_s"]
            print(
                f"  {what:<9} sklearn_zoo {ours_rate:9.1f} {unit}   hand loop {loop_rate:9.1f} {unit}"
            )
            print(
                f"  {what:<9} time ratio sklearn_zoo / loop: {a[f'{what}_s'] / b[f'{what}_s']:.3f}x"
            )
        tflops = b["flops_per_sample"] * a["n"] / a["fit_s"] / 1e12
        line = f"  training FLOPs {b['flops_per_sample'] / 1e9:.1f} GFLOP/sample; fit {tflops:.1f} TFLOP/s"
        if peak:
            loop_tflops = b["flops_per_sample"] * b["n"] / b["fit_s"] / 1e12
            line += (
                f"; MFU fit {tflops / peak:.1%}, hand loop {loop_tflops / peak:.1%} (peak {peak:g})"
            )
        print(line)


if __name__ == "__main__":
    main()
