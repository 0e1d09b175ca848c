import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { currentBackend, initBackend, parseEngine } from './backend.js';

describe('initBackend', () => {
  afterAll(async () => {
    await initBackend({ engine: 'wasm', log: () => {} });
  });

  it('auto picks the first engine that loads and says why in one line', async () => {
    const lines: string[] = [];
    const choice = await initBackend({ engine: 'auto', log: (l) => lines.push(l) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^prunekit: backend (node-gpu|node|wasm|cpu)/);
    expect(['node-gpu', 'node', 'wasm', 'cpu']).toContain(choice.engine);
    // Every engine skipped before the chosen one is explained.
    const order = ['node-gpu', 'node', 'wasm', 'cpu'];
    expect(choice.skipped.map((s) => s.engine)).toEqual(order.slice(0, order.indexOf(choice.engine)));
    for (const s of choice.skipped) expect(lines[0]).toContain(`${s.engine}: ${s.why}`);
    expect(currentBackend()).toBe(choice);
  });

  it('can be forced to wasm and cpu', async () => {
    expect((await initBackend({ engine: 'cpu', log: () => {} })).backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const w = await initBackend({ engine: 'wasm', log: () => {} });
    expect(w.backend).toBe('wasm');
    expect(w.reason).toMatch(/backend wasm \(SIMD on, 1 thread\) — requested/);
  });

  it('parses engine names and rejects unknown ones with the list', () => {
    expect(parseEngine('GPU')).toBe('node-gpu');
    expect(parseEngine('wasm')).toBe('wasm');
    expect(() => parseEngine('metal', '--backend')).toThrow(
      "--backend: unknown backend 'metal'; known: auto, node-gpu, node, wasm, cpu",
    );
  });
});
