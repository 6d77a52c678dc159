import { z } from 'zod';
import type { Admin } from '../../admin/index.js';
import { notFound } from '../errors.js';
import { param, parse } from '../input.js';
import { json, type AdminRoute } from './define.js';

const createBody = z.strictObject({
  username: z.string(),
  password: z.string(),
  email: z.string().nullable().optional(),
  emailVerified: z.boolean().optional(),
  groups: z.array(z.string()).optional(),
});
const passwordBody = z.strictObject({ password: z.string(), keepSessions: z.boolean().optional() });
const groupsBody = z.strictObject({ groups: z.array(z.string()) });
const confirmBody = z.strictObject({ code: z.string().max(16) });
const listQuery = z.strictObject({
  limit: z.string().regex(/^[0-9]{1,4}$/, 'must be an integer from 1 to 500').transform(Number).optional(),
  after: z.string().min(1).max(256).optional(),
});

/** The user's id from the path; mutations take the id, GET also a username (as `admin.users.get` does). */
const userId = (request: Parameters<AdminRoute['handler']>[0]) => param(request, 'id');

/**
 * Users (issue 3): create, get, paged list, disable (ends sessions and tokens), enable, password,
 * groups, TOTP enrolment (its secret is in the answer once) and reset.
 */
export function userRoutes(admin: Pick<Admin, 'users'>): AdminRoute[] {
  // Looked up per call: `admin.users` is built on first use (its argon2 hasher costs a hash), not at start.
  const users = () => admin.users;
  async function existing(id: string | undefined) {
    const user = id === undefined ? undefined : await users().get(id);
    if (user === undefined || user.id !== id) throw notFound('user');
    return user;
  }
  return [
    {
      method: 'POST', url: '/users',
      handler: async (request, reply) => json(reply, 201, await users().create(parse(createBody, request.body, 'body'))),
    },
    {
      method: 'GET', url: '/users',
      handler: async (request, reply) => {
        const query = parse(listQuery, request.query, 'query');
        return json(reply, 200, await users().list({ ...(query.limit !== undefined && { limit: query.limit }), ...(query.after !== undefined && { after: query.after }) }));
      },
    },
    {
      method: 'GET', url: '/users/:id',
      handler: async (request, reply) => {
        const id = userId(request);
        const user = id === undefined ? undefined : await users().get(id);
        if (user === undefined) throw notFound('user');
        return json(reply, 200, user);
      },
    },
    {
      method: 'POST', url: '/users/:id/disable',
      handler: async (request, reply) => {
        const id = userId(request);
        const done = id === undefined ? undefined : await users().disable(id);
        if (done === undefined) throw notFound('user');
        return json(reply, 200, done);
      },
    },
    {
      method: 'POST', url: '/users/:id/enable',
      handler: async (request, reply) => {
        const id = userId(request);
        const user = id === undefined ? undefined : await users().enable(id);
        if (user === undefined) throw notFound('user');
        return json(reply, 200, user);
      },
    },
    {
      method: 'PUT', url: '/users/:id/password',
      handler: async (request, reply) => {
        const id = userId(request);
        const body = parse(passwordBody, request.body, 'body');
        const done = id === undefined ? undefined : await users().setPassword(id, body.password, { keepSessions: body.keepSessions === true });
        if (done === undefined) throw notFound('user');
        return json(reply, 200, done);
      },
    },
    {
      method: 'PUT', url: '/users/:id/groups',
      handler: async (request, reply) => {
        const id = userId(request);
        const body = parse(groupsBody, request.body, 'body');
        const user = id === undefined ? undefined : await users().setGroups(id, body.groups);
        if (user === undefined) throw notFound('user');
        return json(reply, 200, user);
      },
    },
    {
      // Start (or restart a pending) enrolment: the only answer that ever carries the TOTP secret.
      method: 'POST', url: '/users/:id/totp',
      handler: async (request, reply) => {
        const user = await existing(userId(request));
        return json(reply, 201, await users().totp.start(user.id));
      },
    },
    {
      method: 'POST', url: '/users/:id/totp/confirm',
      handler: async (request, reply) => {
        const user = await existing(userId(request));
        const body = parse(confirmBody, request.body, 'body');
        return json(reply, 200, await users().totp.confirm(user.id, body.code));
      },
    },
    {
      method: 'DELETE', url: '/users/:id/totp',
      handler: async (request, reply) => {
        const id = userId(request);
        if (id === undefined || !(await users().totp.reset(id))) throw notFound('user');
        return json(reply, 204);
      },
    },
  ];
}
