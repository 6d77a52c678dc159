import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES, PolicyEngine, PolicyLoadError, TESSERA_SCHEMA, loadPolicySet } from '../../src/index.js';
import { deviceOf, request } from './fixtures.js';

function refusal(load: () => unknown): PolicyLoadError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyLoadError);
    return error as PolicyLoadError;
  }
  throw new Error('expected the policy set to be refused');
}

const SYNTAX_ERROR = `@id("broken")
permit (principal, action, resource) when { context.scopes.contains("x") `;

const SCHEMA_VIOLATION = `@id("typo")
permit (principal, action, resource) when { context.device.compliantt };`;

const TYPE_VIOLATION = `@id("wrong-type")
permit (principal, action, resource) when { context has device && context.device.compliant == "yes" };`;

const UNGUARDED_OPTIONAL = `@id("no-has")
forbid (principal, action, resource) when { context.device.jailbroken };`;

describe('loadPolicySet validates syntax and schema at load', () => {
  it('loads the default policy set against the Tessera schema', () => {
    const set = loadPolicySet(DEFAULT_POLICIES);
    expect([...set.policies.keys()]).toEqual(['default.permit-all']);
    expect(set.schema).toBe(TESSERA_SCHEMA);
  });

  it('refuses a policy with a syntax error, carrying Cedar\'s parse message', () => {
    const error = refusal(() => loadPolicySet(SYNTAX_ERROR));
    expect(error.stage).toBe('syntax');
    expect(error.messages.join('\n')).toMatch(/unexpected end of input/);
  });

  it('refuses a policy reading an attribute the schema does not declare, with Cedar\'s suggestion', () => {
    const error = refusal(() => loadPolicySet(SCHEMA_VIOLATION));
    expect(error.stage).toBe('validation');
    expect(error.messages.join('\n')).toMatch(/policy typo: .*attribute `compliantt`.*not found/);
    expect(error.messages.join('\n')).toMatch(/did you mean `compliant`/);
  });

  it('refuses a policy comparing a boolean with a string', () => {
    expect(refusal(() => loadPolicySet(TYPE_VIOLATION)).stage).toBe('validation');
  });

  it('refuses a policy reading an optional attribute without `has` (it could error at runtime)', () => {
    expect(refusal(() => loadPolicySet(UNGUARDED_OPTIONAL)).stage).toBe('validation');
  });

  it('refuses a policy naming an entity type the schema does not have', () => {
    const error = refusal(() => loadPolicySet('@id("x")\npermit (principal is Tessera::Robot, action, resource);'));
    expect(error.stage).toBe('validation');
  });

  it('refuses a broken schema with Cedar\'s message', () => {
    const error = refusal(() => loadPolicySet(DEFAULT_POLICIES, 'namespace Tessera { entity User = { ; }'));
    expect(error.stage).toBe('schema');
    expect(error.messages.length).toBeGreaterThan(0);
  });

  it('refuses a policy without @id, since decision logs need stable ids', () => {
    const error = refusal(() => loadPolicySet('permit (principal, action, resource);'));
    expect(error).toMatchObject({ stage: 'annotations', messages: ['policy #1: needs @id("…") of letters, digits and . _ : -'] });
  });

  it('refuses two policies with the same @id', () => {
    const error = refusal(() => loadPolicySet(`${DEFAULT_POLICIES}\n${DEFAULT_POLICIES}`));
    expect(error.messages).toEqual(['policy #2: duplicate @id("default.permit-all")']);
  });

  it('refuses a @reason that is not a snake_case code', () => {
    const error = refusal(() => loadPolicySet('@id("x") @reason("Device is bad!")\nforbid (principal, action, resource);'));
    expect(error.messages).toEqual(['policy #1: @reason must be a snake_case code, got "Device is bad!"']);
  });

  it('refuses policy templates', () => {
    expect(refusal(() => loadPolicySet('@id("t")\npermit (principal == ?principal, action, resource);')).stage).toBe('syntax');
  });

  it('refuses a non-string policy text', () => {
    expect(refusal(() => loadPolicySet(42 as unknown as string)).stage).toBe('syntax');
  });
});

describe('PolicyEngine.reload keeps the old policy in force when the new one is refused', () => {
  const FORBID_PAYROLL = `${DEFAULT_POLICIES}
@id("payroll-closed") @reason("payroll_closed")
forbid (principal, action, resource == Tessera::Api::"payroll-api");`;
  const payroll = request({ audience: 'payroll-api' });

  it.each([
    ['a syntax error', SYNTAX_ERROR, 'syntax'],
    ['a schema violation', SCHEMA_VIOLATION, 'validation'],
    ['a missing @id', 'permit (principal, action, resource);', 'annotations'],
  ])('on %s: throws with Cedar\'s message, and decisions and the set in force are unchanged', (_d, broken, stage) => {
    const engine = PolicyEngine.fromText(FORBID_PAYROLL);
    const before = engine.current;
    expect(engine.decide(payroll)).toMatchObject({ decision: 'deny', reasons: ['payroll_closed'] });

    expect(() => engine.reload(broken)).toThrow(PolicyLoadError);
    expect(refusal(() => engine.reload(broken)).stage).toBe(stage);

    expect(engine.current).toBe(before);
    expect(engine.decide(payroll)).toMatchObject({ decision: 'deny', reasons: ['payroll_closed'], policies: ['payroll-closed'] });
    expect(engine.decide(request({ audience: 'hr-api' })).decision).toBe('allow');
  });

  it('on a schema that does not parse: the old set and its schema stay in force', () => {
    const engine = PolicyEngine.fromText(FORBID_PAYROLL);
    expect(() => engine.reload(DEFAULT_POLICIES, 'not a schema {')).toThrow(PolicyLoadError);
    expect(engine.current.schema).toBe(TESSERA_SCHEMA);
    expect(engine.decide(payroll).decision).toBe('deny');
  });

  it('swaps in a valid new set, which decides from then on', () => {
    const engine = PolicyEngine.fromText(FORBID_PAYROLL);
    const next = engine.reload(DEFAULT_POLICIES);
    expect(engine.current).toBe(next);
    expect(engine.decide(payroll)).toMatchObject({ decision: 'allow', policies: ['default.permit-all'] });
  });

  it('keeps working across many reloads (replaced sets are released from Cedar\'s cache)', () => {
    const engine = PolicyEngine.fromText(DEFAULT_POLICIES);
    for (let i = 0; i < 50; i++) engine.reload(i % 2 ? DEFAULT_POLICIES : FORBID_PAYROLL);
    expect(engine.decide(payroll).decision).toBe('allow');
    const device = deviceOf({ device: true, compliant: true, bound: true, jailbroken: false, platform: 'ios' });
    expect(engine.decide(request({ audience: 'payroll-api', device })).decision).toBe('allow');
  });

  it('a released set no longer allows anything (fails closed if it were ever evaluated)', () => {
    const old = loadPolicySet(DEFAULT_POLICIES);
    const engine = new PolicyEngine(old);
    engine.reload(DEFAULT_POLICIES);
    expect(new PolicyEngine(old).decide(payroll).decision).toBe('deny');
  });
});
