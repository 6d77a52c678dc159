import { z } from 'zod';
import type { Admin, CreateResourceInput } from '../../admin/index.js';
import { badRequest, notFound } from '../errors.js';
import { param, parse } from '../input.js';
import { json, type AdminRoute } from './define.js';

const createBody = z.strictObject({
  id: z.string(),
  name: z.string().optional(),
  tokenFormat: z.unknown().optional(),
  ttl: z.union([z.number(), z.string()]).optional(),
  scopes: z.unknown().optional(),
});

/**
 * Protected APIs (resource indicators, RFC 8707): create, list, delete. The id is a URI, so it goes in
 * the path percent-encoded (`/resources/https%3A%2F%2Fapi.example.com`); a wildcard route, as a
 * parametric one is capped at 100 characters. The admin API's own resource
 * cannot be deleted here: that would lock every admin client out.
 */
export function resourceRoutes(admin: Admin, adminAudience: string): AdminRoute[] {
  return [
    {
      method: 'POST', url: '/resources',
      handler: async (request, reply) => json(reply, 201, await admin.createResource(parse(createBody, request.body, 'body') as CreateResourceInput)),
    },
    {
      method: 'GET', url: '/resources',
      handler: async (_request, reply) => json(reply, 200, { resources: await admin.listResources() }),
    },
    {
      method: 'DELETE', url: '/resources/*',
      handler: async (request, reply) => {
        const id = param(request, '*', 2048);
        if (id === adminAudience) {
          throw badRequest([{ path: 'id', message: 'the admin API\'s own resource cannot be deleted through the admin API', code: 'admin_resource' }]);
        }
        if (id === undefined || !(await admin.deleteResource(id))) throw notFound('resource');
        return json(reply, 204);
      },
    },
  ];
}
