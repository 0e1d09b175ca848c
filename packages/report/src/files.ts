import { existsSync, readFileSync, statSync } from 'node:fs';
import { PruneError } from '@prunekit/core';
import type { z } from 'zod';

/** One parsed line of a JSONL file, with its 1-based line number. */
export interface JsonlLine {
  readonly line: number;
  readonly value: unknown;
}

/**
 * Read a JSONL file. A missing file gives `[]` unless `required`; a line that is not JSON throws
 * `E_DATA` naming `file:line`.
 *
 * @example
 * ```ts
 * readJsonlLines('runs/lrr-3f9a/metrics.jsonl').map((l) => l.value);
 * ```
 */
export function readJsonlLines(path: string, required = false): JsonlLine[] {
  if (!existsSync(path)) {
    if (!required) return [];
    throw new PruneError('E_DATA', `${path} is missing`, { where: path });
  }
  const out: JsonlLine[] = [];
  const lines = readText(path).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (!text) continue;
    try {
      out.push({ line: i + 1, value: JSON.parse(text) as unknown });
    } catch (e) {
      throw new PruneError('E_DATA', `${path}:${i + 1} is not valid JSON`, {
        cause: e,
        hint: 'the file was cut short or edited by hand: fix or delete that line, or resume the run to rewrite it',
        where: `${path}:${i + 1}`,
      });
    }
  }
  return out;
}

/**
 * Read and parse a JSON file; a malformed file throws `E_DATA` naming it.
 *
 * @example
 * ```ts
 * const done = readJsonFile('runs/lrr-3f9a/done.json');
 * ```
 */
export function readJsonFile(path: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new PruneError('E_DATA', `${path} is not valid JSON (${(e as Error).message})`, {
      cause: e,
      hint: 'the file was cut short or edited by hand',
      where: path,
    });
  }
}

/** Read a UTF-8 file, turning read errors into `E_DATA` naming the file. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PruneError('E_DATA', `cannot read ${path} (${code ?? (e as Error).message})`, {
      cause: e,
      where: path,
    });
  }
}

/** Whether `path` is an existing directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Validate `value` with a zod schema; on failure throw `E_DATA` naming `where` (a file or
 * `file:line`), what the record is, and every bad field.
 *
 * @example
 * ```ts
 * const r = validate(roundSchema, line.value, 'runs/x/metrics.jsonl:3', 'round record');
 * ```
 */
export function validate<T>(schema: z.ZodType<T>, value: unknown, where: string, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map(
    (i) => `${i.path.length ? i.path.map(String).join('.') : '(record)'}: ${i.message}`,
  );
  throw new PruneError('E_DATA', `${where}: bad ${what}: ${issues.join('; ')}`, {
    hint: 'the file was not written by @prunekit/experiment or was edited by hand: fix that record or re-run',
    where,
  });
}
