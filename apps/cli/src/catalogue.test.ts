/**
 * The bad-input catalogue of issue #6 through the CLI (in-process `main`): every item exits 2 (bad
 * usage or input) or 1 (a failed run) with one paragraph on stderr naming the file or field and
 * the fix, ending in the error code, and leaves what was written before unchanged. The library
 * side of the same items: packages/experiment/src/catalogue.test.ts; real processes (the lock,
 * exit codes of the binary): catalogue.slow.test.ts.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { Mask } from '@prunekit/core';
import { RUN_FILES } from '@prunekit/experiment';
import { loadMask, loadWeights, saveMask } from '@prunekit/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_DATA,
  ONE_ROUND,
  checkpointModel,
  editHeader,
  fingerprint,
  hangUpServer,
  hugeHeaderFile,
  rawSafetensors,
  unfinishedCopy,
} from '../../../packages/experiment/src/testing/bad-inputs.js';
import { tempDir } from '../../../packages/experiment/src/testing/fixtures.js';
import { type CliResult, inProcess } from './testing/cli-process.js';

let finished: string; // a finished ONE_ROUND run
let other: string; // a finished run of another recipe (seed 1)

beforeAll(async () => {
  const base = tempDir('pk-clicat-');
  finished = runDir(await inProcess(['run', recipeFile(ONE_ROUND), '--out', base, '--quiet']));
  other = runDir(await inProcess(['run', recipeFile({ ...ONE_ROUND, seed: 1 }), '--out', base, '--quiet']));
});

/** Write a recipe object as a JSON recipe file; returns its path. */
function recipeFile(r: unknown, name = 'recipe.json'): string {
  const f = join(tempDir('pk-clicat-r-'), name);
  writeFileSync(f, typeof r === 'string' ? r : JSON.stringify(r));
  return f;
}

function runDir(r: CliResult): string {
  expect(r.status, r.stderr).toBe(0);
  const dir = /^dir (.+)$/m.exec(r.stdout)?.[1];
  if (!dir) throw new Error(`no run directory in: ${r.stdout}`);
  return dir;
}

/** The end of every case: the exit code and one paragraph on stderr, ending in `[code]`. */
function expectFailure(r: CliResult, exit: 1 | 2, code: string, message: RegExp, command: string): void {
  expect(r.status, r.stderr).toBe(exit);
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^prunekit ${command}: .*\\. .*\\[${code}\\]$`));
  expect(lines[0]).toMatch(message);
}

const ONE = ONE_ROUND as unknown as Record<string, Record<string, unknown>>;
const missingRun = '/nonexistent/prunekit/runs/lrr-0000000000';

describe('catalogue (CLI): recipes — prunekit run <file> exits 2 and writes nothing', () => {
  const cases: [string, () => string, string[], string, RegExp][] = [
    [
      'unknown model name',
      () => recipeFile(ONE_ROUND),
      ['--set', 'model.name=mlpp'],
      'E_UNKNOWN_NAME',
      /model\.name: unknown model 'mlpp'.*known: .*mlp/,
    ],
    [
      'unknown dataset name',
      () => recipeFile(ONE_ROUND),
      ['--set', 'dataset.name=cifar'],
      'E_UNKNOWN_NAME',
      /dataset\.name: .*known: cifar10, cifar100/,
    ],
    [
      'unknown strategy name',
      () => recipeFile(ONE_ROUND),
      ['--set', 'pruning.strategy.name=magnitud'],
      'E_UNKNOWN_NAME',
      /pruning\.strategy\.name: .*known: .*magnitude-global/,
    ],
    [
      'unknown policy name',
      () => recipeFile(ONE_ROUND),
      ['--set', 'rewind.policy.name=lr'],
      'E_UNKNOWN_NAME',
      /rewind\.policy: .*known: .*lr-rewind/,
    ],
    [
      'wrong type',
      () => recipeFile(ONE_ROUND),
      ['--set', 'pruning.rounds=five'],
      'E_RECIPE',
      /recipe\.json is invalid: pruning\.rounds: expected a number, got "five"/,
    ],
    [
      'fraction outside (0, 1)',
      () => recipeFile(ONE_ROUND),
      ['--set', 'pruning.fraction=1.5'],
      'E_RECIPE',
      /pruning\.fraction: must be between 0 and 1 .*got 1\.5/,
    ],
    [
      'negative epochs',
      () => recipeFile(ONE_ROUND),
      ['--set', 'training.epochs=-1'],
      'E_RECIPE',
      /training\.epochs: .*got -1/,
    ],
    [
      'density 0',
      () => recipeFile(ONE_ROUND),
      ['--set', 'pruning.density=0'],
      'E_RECIPE',
      /pruning\.density: must be between 0 and 1/,
    ],
    ['missing field', () => recipeFile({ dataset: ONE_ROUND.dataset }), [], 'E_RECIPE', /model: required/],
    [
      'unknown field',
      () => recipeFile(ONE_ROUND),
      ['--set', 'pruning.frction=0.3'],
      'E_RECIPE',
      /pruning: unknown field 'frction'.*did you mean 'fraction'/,
    ],
    [
      'cross-run reference: missing run (mask transfer)',
      () => recipeFile(ONE_ROUND),
      [
        '--set',
        'pruning.strategy={name: from-run, options: {reference: /nonexistent/prunekit/runs/lrr-0000000000}}',
      ],
      'E_REFERENCE',
      /pruning\.strategy\.options\.reference: .* is not a prunekit run directory/,
    ],
    [
      'cross-run reference: missing run (sign transfer)',
      () =>
        recipeFile({
          ...ONE_ROUND,
          rewind: { modifiers: [{ name: 'with-signs', options: { from: { run: missingRun } } }] },
        }),
      [],
      'E_REFERENCE',
      /rewind\.modifiers\.0\.options\.from\.run: .* is not a prunekit run directory/,
    ],
    [
      'cross-run reference: missing round',
      () =>
        recipeFile({
          ...ONE_ROUND,
          pruning: { rounds: 3, strategy: { name: 'from-run', options: { reference: finished } } },
        }),
      [],
      'E_REFERENCE',
      /has masks for rounds 0\.\.1, but this recipe needs round 3/,
    ],
    [
      'YAML syntax error (line and column)',
      () => recipeFile('model: { name: mlp\ndataset: x\n', 'bad.yaml'),
      [],
      'E_RECIPE',
      /bad\.yaml:2:1: YAML syntax error: /,
    ],
    [
      'name: ../../x',
      () => recipeFile(ONE_ROUND),
      ['--set', 'name=../../x'],
      'E_RECIPE',
      /name: use 1–64 letters, digits, dot, dash or underscore, got "\.\.\/\.\.\/x"/,
    ],
    [
      'name: an absolute path',
      () => recipeFile({ ...ONE_ROUND, name: '/tmp/escape' }),
      [],
      'E_RECIPE',
      /name: use 1–64 letters/,
    ],
    [
      'name with a NUL byte',
      () => recipeFile({ ...ONE_ROUND, name: 'a\u0000b' }),
      [],
      'E_RECIPE',
      /name: use 1–64 letters/,
    ],
  ];

  it.each(cases)('%s', async (_item, file, args, code, message) => {
    const out = join(tempDir('pk-clicat-out-'), 'runs');
    const before = fingerprint(finished);
    const r = await inProcess(['run', file(), '--out', out, '--quiet', ...args]);
    expectFailure(r, 2, code, message, 'run');
    expect(existsSync(out), 'nothing may be written').toBe(false);
    expect(fingerprint(finished)).toEqual(before);
  });
});

describe('catalogue (CLI): data — prunekit run and prunekit data check exit 2 naming the file', () => {
  const model: Record<string, unknown> = {
    mnist: { name: 'lenet-300-100' },
    cifar10: { name: 'conv2' },
    'tiny-imagenet': { name: 'resnet18', options: { classes: 2 } },
  };
  it.each(BAD_DATA.map((c) => [c.item, c] as const))('%s', async (_item, c) => {
    const dir = tempDir('pk-clicat-data-');
    const named = c.write(dir);
    const before = fingerprint(dir);
    const recipe = {
      ...ONE,
      model: model[c.dataset],
      dataset: { name: c.dataset, options: { dir, limit: 10 } },
    };
    const r = await inProcess([
      'run',
      recipeFile(recipe),
      '--out',
      join(tempDir('pk-clicat-out-'), 'runs'),
      '--quiet',
    ]);
    expectFailure(r, 2, 'E_DATA', c.message, 'run');
    expect(r.stderr).toContain(named === dir ? dir : named);
    expect(fingerprint(dir)).toEqual(before);
    if (c.dataset === 'mnist' && named !== dir) {
      // data check reports the same file (a table, then the one-paragraph error).
      const check = await inProcess(['data', 'check', dir]);
      expect(check.status).toBe(2);
      expect(check.stdout).toContain(named);
      expect(check.stderr).toMatch(/^prunekit data: mnist in .* is incomplete or malformed .*\[E_DATA\]\n$/);
    }
  });

  it('an empty directory: prunekit data check', async () => {
    const dir = tempDir('pk-clicat-empty-');
    expectFailure(
      await inProcess(['data', 'check', dir]),
      2,
      'E_DATA',
      /holds no known dataset. fetch one/,
      'data',
    );
  });
});

describe('catalogue (CLI): checkpoints and masks — prunekit resume of a damaged run exits 2', () => {
  const cases: [string, (dir: string) => string, string, RegExp][] = [
    [
      'truncated safetensors',
      (dir) => {
        const f = checkpointModel(dir);
        const b = readFileSync(f);
        writeFileSync(f, b.subarray(0, b.length - 100));
        return f;
      },
      'E_CHECKPOINT',
      /is not a valid safetensors file: .*(truncated|data section)/,
    ],
    [
      'header that lies about offsets',
      (dir) => {
        const f = checkpointModel(dir);
        editHeader(f, (h) => {
          const e = h[Object.keys(h).find((k) => k !== '__metadata__')!] as { data_offsets: number[] };
          e.data_offsets = e.data_offsets.map((x) => x + 4);
        });
        return f;
      },
      'E_CHECKPOINT',
      /is not a valid safetensors file: tensor /,
    ],
    [
      'header that lies about shapes',
      (dir) => {
        const f = checkpointModel(dir);
        editHeader(f, (h) => {
          (h[Object.keys(h).find((k) => k !== '__metadata__')!] as { shape: number[] }).shape = [7, 7];
        });
        return f;
      },
      'E_CHECKPOINT',
      /shape \[7,7\] of F32 needs 196/,
    ],
    [
      'header length 2^40',
      (dir) => {
        const f = checkpointModel(dir);
        hugeHeaderFile(f);
        return f;
      },
      'E_CHECKPOINT',
      /its header claims 1099511627776 bytes \(limit 104857600\)/,
    ],
    [
      'wrong dtype',
      (dir) => {
        const f = checkpointModel(dir);
        const { weights } = loadWeights(f);
        const t = Object.fromEntries(
          [...weights].map(([k, v]) => [
            k,
            { dtype: 'F64', shape: [...v.shape], bytes: new Uint8Array(Float64Array.from(v.data).buffer) },
          ]),
        );
        writeFileSync(f, rawSafetensors(t));
        return f;
      },
      'E_CHECKPOINT',
      /is F64; weights must be F32/,
    ],
    [
      'mask with values other than 0/1',
      (dir) => {
        const f = join(dir, 'rounds/1/mask.safetensors');
        const t = Object.fromEntries(
          [...loadMask(f).entries()].map(([k, v], i) => {
            const d = Uint8Array.from(v.data);
            if (i === 0) d[0] = 255;
            return [k, { dtype: 'U8', shape: [...v.shape], bytes: d }];
          }),
        );
        writeFileSync(f, rawSafetensors(t));
        return f;
      },
      'E_MASK',
      /holds the value 255 at index 0; masks hold only 0 and 1/,
    ],
    [
      'mask for another model',
      (dir) => {
        const f = join(dir, 'rounds/1/mask.safetensors');
        saveMask(f, Mask.fromRecord({ 'fc1.weight': { shape: [3], data: [1, 1, 0] } }));
        return f;
      },
      'E_MASK',
      /does not fit this model: missing .*shape mismatch fc1\.weight \[3\] vs model \[22,5\]/,
    ],
    [
      'checkpoint from another recipe',
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
    const dir = unfinishedCopy(finished, join(tempDir('pk-clicat-ck-'), 'run'));
    const file = damage(dir);
    const before = fingerprint(dir);
    const r = await inProcess(['resume', dir, '--quiet']);
    expectFailure(r, 2, code, message, 'resume');
    expect(r.stderr).toContain(relative(dir, file));
    expect(fingerprint(dir)).toEqual(before);
  });
});

describe('catalogue (CLI): environment — exit 2, nothing written', () => {
  it('a PRUNEKIT_SPARSE_DENSITY that is not a density in [0, 1]', async () => {
    const out = tempDir('pk-clicat-env-');
    const r = await inProcess(['run', recipeFile(ONE_ROUND), '--out', out, '--quiet'], {
      PRUNEKIT_SPARSE_DENSITY: 'lots',
    });
    expectFailure(
      r,
      2,
      'E_USAGE',
      /PRUNEKIT_SPARSE_DENSITY is 'lots'; it must be a density in \[0, 1\]/,
      'run',
    );
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('catalogue (CLI): runtime — exit 1', () => {
  it('NaN loss: names round/epoch/step, keeps the last good checkpoint, says how to resume', async () => {
    const out = tempDir('pk-clicat-nan-');
    const r = await inProcess([
      'run',
      recipeFile({
        ...ONE,
        training: { ...ONE.training, epochs: '4ep', schedule: { kind: 'constant', lr: 1e6 } },
      }),
      '--out',
      out,
      '--quiet',
    ]);
    expectFailure(
      r,
      1,
      'E_NAN',
      /loss became (NaN|-?Infinity) in round 0, epoch \d+, step \d+ .*`prunekit resume .*` continues it/,
      'run',
    );
    const dir = join(out, readdirSync(out)[0]!);
    const { gen } = JSON.parse(readFileSync(join(dir, RUN_FILES.state), 'utf8')) as { gen: number };
    for (const w of loadWeights(join(dir, 'checkpoint', `gen-${gen}.model.safetensors`)).weights.values())
      expect(w.data.every(Number.isFinite)).toBe(true);
  });

  it('a run directory held by another live process (lock)', async () => {
    const dir = unfinishedCopy(finished, join(tempDir('pk-clicat-lock-'), 'run'));
    writeFileSync(join(dir, RUN_FILES.lock), `${process.pid}@${hostname()}`);
    const before = fingerprint(dir);
    const r = await inProcess(['resume', dir, '--quiet']);
    expectFailure(r, 1, 'E_LOCK', /is in use by process \d+@.*delete .*run\.lock/, 'resume');
    expect(fingerprint(dir)).toEqual(before);
    expect(existsSync(join(dir, RUN_FILES.lock))).toBe(true);
  });

  it('an interrupted download: prunekit data fetch leaves no complete-looking file', async () => {
    const server = await hangUpServer();
    const dir = tempDir('pk-clicat-dl-');
    mkdirSync(dir, { recursive: true });
    try {
      const r = await inProcess([
        'data',
        'fetch',
        'mnist',
        '--dir',
        dir,
        '--base-url',
        server.url,
        '--quiet',
      ]);
      expectFailure(
        r,
        1,
        'E_DOWNLOAD',
        /download of http:\/\/127\.0\.0\.1:\d+\/\S+ failed: .*nothing was written under the final name/,
        'data',
      );
      const files: string[] = [];
      const walk = (d: string) => {
        for (const f of readdirSync(d, { withFileTypes: true }))
          f.isDirectory() ? walk(join(d, f.name)) : files.push(f.name);
      };
      walk(dir);
      expect(files).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
