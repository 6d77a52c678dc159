// Server processes for the benchmark: spawned pinned to one core, waited for over HTTP, measured
// (peak RSS from /proc) and stopped.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The most telling line of a crashed server's output: its last `…Error…` line, else its last line. */
const lastLine = (text) => {
  const lines = text.trim().split('\n');
  return (lines.findLast((l) => /error/i.test(l)) ?? lines.at(-1) ?? '').trim().slice(0, 300);
};
/** Whether processes can be pinned to a core (util-linux taskset). */
export const hasTaskset = spawnSync('taskset', ['--version']).status === 0;

/** A free loopback TCP port (the kernel picks; we release it right away). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `command args…` prefixed with `taskset -c <cpu>` when taskset exists (util-linux). */
export function pinned(cpu, command, args) {
  return hasTaskset ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
}

/** Kilobytes from a `/proc/<pid>/status` line such as `VmHWM:   51234 kB`; undefined off Linux. */
export function procStatusKb(pid, field) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
    return line ? Number(line.split(/\s+/)[1]) : undefined;
  } catch {
    return undefined;
  }
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/**
 * CPU seconds (user + system, all threads) the process has used so far, from /proc/<pid>/stat fields
 * 14 and 15; undefined off Linux. Per-request CPU stays meaningful when the machine is shared and
 * req/s is not: a starved server answers fewer requests but spends about the same CPU on each.
 */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of the process's main thread (the event loop: tid = pid) and of all its other threads
 * together (libuv pool, argon2 workers, GC helpers), from /proc/<pid>/task/<tid>/stat; undefined off Linux.
 * Threads that already exited are counted in neither (their time is in the process total only).
 */
export function threadCpuSeconds(pid) {
  try {
    let main = 0;
    let others = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const seconds = cpuSeconds(`${pid}/task/${tid}`);
      if (seconds === undefined) continue;
      if (tid === String(pid)) main = seconds;
      else others += seconds;
    }
    return { main, others };
  } catch {
    return undefined;
  }
}

/**
 * Spawn a server on `cpu` and wait until `readyUrl` answers (any HTTP status). Rejects with the tail
 * of its stderr if it exits or is not ready within `timeoutMs`.
 */
export async function startServer({ name, command, args, env = {}, cpu = 0, readyUrl, timeoutMs = 20_000 }) {
  const [cmd, argv] = pinned(cpu, command, args);
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.once('exit', (code, signal) => (exited = { code, signal }));

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${name} exited (${exited.code ?? exited.signal}) before it was ready: ${lastLine(output)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready after ${timeoutMs} ms: ${lastLine(output)}`);
    }
    try {
      await fetch(readyUrl, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    name,
    pid: child.pid,
    output: () => output,
    cpuSeconds: () => cpuSeconds(child.pid),
    /** Peak resident set size so far, in MiB (VmHWM). */
    peakRssMiB: () => {
      const kb = procStatusKb(child.pid, 'VmHWM');
      return kb === undefined ? undefined : Math.round((kb / 1024) * 10) / 10;
    },
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}
