import type { ClientRecord } from '@tessera/store';
import { invalidRequest, invalidScope, invalidTarget, OAuthError, unauthorizedClient } from '../errors.js';
import { isScopeToken } from '../grants/scope.js';
import { sanitizeName } from '../http/form.js';
import type { Step } from '../endpoints/steps.js';
import type { RawParams } from './params.js';
import { findRedirectUri } from './redirect-uri.js';
import type { AuthorizationRequest, Prompt, ResponseMode, ResponseTarget } from './request.js';

type Writable<T> = { -readonly [K in keyof T]?: T[K] };

/**
 * How /authorize reads pushed authorization requests (RFC 9126 §4); implemented in par/. Both methods
 * throw `invalid_request_uri` for a `request_uri` that is unknown, expired, used, or another client's.
 */
export interface PushedRequestResolver {
  /** The parameters pushed under `requestUri` by `clientId`, and the key to consume them by. */
  load(clientId: string, requestUri: string): Promise<{ readonly params: RawParams; readonly hash: string }>;
  /** Mark the pushed request used (atomically: of two concurrent requests one fails). */
  consume(hash: string): Promise<void>;
  /** Server-wide `require_pushed_authorization_requests` (RFC 9126 §5). */
  readonly required: boolean;
}

/** What the validation steps of /authorize share. */
export interface AuthorizeCtx {
  /** The request's parameters; replaced by the pushed ones when it names a `request_uri` (RFC 9126 §4). */
  params: RawParams;
  readonly lookupClient: (clientId: string) => ClientRecord | undefined | Promise<ClientRecord | undefined>;
  /** Pushed authorization requests; without it `request_uri` is refused as unsupported. */
  readonly pushed?: PushedRequestResolver;
  /** Set when the parameters came from a pushed request: consumed once they all pass. */
  pushedHash?: string;
  client?: ClientRecord;
  /** Set once the redirect URI is trusted: from then on errors go back to the client, before that to an error page. */
  target?: ResponseTarget;
  readonly request: Writable<AuthorizationRequest>;
}

/** Parameters that may repeat: `resource` (RFC 8707 §2). */
const REPEATABLE = ['resource'];
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const JKT = /^[A-Za-z0-9_-]{43}$/;
const PROMPTS: ReadonlySet<string> = new Set(['none', 'login', 'consent']);
const MAX_STATE = 1024;
const MAX_NONCE = 255;
const MAX_HINT = 256;

const unknownClient = (description: string) => new OAuthError('invalid_client', 400, description);

/** Step 1. The client must exist and be enabled; otherwise an error page (RFC 6749 §4.1.2.1: MUST NOT redirect). */
export function loadClient(ctx: AuthorizeCtx): void | Promise<void> {
  if (ctx.params.isRepeated('client_id')) throw invalidRequest('client_id is repeated');
  const clientId = ctx.params.get('client_id');
  if (clientId === undefined) throw invalidRequest('client_id is required');
  if (clientId.length > 256) throw unknownClient('the client is not registered');
  const settle = (client: ClientRecord | undefined) => {
    if (client === undefined || client.disabled) throw unknownClient('the client is not registered or is disabled');
    ctx.client = client;
    ctx.request.clientId = client.clientId;
  };
  const found = ctx.lookupClient(clientId);
  if (found instanceof Promise) return found.then(settle);
  settle(found);
}

/**
 * Step 1b. RFC 9126 §4: with a `request_uri` the authorization server uses only the pushed parameters;
 * every other parameter of this request (besides the `client_id` that must match) is ignored. An
 * unknown, expired, used or foreign `request_uri` is an error page: no pushed redirect URI is trusted.
 */
export function resolvePushedRequest(ctx: AuthorizeCtx): void | Promise<void> {
  if (ctx.params.all('request_uri').length === 0) return;
  if (ctx.pushed === undefined) throw new OAuthError('request_uri_not_supported', 400, 'request_uri is not supported');
  const requestUri = ctx.params.get('request_uri');
  if (requestUri === undefined) throw invalidRequest('request_uri is repeated');
  return ctx.pushed.load(ctx.client!.clientId, requestUri).then(({ params, hash }) => {
    ctx.params = params;
    ctx.pushedHash = hash;
  });
}

/**
 * Step 3b. RFC 9126 §5 and §6: when the server or the client requires pushed requests, one sent in
 * the front channel is refused (after the redirect URI is trusted, so the client learns why).
 */
export function requirePushedRequest(ctx: AuthorizeCtx): void {
  if (ctx.pushedHash !== undefined) return;
  if (ctx.pushed?.required === true || ctx.client!.metadata.require_pushed_authorization_requests === true) {
    throw invalidRequest('this client must push its authorization requests (RFC 9126)');
  }
}

/** Last step. The pushed request is used up only once everything in it passed (RFC 9126 §7.3: one-time use). */
export function consumePushedRequest(ctx: AuthorizeCtx): void | Promise<void> {
  if (ctx.pushedHash !== undefined) return ctx.pushed!.consume(ctx.pushedHash);
}

/**
 * Step 2. The redirect URI must be registered (exact match; loopback port may vary, RFC 8252 §7.3);
 * without one, the client's only registered URI is used (RFC 6749 §3.1.2.3) — except for OpenID
 * Connect requests, where `redirect_uri` is REQUIRED (OIDC Core §3.1.2.1). Every failure here is an
 * error page: redirecting to an unverified URI would make us an open redirector (RFC 9700 §4.11).
 */
export function checkRedirectUri(ctx: AuthorizeCtx): void {
  const client = ctx.client!;
  if (ctx.params.isRepeated('redirect_uri')) throw invalidRequest('redirect_uri is repeated');
  const sent = ctx.params.get('redirect_uri');
  let redirectUri: string | undefined;
  if (sent === undefined) {
    const scope = ctx.params.all('scope').join(' ').split(' ');
    if (scope.includes('openid')) throw invalidRequest('redirect_uri is required for OpenID Connect requests');
    if (client.redirectUris.length !== 1) throw invalidRequest('redirect_uri is required: the client has several or none registered');
    redirectUri = client.redirectUris[0];
  } else {
    redirectUri = findRedirectUri(client.redirectUris, sent);
    if (redirectUri === undefined) throw invalidRequest('redirect_uri is not registered for this client');
  }
  ctx.request.redirectUri = redirectUri!;
  ctx.request.redirectUriSent = sent !== undefined;
}

/**
 * Step 3. From here errors go to the client in the response mode it asked for. An unknown or repeated
 * `response_mode` is itself answered in the default (query) mode; a repeated `state` is not echoed.
 */
export function trustRedirect(ctx: AuthorizeCtx): void {
  const state = ctx.params.get('state');
  const modeParam = ctx.params.get('response_mode');
  const mode: ResponseMode = modeParam === 'form_post' ? 'form_post' : 'query';
  ctx.target = { redirectUri: ctx.request.redirectUri!, responseMode: mode, ...(state !== undefined && state.length <= MAX_STATE && { state }) };
  ctx.request.responseMode = mode;
  if (state !== undefined) ctx.request.state = state;
  if (ctx.params.isRepeated('response_mode') || (modeParam !== undefined && modeParam !== 'query' && modeParam !== 'form_post')) {
    throw invalidRequest('response_mode must be query or form_post');
  }
  if (state !== undefined && state.length > MAX_STATE) throw invalidRequest(`state must be at most ${MAX_STATE} characters`);
}

/** RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once." */
export function rejectRepeatedParams(ctx: AuthorizeCtx): void {
  const repeated = ctx.params.repeatedNames(REPEATABLE)[0];
  if (repeated !== undefined) throw invalidRequest(`parameter "${sanitizeName(repeated)}" is repeated (RFC 6749 §3.1)`);
}

/**
 * OIDC Core §6: request objects are not supported (and not advertised). A `request_uri` here is one
 * that {@link resolvePushedRequest} did not take: inside pushed parameters (the PAR endpoint refuses
 * those first, RFC 9126 §2.1), or with no PAR store.
 */
export function rejectRequestObjects(ctx: AuthorizeCtx): void {
  if (ctx.params.all('request').length > 0) throw new OAuthError('request_not_supported', 400, 'request objects are not supported');
  if (ctx.params.all('request_uri').length > 0) throw new OAuthError('request_uri_not_supported', 400, 'request_uri is not supported');
}

/** OAuth 2.1: only the authorization code flow; and the client must be allowed to use it. */
export function checkResponseType(ctx: AuthorizeCtx): void {
  const type = ctx.params.get('response_type');
  if (type === undefined) throw invalidRequest('response_type is required');
  if (type !== 'code') throw new OAuthError('unsupported_response_type', 400, 'only response_type=code is supported');
  if (!ctx.client!.grantTypes.includes('authorization_code')) throw unauthorizedClient('the client may not use the authorization code flow');
}

/**
 * RFC 6749 §3.3: a scope is required here (we do not guess a default) and must be within what the
 * client may ask for; anything else fails the whole request with `invalid_scope`.
 */
export function checkScope(ctx: AuthorizeCtx): void {
  const raw = ctx.params.get('scope');
  if (raw === undefined) throw invalidScope('scope is required');
  const scope: string[] = [];
  for (const token of raw.split(' ')) {
    if (token === '' || scope.includes(token)) continue;
    if (!isScopeToken(token)) throw invalidScope('scope contains characters outside RFC 6749 §3.3');
    if (!ctx.client!.scopes.includes(token)) throw invalidScope(`scope "${token.slice(0, 64)}" is not allowed for this client`);
    scope.push(token);
  }
  if (scope.length === 0) throw invalidScope('scope is required');
  ctx.request.scope = scope;
}

/** RFC 8707 §2: each `resource` must be one the client is registered for, else `invalid_target`. */
export function checkResources(ctx: AuthorizeCtx): void {
  const resources: string[] = [];
  for (const resource of ctx.params.all('resource')) {
    if (!ctx.client!.resources.includes(resource)) throw invalidTarget('the client may not request this resource');
    if (!resources.includes(resource)) resources.push(resource);
  }
  ctx.request.resources = resources;
}

/**
 * RFC 7636 with RFC 9700 §2.1.1: PKCE is required of every client and only `S256` is accepted;
 * a missing method means `plain` (RFC 7636 §4.3), which is refused like an explicit one.
 */
export function checkPkce(ctx: AuthorizeCtx): void {
  const challenge = ctx.params.get('code_challenge');
  const method = ctx.params.get('code_challenge_method');
  if (challenge === undefined) throw invalidRequest('code_challenge is required (PKCE, RFC 7636)');
  if (method !== 'S256') throw invalidRequest('code_challenge_method must be S256');
  if (!CHALLENGE.test(challenge)) throw invalidRequest('code_challenge must be 43 base64url characters (BASE64URL(SHA256(code_verifier)))');
  ctx.request.codeChallenge = challenge;
}

/** OIDC Core §3.1.2.1: nonce, prompt, max_age, acr_values, login_hint; RFC 9449 §10 dpop_jkt. */
export function checkOidcParams(ctx: AuthorizeCtx): void {
  const p = ctx.params;
  const nonce = p.get('nonce');
  if (nonce !== undefined) {
    if (nonce.length > MAX_NONCE) throw invalidRequest(`nonce must be at most ${MAX_NONCE} characters`);
    ctx.request.nonce = nonce;
  }
  const prompt: Prompt[] = [];
  for (const value of (p.get('prompt') ?? '').split(' ')) {
    if (value === '') continue;
    if (!PROMPTS.has(value)) throw invalidRequest('prompt must be none, login or consent');
    if (!prompt.includes(value as Prompt)) prompt.push(value as Prompt);
  }
  if (prompt.includes('none') && prompt.length > 1) throw invalidRequest('prompt=none cannot be combined with other values');
  ctx.request.prompt = prompt;
  const maxAge = p.get('max_age');
  if (maxAge !== undefined) {
    if (!/^\d{1,9}$/.test(maxAge)) throw invalidRequest('max_age must be a non-negative integer');
    ctx.request.maxAge = Number(maxAge);
  }
  const acr = p.get('acr_values');
  ctx.request.acrValues = acr === undefined ? [] : acr.split(' ').filter((v) => v !== '').slice(0, 10);
  const hint = p.get('login_hint');
  if (hint !== undefined && hint.length <= MAX_HINT) ctx.request.loginHint = hint;
  const jkt = p.get('dpop_jkt');
  if (jkt !== undefined) {
    if (!JKT.test(jkt)) throw invalidRequest('dpop_jkt must be a base64url SHA-256 JWK thumbprint (RFC 9449 §10)');
    ctx.request.dpopJkt = jkt;
  }
}

/** The validation steps of /authorize, in order (STYLE A1). */
export const authorizeSteps: readonly Step<AuthorizeCtx>[] = [
  loadClient,
  resolvePushedRequest,
  checkRedirectUri,
  trustRedirect,
  requirePushedRequest,
  rejectRepeatedParams,
  rejectRequestObjects,
  checkResponseType,
  checkScope,
  checkResources,
  checkPkce,
  checkOidcParams,
  consumePushedRequest,
];

/** Steps about where the parameters come from (the query, or a pushed request), not what they say. */
const SOURCE_STEPS: readonly Step<AuthorizeCtx>[] = [loadClient, resolvePushedRequest, requirePushedRequest, consumePushedRequest];

/**
 * The checks of the authorization request's own parameters, once the client is known: every step of
 * /authorize but those about the parameters' source. The PAR endpoint runs exactly these on a push
 * (RFC 9126 §2.1: the same validation as an authorization request), so the two cannot drift apart.
 */
export const requestParameterSteps: readonly Step<AuthorizeCtx>[] = authorizeSteps.filter((step) => !SOURCE_STEPS.includes(step));
