export * from './algorithms.js';
export * from './envelope.js';
export * from './generate.js';
export * from './import-jwk.js';
export * from './master-key.js';
export * from './thumbprint.js';
