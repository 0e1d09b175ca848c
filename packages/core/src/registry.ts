import { PruneError } from './errors.js';

/** Anything a registry can hold: it has a unique `name`. */
export interface Named {
  readonly name: string;
}

/**
 * A name → item map for plugins, models, datasets and presets. Registries are instances (nothing
 * registers at import time): start one from a package's list of built-ins and add your own.
 *
 * @example
 * ```ts
 * const masks = new Registry('mask strategy', builtinMaskStrategies);
 * masks.register(myStrategy);           // a third-party plugin
 * masks.get('magnitude-global');        // throws, listing the known names, if unknown
 * ```
 */
export class Registry<T extends Named> {
  readonly #items = new Map<string, T>();

  /**
   * @param kind what the items are, for messages ("mask strategy", "model").
   * @param items initial items, e.g. a package's built-ins.
   */
  constructor(
    readonly kind: string,
    items: Iterable<T> = [],
  ) {
    for (const item of items) this.register(item);
  }

  /** Add an item; a duplicate name throws (use `replace` to override on purpose). */
  register(item: T): this {
    if (!item || typeof item.name !== 'string' || item.name.length === 0) {
      throw new PruneError('E_RECIPE', `cannot register a ${this.kind} without a name`);
    }
    if (this.#items.has(item.name)) {
      throw new PruneError('E_RECIPE', `${this.kind} '${item.name}' is already registered`, {
        hint: 'choose another name, or call replace() to override the existing one',
      });
    }
    this.#items.set(item.name, item);
    return this;
  }

  /** Add or override an item. */
  replace(item: T): this {
    this.#items.set(item.name, item);
    return this;
  }

  /** Whether `name` is registered. */
  has(name: string): boolean {
    return this.#items.has(name);
  }

  /** The item called `name`; throws `E_UNKNOWN_NAME` listing the known names (and the closest). */
  get(name: string): T {
    const item = this.#items.get(name);
    if (item) return item;
    const known = this.names();
    const close = closest(name, known);
    throw new PruneError(
      'E_UNKNOWN_NAME',
      `unknown ${this.kind} '${name}'${close ? ` (did you mean '${close}'?)` : ''}; known: ${known.join(', ') || '(none)'}`,
      { hint: `register your own with registry.register({ name: '${name}', … })` },
    );
  }

  /** All registered names, sorted. */
  names(): string[] {
    return [...this.#items.keys()].sort();
  }

  /** All items, sorted by name. */
  list(): T[] {
    return this.names().map((n) => this.#items.get(n)!);
  }
}

/** The known name within edit distance 2 of `name`, if any. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
