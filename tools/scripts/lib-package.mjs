// Writes the boilerplate of a new library package: `node tools/scripts/lib-package.mjs <name> "<description>" [dep …]`.
// Used once per package; existing files are never overwritten.
import { existsSync, mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';

const [name, description, ...deps] = process.argv.slice(2);
if (!name || !description) {
  console.error('usage: node tools/scripts/lib-package.mjs <name> "<description>" [@prunekit/dep …]');
  process.exit(2);
}
const dir = join('packages', name);
mkdirSync(join(dir, 'src'), { recursive: true });
const write = (file, text) => {
  const p = join(dir, file);
  if (!existsSync(p)) writeFileSync(p, text);
};
const pkg = {
  name: `@prunekit/${name}`,
  version: '0.0.0',
  description,
  license: 'MIT',
  type: 'module',
  keywords: ['pruning', 'lottery-ticket', 'tensorflow', 'tfjs', 'sparsity'],
  repository: { type: 'git', url: 'git+https://example.invalid/prunekit.git', directory: dir },
  sideEffects: false,
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.ts',
  exports: {
    '.': {
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  files: ['dist', '!dist/**/*.map'],
  engines: { node: '>=20' },
  scripts: {
    build: 'tsup',
    typecheck: 'tsc -p tsconfig.json',
    lint: 'biome check src',
    test: `vitest run --root ../.. packages/${name}/`,
  },
  dependencies: Object.fromEntries(deps.map((d) => [d, 'workspace:^'])),
  peerDependencies: { '@tensorflow/tfjs-core': '^4.22.0' },
  devDependencies: { '@tensorflow/tfjs-core': '4.22.0' },
  publishConfig: { access: 'public' },
};
write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
write(
  'tsconfig.json',
  `${JSON.stringify({ extends: '../../tools/tsconfig/dev.json', include: ['src'] }, null, 2)}\n`,
);
write(
  'tsconfig.build.json',
  `${JSON.stringify({ extends: '../../tools/tsconfig/base.json', include: ['src'], exclude: ['src/**/*.test.ts'] }, null, 2)}\n`,
);
write(
  'tsup.config.ts',
  "import { libraryConfig } from '../../tools/tsup.base';\n\nexport default libraryConfig();\n",
);
if (!existsSync(join(dir, 'LICENSE'))) copyFileSync('LICENSE', join(dir, 'LICENSE'));
write('src/index.ts', '');
console.log(`wrote ${dir}`);
