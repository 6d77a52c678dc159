/**
 * A scripted person in a browser, for tests and benchmarks: drives Tessera's sign-in, TOTP, consent
 * and device pages over real HTTP with a cookie jar (`fetch` with `redirect: 'manual'`), exactly as a
 * browser without JavaScript would, and returns where the authorization ends up.
 *
 * ```ts
 * const { redirect } = await scriptedLogin({ authorizationUrl, username: 'alice', password: 'pw…', totpSecret });
 * const code = new URL(redirect).searchParams.get('code');
 * ```
 */
import { base32Decode } from '../../src/accounts/base32.js';
import { hotp, totpStep } from '../../src/accounts/totp.js';

/** Cookies by name, as a browser would keep them for one site. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  /** Apply the `Set-Cookie` headers of a response (`Max-Age=0` deletes). */
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export interface ScriptedLoginOptions {
  /** The full authorization URL (`${base}/authorize?...`). Its origin is taken as Tessera's. */
  authorizationUrl: string;
  username: string;
  password: string;
  /** Base32 TOTP secret, when the user has a confirmed factor. */
  totpSecret?: string;
  /** What to answer on the consent page (default approve). */
  consent?: 'approve' | 'deny';
  /** Clock for TOTP codes (epoch ms); default Date.now. Pass the server's frozen clock in tests. */
  now?: () => number;
  /** Reuse a browser (SSO session) across calls; default a fresh one. */
  jar?: CookieJar;
  /** Safety limit on page hops. */
  maxSteps?: number;
}

export interface ScriptedLoginResult {
  /**
   * The URL the browser was finally sent to, outside Tessera: the client's redirect URI with `code`,
   * `state` and `iss` (or `error`). For `response_mode=form_post` this is the form's action and
   * `formPost` holds the posted fields.
   */
  redirect: string;
  formPost?: Record<string, string>;
  /** Pages seen on the way (`login`, `totp`, `consent`, …), for assertions. */
  pages: string[];
  jar: CookieJar;
}

/** A page we stopped at that we do not know how to answer (an error page, a throttled login…). */
export class ScriptedLoginError extends Error {
  constructor(message: string, readonly status: number, readonly body: string) {
    super(message);
  }
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescape = (text: string) => text.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!);

/** The first form of a page: its action and hidden fields. */
export function parseForm(body: string): { action: string; hidden: Record<string, string> } | undefined {
  const form = /<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/.exec(body);
  if (form === null) return undefined;
  const hidden: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) hidden[unescape(input[1]!)] = unescape(input[2]!);
  return { action: unescape(form[1]!), hidden };
}

/** The current TOTP code for a base32 secret, `offset` steps ahead. */
export function totpCode(secret: string, nowMs: number, offset = 0): string {
  return hotp(base32Decode(secret)!, totpStep(new Date(nowMs)) + offset);
}

interface Browser {
  origin: string;
  jar: CookieJar;
}

async function request(browser: Browser, url: string, body?: Record<string, string>): Promise<Response> {
  const headers: Record<string, string> = { cookie: browser.jar.header(), 'sec-fetch-site': 'same-origin' };
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(new URL(url, browser.origin), {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    redirect: 'manual',
    ...(body !== undefined && { body: new URLSearchParams(body).toString() }),
  });
  browser.jar.store(response);
  return response;
}

function pageName(action: string): string {
  return ({ '/login': 'login', '/login/totp': 'totp', '/consent': 'consent', '/device': 'device', '/device/confirm': 'device_confirm', '/logout': 'logout' } as Record<string, string>)[action] ?? action;
}

/**
 * Follow redirects and answer pages until the browser leaves Tessera. `answer` fills the forms the
 * caller cares about beyond login (consent, device).
 */
async function drive(
  browser: Browser,
  first: Response,
  options: Pick<ScriptedLoginOptions, 'username' | 'password' | 'totpSecret' | 'now' | 'maxSteps'>,
  answer: (page: string, hidden: Record<string, string>, body: string) => Record<string, string> | 'stop',
): Promise<{ redirect?: string; formPost?: Record<string, string>; pages: string[]; last: { status: number; body: string } }> {
  const pages: string[] = [];
  const now = options.now ?? Date.now;
  let totpOffset = 0;
  let response = first;
  for (let step = 0; step < (options.maxSteps ?? 20); step++) {
    if (response.status === 302 || response.status === 303 || response.status === 307) {
      const location = new URL(response.headers.get('location')!, browser.origin);
      if (location.origin !== browser.origin) return { redirect: location.href, pages, last: { status: response.status, body: '' } };
      response = await request(browser, location.href);
      continue;
    }
    const body = await response.text();
    const form = parseForm(body);
    if (form === undefined) return { pages, last: { status: response.status, body } };
    const target = new URL(form.action, browser.origin);
    if (target.origin !== browser.origin) {
      pages.push('form_post');
      return { redirect: target.href, formPost: form.hidden, pages, last: { status: response.status, body } };
    }
    const page = pageName(target.pathname);
    pages.push(page);
    let fields: Record<string, string> | 'stop';
    if (page === 'login') {
      if (response.status !== 200) return { pages, last: { status: response.status, body } };
      fields = { username: options.username, password: options.password };
    } else if (page === 'totp') {
      if (options.totpSecret === undefined) return { pages, last: { status: response.status, body } };
      // A code already used in this 30 s step is refused as a replay (RFC 6238 §5.2): use the next one, which the window accepts.
      if (response.status !== 200) {
        if (!body.includes('already used') || totpOffset >= 1) return { pages, last: { status: response.status, body } };
        totpOffset += 1;
      }
      fields = { code: totpCode(options.totpSecret, now(), totpOffset) };
    } else {
      // A consent or device page shown again with an error (400/429): nothing more a script can do.
      if (response.status !== 200) return { pages, last: { status: response.status, body } };
      fields = answer(page, form.hidden, body);
      if (fields === 'stop') return { pages, last: { status: response.status, body } };
    }
    response = await request(browser, target.href, { ...form.hidden, ...fields });
  }
  throw new Error('scripted login: too many steps');
}

/**
 * Run an authorization request through sign-in (password, then TOTP when asked), consent, and
 * return where Tessera finally sends the browser. Throws {@link ScriptedLoginError} when it stops on
 * a page it cannot answer (wrong password, throttled, error page).
 */
export async function scriptedLogin(options: ScriptedLoginOptions): Promise<ScriptedLoginResult> {
  const browser: Browser = { origin: new URL(options.authorizationUrl).origin, jar: options.jar ?? new CookieJar() };
  const first = await request(browser, options.authorizationUrl);
  const result = await drive(browser, first, options, (page) => (page === 'consent' ? { decision: options.consent ?? 'approve' } : 'stop'));
  if (result.redirect === undefined) {
    throw new ScriptedLoginError(`scripted login stopped on a page (${result.pages.join(' → ') || 'first page'}), status ${result.last.status}`, result.last.status, result.last.body);
  }
  return { redirect: result.redirect, ...(result.formPost && { formPost: result.formPost }), pages: result.pages, jar: browser.jar };
}

export interface ScriptedDeviceOptions extends Omit<ScriptedLoginOptions, 'authorizationUrl' | 'consent'> {
  /** Tessera's base URL (the issuer's origin). */
  baseUrl: string;
  /** The user code as the device shows it (any case, dash optional). */
  userCode: string;
  decision?: 'approve' | 'deny';
}

/**
 * Approve (or deny) a device user code (RFC 8628 §3.3) as a person would: open
 * `verification_uri_complete`, sign in, confirm. Resolves to the final page's status and text;
 * `approved` is true when Tessera said the device is connected.
 */
export async function scriptedDeviceApproval(options: ScriptedDeviceOptions): Promise<{ approved: boolean; status: number; body: string; pages: string[]; jar: CookieJar }> {
  const browser: Browser = { origin: new URL(options.baseUrl).origin, jar: options.jar ?? new CookieJar() };
  const first = await request(browser, `/device?user_code=${encodeURIComponent(options.userCode)}`);
  const result = await drive(browser, first, options, (page): Record<string, string> | 'stop' => {
    if (page === 'device') return { user_code: options.userCode };
    if (page === 'device_confirm') return { decision: options.decision ?? 'approve' };
    return 'stop';
  });
  const approved = result.last.status === 200 && result.last.body.includes('Device connected');
  return { approved, status: result.last.status, body: result.last.body, pages: result.pages, jar: browser.jar };
}
