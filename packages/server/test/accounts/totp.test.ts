import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from '../../src/accounts/base32.js';
import { generateTotpSecret, hotp, otpauthUri, totpStep, verifyTotp } from '../../src/accounts/totp.js';

// RFC 6238 Appendix B: the SHA1 seed is the ASCII string "12345678901234567890".
const RFC_SEED = Buffer.from('12345678901234567890', 'ascii');
const RFC_SECRET = base32Encode(RFC_SEED);

describe('TOTP (RFC 6238)', () => {
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('matches the RFC 6238 Appendix B SHA1 test vector at T=%i', (seconds, expected) => {
    const now = new Date(seconds * 1000);
    expect(hotp(RFC_SEED, totpStep(now), 8)).toBe(expected);
    expect(verifyTotp({ secret: RFC_SECRET, code: expected, now, lastUsedStep: null }, { digits: 8, period: 30, window: 0 }))
      .toEqual({ ok: true, step: totpStep(now) });
  });

  it('matches the RFC 4226 Appendix D HOTP values for 6 digits', () => {
    expect([0, 1, 2, 9].map((c) => hotp(RFC_SEED, c))).toEqual(['755224', '287082', '359152', '520489']);
  });

  const now = new Date(1_700_000_000_000);
  const step = totpStep(now);
  const codeAt = (s: number) => hotp(RFC_SEED, s);

  it('accepts codes one step either side for clock drift, and no further (RFC 6238 §5.2)', () => {
    for (const s of [step - 1, step, step + 1]) {
      expect(verifyTotp({ secret: RFC_SECRET, code: codeAt(s), now, lastUsedStep: null })).toEqual({ ok: true, step: s });
    }
    for (const s of [step - 2, step + 2]) {
      expect(verifyTotp({ secret: RFC_SECRET, code: codeAt(s), now, lastUsedStep: null })).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('does not accept a code twice: the step recorded as lastUsedStep and earlier ones are replays (RFC 6238 §5.2)', () => {
    const first = verifyTotp({ secret: RFC_SECRET, code: codeAt(step), now, lastUsedStep: null });
    expect(first).toEqual({ ok: true, step });
    expect(verifyTotp({ secret: RFC_SECRET, code: codeAt(step), now, lastUsedStep: step })).toEqual({ ok: false, reason: 'replayed' });
    expect(verifyTotp({ secret: RFC_SECRET, code: codeAt(step - 1), now, lastUsedStep: step })).toEqual({ ok: false, reason: 'replayed' });
    // The next step's code is still fine.
    expect(verifyTotp({ secret: RFC_SECRET, code: codeAt(step + 1), now, lastUsedStep: step })).toEqual({ ok: true, step: step + 1 });
  });

  it.each([['12345'], ['1234567'], ['abcdef'], [''], [123456], [null]])('rejects the malformed code %j', (code) => {
    expect(verifyTotp({ secret: RFC_SECRET, code, now, lastUsedStep: null })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('ignores spaces people type inside a code', () => {
    const code = codeAt(step);
    expect(verifyTotp({ secret: RFC_SECRET, code: `${code.slice(0, 3)} ${code.slice(3)}`, now, lastUsedStep: null }).ok).toBe(true);
  });

  it('generates 160-bit secrets in RFC 4648 base32 (RFC 4226 §4 R6)', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
  });

  it('builds an otpauth:// URI in the Key Uri Format with the issuer in label and parameter', () => {
    const uri = otpauthUri({ issuer: 'Acme Corp', accountName: 'alice@example.com', secret: 'JBSWY3DPEHPK3PXP' });
    expect(uri).toBe(
      'otpauth://totp/Acme%20Corp:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Acme%20Corp&algorithm=SHA1&digits=6&period=30',
    );
  });
});

describe('base32 (RFC 4648 §6)', () => {
  it.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('encodes the RFC 4648 §10 test vector %j as %j (padding omitted) and back', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain))).toBe(encoded);
    expect(base32Decode(encoded)?.toString()).toBe(plain);
    expect(base32Decode(`${encoded.toLowerCase()}${'='.repeat((8 - (encoded.length % 8)) % 8)}`)?.toString()).toBe(plain);
  });

  it('rejects characters outside the alphabet and impossible lengths', () => {
    expect(base32Decode('MZXW1')).toBeUndefined();
    expect(base32Decode('M')).toBeUndefined();
    expect(base32Decode('MZX')).toBeUndefined();
  });
});
