// The floor: a Fastify hello-world. No server built on Fastify can answer faster on this machine, so
// Tessera/floor says how much of the budget Tessera's own work takes.
//
// Usage: node bench/peers/floor.js <port>   — prints "listening <url>" once ready.
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 0);
const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
app.post('/', async () => ({ hello: 'world' }));
const url = await app.listen({ port, host: '127.0.0.1' });
console.log(`listening ${url}`);
const stop = () => app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
