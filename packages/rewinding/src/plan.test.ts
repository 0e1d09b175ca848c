import { isPruneError } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { rewindFixture } from './fixture.js';
import { composeRewind, rewindPlanSchema } from './plan.js';
import { f32, values } from './test-utils.js';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('composeRewind', () => {
  it('resolves a recipe plan through the registries with defaults filled in', async () => {
    const rewind = composeRewind({
      policy: 'weight-rewind',
      options: { at: '20it' },
      modifiers: [{ name: 'with-signs', options: { from: 'trained' } }],
    });
    expect(rewind.plan).toEqual({
      policy: 'weight-rewind',
      options: { at: '20it', replayFrom: 'start' },
      modifiers: [{ name: 'with-signs', options: { from: 'trained', params: 'prunable' } }],
    });
    expect(rewind.description).toBe(
      'weight-rewind {"at":"20it","replayFrom":"start"} → with-signs {"from":"trained","params":"prunable"}',
    );
    const r = await rewind.apply(rewindFixture());
    expect(values(r.weights.params, 'fc1.weight')).toEqual(f32([-0.5, 0.2, 0.1, -0.3]));
  });

  it('accepts modifier names as plain strings', () => {
    const rewind = composeRewind({
      policy: 'weight-rewind',
      modifiers: ['shuffle-magnitudes', 'with-signs'],
    });
    expect(rewind.modifiers.map((m) => m.modifier.name)).toEqual(['shuffle-magnitudes', 'with-signs']);
  });

  it('names the field path in every error', () => {
    expect(messageOf(() => composeRewind({ policy: 'weight-rewnd' }))).toMatch(
      /^rewind\.policy: unknown rewind policy 'weight-rewnd' \(did you mean 'weight-rewind'\?\); known: bn-rewind, fine-tune, lr-rewind, weight-rewind/,
    );
    expect(
      messageOf(() =>
        composeRewind({ policy: 'lr-rewind', modifiers: ['with-signs', { name: 'with-sings' }] }),
      ),
    ).toMatch(
      /^rewind\.modifiers\[1\]\.name: unknown rewind modifier 'with-sings' \(did you mean 'with-signs'\?\)/,
    );
    expect(messageOf(() => composeRewind({ policy: 'lr-rewind', modifiers: ['shuffle'] }))).toMatch(
      /^rewind\.modifiers\[0\]: unknown rewind modifier 'shuffle'/,
    );
    expect(
      messageOf(() =>
        composeRewind({
          policy: 'lr-rewind',
          modifiers: [{ name: 'with-signs', options: { from: 'best' } }],
        }),
      ),
    ).toMatch(
      /'with-signs': rewind\.modifiers\[0\]\.options\.from: expected 'trained', 'anchor', 'init' or \{ run/,
    );
    expect(
      messageOf(() =>
        composeRewind({ policy: 'weight-rewind', options: { at: 'k' } }, { path: 'recipe.rewind' }),
      ),
    ).toMatch(/'weight-rewind': recipe\.rewind\.options\.at: expected a training length/);
    expect(messageOf(() => composeRewind({ policy: 3 }))).toMatch(/rewind\.policy: /);
    expect(
      messageOf(() => composeRewind({ policy: 'lr-rewind', modifiers: [{ name: 'with-signs', opts: {} }] })),
    ).toMatch(/rewind\.modifiers\[0\]/);
  });

  it('gives codes: unknown names are E_UNKNOWN_NAME, bad options E_RECIPE', () => {
    for (const [plan, code] of [
      [{ policy: 'nope' }, 'E_UNKNOWN_NAME'],
      [{ policy: 'fine-tune', options: { lr: 0 } }, 'E_RECIPE'],
      [{ modifiers: [] }, 'E_RECIPE'],
    ] as const) {
      try {
        composeRewind(plan);
        expect.unreachable();
      } catch (e) {
        expect(isPruneError(e, code)).toBe(true);
      }
    }
  });

  it('exposes the plan schema for recipe validation', () => {
    expect(rewindPlanSchema.safeParse({ policy: 'lr-rewind', modifiers: ['with-signs'] }).success).toBe(true);
    expect(rewindPlanSchema.safeParse({ policy: 'lr-rewind', extra: 1 }).success).toBe(false);
  });
});
