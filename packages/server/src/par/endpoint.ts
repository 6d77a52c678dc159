import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientRecord, PushedRequestStore } from '@tessera/store';
import type { AuthenticateClient } from '../client-auth/index.js';
import { dpopHeaderValues } from '../dpop/headers.js';
import type { TokenContext } from '../endpoints/token/index.js';
import type { SenderBinding } from '../grants/define.js';
import { RawParams } from '../authorize/params.js';
import { parseRawForms, refuseOtherMethods } from '../authorize/http.js';
import { loadClient, requestParameterSteps, type AuthorizeCtx } from '../authorize/validate.js';
import { authenticateClientStep, callerOf, rejectCredentialsInQuery, type EndpointContext } from '../endpoints/context.js';
import { runSteps, type Step } from '../endpoints/steps.js';
import { invalidDpopProof, invalidRequest, unsupportedMediaType } from '../errors.js';
import { FormParams, sanitizeName } from '../http/form.js';
import { JSON_NO_STORE_CORS, PREFLIGHT } from '../http/headers.js';
import { mintRequestUri } from './request-uri.js';

/** What the steps of the PAR endpoint share. */
export interface ParContext extends EndpointContext {
  /** The body with every value of every name, as /authorize reads its query. */
  readonly raw: RawParams;
  /** The parameters that passed validation, `client_id` included: what is stored. */
  pushed?: RawParams;
  /** Set by the DPoP step when the push carries a valid proof (RFC 9449 §10.1). */
  binding?: SenderBinding;
  answer?: { request_uri: string; expires_in: number };
}

/** Client credentials are proof of who pushed, not part of the request: never stored (RFC 6749 §2.3). */
const CREDENTIALS = ['client_secret', 'client_assertion', 'client_assertion_type'];

/** RFC 6749 §3.1 as at /authorize: no parameter may repeat but `resource` (RFC 8707 §2). */
function rejectRepeatedParams(ctx: ParContext): void {
  const repeated = ctx.raw.repeatedNames(['resource'])[0];
  if (repeated !== undefined) throw invalidRequest(`parameter "${sanitizeName(repeated)}" is repeated (RFC 6749 §3.1)`);
}

/** RFC 9126 §2.1: "The request_uri authorization request parameter is one exception, and it MUST NOT be provided." */
function refuseRequestUri(ctx: ParContext): void {
  if (ctx.raw.isRepeated('request_uri') || ctx.raw.all('request_uri').length > 0) {
    throw invalidRequest('request_uri must not be sent to the pushed authorization request endpoint (RFC 9126 §2.1)');
  }
}

/**
 * RFC 9449 §10.1: a DPoP proof on the push binds the authorization code to its key, as `dpop_jkt`
 * does. The proof is checked like one at /token (signature, `htm`/`htu` of this endpoint, age, nonce
 * when required, replay); without one nothing is bound (`dpop_bound_access_tokens` is enforced at /token).
 */
function checkDpopProof(tokenStep: (ctx: TokenContext) => void | Promise<void>): Step<ParContext> {
  return function checkDpopProof(ctx) {
    if (dpopHeaderValues(ctx.request.raw.rawHeaders, ctx.request.headers).length === 0) return;
    return tokenStep(ctx);
  };
}

/**
 * RFC 9126 §2.1: the pushed parameters are validated as /authorize validates an authorization request,
 * by the same steps; the client is the authenticated one (its `client_id` is filled in when the body
 * omitted it; a different one is refused, whatever the authentication method). Failures are JSON
 * errors here (RFC 9126 §2.3), never redirects.
 */
function validatePushedParams(ctx: ParContext): void | Promise<void> {
  const client = callerOf(ctx);
  const named = ctx.raw.get('client_id');
  if (named !== undefined && named !== client.clientId) throw invalidRequest('client_id does not name the authenticated client');
  let params = ctx.raw.with('client_id', client.clientId);
  if (ctx.binding !== undefined) {
    // RFC 9449 §10.1: with both, "the authorization server MUST reject the request if the JWK Thumbprint in dpop_jkt does not match".
    const sent = ctx.raw.get('dpop_jkt');
    if (sent !== undefined && sent !== ctx.binding.jkt) throw invalidDpopProof('dpop_jkt does not match the key of the DPoP proof (RFC 9449 §10.1)');
    params = params.with('dpop_jkt', ctx.binding.jkt);
  }
  const authorize: AuthorizeCtx = { params, lookupClient: (id): ClientRecord | undefined => (id === client.clientId ? client : undefined), request: {} };
  const done = () => {
    ctx.pushed = params;
  };
  const pending = runSteps([loadClient, ...requestParameterSteps], authorize);
  if (pending === undefined) return done();
  return pending.then(done);
}

function storePushedRequest(deps: { store: Pick<PushedRequestStore, 'create'>; ttl: number; now: () => number }): Step<ParContext> {
  return async function storePushedRequest(ctx) {
    const { value, hash } = mintRequestUri();
    const createdAt = new Date(deps.now());
    await deps.store.create({
      v: 1,
      hash,
      clientId: callerOf(ctx).clientId,
      params: ctx.pushed!.toRecord(CREDENTIALS),
      createdAt,
      expiresAt: new Date(createdAt.getTime() + deps.ttl * 1000),
      consumedAt: null,
    });
    ctx.answer = { request_uri: value, expires_in: deps.ttl };
  };
}

/** The body as a {@link FormParams} for client authentication (one value per name; repeats are refused first). */
function formOf(raw: RawParams): FormParams {
  const record: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(raw.toRecord())) record[name] = values.length === 1 ? values[0]! : values;
  return FormParams.from(record);
}

/** Options of {@link registerParEndpoint}. */
export interface ParEndpointDeps {
  path: string;
  /** Client authentication exactly as at /token (RFC 9126 §2: public clients with `none` too). */
  authenticate: AuthenticateClient;
  store: Pick<PushedRequestStore, 'create'>;
  /** Seconds a `request_uri` lives (`expires_in`). */
  ttl: number;
  /** Epoch ms. */
  now: () => number;
  /** The DPoP proof check of /token, built for this endpoint's URL (RFC 9449 §10.1); none: proofs are not read. */
  dpop?: (ctx: TokenContext) => void | Promise<void>;
}

/**
 * `POST /par` (RFC 9126 §2): a client pushes the parameters of an authorization request, authenticated
 * as at /token; they are validated like /authorize's and stored, and the client gets a one-time
 * `request_uri` to send the browser to /authorize with (201, §2.2). Errors are JSON in the RFC 6749
 * §5.2 shape with `Cache-Control: no-store` (§2.3). The body is read with every value kept, so repeats
 * are judged by the same rule as at /authorize.
 */
export function registerParEndpoint(app: FastifyInstance, deps: ParEndpointDeps): void {
  const steps: readonly Step<ParContext>[] = [
    rejectCredentialsInQuery,
    rejectRepeatedParams,
    authenticateClientStep(deps.authenticate),
    refuseRequestUri,
    ...(deps.dpop === undefined ? [] : [checkDpopProof(deps.dpop)]),
    validatePushedParams,
    storePushedRequest(deps),
  ];
  void app.register(async (scope) => {
    parseRawForms(scope);
    scope.post(deps.path, async function par(request: FastifyRequest, reply: FastifyReply) {
      if (!(request.body instanceof RawParams)) throw unsupportedMediaType();
      const raw = request.body;
      const ctx: ParContext = { request, params: formOf(raw), raw, client: undefined };
      await runSteps(steps, ctx);
      return reply.code(201).headers(JSON_NO_STORE_CORS).send(JSON.stringify(ctx.answer));
    });
    scope.options(deps.path, (_request, reply) => {
      reply.code(204).headers(PREFLIGHT).send();
    });
    refuseOtherMethods(scope, deps.path, ['POST', 'OPTIONS']);
  });
}
