import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** A free TCP port on 127.0.0.1 (listen on 0, read, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface Started<T> {
  child: ChildProcess;
  /** The first JSON line the process printed on stdout. */
  info: T;
  /** Everything written to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/** Start `node <script> ...args` and wait for its first JSON line on stdout (its "listening" line). */
export async function startNode<T>(script: string | URL, args: string[], env: Record<string, string> = {}): Promise<Started<T>> {
  const path = typeof script === 'string' ? script : fileURLToPath(script);
  const child = spawn(process.execPath, [path, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const info = await new Promise<T>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${path} did not start in 20 s\n${err}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined && out.includes('\n')) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as T);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${path} exited with ${code}\n${err}`));
    });
  });
  return {
    child,
    info,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** What examples/device-trust/server.js prints. */
export interface DemoServerInfo {
  listening: string;
  issuer: string;
  audience: string;
  uem: { url: string; source: string; secret: string };
  web: { clientId: string; clientSecret: string; redirectUri: string };
  service: { clientId: string; clientSecret: string };
  receiver: { clientId: string; clientSecret: string; ssfAudience: string };
  user: { id: string; username: string };
  device: { id: string } | null;
  devices: string[];
}
