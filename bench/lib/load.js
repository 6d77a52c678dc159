// The load generator: autocannon, in the runner's own process (the runner is pinned to the other core).
import autocannon from 'autocannon';

/** One autocannon run; `maxSeconds` stops a request-count run that would take too long. */
function run(opts, maxSeconds) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => {
      clearTimeout(timer);
      return err ? reject(err) : resolve(result);
    });
    const timer = maxSeconds ? setTimeout(() => instance.stop(), maxSeconds * 1000) : undefined;
  });
}

/**
 * Warm up, then measure one request shape at a fixed connection count and duration. `cpu()` (the
 * server's CPU seconds so far) is sampled around the measured part only.
 * @param {{ url: string, method: string, headers: Record<string,string>, body?: string,
 *           connections: number, duration: number, warmup: number, warmupRequests?: number }} o
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
  // Warm up for a number of requests, not only seconds: V8 needs a few thousand calls to optimise the
  // hot path, and a starved server makes few of them per second (capped so a slow server cannot stall).
  if (o.warmup > 0) {
    const first = await run({ ...opts, duration: o.warmup });
    const missing = (o.warmupRequests ?? 0) - first.requests.total;
    if (missing > 0) await run({ ...opts, amount: missing }, 30);
  }
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
