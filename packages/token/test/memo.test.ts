import { describe, expect, it } from 'vitest';
import { rememberLast } from '../src/memo.js';

describe('rememberLast', () => {
  it('computes once per distinct consecutive input and always answers for the input given', () => {
    const calls: string[] = [];
    const upper = rememberLast((s) => (calls.push(s), s.toUpperCase()));
    expect([upper('a'), upper('a'), upper('b'), upper('a')]).toEqual(['A', 'A', 'B', 'A']);
    expect(calls).toEqual(['a', 'b', 'a']);
  });

  it('a throwing call leaves the remembered pair as it was', () => {
    const strict = rememberLast((s) => {
      if (s === 'bad') throw new Error('bad');
      return `<${s}>`;
    });
    expect(strict('ok')).toBe('<ok>');
    expect(() => strict('bad')).toThrow('bad');
    expect(() => strict('bad')).toThrow('bad');
    expect(strict('ok')).toBe('<ok>');
  });

  it('answers for the empty string too (no sentinel collision)', () => {
    expect(rememberLast((s) => `[${s}]`)('')).toBe('[]');
  });
});
