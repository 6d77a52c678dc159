import { describe, expect, it } from 'vitest';
import { ratios } from './report.js';

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
