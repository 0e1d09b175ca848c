import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { DEBIAN_FASHION_MNIST_DIR } from './data-dir.js';
import { loadDataset } from './dataset-factory.js';
import { fashionMnist } from './fashion-mnist.js';
import { readIdxSplit } from './idx-dataset.js';

const dir = DEBIAN_FASHION_MNIST_DIR;
const present = existsSync(dir);
if (!present) {
  console.log(
    `[fashion-mnist] SKIPPED the real-file test: ${dir} is absent (apt-get install dataset-fashion-mnist; CI installs it)`,
  );
}

describe('Fashion-MNIST on the real Debian files', () => {
  it.runIf(present)(
    'loads 60,000 + 10,000 images quickly and correctly from the default folder',
    async () => {
      vi.stubEnv('PRUNEKIT_DATA_DIR', '');
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const data = await loadDataset(fashionMnist, {});
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      console.log(
        `[fashion-mnist] loaded 60,000 train + 10,000 test images (gunzip, checks, normalization statistics) from ${dir} in ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`,
      );
      vi.unstubAllEnvs();
      expect(data.size('train')).toBe(60000);
      expect(data.size('test')).toBe(10000);
      expect(data.inputShape).toEqual([28, 28, 1]);
      // the well-known Fashion-MNIST training statistics
      const norm = (data as unknown as { normalization: { mean: number[]; std: number[] } }).normalization;
      expect(norm.mean[0]).toBeCloseTo(0.286, 3);
      expect(norm.std[0]).toBeCloseTo(0.353, 3);
      // exactly 6,000 training and 1,000 test images per class
      for (const [split, per] of [
        ['train', 6000],
        ['test', 1000],
      ] as const) {
        const counts = new Array<number>(10).fill(0);
        for (const label of (await readIdxSplit(dir, split, { classes: 10 })).y) counts[label]!++;
        expect(counts).toEqual(new Array(10).fill(per));
      }
      const before = tf.memory().numTensors;
      let batches = 0;
      for (const { x, y } of data.batches('test', { batchSize: 1000, seed: 0 })) {
        expect(x.shape).toEqual([1000, 28, 28, 1]);
        x.dispose();
        y.dispose();
        batches++;
      }
      expect(batches).toBe(10);
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
