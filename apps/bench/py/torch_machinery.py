#!/usr/bin/python3
"""PyTorch reference for apps/bench/src/machinery.ts: the pruning machinery on the same parameter set.

Input: one JSON object on stdin (or as the first argument):
  {"params": [{"name", "shape", "prunable"}, ...],   # ours: ResNet-50 CIFAR-100, 23.6 M prunable
   "fraction": 0.2, "repeats": 3, "apply_repeats": 10, "seed": 1, "threads": 1}
Output: one JSON line on stdout:
  {"timings": {<op>: {"ms": median, "times_ms": [...]}}, "checks": {...}, "weights", "threads",
   "torch_version", "max_rss_kb"}

Every prunable parameter gets weights a ~ N(0, 1) and "trained" weights b = a + 0.5 N(0, 1), as
ours. The operations, each repeated `repeats` times (median reported), mirror ours:
  globalRound1   global magnitude mask: |w| of all prunable tensors concatenated, torch.kthvalue
                 for the threshold that prunes floor(fraction * alive), one bool mask per tensor
                 (ours: masks' magnitude-global strategy, which returns a host-side Mask).
  globalRound2   the same inside the round-1 mask (pruned weights scored -inf).
  randomMatched  random mask with the per-layer kept counts of the round-2 mask: uniform random
                 scores per tensor, per-tensor kthvalue threshold (ours: random-matched strategy).
  flipFraction   fraction of kept weights (round-1 mask) whose sign differs between a and b, per
                 tensor and overall (ours: signs' flip-fraction metric).
  maskApply      per training step: w.mul_(m) over every prunable tensor with a float 0/1 mask
                 (ours: train's applyMask on the model's tfjs variables); one warm-up call, then
                 `apply_repeats` timed calls.

Run it with Debian's system Python (`/usr/bin/python3`, package python3-torch).
"""

import json
import math
import resource
import statistics
import sys
import time

try:
    import torch
except ImportError as e:  # pragma: no cover - the message is the point
    print(
        f"torch_machinery.py: PyTorch is not importable by {sys.executable} ({e}). Install it with "
        "`apt-get install python3-torch libopenblas0-pthread` and run this script with /usr/bin/python3.",
        file=sys.stderr,
    )
    sys.exit(3)


def timed(fn, repeats):
    """Run fn `repeats` times; (last result, median ms, all ms)."""
    times = []
    out = None
    for _ in range(max(1, repeats)):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
    return out, statistics.median(times), times


def global_magnitude(ws, masks, fraction):
    """One global magnitude round: prune floor(fraction * alive) of the survivors by |w|."""
    if masks is None:
        scores = torch.cat([w.abs().flatten() for w in ws])
        alive = scores.numel()
    else:
        scores = torch.cat(
            [w.abs().masked_fill_(~m, -math.inf).flatten() for w, m in zip(ws, masks)]
        )
        alive = int(sum(int(m.sum()) for m in masks))
    dead = scores.numel() - alive
    prune = math.floor(fraction * alive)
    if prune == 0:
        return [torch.ones_like(w, dtype=torch.bool) if masks is None else m.clone() for w, m in
                zip(ws, masks or [None] * len(ws))]
    threshold = torch.kthvalue(scores, dead + prune).values
    parts = scores.split([w.numel() for w in ws])
    return [(p > threshold).view(w.shape) for p, w in zip(parts, ws)]


def random_matched(ws, counts, gen):
    """Per tensor, keep `counts[i]` weights chosen uniformly at random (current mask: all ones)."""
    out = []
    for w, k in zip(ws, counts):
        n = w.numel()
        if k >= n:
            out.append(torch.ones(w.shape, dtype=torch.bool))
            continue
        if k == 0:
            out.append(torch.zeros(w.shape, dtype=torch.bool))
            continue
        r = torch.rand(n, generator=gen)
        threshold = torch.kthvalue(r, n - k).values
        out.append((r > threshold).view(w.shape))
    return out


def flip_fraction(a, b, masks):
    """Fraction of kept weights whose sign differs between a and b, per tensor and overall."""
    per = []
    flipped = 0
    compared = 0
    for x, y, m in zip(a, b, masks):
        f = int(((torch.sign(x) != torch.sign(y)) & m).sum())
        c = int(m.sum())
        per.append(f / c if c else 0.0)
        flipped += f
        compared += c
    return (flipped / compared if compared else 0.0), per


def main() -> None:
    raw = sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read()
    try:
        cfg = json.loads(raw)
    except json.JSONDecodeError as e:
        raise SystemExit(f"torch_machinery.py: input is not JSON ({e}): {raw[:200]!r}")
    params = [p for p in cfg.get("params", []) if p.get("prunable")]
    if not params:
        raise SystemExit("torch_machinery.py: input has no prunable params ({'params': [{name, shape, prunable}]})")
    fraction = float(cfg.get("fraction", 0.2))
    repeats = int(cfg.get("repeats", 3))
    apply_repeats = int(cfg.get("apply_repeats", 10))
    seed = int(cfg.get("seed", 1))
    threads = int(cfg.get("threads", 1))
    torch.set_num_threads(threads)

    gen = torch.Generator().manual_seed(seed)
    a = [torch.randn(p["shape"], generator=gen) for p in params]
    b = [w + 0.5 * torch.randn(w.shape, generator=gen) for w in a]
    n = sum(w.numel() for w in a)

    timings = {}
    m1, ms, ts = timed(lambda: global_magnitude(a, None, fraction), repeats)
    timings["globalRound1"] = {"ms": ms, "times_ms": ts}
    m2, ms, ts = timed(lambda: global_magnitude(a, m1, fraction), repeats)
    timings["globalRound2"] = {"ms": ms, "times_ms": ts}
    counts = [int(m.sum()) for m in m2]
    rgen = torch.Generator().manual_seed(seed + 7)
    mr, ms, ts = timed(lambda: random_matched(a, counts, rgen), repeats)
    timings["randomMatched"] = {"ms": ms, "times_ms": ts}
    (flip, _), ms, ts = timed(lambda: flip_fraction(a, b, m1), repeats)
    timings["flipFraction"] = {"ms": ms, "times_ms": ts}

    mf = [m.to(torch.float32) for m in m1]

    def apply() -> None:
        with torch.no_grad():
            for w, m in zip(a, mf):
                w.mul_(m)

    apply()  # warm-up
    _, ms, ts = timed(apply, apply_repeats)
    timings["maskApply"] = {"ms": ms, "times_ms": ts}

    kept2 = sum(int(m.sum()) for m in m2)
    print(json.dumps({
        "timings": {k: {"ms": v["ms"], "times_ms": [round(t, 2) for t in v["times_ms"]]} for k, v in timings.items()},
        "checks": {
            "kept1": sum(int(m.sum()) for m in m1),
            "density2": kept2 / n,
            "randomMatchedKept": sum(int(m.sum()) for m in mr),
            "flip": flip,
        },
        "weights": n,
        "threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


if __name__ == "__main__":
    main()
