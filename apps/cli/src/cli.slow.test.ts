/**
 * The CLI as a real process, without training: list, describe, data, and the error paths with
 * their exit codes.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, prunekit } from './testing/cli-process.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'pk-cli-'));

describe('prunekit (spawned): list, describe, version', () => {
  it('list --json is one JSONL result line naming every registry', async () => {
    const r = await prunekit(['list', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.type).toBe('result');
    const sections = lines[0]!.sections as { kind: string; items: { name: string }[] }[];
    expect(sections.map((s) => s.kind)).toEqual([
      'presets',
      'masks',
      'rewinding',
      'rewinding',
      'signs',
      'models',
      'datasets',
    ]);
    expect(sections.find((s) => s.kind === 'masks')!.items.map((i) => i.name)).toContain('magnitude-global');
  }, 120_000);

  it('describe prints options, description and reference; --version prints the version', async () => {
    const [r, v] = await Promise.all([prunekit(['describe', 'lr-rewind']), prunekit(['--version'])]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^lr-rewind — rewind policy\n {2}LRR: only the LR schedule restarts/);
    expect(r.stdout).toContain('reference: ');
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  }, 120_000);
});

describe('prunekit (spawned): errors and exit codes', () => {
  it('unknown preset → exit 2 listing the known presets, with the closest', async () => {
    const r = await prunekit(['run', 'lrrr']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^prunekit run: unknown preset 'lrrr' \(did you mean 'lrr'\?\); known: fine-tune, fixed-signs, imp, .*lrr, .*sign-perturbation\. /,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1); // one paragraph, no stack trace
  }, 120_000);

  it('bad --set → exit 2; --json adds a JSON error line on stdout', async () => {
    const [noEq, badValue] = await Promise.all([
      prunekit(['run', 'lrr', '--set', 'pruning.rounds']),
      prunekit(['run', 'lrr', '--set', 'pruning.fraction=2', '--json']),
    ]);
    expect(noEq.status).toBe(2);
    expect(noEq.stderr).toContain("--set 'pruning.rounds': expected key=value");
    expect(badValue.status).toBe(2);
    const [err] = jsonLines(badValue.stdout);
    expect(err).toMatchObject({ type: 'error', code: 'E_RECIPE', exitCode: 2 });
    expect(String(err!.message)).toContain('pruning.fraction: ');
  }, 120_000);

  it('missing run directory → exit 2; YAML error → exit 2 with file:line:col', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bad.yaml'), 'model:\n  name: mlp\n dataset: [\n');
    const [missing, yaml, nofile] = await Promise.all([
      prunekit(['resume', join(dir, 'no-such-run')]),
      prunekit(['run', 'bad.yaml'], { cwd: dir }),
      prunekit(['run', 'nope.yaml'], { cwd: dir }),
    ]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no-such-run is not a prunekit run directory (no recipe.json)');
    expect(yaml.status).toBe(2);
    expect(yaml.stderr).toMatch(/^prunekit run: bad\.yaml:\d+:\d+: YAML syntax error: /);
    expect(nofile.status).toBe(2);
    expect(nofile.stderr).toContain('recipe file nope.yaml does not exist');
  }, 120_000);
});

describe('prunekit data (spawned)', () => {
  it('check: a valid IDX folder → exit 0 with counts; an empty one → exit 2', async () => {
    const root = tmp();
    const folder = join(root, 'fashion-mnist');
    mkdirSync(folder);
    const idx = (magic: number, dims: number[], body: Uint8Array) => {
      const head = Buffer.alloc(4 + 4 * dims.length);
      head.writeUInt32BE(magic, 0);
      for (const [i, d] of dims.entries()) head.writeUInt32BE(d, 4 + 4 * i);
      return Buffer.concat([head, body]);
    };
    for (const [split, n] of [
      ['train', 3],
      ['t10k', 2],
    ] as const) {
      writeFileSync(
        join(folder, `${split}-images-idx3-ubyte`),
        idx(0x803, [n, 2, 2], new Uint8Array(n * 4).fill(7)),
      );
      writeFileSync(
        join(folder, `${split}-labels-idx1-ubyte`),
        idx(
          0x801,
          [n],
          Uint8Array.from({ length: n }, (_, i) => i),
        ),
      );
    }
    const [ok, bad] = await Promise.all([
      prunekit(['data', 'check', root]),
      prunekit(['data', 'check', tmp()]),
    ]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^fashion-mnist +ok +3 \/ 2 +/m);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('holds no known dataset');
  }, 120_000);

  it('fetch: an unknown dataset → exit 2; an unreachable mirror → exit 1 (E_DOWNLOAD)', async () => {
    const [unknown, down] = await Promise.all([
      prunekit(['data', 'fetch', 'imagenet']),
      prunekit(['data', 'fetch', 'mnist', '--dir', tmp(), '--base-url', 'http://127.0.0.1:9'], {
        timeout: 60_000,
      }),
    ]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain(
      "unknown dataset 'imagenet'; known: mnist, fashion-mnist, cifar10, cifar100, tiny-imagenet",
    );
    expect(down.status).toBe(1);
    expect(down.stderr).toContain('[E_DOWNLOAD]');
  }, 120_000);
});
