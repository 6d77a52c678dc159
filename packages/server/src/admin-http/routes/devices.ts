import { z } from 'zod';
import type { DeviceAdmin, DeviceTokenView } from '../../admin/devices.js';
import { viewDevice, type EnrolDeviceInput } from '../../devices/registry.js';
import { notFound } from '../errors.js';
import { param, parse } from '../input.js';
import { json, type AdminRoute } from './define.js';

const limit = (max: number) =>
  z.string().regex(/^[0-9]{1,4}$/, `must be an integer from 1 to ${max}`).transform(Number)
    .refine((n) => n >= 1 && n <= max, `must be an integer from 1 to ${max}`).optional();

const listQuery = z.strictObject({
  limit: limit(1000),
  after: z.string().min(1).max(256).optional(),
  userId: z.string().min(1).max(128).optional(),
  uem: z.string().min(1).max(63).optional(),
});
const limitQuery = z.strictObject({ limit: limit(1000) });
const keyBody = z.strictObject({ jwk: z.record(z.string(), z.unknown()) });

/** A sign-in session a device's tokens belong to (public `sid`), as seen from those tokens. */
export interface DeviceSessionView {
  sid: string;
  clientIds: string[];
  /** Tokens of this session bound to the device that are neither revoked nor expired. */
  liveTokens: number;
  lastIssuedAt: Date;
}

/**
 * Sessions are not stored per device; a device takes part in a session when a token of that session is
 * bound to it, so the view groups the device's tokens (newest first) by session.
 */
function sessionsOf(tokens: readonly DeviceTokenView[], now: number): DeviceSessionView[] {
  const bySid = new Map<string, DeviceSessionView>();
  for (const token of tokens) {
    if (token.sessionId === null) continue;
    const live = token.revokedAt === null && token.expiresAt.getTime() > now ? 1 : 0;
    const seen = bySid.get(token.sessionId);
    if (seen === undefined) {
      bySid.set(token.sessionId, { sid: token.sessionId, clientIds: [token.clientId], liveTokens: live, lastIssuedAt: token.issuedAt });
      continue;
    }
    if (!seen.clientIds.includes(token.clientId)) seen.clientIds.push(token.clientId);
    seen.liveTokens += live;
    if (token.issuedAt > seen.lastIssuedAt) seen.lastIssuedAt = token.issuedAt;
  }
  return [...bySid.values()];
}

/**
 * Devices (issue 5 §1, §7): enrol with public keys, list, get (posture, verdict, reasons with
 * remediation text), posture history, bound tokens and sessions, keys, re-evaluation, delete.
 */
export function deviceRoutes(devices: DeviceAdmin, now: () => number): AdminRoute[] {
  async function existing(id: string | undefined) {
    const device = id === undefined ? undefined : await devices.get(id);
    if (device === undefined) throw notFound('device');
    return device;
  }
  return [
    { method: 'POST', url: '/devices', handler: async (request, reply) => json(reply, 201, await devices.enrol(parse(z.record(z.string(), z.unknown()), request.body, 'body') as EnrolDeviceInput)) },
    {
      method: 'GET', url: '/devices',
      handler: async (request, reply) => {
        const q = parse(listQuery, request.query, 'query');
        const options = Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as typeof q;
        return json(reply, 200, await devices.list(options));
      },
    },
    { method: 'GET', url: '/devices/:id', handler: async (request, reply) => json(reply, 200, await existing(param(request, 'id'))) },
    {
      method: 'GET', url: '/devices/:id/history',
      handler: async (request, reply) => {
        const q = parse(limitQuery, request.query, 'query');
        const device = await existing(param(request, 'id'));
        return json(reply, 200, { history: await devices.history(device.id, q.limit) });
      },
    },
    {
      method: 'GET', url: '/devices/:id/tokens',
      handler: async (request, reply) => {
        const q = parse(limitQuery, request.query, 'query');
        const device = await existing(param(request, 'id'));
        return json(reply, 200, { tokens: await devices.tokens(device.id, q.limit) });
      },
    },
    {
      method: 'GET', url: '/devices/:id/sessions',
      handler: async (request, reply) => {
        const device = await existing(param(request, 'id'));
        return json(reply, 200, { sessions: sessionsOf(await devices.tokens(device.id, 1000), now()) });
      },
    },
    {
      method: 'POST', url: '/devices/:id/keys',
      handler: async (request, reply) => {
        const id = param(request, 'id');
        const body = parse(keyBody, request.body, 'body');
        const device = id === undefined ? undefined : await devices.addKey(id, body.jwk);
        if (device === undefined) throw notFound('device');
        return json(reply, 201, device);
      },
    },
    {
      method: 'DELETE', url: '/devices/:id/keys/:jkt',
      handler: async (request, reply) => {
        const id = param(request, 'id');
        const jkt = param(request, 'jkt', 128);
        const device = id === undefined || jkt === undefined ? undefined : await devices.removeKey(id, jkt);
        if (device === undefined) throw notFound('device');
        return json(reply, 200, device);
      },
    },
    {
      method: 'POST', url: '/devices/:id/evaluate',
      handler: async (request, reply) => {
        const id = param(request, 'id');
        const done = id === undefined ? undefined : await devices.reevaluate(id);
        if (done === undefined) throw notFound('device');
        return json(reply, 200, { device: viewDevice(done.device), changed: done.changed });
      },
    },
    {
      method: 'DELETE', url: '/devices/:id',
      handler: async (request, reply) => {
        const id = param(request, 'id');
        if (id === undefined || !(await devices.delete(id))) throw notFound('device');
        return json(reply, 204);
      },
    },
  ];
}
