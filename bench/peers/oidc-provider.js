// The peer: node-oidc-provider 9.x configured like the Tessera benchmark setup, so the two are compared
// on the same operations. In-memory adapter (its default), one confidential client using
// client_secret_basic with the client_credentials grant, resource indicators (RFC 8707) with one JWT
// resource (ES256 by default: the same algorithm as Tessera's default access-token key; bench/run.js --alg
// sets both servers alike) and one opaque resource, introspection enabled.
//
// Usage: node bench/peers/oidc-provider.js <port> [ES256|EdDSA|RS256]   — prints "listening <url>" once ready.
import { generateKeyPairSync } from 'node:crypto';

export const PEER_CLIENT = Object.freeze({ id: 'bench-client', secret: 'bench-secret-'.padEnd(48, 'x') });
export const PEER_RESOURCES = Object.freeze({ jwt: 'https://api.bench.test/jwt', opaque: 'https://api.bench.test/opaque' });
export const PEER_SCOPE = 'read write';

const privateJwk = (type, options, alg) => ({
  ...generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' }),
  alg,
  use: 'sig',
  kid: `${alg.toLowerCase()}-bench`,
});

/** @param {typeof import('oidc-provider').default} Provider */
export function createPeer(Provider, issuer, alg = 'ES256') {
  const resources = {
    [PEER_RESOURCES.jwt]: { accessTokenFormat: 'jwt', jwt: { sign: { alg } } },
    [PEER_RESOURCES.opaque]: { accessTokenFormat: 'opaque' },
  };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: PEER_CLIENT.id,
        client_secret: PEER_CLIENT.secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: PEER_SCOPE,
      },
    ],
    // `alg` (ES256 unless bench/run.js --alg says otherwise) signs the JWT access tokens, the same
    // algorithm as Tessera's, so signing costs the same on both; RS256 is present because OIDC requires
    // it for ID tokens.
    jwks: { keys: [privateJwk('ec', { namedCurve: 'P-256' }, 'ES256'), privateJwk('ed25519', {}, 'EdDSA'), privateJwk('rsa', { modulusLength: 2048 }, 'RS256')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => PEER_RESOURCES.opaque,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          const info = resources[indicator];
          if (!info) throw new Provider.errors.InvalidTarget();
          return { scope: PEER_SCOPE, audience: indicator, accessTokenTTL: 3600, ...info };
        },
      },
    },
    scopes: PEER_SCOPE.split(' '),
    ttl: { ClientCredentials: 3600 },
  });
  provider.proxy = false;
  return provider;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 0);
  // Silence the dev-default warnings oidc-provider prints for options this benchmark does not use.
  const warn = console.warn;
  console.warn = () => {};
  // Imported here so that importing this module for its constants stays free of side effects.
  const { default: Provider } = await import('oidc-provider');
  const provider = createPeer(Provider, `http://127.0.0.1:${port}`, process.argv[3] ?? 'ES256');
  console.warn = warn;
  const server = provider.listen(port, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${port}`));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
