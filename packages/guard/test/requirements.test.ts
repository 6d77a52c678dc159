import { beforeAll, describe, expect, it } from 'vitest';
import { createGuard, GuardError, type Guard, type Requirements } from '../src/index.js';
import { accessClaims, AUDIENCE, FakeAs, ISSUER, makeKey, NOW, NOW_S, signToken, type TestKey } from './helpers.js';

let key: TestKey;
let guard: Guard;
beforeAll(async () => {
  key = await makeKey('k1', 'ES256');
  guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: new FakeAs([key]).fetch, now: () => NOW });
  await guard.ready();
});

async function outcome(claims: Record<string, unknown>, requirements: Requirements): Promise<GuardError | 'ok'> {
  try {
    await guard.verifyToken(await signToken(key, accessClaims(claims)), requirements);
    return 'ok';
  } catch (error) {
    if (error instanceof GuardError) return error;
    throw error;
  }
}

describe('scopes (RFC 6750 §3.1 insufficient_scope)', () => {
  it('grants access when every all-of scope is present', async () => {
    expect(await outcome({ scope: 'a b c' }, { scopes: ['a', 'c'] })).toBe('ok');
  });

  it('refuses a missing all-of scope with 403 insufficient_scope naming the needed scopes', async () => {
    const error = await outcome({ scope: 'a' }, { scopes: ['a', 'b'] }) as GuardError;
    expect([error.status, error.code, error.params.scope]).toEqual([403, 'insufficient_scope', 'a b']);
    expect(guard.challenge(error)).toContain('scope="a b"');
  });

  it('grants access with any one of the any-of scopes, refuses with none', async () => {
    expect(await outcome({ scope: 'x write' }, { anyScope: ['read', 'write'] })).toBe('ok');
    expect(await outcome({ scope: 'x' }, { anyScope: ['read', 'write'] })).toMatchObject({ status: 403, code: 'insufficient_scope' });
  });

  it('does not treat a scope prefix or substring as the scope', async () => {
    expect(await outcome({ scope: 'reports:read:all reports' }, { scopes: ['reports:read'] })).toMatchObject({ code: 'insufficient_scope' });
  });

  it('refuses a token without scope claim when a scope is required', async () => {
    expect(await outcome({ scope: undefined }, { scopes: ['a'] })).toMatchObject({ code: 'insufficient_scope' });
  });
});

describe('claim predicates', () => {
  it('grants access when every predicate holds and refuses with 403 when one does not', async () => {
    const req: Requirements = { claims: { tenant: (v) => v === 'acme' } };
    expect(await outcome({ tenant: 'acme' }, req)).toBe('ok');
    expect(await outcome({ tenant: 'other' }, req)).toMatchObject({ status: 403, code: 'insufficient_scope', reason: 'claim tenant predicate failed' });
  });

  it('treats a predicate returning a truthy non-boolean as a failure', async () => {
    expect(await outcome({}, { claims: { sub: () => 'yes' as unknown as boolean } })).toMatchObject({ code: 'insufficient_scope' });
  });
});

describe('step-up authentication (RFC 9470)', () => {
  it('refuses an unacceptable acr with 401 insufficient_user_authentication and acr_values', async () => {
    const error = await outcome({ acr: 'pwd' }, { acr: ['mfa', 'phr'] }) as GuardError;
    expect([error.status, error.code, error.params.acrValues]).toEqual([401, 'insufficient_user_authentication', 'mfa phr']);
    expect(guard.challenge(error)).toContain('acr_values="mfa phr"');
    expect(await outcome({ acr: 'mfa' }, { acr: ['mfa', 'phr'] })).toBe('ok');
  });

  it('refuses a token without acr when an acr is required', async () => {
    expect(await outcome({}, { acr: ['mfa'] })).toMatchObject({ code: 'insufficient_user_authentication' });
  });

  it('refuses an authentication older than max_age, and one without auth_time, with max_age in the challenge', async () => {
    const old = await outcome({ auth_time: NOW_S - 301 }, { maxAge: 300 }) as GuardError;
    expect([old.status, old.code, old.params.maxAge]).toEqual([401, 'insufficient_user_authentication', 300]);
    expect(guard.challenge(old)).toContain('max_age="300"');
    expect(await outcome({}, { maxAge: 300 })).toMatchObject({ code: 'insufficient_user_authentication' });
    expect(await outcome({ auth_time: NOW_S - 300 }, { maxAge: 300 })).toBe('ok');
  });

  it('checks scopes before the authentication event (stepping up cannot add a scope)', async () => {
    expect(await outcome({ scope: 'x', acr: 'pwd' }, { scopes: ['a'], acr: ['mfa'] })).toMatchObject({ code: 'insufficient_scope' });
  });
});

describe('guard-wide requirements', () => {
  it('applies requiredScopes to every request, in addition to route requirements', async () => {
    const strict = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: new FakeAs([key]).fetch, now: () => NOW, requiredScopes: ['api'] });
    await expect(strict.verifyToken(await signToken(key, accessClaims({ scope: 'reports:read' })))).rejects.toMatchObject({ code: 'insufficient_scope' });
    await expect(strict.verifyToken(await signToken(key, accessClaims({ scope: 'api' })), { scopes: ['reports:read'] })).rejects.toMatchObject({ code: 'insufficient_scope' });
    expect(await strict.verifyToken(await signToken(key, accessClaims({ scope: 'api reports:read' })), { scopes: ['reports:read'] })).toMatchObject({ subject: 'user-1' });
  });

  it.each([
    [{ scopes: ['has space'] }], [{ scopes: ['quote"'] }], [{ anyScope: [''] }], [{ maxAge: -1 }], [{ maxAge: 1.5 }],
    [{ claims: { x: 'yes' } }], [{ acr: [1] }],
  ])('rejects invalid requirements %j at construction (STYLE A11)', (requirements) => {
    expect(() => createGuard({ issuer: ISSUER, audience: AUDIENCE, requirements: requirements as unknown as Requirements })).toThrow(TypeError);
  });
});
