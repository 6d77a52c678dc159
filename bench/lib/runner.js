// Run scenarios against one started target, and combine repeated rounds.
import { measure } from './load.js';

/** Start `target`, run each scenario on it (probe, warm-up, measure), read its peak RSS, stop it. */
export async function runTarget(target, scenarios, settings, log = console.log) {
  let handle;
  try {
    handle = await target.start();
  } catch (err) {
    const note = `not run: ${err.message.split('\n')[0]}`;
    log(`bench: ${target.name} ${note}`);
    return scenarios.map((s) => ({ name: s.name, target: s.target, op: s.op, note }));
  }
  const rows = [];
  try {
    for (const s of scenarios) rows.push(await runScenario(s, handle, settings, log));
    const rss = handle.proc.peakRssMiB();
    for (const r of rows) r.peakRssMiB = rss;
  } finally {
    await handle.proc.stop();
    handle.cleanup?.();
  }
  return rows;
}

async function runScenario(s, handle, settings, log) {
  const row = { name: s.name, target: s.target, op: s.op };
  try {
    const req = await s.prepare(handle);
    const probe = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
    const text = await probe.text();
    let body = {};
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: check() decides whether that is right
    }
    if (!req.check(probe.status, body)) throw new Error(`probe answered ${probe.status} ${text.slice(0, 200)}`);
    const m = await measure({ ...req, ...settings }, handle.proc.cpuSeconds);
    Object.assign(row, m);
    const notes = [];
    if (m.non2xx || m.errors) notes.push(`${m.non2xx} non-2xx, ${m.errors} errors of ${m.total}`);
    if (m.cpuShare !== null && m.cpuShare < 0.85) notes.push(contended(m.cpuShare));
    if (notes.length) row.note = notes.join('; ');
    log(`bench: ${s.name}: ${m.rps} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.cpuUsPerReq} µs CPU/req, ${m.cpuShare} core`);
  } catch (err) {
    row.note = `failed: ${err.message.split('\n')[0]}`;
    log(`bench: ${s.name} ${row.note}`);
  }
  return row;
}

const contended = (share) => `server got ${Math.round(share * 100)}% of a core: contended, trust CPU/req over req/s`;

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : Math.round(((v[mid - 1] + v[mid]) / 2) * 100) / 100;
};

/**
 * One row per scenario from several rounds: the median of each figure over the rounds that produced
 * it (peak RSS: the maximum), with every round kept under `rounds`.
 */
export function combineRounds(rounds) {
  if (rounds.length === 1) return rounds[0];
  return rounds[0].map((first, i) => {
    const all = rounds.map((r) => r[i]);
    const row = { name: first.name, target: first.target, op: first.op };
    for (const k of ['rps', 'p50', 'p99', 'cpuUsPerReq', 'cpuShare']) row[k] = median(all.map((r) => r[k]));
    const rss = all.map((r) => r.peakRssMiB).filter((x) => typeof x === 'number');
    row.peakRssMiB = rss.length ? Math.max(...rss) : undefined;
    const notes = [...new Set(all.flatMap((r) => (r.note ? r.note.split('; ') : [])).filter((n) => !n.startsWith('server got')))];
    if (row.cpuShare !== undefined && row.cpuShare < 0.85) notes.push(contended(row.cpuShare));
    if (notes.length) row.note = notes.join('; ');
    row.rounds = all.map(({ rps, p50, p99, cpuUsPerReq, cpuShare }) => ({ rps, p50, p99, cpuUsPerReq, cpuShare }));
    return row;
  });
}
