import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTessera, type Tessera, type TesseraConfigInput } from '../../src/index.js';
import { DEVICE_COMPLIANCE_CHANGE, POLL, PUSH } from '../../src/ssf/index.js';
import { FORM, form, frozenClock, ISSUER } from '../helpers.js';

/**
 * The transmitter's outbox is SQL on real deployments: queue, poll + ack, leased push and the feed,
 * on SQLite and (when TESSERA_TEST_PG_URL is set) PostgreSQL.
 */
const pgUrl = process.env.TESSERA_TEST_PG_URL;
const schema = `tessera_ssf_${randomBytes(6).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'tessera-ssf-'));

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!pgUrl) return;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
});

const stores: [string, TesseraConfigInput['store'] | undefined][] = [
  ['SQLite', { kind: 'sqlite', filename: join(dir, 'tessera.db') }],
  ['PostgreSQL', pgUrl ? { kind: 'postgres', url: pgUrl, schema } : undefined],
];

for (const [name, store] of stores) {
  describe.skipIf(store === undefined)(`SSF transmitter on ${name}`, () => {
    it('queues a SET per stream, serves it to the poller until acknowledged, pushes it to the push receiver, lists the cut-off in the feed', async () => {
      const clock = frozenClock();
      const received: string[] = [];
      let arrived: () => void = () => undefined;
      const receiver: Server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on('end', () => {
          received.push(body);
          res.statusCode = 202;
          res.end();
          arrived();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      let tessera: Tessera | undefined;
      try {
        tessera = await createTessera({ config: { issuer: ISSUER, store: store!, keys: { masterKey: Buffer.alloc(32, 3) }, server: { logLevel: 'silent' } }, now: clock.now });
        const t = tessera;
        const created = await t.admin.createClient({ name: 'guard', scopes: ['ssf'], resources: [`${ISSUER}/ssf`] });
        const basic = `Basic ${Buffer.from(`${created.client.clientId}:${created.clientSecret}`).toString('base64')}`;
        const tokenRes = await t.app.inject({ method: 'POST', url: '/token', headers: { 'content-type': FORM, authorization: basic }, payload: form({ grant_type: 'client_credentials', resource: `${ISSUER}/ssf`, scope: 'ssf' }) });
        const auth = { authorization: `Bearer ${(tokenRes.json() as { access_token: string }).access_token}`, 'content-type': 'application/json' };
        const create = async (body: object) => ((await t.app.inject({ method: 'POST', url: '/ssf/streams', headers: auth, payload: JSON.stringify(body) })).json() as { stream_id: string }).stream_id;
        const pollId = await create({ delivery: { method: POLL } });
        await create({ delivery: { method: PUSH, endpoint_url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/ssf` } });

        const pushed = new Promise<void>((resolve) => (arrived = resolve));
        await t.events.emit('device.compliance_changed', { deviceId: 'd1', userId: null, previous: 'compliant', current: 'not-compliant', reasons: ['disk_not_encrypted'], at: new Date(clock.now()) });
        await pushed;
        expect(received).toHaveLength(1);

        const poll = async (body: object) => (await t.app.inject({ method: 'POST', url: `/ssf/poll/${pollId}`, headers: auth, payload: JSON.stringify(body) })).json() as { sets: Record<string, string> };
        const first = await poll({ returnImmediately: true });
        const [jti] = Object.keys(first.sets);
        expect(JSON.parse(Buffer.from(first.sets[jti!]!.split('.')[1]!, 'base64url').toString()).events).toHaveProperty(DEVICE_COMPLIANCE_CHANGE);
        expect(Object.keys((await poll({ returnImmediately: true })).sets)).toEqual([jti]);
        expect((await poll({ ack: [jti], returnImmediately: true })).sets).toEqual({});
        const feed = (await t.app.inject({ method: 'GET', url: '/ssf/feed?since=0', headers: auth })).json() as { cutoffs: { kind: string; id: string }[] };
        expect(feed.cutoffs).toEqual([expect.objectContaining({ kind: 'device', id: 'd1' })]);
        // The pushed SET is delivered: nothing is pushed again later.
        clock.advance(3600);
        t.deviceTrust.ssf!.push.kick();
        await t.deviceTrust.ssf!.push.idle();
        expect(received).toHaveLength(1);

      } finally {
        await tessera?.close();
        await new Promise((resolve) => receiver.close(resolve));
      }
    });
  });
}
