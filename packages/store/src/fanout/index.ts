export type { Fanout, FanoutHandler, FanoutJson, FanoutLogger, FanoutMessage } from './contract.js';
export { createMemoryFanout, createFanoutHub } from './memory.js';
export type { FanoutHub, MemoryFanoutOptions } from './memory.js';
export { createPostgresFanout, MAX_NOTIFY_PAYLOAD_BYTES } from './postgres.js';
export type { PostgresFanoutOptions } from './postgres.js';
export { createRedisFanout } from './redis.js';
export type { RedisFanoutOptions } from './redis.js';
export { defaultFanoutConfig, openFanout, redactUrl } from './open.js';
export type { FanoutConfig } from './open.js';
