import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Io } from '../src/io.js';

export const BIN = fileURLToPath(new URL('../bin/tessera.js', import.meta.url));

export const tmpDir = (prefix = 'tessera-cli-') => mkdtempSync(join(tmpdir(), prefix));

/** An in-memory Io for running commands in-process. */
export function memoryIo(env: Record<string, string | undefined> = {}, cwd = tmpDir()): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, env, cwd, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t) };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built CLI as a separate process (the way users run it), with a clean environment. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', TESSERA_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tessera ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Compile the CLI (and, through project references, what it imports) so the spawned process runs the
 * current sources. Several test files call this at once in parallel workers: one builds under a lock,
 * the others wait for it instead of writing the same dist/ files concurrently. Type errors elsewhere
 * in the repo do not stop emission, so a failed build is reported only in strict mode.
 */
export function buildCli(): void {
  const lock = join(ROOT, 'packages/cli/dist/.build-lock');
  mkdirSync(join(ROOT, 'packages/cli/dist'), { recursive: true });
  const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another worker is building: wait for it and use its output. A lock left by a killed run
      // (older than the longest build) is removed and the build retried.
      const started = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      while (existsSync(lock) && Date.now() - started < 120_000) sleep(200);
      if (!existsSync(lock)) return;
      rmSync(lock, { recursive: true, force: true });
    }
  }
  try {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0 && process.env.TESSERA_TEST_STRICT_BUILD) throw new Error(`tsc -b packages/cli failed:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A port free on 127.0.0.1 right now, for a server the test starts as its own process. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
