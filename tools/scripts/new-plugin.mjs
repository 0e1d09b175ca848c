#!/usr/bin/env node
// Scaffold a new built-in plugin:  pnpm new <kind> <name>
//   kinds: mask-strategy | rewind-policy | rewind-modifier | sign-metric
// Writes the plugin file (file name = registry name), adds it to the package's list of
// built-ins and to its index, writes a test that runs the package's conformance suite on it plus
// one hand-checked case for you to fill in, and a changeset. Nothing is overwritten.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.env.PRUNEKIT_ROOT ?? process.cwd();
const [kind, name] = process.argv.slice(2);

const KINDS = {
  'mask-strategy': {
    pkg: 'masks',
    dir: 'src/strategies',
    list: {
      file: 'src/builtins.ts',
      array: 'builtinMaskStrategies',
      importFrom: (n) => `./strategies/${n}.js`,
    },
    indexFrom: (n) => `./strategies/${n}.js`,
  },
  'rewind-policy': {
    pkg: 'rewinding',
    dir: 'src',
    list: { file: 'src/registry.ts', array: 'builtinRewindPolicies', importFrom: (n) => `./${n}.js` },
    indexFrom: (n) => `./${n}.js`,
  },
  'rewind-modifier': {
    pkg: 'rewinding',
    dir: 'src',
    list: { file: 'src/registry.ts', array: 'builtinRewindModifiers', importFrom: (n) => `./${n}.js` },
    indexFrom: (n) => `./${n}.js`,
  },
  'sign-metric': {
    pkg: 'signs',
    dir: 'src',
    list: { file: 'src/registry.ts', array: 'builtinSignMetrics', importFrom: (n) => `./${n}.js` },
    indexFrom: (n) => `./${n}.js`,
  },
};

function fail(message) {
  console.error(`pnpm new: ${message}`);
  process.exit(2);
}

if (!kind || !name)
  fail(
    `usage: pnpm new <${Object.keys(KINDS).join('|')}> <name>   e.g. pnpm new mask-strategy magnitude-half`,
  );
const spec = KINDS[kind];
if (!spec) fail(`unknown kind '${kind}'; known: ${Object.keys(KINDS).join(', ')}`);
if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name))
  fail(`'${name}' is not a kebab-case name (e.g. my-strategy)`);
const camel = name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const pkgDir = join(root, 'packages', spec.pkg);
const file = join(pkgDir, spec.dir, `${name}.ts`);
const testFile = join(pkgDir, spec.dir, `${name}.test.ts`);
if (existsSync(file)) fail(`${file} already exists`);

const templates = {
  'mask-strategy': () => `import { composeStrategy } from '../compose.js';
import { globalAllocation } from '../allocations/global.js';
import { elementwiseScore } from '../scores/magnitude.js';
import { unstructuredSelection } from '../selections/unstructured.js';

/**
 * TODO: one line on what ${name} keeps.
 *
 * @example
 * \`\`\`ts
 * const next = await ${camel}.prune(ctx, {});
 * \`\`\`
 */
export const ${camel} = composeStrategy({
  name: '${name}',
  description: 'TODO: one line for \`prunekit list masks\`',
  score: elementwiseScore('${name}-score', 'TODO: what the score is', (w) => Math.abs(w)),
  allocation: globalAllocation,
  selection: unstructuredSelection,
});
`,
  'rewind-policy':
    () => `import { type RewindContext, type RewindPolicy, type RewindResult, z } from '@prunekit/core';
import { assertRewindContext, cloneOptimizerState, cloneSnapshot } from './snapshot.js';

/** Options of {@link ${camel}}. */
export type ${camel[0].toUpperCase()}${camel.slice(1)}Options = Record<string, never>;

/**
 * TODO: what ${name} resets after pruning.
 *
 * @example
 * \`\`\`ts
 * const next = await ${camel}.apply(ctx, {});
 * \`\`\`
 */
export const ${camel}: RewindPolicy<${camel[0].toUpperCase()}${camel.slice(1)}Options> = {
  name: '${name}',
  description: 'TODO: one line for \`prunekit list rewinding\`',
  defaults: {},
  schema: z.strictObject({}),
  apply(ctx: RewindContext): RewindResult {
    assertRewindContext(ctx, "rewind policy '${name}'");
    return {
      weights: cloneSnapshot(ctx.trained),
      optimizer: cloneOptimizerState(ctx.optimizer.trained),
      schedule: { kind: 'restart', fromStep: 0 },
    };
  },
};
`,
  'rewind-modifier':
    () => `import { type RewindContext, type RewindModifier, type RewindResult, z } from '@prunekit/core';
import { assertResultLayout, cloneOptimizerState, cloneSnapshot } from './snapshot.js';

/** Options of {@link ${camel}}. */
export type ${camel[0].toUpperCase()}${camel.slice(1)}Options = Record<string, never>;

/**
 * TODO: what ${name} changes in a policy's result.
 *
 * @example
 * \`\`\`ts
 * const next = await ${camel}.modify(result, ctx, {});
 * \`\`\`
 */
export const ${camel}: RewindModifier<${camel[0].toUpperCase()}${camel.slice(1)}Options> = {
  name: '${name}',
  description: 'TODO: one line for \`prunekit list rewinding\`',
  defaults: {},
  schema: z.strictObject({}),
  modify(result: RewindResult, ctx: RewindContext): RewindResult {
    assertResultLayout(result, ctx, "rewind modifier '${name}'", 'input');
    return {
      ...result,
      weights: cloneSnapshot(result.weights),
      optimizer: result.optimizer ? cloneOptimizerState(result.optimizer) : null,
    };
  },
};
`,
  'sign-metric':
    () => `import { type SignMetric, type SignMetricContext, type SignReport, z } from '@prunekit/core';
import { signInputs } from './sign-inputs.js';

/** Options of {@link ${camel}}. */
export type ${camel[0].toUpperCase()}${camel.slice(1)}Options = Record<string, never>;

/**
 * TODO: what ${name} measures.
 *
 * @example
 * \`\`\`ts
 * ${camel}.compute({ params, a, b, mask }, {}).value;
 * \`\`\`
 */
export const ${camel}: SignMetric<${camel[0].toUpperCase()}${camel.slice(1)}Options> = {
  name: '${name}',
  description: 'TODO: one line for \`prunekit list signs\`',
  defaults: {},
  schema: z.strictObject({}),
  compute(ctx: SignMetricContext): SignReport {
    const perLayer: Record<string, number> = {};
    let kept = 0;
    let same = 0;
    for (const { name, a, b, mask } of signInputs(ctx)) {
      let k = 0;
      let s = 0;
      for (let i = 0; i < mask.length; i++) {
        if (!mask[i]) continue;
        k++;
        if (Math.sign(a[i]!) === Math.sign(b[i]!)) s++;
      }
      perLayer[name] = k ? s / k : 1;
      kept += k;
      same += s;
    }
    return { value: kept ? same / kept : 1, perLayer };
  },
};
`,
};

const tests = {
  'mask-strategy': () => `import { describe, expect, it } from 'vitest';
import { runMaskStrategyConformance } from '../testing/conformance.js';
import { context, param, randomWeights, weightsOf } from '../testing/fixtures.js';
import { ${camel} } from './${name}.js';

const params = [param('fc1.weight', [4, 5]), param('fc1.bias', [5], false), param('fc2.weight', [5, 3])];

runMaskStrategyConformance({ describe, it, expect }, ${camel}, ({ seed, round, mask }) => ({
  ctx: context({ params, weights: randomWeights(params, seed), round, seed, ...(mask ? { mask } : {}) }),
}));

describe('${name}', () => {
  it('keeps the hand-computed weights on a literal example', async () => {
    const p = [param('w', [4])];
    const ctx = context({ params: p, weights: weightsOf(p, { w: [0.1, -3, 2, -0.5] }), target: { kind: 'fraction', fraction: 0.5 } });
    const next = await ${camel}.prune(ctx, {});
    // TODO: write the mask you computed by hand for your score.
    expect([...next.get('w').data]).toEqual([0, 1, 1, 0]);
  });
});
`,
  'rewind-policy': () => `import { describe, expect, it } from 'vitest';
import { runRewindConformance } from './conformance.js';
import { rewindFixture } from './fixture.js';
import { ${camel} } from './${name}.js';

runRewindConformance(${camel}, { describe, it, expect });

describe('${name}', () => {
  it('gives the hand-computed weights on the fixture', async () => {
    const ctx = rewindFixture();
    const next = await ${camel}.apply(ctx, {});
    // TODO: write what you computed by hand.
    expect(next.schedule).toEqual({ kind: 'restart', fromStep: 0 });
  });
});
`,
  'rewind-modifier': () => `import { describe, expect, it } from 'vitest';
import { runRewindConformance } from './conformance.js';
import { rewindFixture } from './fixture.js';
import { lrRewind } from './lr-rewind.js';
import { ${camel} } from './${name}.js';

runRewindConformance(${camel}, { describe, it, expect });

describe('${name}', () => {
  it('gives the hand-computed weights on the fixture', async () => {
    const ctx = rewindFixture();
    const base = await lrRewind.apply(ctx, {});
    const next = await ${camel}.modify(base, ctx, {});
    // TODO: write what you computed by hand.
    expect([...next.weights.params.keys()]).toEqual([...base.weights.params.keys()]);
  });
});
`,
  'sign-metric': () => `import { Mask } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { runSignMetricConformance } from './conformance.js';
import { ${camel} } from './${name}.js';

runSignMetricConformance(${camel}, describe, it, expect);

describe('${name}', () => {
  it('gives the hand-computed value on literal tensors', () => {
    const params = [{ name: 'w', shape: [4], prunable: true, role: 'weight', layer: 'w', layerKind: 'dense' } as const];
    const a = new Map([['w', { shape: [4], data: new Float32Array([1, -1, 2, -2]) }]]);
    const b = new Map([['w', { shape: [4], data: new Float32Array([1, 1, -2, -2]) }]]);
    const mask = Mask.fromRecord({ w: { shape: [4], data: [1, 1, 1, 0] } });
    // TODO: the value you computed by hand (the template measures sign agreement: 1 of 3 kept).
    expect(${camel}.compute({ params, a, b, mask }, {}).value).toBeCloseTo(1 / 3, 12);
  });
});
`,
};

// 1. The plugin and its test.
writeFileSync(file, templates[kind]());
writeFileSync(testFile, tests[kind]());

// 2. The built-ins line.
const listPath = join(pkgDir, spec.list.file);
let list = readFileSync(listPath, 'utf8');
const importLine = `import { ${camel} } from '${spec.list.importFrom(name)}';\n`;
const lastImport = list.lastIndexOf('\nimport ');
const endOfImports = list.indexOf('\n', lastImport + 1) + 1;
list = list.slice(0, endOfImports) + importLine + list.slice(endOfImports);
const arrayRe = new RegExp(`(export const ${spec.list.array}[^=]*=\\s*\\[)([\\s\\S]*?)(\\])`);
const m = arrayRe.exec(list);
if (!m) fail(`could not find the list ${spec.list.array} in ${listPath}; add ${camel} to it by hand`);
const items = m[2];
const multiline = items.includes('\n');
const replaced = multiline
  ? `${m[1]}${items.replace(/,?\s*$/, ',')}\n  ${camel},\n${m[3]}`
  : `${m[1]}${items.trim()}, ${camel}${m[3]}`;
list = list.replace(arrayRe, replaced);
writeFileSync(listPath, list);

// 3. The index export.
const indexPath = join(pkgDir, 'src/index.ts');
writeFileSync(
  indexPath,
  `${readFileSync(indexPath, 'utf8')}export { ${camel} } from '${spec.indexFrom(name)}';\n`,
);

// 4. A changeset.
const changeset = join(root, '.changeset', `${spec.pkg}-${name}.md`);
if (!existsSync(changeset)) {
  writeFileSync(
    changeset,
    `---\n"@prunekit/${spec.pkg}": minor\n---\n\nAdd the ${kind.replace('-', ' ')} \`${name}\`.\n`,
  );
}

console.log(`wrote ${file}
wrote ${testFile}
added ${camel} to ${spec.list.array} (${listPath}) and to src/index.ts
wrote ${changeset}
next: fill in the TODOs, then  pnpm vitest run packages/${spec.pkg}`);
