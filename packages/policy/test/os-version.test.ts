import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareOsVersions, parseOsVersion } from '../src/index.js';

describe('OS version parsing', () => {
  const readable: [string, number[]][] = [
    ['17', [17]],
    ['17.4', [17, 4]],
    ['14.2.1', [14, 2, 1]],
    ['10.0.22631', [10, 0, 22631]],
    ['10.0.19045.3803', [10, 0, 19045, 3803]],
    ['16.5.1 (c)', [16, 5, 1]],
    [' 13 ', [13]],
    ['017.04', [17, 4]],
  ];
  it.each(readable)('reads %j as %j', (text, expected) => {
    expect(parseOsVersion(text)).toEqual(expected);
  });

  const malformed = ['', ' ', '17.', '.17', '17..4', 'v17', '17.4-beta', '17.4.1.2.3', 'iOS 17', '17,4', '1e3', '-1', '1234567890', '17 (C)', '17 (ab)', 'NaN'];
  it.each(malformed)('refuses %j', (text) => {
    expect(parseOsVersion(text)).toBeUndefined();
  });

  it('refuses non-strings without throwing', () => {
    expect(parseOsVersion(17 as unknown as string)).toBeUndefined();
    expect(parseOsVersion(null as unknown as string)).toBeUndefined();
  });
});

describe('OS version ordering', () => {
  const cases: [string, string, -1 | 0 | 1][] = [
    ['17', '17.0.0', 0],
    ['17.4', '17.10', -1],
    ['14.2.1', '14.2', 1],
    ['10.0.22631', '10.0.19045', 1],
    ['10.0.19044', '10.0.19045', -1],
    ['10.0.19045.3803', '10.0.19045', 1],
    ['16.5.1 (c)', '16.5.1', 0],
    ['9', '10', -1],
  ];
  it.each(cases)('compares %j with %j as %i', (a, b, expected) => {
    expect(compareOsVersions(parseOsVersion(a)!, parseOsVersion(b)!)).toBe(expected);
  });

  it('is a total order consistent with numeric comparison of the components', () => {
    const version = fc.array(fc.integer({ min: 0, max: 99999 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(version, version, (a, b) => {
        const parsedA = parseOsVersion(a.join('.'))!;
        const parsedB = parseOsVersion(b.join('.'))!;
        expect(compareOsVersions(parsedA, parsedB)).toBe(-compareOsVersions(parsedB, parsedA) || 0);
        const pad = (v: number[]) => [...v, 0, 0, 0].slice(0, 4);
        const lexical = pad(a).findIndex((x, i) => x !== pad(b)[i]);
        const expected = lexical < 0 ? 0 : pad(a)[lexical]! < pad(b)[lexical]! ? -1 : 1;
        expect(compareOsVersions(parsedA, parsedB)).toBe(expected);
      }),
    );
  });
});
