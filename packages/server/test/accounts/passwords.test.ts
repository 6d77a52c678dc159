import * as argon2 from '@node-rs/argon2';
import { describe, expect, it, vi } from 'vitest';
import { createPasswordHasher, OWASP_ARGON2ID, PasswordInputError } from '../../src/accounts/passwords.js';

// Cheaper than production so the suite stays fast on a shared 2-core machine; OWASP values are checked separately.
const fast = { ...OWASP_ARGON2ID, memoryCost: 8192, timeCost: 1 };
const hasher = createPasswordHasher(fast);

// Pass-through spy: every argon2 verification still runs for real; the test reads which hash it ran on.
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof argon2>();
  return { ...real, verify: vi.fn(real.verify) };
});

describe('argon2id password hashing (OWASP Password Storage Cheat Sheet)', () => {
  it('defaults to the OWASP argon2id parameters m=19456 KiB, t=2, p=1', async () => {
    expect(OWASP_ARGON2ID).toMatchObject({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const stored = await createPasswordHasher().hash('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('verifies the password it hashed and salts every hash', async () => {
    const a = await hasher.hash('correct horse battery staple');
    const b = await hasher.hash('correct horse battery staple');
    expect(a).not.toBe(b);
    expect(await hasher.verify(a, 'correct horse battery staple')).toEqual({ ok: true, needsRehash: false });
  });

  it('rejects a wrong password', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(await hasher.verify(stored, 'correct horse battery stapler')).toEqual({ ok: false, needsRehash: false });
    expect(await hasher.verify(stored, '')).toEqual({ ok: false, needsRehash: false });
  });

  it('reports needsRehash when the stored hash used other parameters (upgrade on login)', async () => {
    const old = await createPasswordHasher({ ...fast, memoryCost: 7168 }).hash('pa55word-old');
    expect(await hasher.verify(old, 'pa55word-old')).toEqual({ ok: true, needsRehash: true });
    expect(await hasher.verify(old, 'wrong')).toEqual({ ok: false, needsRehash: false });
  });

  it('normalises Unicode so composed and decomposed input match (NIST SP 800-63B §5.1.1.2)', async () => {
    const stored = await hasher.hash('caf\u00e9-caf\u00e9');
    expect((await hasher.verify(stored, 'cafe\u0301-cafe\u0301')).ok).toBe(true);
  });

  it('refuses to hash passwords longer than maxPasswordBytes, counted in UTF-8 bytes', async () => {
    await expect(hasher.hash('a'.repeat(1025))).rejects.toBeInstanceOf(PasswordInputError);
    await expect(hasher.hash('\u00e9'.repeat(513))).rejects.toThrow('too long');
    await expect(hasher.hash('a'.repeat(1024))).resolves.toMatch(/^\$argon2id\$/);
  });

  it('fails closed, without throwing, on over-long or non-string passwords and corrupt stored hashes', async () => {
    const stored = await hasher.hash('short-but-fine');
    expect(await hasher.verify(stored, 'a'.repeat(5000))).toEqual({ ok: false, needsRehash: false });
    expect(await hasher.verify(stored, 42 as unknown as string)).toEqual({ ok: false, needsRehash: false });
    expect(await hasher.verify('not-a-hash', 'short-but-fine')).toEqual({ ok: false, needsRehash: false });
    expect(await hasher.verify('$argon2id$v=19$m=8192,t=1,p=1$broken', 'short-but-fine')).toEqual({ ok: false, needsRehash: false });
  });

  it('does real argon2 work for unknown users so timing does not reveal which usernames exist', async () => {
    // Equal work by construction, checked without a clock: both paths run argon2 verify on a hash with
    // the same encoded parameters (memory, iterations, parallelism), hence the same cost.
    const spy = vi.mocked(argon2.verify);
    const params = (encoded: string) => encoded.split('$').slice(1, 4).join('$');
    const stored = await hasher.hash('known-user-password');
    spy.mockClear();
    await hasher.verify(stored, 'guess');
    await hasher.verifyDummy('guess');
    expect(spy).toHaveBeenCalledTimes(2);
    const [knownHash, dummyHash] = spy.mock.calls.map((call) => String(call[0]));
    expect(params(dummyHash!)).toBe(params(knownHash!));
    expect(params(dummyHash!)).toBe('argon2id$v=19$m=8192,t=1,p=1');
    expect(await hasher.verifyDummy('tessera-dummy-password')).toEqual({ ok: false, needsRehash: false });
  });

  it('rejects parameters below the OWASP floor at construction', () => {
    expect(() => createPasswordHasher({ ...OWASP_ARGON2ID, memoryCost: 1024 })).toThrow(RangeError);
    expect(() => createPasswordHasher({ ...OWASP_ARGON2ID, maxPasswordBytes: 32 })).toThrow(RangeError);
  });
});
