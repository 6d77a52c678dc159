import { z } from 'zod';
import type { ClientRecord } from '@tessera/store';
import type { Admin, CreateClientInput, CreateClientWithoutSecretInput } from '../../admin/index.js';
import { notFound } from '../errors.js';
import { param, parse } from '../input.js';
import { json, type AdminRoute } from './define.js';

/** The fields `admin.createClient` reads; their values are checked there. Anything else is an unknown field. */
const createBody = z.strictObject({
  name: z.unknown(),
  grantTypes: z.unknown().optional(),
  scopes: z.unknown().optional(),
  resources: z.unknown().optional(),
  authMethod: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']).optional(),
  jwks: z.unknown().optional(),
  redirectUris: z.unknown().optional(),
  metadata: z.unknown().optional(),
});

/** A client as the admin API shows it: everything but the secret's hash. */
export type ClientView = Omit<ClientRecord, 'secretHash'> & { hasSecret: boolean };

export function viewClient(client: ClientRecord): ClientView {
  const { secretHash, ...rest } = client;
  return { ...rest, hasSecret: secretHash !== null };
}

/**
 * Clients: create (a generated secret is in the answer once, as `clientSecret`), list, get,
 * disable/enable (a disabled client fails authentication at once), delete.
 */
export function clientRoutes(admin: Admin): AdminRoute[] {
  async function setDisabled(id: string | undefined, disabled: boolean) {
    if (id === undefined || !(await admin.setClientDisabled(id, disabled))) throw notFound('client');
    const client = await admin.getClient(id);
    if (client === undefined) throw notFound('client');
    return viewClient(client);
  }
  return [
    {
      method: 'POST', url: '/clients',
      handler: async (request, reply) => {
        const body = parse(createBody, request.body, 'body');
        if (body.authMethod === 'private_key_jwt' || body.authMethod === 'none') {
          const client = await admin.createClientWithoutSecret(body as CreateClientWithoutSecretInput);
          return json(reply, 201, { client: viewClient(client) });
        }
        const created = await admin.createClient(body as CreateClientInput);
        return json(reply, 201, { client: viewClient(created.client), clientSecret: created.clientSecret });
      },
    },
    {
      method: 'GET', url: '/clients',
      handler: async (_request, reply) => json(reply, 200, { clients: (await admin.listClients()).map(viewClient) }),
    },
    {
      method: 'GET', url: '/clients/:id',
      handler: async (request, reply) => {
        const id = param(request, 'id');
        const client = id === undefined ? undefined : await admin.getClient(id);
        if (client === undefined) throw notFound('client');
        return json(reply, 200, viewClient(client));
      },
    },
    { method: 'POST', url: '/clients/:id/disable', handler: async (request, reply) => json(reply, 200, await setDisabled(param(request, 'id'), true)) },
    { method: 'POST', url: '/clients/:id/enable', handler: async (request, reply) => json(reply, 200, await setDisabled(param(request, 'id'), false)) },
    {
      method: 'DELETE', url: '/clients/:id',
      handler: async (request, reply) => {
        const id = param(request, 'id');
        if (id === undefined || !(await admin.deleteClient(id))) throw notFound('client');
        return json(reply, 204);
      },
    },
  ];
}
