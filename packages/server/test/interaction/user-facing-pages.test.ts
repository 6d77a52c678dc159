import { describe, expect, it } from 'vitest';
import { accessDeniedPage, deviceConfirmPage, formPostPage, logoutConfirmPage } from '../../src/interaction/pages/index.js';

const EVIL = '"><script>alert(1)</script>';

describe('pages added for the authorization endpoint', () => {
  it('form_post: every value escaped, a hashed script and a visible submit button, form-action allows the target', () => {
    const page = formPostPage({ action: 'https://app.example/cb', params: { code: 'tac_x', state: EVIL, iss: 'https://id.example' }, formActionSource: 'https://app.example' });
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(page.body).toContain('<button class="primary" type="submit">Continue</button>');
    const csp = page.headers['content-security-policy']!;
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).toContain("form-action 'self' https://app.example");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('device confirmation shows the grouped code and who asks, escaped; the code rides in a hidden field', () => {
    const page = deviceConfirmPage({ action: '/device/confirm', csrfToken: 't.k', userCode: 'BDWPHQPK', clientName: EVIL, scopes: ['read', EVIL], username: 'alice' });
    expect(page.body).toContain('BDWP-HQPK');
    expect(page.body).toContain('<input type="hidden" name="user_code" value="BDWPHQPK">');
    expect(page.body).not.toContain('<script>alert');
  });

  it('access denied: 403, reason code, remediation, and only an http(s) link back', () => {
    const page = accessDeniedPage({ reason: 'device_not_compliant', message: 'Your device is not compliant.', remediation: 'Encrypt the disk.', clientName: 'App', returnTo: 'https://app.example/cb?error=access_denied' });
    expect(page.status).toBe(403);
    expect(page.body).toContain('<code>device_not_compliant</code>');
    expect(page.body).toContain('Encrypt the disk.');
    expect(page.body).toContain('href="https://app.example/cb?error=access_denied"');
    expect(accessDeniedPage({ reason: 'x', message: 'm', clientName: 'App', returnTo: 'javascript:alert(1)' }).body).not.toContain('href=');
  });

  it('logout confirmation carries the request parameters as escaped hidden fields', () => {
    const page = logoutConfirmPage({ action: '/logout', csrfToken: 't.k', hidden: { state: EVIL, client_id: 'web' } });
    expect(page.body).toContain('<input type="hidden" name="client_id" value="web">');
    expect(page.body).not.toContain('<script>alert');
  });
});
