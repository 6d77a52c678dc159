import { createHmac, timingSafeEqual } from 'node:crypto';

/** The only signature scheme: `v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. */
const V1 = /^v1=([0-9a-fA-F]{64})$/;

/** `Tessera-Signature` value for a body (what senders, the simulator and tests compute). */
export function signWebhook(secret: string, timestamp: string, body: Buffer | string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * True when one of the header's comma-separated `v1=` signatures is the HMAC of `timestamp.body` under
 * one of `secrets` (several during a rotation). Every comparison is constant-time and all of them are
 * made, so timing tells neither which secret nor which signature matched.
 */
export function verifyWebhookSignature(header: string, secrets: readonly string[], timestamp: string, body: Buffer): boolean {
  const given: Buffer[] = [];
  for (const part of header.split(',')) {
    const match = V1.exec(part.trim());
    if (match) given.push(Buffer.from(match[1]!, 'hex'));
  }
  if (given.length === 0 || given.length > 8) return false;
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
    for (const signature of given) ok = timingSafeEqual(expected, signature) || ok;
  }
  return ok;
}
