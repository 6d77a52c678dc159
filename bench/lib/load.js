// The load generator: autocannon, in the runner's own process (the runner is pinned to the other core).
import autocannon from 'autocannon';

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/**
 * Warm up, then measure one request shape at a fixed connection count and duration.
 * @param {{ url: string, method: string, headers: Record<string,string>, body?: string,
 *           connections: number, duration: number, warmup: number }} o
 */
export async function measure(o) {
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
  const r = await run({ ...opts, duration: o.duration });
  return {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}
