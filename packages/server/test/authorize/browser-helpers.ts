import { CookieJar, parseForm } from './scripted-login.js';

/** A cookie-keeping HTTP client that behaves like a same-site browser form (no JavaScript). */
export class TestBrowser {
  readonly jar = new CookieJar();
  /** The interaction id (`?i=`) of the last redirect into a sign-in page. */
  interaction: string | undefined;
  constructor(readonly base: string) {}

  /** A page path of the current interaction, e.g. `/login?i=…`. */
  path(page: string): string {
    return this.interaction === undefined ? page : `${page}?i=${this.interaction}`;
  }

  private remember(response: Response): void {
    const location = response.headers.get('location');
    const id = location?.startsWith('/') ? new URL(location, this.base).searchParams.get('i') : null;
    if (id) this.interaction = id;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(new URL(url, this.base), { redirect: 'manual', headers: { cookie: this.jar.header(), ...headers } });
    this.jar.store(response);
    this.remember(response);
    return response;
  }

  /** POST a form; `headers` add to or (with `null`) remove the defaults. */
  async post(path: string, fields: Record<string, string>, headers: Record<string, string | null> = {}): Promise<Response> {
    const all: Record<string, string | null> = { cookie: this.jar.header(), 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', ...headers };
    const response = await fetch(new URL(path, this.base), {
      method: 'POST',
      redirect: 'manual',
      headers: Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== null)),
      body: new URLSearchParams(fields).toString(),
    });
    this.jar.store(response);
    this.remember(response);
    return response;
  }

  /** GET a page and return its body and the hidden fields of its form (CSRF token included). */
  async page(url: string): Promise<{ response: Response; body: string; hidden: Record<string, string> }> {
    const response = await this.get(url);
    const body = await response.text();
    return { response, body, hidden: parseForm(body)?.hidden ?? {} };
  }
}

/** Location of a 303, or fail. */
export function seeOther(response: Response): string {
  if (response.status !== 303) throw new Error(`expected 303, got ${response.status}`);
  return response.headers.get('location')!;
}
