import Fastify from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import type { AuthResult, Guard, GuardError, GuardErrorCode, GuardVariables } from '../src/index.js';

/** Compile-time checks of the public surface (run by `tsc`; the runtime assertions are no-ops). */
describe('public types', () => {
  it('types request.auth on Fastify by declaration merging', () => {
    const app = Fastify();
    app.get('/', async (request) => {
      expectTypeOf(request.auth).toEqualTypeOf<AuthResult | null>();
      return null;
    });
    expectTypeOf(app.requireAuth).parameter(0).toMatchTypeOf<{ scopes?: readonly string[] } | undefined>();
  });

  it('returns typed results and errors', () => {
    expectTypeOf<Guard['verify']>().returns.toEqualTypeOf<Promise<AuthResult>>();
    expectTypeOf<Guard['check']>().returns.toEqualTypeOf<AuthResult | Promise<AuthResult>>();
    expectTypeOf<GuardError['code']>().toEqualTypeOf<GuardErrorCode | undefined>();
    expectTypeOf<GuardError['status']>().toEqualTypeOf<400 | 401 | 403 | 503>();
    expectTypeOf<GuardVariables['auth']>().toEqualTypeOf<AuthResult>();
    expectTypeOf<AuthResult['scopes']>().toEqualTypeOf<ReadonlySet<string>>();
  });
});
