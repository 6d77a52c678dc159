import { describe, expect, it } from 'vitest';
import { ConflictError } from '../src/index.js';
import type { DecisionLogEntry, Storage } from '../src/index.js';
import { at, T0, token } from './fixtures.js';
import { device, deviceKey, report, ssfStream } from './fixtures-devices.js';

const verdict = (compliant: boolean, ms: number, reasons: string[] = []) => ({ compliant, reasons, evaluatedAt: at(ms) });

/** Devices, decision log, cutoffs and the SSF slices; part of {@link runStorageConformance}. */
export function devicesConformance(storage: () => Storage): void {
  describe('devices', () => {
    it('create then get returns the record exactly as given (keys, posture, compliance)', async () => {
      const d = device({
        keys: [deviceKey(), deviceKey({ addedAt: at(7) })],
        compliance: verdict(false, 3, ['disk_not_encrypted', 'os_outdated']),
        posture: { eventId: 'e0', source: 'jamf', reportedAt: at(1), receivedAt: at(2), signals: { diskEncrypted: false, nested: { a: [1] } } },
        userId: null,
      });
      await storage().devices.create(d);
      expect(await storage().devices.get(d.id)).toEqual(d);
    });
    it('create rejects an existing id, and a key thumbprint owned by another device, storing nothing', async () => {
      const d = device();
      await storage().devices.create(d);
      await expect(storage().devices.create({ ...d, keys: [deviceKey()] })).rejects.toBeInstanceOf(ConflictError);
      const stolen = device({ keys: [deviceKey(), d.keys[0]!] });
      await expect(storage().devices.create(stolen)).rejects.toBeInstanceOf(ConflictError);
      expect(await storage().devices.get(stolen.id)).toBeUndefined();
      expect(await storage().devices.findByKeyThumbprint(stolen.keys[0]!.jkt)).toBeUndefined();
    });
    it('findByKeyThumbprint finds the owning device; unknown thumbprints resolve undefined', async () => {
      const d = device({ keys: [deviceKey(), deviceKey()] });
      await storage().devices.create(d);
      expect((await storage().devices.findByKeyThumbprint(d.keys[1]!.jkt))?.id).toBe(d.id);
      expect(await storage().devices.findByKeyThumbprint('unknown')).toBeUndefined();
    });
    it('listByUser returns only that user\'s devices, oldest first', async () => {
      const late = device({ userId: 'u_bob', createdAt: at(2) });
      const early = device({ userId: 'u_bob', createdAt: at(1) });
      await storage().devices.create(late);
      await storage().devices.create(early);
      await storage().devices.create(device({ userId: 'u_carol' }));
      expect((await storage().devices.listByUser('u_bob')).map((d) => d.id)).toEqual([early.id, late.id]);
    });
    it('list pages by (createdAt, id) with a cursor, and filters by uem', async () => {
      const all = [3, 1, 2, 2, 5].map((t, i) => device({ createdAt: at(t), uem: i === 4 ? 'intune' : 'hexnode' }));
      for (const d of all) await storage().devices.create(d);
      const order = [...all].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1)).map((d) => d.id);
      const first = await storage().devices.list({ limit: 2 });
      expect(first.devices.map((d) => d.id)).toEqual(order.slice(0, 2));
      const second = await storage().devices.list({ limit: 2, after: first.next! });
      expect(second.devices.map((d) => d.id)).toEqual(order.slice(2, 4));
      const third = await storage().devices.list({ limit: 2, after: second.next! });
      expect(third).toEqual({ devices: [expect.objectContaining({ id: order[4] })], next: null });
      expect((await storage().devices.list({ limit: 10, uem: 'intune' })).devices.map((d) => d.id)).toEqual([all[4]!.id]);
    });
    it('delete removes the device, its keys and history; false the second time', async () => {
      const d = device();
      await storage().devices.create(d);
      await storage().devices.recordPosture(d.id, report(1), at(2));
      expect(await storage().devices.delete(d.id)).toBe(true);
      expect(await storage().devices.delete(d.id)).toBe(false);
      expect(await storage().devices.get(d.id)).toBeUndefined();
      expect(await storage().devices.findByKeyThumbprint(d.keys[0]!.jkt)).toBeUndefined();
      expect(await storage().devices.history(d.id, 10)).toEqual([]);
      // The thumbprint is free again.
      await storage().devices.create(device({ keys: [d.keys[0]!] }));
    });
    it('addKey appends and bumps updatedAt; a thumbprint registered anywhere is a ConflictError', async () => {
      const a = device();
      const b = device();
      await storage().devices.create(a);
      await storage().devices.create(b);
      const k = deviceKey({ addedAt: at(5) });
      const after = await storage().devices.addKey(a.id, k, at(5));
      expect(after?.keys).toEqual([...a.keys, k]);
      expect(after?.updatedAt).toEqual(at(5));
      await expect(storage().devices.addKey(b.id, k, at(6))).rejects.toBeInstanceOf(ConflictError);
      await expect(storage().devices.addKey(a.id, k, at(6))).rejects.toBeInstanceOf(ConflictError);
      expect(await storage().devices.addKey('nope', deviceKey(), at(6))).toBeUndefined();
      expect((await storage().devices.get(b.id))?.keys).toEqual(b.keys);
    });
    it('removeKey removes only that device\'s key; undefined for a foreign or unknown key', async () => {
      const a = device({ keys: [deviceKey(), deviceKey()] });
      const b = device();
      await storage().devices.create(a);
      await storage().devices.create(b);
      expect(await storage().devices.removeKey(a.id, b.keys[0]!.jkt, at(1))).toBeUndefined();
      const after = await storage().devices.removeKey(a.id, a.keys[0]!.jkt, at(2));
      expect(after?.keys).toEqual([a.keys[1]]);
      expect(after?.updatedAt).toEqual(at(2));
      expect(await storage().devices.findByKeyThumbprint(a.keys[0]!.jkt)).toBeUndefined();
      expect((await storage().devices.findByKeyThumbprint(b.keys[0]!.jkt))?.id).toBe(b.id);
    });

    describe('recordPosture', () => {
      it('applies a first report: posture set with receivedAt, osVersion updated, one history entry', async () => {
        const d = device();
        await storage().devices.create(d);
        const r = report(1000, { osVersion: '14.6' });
        const result = await storage().devices.recordPosture(d.id, r, at(1500));
        const posture = { eventId: r.eventId, source: r.source, reportedAt: r.reportedAt, receivedAt: at(1500), signals: r.signals };
        expect(result).toEqual({ status: 'applied', record: { ...d, posture, osVersion: '14.6', updatedAt: at(1500) } });
        expect(await storage().devices.get(d.id)).toEqual(result.status === 'applied' ? result.record : undefined);
        expect(await storage().devices.history(d.id, 10)).toEqual([{ deviceId: d.id, ...posture }]);
      });
      it('a report not newer than the stored one is stale: nothing written (out-of-order never overwrites newer)', async () => {
        const d = device();
        await storage().devices.create(d);
        const newer = report(2000);
        await storage().devices.recordPosture(d.id, newer, at(2100));
        for (const t of [1000, 2000]) {
          const result = await storage().devices.recordPosture(d.id, report(t, { signals: { diskEncrypted: false } }), at(3000));
          expect(result.status).toBe('stale');
        }
        const stored = await storage().devices.get(d.id);
        expect(stored?.posture?.eventId).toBe(newer.eventId);
        expect(stored?.updatedAt).toEqual(at(2100));
        expect(await storage().devices.history(d.id, 10)).toHaveLength(1);
      });
      it('the same eventId twice is a duplicate, even when its time would be newer: history has one entry', async () => {
        const d = device();
        await storage().devices.create(d);
        const r = report(1000);
        expect((await storage().devices.recordPosture(d.id, r, at(1100))).status).toBe('applied');
        expect((await storage().devices.recordPosture(d.id, r, at(1200))).status).toBe('duplicate');
        expect((await storage().devices.recordPosture(d.id, { ...r, reportedAt: at(5000) }, at(5100))).status).toBe('duplicate');
        expect(await storage().devices.history(d.id, 10)).toHaveLength(1);
        expect((await storage().devices.get(d.id))?.posture?.receivedAt).toEqual(at(1100));
      });
      it('an event id is scoped to its device: the same id on another device applies', async () => {
        const a = device();
        const b = device();
        await storage().devices.create(a);
        await storage().devices.create(b);
        const r = report(1000);
        expect((await storage().devices.recordPosture(a.id, r, at(1))).status).toBe('applied');
        expect((await storage().devices.recordPosture(b.id, r, at(1))).status).toBe('applied');
      });
      it('an unknown device is not_found and nothing is written', async () => {
        expect(await storage().devices.recordPosture('nope', report(1), at(1))).toEqual({ status: 'not_found' });
        expect(await storage().devices.history('nope', 10)).toEqual([]);
      });
      it('20 concurrent reports in random order: the newest ends up stored, history has only applied ones', async () => {
        const d = device();
        await storage().devices.create(d);
        const reports = Array.from({ length: 20 }, (_, i) => report((i + 1) * 1000));
        const shuffled = [...reports].sort(() => Math.random() - 0.5);
        const results = await Promise.all(shuffled.map((r) => storage().devices.recordPosture(d.id, r, at(99_000))));
        expect((await storage().devices.get(d.id))?.posture?.eventId).toBe(reports[19]!.eventId);
        const applied = results.filter((r) => r.status === 'applied').length;
        expect(await storage().devices.history(d.id, 100)).toHaveLength(applied);
      });
      it('history is newest first (by reportedAt) and honours limit', async () => {
        const d = device();
        await storage().devices.create(d);
        const rs = [report(1000), report(2000), report(3000)];
        for (const r of rs) await storage().devices.recordPosture(d.id, r, at(4000));
        expect((await storage().devices.history(d.id, 2)).map((h) => h.eventId)).toEqual([rs[2]!.eventId, rs[1]!.eventId]);
      });
      it('pruneHistory deletes entries received before the cutoff but never a device\'s current posture', async () => {
        const d = device();
        await storage().devices.create(d);
        const rs = [report(1000), report(2000), report(3000)];
        for (const [i, r] of rs.entries()) await storage().devices.recordPosture(d.id, r, at(10_000 * (i + 1)));
        expect(await storage().devices.pruneHistory(at(1_000_000))).toBe(2);
        expect((await storage().devices.history(d.id, 10)).map((h) => h.eventId)).toEqual([rs[2]!.eventId]);
        expect((await storage().devices.recordPosture(d.id, rs[2]!, at(1_000_001))).status).toBe('duplicate');
      });
    });

    describe('setCompliance', () => {
      it('sets when the stored verdict equals expectedPrevious (null at first), conflict otherwise', async () => {
        const d = device();
        await storage().devices.create(d);
        const first = verdict(true, 10);
        const set = await storage().devices.setCompliance(d.id, null, first);
        expect(set).toEqual({ status: 'set', record: { ...d, compliance: first, updatedAt: at(10) } });
        const again = await storage().devices.setCompliance(d.id, null, verdict(false, 11, ['x']));
        expect(again.status).toBe('conflict');
        expect(again.status === 'conflict' && again.record.compliance).toEqual(first);
        const wrongReasons = await storage().devices.setCompliance(d.id, { ...first, reasons: ['other'] }, verdict(false, 12));
        expect(wrongReasons.status).toBe('conflict');
        const next = verdict(false, 13, ['disk_not_encrypted', 'os_outdated']);
        expect((await storage().devices.setCompliance(d.id, first, next)).status).toBe('set');
        expect((await storage().devices.get(d.id))?.compliance).toEqual(next);
        expect(await storage().devices.setCompliance('nope', null, next)).toEqual({ status: 'not_found' });
      });
      it('10 racers that read the same verdict: exactly one transition is set', async () => {
        const d = device({ compliance: verdict(true, 1) });
        await storage().devices.create(d);
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
          storage().devices.setCompliance(d.id, verdict(true, 1), verdict(false, 100 + i, ['disk_not_encrypted']))));
        expect(results.filter((r) => r.status === 'set')).toHaveLength(1);
      });
      it('listStaleCompliant lists compliant devices reported before the instant, oldest report first', async () => {
        const old = device();
        const older = device();
        const fresh = device();
        const nonCompliant = device();
        const silent = device({ compliance: verdict(true, 0) });
        for (const d of [old, older, fresh, nonCompliant, silent]) await storage().devices.create(d);
        await storage().devices.recordPosture(old.id, report(2000), at(1));
        await storage().devices.recordPosture(older.id, report(1000), at(1));
        await storage().devices.recordPosture(fresh.id, report(9000), at(1));
        await storage().devices.recordPosture(nonCompliant.id, report(1000), at(1));
        for (const d of [old, older, fresh]) await storage().devices.setCompliance(d.id, null, verdict(true, 5));
        await storage().devices.setCompliance(nonCompliant.id, null, verdict(false, 5, ['x']));
        expect((await storage().devices.listStaleCompliant(at(5000), 10)).map((d) => d.id)).toEqual([older.id, old.id]);
        expect(await storage().devices.listStaleCompliant(at(5000), 1)).toHaveLength(1);
      });
    });
  });

  describe('tokens by device', () => {
    it('listByDevice returns the device\'s stored tokens newest first, revoked ones included, at most limit', async () => {
      const t1 = token({ deviceId: 'dv1', issuedAt: at(1) });
      const t2 = token({ deviceId: 'dv1', issuedAt: at(3), kind: 'refresh_token', revokedAt: at(4) });
      const t3 = token({ deviceId: 'dv1', issuedAt: at(2) });
      for (const t of [t1, t2, t3, token({ deviceId: 'dv2' }), token()]) await storage().tokens.put(t);
      expect(await storage().tokens.listByDevice('dv1', 10)).toEqual([t2, t3, t1]);
      expect((await storage().tokens.listByDevice('dv1', 1)).map((t) => t.jti)).toEqual([t2.jti]);
      expect(await storage().tokens.listByDevice('nope', 10)).toEqual([]);
    });
  });

  describe('decision log', () => {
    const entry = (o: Partial<DecisionLogEntry> = {}): DecisionLogEntry => ({
      at: T0, action: 'token', grantType: 'refresh_token', clientId: 'c1', userId: 'u1', deviceId: 'd1',
      audience: ['https://payroll.example.com'], scope: ['payroll:read'], decision: 'deny',
      policies: ['payroll-compliant-only'], reasons: ['disk_not_encrypted'], ...o,
    });
    it('append then list returns the entry with its id; filters combine; newest first; limit', async () => {
      const log = storage().decisionLog;
      const e1 = entry({ at: at(1) });
      const id1 = await log.append(e1);
      await log.append(entry({ at: at(2), userId: 'u2', deviceId: null, grantType: null, action: 'authorize', decision: 'allow', reasons: [] }));
      await log.append(entry({ at: at(3), clientId: 'c2' }));
      expect((await log.list({ limit: 10 })).map((e) => e.at)).toEqual([at(3), at(2), at(1)]);
      expect(await log.list({ userId: 'u1', clientId: 'c1', limit: 10 })).toEqual([{ ...e1, id: id1 }]);
      expect((await log.list({ deviceId: 'd1', limit: 10 })).map((e) => e.clientId)).toEqual(['c2', 'c1']);
      expect((await log.list({ since: at(2), limit: 10 }))).toHaveLength(2);
      expect((await log.list({ limit: 1 }))).toHaveLength(1);
    });
    it('pruneExpired deletes entries before the instant', async () => {
      const log = storage().decisionLog;
      await log.append(entry({ at: at(1) }));
      await log.append(entry({ at: at(5) }));
      expect(await log.pruneExpired(at(2))).toBe(1);
      expect(await log.list({ limit: 10 })).toHaveLength(1);
    });
  });

  describe('cutoffs', () => {
    it('set keeps the LATER at whichever order the calls come in; get reads it', async () => {
      const c = storage().cutoffs;
      const late = { kind: 'device' as const, id: 'd1', at: at(20), expiresAt: at(1020) };
      const early = { ...late, at: at(10), expiresAt: at(1010) };
      expect(await c.set(late)).toEqual(late);
      expect(await c.set(early)).toEqual(late);
      expect(await c.get('device', 'd1')).toEqual(late);
      expect(await c.get('session', 'd1')).toBeUndefined();
      const later = { ...late, at: at(30), expiresAt: at(1030) };
      expect(await c.set(later)).toEqual(later);
    });
    it('listSince is oldest first from the instant; pruneExpired goes by expiresAt', async () => {
      const c = storage().cutoffs;
      await c.set({ kind: 'subject', id: 'u1', at: at(1), expiresAt: at(100) });
      await c.set({ kind: 'session', id: 's1', at: at(3), expiresAt: at(300) });
      await c.set({ kind: 'device', id: 'd1', at: at(2), expiresAt: at(200) });
      expect((await c.listSince(at(2), 10)).map((r) => r.id)).toEqual(['d1', 's1']);
      expect(await c.listSince(at(0), 1)).toHaveLength(1);
      expect(await c.pruneExpired(at(250))).toBe(2);
      expect((await c.listSince(at(0), 10)).map((r) => r.id)).toEqual(['s1']);
    });
  });

  describe('ssf streams and events', () => {
    it('stream create/get/list/update/delete; duplicate id is a ConflictError', async () => {
      const s = storage().ssfStreams;
      const a = ssfStream({ createdAt: at(2), issuer: 'https://as.example.com', description: 'guard', reason: 'paused by admin', status: 'paused' });
      const b = ssfStream({ createdAt: at(1), deliveryMethod: 'poll', endpointUrl: null, authorizationHeader: null });
      await s.create(a);
      await s.create(b);
      await expect(s.create(a)).rejects.toBeInstanceOf(ConflictError);
      expect(await s.get(a.id)).toEqual(a);
      expect((await s.list()).map((x) => x.id)).toEqual([b.id, a.id]);
      const changed = { ...a, status: 'enabled' as const, eventsDelivered: [], updatedAt: at(9) };
      expect(await s.update(changed)).toBe(true);
      expect(await s.get(a.id)).toEqual(changed);
      expect(await s.update(ssfStream())).toBe(false);
      expect(await s.delete(a.id)).toBe(true);
      expect(await s.delete(a.id)).toBe(false);
    });
    it('poll: listPending oldest first, acknowledge marks only that stream\'s events delivered', async () => {
      const stream = ssfStream({ deliveryMethod: 'poll' });
      const other = ssfStream({ deliveryMethod: 'poll' });
      await storage().ssfStreams.create(stream);
      await storage().ssfStreams.create(other);
      const ev = storage().ssfEvents;
      await ev.enqueue({ streamId: stream.id, jti: 'j2', set: 'a.b.c2', createdAt: at(2) });
      await ev.enqueue({ streamId: stream.id, jti: 'j1', set: 'a.b.c1', createdAt: at(1) });
      await ev.enqueue({ streamId: other.id, jti: 'j3', set: 'a.b.c3', createdAt: at(1) });
      await expect(ev.enqueue({ streamId: stream.id, jti: 'j1', set: 'x', createdAt: at(3) })).rejects.toBeInstanceOf(ConflictError);
      const pending = await ev.listPending(stream.id, 10);
      expect(pending.map((e) => [e.jti, e.set])).toEqual([['j1', 'a.b.c1'], ['j2', 'a.b.c2']]);
      expect(pending[0]).toEqual({
        streamId: stream.id, jti: 'j1', set: 'a.b.c1', createdAt: at(1), status: 'pending', attempts: 0,
        nextAttemptAt: at(1), leaseUntil: null, lastError: null, deliveredAt: null,
      });
      expect(await ev.acknowledge(stream.id, ['j1', 'j3', 'unknown'], at(5))).toBe(1);
      expect((await ev.listPending(stream.id, 10)).map((e) => e.jti)).toEqual(['j2']);
      expect((await ev.listPending(other.id, 10)).map((e) => e.jti)).toEqual(['j3']);
    });
    it('push: claimDue leases due events of enabled push streams once; markFailed reschedules; markDelivered ends', async () => {
      const push = ssfStream();
      const poll = ssfStream({ deliveryMethod: 'poll', endpointUrl: null });
      const paused = ssfStream({ status: 'paused' });
      for (const s of [push, poll, paused]) await storage().ssfStreams.create(s);
      const ev = storage().ssfEvents;
      await ev.enqueue({ streamId: push.id, jti: 'p1', set: 's1', createdAt: at(1) });
      await ev.enqueue({ streamId: push.id, jti: 'p2', set: 's2', createdAt: at(2) });
      await ev.enqueue({ streamId: poll.id, jti: 'q1', set: 's3', createdAt: at(1) });
      await ev.enqueue({ streamId: paused.id, jti: 'z1', set: 's4', createdAt: at(1) });
      const claimed = await ev.claimDue(at(10), 10, 30);
      expect(claimed.map((e) => e.jti)).toEqual(['p1', 'p2']);
      expect(claimed[0]).toMatchObject({ attempts: 1, leaseUntil: at(30_010) });
      expect(await ev.claimDue(at(20), 10, 30)).toEqual([]);
      expect(await ev.markFailed('p1', at(40_000), 'HTTP 503')).toBe(true);
      expect(await ev.markDelivered('p2', at(11))).toBe(true);
      expect(await ev.claimDue(at(39_999), 10, 30)).toEqual([]);
      const retried = await ev.claimDue(at(40_000), 10, 30);
      expect(retried).toEqual([expect.objectContaining({ jti: 'p1', attempts: 2, lastError: 'HTTP 503' })]);
      // A lease that ran out (its worker died) makes the event claimable again.
      expect((await ev.claimDue(at(70_000), 10, 30)).map((e) => e.jti)).toEqual(['p1']);
      expect(await ev.markDelivered('nope', at(1))).toBe(false);
      expect(await ev.markFailed('nope', at(1), 'x')).toBe(false);
    });
    it('two concurrent claimDue calls never hand out the same event', async () => {
      const push = ssfStream();
      await storage().ssfStreams.create(push);
      for (let i = 0; i < 20; i++) await storage().ssfEvents.enqueue({ streamId: push.id, jti: `c${i}`, set: 's', createdAt: at(i) });
      const [a, b] = await Promise.all([storage().ssfEvents.claimDue(at(100), 15, 30), storage().ssfEvents.claimDue(at(100), 15, 30)]);
      const jtis = [...a!, ...b!].map((e) => e.jti);
      expect(new Set(jtis).size).toBe(jtis.length);
      expect(jtis).toHaveLength(20);
    });
    it('pruneDelivered deletes delivered events only; deleting a stream deletes its events', async () => {
      const push = ssfStream();
      await storage().ssfStreams.create(push);
      const ev = storage().ssfEvents;
      await ev.enqueue({ streamId: push.id, jti: 'd1', set: 's', createdAt: at(1) });
      await ev.enqueue({ streamId: push.id, jti: 'd2', set: 's', createdAt: at(1) });
      await ev.markDelivered('d1', at(5));
      expect(await ev.pruneDelivered(at(6))).toBe(1);
      expect((await ev.listPending(push.id, 10)).map((e) => e.jti)).toEqual(['d2']);
      await storage().ssfStreams.delete(push.id);
      expect(await ev.listPending(push.id, 10)).toEqual([]);
      await ev.enqueue({ streamId: 'another', jti: 'd2', set: 's', createdAt: at(1) });
    });
  });
}
