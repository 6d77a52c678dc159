import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AdminIssue } from '../admin/errors.js';
import { badRequest } from './errors.js';

/** The largest admin request body (a client with its JWKS and metadata fits many times over). */
export const ADMIN_BODY_LIMIT = 64 * 1024;
/** Nesting deeper than this is no admin input; refused before anything walks it. */
const MAX_DEPTH = 16;

function depth(value: unknown, level = 0): number {
  if (value === null || typeof value !== 'object') return level;
  let deepest = level + 1;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depth(child, level + 1));
    if (deepest > MAX_DEPTH) break;
  }
  return deepest;
}

/**
 * Parse an `application/json` body. An empty body is "no body" (a POST that only names an action).
 * Keys that could reach an object's prototype when merged are refused, as is excessive nesting.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => {
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw new TypeError(`the key "${key}" is not allowed`);
      return v;
    });
  } catch (error) {
    const message = error instanceof TypeError ? error.message : 'the body is not valid JSON';
    throw badRequest([{ path: '', message, code: 'malformed_json' }]);
  }
  if (depth(value) > MAX_DEPTH) throw badRequest([{ path: '', message: `nested deeper than ${MAX_DEPTH} levels`, code: 'too_deep' }]);
  return value;
}

function fromZod(error: z.ZodError): AdminIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.join('.'),
    code: issue.code === 'unrecognized_keys' ? 'unknown_field' : issue.code === 'invalid_type' ? 'invalid_type' : 'invalid',
    message: issue.message,
  }));
}

/**
 * Check the shape of a request part at the edge: a JSON object with known fields of the right JSON
 * types. The rules on the values (password policy, URIs, scopes…) stay in the admin layer, which
 * refuses with its own issues.
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query'): z.output<S> {
  if (where === 'body' && (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw badRequest([{ path: '', message: 'the body must be a JSON object', code: 'invalid_type' }]);
  }
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(fromZod(result.error));
  return result.data;
}

/** A path parameter: non-empty and of a bounded length, so a garbage id is 404 without a storage call. */
export function param(request: FastifyRequest, name: string, maxLength = 256): string | undefined {
  const value = (request.params as Record<string, unknown>)[name];
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength ? value : undefined;
}
