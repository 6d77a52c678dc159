import type { FastifyInstance } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import type { ClientRecord, ResourceRecord, Storage } from '@tessera/store';
import {
  createAdmin,
  createTessera,
  defineGrant,
  resolveConfig,
  type Admin,
  type CreatedClient,
  type Grant,
  type KeyManager,
  type PublicConfig,
  type Tessera,
  type TesseraConfig,
} from '../src/index.js';

/** The shapes the CLI, the bench and later issues build on (STYLE V12: types come from the source and are checked). */
describe('public API types', () => {
  it('createTessera resolves to { app, storage, keys, admin, config, listen, close }', () => {
    expectTypeOf(createTessera).returns.resolves.toEqualTypeOf<Tessera>();
    expectTypeOf<Tessera['app']>().toEqualTypeOf<FastifyInstance>();
    expectTypeOf<Tessera['storage']>().toEqualTypeOf<Storage>();
    expectTypeOf<Tessera['keys']>().toEqualTypeOf<KeyManager>();
    expectTypeOf<Tessera['admin']>().toEqualTypeOf<Admin>();
    expectTypeOf<Tessera['config']>().toEqualTypeOf<PublicConfig>();
    expectTypeOf<Tessera['listen']>().returns.resolves.toBeString();
    expectTypeOf<PublicConfig['keys']>().not.toHaveProperty('masterKey');
  });

  it('createAdmin works on a storage without HTTP', () => {
    expectTypeOf(createAdmin).parameter(0).toMatchTypeOf<Pick<Storage, 'clients' | 'resources'>>();
    expectTypeOf<Admin['createClient']>().returns.resolves.toEqualTypeOf<CreatedClient>();
    expectTypeOf<CreatedClient>().toEqualTypeOf<{ client: ClientRecord; clientSecret: string }>();
    expectTypeOf<Admin['createResource']>().returns.resolves.toEqualTypeOf<ResourceRecord>();
  });

  it('resolveConfig returns the defaulted config; defineGrant keeps the grant shape', () => {
    expectTypeOf(resolveConfig).returns.toEqualTypeOf<TesseraConfig>();
    expectTypeOf<TesseraConfig['keys']['rotationPeriod']>().toBeNumber();
    expectTypeOf(defineGrant<Grant>).returns.toMatchTypeOf<Grant>();
  });
});
