import type { IncomingHttpHeaders } from 'node:http';

/**
 * Every `DPoP` header field of a request. Node joins repeated unknown headers with ", " into one value
 * and keeps the originals in rawHeaders: counting there is what lets "exactly one DPoP header" (RFC 9449
 * §4.3 check 1) be enforced instead of one being silently chosen.
 */
export function dpopHeaderValues(rawHeaders: readonly string[] | undefined, headers: IncomingHttpHeaders): string[] {
  if (rawHeaders === undefined) {
    const value = headers.dpop;
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  }
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 4 && name.toLowerCase() === 'dpop') values.push(rawHeaders[i + 1]!);
  }
  return values;
}
