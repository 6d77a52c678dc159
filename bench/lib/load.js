// The load generator: autocannon, in the runner's own process (the runner is pinned to the other core).
import autocannon from 'autocannon';

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/**
 * Warm up, then measure one request shape at a fixed connection count and duration. `cpu()` (the
 * server's CPU seconds so far) is sampled around the measured part only.
 * @param {{ url: string, method: string, headers: Record<string,string>, body?: string,
 *           connections: number, duration: number, warmup: number }} o
 * @param {() => number | undefined} [cpu]
 */
export async function measure(o, cpu = () => undefined) {
  const opts = {
    url: o.url,
    method: o.method,
    headers: o.headers,
    body: o.body,
    connections: o.connections,
    pipelining: 1,
    timeout: 10,
  };
  if (o.warmup > 0) await run({ ...opts, duration: o.warmup });
  const cpuBefore = cpu();
  const started = performance.now();
  const r = await run({ ...opts, duration: o.duration });
  const wall = (performance.now() - started) / 1000;
  const cpuUsed = cpuBefore === undefined ? undefined : cpu() - cpuBefore;
  return {
    // Server CPU per answered request, µs; and the share of one core the server got (≪ 1: starved).
    cpuUsPerReq: cpuUsed === undefined || r.requests.total === 0 ? null : Math.round((cpuUsed / r.requests.total) * 1e6),
    cpuShare: cpuUsed === undefined ? null : Math.round((cpuUsed / wall) * 100) / 100,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}
