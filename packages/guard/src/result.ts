/** Claims of an RFC 9068 JWT access token or an RFC 7662 introspection response, as the guard sees them. */
export interface AccessTokenClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  client_id?: string;
  /** Space-separated scopes (RFC 9068 §2.2.3, RFC 7662 §2.2). */
  scope?: string;
  /** Authentication context class (OIDC Core §2, RFC 9068 §2.2.1). */
  acr?: string;
  amr?: string[];
  /** Time of the end-user authentication, seconds since the epoch. */
  auth_time?: number;
  sid?: string;
  /** Confirmation (RFC 7800); `jkt` marks a DPoP-bound token (RFC 9449 §6). */
  cnf?: { jkt?: string; [member: string]: unknown };
  [claim: string]: unknown;
}

/** What a successful verification yields; adapters expose it as `request.auth`. */
export interface AuthResult {
  /** How the token was validated: locally as a JWT, or by RFC 7662 introspection. */
  readonly source: 'jwt' | 'introspection';
  readonly claims: Readonly<AccessTokenClaims>;
  /** The token's scopes (the `scope` claim's space-separated items), parsed when first enumerated. */
  readonly scopes: ReadonlySet<string>;
  readonly subject: string | undefined;
  readonly clientId: string | undefined;
  /** `exp` in seconds since the epoch, when the token has one. */
  readonly expiresAt: number | undefined;
  /**
   * The key the token is bound to (RFC 9449 §6: `cnf.jkt`), when it is DPoP-bound. A result with a
   * binding is only ever returned for a request whose DPoP proof was made with that key.
   */
  readonly binding: { readonly jkt: string } | undefined;
  /** The registered device the token is bound to (Tessera's `device_id` claim), when any. */
  readonly deviceId: string | undefined;
}

/** `cnf.jkt` of a token, when it is DPoP-bound (RFC 9449 §6.1, §6.2). */
export function boundJkt(claims: Readonly<AccessTokenClaims>): string | undefined {
  const cnf = claims.cnf;
  if (cnf === undefined || cnf === null || typeof cnf !== 'object') return undefined;
  const jkt = (cnf as { jkt?: unknown }).jkt;
  return typeof jkt === 'string' ? jkt : 'jkt' in cnf ? '' : undefined;
}

/**
 * The scopes of a `scope` claim (space-separated, RFC 6749 §3.3) as a read-only set, parsed only when
 * enumerated: a route check asks `has` for one or two scopes, which a scan of the claim string answers
 * without building a Set (an allocation per request, most of them never enumerated). The claim string
 * is captured at verification, so the set does not change if the claims object is mutated later.
 */
class ScopeSet implements ReadonlySet<string> {
  readonly #scope: string;
  #parsed: ReadonlySet<string> | undefined;

  constructor(scope: string) {
    this.#scope = scope;
  }

  /** Whether `scope` is one of the space-separated items: a whole item, never a prefix or substring. */
  has(value: string): boolean {
    if (typeof value !== 'string' || value === '' || value.includes(' ')) return false;
    const text = this.#scope;
    const end = text.length - value.length;
    for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) {
      if ((at === 0 || text.charCodeAt(at - 1) === 32) && (at === end || text.charCodeAt(at + value.length) === 32)) return true;
    }
    return false;
  }

  /** The parsed items; private fields keep the set's JSON and inspection output as bare as a Set's. */
  get #set(): ReadonlySet<string> {
    return (this.#parsed ??= new Set(this.#scope.split(' ').filter((s) => s !== '')));
  }

  get size(): number {
    return this.#set.size;
  }

  forEach(callback: (value: string, key: string, set: ReadonlySet<string>) => void, thisArg?: unknown): void {
    this.#set.forEach((value) => callback.call(thisArg, value, value, this));
  }

  entries(): SetIterator<[string, string]> {
    return this.#set.entries();
  }

  keys(): SetIterator<string> {
    return this.#set.keys();
  }

  values(): SetIterator<string> {
    return this.#set.values();
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.#set.values();
  }

  get [Symbol.toStringTag](): string {
    return 'ScopeSet';
  }
}

export function toResult(source: AuthResult['source'], claims: AccessTokenClaims, deviceIdClaim = 'device_id'): AuthResult {
  const jkt = boundJkt(claims);
  const device = claims[deviceIdClaim];
  return {
    source,
    claims,
    scopes: new ScopeSet(typeof claims.scope === 'string' ? claims.scope : ''),
    subject: typeof claims.sub === 'string' ? claims.sub : undefined,
    clientId: typeof claims.client_id === 'string' ? claims.client_id : undefined,
    expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
    binding: jkt === undefined ? undefined : { jkt },
    deviceId: typeof device === 'string' ? device : undefined,
  };
}
