import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { PruneError } from '@prunekit/core';
import {
  type Preset,
  applyOverrides,
  assertNoPlaceholders,
  createPresetRegistry,
  parseYamlObject,
  presetRecipe,
} from '@prunekit/experiment';
import { rehint } from './catalog.js';

/** A recipe as given on the command line: a file or a preset, with `--set` overrides applied. */
export interface RecipeSource {
  /** The recipe object (not yet validated). */
  readonly raw: Record<string, unknown>;
  /** Where it came from, for messages (`lrr.yaml`, `preset 'lrr'`). */
  readonly source: string;
  readonly preset?: Preset;
}

const RECIPE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * Read `arg` as a recipe file (YAML/JSON) if it names an existing file (or looks like one), else
 * as a preset name, then apply `--set` overrides and check no preset placeholder is left.
 * Unknown presets, missing files and bad overrides are usage errors (exit 2).
 */
export function readRecipeSource(arg: string, sets: readonly string[]): RecipeSource {
  let raw: Record<string, unknown>;
  let source: string;
  let preset: Preset | undefined;
  if (existsSync(arg) && statSync(arg).isFile()) {
    source = arg;
    raw = parseYamlObject(readText(arg), arg);
  } else if (RECIPE_EXTENSIONS.has(extname(arg).toLowerCase()) || arg.includes('/') || arg.includes('\\')) {
    throw new PruneError('E_USAGE', `recipe file ${arg} does not exist`, {
      hint: 'check the path, or pass a preset name (`prunekit list presets`)',
      where: arg,
    });
  } else {
    try {
      preset = createPresetRegistry().get(arg);
    } catch (e) {
      throw rehint(e, '`prunekit list presets` describes them; or pass a recipe file (.yaml or .json)');
    }
    source = `preset '${arg}'`;
    raw = presetRecipe(preset);
  }
  for (const s of sets) {
    if (!/^[^=\s][^=]*=/.test(s)) {
      throw new PruneError('E_USAGE', `--set '${s}': expected key=value with a dotted field path`, {
        hint: 'e.g. --set pruning.rounds=3 or --set dataset.options.limit=6000 (`prunekit describe recipe` lists the fields)',
      });
    }
  }
  raw = applyOverrides(raw, sets);
  assertNoPlaceholders(raw, preset);
  return { raw, source, ...(preset ? { preset } : {}) };
}

/** Read a text file, with a usage error naming it when it is missing or unreadable. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PruneError(
      code === 'ENOENT' ? 'E_USAGE' : 'E_IO',
      `cannot read ${path} (${code ?? (e as Error).message})`,
      {
        where: path,
        ...(code === 'ENOENT' ? { hint: 'check the path' } : {}),
      },
    );
  }
}
