import { readFileSync } from 'node:fs';
import { decodeJwtUnverified, OPAQUE_PREFIXES } from '@tessera/token';
import { CliError, JSON_FLAG, parse, UsageError } from '../args.js';
import type { Io } from '../io.js';
import { json } from '../io.js';

export const TOKEN_USAGE = `usage: tessera token decode <token|-> [--json]

Show a token's header and claims WITHOUT verifying it (no signature, expiry or revocation check):
for inspecting, never for deciding. "-" reads the token from stdin (keeps it out of shell history).
Opaque Tessera tokens carry no claims; their prefix tells which kind they are.`;

type Decoded =
  | { format: 'jwt'; verified: false; header: Record<string, unknown>; payload: Record<string, unknown> }
  | { format: 'opaque'; kind: string; prefix: string };

/** Decode without verifying: a JWT's header and payload, or an opaque token's kind from its prefix. */
export function decodeToken(token: string): Decoded {
  const prefix = Object.entries(OPAQUE_PREFIXES).find(([, p]) => token.startsWith(p));
  if (prefix) return { format: 'opaque', kind: prefix[0], prefix: prefix[1] };
  if (token.split('.').length === 3) {
    try {
      const { header, payload } = decodeJwtUnverified(token);
      return { format: 'jwt', verified: false, header, payload };
    } catch (err) {
      throw new CliError(`not a decodable JWT: ${(err as Error).message}`);
    }
  }
  const known = Object.values(OPAQUE_PREFIXES).join(', ');
  throw new CliError(`not a JWT (three dot-separated parts) and no Tessera opaque prefix (${known})`);
}

const when = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `  (${new Date(v * 1000).toISOString()})` : '');

export async function tokenCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, JSON_FLAG, TOKEN_USAGE, { min: 0, max: 2 });
  if (values.help) return io.out(TOKEN_USAGE), 0;
  const [sub, arg] = positionals;
  if (sub !== 'decode') throw new UsageError(sub ? `unknown token command "${sub}"` : 'missing command "decode"', TOKEN_USAGE);
  if (arg === undefined) throw new UsageError('missing <token> (or "-" to read it from stdin)', TOKEN_USAGE);
  const token = (arg === '-' ? readFileSync(0, 'utf8') : arg).trim();
  const decoded = decodeToken(token);
  if (values.json) return io.out(json(decoded)), 0;
  if (decoded.format === 'opaque') {
    io.out(`opaque ${decoded.kind} (prefix ${decoded.prefix}): a reference token with no readable content.`);
    io.out('Ask the server about it: POST /introspect (RFC 7662).');
    return 0;
  }
  io.out('UNVERIFIED JWT: signature, expiry and revocation NOT checked');
  io.out(`header:  ${JSON.stringify(decoded.header)}`);
  io.out('payload:');
  for (const [k, v] of Object.entries(decoded.payload)) {
    io.out(`  ${k}: ${JSON.stringify(v)}${['exp', 'iat', 'nbf'].includes(k) ? when(v) : ''}`);
  }
  return 0;
}
