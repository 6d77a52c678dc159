import type { AccessRequest, DevicePosture, Platform } from '../../src/index.js';

/** A posture row of the grids: `undefined` device = the request comes from no known device. */
export interface Posture {
  readonly device: boolean;
  readonly compliant: boolean;
  readonly bound: boolean;
  readonly jailbroken: boolean | undefined;
  readonly platform: Platform;
}

const bools = [true, false] as const;

/** device absent, plus every combination of compliant × bound × jailbroken(yes/no/unknown) × platform. */
export function postureGrid(platforms: readonly Platform[] = ['ios', 'android', 'macos', 'windows']): Posture[] {
  const rows: Posture[] = [{ device: false, compliant: false, bound: false, jailbroken: undefined, platform: 'ios' }];
  for (const compliant of bools)
    for (const bound of bools)
      for (const jailbroken of [true, false, undefined])
        for (const platform of platforms) rows.push({ device: true, compliant, bound, jailbroken, platform });
  return rows;
}

export function describePosture(p: Posture): string {
  if (!p.device) return 'no device';
  const jb = p.jailbroken === undefined ? 'jailbreak unknown' : p.jailbroken ? 'jailbroken' : 'intact';
  return `${p.platform} ${p.compliant ? 'compliant' : 'non-compliant'} ${p.bound ? 'bound' : 'unbound'} ${jb}`;
}

export function deviceOf(p: Posture): DevicePosture | undefined {
  if (!p.device) return undefined;
  return {
    id: `dev-${p.platform}`,
    platform: p.platform,
    compliant: p.compliant,
    bound: p.bound,
    reasons: p.compliant ? [] : ['disk_not_encrypted'],
    jailbroken: p.jailbroken,
    managed: true,
    osVersion: '17.4',
  };
}

export function request(over: Partial<AccessRequest> = {}): AccessRequest {
  return {
    action: 'token',
    user: { id: 'alice', groups: ['staff'] },
    client: { id: 'web-app' },
    audience: 'hr-api',
    scopes: ['openid', 'read'],
    grantType: 'authorization_code',
    acr: 'urn:tessera:acr:mfa',
    ...over,
  };
}
