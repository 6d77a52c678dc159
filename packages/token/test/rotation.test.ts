import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPublished, planDecommission, planRotation, type KeyView, type RotationAction, type RotationPolicy } from '../src/index.js';

const HOUR = 3600;
const DAY = 24 * HOUR;
const policy: RotationPolicy = { alg: 'EdDSA', rotationPeriod: 30 * DAY, publishAhead: DAY, retainAfterRetire: 2 * DAY };
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

interface ModelKey extends KeyView {
  activatedAt?: Date;
  bootstrapped?: boolean;
}

/** Applies actions with the store's semantics: inserts always land, transitions are compare-and-set. */
class Model {
  keys: ModelKey[] = [];
  deleted: ModelKey[] = [];
  private n = 0;

  apply(actions: RotationAction[], now: Date): void {
    for (const action of actions) {
      switch (action.type) {
        case 'create-current':
        case 'create-next':
          this.keys.push({
            kid: `k${String(++this.n).padStart(4, '0')}`,
            alg: action.alg,
            state: action.type === 'create-current' ? 'current' : 'next',
            createdAt: now,
            activatesAt: action.activatesAt,
            retiredAt: null,
            removeAfter: null,
            ...(action.type === 'create-current' ? { activatedAt: now, bootstrapped: true } : {}),
          });
          break;
        case 'activate': {
          const key = this.keys.find((k) => k.kid === action.kid && k.state === 'next');
          if (key) Object.assign(key, { state: 'current', activatesAt: action.activatesAt, activatedAt: now });
          break;
        }
        case 'retire': {
          const key = this.keys.find((k) => k.kid === action.kid && k.state === action.from);
          if (key) Object.assign(key, { state: 'retired', retiredAt: action.retiredAt, removeAfter: action.removeAfter });
          break;
        }
        case 'delete': {
          const index = this.keys.findIndex((k) => k.kid === action.kid);
          if (index >= 0) this.deleted.push(...this.keys.splice(index, 1).map((k) => ({ ...k, deletedAt: now })));
          break;
        }
      }
    }
  }

  tick(now: Date, p: RotationPolicy = policy, racing = false): void {
    const view = this.keys.map((k) => ({ ...k }));
    const actions = planRotation(view, now, p);
    this.apply(actions, now);
    if (racing) this.apply(planRotation(view, now, p), now); // a second node acting on the same stale view
    this.apply(planRotation(this.keys.map((k) => ({ ...k })), now, p), now); // the reload-and-repair pass
  }

  get currents() {
    return this.keys.filter((k) => k.state === 'current');
  }
}

describe('planRotation', () => {
  it('bootstraps an empty store with a current key at once and schedules the next', () => {
    const actions = planRotation([], T0, policy);
    expect(actions).toEqual([
      { type: 'create-current', alg: 'EdDSA', activatesAt: T0 },
      { type: 'create-next', alg: 'EdDSA', activatesAt: at(policy.rotationPeriod) },
    ]);
  });

  it('does nothing more once bootstrapped (the plan is a fixpoint)', () => {
    const model = new Model();
    model.tick(T0);
    expect(planRotation(model.keys, T0, policy)).toEqual([]);
    expect(planRotation(model.keys, at(policy.rotationPeriod - 1), policy)).toEqual([]);
  });

  it('publishes the next key before it signs and activates it on schedule', () => {
    const model = new Model();
    model.tick(T0);
    const [first, next] = model.keys;
    expect(next!.state).toBe('next');
    expect(isPublished(next!, T0)).toBe(true);
    model.tick(at(policy.rotationPeriod));
    expect(model.currents.map((k) => k.kid)).toEqual([next!.kid]);
    expect(first!.state).toBe('retired');
    expect(first!.removeAfter).toEqual(at(policy.rotationPeriod + policy.retainAfterRetire));
    expect(model.keys.filter((k) => k.state === 'next')).toHaveLength(1);
  });

  it('waits until a next key has been published for publishAhead even when its activatesAt has passed', () => {
    const current: KeyView = { kid: 'c', alg: 'EdDSA', state: 'current', createdAt: T0, activatesAt: T0, retiredAt: null, removeAfter: null };
    const next: KeyView = { kid: 'n', alg: 'EdDSA', state: 'next', createdAt: at(10 * DAY), activatesAt: at(DAY), retiredAt: null, removeAfter: null };
    expect(planRotation([current, next], at(10 * DAY + HOUR), policy)).toEqual([]);
    expect(planRotation([current, next], at(11 * DAY), policy).map((a) => a.type)).toEqual(['activate', 'retire', 'create-next']);
  });

  it('keeps a retired key published until removeAfter, then deletes it', () => {
    const retired: KeyView = { kid: 'r', alg: 'EdDSA', state: 'retired', createdAt: T0, activatesAt: T0, retiredAt: at(DAY), removeAfter: at(3 * DAY) };
    expect(isPublished(retired, at(3 * DAY - 1))).toBe(true);
    expect(isPublished(retired, at(3 * DAY))).toBe(false);
    expect(planRotation([retired], at(3 * DAY - 1), policy).some((a) => a.type === 'delete')).toBe(false);
    expect(planRotation([retired], at(3 * DAY), policy)).toContainEqual({ type: 'delete', kid: 'r' });
  });

  it('plans per algorithm and ignores keys of other algorithms', () => {
    const es: KeyView = { kid: 'e', alg: 'ES256', state: 'current', createdAt: T0, activatesAt: T0, retiredAt: null, removeAfter: null };
    expect(planRotation([es], T0, policy)[0]).toEqual({ type: 'create-current', alg: 'EdDSA', activatesAt: T0 });
  });

  it('repairs two nodes bootstrapping at once: one current survives, the other retires with full retention', () => {
    const model = new Model();
    model.tick(T0, policy, true);
    expect(model.currents).toHaveLength(1);
    const loser = model.keys.find((k) => k.bootstrapped && k.state === 'retired');
    expect(loser?.removeAfter).toEqual(at(policy.retainAfterRetire));
    expect(model.keys.filter((k) => k.state === 'next')).toHaveLength(1);
  });

  it('winds down an algorithm no longer configured: current retires with full retention, next leaves at once', () => {
    const now = at(10 * DAY);
    const keys: KeyView[] = [
      { kid: 'c', alg: 'RS256', state: 'current', createdAt: T0, activatesAt: T0, retiredAt: null, removeAfter: null },
      { kid: 'n', alg: 'RS256', state: 'next', createdAt: T0, activatesAt: at(30 * DAY), retiredAt: null, removeAfter: null },
      { kid: 'old', alg: 'RS256', state: 'retired', createdAt: T0, activatesAt: T0, retiredAt: T0, removeAfter: at(DAY) },
      { kid: 'ed', alg: 'EdDSA', state: 'current', createdAt: T0, activatesAt: T0, retiredAt: null, removeAfter: null },
    ];
    expect(planDecommission(keys, now, 'RS256', 2 * DAY)).toEqual([
      { type: 'retire', kid: 'c', from: 'current', retiredAt: now, removeAfter: at(12 * DAY) },
      { type: 'retire', kid: 'n', from: 'next', retiredAt: now, removeAfter: now },
      { type: 'delete', kid: 'old' },
    ]);
  });

  it('refuses a policy with non-positive durations', () => {
    expect(() => planRotation([], T0, { ...policy, publishAhead: 0 })).toThrow(RangeError);
    expect(() => planRotation([], T0, { ...policy, rotationPeriod: Number.NaN })).toThrow(RangeError);
  });

  it('keeps its invariants over random timelines, including racing nodes (fast-check)', () => {
    const arbPolicy = fc.record({
      rotationPeriod: fc.integer({ min: 60, max: 40 * DAY }),
      publishAhead: fc.integer({ min: 1, max: 3 * DAY }),
      retainAfterRetire: fc.integer({ min: 1, max: 5 * DAY }),
    });
    const arbSteps = fc.array(fc.record({ dt: fc.integer({ min: 1, max: 50 * DAY }), racing: fc.boolean() }), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(arbPolicy, arbSteps, (times, steps) => {
        const p: RotationPolicy = { alg: 'EdDSA', ...times };
        const model = new Model();
        let t = 0;
        model.tick(at(t), p);
        for (const step of steps) {
          t += step.dt;
          model.tick(at(t), p, step.racing);
          // Exactly one current key once bootstrapped.
          expect(model.currents).toHaveLength(1);
          // The current key is published; at most one next.
          expect(isPublished(model.currents[0]!, at(t))).toBe(true);
          expect(model.keys.filter((k) => k.state === 'next').length).toBeLessThanOrEqual(1);
        }
        for (const key of [...model.keys, ...model.deleted]) {
          // A key is published for at least publishAhead before it signs (bootstrap excepted).
          if (key.activatedAt && !key.bootstrapped) {
            expect(key.activatedAt.getTime() - key.createdAt.getTime()).toBeGreaterThanOrEqual(p.publishAhead * 1000);
          }
          // A key that signed stays published until retiredAt + retainAfterRetire.
          if (key.activatedAt && key.state === 'retired') {
            expect(key.removeAfter!.getTime()).toBeGreaterThanOrEqual(key.retiredAt!.getTime() + p.retainAfterRetire * 1000);
          }
        }
        for (const key of model.deleted as Array<ModelKey & { deletedAt: Date }>) {
          if (key.activatedAt) expect(key.deletedAt.getTime()).toBeGreaterThanOrEqual(key.removeAfter!.getTime());
        }
      }),
      { numRuns: 300 },
    );
  });
});
