import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Plugin, resolveOptions } from './plugin.js';

const plugin: Plugin<{ fraction: number; mode: 'a' | 'b' }> = {
  name: 'demo',
  description: 'a demo plugin',
  defaults: { fraction: 0.2, mode: 'a' },
  schema: z.object({ fraction: z.number().gt(0).lt(1), mode: z.enum(['a', 'b']) }).strict(),
};

describe('resolveOptions', () => {
  it('merges over defaults', () => {
    expect(resolveOptions(plugin, undefined)).toEqual({ fraction: 0.2, mode: 'a' });
    expect(resolveOptions(plugin, { mode: 'b' })).toEqual({ fraction: 0.2, mode: 'b' });
  });

  it('names the field path and the problem', () => {
    expect(() => resolveOptions(plugin, { fraction: 1.5 }, 'masks.options')).toThrow(
      /'demo': masks.options.fraction: /,
    );
    expect(() => resolveOptions(plugin, { mode: 'c' })).toThrow(/options.mode: .*"a"\|"b"/);
    expect(() => resolveOptions(plugin, { extra: 1 })).toThrow(/extra/);
    expect(() => resolveOptions(plugin, 5)).toThrow(/must be an object/);
  });
});
