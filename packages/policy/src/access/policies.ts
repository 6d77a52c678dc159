/**
 * Shipped policy sets, as Cedar text. Every policy carries `@id` (a stable id for decision logs) and a
 * forbid carries `@reason` (the stable code returned to the server, which answers `access_denied` and
 * shows the user what to fix). Cedar denies unless some permit matches and any matching forbid wins
 * over every permit, so restrictions are written as forbids added next to the default permit.
 */

/**
 * Tessera out of the box: any authenticated principal may obtain tokens for any API; which client may
 * ask for which scopes and audiences is still enforced by client registration, not here.
 */
export const DEFAULT_POLICIES = `// Everyone who authenticated may proceed; tighten with forbid policies below it.
@id("default.permit-all")
permit (principal, action, resource);
`;

/** Issue 5 example: "jailbroken devices get nothing" — for any API, any action, any principal. */
export const JAILBROKEN_DEVICES_GET_NOTHING = `// A jailbroken or rooted device gets no token for anything. Only a device that reported
// jailbroken = true is refused here; an unknown status is the compliance profile's business.
@id("jailbroken-devices-get-nothing")
@reason("device_jailbroken")
forbid (principal, action, resource)
when { context has device && context.device has jailbroken && context.device.jailbroken };
`;

/**
 * Issue 5 example: "payroll-api only from compliant, bound devices". Three forbids rather than one so
 * that the reason says what to fix. Replace "payroll-api" with your API's audience.
 */
export const PAYROLL_REQUIRES_COMPLIANT_BOUND_DEVICE = `// payroll-api: only from a known device ...
@id("payroll-api.device-required")
@reason("device_required")
forbid (principal, action, resource == Tessera::Api::"payroll-api")
unless { context has device };

// ... that is compliant ...
@id("payroll-api.device-compliant")
@reason("device_not_compliant")
forbid (principal, action, resource == Tessera::Api::"payroll-api")
when { context has device && !context.device.compliant };

// ... and holds the token's DPoP key (RFC 9449), so the token cannot be replayed from elsewhere.
@id("payroll-api.device-bound")
@reason("device_not_bound")
forbid (principal, action, resource == Tessera::Api::"payroll-api")
when { context has device && !context.device.bound };
`;

/** The default permit plus both issue-5 examples: the recommended starting point for device trust. */
export const DEVICE_TRUST_POLICIES = [DEFAULT_POLICIES, JAILBROKEN_DEVICES_GET_NOTHING, PAYROLL_REQUIRES_COMPLIANT_BOUND_DEVICE].join('\n');
