import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PruneError } from '@prunekit/core';
import { builtinPresets, recipeJsonSchema } from '@prunekit/experiment';
import { describe, expect, it } from 'vitest';
import { COMMANDS, reportError } from './main.js';
import { inProcess, jsonLines } from './testing/cli-process.js';

describe('help', () => {
  it('every command has --help with usage, options and an example, exit 0', async () => {
    for (const c of COMMANDS) {
      const r = await inProcess([c.name, '--help']);
      expect(r.status, c.name).toBe(0);
      expect(r.stdout, c.name).toContain(`Usage: prunekit ${c.name}`);
      expect(r.stdout, c.name).toMatch(/Examples?:\n {2}prunekit /);
      expect(r.stdout, c.name).toContain('--json');
    }
  });

  it('no command prints the command list on stderr and exits 2; --help exits 0', async () => {
    const none = await inProcess([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('Commands:');
    for (const c of COMMANDS) expect(none.stderr).toContain(`  ${c.name} `);
    const help = await inProcess(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 success, 1 a run failed, 2 bad usage');
  });
});

describe('list and describe', () => {
  it('list presets names every built-in preset with its description', async () => {
    const r = await inProcess(['list', 'presets']);
    expect(r.status).toBe(0);
    for (const p of builtinPresets)
      expect(r.stdout).toMatch(new RegExp(`^ {2}${p.name} +${escapeRegExp(p.description)}$`, 'm'));
    expect(r.stdout).not.toContain('mask strategies');
  });

  it('list without a kind shows every section; an unknown kind is exit 2 naming the known ones', async () => {
    const r = await inProcess(['list']);
    for (const head of [
      'presets:',
      'mask strategies',
      'rewind policies',
      'rewind modifiers',
      'sign metrics:',
      'models',
      'datasets',
    ]) {
      expect(r.stdout).toContain(head);
    }
    const bad = await inProcess(['list', 'maskz']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(
      "unknown kind 'maskz'; known: masks, rewinding, signs, models, datasets, presets",
    );
  });

  it('describe a plugin: options with defaults, reference, the recipe snippet', async () => {
    const r = await inProcess(['describe', 'random-reinit']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('random-reinit — rewind modifier');
    expect(r.stdout).toContain('reference: Frankle & Carbin');
    expect(r.stdout).toMatch(/params +'all' \| 'prunable' +"all"/);
    expect(r.stdout).toContain('in a recipe:\n  rewind:\n    modifiers:\n      - name: random-reinit');
  });

  it('describe a name that is both a preset and a policy shows both; a model shows its options', async () => {
    const r = await inProcess(['describe', 'fine-tune']);
    expect(r.stdout).toContain('fine-tune — preset');
    expect(r.stdout).toContain('fine-tune — rewind policy');
    expect(r.stdout).toContain('run it: prunekit run fine-tune');
    const m = await inProcess(['describe', 'conv2', '--json']);
    const [res] = jsonLines(m.stdout);
    const item = (res!.items as { kind: string; defaults: unknown; options: { name: string }[] }[])[0]!;
    expect(item.kind).toBe('model');
    expect(item.defaults).toEqual({ inputShape: [32, 32, 3], classes: 10, width: 64 });
    expect(item.options.map((o) => o.name)).toEqual(['inputShape', 'classes', 'width']);
  });

  it('describe a preset that needs a run says which field to set', async () => {
    const r = await inProcess(['describe', 'imp-with-lrr-mask']);
    expect(r.stdout).toContain('needs: --set pruning.strategy.options.reference=<run directory>');
  });

  it('describe recipe lists fields with types and defaults; --json-schema --out writes the schema', async () => {
    const r = await inProcess(['describe', 'recipe']);
    expect(r.stdout).toMatch(/^pruning\.fraction +number > 0 < 1 +0\.2$/m);
    expect(r.stdout).toMatch(/^training\.epochs +training length +"2ep"$/m);
    expect(r.stdout).toMatch(/^training\.optimizer\.momentum +number ≥ 0 < 1 \(kind sgd\) +0\.9$/m);
    expect(r.stdout).toMatch(/^model +\{ name, options \} +\(required\)$/m);
    const file = join(mkdtempSync(join(tmpdir(), 'pk-cli-')), 'recipe.schema.json');
    const w = await inProcess(['describe', 'recipe', '--json-schema', '--out', file]);
    expect(w.status).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(recipeJsonSchema());
    const misuse = await inProcess(['describe', 'lrr', '--json-schema']);
    expect(misuse.status).toBe(2);
  });

  it('an unknown name is exit 2 with the closest known name', async () => {
    const r = await inProcess(['describe', 'magnitude-globl']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown name 'magnitude-globl' (did you mean 'magnitude-global'?)");
    expect(r.stderr).toContain('[E_UNKNOWN_NAME]');
  });
});

describe('usage errors', () => {
  it('unknown options, missing and extra arguments are exit 2 naming the fix', async () => {
    const unknown = await inProcess(['run', 'lrr', '--frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe(
      "prunekit run: Unknown option '--frobnicate'. see `prunekit run --help`. [E_USAGE]\n",
    );
    const missing = await inProcess(['resume']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('prunekit resume: expects <run-dir>');
    const extra = await inProcess(['export', 'a', 'b']);
    expect(extra.stderr).toContain('got 1 argument too many (b)');
    const seeds = await inProcess(['run', 'lrr', '--seeds', '0']);
    expect(seeds.stderr).toContain("--seeds expects a whole number from 1 to 10000, got '0'");
    const cmd = await inProcess(['rnu']);
    expect(cmd.status).toBe(2);
    expect(cmd.stderr).toContain("unknown command 'rnu'; known: run, resume, sweep");
  });

  it('errors are one paragraph; --json adds an error line on stdout; --debug adds the stack', () => {
    let out = '';
    let err = '';
    const io = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: {},
    };
    const e = new PruneError('E_NAN', 'training loss became NaN in round 2', {
      hint: 'lower the learning rate',
      where: 'runs/x',
    });
    expect(reportError(e, 'run', io, { json: true, debug: false })).toBe(1);
    expect(err).toBe('prunekit run: training loss became NaN in round 2. lower the learning rate. [E_NAN]\n');
    expect(jsonLines(out)).toEqual([
      { type: 'error', code: 'E_NAN', exitCode: 1, message: e.message, where: 'runs/x' },
    ]);
    err = '';
    expect(reportError(new TypeError('x is undefined'), undefined, io, { json: false, debug: true })).toBe(1);
    expect(err.split('\n')[0]).toBe(
      'prunekit: unexpected error: x is undefined. This is probably a bug in prunekit; rerun with --debug for the stack trace and report it.',
    );
    expect(err).toContain('TypeError: x is undefined\n    at ');
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
