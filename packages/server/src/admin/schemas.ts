import { z } from 'zod';
import { clientJwksProblems } from '../client-auth/index.js';
import { duration } from '../config/duration.js';
import { isResourceIndicator } from '../grants/resource.js';
import { isScopeToken } from '../grants/scope.js';

/** Grant types RFC 9700 forbids (§2.1.2 implicit, §2.4 password); refused with the reason. */
const FORBIDDEN_GRANTS: Readonly<Record<string, string>> = {
  password: 'the resource owner password grant MUST NOT be used (RFC 9700 §2.4)',
  implicit: 'the implicit grant is not supported (RFC 9700 §2.1.2)',
};

const scopeList = z
  .array(z.string())
  .max(200)
  .default([])
  .superRefine((scopes, ctx) => {
    for (const scope of scopes) {
      if (!isScopeToken(scope)) ctx.addIssue({ code: 'custom', message: `"${scope}" is not a valid scope (RFC 6749 §3.3)` });
    }
  });

const resourceIndicator = z
  .string()
  .refine(isResourceIndicator, { message: 'must be an absolute URI without a fragment (RFC 8707 §2)' });

/**
 * A URI the server sends the browser or a request to: absolute, no fragment (RFC 6749 §3.1.2), and
 * https — plain http only for a loopback IP literal, where a native app listens (RFC 8252 §7.3; RFC 9700
 * §2.6 allows no other http). `localhost` is refused: RFC 8252 §8.3 calls it NOT RECOMMENDED because
 * the name may resolve off the machine. Custom schemes (`com.example.app:/cb`, RFC 8252 §7.1) pass.
 */
const clientUri = (what: string) =>
  z.string().superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${what} "${value}" is not an absolute URI` });
      return;
    }
    if (url.hash || value.includes('#')) ctx.addIssue({ code: 'custom', message: `${what} "${value}" must not contain a fragment (RFC 6749 §3.1.2)` });
    if (url.protocol === 'http:' && !['127.0.0.1', '[::1]'].includes(url.hostname)) {
      ctx.addIssue({ code: 'custom', message: `${what} "${value}" must use https (http only for loopback 127.0.0.1 or [::1], RFC 9700 §2.6, RFC 8252 §7.3)` });
    }
    if (/^(javascript|data|file|vbscript):$/i.test(url.protocol)) {
      ctx.addIssue({ code: 'custom', message: `${what} "${value}" uses a scheme that cannot be a redirect target` });
    }
  });

const redirectUri = clientUri('redirect URI');

/** Back-channel logout URI: the OP posts to it directly, so it must be http(s) (OIDC Back-Channel Logout 1.0 §2.2). */
const backchannelLogoutUri = clientUri('backchannel_logout_uri').refine((value) => /^https?:/i.test(value), {
  message: 'backchannel_logout_uri must be an https URI (http only for loopback)',
});

/** A web page about the client shown to users on the consent page (OIDC Registration §2): http(s) only. */
const webPage = (what: string) =>
  clientUri(what).refine((value) => /^https?:/i.test(value), { message: `${what} must be an https URI` });

/** ID-token algorithms a client may ask for (OIDC Registration `id_token_signed_response_alg`); RS256 is the default. */
export const ID_TOKEN_ALGS = ['RS256', 'ES256', 'EdDSA'] as const;

/**
 * OpenID Connect client metadata, stored under these exact names in `ClientRecord.metadata`, which is
 * where the authorization, logout and token code reads them.
 */
export const oidcMetadataSchema = z
  .object({
    /** OIDC RP-Initiated Logout 1.0 §3.1: exact-match targets of `post_logout_redirect_uri`. */
    post_logout_redirect_uris: z.array(redirectUri).max(50).optional(),
    backchannel_logout_uri: backchannelLogoutUri.optional(),
    /** OIDC Back-Channel Logout 1.0 §2.2: the logout token must carry `sid`. Default false. */
    backchannel_logout_session_required: z.boolean().optional(),
    id_token_signed_response_alg: z.enum(ID_TOKEN_ALGS).optional(),
    /** RFC 9449 §5.2: access tokens for this client must be DPoP-bound. Default false. */
    dpop_bound_access_tokens: z.boolean().optional(),
    /** RFC 9126 §6: /authorize refuses this client's requests unless pushed to the PAR endpoint. Default false. */
    require_pushed_authorization_requests: z.boolean().optional(),
    /** Links the consent page shows (OIDC Registration §2). */
    client_uri: webPage('client_uri').optional(),
    policy_uri: webPage('policy_uri').optional(),
    tos_uri: webPage('tos_uri').optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.backchannel_logout_session_required !== undefined && m.backchannel_logout_uri === undefined) {
      ctx.addIssue({ code: 'custom', path: ['backchannel_logout_session_required'], message: 'needs backchannel_logout_uri' });
    }
  });

export type OidcClientMetadata = z.output<typeof oidcMetadataSchema>;

/** A client's public keys for `private_key_jwt` (RFC 7517 §5 JWK Set), each usable with one algorithm. */
const clientJwks = z.custom<{ keys: Record<string, unknown>[] }>().superRefine((value, ctx) => {
  for (const message of clientJwksProblems(value)) ctx.addIssue({ code: 'custom', message });
});

export function clientInputSchema(knownGrantTypes: readonly string[]) {
  return z
    .object({
      name: z.string().trim().min(1, 'name is required').max(200),
      /** Default: `client_credentials`, or none for a public client. */
      grantTypes: z
        .array(z.string())
        .optional()
        .superRefine((grants, ctx) => {
          for (const grant of grants ?? []) {
            const forbidden = FORBIDDEN_GRANTS[grant];
            if (forbidden !== undefined) ctx.addIssue({ code: 'custom', message: forbidden });
            else if (!knownGrantTypes.includes(grant)) {
              ctx.addIssue({ code: 'custom', message: `unknown grant type "${grant}" (supported: ${knownGrantTypes.join(', ')})` });
            }
          }
        }),
      scopes: scopeList,
      resources: z.array(resourceIndicator).max(100).default([]),
      authMethod: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']).default('client_secret_basic'),
      /** Required with (and only with) `private_key_jwt`. */
      jwks: clientJwks.optional(),
      redirectUris: z.array(redirectUri).max(50).default([]),
      /** OpenID Connect registration metadata (logout URIs, ID-token algorithm, DPoP binding). */
      metadata: oidcMetadataSchema.default({}),
    })
    .superRefine((spec, ctx) => {
      if (spec.authMethod === 'private_key_jwt' && spec.jwks === undefined) {
        ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'private_key_jwt needs the public keys of the client (jwks)' });
      }
      if (spec.authMethod !== 'private_key_jwt' && spec.jwks !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'jwks is only used with authMethod private_key_jwt' });
      }
      if (spec.authMethod === 'none' && spec.grantTypes?.includes('client_credentials')) {
        ctx.addIssue({ code: 'custom', path: ['grantTypes'], message: 'a public client (authMethod none) cannot use client_credentials (RFC 6749 §4.4)' });
      }
    });
}

export function resourceInputSchema(ttl: { accessTokenDefault: number; accessTokenMax: number }) {
  return z.object({
    id: resourceIndicator,
    name: z.string().trim().min(1).max(200).optional(),
    tokenFormat: z.enum(['jwt', 'opaque']).default('jwt'),
    ttl: duration({ min: 60, max: ttl.accessTokenMax }).default(ttl.accessTokenDefault),
    scopes: scopeList,
  });
}

type ClientSpecInput = z.input<ReturnType<typeof clientInputSchema>>;
/** A client authenticating with a server-generated secret (RFC 6749 §2.3.1). */
export type CreateClientInput = Omit<ClientSpecInput, 'authMethod' | 'jwks'> & { authMethod?: 'client_secret_basic' | 'client_secret_post' };
/** A `private_key_jwt` client (with `jwks`) or a public client (`none`). */
export type CreateClientWithoutSecretInput = Omit<ClientSpecInput, 'authMethod'> & { authMethod: 'private_key_jwt' | 'none' };
export type CreateResourceInput = z.input<ReturnType<typeof resourceInputSchema>>;
