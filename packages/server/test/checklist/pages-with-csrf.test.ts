import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeFixture, PASSWORD, type AuthorizeFixture } from '../authorize/fixture.js';
import { TestBrowser, seeOther } from '../authorize/browser-helpers.js';

/**
 * The random requests of fuzz-every-endpoint.test.ts rarely get past the CSRF check of a page. Here
 * every run first opens the page like a browser (fresh interaction, valid CSRF token and cookies),
 * then submits its form with random fields added or overriding the real ones. Whatever is sent, the
 * answer is a page or a redirect (status < 500), never a stack trace, and an error page stays HTML.
 */
let f: AuthorizeFixture;
beforeAll(async () => {
  f = await authorizeFixture();
});
afterAll(() => f.close());

const FIELD_NAMES = ['username', 'password', 'code', 'decision', 'user_code', 'csrf_token', 'scope', 'remember', 'i', 'action', 'totp', 'secret', '__proto__', 'constructor', 'toString'];
const value = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('', 'approve', 'deny', 'alice', 'bob', PASSWORD, '000000', '123456', 'ABCD-EFGH', 'true', 'on'),
  fc.integer({ min: 1000, max: 10_000 }).map((n) => 'x'.repeat(n)),
);
const fields = fc.dictionary(fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 6 })), value, { maxKeys: 6 });

/** Open `page` in a fresh browser state that reaches it, and return the browser with the form's hidden fields. */
type Opener = () => Promise<{ browser: TestBrowser; path: string; hidden: Record<string, string> }>;

async function signedIn(username: string): Promise<{ browser: TestBrowser; next: string }> {
  const browser = new TestBrowser(f.base);
  seeOther(await browser.get(f.authorizeUrl()));
  const login = await browser.page(browser.path('/login'));
  return { browser, next: seeOther(await browser.post(browser.path('/login'), { ...login.hidden, username, password: PASSWORD })) };
}

const openers: Record<string, Opener> = {
  login: async () => {
    const browser = new TestBrowser(f.base);
    seeOther(await browser.get(f.authorizeUrl()));
    const path = browser.path('/login');
    return { browser, path, hidden: (await browser.page(path)).hidden };
  },
  totp: async () => {
    const { browser, next } = await signedIn('bob');
    return { browser, path: next, hidden: (await browser.page(next)).hidden };
  },
  consent: async () => {
    // An earlier run may have granted consent (random fields can still say "approve"): forget it, or
    // the sign-in goes straight to the client and there is no consent page to fuzz.
    await f.storage.grants.revokeConsent(f.alice.id, f.client.clientId);
    const { browser, next } = await signedIn('alice');
    return { browser, path: next, hidden: (await browser.page(next)).hidden };
  },
  device: async () => {
    const { browser } = await signedIn('alice');
    return { browser, path: '/device', hidden: (await browser.page('/device')).hidden };
  },
  logout: async () => {
    const { browser } = await signedIn('alice');
    return { browser, path: '/logout', hidden: (await browser.page('/logout')).hidden };
  },
  'account TOTP': async () => {
    const { browser } = await signedIn('alice');
    return { browser, path: '/account/totp', hidden: (await browser.page('/account/totp')).hidden };
  },
};

const STACK = /\n\s+at .+[:(]\d+:\d+\)?|node_modules\/|\/src\/[\w/-]+\.[jt]s/;

describe('checklist: pages with a valid CSRF token and random fields never answer 500', () => {
  for (const [name, open] of Object.entries(openers)) {
    it(`${name}: the real form plus random fields is a page or a redirect, never a 500 or a stack`, async () => {
      await fc.assert(
        fc.asyncProperty(fields, fc.boolean(), async (extra, overrideFirst) => {
          // The throttle and the clock are shared: move on so earlier runs' failures do not pile up.
          f.clock.advance(3600);
          const { browser, path, hidden } = await open();
          const submitted = overrideFirst ? { ...hidden, ...extra } : { ...extra, ...hidden };
          const res = await browser.post(path, submitted);
          const body = await res.text();
          const where = `${name} ${JSON.stringify(submitted).slice(0, 300)} -> ${res.status} ${body.slice(0, 200)}`;
          expect(res.status, where).toBeLessThan(500);
          expect(body, where).not.toMatch(STACK);
          if (res.status >= 400) expect(res.headers.get('content-type') ?? '', where).toMatch(/^text\/html/);
        }),
        { numRuns: 25 },
      );
    }, 120_000);
  }

  it('each opener reaches its form with a CSRF token (so the runs above are not vacuous)', async () => {
    for (const [name, open] of Object.entries(openers)) {
      const { hidden } = await open();
      expect(Object.keys(hidden), name).toContain('csrf_token');
    }
  });
});
