import { formText, scanForm } from '../http/form.js';

/**
 * The parameters of a request to a user-facing endpoint (authorization, logout, the pages), every
 * value kept, so each endpoint decides what a repeat means: a repeated `client_id` or `redirect_uri`
 * cannot be trusted and gets an error page, a repeated `scope` gets a redirect with `invalid_request`
 * (RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once"), `resource`
 * may repeat (RFC 8707 §2). Empty values read as absent (RFC 6749 §3.1) but still count as a repeat.
 */
export class RawParams {
  private constructor(private readonly values: Map<string, string[]>) {}

  static readonly empty = new RawParams(new Map());

  /**
   * Parse `application/x-www-form-urlencoded` text (a query string or a body) with the one form
   * tokenizer ({@link scanForm}); throws `invalid_request` on bad escapes. Empty values are kept for
   * counting repeats (`a=1&a=` repeats `a`) but read as absent.
   */
  static parse(text: string): RawParams {
    const values = new Map<string, string[]>();
    scanForm(text, (name, value) => {
      const list = values.get(name);
      if (list === undefined) values.set(name, [value]);
      else list.push(value);
    });
    return new RawParams(values);
  }

  /** Parse a form body; bytes that are not UTF-8 are refused. */
  static parseBody(body: Buffer): RawParams {
    return RawParams.parse(formText(body));
  }

  /** The query string of a request URL (after `?`). */
  static fromUrl(url: string): RawParams {
    const q = url.indexOf('?');
    return q === -1 ? RawParams.empty : RawParams.parse(url.slice(q + 1));
  }

  /** Like {@link fromUrl}, but a malformed query yields no parameters instead of an error (for page URLs). */
  static fromUrlLenient(url: string): RawParams {
    try {
      return RawParams.fromUrl(url);
    } catch {
      return RawParams.empty;
    }
  }

  /**
   * Parameters from a stored record of every value per name (a pushed authorization request, RFC 9126),
   * judged exactly like a freshly parsed query string.
   */
  static fromRecord(record: Readonly<Record<string, readonly string[]>>): RawParams {
    const values = new Map<string, string[]>();
    for (const [name, list] of Object.entries(record)) if (list.length > 0) values.set(name, [...list]);
    return new RawParams(values);
  }

  /** Every value of every name, in order, except the names listed (for storing a pushed request). */
  toRecord(except: readonly string[] = []): Record<string, string[]> {
    const record = Object.create(null) as Record<string, string[]>;
    for (const [name, list] of this.values) if (!except.includes(name)) record[name] = [...list];
    return record;
  }

  /** The same parameters with `name` set to the single `value` (replacing any it had). */
  with(name: string, value: string): RawParams {
    const values = new Map(this.values);
    values.set(name, [value]);
    return new RawParams(values);
  }

  /** The value of a parameter sent at most once; `undefined` when absent or sent more than once (see {@link isRepeated}). */
  get(name: string): string | undefined {
    const list = this.values.get(name);
    return list !== undefined && list.length === 1 && list[0] !== '' ? list[0] : undefined;
  }

  /** Every non-empty value of `name`, in order. */
  all(name: string): readonly string[] {
    return this.values.get(name)?.filter((v) => v !== '') ?? [];
  }

  isRepeated(name: string): boolean {
    return (this.values.get(name)?.length ?? 0) > 1;
  }

  /** Names sent more than once, except those listed. */
  repeatedNames(except: readonly string[] = []): string[] {
    return [...this.values].filter(([name, list]) => list.length > 1 && !except.includes(name)).map(([name]) => name);
  }
}
