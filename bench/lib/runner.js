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

/** Build a scenario's request on a started target and send it once: it must be the operation it claims. */
async function prepareChecked(s, handle) {
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
  return req;
}

async function runScenario(s, handle, settings, log, prepared) {
  const row = { name: s.name, target: s.target, op: s.op };
  try {
    const req = prepared ?? (await prepareChecked(s, handle));
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

/**
 * Every target started once and kept running; then `rounds` rounds in which each operation is measured
 * on every target back to back (tessera then peer, the next round peer then tessera), so the pair of
 * figures a ratio is made of comes from the same minute of a shared machine. Warm-up by requests only
 * in the first round (the processes stay up and optimised); later rounds warm up by seconds only.
 * Returns one array of rows per round, in scenario order (for {@link combineRounds} and per-round ratios).
 */
export async function runInterleaved(targets, scenarios, settings, log = console.log) {
  const handles = new Map();
  const rounds = [];
  try {
    for (const target of targets) {
      if (!scenarios.some((s) => s.target === target.name)) continue;
      try {
        handles.set(target.name, await target.start());
      } catch (err) {
        handles.set(target.name, { failed: `not run: ${err.message.split('\n')[0]}` });
        log(`bench: ${target.name} not run: ${err.message.split('\n')[0]}`);
      }
    }
    const prepared = new Map();
    for (const s of scenarios) {
      const handle = handles.get(s.target);
      if (handle.failed) continue;
      try {
        prepared.set(s, await prepareChecked(s, handle));
      } catch (err) {
        prepared.set(s, { failed: `failed: ${err.message.split('\n')[0]}` });
        log(`bench: ${s.name} failed: ${err.message.split('\n')[0]}`);
      }
    }
    const ops = [...new Set(scenarios.map((s) => s.op))];
    const order = targets.map((t) => t.name);
    for (let round = 1; round <= settings.rounds; round++) {
      if (settings.rounds > 1) log(`bench: round ${round} of ${settings.rounds}`);
      const roundSettings = round === 1 ? settings : { ...settings, warmupRequests: 0 };
      const targetOrder = round % 2 === 1 ? order : [...order].reverse();
      const byScenario = new Map();
      for (const op of ops) {
        for (const name of targetOrder) {
          for (const s of scenarios.filter((x) => x.op === op && x.target === name)) {
            const handle = handles.get(name);
            const req = prepared.get(s);
            const note = handle.failed ?? req?.failed;
            byScenario.set(s, note ? { name: s.name, target: s.target, op: s.op, note } : await runScenario(s, handle, roundSettings, log, req));
          }
        }
      }
      rounds.push(scenarios.map((s) => byScenario.get(s)));
    }
    for (const [name, handle] of handles) {
      if (handle.failed) continue;
      const rss = handle.proc.peakRssMiB();
      for (const rows of rounds) for (const r of rows) if (r.target === name) r.peakRssMiB = rss;
    }
  } finally {
    for (const handle of handles.values()) {
      if (handle.failed) continue;
      await handle.proc.stop();
      handle.cleanup?.();
    }
  }
  return rounds;
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
