// Packs every public package the way `pnpm publish` would and checks the tarballs:
// only dist/, README.md, LICENSE and package.json inside; no `workspace:` ranges left in the
// packed manifest; every file the exports map names is present.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = process.cwd();
const out = mkdtempSync(join(tmpdir(), 'prunekit-pack-'));
const dirs = ['packages', 'apps']
  .flatMap((group) => readdirSync(join(root, group)).map((d) => join(root, group, d)))
  .filter((d) => existsSync(join(d, 'package.json')));
const problems = [];
const pnpm = process.env.PNPM_BIN ?? 'pnpm';
for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  const before = new Set(readdirSync(out));
  execFileSync(pnpm, ['pack', '--pack-destination', out], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    shell: true,
  });
  const tarball = readdirSync(out).find((f) => !before.has(f));
  if (!tarball) {
    problems.push(`${pkg.name}: pnpm pack produced no tarball`);
    continue;
  }
  const files = execFileSync('tar', ['-tzf', join(out, tarball)], { encoding: 'utf8' })
    .trim()
    .split('\n');
  const allowed = /^package\/(dist\/.+|README\.md|LICENSE|package\.json)$/;
  for (const f of files) if (!allowed.test(f)) problems.push(`${pkg.name}: unexpected file in tarball: ${f}`);
  // Every file the manifest points at (main, module, types, exports, bin) must be in the tarball.
  const targets = new Set(['README.md', 'LICENSE', 'package.json']);
  const collect = (v) => {
    if (typeof v === 'string') targets.add(v.replace(/^\.\//, ''));
    else if (v && typeof v === 'object') for (const x of Object.values(v)) collect(x);
  };
  collect([pkg.main, pkg.module, pkg.types, pkg.exports, pkg.bin]);
  for (const t of targets) {
    if (!files.includes(`package/${t}`)) problems.push(`${pkg.name}: missing ${t} (named in package.json)`);
  }
  const manifest = execFileSync('tar', ['-xzOf', join(out, tarball), 'package/package.json'], {
    encoding: 'utf8',
  });
  if (manifest.includes('workspace:'))
    problems.push(`${pkg.name}: packed package.json still has workspace: ranges`);
  const packed = JSON.parse(manifest);
  for (const [dep, range] of Object.entries({ ...packed.dependencies })) {
    if (dep.startsWith('@prunekit/') && !/^\^?\d+\.\d+\.\d+/.test(String(range)))
      problems.push(`${pkg.name}: ${dep} has range ${range}`);
  }
  console.log(`packed ${pkg.name}@${packed.version}: ${files.length} files`);
}
if (problems.length) {
  console.error(`pack check failed:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`pack check: every public package ok (tarballs in ${out})`);
