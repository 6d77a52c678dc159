import { describe, expect, it } from 'vitest';
import { ratios, roundRatios } from './report.js';
import { combineRounds } from './runner.js';

const row = (target: string, op: string, rps?: number, cpuUsPerReq?: number) => ({ name: `${target}: ${op}`, target, op, rps, cpuUsPerReq });

describe('bench ratios', () => {
  it('divides Tessera by the peer and by the floor per operation, and judges the issue-2 goals', () => {
    const results = [row('floor', 'hello', 40_000, 20), row('tessera', 'issue-jwt', 12_000, 80), row('oidc-provider', 'issue-jwt', 3_000, 320), row('tessera', 'issue-opaque', 7_000), row('oidc-provider', 'issue-opaque', 5_000)];
    expect(ratios(results, { 'issue-jwt': 3, 'issue-opaque': 2 })).toEqual([
      { op: 'issue-jwt', tesseraOverPeer: 4, tesseraOverFloor: 0.3, tesseraOverPeerCpu: 4, tesseraOverFloorCpu: 0.25, goal: 3, goalMet: true },
      { op: 'issue-opaque', tesseraOverPeer: 1.4, tesseraOverFloor: 0.18, tesseraOverPeerCpu: null, tesseraOverFloorCpu: null, goal: 2, goalMet: false },
    ]);
  });

  it('reports no ratio (and no verdict) when a side did not run', () => {
    const results = [row('tessera', 'introspect-jwt', 9_000), row('tessera', 'issue-jwt', undefined), row('oidc-provider', 'issue-jwt', 3_000)];
    expect(ratios(results, { 'issue-jwt': 3 })).toEqual([
      { op: 'introspect-jwt', tesseraOverPeer: null, tesseraOverFloor: null, tesseraOverPeerCpu: null, tesseraOverFloorCpu: null, goal: null, goalMet: null },
      { op: 'issue-jwt', tesseraOverPeer: null, tesseraOverFloor: null, tesseraOverPeerCpu: null, tesseraOverFloorCpu: null, goal: 3, goalMet: null },
    ]);
  });
});

describe('bench rounds', () => {
  it('takes the median of each figure per scenario, the maximum peak RSS, and keeps every round', () => {
    const r = (rps: number, cpu: number, rss: number) => [{ name: 's', target: 'tessera', op: 'issue-jwt', rps, p50: 1, p99: 9, cpuUsPerReq: cpu, cpuShare: 0.9, peakRssMiB: rss }];
    const [row] = combineRounds([r(100, 50, 80), r(300, 40, 90), r(200, 70, 85)]);
    expect(row).toMatchObject({ rps: 200, cpuUsPerReq: 50, p50: 1, peakRssMiB: 90 });
    expect(row.rounds.map((x: { rps: number }) => x.rps)).toEqual([100, 300, 200]);
  });

  it('ignores rounds where a scenario failed and keeps their notes', () => {
    const ok = [{ name: 's', target: 'floor', op: 'hello', rps: 10, cpuUsPerReq: 5 }];
    const failed = [{ name: 's', target: 'floor', op: 'hello', note: 'failed: probe answered 500' }];
    const [row] = combineRounds([ok, failed]);
    expect(row).toMatchObject({ rps: 10, cpuUsPerReq: 5, note: 'failed: probe answered 500' });
  });
});

describe('bench per-round ratios', () => {
  const round = (tRps: number, tCpu: number, pRps: number, pCpu: number) => [
    { name: 't', target: 'tessera', op: 'issue-jwt', rps: tRps, cpuUsPerReq: tCpu },
    { name: 'p', target: 'oidc-provider', op: 'issue-jwt', rps: pRps, cpuUsPerReq: pCpu },
  ];

  it('judges the goal on the median of per-round ratios, not on the ratio of medians', () => {
    // Ratio of medians would be 6000/3000 = 2; the pairs measured together say 3.33, 3.33 and 1.
    const [row] = roundRatios([round(10_000, 90, 3_000, 300), round(6_000, 100, 1_800, 310), round(3_000, 95, 3_000, 320)], { 'issue-jwt': 3 });
    expect(row).toMatchObject({ op: 'issue-jwt', tesseraOverPeer: 3.33, tesseraOverPeerCpu: 3.33, goal: 3, goalMet: true, goalMetEveryRound: false });
    expect(row.rounds.map((r: { tesseraOverPeer: number }) => r.tesseraOverPeer)).toEqual([3.33, 3.33, 1]);
  });

  it('does not call a goal met when the peer never ran', () => {
    const rows = [[{ name: 't', target: 'tessera', op: 'issue-jwt', rps: 9_000, cpuUsPerReq: 100 }, { name: 'p', target: 'oidc-provider', op: 'issue-jwt', note: 'not run' }]];
    const [row] = roundRatios([rows[0]!, rows[0]!], { 'issue-jwt': 3 });
    expect(row).toMatchObject({ tesseraOverPeer: null, goalMet: null, goalMetEveryRound: null });
  });
});
