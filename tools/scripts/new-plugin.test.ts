import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(__dirname, '../..');
const script = join(repo, 'tools/scripts/new-plugin.mjs');

/** A scratch copy of the package sources the scaffold edits. */
function scratch(pkg: string): string {
  const root = mkdtempSync(join(tmpdir(), 'pk-new-'));
  cpSync(join(repo, 'packages', pkg, 'src'), join(root, 'packages', pkg, 'src'), { recursive: true });
  mkdirSync(join(root, '.changeset'));
  return root;
}

describe('pnpm new', () => {
  const cases = [
    [
      'mask-strategy',
      'masks',
      'src/strategies/magnitude-cubed.ts',
      'src/builtins.ts',
      'magnitudeCubed',
      'magnitude-cubed',
    ],
    ['rewind-policy', 'rewinding', 'src/keep-all.ts', 'src/registry.ts', 'keepAll', 'keep-all'],
    ['rewind-modifier', 'rewinding', 'src/noop-mod.ts', 'src/registry.ts', 'noopMod', 'noop-mod'],
    ['sign-metric', 'signs', 'src/same-sign.ts', 'src/registry.ts', 'sameSign', 'same-sign'],
  ] as const;
  for (const [kind, pkg, file, list, camel, name] of cases) {
    it(`scaffolds a ${kind}: plugin file, built-ins line, index export, conformance test, changeset`, () => {
      const root = scratch(pkg);
      execFileSync(process.execPath, [script, kind, name], {
        env: { ...process.env, PRUNEKIT_ROOT: root },
        encoding: 'utf8',
      });
      const dir = join(root, 'packages', pkg);
      expect(readFileSync(join(dir, file), 'utf8')).toContain(`name: '${name}'`);
      expect(readFileSync(join(dir, file.replace(/\.ts$/, '.test.ts')), 'utf8')).toMatch(/Conformance\(/);
      const builtins = readFileSync(join(dir, list), 'utf8');
      expect(builtins).toContain(`import { ${camel} } from`);
      expect(builtins).toMatch(new RegExp(`\\[[^\\]]*\\b${camel}\\b[^\\]]*\\]`));
      expect(readFileSync(join(dir, 'src/index.ts'), 'utf8')).toContain(`export { ${camel} }`);
      expect(readFileSync(join(root, '.changeset', `${pkg}-${name}.md`), 'utf8')).toContain(
        `"@prunekit/${pkg}": minor`,
      );
    });
  }

  it('refuses bad kinds, bad names and existing files, with exit code 2', () => {
    const root = scratch('signs');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [script, ...args], {
        env: { ...process.env, PRUNEKIT_ROOT: root },
        encoding: 'utf8',
      });
    expect(run('mask-stratgy', 'x').stderr).toContain(
      "unknown kind 'mask-stratgy'; known: mask-strategy, rewind-policy, rewind-modifier, sign-metric",
    );
    expect(run('sign-metric', 'Bad_Name').status).toBe(2);
    expect(run('sign-metric', 'flip-fraction').stderr).toContain('already exists');
    expect(existsSync(join(root, '.changeset', 'signs-flip-fraction.md'))).toBe(false);
  });
});
