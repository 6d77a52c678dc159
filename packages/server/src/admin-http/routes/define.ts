import type { FastifyReply, FastifyRequest } from 'fastify';

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One admin operation over HTTP: GETs need `admin:read`, the other methods `admin:write`. */
export interface AdminRoute {
  method: AdminMethod;
  /** Relative to `/admin/v1`. */
  url: string;
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/** Send a JSON answer; `undefined` is 204 No Content. */
export function json(reply: FastifyReply, status: number, body?: unknown): FastifyReply {
  return body === undefined ? reply.code(204).send() : reply.code(status).send(body);
}
