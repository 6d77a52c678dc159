import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildChallenge, createGuard, GuardError, type Guard } from '../src/index.js';
import { AUDIENCE, FakeAs, ISSUER, makeKey, NOW, signToken } from './helpers.js';

let guard: Guard;
let valid: string;
beforeAll(async () => {
  const key = await makeKey('k1', 'ES256');
  const as = new FakeAs([key]);
  as.introspect = () => ({ body: { active: false } });
  guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: () => NOW, introspection: { clientId: 'a', clientSecret: 'b' } });
  await guard.ready();
  valid = await signToken(key);
});

async function outcome(run: () => unknown): Promise<unknown> {
  try {
    return await run();
  } catch (error) {
    return error;
  }
}

describe('bad input never escapes as anything but a GuardError (no 500, no hang)', () => {
  it('refuses arbitrary Authorization header values with a 400/401 GuardError', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 300 }), async (value) => {
      const result = await outcome(() => guard.check({ headers: { authorization: value }, url: '/x' }));
      expect(result).toBeInstanceOf(GuardError);
      expect([400, 401]).toContain((result as GuardError).status);
    }), { numRuns: 300 });
  });

  it('refuses every single-character mutation of a valid token', async () => {
    await fc.assert(fc.asyncProperty(fc.nat({ max: valid.length - 1 }), fc.constantFrom(...'AZaz09-_.+/='), async (at, c) => {
      fc.pre(valid[at] !== c);
      const mutated = valid.slice(0, at) + c + valid.slice(at + 1);
      const result = await outcome(() => guard.checkToken(mutated));
      // Canonical base64url means a changed character can never leave the token valid (RFC 7515 §2).
      expect(result).toBeInstanceOf(GuardError);
      expect((result as GuardError).code).toMatch(/invalid_token|invalid_request/);
    }), { numRuns: 300 });
  });

  it('refuses arbitrary three-segment strings as invalid_token', async () => {
    const segment = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), maxLength: 80 });
    await fc.assert(fc.asyncProperty(segment, segment, segment, async (a, b, c) => {
      const result = await outcome(() => guard.checkToken(`${a}.${b}.${c}`));
      expect(result).toBeInstanceOf(GuardError);
      expect((result as GuardError).code).toBe('invalid_token');
    }), { numRuns: 300 });
  });
});

describe('challenge serialisation', () => {
  it('never lets a realm break out of its quoted-string or the header line (RFC 7235 §2.1)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 100 }), (realm) => {
      const header = buildChallenge(realm, new GuardError('invalid_token', 'x'));
      expect(header).not.toMatch(/[\r\n\0]/);
      const quoted = /^Bearer realm="((?:[^"\\]|\\.)*)", error="invalid_token", error_description="The access token is invalid"$/.exec(header);
      expect(quoted).not.toBeNull();
    }), { numRuns: 500 });
  });
});
