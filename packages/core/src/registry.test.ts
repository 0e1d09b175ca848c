import { describe, expect, it } from 'vitest';
import { ERROR_CODES, PruneError, exitCodeOf, isPruneError } from './errors.js';
import { Registry } from './registry.js';
import { formatStep, parseStep, toIterations } from './step.js';

describe('Registry', () => {
  const reg = () => new Registry('mask strategy', [{ name: 'magnitude-global' }, { name: 'snip' }]);

  it('lists names sorted and gets items', () => {
    expect(reg().names()).toEqual(['magnitude-global', 'snip']);
    expect(reg().get('snip')).toEqual({ name: 'snip' });
  });

  it('throws on duplicates, unless replaced on purpose', () => {
    expect(() => reg().register({ name: 'snip' })).toThrow(/'snip' is already registered/);
    expect(reg().replace({ name: 'snip' }).names()).toHaveLength(2);
  });

  it('unknown names list the known ones and the closest', () => {
    try {
      reg().get('snpi');
      expect.unreachable();
    } catch (e) {
      expect(isPruneError(e, 'E_UNKNOWN_NAME')).toBe(true);
      expect((e as Error).message).toBe(
        "unknown mask strategy 'snpi' (did you mean 'snip'?); known: magnitude-global, snip. register your own with registry.register({ name: 'snpi', … })",
      );
    }
  });
});

describe('PruneError', () => {
  it('carries code, cause and hint, and maps to exit codes', () => {
    const cause = new Error('ENOSPC');
    const e = new PruneError('E_IO', 'could not write x', { cause, hint: 'free some space', where: 'x' });
    expect(e.message).toBe('could not write x. free some space');
    expect(e.cause).toBe(cause);
    expect(e.where).toBe('x');
    expect(exitCodeOf(e)).toBe(1);
    expect(exitCodeOf(new PruneError('E_RECIPE', 'bad'))).toBe(2);
    expect(exitCodeOf(new Error('x'))).toBe(1);
    expect(Object.values(ERROR_CODES).every((c) => c === 1 || c === 2)).toBe(true);
  });
});

describe('Step', () => {
  it('parses epochs and iterations', () => {
    expect(parseStep('150ep')).toEqual({ unit: 'ep', value: 150 });
    expect(parseStep('500it')).toEqual({ unit: 'it', value: 500 });
    expect(parseStep('0.5ep')).toEqual({ unit: 'ep', value: 0.5 });
    expect(parseStep(3)).toEqual({ unit: 'ep', value: 3 });
    expect(formatStep({ unit: 'it', value: 7 })).toBe('7it');
  });

  it('converts to iterations', () => {
    expect(toIterations('2ep', 235)).toBe(470);
    expect(toIterations('0.5ep', 5)).toBe(3);
    expect(toIterations('9it', 235)).toBe(9);
  });

  it('rejects bad strings with the fix in the message', () => {
    expect(() => parseStep('150 epochs', 'training.epochs')).toThrow(
      /training.epochs: cannot read '150 epochs' as a training length; write epochs as "150ep"/,
    );
    expect(() => parseStep('1.5it')).toThrow(/whole/);
    expect(() => parseStep(-1)).toThrow(/≥ 0/);
  });
});
