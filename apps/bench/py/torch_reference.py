#!/usr/bin/python3
"""PyTorch reference for apps/bench/src/throughput.ts: training throughput of the same model.

Input: one JSON object as the first argument, or on stdin when there is no argument:
  {"model": "lenet-300-100" | "conv2" | "conv4" | "resnet18", "batch": 128, "threads": 1,
   "steps": 10, "budget_s": 15, "density": 1.0, "seed": 0}
Output: one JSON line on stdout:
  {"samples_per_s", "ms_per_step", "steps", "threads", "torch_version", "blas",
   "max_rss_kb", "rss_after_warmup_kb", "rss_end_kb", ...}

Memory: max_rss_kb is getrusage(RUSAGE_SELF).ru_maxrss (KiB on Linux), the peak RSS of this
process, i.e. of the whole case (one process per case); rss_after_warmup_kb / rss_end_kb are
the current RSS after the warm-up step and after the last timed step (a growth check).

Measures what ours measures: forward + backward + SGD update (momentum 0.9, weight decay 1e-4,
lr 0.01) on one fixed random batch; one warm-up step, then timed steps until `steps` are done or
`budget_s` has passed (at least one); the median is reported. For density < 1 every weight
(conv and linear kernels, not biases) is multiplied by a fixed random 0/1 mask after each step,
as masked training does (apps' `applyMask`).

glibc's allocator is primed the same way at every density (see prime_allocator; the input
field "prime_allocator": false turns it off).

Run it with Debian's system Python (`/usr/bin/python3`, package python3-torch); a pyenv python3
earlier on PATH has no torch.
"""

import json
import os
import resource
import statistics
import sys
import time

try:
    import torch
    from torch import nn
except ImportError as e:  # pragma: no cover - the message is the point
    print(
        f"torch_reference.py: PyTorch is not importable by {sys.executable} ({e}). Install it with "
        "`apt-get install python3-torch libopenblas0-pthread` and run this script with /usr/bin/python3.",
        file=sys.stderr,
    )
    sys.exit(3)

MODELS = ("lenet-300-100", "conv2", "conv4", "resnet18")

# Input shape (NCHW without the batch) and classes per model.
INPUTS = {
    "lenet-300-100": (1, 28, 28),
    "conv2": (1, 28, 28),
    "conv4": (1, 28, 28),
    "resnet18": (3, 32, 32),
}


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: 3×3 conv (stride s) - BN - ReLU - 3×3 conv - BN, plus the
    shortcut (identity, or 1×1 conv stride s + BN where the shape changes), ReLU.
    Convs without bias; BN momentum 0.1, eps 1e-5 (packages/models/src/resnet.ts basicBlock)."""

    def __init__(self, inplanes: int, planes: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.downsample is None else self.downsample(x)
        return self.relu(y + s)


class ResNet18Cifar(nn.Module):
    """ResNet-18 with the CIFAR stem (packages/models resnet18 with stem 'cifar', width 64):
    3×3 stride-1 conv 3→64 (no bias) + BN + ReLU, no max-pool; stages of 2 basic blocks with
    64, 128, 256, 512 planes (stride 2 at the start of stages 2-4); global average pool; linear
    512→classes with bias. 11,173,962 parameters for 10 classes, as ours."""

    def __init__(self, classes: int = 10, width: int = 64) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        blocks = []
        inplanes = width
        for stage in range(4):
            planes = width * 2**stage
            for b in range(2):
                blocks.append(BasicBlock(inplanes, planes, 2 if b == 0 and stage > 0 else 1))
                inplanes = planes
        self.layers = nn.Sequential(*blocks)
        self.fc = nn.Linear(inplanes, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.layers(y)
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(y, 1), 1))


def build(name: str) -> nn.Module:
    """The same layers as packages/models (lenet-300-100.ts via mlp.ts; conv2.ts and conv4.ts via
    convnet.ts; resnet18.ts via resnet.ts)."""
    if name == "lenet-300-100":
        # flatten 28×28×1 → 784 → 300 → 100 → 10, ReLU between, biases everywhere.
        return nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 300), nn.ReLU(),
            nn.Linear(300, 100), nn.ReLU(),
            nn.Linear(100, 10),
        )
    if name == "conv2":
        # width 64, one pair: two 3×3 convs (padding 1 = size-preserving, bias, ReLU),
        # 2×2 max-pool ('same' in tfjs = ceil mode; 28 → 14), dense 14·14·64 → 256 → 256 → 10.
        return nn.Sequential(
            nn.Conv2d(1, 64, 3, padding=1), nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2, 2, ceil_mode=True),
            nn.Flatten(),
            nn.Linear(14 * 14 * 64, 256), nn.ReLU(),
            nn.Linear(256, 256), nn.ReLU(),
            nn.Linear(256, 10),
        )
    if name == "conv4":
        # width 64, two pairs: convs 1→64→64, pool (28 → 14), convs 64→128→128, pool (14 → 7),
        # dense 7·7·128 → 256 → 256 → 10.
        return nn.Sequential(
            nn.Conv2d(1, 64, 3, padding=1), nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2, 2, ceil_mode=True),
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(),
            nn.Conv2d(128, 128, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2, 2, ceil_mode=True),
            nn.Flatten(),
            nn.Linear(7 * 7 * 128, 256), nn.ReLU(),
            nn.Linear(256, 256), nn.ReLU(),
            nn.Linear(256, 10),
        )
    if name == "resnet18":
        return ResNet18Cifar(10)
    raise SystemExit(f"torch_reference.py: unknown model {name!r}; known: {', '.join(MODELS)}")


def prime_allocator(model: nn.Module) -> None:
    """Allocate and free one parameter-sized buffer per parameter, at every density.

    glibc serves large allocations with mmap until an mmap'd chunk is freed; that free raises its
    mmap and trim thresholds to the chunk's size. Building a density < 1 mask frees such chunks
    (the random tensors), so masked runs kept their gradient buffers on the heap while density 1
    runs mapped and unmapped them every step and paid the page faults: LeNet-300-100 measured
    8-9 ms/step at density 1 vs 2 ms at 0.1, Conv-2 ~0.7 s vs ~0.2 s. Doing the same frees at
    every density removes that difference (fixed mallopt settings instead made Conv-2 3× slower).
    """
    for p in model.parameters():
        buf = torch.empty(p.shape)
        del buf


def rss_kb() -> int | None:
    """The current resident set size of this process, KiB (/proc/self/statm)."""
    try:
        with open("/proc/self/statm", encoding="utf-8") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return None


def loaded_blas() -> str:
    """The BLAS shared object actually mapped into this process (after a matmul ran)."""
    found = []
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                base = os.path.basename(path).lower()
                if ("blas" in base or "mkl" in base) and path not in found:
                    found.append(path)
    except OSError:
        return "unknown"
    return ", ".join(found) if found else "none mapped"


def main() -> None:
    raw = sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read()
    try:
        cfg = json.loads(raw)
    except json.JSONDecodeError as e:
        raise SystemExit(f"torch_reference.py: input is not JSON ({e}): {raw[:200]!r}")
    model_name = cfg.get("model", "lenet-300-100")
    batch = int(cfg.get("batch", 128))
    threads = int(cfg.get("threads", 1))
    max_steps = int(cfg.get("steps", 10))
    budget_s = float(cfg.get("budget_s", 15))
    density = float(cfg.get("density", 1.0))
    seed = int(cfg.get("seed", 0))
    warmup = int(cfg.get("warmup", 1))
    if not 0 < density <= 1:
        raise SystemExit(f"torch_reference.py: density must be in (0, 1], got {density}")

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    model = build(model_name)
    model.train()
    if cfg.get("prime_allocator", True):
        prime_allocator(model)
    if model_name not in INPUTS:
        raise SystemExit(f"torch_reference.py: unknown model {model_name!r}; known: {', '.join(MODELS)}")
    x = torch.randn(batch, *INPUTS[model_name])
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()

    masks = []
    if density < 1:
        gen = torch.Generator().manual_seed(seed + 1)
        for p in model.parameters():
            if p.dim() > 1:  # kernels are prunable; biases are not
                masks.append((p, (torch.rand(p.shape, generator=gen) < density).to(p.dtype)))
        with torch.no_grad():
            for p, m in masks:
                p.mul_(m)

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        if masks:
            with torch.no_grad():
                for p, m in masks:
                    p.mul_(m)
        return loss.item()  # forces completion, as ours reads the loss back

    for _ in range(max(1, warmup)):  # warm-up (allocator, thread pool, page faults)
        step()
    rss_warm = rss_kb()
    times = []
    start = time.perf_counter()
    while len(times) < max_steps and (not times or time.perf_counter() - start < budget_s):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    ms = statistics.median(times) * 1000
    rss_end = rss_kb()
    print(json.dumps({
        "samples_per_s": batch * 1000 / ms,
        "ms_per_step": ms,
        "steps": len(times),
        "threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "blas": loaded_blas(),
        "model": model_name,
        "batch": batch,
        "density": density,
        "warmup": max(1, warmup),
        "allocator_primed": bool(cfg.get("prime_allocator", True)),
        "times_ms": [round(t * 1000, 2) for t in times],
        "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "rss_after_warmup_kb": rss_warm,
        "rss_end_kb": rss_end,
    }))


if __name__ == "__main__":
    main()
