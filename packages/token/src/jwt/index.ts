export * from './claims.js';
export * from './decode.js';
export * from './sign.js';
export * from './types.js';
export * from './verify.js';
