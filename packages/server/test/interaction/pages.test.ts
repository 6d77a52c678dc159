import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  consentPage,
  deviceCodePage,
  deviceDonePage,
  errorPage,
  loggedOutPage,
  loginPage,
  logoutConfirmPage,
  totpEnrolPage,
  totpVerifyPage,
  type RenderedPage,
} from '../../src/interaction/pages/index.js';
import { encodeQr } from '../../src/interaction/qr/encode.js';
import { qrToSvg } from '../../src/interaction/qr/svg.js';

const XSS = '"><script>alert(1)</script>';
const base = { action: '/interaction/abc/login', csrfToken: 'nonce.mac' };

/** Rules every interaction page follows, whatever its content. */
function expectWellFormedPage(page: RenderedPage): void {
  const body = page.body;
  expect(body.startsWith('<!doctype html>')).toBe(true);
  expect(body).toMatch(/<html lang="en">/);
  expect(body).toMatch(/<title>[^<]+<\/title>/);
  expect(body).not.toMatch(/<script/i);
  expect(body).not.toMatch(/\sstyle="/i);
  expect(body).not.toMatch(/\son[a-z]+=/i);

  // The inline stylesheet is exactly what the CSP hash allows.
  const css = /<style>([\s\S]*?)<\/style>/.exec(body)?.[1] ?? '';
  const hash = `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`;
  expect(page.headers['content-security-policy']).toContain(`style-src ${hash}`);
  expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(page.headers['cache-control']).toBe('no-store');

  // Every visible input has a label; every aria-describedby points at an element that exists.
  const ids = new Set([...body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  for (const input of body.matchAll(/<input ([^>]*)>/g)) {
    const attrs = input[1]!;
    if (attrs.includes('type="hidden"')) continue;
    const id = /id="([^"]+)"/.exec(attrs)?.[1];
    expect(id, attrs).toBeDefined();
    expect(body).toContain(`<label for="${id}">`);
    expect(attrs).toMatch(/autocomplete="[^"]+"/);
  }
  for (const ref of body.matchAll(/aria-describedby="([^"]+)"/g)) {
    for (const id of ref[1]!.split(' ')) expect(ids.has(id), id).toBe(true);
  }
  // Forms post, carry the CSRF token and use a same-origin action.
  for (const form of body.matchAll(/<form ([^>]*)>([\s\S]*?)<\/form>/g)) {
    expect(form[1]).toMatch(/method="post" action="\/[^/]/);
    expect(form[2]).toContain('<input type="hidden" name="csrf_token" value="nonce.mac">');
  }
}

describe('login page', () => {
  it('has labelled username and password fields with password-manager autocomplete', () => {
    const page = loginPage(base);
    expectWellFormedPage(page);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<input id="username" name="username" type="text" autocomplete="username" required/);
    expect(page.body).toMatch(/<input id="password" name="password" type="password" autocomplete="current-password" required/);
  });

  it('links the error message to both fields with aria-describedby and marks them invalid', () => {
    const page = loginPage({ ...base, username: 'alice', error: 'invalid_credentials' });
    expectWellFormedPage(page);
    expect(page.status).toBe(400);
    expect(page.body).toContain('<p class="error" id="login-error" role="alert">The username or password is incorrect.</p>');
    expect(page.body.match(/aria-describedby="login-error" aria-invalid="true"/g)).toHaveLength(2);
    expect(page.body).toContain('value="alice"');
  });

  it('answers a throttled attempt with 429 and Retry-After', () => {
    const page = loginPage({ ...base, error: 'throttled', retryAfterSeconds: 125 });
    expect(page.status).toBe(429);
    expect(page.headers['retry-after']).toBe('125');
    expect(page.body).toContain('Try again in 3 minutes.');
  });

  it('escapes a hostile username and client name', () => {
    const page = loginPage({ ...base, username: XSS, clientName: XSS });
    expectWellFormedPage(page);
    expect(page.body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it("lists the client's redirect origin in form-action when asked", () => {
    const page = loginPage({ ...base, formActionSources: ['https://app.example'] });
    expect(page.headers['content-security-policy']).toContain("form-action 'self' https://app.example;");
  });
});

describe('TOTP pages', () => {
  const enrol = { ...base, secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', otpauthUri: 'otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Acme' };

  it('shows the secret grouped for reading and the otpauth URI, and asks for a one-time-code', () => {
    const page = totpEnrolPage(enrol);
    expectWellFormedPage(page);
    expect(page.body).toContain('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(page.body).toContain('href="otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&amp;issuer=Acme"');
    expect(page.body).toMatch(/autocomplete="one-time-code" required aria-describedby="code-hint" inputmode="numeric"/);
  });

  it('shows the otpauth URI as a QR code, embedded only as a data: image with alt text', () => {
    const page = totpEnrolPage(enrol);
    const src = /<img class="qr" alt="[^"]+" src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)">/.exec(page.body)?.[1];
    expect(src).toBeDefined();
    expect(Buffer.from(src!, 'base64').toString()).toBe(qrToSvg(encodeQr(enrol.otpauthUri)));
    expect(page.body).not.toContain('<svg');
  });

  it('falls back to the key and link alone when the URI is too long for a QR code', () => {
    const page = totpEnrolPage({ ...enrol, otpauthUri: `otpauth://totp/${'x'.repeat(300)}` });
    expectWellFormedPage(page);
    expect(page.body).not.toContain('<img');
    expect(page.body).toContain('JBSW Y3DP');
  });

  it('verify page links the error to the code field', () => {
    const page = totpVerifyPage({ ...base, error: 'totp_replayed' });
    expectWellFormedPage(page);
    expect(page.body).toContain('aria-describedby="totp-error code-hint" aria-invalid="true"');
    expect(page.body).toContain('That code was already used.');
  });
});

describe('consent page', () => {
  const input = {
    ...base,
    username: 'alice',
    client: { name: 'Photo Print', uri: 'https://print.example', policyUri: 'javascript:alert(1)' },
    scopes: [{ name: 'openid' }, { name: 'email' }, { name: 'photos:read', description: 'See your photos' }, { name: 'weird<scope>' }],
  };

  it('names the client, the user and each scope with a description', () => {
    const page = consentPage(input);
    expectWellFormedPage(page);
    expect(page.body).toContain('<a href="https://print.example/" rel="noopener noreferrer">Photo Print</a>');
    expect(page.body).toContain('Signed in as <strong>alice</strong>');
    expect(page.body).toContain('See your email address and whether it is verified');
    expect(page.body).toContain('See your photos');
    expect(page.body).toContain('<code>weird&lt;scope&gt;</code>');
    expect(page.body).toContain('name="decision" value="approve"');
    expect(page.body).toContain('name="decision" value="deny"');
  });

  it('drops a javascript: policy link from client metadata and escapes a hostile client name', () => {
    const page = consentPage({ ...input, client: { ...input.client, name: XSS } });
    expect(page.body).not.toContain('javascript:');
    expect(page.body).not.toContain('<script>');
  });
});

describe('device, logout and error pages', () => {
  it('device code entry keeps a pre-filled code and capitalises input (RFC 8628 §6.1)', () => {
    const page = deviceCodePage({ ...base, userCode: 'WDJB-MJHT' });
    expectWellFormedPage(page);
    expect(page.body).toContain('<input id="user_code" name="user_code" type="text" autocomplete="off" required value="WDJB-MJHT" aria-describedby="user_code-hint"');
    expect(page.body).toContain('autocapitalize="characters"');
    expect(deviceCodePage({ ...base, error: 'user_code_expired' }).status).toBe(400);
  });

  it('device done, logout confirmation and logged-out pages are well formed', () => {
    for (const page of [
      deviceDonePage({ approved: true, clientName: 'TV' }),
      deviceDonePage({ approved: false, clientName: 'TV' }),
      logoutConfirmPage({ ...base, clientName: 'Photo Print' }),
      loggedOutPage({ returnTo: 'javascript:alert(1)' }),
    ]) {
      expectWellFormedPage(page);
      expect(page.body).not.toContain('javascript:');
    }
    expect(loggedOutPage({ returnTo: 'https://app.example/bye', returnToName: 'App' }).body).toContain('<a href="https://app.example/bye">Return to App</a>');
  });

  it('the error page shows the RFC code and escaped description, never a stack, and keeps 4xx/5xx status', () => {
    const page = errorPage({ status: 400, error: 'invalid_request', description: `redirect_uri ${XSS} is not registered` });
    expectWellFormedPage(page);
    expect(page.status).toBe(400);
    expect(page.body).toContain('<code>invalid_request</code>');
    expect(page.body).not.toContain('<script>');
    expect(errorPage({ status: 302, error: 'x', description: 'y' }).status).toBe(500);
  });
});
