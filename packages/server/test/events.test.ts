import { describe, expect, it } from 'vitest';
import { createEventBus } from '../src/events/bus.js';

const at = new Date(0);

describe('event bus', () => {
  it('delivers an event to every listener of its name and to no other', async () => {
    const bus = createEventBus(() => undefined);
    const seen: string[] = [];
    bus.on('session.revoked', (e) => void seen.push(`a:${e.sid}`));
    bus.on('session.revoked', (e) => void seen.push(`b:${e.sid}`));
    bus.on('user.disabled', () => void seen.push('wrong'));
    await bus.emit('session.revoked', { sid: 's1', userId: 'u1', at, reason: 'logout' });
    expect(seen.sort()).toEqual(['a:s1', 'b:s1']);
  });

  it('a failing listener is reported and does not stop the others or reject emit', async () => {
    const errors: unknown[] = [];
    const bus = createEventBus((_name, error) => errors.push(error));
    let ran = false;
    bus.on('device.deleted', () => {
      throw new Error('boom');
    });
    bus.on('device.deleted', async () => Promise.reject(new Error('async boom')));
    bus.on('device.deleted', () => {
      ran = true;
    });
    await expect(bus.emit('device.deleted', { deviceId: 'd1', userId: null, at })).resolves.toBeUndefined();
    expect(ran).toBe(true);
    expect(errors).toHaveLength(2);
  });

  it('unsubscribing stops delivery', async () => {
    const bus = createEventBus(() => undefined);
    let count = 0;
    const off = bus.on('user.disabled', () => void count++);
    await bus.emit('user.disabled', { userId: 'u', sids: [], at });
    off();
    await bus.emit('user.disabled', { userId: 'u', sids: [], at });
    expect(count).toBe(1);
  });
});
