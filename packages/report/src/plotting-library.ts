import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PruneError } from '@prunekit/core';

/** One browser script of the plotting library, read from the installed package. */
export interface LibraryScript {
  /** npm package name. */
  readonly name: 'vega' | 'vega-lite' | 'vega-embed';
  readonly version: string;
  /** Absolute path of the minified browser build that was read. */
  readonly file: string;
  readonly code: string;
}

const BUILDS = [
  { name: 'vega', file: 'vega.min.js' },
  { name: 'vega-lite', file: 'vega-lite.min.js' },
  { name: 'vega-embed', file: 'vega-embed.min.js' },
] as const;

/**
 * The browser builds of Vega, Vega-Lite and vega-embed (UMD, in load order), read from the
 * installed npm packages at call time, so that a report inlines them and never loads anything
 * from the network. Throws `E_INTERNAL` naming the package if a build file is missing.
 *
 * @example
 * ```ts
 * plottingLibrary().map((s) => `${s.name}@${s.version}`); // ['vega@6.4.0', 'vega-lite@6.4.3', 'vega-embed@7.3.0']
 * ```
 */
export function plottingLibrary(): LibraryScript[] {
  const require = createRequire(import.meta.url);
  return BUILDS.map(({ name, file }) => {
    let entry: string;
    try {
      entry = require.resolve(name);
    } catch (e) {
      throw new PruneError('E_INTERNAL', `cannot find the npm package '${name}'`, {
        cause: e,
        hint: 'it is a dependency of @prunekit/report: reinstall your dependencies',
      });
    }
    const path = join(dirname(entry), file); // the package's build/ folder holds the ESM entry and the UMD builds
    const manifest = join(dirname(entry), '..', 'package.json');
    if (!existsSync(path)) {
      throw new PruneError('E_INTERNAL', `the browser build of '${name}' is missing (${path})`, {
        hint: 'reinstall your dependencies; the report inlines this file',
        where: path,
      });
    }
    const version = existsSync(manifest)
      ? String((JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version)
      : '?';
    return { name, version, file: path, code: readFileSync(path, 'utf8') };
  });
}
