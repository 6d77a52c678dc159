/**
 * The Cedar schema of Tessera's access decisions (Cedar schema syntax). Every policy set is validated
 * against it at load, so a policy that reads a misspelt attribute or compares a string with a boolean
 * is refused before it can decide anything.
 *
 * - `User` is the signed-in person; `groups` come from the user store. The authentication context
 *   class (`acr`, OIDC Core §2) describes the sign-in, not the person, so it is in the context.
 * - `Client` is the OAuth client (RFC 6749 §2), `Api` the protected resource, identified by the
 *   audience / resource indicator (RFC 8707) the token is for: `Tessera::Api::"payroll-api"`.
 * - `Device` is the device the request comes from, with the compliance engine's verdict
 *   (`compliant`, `reasons` = compliance reason codes) and `bound` = the token is DPoP-bound (RFC 9449)
 *   to a key registered for this device. Raw signals are optional: absent means unknown, as in
 *   `DeviceSignals`; policies must test them with `has`.
 * - Two actions: `authorize` (the authorization endpoint, a user is present) and `token` (every token
 *   grant including refresh; the principal is the client for client_credentials).
 */
export const TESSERA_SCHEMA = `namespace Tessera {
  entity User = {
    groups: Set<String>,
  };
  entity Client;
  entity Api;
  entity Device = {
    platform: String,
    compliant: Bool,
    bound: Bool,
    reasons: Set<String>,
    managed?: Bool,
    jailbroken?: Bool,
    diskEncrypted?: Bool,
    passcodeCompliant?: Bool,
    osVersion?: String,
  };

  type RequestContext = {
    client: Client,
    audience: String,
    scopes: Set<String>,
    grantType: String,
    acr?: String,
    device?: Device,
  };

  action authorize appliesTo {
    principal: [User],
    resource: [Api],
    context: RequestContext,
  };
  action token appliesTo {
    principal: [User, Client],
    resource: [Api],
    context: RequestContext,
  };
}
`;
