import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStorage } from '@tessera/store';
import { createAdmin, type CreateClientInput, type CreateClientWithoutSecretInput } from '../../src/index.js';
import { rejection, T0 } from '../helpers.js';

let es: JWK;
let ed: JWK;
let esPrivate: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  es = { ...(await exportJWK(pair.publicKey)), kid: 'es' };
  esPrivate = await exportJWK(pair.privateKey);
  ed = { ...(await exportJWK((await generateKeyPair('EdDSA')).publicKey)), kid: 'ed' };
});

function admin() {
  const storage = createMemoryStorage();
  return { storage, api: createAdmin(storage, { now: () => T0 }) };
}


const keyClient = (jwks: unknown): CreateClientWithoutSecretInput => ({ name: 'k', authMethod: 'private_key_jwt', jwks: jwks as { keys: Record<string, unknown>[] } });

describe('admin: private_key_jwt clients (RFC 7523 §2.2)', () => {
  it('stores the public JWKS and no secret', async () => {
    const { api, storage } = admin();
    const client = await api.createClientWithoutSecret(keyClient({ keys: [es, ed] }));
    const stored = await storage.clients.get(client.clientId);
    expect(stored).toMatchObject({ authMethods: ['private_key_jwt'], secretHash: null, grantTypes: ['client_credentials'], jwks: { keys: [es, ed] } });
  });

  it('requires a JWKS', async () => {
    const { api } = admin();
    expect(await rejection(api.createClientWithoutSecret({ name: 'k', authMethod: 'private_key_jwt' }))).toContain('jwks');
  });

  it('refuses private key material in the JWKS', async () => {
    const { api } = admin();
    expect(await rejection(api.createClientWithoutSecret(keyClient({ keys: [esPrivate] })))).toContain('private key material');
  });

  it('refuses symmetric, unsupported and malformed keys', async () => {
    const { api } = admin();
    expect(await rejection(api.createClientWithoutSecret(keyClient({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] })))).toContain('unsupported');
    expect(await rejection(api.createClientWithoutSecret(keyClient({ keys: [{ ...es, alg: 'HS256' }] })))).toContain('unsupported');
    expect(await rejection(api.createClientWithoutSecret(keyClient({ keys: [{ ...es, alg: 'PS256' }] })))).toContain('unsupported');
    expect(await rejection(api.createClientWithoutSecret(keyClient({ keys: [{ ...es, alg: 'EdDSA' }] })))).toContain('kty');
    expect(await rejection(api.createClientWithoutSecret(keyClient({ keys: [{ ...es, use: 'enc' }] })))).toContain('use');
    expect(await rejection(api.createClientWithoutSecret(keyClient({ keys: [{ ...es, x: 'AAAA' }] })))).toContain('keys[0]');
    expect(await rejection(api.createClientWithoutSecret(keyClient({ keys: [] })))).toContain('at least one key');
    expect(await rejection(api.createClientWithoutSecret(keyClient([es])))).toContain('JWK Set');
    expect(await rejection(api.createClientWithoutSecret(keyClient({ keys: Array.from({ length: 11 }, () => es) })))).toContain('at most 10');
  });

  it('refuses duplicate kids, and two keys of one alg without kids (the key could not be chosen)', async () => {
    const { api } = admin();
    expect(await rejection(api.createClientWithoutSecret(keyClient({ keys: [es, { ...ed, kid: 'es' }] })))).toContain('duplicate "kid"');
    const { kid: _a, ...noKid } = es;
    expect(await rejection(api.createClientWithoutSecret(keyClient({ keys: [noKid, noKid] })))).toContain('distinct "kid"');
  });

  it('refuses a JWKS on a client that does not use private_key_jwt', async () => {
    const { api } = admin();
    const input = { name: 'p', authMethod: 'none', jwks: { keys: [es] } } as CreateClientWithoutSecretInput;
    expect(await rejection(api.createClientWithoutSecret(input))).toContain('only used with authMethod private_key_jwt');
  });
});

describe('admin: public clients (none)', () => {
  it('refuses client_credentials for a public client (RFC 6749 §4.4)', async () => {
    const { api } = admin();
    const message = await rejection(api.createClientWithoutSecret({ name: 'p', authMethod: 'none', grantTypes: ['client_credentials'] }));
    expect(message).toContain('RFC 6749 §4.4');
  });

  it('gives a public client no grant type by default', async () => {
    const { api } = admin();
    expect((await api.createClientWithoutSecret({ name: 'p', authMethod: 'none' })).grantTypes).toEqual([]);
  });
});

describe('admin: createClient and createClientWithoutSecret keep to their kinds', () => {
  it('createClient refuses secretless methods, createClientWithoutSecret refuses secret methods', async () => {
    const { api } = admin();
    expect(await rejection(api.createClient({ name: 'x', authMethod: 'none' } as unknown as CreateClientInput))).toContain('createClientWithoutSecret');
    const secretInput = { name: 'x', authMethod: 'client_secret_basic' } as unknown as CreateClientWithoutSecretInput;
    expect(await rejection(api.createClientWithoutSecret(secretInput))).toContain('use createClient');
  });
});
