// The raw argon2id verify rate with the server's parameters, for the code-flow benchmark's ratio.
// Runs as its own process so it can be pinned to the server's core while the server is idle:
//
//   taskset -c 0 node bench/lib/argon2-rate.js [--seconds 3] [--concurrency 1] [--memory 19456] [--time 2] [--lanes 1]
//
// Prints one JSON line: verifies/s (wall clock) and CPU µs per verify (this process, all threads).
import { hash, verify } from '@node-rs/argon2';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1' },
    memory: { type: 'string', default: '19456' },
    time: { type: 'string', default: '2' },
    lanes: { type: 'string', default: '1' },
  },
});
const options = { algorithm: 2 /* argon2id */, memoryCost: Number(args.memory), timeCost: Number(args.time), parallelism: Number(args.lanes) };
const password = 'bench-password-correct-horse';
const stored = await hash(password, options);

async function run(seconds, concurrency) {
  let done = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  async function worker() {
    while (performance.now() < deadline) {
      if (!(await verify(stored, password))) throw new Error('argon2 verify failed');
      done++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: done / wall, cpuUsPer: (cpu.user + cpu.system) / done, done };
}

await run(0.5, 1); // warm-up: the thread pool and the first allocation of m KiB
const r = await run(Number(args.seconds), Number(args.concurrency));
console.log(JSON.stringify({ params: { memoryCost: options.memoryCost, timeCost: options.timeCost, parallelism: options.parallelism }, concurrency: Number(args.concurrency), verifiesPerSecond: Math.round(r.perSecond * 10) / 10, cpuUsPerVerify: Math.round(r.cpuUsPer), verifies: r.done }));
