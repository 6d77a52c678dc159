/**
 * The server (Fastify, argon2, drivers) is loaded only by the commands that need it, so `tessera --help`
 * and `tessera token decode` start instantly.
 */
export const serverApi = () => import('./server-api.js');
