// Table, ratios and the JSON record of one benchmark run.
import { cpus, loadavg, totalmem, release } from 'node:os';

export function machineInfo() {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadavg1mAtStart: Math.round(loadavg()[0] * 100) / 100,
  };
}

const ratio = (a, b) => (a && b ? Math.round((a / b) * 100) / 100 : null);

/** Tessera/peer and Tessera/floor per operation, plus the issue-2 goals where they apply. */
export function ratios(results, goals) {
  const floor = results.find((r) => r.op === 'hello' && r.rps);
  const ops = [...new Set(results.filter((r) => r.target === 'tessera').map((r) => r.op))];
  return ops.map((op) => {
    const t = results.find((r) => r.target === 'tessera' && r.op === op);
    const p = results.find((r) => r.target === 'oidc-provider' && r.op === op);
    const vsPeer = ratio(t?.rps, p?.rps);
    return {
      op,
      tesseraOverPeer: vsPeer,
      tesseraOverFloor: ratio(t?.rps, floor?.rps),
      // The same comparisons in requests per CPU-second of the server (inverse CPU per request):
      // robust when other processes share the machine.
      tesseraOverPeerCpu: ratio(p?.cpuUsPerReq, t?.cpuUsPerReq),
      tesseraOverFloorCpu: ratio(floor?.cpuUsPerReq, t?.cpuUsPerReq),
      goal: goals[op] ?? null,
      goalMet: goals[op] && vsPeer !== null ? vsPeer >= goals[op] : null,
    };
  });
}

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : Math.round(((v[mid - 1] + v[mid]) / 2) * 100) / 100;
};

/**
 * Ratios per round (each from two figures measured back to back), then per operation the median of
 * the per-round ratios: a noisy minute spoils one round's pair, not the verdict. The goal is judged
 * on the median req/s ratio; `goalMetEveryRound` says whether every round met it on its own.
 */
export function roundRatios(rounds, goals) {
  const perRound = rounds.map((rows) => ratios(rows, goals));
  return perRound[0].map((first, i) => {
    const all = perRound.map((r) => r[i]);
    const pick = (k) => all.map((r) => r[k]);
    const vsPeer = median(pick('tesseraOverPeer'));
    const measured = pick('tesseraOverPeer').filter((x) => x !== null);
    return {
      op: first.op,
      tesseraOverPeer: vsPeer,
      tesseraOverFloor: median(pick('tesseraOverFloor')),
      tesseraOverPeerCpu: median(pick('tesseraOverPeerCpu')),
      tesseraOverFloorCpu: median(pick('tesseraOverFloorCpu')),
      goal: first.goal,
      goalMet: first.goal && vsPeer !== null ? vsPeer >= first.goal : null,
      goalMetEveryRound: first.goal && measured.length > 0 ? measured.length === all.length && measured.every((x) => x >= first.goal) : null,
      rounds: all.map((r) => ({ tesseraOverPeer: r.tesseraOverPeer, tesseraOverPeerCpu: r.tesseraOverPeerCpu, tesseraOverFloor: r.tesseraOverFloor })),
    };
  });
}

const pad = (s, n) => String(s ?? '–').padEnd(n);
const lpad = (s, n) => String(s ?? '–').padStart(n);

export function printTable(results, rows, log = console.log) {
  log('');
  log(`${pad('scenario', 40)}${lpad('req/s', 9)}${lpad('p50 ms', 8)}${lpad('p99 ms', 8)}${lpad('µs CPU/req', 12)}${lpad('RSS MiB', 9)}  note`);
  for (const r of results) {
    log(`${pad(r.name, 40)}${lpad(r.rps, 9)}${lpad(r.p50, 8)}${lpad(r.p99, 8)}${lpad(r.cpuUsPerReq, 12)}${lpad(r.peakRssMiB, 9)}  ${r.note ?? ''}`);
  }
  log('');
  log(`${pad('operation', 20)}${lpad('tessera/peer', 14)}${lpad('tessera/floor', 15)}${lpad('per CPU-s: /peer', 18)}${lpad('/floor', 8)}  goal (req/s)`);
  for (const x of rows) {
    const every = x.goalMetEveryRound === undefined || x.goalMetEveryRound === null ? '' : x.goalMetEveryRound ? ', every round' : ', not every round';
    const goal = x.goal ? `≥ ${x.goal}× peer: ${x.goalMet === null ? 'n/a' : x.goalMet ? 'met' : 'NOT met'}${x.goalMet ? every : ''}` : '';
    log(`${pad(x.op, 20)}${lpad(x.tesseraOverPeer, 14)}${lpad(x.tesseraOverFloor, 15)}${lpad(x.tesseraOverPeerCpu, 18)}${lpad(x.tesseraOverFloorCpu, 8)}  ${goal}`);
  }
  const perRound = rows.filter((x) => x.rounds && x.tesseraOverPeer !== null);
  if (perRound.length > 0) {
    log('');
    log('per round (req/s ratio | per CPU-s ratio), each from tessera and peer measured back to back; the table shows the medians');
    for (const x of perRound) {
      log(`${pad(x.op, 20)}${x.rounds.map((r) => `${r.tesseraOverPeer ?? '–'} | ${r.tesseraOverPeerCpu ?? '–'}`).join('   ')}`);
    }
  }
  log('');
}
