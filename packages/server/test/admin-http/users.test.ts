import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminSetup, type AdminFixture } from './fixture.js';

const PASSWORD = 'correct horse battery staple';

describe('admin API: users', () => {
  let a: AdminFixture;
  beforeEach(async () => {
    a = await adminSetup();
  });
  afterEach(async () => {
    await a.f.close();
  });

  const create = (username: string, extra: Record<string, unknown> = {}) => a.call('POST', '/users', { body: { username, password: PASSWORD, ...extra } });

  it('creates a user (201) and never answers with the password hash', async () => {
    const res = await create('Alice', { email: 'alice@example.com', groups: ['staff'] });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    const user = res.json();
    expect(user).toMatchObject({ username: 'alice', email: 'alice@example.com', status: 'active', groups: ['staff'], totp: 'none' });
    expect(res.body).not.toMatch(/argon2|passwordHash/);
    const stored = await a.f.storage.users.get(user.id);
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('a taken username is 409 conflict with the stable issue code username_taken', async () => {
    await create('bob');
    const res = await create('BOB');
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'conflict', issues: [{ path: 'username', code: 'username_taken' }] });
  });

  it('a password against policy is 400 with one issue per problem', async () => {
    const res = await a.call('POST', '/users', { body: { username: 'carol', password: 'short' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', issues: [{ path: 'password', code: 'password_too_short' }] });
  });

  it('unknown fields are refused (400, code unknown_field), nothing is created', async () => {
    const res = await create('dave', { isAdmin: true });
    expect(res.statusCode).toBe(400);
    expect(res.json().issues).toEqual([expect.objectContaining({ code: 'unknown_field' })]);
    expect(await a.f.tessera.admin.users.get('dave')).toBeUndefined();
  });

  it('gets by id or username; an unknown one is 404 not_found', async () => {
    const { id } = (await create('erin')).json();
    expect((await a.call('GET', `/users/${id}`)).json().username).toBe('erin');
    expect((await a.call('GET', '/users/erin')).json().id).toBe(id);
    const res = await a.call('GET', '/users/nobody');
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('not_found');
  });

  it('lists with cursor paging: limit, then next as after, until next is null', async () => {
    for (const name of ['u-c', 'u-a', 'u-b']) await create(name);
    const first = (await a.call('GET', '/users?limit=2')).json();
    expect(first.users.map((u: { username: string }) => u.username)).toEqual(['u-a', 'u-b']);
    expect(first.next).toBe('u-b');
    const second = (await a.call('GET', `/users?limit=2&after=${first.next}`)).json();
    expect(second.users.map((u: { username: string }) => u.username)).toEqual(['u-c']);
    expect(second.next).toBeNull();
  });

  it.each([['limit=0'], ['limit=501'], ['limit=abc'], ['limit=1&limit=2'], ['sort=name']])('a bad list query %s is 400', async (query) => {
    const res = await a.call('GET', `/users?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });

  it('disable ends sessions and tokens and says so; enable restores the status', async () => {
    const { id } = (await create('frank')).json();
    const disabled = await a.call('POST', `/users/${id}/disable`);
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toMatchObject({ user: { status: 'disabled' }, revoked: { sids: [], tokens: 0 } });
    expect((await a.f.storage.users.get(id))?.status).toBe('disabled');
    const enabled = await a.call('POST', `/users/${id}/enable`);
    expect(enabled.json().status).toBe('active');
  });

  it('disable revokes the user\'s stored tokens (they stop introspecting) and tells how many', async () => {
    const { id } = (await create('judy')).json();
    const at = new Date(a.f.clock.now());
    await a.f.storage.tokens.put({
      v: 1, hash: 'h'.repeat(43), jti: 'jti-judy', kind: 'refresh_token', clientId: a.f.client.id, subject: id, grantId: 'g-judy',
      sessionId: null, deviceId: null, jkt: null, scope: ['read'], audience: ['https://api.example.com'], claims: {},
      issuedAt: at, expiresAt: new Date(at.getTime() + 3_600_000), revokedAt: null,
    });
    const res = await a.call('POST', `/users/${id}/disable`);
    expect(res.json().revoked.tokens).toBe(1);
    expect((await a.f.storage.tokens.get('h'.repeat(43)))?.revokedAt).not.toBeNull();
    expect(a.f.logs.text()).toMatch(new RegExp(`"clientId":"${a.admin.id}".*"path":"/admin/v1/users/${id}/disable".*"status":200.*admin change`));
  });

  it('set password: the new hash is stored, the answer carries no hash; a weak one is 400', async () => {
    const { id } = (await create('grace')).json();
    const before = (await a.f.storage.users.get(id))!.passwordHash;
    const res = await a.call('PUT', `/users/${id}/password`, { body: { password: 'another long passphrase' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('argon2');
    expect((await a.f.storage.users.get(id))!.passwordHash).not.toBe(before);
    expect((await a.call('PUT', `/users/${id}/password`, { body: { password: 'x' } })).statusCode).toBe(400);
    expect((await a.call('PUT', `/users/${id}/password`, { body: { password: 12345678901 } })).statusCode).toBe(400);
  });

  it('set groups; invalid group names are 400', async () => {
    const { id } = (await create('heidi')).json();
    const res = await a.call('PUT', `/users/${id}/groups`, { body: { groups: ['ops', 'ops', 'dev'] } });
    expect(res.json().groups).toEqual(['ops', 'dev']);
    const bad = await a.call('PUT', `/users/${id}/groups`, { body: { groups: ['has space'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0].code).toBe('invalid_groups');
  });

  it('TOTP: enrolment returns the secret once (201), a second start while confirmed is 409, reset removes it', async () => {
    const { id } = (await create('ivan')).json();
    const started = await a.call('POST', `/users/${id}/totp`);
    expect(started.statusCode).toBe(201);
    const { secret, otpauthUri } = started.json();
    expect(secret).toMatch(/^[A-Z2-7]+$/);
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    expect((await a.call('GET', `/users/${id}`)).json().totp).toBe('pending');
    expect((await a.call('GET', `/users/${id}`)).body).not.toContain(secret);
    const wrong = await a.call('POST', `/users/${id}/totp/confirm`, { body: { code: '000000' } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().issues[0].code).toBe('totp_invalid');
    const reset = await a.call('DELETE', `/users/${id}/totp`);
    expect(reset.statusCode).toBe(204);
    expect((await a.call('GET', `/users/${id}`)).json().totp).toBe('none');
  });

  it('every user operation on an unknown id is 404', async () => {
    const calls = [
      a.call('POST', '/users/u_nope/disable'),
      a.call('POST', '/users/u_nope/enable'),
      a.call('PUT', '/users/u_nope/password', { body: { password: PASSWORD } }),
      a.call('PUT', '/users/u_nope/groups', { body: { groups: [] } }),
      a.call('POST', '/users/u_nope/totp'),
      a.call('POST', '/users/u_nope/totp/confirm', { body: { code: '123456' } }),
      a.call('DELETE', '/users/u_nope/totp'),
    ];
    for (const res of await Promise.all(calls)) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toBe('not_found');
    }
  });
});
