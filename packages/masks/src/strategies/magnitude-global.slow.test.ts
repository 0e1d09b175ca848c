import { Mask, type Weights } from '@prunekit/core';
import { createRng } from '@prunekit/tensor';
import { describe, expect, it } from 'vitest';
import { keepCount } from '../counts.js';
import { context, param } from '../testing/fixtures.js';
import { magnitudeGlobal } from './magnitude-global.js';

// ResNet-50 size: 23.6 M prunable weights in 10 conv kernels [3, 3, 512, 512] (2.36 M each) on the host.
describe('magnitude-global at ResNet-50 scale', () => {
  it('prunes exactly ⌊0.2·N⌋ of 23.6 M weights per round without sorting', async () => {
    const params = Array.from({ length: 10 }, (_, i) =>
      param(`conv${i}.weight`, [3, 3, 512, 512], true, 'conv'),
    );
    const rng = createRng(2024);
    const weights: Weights = new Map();
    for (const p of params) {
      const d = new Float32Array(3 * 3 * 512 * 512);
      // uniform in [-1, 1) with 24-bit resolution: many exact ties, the hard case for the tie rule
      for (let i = 0; i < d.length; i++) d[i] = ((rng.nextU32() >>> 8) - 2 ** 23) * 2 ** -23;
      weights.set(p.name, { shape: p.shape, data: d });
    }
    const total = 10 * 3 * 3 * 512 * 512;
    expect(total).toBe(23_592_960);

    let mask = Mask.ones(params);
    for (let round = 1; round <= 2; round++) {
      const alive = mask.count();
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const next = await magnitudeGlobal.prune(context({ params, weights, mask, round }), {});
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      console.log(
        `magnitude-global round ${round}: ${total} params, ${alive} → ${next.count()} kept in ${ms.toFixed(0)} ms ` +
          `(cpu: user ${(cpu.user / 1000).toFixed(0)} ms, system ${(cpu.system / 1000).toFixed(0)} ms)`,
      );
      expect(next.count()).toBe(keepCount({ kind: 'fraction', fraction: 0.2 }, alive, total));
      expect(next.count()).toBe(alive - Math.floor(0.2 * alive));

      // Every kept |w| ≥ every pruned-this-round |w|, and nothing outside the old mask is kept.
      let minKept = Number.POSITIVE_INFINITY;
      let maxPruned = Number.NEGATIVE_INFINITY;
      for (const p of params) {
        const w = weights.get(p.name)!.data;
        const before = mask.get(p.name).data;
        const after = next.get(p.name).data;
        for (let i = 0; i < w.length; i++) {
          if (after[i]! > before[i]!) throw new Error(`${p.name}[${i}] came back`);
          const a = Math.abs(w[i]!);
          if (after[i]) minKept = Math.min(minKept, a);
          else if (before[i]) maxPruned = Math.max(maxPruned, a);
        }
      }
      expect(minKept).toBeGreaterThanOrEqual(maxPruned);
      mask = next;
    }
    expect(Math.abs(mask.density() - 0.64)).toBeLessThan(1e-4);
  });
});
