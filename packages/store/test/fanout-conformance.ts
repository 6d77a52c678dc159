import { afterEach, describe, expect, it } from 'vitest';
import type { Fanout, FanoutLogger, FanoutMessage } from '../src/index.js';

/** What a backend gives the shared suite. */
export interface FanoutBackend {
  /** A new instance on the backend; every instance of one test shares the backend (and channel). */
  create(log?: FanoutLogger): Promise<Fanout>;
  /** Put raw text on the channel the instances listen to, as a foreign writer could. */
  sendRaw(text: string): Promise<void>;
}

/** A logger that remembers what it was told. */
export function recordingLogger() {
  const lines: { level: string; details: object; message: string }[] = [];
  const log: FanoutLogger = {
    warn: (details, message) => lines.push({ level: 'warn', details, message }),
    error: (details, message) => lines.push({ level: 'error', details, message }),
    info: (details, message) => lines.push({ level: 'info', details, message }),
  };
  return { log, lines };
}

/** Resolves when `check` holds, polling; fails after `ms`. */
export async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A subscription that records what it gets. */
function inbox(fanout: Fanout, topic: string) {
  const got: FanoutMessage[] = [];
  const unsubscribe = fanout.subscribe(topic, (m) => void got.push(m));
  return { got, unsubscribe };
}

/**
 * The {@link Fanout} contract, run against every adapter: two instances hear each other, topics are
 * separate, unsubscribe and close stop delivery, and nothing from the wire throws into the caller.
 */
export function runFanoutConformance(name: string, open: () => Promise<FanoutBackend>): void {
  describe(`Fanout contract: ${name}`, () => {
    const opened: Fanout[] = [];
    let backend: FanoutBackend;
    const create = async (log?: FanoutLogger) => {
      backend ??= await open();
      const fanout = await backend.create(log);
      opened.push(fanout);
      await fanout.ready();
      return fanout;
    };

    afterEach(async () => {
      for (const fanout of opened.splice(0)) await fanout.close();
    });

    it('two instances on the same backend see each other\'s messages, and each its own', async () => {
      const a = await create();
      const b = await create();
      const atA = inbox(a, 'ssf.wake');
      const atB = inbox(b, 'ssf.wake');
      let reconnects = 0;
      for (const fanout of [a, b]) fanout.onReconnect(() => void (reconnects += 1));
      await a.publish('ssf.wake', { streamId: 's1', n: 1, nested: { list: [1, 'two', null, true] } });
      await b.publish('ssf.wake', { streamId: 's2' });
      await eventually(() => atA.got.length === 2 && atB.got.length === 2);
      expect(reconnects, 'a first connection is not a reconnect').toBe(0);
      expect(atB.got).toContainEqual({ streamId: 's1', n: 1, nested: { list: [1, 'two', null, true] } });
      expect(atA.got).toContainEqual({ streamId: 's2' });
    });

    it('a message reaches the subscribers of its topic only', async () => {
      const a = await create();
      const b = await create();
      const wake = inbox(b, 'ssf.wake');
      const cache = inbox(b, 'cache.invalidate');
      await a.publish('cache.invalidate', { kind: 'client', id: 'c1' });
      await a.publish('ssf.wake', { streamId: 'sentinel' });
      await eventually(() => wake.got.length === 1 && cache.got.length === 1);
      expect(cache.got).toEqual([{ kind: 'client', id: 'c1' }]);
      expect(wake.got).toEqual([{ streamId: 'sentinel' }]);
    });

    it('after unsubscribe a handler gets nothing more; the other subscriptions still do', async () => {
      const a = await create();
      const b = await create();
      const gone = inbox(b, 'cache.invalidate');
      const kept = inbox(b, 'cache.invalidate');
      await a.publish('cache.invalidate', { id: 'first' });
      await eventually(() => gone.got.length === 1 && kept.got.length === 1);
      gone.unsubscribe();
      gone.unsubscribe(); // twice is harmless
      await a.publish('cache.invalidate', { id: 'second' });
      await eventually(() => kept.got.length === 2);
      expect(gone.got).toEqual([{ id: 'first' }]);
    });

    it('a closed instance hears nothing and refuses to publish; the others go on; close twice is fine', async () => {
      const a = await create();
      const b = await create();
      const c = await create();
      const atB = inbox(b, 't');
      const atC = inbox(c, 't');
      await b.close();
      await b.close();
      await expect(b.publish('t', { x: 1 })).rejects.toThrow(/closed/);
      await a.publish('t', { x: 2 });
      await eventually(() => atC.got.length === 1);
      expect(atB.got).toEqual([]);
    });

    it('a malformed message from the wire is dropped and logged, never thrown; later messages still arrive', async () => {
      const { log, lines } = recordingLogger();
      const a = await create();
      const b = await create(log);
      const atB = inbox(b, 't');
      for (const raw of ['not json', '[1,2]', '{"t":"t"}', '{"t":"t","m":[1]}', '{"t":"bad topic","m":{}}', '{"t":5,"m":{}}', 'null']) await backend.sendRaw(raw);
      await a.publish('t', { ok: true });
      await eventually(() => atB.got.length === 1);
      expect(atB.got).toEqual([{ ok: true }]);
      expect(lines.filter((l) => l.message.includes('malformed'))).toHaveLength(7);
      // The wire text itself is not logged (it came from whoever can write to the channel).
      expect(JSON.stringify(lines)).not.toContain('not json');
    });

    it('a handler that throws or rejects is logged and does not stop the other handlers', async () => {
      const { log, lines } = recordingLogger();
      const a = await create();
      const b = await create(log);
      b.subscribe('t', () => {
        throw new Error('boom');
      });
      b.subscribe('t', async () => {
        throw new Error('async boom');
      });
      const atB = inbox(b, 't');
      await a.publish('t', { n: 1 });
      await a.publish('t', { n: 2 });
      await eventually(() => atB.got.length === 2 && lines.filter((l) => l.message.includes('handler failed')).length === 4);
    });

    it('refuses topics it cannot carry and messages that are not JSON objects', async () => {
      const a = await create();
      await expect(a.publish('has space', {})).rejects.toThrow(TypeError);
      await expect(a.publish('', {})).rejects.toThrow(TypeError);
      await expect(a.publish('t', [1] as unknown as FanoutMessage)).rejects.toThrow(TypeError);
      expect(() => a.subscribe('has space', () => undefined)).toThrow(TypeError);
    });
  });
}
