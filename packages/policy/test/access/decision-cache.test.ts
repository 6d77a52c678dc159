import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES, PolicyEngine } from '../../src/index.js';
import { request } from './fixtures.js';

const FORBID_HR = `${DEFAULT_POLICIES}\n@id("no-hr") @reason("hr_closed")\nforbid (principal, action, resource == Tessera::Api::"hr-api");`;

describe('decision cache', () => {
  it('answers a repeated request from the cache with the identical decision', () => {
    const engine = PolicyEngine.fromText(DEFAULT_POLICIES);
    const first = engine.decide(request());
    expect(engine.decide(request())).toBe(first);
    expect(engine.cachedDecisions).toBe(1);
  });

  it('does not confuse requests that differ in one attribute', () => {
    const engine = PolicyEngine.fromText(FORBID_HR);
    expect(engine.decide(request({ audience: 'hr-api' })).decision).toBe('deny');
    expect(engine.decide(request({ audience: 'hr-apj' })).decision).toBe('allow');
    expect(engine.decide(request({ audience: 'hr-api' })).decision).toBe('deny');
  });

  it('is emptied when a new policy set is put in force, so the new set decides at once', () => {
    const engine = PolicyEngine.fromText(DEFAULT_POLICIES);
    expect(engine.decide(request({ audience: 'hr-api' })).decision).toBe('allow');
    engine.reload(FORBID_HR);
    expect(engine.cachedDecisions).toBe(0);
    expect(engine.decide(request({ audience: 'hr-api' }))).toMatchObject({ decision: 'deny', reasons: ['hr_closed'] });
  });

  it('keeps cached decisions after a refused reload (the old set is still in force)', () => {
    const engine = PolicyEngine.fromText(FORBID_HR);
    engine.decide(request({ audience: 'hr-api' }));
    expect(() => engine.reload('not cedar')).toThrow();
    expect(engine.cachedDecisions).toBe(1);
    expect(engine.decide(request({ audience: 'hr-api' })).decision).toBe('deny');
  });

  it('never holds more than its capacity, evicting the least recently used', () => {
    const engine = PolicyEngine.fromText(DEFAULT_POLICIES, undefined, { decisionCacheSize: 2 });
    const a = engine.decide(request({ audience: 'a' }));
    engine.decide(request({ audience: 'b' }));
    expect(engine.decide(request({ audience: 'a' }))).toBe(a); // a is now most recent
    engine.decide(request({ audience: 'c' })); // evicts b
    expect(engine.cachedDecisions).toBe(2);
    expect(engine.decide(request({ audience: 'a' }))).toBe(a);
  });

  it('can be turned off', () => {
    const engine = PolicyEngine.fromText(DEFAULT_POLICIES, undefined, { decisionCacheSize: 0 });
    const first = engine.decide(request());
    expect(engine.decide(request())).not.toBe(first);
    expect(engine.decide(request())).toEqual(first);
    expect(engine.cachedDecisions).toBe(0);
  });

  it('hands out frozen decisions, so one caller cannot change another\'s answer', () => {
    const decision = PolicyEngine.fromText(FORBID_HR).decide(request({ audience: 'hr-api' }));
    expect(Object.isFrozen(decision) && Object.isFrozen(decision.reasons) && Object.isFrozen(decision.policies)).toBe(true);
  });
});
