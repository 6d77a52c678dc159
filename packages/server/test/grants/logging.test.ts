import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logCapture } from '../helpers.js';
import { userSetup, type UserFixture } from './fixture.js';

describe('family revocations are reported to operators, without secrets', () => {
  const logs = logCapture();
  let f: UserFixture;
  beforeAll(async () => {
    f = await userSetup('memory', { logStream: logs.stream });
  });
  afterAll(() => f.close());

  const warnings = () =>
    logs
      .text()
      .split('\n')
      .filter((line) => line.includes('grant family revoked'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('a replayed code and a reused refresh token each log one warning with grant, client and reason; no token value is logged', async () => {
    const first = await f.code();
    const issued = (await f.exchange(first.code, first.verifier)).json();
    await f.exchange(first.code, first.verifier);
    expect(warnings()).toEqual([
      expect.objectContaining({ level: 40, component: 'grants', grantId: first.record.grantId, client: f.web.id, reason: 'authorization_code_replay', jwts: 1 }),
    ]);

    const second = await f.code();
    const family = (await f.exchange(second.code, second.verifier)).json();
    const rotated = (await f.refresh(family.refresh_token)).json();
    f.clock.advance(11);
    await f.refresh(family.refresh_token);
    expect(warnings()[1]).toMatchObject({ grantId: second.record.grantId, reason: 'refresh_token_reuse', jwts: 2 });

    const text = logs.text();
    for (const secret of [first.code, second.code, first.verifier, issued.access_token, issued.refresh_token, family.refresh_token, rotated.refresh_token, rotated.access_token]) {
      expect(text).not.toContain(secret);
    }
  });
});
