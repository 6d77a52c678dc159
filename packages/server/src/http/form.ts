import { isUtf8 } from 'node:buffer';
import { invalidRequest } from '../errors.js';

/**
 * Parameters of an `application/x-www-form-urlencoded` body (RFC 6749 Appendix B).
 *
 * Each name maps to one value, except the few names a specification lets repeat (`resource`,
 * RFC 8707 §2), which map to every value in order. Empty values count as absent (RFC 6749 §3.1:
 * "Parameters sent without a value MUST be treated as if they were omitted").
 */
export class FormParams {
  /** Null-prototype record: `__proto__` or `constructor` in a body are just names. */
  private constructor(
    private readonly values: Record<string, string | string[]>,
    /** Whether any name has several values; lets the common case skip scanning. */
    private readonly hasRepeats = false,
  ) {}

  static readonly empty = new FormParams(Object.create(null) as Record<string, string>);

  static from(values: Record<string, string | string[]>): FormParams {
    const record = Object.create(null) as Record<string, string | string[]>;
    for (const [name, value] of Object.entries(values)) record[name] = value;
    return new FormParams(record, Object.values(record).some((v) => typeof v !== 'string'));
  }

  /** The single value of `name`, or `undefined` when absent or empty. */
  get(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined || typeof value === 'string') return value === '' ? undefined : value;
    return value[0];
  }

  /** Every non-empty value of a repeatable parameter, in order. */
  all(name: string): string[] {
    const value = this.values[name];
    if (value === undefined || value === '') return [];
    return typeof value === 'string' ? [value] : value.filter((v) => v !== '');
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Names that were sent more than once (only possible for names the parser was told may repeat). */
  repeatedNames(): string[] {
    const names: string[] = [];
    if (!this.hasRepeats) return names;
    for (const name in this.values) if (typeof this.values[name] !== 'string') names.push(name);
    return names;
  }

  /** @internal used by the parser only. */
  static build(record: Record<string, string | string[]>, hasRepeats: boolean): FormParams {
    return new FormParams(record, hasRepeats);
  }
}

/** Decode one form-urlencoded component: `+` is a space, `%XX` escapes form UTF-8 (WHATWG urlencoded). */
export function decodeFormComponent(raw: string): string {
  if (raw.indexOf('%') === -1 && raw.indexOf('+') === -1) return raw;
  // decodeURIComponent throws URIError on malformed escapes and on escapes that are not UTF-8.
  return decodeURIComponent(raw.indexOf('+') === -1 ? raw : raw.replace(/\+/g, ' '));
}

/**
 * Walk the `name=value` pairs of `application/x-www-form-urlencoded` text in order, decoded, empty
 * values included (a repeated empty value is still a repetition, RFC 6749 §3.1). The one tokenizer
 * behind {@link parseForm} and the /authorize parameters, so both read a request the same way.
 * Throws `invalid_request` on percent-escapes that are malformed or decode to non-UTF-8.
 */
export function scanForm(text: string, visit: (name: string, value: string) => void): void {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      const pair = text.slice(start, end);
      const eq = pair.indexOf('=');
      let name: string;
      let value: string;
      try {
        name = decodeFormComponent(eq === -1 ? pair : pair.slice(0, eq));
        value = eq === -1 ? '' : decodeFormComponent(pair.slice(eq + 1));
      } catch {
        throw invalidRequest('the request contains an invalid percent-encoding');
      }
      visit(name, value);
    }
    start = end + 1;
  }
}

/** Refuse bytes that are not UTF-8 (RFC 8725 §3.7 for everything that ends up in a token: UTF-8 only). */
export function formText(body: Buffer): string {
  if (!isUtf8(body)) throw invalidRequest('the request body is not valid UTF-8');
  return body.toString('utf8');
}

/**
 * Parse a form body strictly. Rejects with `invalid_request`:
 * - a repeated parameter (RFC 6749 §3.1, §3.2: "MUST NOT be included more than once"), unless its
 *   name is in `repeatable`; an empty value counts (`a=1&a=` is a repeat);
 * - bytes that are not UTF-8, and percent-escapes that are malformed or decode to non-UTF-8
 *   (see {@link scanForm}, {@link formText}).
 * Lenient parsers (Node's `querystring`) turn both into silent data changes; here they are errors.
 */
export function parseForm(body: Buffer, repeatable: ReadonlySet<string>): FormParams {
  const record = Object.create(null) as Record<string, string | string[]>;
  let hasRepeats = false;
  scanForm(formText(body), (name, value) => {
    const previous = record[name];
    if (previous === undefined) {
      record[name] = value;
    } else if (repeatable.has(name)) {
      record[name] = typeof previous === 'string' ? [previous, value] : [...previous, value];
      hasRepeats = true;
    } else {
      throw invalidRequest(`parameter "${sanitizeName(name)}" is repeated (RFC 6749 §3.2)`);
    }
  });
  return FormParams.build(record, hasRepeats);
}

/** Echo a parameter name safely: printable ASCII only, bounded. */
export function sanitizeName(name: string): string {
  return name.replace(/[^\x21-\x7e]/g, '?').slice(0, 40);
}
