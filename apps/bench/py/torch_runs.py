#!/usr/bin/python3
"""PyTorch reference for apps/bench/src/runs.ts: whole short IMP and LRR runs.

Input: one JSON object as the first argument, or on stdin when there is no argument:
  {"model": "lenet-300-100" | "conv4", "methods": ["imp", "lrr"], "threads": 1,
   "data_dir": "/usr/share/datasets/fashion-mnist", "limit": 10000 | null,
   "rounds": 5, "epochs": 1, "batch": 128, "lr": 0.1, "lr_min": 0.01, "momentum": 0.9,
   "weight_decay": 1e-4, "fraction": 0.2, "eval_batch": 512, "seed": 0}
Output: one JSON line on stdout:
  {"torch_version", "threads", "blas", "runs": [{"method", "seconds", "rounds": [...]}, ...]}

Each method is one whole run, timed from reading the data to the last evaluation, doing what
prunekit's runner does for the recipe runs.ts builds (no warm-up, so the rewind anchor is the
initialization):
- data: the gzip IDX files read here with gzip + numpy (the first `limit` train and the first
  `limit` test examples when `limit` is set), pixels / 255, normalized with the mean and
  (population) standard deviation of the training split; no augmentation; a fresh shuffle every
  epoch; the last partial batch is kept (ceil(n / batch) steps per epoch);
- the model: the same layers and initialization as packages/models (Kaiming-normal weights with
  fan-in, zero biases);
- round 0 trains dense, then `rounds` times: global magnitude pruning of `fraction` of the
  surviving weights (floor(fraction · alive) pruned; kernels of every conv and linear layer,
  never biases) → rewind → train under the mask. IMP ("imp") rewinds the surviving weights to
  the initialization and resets the momentum (the anchor's, which is zero at step 0); LRR ("lrr")
  keeps the trained weights and momentum. Both restart the per-round schedule;
- every round: `epochs` epochs of SGD (momentum, weight decay on all parameters) with the cosine
  schedule lr → lr_min over the round's steps, the mask re-applied after every step (and the
  momentum of pruned weights zeroed when a round starts); then the test set is evaluated.

Run it with Debian's system Python (`/usr/bin/python3`, package python3-torch); a pyenv python3
earlier on PATH has no torch.
"""

import gzip
import json
import math
import os
import struct
import sys
import time
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# torch_reference exits with an install hint when torch is missing.
from torch_reference import build as build_layers  # noqa: E402
from torch_reference import loaded_blas, prime_allocator  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

MODELS = ("lenet-300-100", "conv4")
METHODS = ("imp", "lrr")
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path: str, magic: int) -> np.ndarray:
    """One IDX file (plain or .gz): big-endian magic, dims, then unsigned bytes."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    got, = struct.unpack(">I", raw[:4])
    if got != magic:
        raise SystemExit(f"torch_runs.py: {path}: magic {got:#x}, expected {magic:#x}")
    ndim = magic & 0xFF
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(data_dir: str, base: str) -> str:
    for name in (base, base + ".gz"):
        p = os.path.join(data_dir, name)
        if os.path.exists(p):
            return p
    raise SystemExit(f"torch_runs.py: {os.path.join(data_dir, base)}(.gz) is missing")


def load_data(data_dir: str, limit):
    """(x_train, y_train, x_test, y_test): float32 NCHW normalized by the training split's stats."""
    out = {}
    for split, (images, labels) in FILES.items():
        x = read_idx(find(data_dir, images), 0x00000803)
        y = read_idx(find(data_dir, labels), 0x00000801)
        if limit is not None:
            x, y = x[:limit], y[:limit]
        out[split] = (x, y)
    xtr = out["train"][0].astype(np.float64) / 255.0
    mean = float(xtr.mean())
    std = float(xtr.std()) or 1.0

    def prep(x: np.ndarray) -> torch.Tensor:
        a = ((x.astype(np.float32) / np.float32(255.0)) - np.float32(mean)) / np.float32(std)
        return torch.from_numpy(np.ascontiguousarray(a[:, None, :, :]))

    return (
        prep(out["train"][0]), torch.from_numpy(out["train"][1].astype(np.int64)),
        prep(out["test"][0]), torch.from_numpy(out["test"][1].astype(np.int64)),
    )


def build(name: str) -> nn.Module:
    """The layers of packages/models (torch_reference.build), initialized as ours: Kaiming-normal
    fan-in weights, zero biases."""
    if name not in MODELS:
        raise SystemExit(f"torch_runs.py: unknown model {name!r}; known: {', '.join(MODELS)}")
    model = build_layers(name)
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")  # std √(2/fan-in)
            nn.init.zeros_(m.bias)
    return model


def cosine(lr: float, lr_min: float, steps: int, t: int) -> float:
    t = min(max(t, 0), steps)
    return lr_min + (lr - lr_min) * (1 + math.cos(math.pi * t / steps)) / 2


def global_magnitude(weights, masks, fraction: Fraction):
    """New masks: prune floor(fraction · alive) of the surviving weights with the smallest |w|."""
    scores = torch.cat([torch.where(m.bool(), w.detach().abs(), torch.full_like(w, -1.0)).flatten()
                        for w, m in zip(weights, masks)])
    alive = int(sum(int(m.sum().item()) for m in masks))
    keep = alive - (fraction.numerator * alive) // fraction.denominator
    flat = torch.zeros(scores.numel())
    flat[torch.topk(scores, keep, sorted=False).indices] = 1.0
    out, at = [], 0
    for m in masks:
        out.append(flat[at:at + m.numel()].view_as(m).clone())
        at += m.numel()
    return out


def evaluate(model, x, y, batch: int):
    model.eval()
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    total, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            out = model(x[i:i + batch])
            total += loss_fn(out, y[i:i + batch]).item()
            correct += int((out.argmax(1) == y[i:i + batch]).sum().item())
    model.train()
    return total / x.shape[0], correct / x.shape[0]


def run(cfg: dict, method: str) -> dict:
    t0 = time.perf_counter()
    seed = int(cfg.get("seed", 0))
    xtr, ytr, xte, yte = load_data(cfg.get("data_dir", "/usr/share/datasets/fashion-mnist"), cfg.get("limit"))
    torch.manual_seed(seed)
    model = build(cfg["model"])
    model.train()
    prime_allocator(model)
    prunable = [p for p in model.parameters() if p.dim() > 1]  # kernels; biases are never pruned
    init = [p.detach().clone() for p in model.parameters()]
    masks = [torch.ones_like(p) for p in prunable]
    opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=cfg["momentum"],
                          weight_decay=cfg["weight_decay"])
    loss_fn = nn.CrossEntropyLoss()
    n, batch = xtr.shape[0], int(cfg["batch"])
    ipe = math.ceil(n / batch)
    steps = ipe * int(cfg["epochs"])
    gen = torch.Generator().manual_seed(seed)
    fraction = Fraction(str(cfg["fraction"]))
    total = sum(p.numel() for p in prunable)
    rounds = []
    for r in range(int(cfg["rounds"]) + 1):
        rt = time.perf_counter()
        with torch.no_grad():  # the mask holds from the start; pruned weights carry no momentum
            for p, m in zip(prunable, masks):
                p.mul_(m)
                buf = opt.state.get(p, {}).get("momentum_buffer")
                if buf is not None:
                    buf.mul_(m)
        step, loss_sum, loss_n = 0, 0.0, 0
        while step < steps:
            order = torch.randperm(n, generator=gen)
            loss_sum, loss_n = 0.0, 0
            for i in range(0, n, batch):
                if step >= steps:
                    break
                idx = order[i:i + batch]
                for g in opt.param_groups:
                    g["lr"] = cosine(cfg["lr"], cfg["lr_min"], steps, step)
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(xtr[idx]), ytr[idx])
                loss.backward()
                opt.step()
                with torch.no_grad():
                    for p, m in zip(prunable, masks):
                        p.mul_(m)
                loss_sum += loss.item()
                loss_n += 1
                step += 1
        test_loss, test_acc = evaluate(model, xte, yte, int(cfg.get("eval_batch", 512)))
        kept = int(sum(int(m.sum().item()) for m in masks))
        rounds.append({
            "round": r, "density": kept / total, "test_accuracy": test_acc, "test_loss": test_loss,
            "train_loss": loss_sum / max(1, loss_n), "seconds": time.perf_counter() - rt,
        })
        if r == int(cfg["rounds"]):
            break
        masks = global_magnitude(prunable, masks, fraction)
        with torch.no_grad():
            if method == "imp":  # weights (and biases) ← the anchor = init; momentum ← the anchor's (0)
                for p, w0 in zip(model.parameters(), init):
                    p.copy_(w0)
                opt.state.clear()
            # lrr: weights and momentum carry over; only the schedule restarts (the next round)
    return {"method": method, "seconds": time.perf_counter() - t0, "train": int(n), "test": int(xte.shape[0]),
            "rounds": rounds}


def finite(v):
    """JSON has no NaN/Infinity: a diverged run's losses become null (JSON.parse would reject NaN)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: finite(x) for k, x in v.items()}
    if isinstance(v, list):
        return [finite(x) for x in v]
    return v


def main() -> None:
    raw = sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read()
    try:
        cfg = json.loads(raw)
    except json.JSONDecodeError as e:
        raise SystemExit(f"torch_runs.py: input is not JSON ({e}): {raw[:200]!r}")
    defaults = {"model": "lenet-300-100", "methods": ["imp", "lrr"], "threads": 1, "limit": None, "rounds": 5,
                "epochs": 1, "batch": 128, "lr": 0.1, "lr_min": 0.01, "momentum": 0.9, "weight_decay": 1e-4,
                "fraction": 0.2, "eval_batch": 512, "seed": 0}
    cfg = {**defaults, **cfg}
    for m in cfg["methods"]:
        if m not in METHODS:
            raise SystemExit(f"torch_runs.py: unknown method {m!r}; known: {', '.join(METHODS)}")
    if cfg["model"] not in MODELS:
        raise SystemExit(f"torch_runs.py: unknown model {cfg['model']!r}; known: {', '.join(MODELS)}")
    torch.set_num_threads(int(cfg["threads"]))
    runs = [run(cfg, m) for m in cfg["methods"]]
    print(json.dumps(finite({
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": loaded_blas(),
        "model": cfg["model"],
        "runs": runs,
    }), allow_nan=False))


if __name__ == "__main__":
    main()
