import { describe, expect, it } from 'vitest';
import { POLL } from '../../src/ssf/index.js';
import { T0 } from '../helpers.js';
import { ssfSetup } from '../ssf/fixture.js';

describe('continuous access evaluation steps', () => {
  it('a failing step (cut-off store down) is logged and does not stop the revocation or the SSF event', async () => {
    const f = await ssfSetup();
    try {
      const id = ((await f.call('POST', '/ssf/streams', f.receiver.token, { delivery: { method: POLL } })).json as { stream_id: string }).stream_id;
      await f.storage.tokens.put({
        v: 1, hash: 'h1', kind: 'refresh_token', jti: 'j1', clientId: 'c', subject: 'u1', audience: ['a'], scope: [], grantId: null,
        jkt: null, deviceId: 'd1', sessionId: null, claims: {}, issuedAt: new Date(T0), expiresAt: new Date(T0 + 3600_000), revokedAt: null,
      });
      // Fault injection on the real store: the cut-off write fails.
      f.storage.cutoffs.set = () => Promise.reject(new Error('store down'));

      await f.tessera.events.emit('device.compliance_changed', { deviceId: 'd1', userId: 'u1', previous: 'compliant', current: 'not-compliant', reasons: ['disk_not_encrypted'], at: new Date(f.clock.now()) });

      expect((await f.storage.tokens.get('h1'))!.revokedAt).toEqual(new Date(f.clock.now()));
      const { sets } = (await f.call('POST', `/ssf/poll/${id}`, f.receiver.token, { returnImmediately: true })).json as { sets: object };
      expect(Object.keys(sets)).toHaveLength(1);
      const lines = f.logs.text().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.find((l) => l.msg === 'continuous access evaluation step failed')).toMatchObject({ deviceId: 'd1', step: 'cutoff' });
      expect(lines.find((l) => l.msg === 'continuous access evaluation')).toMatchObject({ deviceId: 'd1', revokedTokens: 1, streams: 1 });
    } finally {
      await f.close();
    }
  });
});
