export * from './errors.js';
export * from './opaque.js';
export * from './keys/index.js';
export * from './jwt/index.js';
export * from './rotation.js';
export * from './dpop/index.js';
