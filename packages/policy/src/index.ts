/**
 * @tessera/policy — device compliance and access policy. Pure: signals in, decision + reasons out;
 * no HTTP, no storage, no clock of its own.
 */
export * from './compliance/index.js';
export * from './access/index.js';
