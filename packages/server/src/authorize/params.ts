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
