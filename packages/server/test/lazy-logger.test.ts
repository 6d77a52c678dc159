import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { lazyChildLoggerFactory } from '../src/http/lazy-logger.js';
import { logCapture } from './helpers.js';

describe('per-request child logger', () => {
  it('is built only when a line is written, and the line carries the request id', () => {
    const logs = logCapture();
    const parent = pino({ level: 'info' }, logs.stream) as unknown as FastifyBaseLogger;
    const child = vi.spyOn(parent, 'child');
    const log = lazyChildLoggerFactory(parent, { reqId: 'req-7' }, {});
    log.debug('below the level');
    expect(child).not.toHaveBeenCalled();
    log.info({ a: 1 }, 'hello');
    log.warn('again');
    expect(child).toHaveBeenCalledTimes(1);
    const lines = logs.text().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toMatchObject([
      { reqId: 'req-7', a: 1, msg: 'hello', level: 30 },
      { reqId: 'req-7', msg: 'again', level: 40 },
    ]);
  });
});
