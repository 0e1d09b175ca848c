/**
 * The bad-input catalogue of issue #6 through the library API: every item ends in a `PruneError`
 * whose code maps to exit 2 (bad input) or 1 (failed run), one paragraph naming the file or field
 * and the fix, and nothing written before is changed (run directories are fingerprinted before
 * and after). The same items through the CLI: apps/cli/src/catalogue.test.ts.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { Mask, isPruneError } from '@prunekit/core';
import { createDatasetRegistry, fetchDataset, loadDataset } from '@prunekit/datasets';
import { decodeSafetensors, loadMask, loadWeights, saveMask, saveWeights } from '@prunekit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type RecipeInput, parseRecipe } from './recipe.js';
import { RUN_FILES, runDirectory } from './run-dir.js';
import { resumeRun, runExperiment } from './runner.js';
import {
  BAD_DATA,
  ONE_ROUND,
  checkpointModel,
  editHeader,
  expectCatalogueError,
  fingerprint,
  hangUpServer,
  hugeHeaderFile,
  rawSafetensors,
  rejection,
  unfinishedCopy,
} from './testing/bad-inputs.js';
import { tempDir } from './testing/fixtures.js';

const ROOT = join(__dirname, '../../..');
let finished: string; // a finished ONE_ROUND run
let other: string; // a finished run of another recipe (seed 1)

beforeAll(async () => {
  const base = tempDir('pk-cat-');
  finished = (await runExperiment(ONE_ROUND, { out: base })).dir;
  other = (await runExperiment({ ...ONE_ROUND, seed: 1 }, { out: base })).dir;
});

/** ONE_ROUND with `patch` merged in one level deep. */
function recipe(patch: Record<string, unknown>): RecipeInput {
  const out: Record<string, unknown> = { ...ONE_ROUND };
  for (const [k, v] of Object.entries(patch)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object'
        ? { ...cur, ...v }
        : v;
  }
  return out as RecipeInput;
}

describe('catalogue: recipes (runExperiment / parseRecipe; nothing is written)', () => {
  const missingRun = '/nonexistent/prunekit/runs/lrr-0000000000';
  const cases: [
    string,
    () => Record<string, unknown>,
    'E_RECIPE' | 'E_UNKNOWN_NAME' | 'E_REFERENCE',
    RegExp,
  ][] = [
    [
      'unknown model name',
      () => recipe({ model: { name: 'mlpp' } }),
      'E_UNKNOWN_NAME',
      /model\.name: unknown model 'mlpp'.*known: .*lenet-300-100, mlp/,
    ],
    [
      'unknown dataset name',
      () => recipe({ dataset: { name: 'cifar' } }),
      'E_UNKNOWN_NAME',
      /dataset\.name: unknown dataset 'cifar'.*known: cifar10, cifar100, .*gaussian-mixture/,
    ],
    [
      'unknown strategy name',
      () => recipe({ pruning: { rounds: 1, strategy: { name: 'magnitud' } } }),
      'E_UNKNOWN_NAME',
      /pruning\.strategy\.name: unknown mask strategy 'magnitud'.*known: .*magnitude-global/,
    ],
    [
      'unknown policy name',
      () => recipe({ rewind: { policy: { name: 'lr' } } }),
      'E_UNKNOWN_NAME',
      /rewind\.policy: unknown rewind policy 'lr'; known: .*lr-rewind, weight-rewind/,
    ],
    [
      'wrong type (string for a number)',
      () => recipe({ pruning: { rounds: 'five' } }),
      'E_RECIPE',
      /pruning\.rounds: expected a number, got "five"/,
    ],
    [
      'wrong type (list for a mapping)',
      () => recipe({ seeds: [1, 2] }),
      'E_RECIPE',
      /seeds: expected a mapping \(field: value\), got a list/,
    ],
    [
      'wrong type (string for a boolean)',
      () => recipe({ training: { ...ONE_ROUND.training, augment: 'yes' } }),
      'E_RECIPE',
      /training\.augment: expected true or false, got "yes"/,
    ],
    [
      'fraction outside (0, 1)',
      () => recipe({ pruning: { rounds: 1, fraction: 1.5 } }),
      'E_RECIPE',
      /pruning\.fraction: must be between 0 and 1 \(exclusive\).*got 1\.5/,
    ],
    [
      'fraction 0',
      () => recipe({ pruning: { rounds: 1, fraction: 0 } }),
      'E_RECIPE',
      /pruning\.fraction: must be between 0 and 1/,
    ],
    [
      'negative epochs',
      () => recipe({ training: { ...ONE_ROUND.training, epochs: -1 } }),
      'E_RECIPE',
      /training\.epochs: expected a training length ≥ 0.*got -1/,
    ],
    [
      'density 0',
      () => recipe({ pruning: { rounds: 1, density: 0 } }),
      'E_RECIPE',
      /pruning\.density: must be between 0 and 1 .*got 0/,
    ],
    [
      'missing field (model)',
      () => ({ dataset: ONE_ROUND.dataset }),
      'E_RECIPE',
      /model: required: \{ name: '<a registered model>'/,
    ],
    [
      'unknown field (typo)',
      () => recipe({ pruning: { rounds: 1, frction: 0.3 } }),
      'E_RECIPE',
      /pruning: unknown field 'frction'; known: rounds, fraction, .*did you mean 'fraction'/,
    ],
    [
      'unknown plugin option',
      () => recipe({ model: { name: 'mlp', options: { ...ONE_ROUND.model.options, hiden: [3] } } }),
      'E_RECIPE',
      /model\.options.*hiden/,
    ],
    [
      'cross-run reference: missing run (mask transfer)',
      () =>
        recipe({
          pruning: { rounds: 1, strategy: { name: 'from-run', options: { reference: missingRun } } },
        }),
      'E_REFERENCE',
      /pruning\.strategy\.options\.reference: .*lrr-0000000000 is not a prunekit run directory \(no recipe\.json\)/,
    ],
    [
      'cross-run reference: missing run (sign transfer)',
      () =>
        recipe({
          rewind: { modifiers: [{ name: 'with-signs', options: { from: { run: missingRun } } }] },
        }),
      'E_REFERENCE',
      /rewind\.modifiers\.0\.options\.from\.run: .*is not a prunekit run directory/,
    ],
    [
      'cross-run reference: missing run (sign comparison)',
      () => recipe({ signs: { reference: missingRun } }),
      'E_REFERENCE',
      /signs\.reference: .*is not a prunekit run directory/,
    ],
    [
      'cross-run reference: missing round',
      () =>
        recipe({ pruning: { rounds: 3, strategy: { name: 'from-run', options: { reference: finished } } } }),
      'E_REFERENCE',
      /pruning\.strategy\.options\.reference: run .* has masks for rounds 0\.\.1, but this recipe needs round 3/,
    ],
    [
      'name escaping the output directory (../../x)',
      () => recipe({ name: '../../x' }),
      'E_RECIPE',
      /name: use 1–64 letters, digits, dot, dash or underscore, got "\.\.\/\.\.\/x"/,
    ],
    ['name as an absolute path', () => recipe({ name: '/tmp/x' }), 'E_RECIPE', /name: use 1–64 letters/],
    ['name with a NUL byte', () => recipe({ name: 'a\u0000b' }), 'E_RECIPE', /name: use 1–64 letters/],
    [
      'model name with a path (the run id must not escape)',
      () => recipe({ model: { name: '../../../evil' } }),
      'E_UNKNOWN_NAME',
      /model\.name: unknown model '\.\.\/\.\.\/\.\.\/evil'/,
    ],
  ];

  it.each(cases)('%s', async (_item, input, code, message) => {
    const out = join(tempDir('pk-cat-out-'), 'runs');
    const before = fingerprint(finished);
    const e = await rejection(runExperiment(input(), { out }));
    expectCatalogueError(e, { code, exit: 2, message: [message] });
    expect(existsSync(out), 'nothing may be written').toBe(false);
    expect(fingerprint(finished)).toEqual(before);
  });

  it('YAML syntax error: file, line and column', () => {
    const e = (() => {
      try {
        parseRecipe('model: { name: mlp\ndataset: x\n', 'lrr.yaml');
      } catch (err) {
        return err;
      }
    })();
    expectCatalogueError(e, { code: 'E_RECIPE', exit: 2, message: [/^lrr\.yaml:2:1: YAML syntax error: /] });
  });

  it('run ids never leave the output directory', () => {
    for (const id of ['../x', '..', '/abs', 'a/b', 'a\\b'])
      expectCatalogueError(
        (() => {
          try {
            runDirectory('runs', id);
          } catch (err) {
            return err;
          }
        })(),
        { code: 'E_RECIPE', exit: 2, message: [/would leave the output directory/] },
      );
  });
});

describe('catalogue: data (dataset loaders)', () => {
  it.each(BAD_DATA.map((c) => [c.item, c] as const))('%s', async (_item, c) => {
    const dir = tempDir('pk-cat-data-');
    const named = c.write(dir);
    const before = fingerprint(dir);
    const e = await rejection(loadDataset(createDatasetRegistry().get(c.dataset), { dir, limit: 10 }));
    expectCatalogueError(e, { code: 'E_DATA', exit: 2, message: [c.message] });
    expect((e as Error).message).toContain(named === dir ? dir : named);
    expect(fingerprint(dir)).toEqual(before);
  });
});

describe('catalogue: checkpoints and masks (resumeRun on a damaged copy of a run)', () => {
  const cases: [string, (dir: string) => string, 'E_CHECKPOINT' | 'E_MASK', RegExp][] = [
    [
      'truncated safetensors checkpoint',
      (dir) => {
        const f = checkpointModel(dir);
        const b = readFileSync(f);
        writeFileSync(f, b.subarray(0, b.length - 100));
        return f;
      },
      'E_CHECKPOINT',
      /is not a valid safetensors file: .*\(truncated\?\)|data section has/,
    ],
    [
      'header lies about offsets',
      (dir) => {
        const f = checkpointModel(dir);
        editHeader(f, (h) => {
          const first = Object.keys(h).find((k) => k !== '__metadata__')!;
          const e = h[first] as { data_offsets: [number, number] };
          e.data_offsets = [e.data_offsets[0] + 4, e.data_offsets[1] + 4];
        });
        return f;
      },
      'E_CHECKPOINT',
      /is not a valid safetensors file: tensor '.*' (starts at byte|ends at byte|spans)/,
    ],
    [
      'header lies about shapes',
      (dir) => {
        const f = checkpointModel(dir);
        editHeader(f, (h) => {
          const first = Object.keys(h).find((k) => k !== '__metadata__')!;
          (h[first] as { shape: number[] }).shape = [7, 7];
        });
        return f;
      },
      'E_CHECKPOINT',
      /is not a valid safetensors file: tensor '.*' spans \d+ bytes but shape \[7,7\] of F32 needs 196/,
    ],
    [
      'wrong dtype (F64 weights)',
      (dir) => {
        const f = checkpointModel(dir);
        const { weights } = loadWeights(f);
        writeFileSync(
          f,
          rawSafetensors(
            Object.fromEntries(
              [...weights].map(([k, v]) => {
                const d = Float64Array.from(v.data);
                return [k, { dtype: 'F64', shape: [...v.shape], bytes: new Uint8Array(d.buffer) }];
              }),
            ),
          ),
        );
        return f;
      },
      'E_CHECKPOINT',
      /tensor '.*' is F64; weights must be F32/,
    ],
    [
      'mask with values other than 0/1',
      (dir) => {
        const f = join(dir, 'rounds/1/mask.safetensors');
        const m = loadMask(f);
        writeFileSync(
          f,
          rawSafetensors(
            Object.fromEntries(
              [...m.entries()].map(([k, v], i) => {
                const d = Uint8Array.from(v.data);
                if (i === 0) d[3] = 2;
                return [k, { dtype: 'U8', shape: [...v.shape], bytes: d }];
              }),
            ),
          ),
        );
        return f;
      },
      'E_MASK',
      /mask 'fc1\.weight' holds the value 2 at index 3; masks hold only 0 and 1/,
    ],
    [
      'mask for another model (names and shapes differ)',
      (dir) => {
        const f = join(dir, 'rounds/1/mask.safetensors');
        saveMask(
          f,
          Mask.fromRecord({
            'fc1.weight': { shape: [2, 2], data: [1, 0, 1, 1] },
            'conv.w': { shape: [1], data: [1] },
          }),
        );
        return f;
      },
      'E_MASK',
      /does not fit this model: missing .*not in the model conv\.w; shape mismatch fc1\.weight \[2,2\] vs model \[22,5\]/,
    ],
    [
      'checkpoint from another recipe used with resume',
      (dir) => {
        const f = join(dir, RUN_FILES.state);
        writeFileSync(f, readFileSync(join(other, RUN_FILES.state)));
        return f;
      },
      'E_CHECKPOINT',
      /state\.json was written for another recipe/,
    ],
  ];

  it.each(cases)('%s', async (_item, damage, code, message) => {
    const dir = unfinishedCopy(finished, join(tempDir('pk-cat-ck-'), 'run'));
    const file = damage(dir);
    const before = fingerprint(dir);
    const e = await rejection(resumeRun(dir));
    expectCatalogueError(e, { code, exit: 2, message: [message] });
    expect((e as Error).message).toContain(relative(dir, file));
    expect(fingerprint(dir)).toEqual(before);
    expect(existsSync(join(dir, RUN_FILES.lock))).toBe(false);
  });
});

describe('catalogue: runtime', () => {
  it('NaN/inf loss (lr 1e6, constant schedule): stops naming round/epoch/step, keeps the last good checkpoint', async () => {
    const out = tempDir('pk-cat-nan-');
    const input = recipe({
      training: { ...ONE_ROUND.training, epochs: '4ep', schedule: { kind: 'constant', lr: 1e6 } },
    });
    const e = await rejection(runExperiment(input, { out }));
    expectCatalogueError(e, {
      code: 'E_NAN',
      exit: 1,
      message: [/training loss became (NaN|-?Infinity) in round 0, epoch \d+, step \d+ \(lr 1000000\)/],
    });
    const [runDir] = readdirSync(out);
    const dir = join(out, runDir!);
    const state = JSON.parse(readFileSync(join(dir, RUN_FILES.state), 'utf8')) as { gen: number };
    const { weights } = loadWeights(join(dir, 'checkpoint', `gen-${state.gen}.model.safetensors`));
    for (const [name, w] of weights) expect(w.data.every(Number.isFinite), name).toBe(true);
    expect(existsSync(join(dir, RUN_FILES.done))).toBe(false);
    expect(existsSync(join(dir, RUN_FILES.lock))).toBe(false);
  });

  it('a second process on the same run directory (lock held by a live process)', async () => {
    const dir = unfinishedCopy(finished, join(tempDir('pk-cat-lock-'), 'run'));
    const holder = `${process.pid}@${hostname()}`;
    writeFileSync(join(dir, RUN_FILES.lock), holder);
    const before = fingerprint(dir);
    const e = await rejection(resumeRun(dir));
    expectCatalogueError(e, {
      code: 'E_LOCK',
      exit: 1,
      message: [new RegExp(`run directory .*run is in use by process ${holder}`), /delete .*run\.lock/],
    });
    expect(readFileSync(join(dir, RUN_FILES.lock), 'utf8')).toBe(holder);
    expect(fingerprint(dir)).toEqual(before);
  });

  it('an interrupted download leaves no file that looks complete', async () => {
    const server = await hangUpServer();
    const dir = tempDir('pk-cat-dl-');
    try {
      const e = await rejection(fetchDataset('mnist', { dir, baseUrl: server.url }));
      expectCatalogueError(e, {
        code: 'E_DOWNLOAD',
        exit: 1,
        message: [
          /download of http:\/\/127\.0\.0\.1:\d+\/\S+ failed: the transfer (was interrupted|ended) after \d+ .*nothing was written under the final name/,
        ],
      });
      expect(listFiles(dir)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('catalogue: security', () => {
  it('no eval, new Function or dynamic import of a computed path in package and app sources', () => {
    // The one allowed dynamic import: the optional native backends, a fixed package name from the
    // PACKAGES table in backend.ts (never from user input).
    const allowed = new Set(['packages/tensor/src/backend.ts: import(/* @vite-ignore */ pkg)']);
    const found: string[] = [];
    for (const top of ['packages', 'apps'])
      for (const pkg of readdirSync(join(ROOT, top))) {
        const src = join(ROOT, top, pkg, 'src');
        if (!existsSync(src)) continue;
        for (const file of listFiles(src)) {
          if (!/\.(ts|mts|js|mjs)$/.test(file) || /\.test\.ts$|\.testutil\.ts$|\/testing\//.test(file))
            continue;
          const text = readFileSync(join(src, file), 'utf8');
          const rel = `${top}/${pkg}/src/${file}`;
          for (const m of text.matchAll(/(?<![\w$.])eval\s*\(|\bnew\s+Function\b|(?<![\w$.])Function\s*\(/g))
            found.push(`${rel}: ${m[0]}`);
          for (const m of text.matchAll(/(?<![\w$.])import\s*\(([^)]*)\)/g)) {
            const arg = m[1]!.trim();
            if (/^(['"])[^'"]*\1$/.test(arg) || /^`[^`$]*`$/.test(arg)) continue;
            const hit = `${rel}: ${m[0]}`;
            if (!allowed.has(hit)) found.push(hit);
          }
        }
      }
    expect(found).toEqual([]);
  });

  it('the scan itself finds what it forbids', () => {
    const bad =
      'eval(x); new Function("a"); Function("b"); import(name); obj.eval(1); evaluate(2); import("ok")';
    expect(
      [...bad.matchAll(/(?<![\w$.])eval\s*\(|\bnew\s+Function\b|(?<![\w$.])Function\s*\(/g)].length,
    ).toBe(3);
    const dyn = [...bad.matchAll(/(?<![\w$.])import\s*\(([^)]*)\)/g)].filter(
      (m) => !/^(['"])[^'"]*\1$/.test(m[1]!.trim()),
    );
    expect(dyn.map((m) => m[1])).toEqual(['name']);
  });

  it('a safetensors header length of 2^40 is refused before anything is allocated for it', () => {
    const dir = tempDir('pk-cat-st-');
    const f = join(dir, 'huge.safetensors');
    hugeHeaderFile(f);
    const tensors = tf.memory().numTensors;
    for (const load of [
      () => loadWeights(f),
      () => loadMask(f),
      () => decodeSafetensors(readFileSync(f), f),
    ]) {
      const t0 = performance.now();
      let e: unknown;
      try {
        load();
      } catch (err) {
        e = err;
      }
      expect(performance.now() - t0).toBeLessThan(200);
      expectCatalogueError(e, {
        code: 'E_CHECKPOINT',
        exit: 2,
        message: [
          /huge\.safetensors is not a valid safetensors file: its header claims 1099511627776 bytes \(limit 104857600\)/,
        ],
      });
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(isPruneError(new Error('x'))).toBe(false);
  });

  it('saved weights with a NUL or path in a tensor name stay inside their file', () => {
    const dir = tempDir('pk-cat-names-');
    const f = join(dir, 'w.safetensors');
    saveWeights(f, new Map([['../../x\u0000y', { shape: [1], data: new Float32Array([1]) }]]));
    expect([...loadWeights(f).weights.keys()]).toEqual(['../../x\u0000y']);
    expect(readdirSync(dir)).toEqual(['w.safetensors']);
  });
});

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, f.name);
      if (f.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
