import { parseArgs } from 'node:util';
import { PruneError } from '@prunekit/core';
import type { Context } from './context.js';

/** One option of a command (a subset of `node:util` `parseArgs` options, plus help text). */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder shown in help, e.g. `dir`. */
  readonly value?: string;
  readonly description: string;
  /** Left out of `--help` (internal options, e.g. the worker mode of `--jobs`). */
  readonly hidden?: boolean;
}

/** Parsed command line of one command. */
export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | string[] | boolean[] | undefined>>;
  readonly positionals: readonly string[];
}

/** A command: its help text, options and what it does. `run` returns the exit code. */
export interface Command {
  readonly name: string;
  /** Positional arguments as shown in usage, e.g. `<recipe.yaml | preset>`. */
  readonly args: string;
  readonly summary: string;
  /** More lines of help (optional). */
  readonly details?: readonly string[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly examples: readonly string[];
  /** Minimum and maximum number of positionals (max `Infinity` for lists). */
  readonly positionals: readonly [number, number];
  run(parsed: Parsed, ctx: Context): Promise<number>;
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', description: 'JSONL events and the result on stdout (for other tools)' },
  quiet: { type: 'boolean', short: 'q', description: 'no progress output; only results and errors' },
  debug: { type: 'boolean', description: 'print stack traces of errors' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/** The `--backend` option shared by the commands that train or build models. */
export const BACKEND_OPTION: OptionSpec = {
  type: 'string',
  value: 'engine',
  description: 'auto | wasm | cpu | node | node-gpu (default: auto, or $PRUNEKIT_BACKEND)',
};

/**
 * Parse `argv` (after the command name) against a command's options with `node:util`'s
 * `parseArgs` (strict: unknown options and missing values are usage errors, exit 2).
 */
export function parseCommand(cmd: Command, argv: readonly string[]): Parsed {
  const options = { ...GLOBAL_OPTIONS, ...cmd.options };
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(options)) {
    config[name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  }
  let parsed: Parsed;
  try {
    const r = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true });
    parsed = { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e))
      .split('\n')[0]!
      .replace(/\. To specify a positional.*$/, '');
    throw new PruneError('E_USAGE', msg, { hint: `see \`prunekit ${cmd.name} --help\`` });
  }
  if (parsed.values.help) return parsed;
  const [min, max] = cmd.positionals;
  const n = parsed.positionals.length;
  if (n < min || n > max) {
    const what =
      n < min
        ? `expects ${cmd.args}`
        : `got ${n - max} argument${n - max > 1 ? 's' : ''} too many (${parsed.positionals.slice(max).join(' ')})`;
    throw new PruneError('E_USAGE', `${what}`, {
      hint: `usage: prunekit ${cmd.name} ${cmd.args}; e.g. ${cmd.examples[0]}`,
    });
  }
  return parsed;
}

/** Help text of a command. */
export function commandHelp(cmd: Command): string {
  const options = { ...cmd.options, ...GLOBAL_OPTIONS };
  const rows = Object.entries(options)
    .filter(([, o]) => !o.hidden)
    .map(([name, o]) => {
      const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`;
      return [flag, `${o.description}${o.multiple ? ' (repeatable)' : ''}`] as const;
    });
  const width = Math.max(...rows.map(([f]) => f.length));
  return [
    `Usage: prunekit ${cmd.name}${cmd.args ? ` ${cmd.args}` : ''} [options]`,
    '',
    cmd.summary,
    ...(cmd.details?.length ? ['', ...cmd.details] : []),
    '',
    'Options:',
    ...rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`),
    '',
    cmd.examples.length > 1 ? 'Examples:' : 'Example:',
    ...cmd.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}

/** A string option's value (the last one if repeated). */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable string option's values. */
export function strs(p: Parsed, name: string): string[] {
  const v = p.values[name];
  if (Array.isArray(v)) return v.map(String);
  return typeof v === 'string' ? [v] : [];
}

/** A boolean option. */
export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** A whole-number option with bounds; usage error naming the flag otherwise. */
export function int(p: Parsed, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const s = str(p, name);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!/^\s*\d+\s*$/.test(s) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new PruneError(
      'E_USAGE',
      `--${name} expects a whole number ${max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : `≥ ${min}`}, got '${s}'`,
    );
  }
  return n;
}
