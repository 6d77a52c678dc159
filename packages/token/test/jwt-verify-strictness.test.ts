import { sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenError, verifyJwt, type SigningAlg } from '../src/index.js';
import { decodeAsciiSegmentInto, decodeSegmentInto } from '../src/jwt/segments.js';
import { b64, claims, forge, keyFor, keyring } from './helpers.js';

/**
 * The verify hot path decodes into reused buffers and checks canonical base64url by decoded length, a
 * search for '+' and '/', the unused bits and one ASCII check of the whole token, UTF-8
 * by the decoder's replacement characters, duplicate names by a separator bound. These tests pin the
 * strictness each shortcut must keep, with inputs aimed at the shortcuts themselves.
 */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof TokenError ? error.code : `not a TokenError: ${String(error)}`;
  }
  return 'accepted';
}

/** Sign exactly these bytes as the signing input (an attacker's signer, not ours). */
function signBytes(input: Buffer, key: KeyObject, alg: SigningAlg): string {
  if (alg === 'EdDSA') return b64(sign(null, input, key));
  if (alg === 'ES256') return b64(sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' }));
  return b64(sign('sha256', input, key));
}

describe('verifyJwt keeps every strictness check on its fast path (RFC 7515 §2, §7.1; RFC 8725 §3.7)', async () => {
  const ed = await keyFor('EdDSA');
  const es = await keyFor('ES256');
  const rs = await keyFor('RS256');
  const getKey = keyring(ed, es, rs);
  const options = { typ: 'at+jwt', getKey };
  const header = (key = ed) => JSON.stringify({ alg: key.alg, typ: 'at+jwt', kid: key.kid });
  const body = JSON.stringify(claims());
  const signed = { EdDSA: ed, ES256: es, RS256: rs };

  for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
    const key = signed[alg];

    it(`${alg}: refuses a right-length signature spelled with standard base64 characters (RFC 7515 §2)`, () => {
      // Node's decoder reads '+' and '/' as '-' and '_', so the bytes would verify: the spelling must not.
      let token = '';
      for (let i = 0; !/[-_]/.test(token.split('.')[2] ?? ''); i++) {
        token = forge(header(key), JSON.stringify(claims({ jti: `jti-${i}` })), key.privateKey, alg);
      }
      expect(refusal(() => verifyJwt(token, options))).toBe('accepted');
      const [h, p, s] = token.split('.') as [string, string, string];
      const i = s.search(/[-_]/);
      const twin = `${s.slice(0, i)}${s[i] === '-' ? '+' : '/'}${s.slice(i + 1)}`;
      expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(s, 'base64url'));
      expect(refusal(() => verifyJwt(`${h}.${p}.${twin}`, options))).toBe('malformed');
    });

    it(`${alg}: a wrong-length signature is bad_signature when clean, malformed when not base64url`, () => {
      const [h, p, s] = forge(header(key), body, key.privateKey, alg).split('.') as [string, string, string];
      expect(refusal(() => verifyJwt(`${h}.${p}.${s}AA`, options))).toBe('bad_signature');
      expect(refusal(() => verifyJwt(`${h}.${p}.${s}!!`, options))).toBe('malformed');
      expect(refusal(() => verifyJwt(`${h}.${p}.${s.slice(0, -2)}!!`, options))).toBe('malformed');
    });
  }

  it('refuses a signed payload whose spelling is not canonical (unused bits set)', () => {
    const h = b64(header());
    let p = b64(body);
    if (p.length % 4 === 0) p = b64(`${body} `);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = `${p.slice(0, -1)}${alphabet[alphabet.indexOf(p[p.length - 1]!) + 1]}`;
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(p, 'base64url'));
    const input = `${h}.${twin}`;
    expect(refusal(() => verifyJwt(`${input}.${signBytes(Buffer.from(input), ed.privateKey, 'EdDSA')}`, options))).toBe('malformed');
  });

  it('refuses non-ASCII characters that Latin-1 truncation would turn into base64url letters', () => {
    // U+0141 truncates to 0x41 'A': a verifier writing the signing input as Latin-1 without checking the
    // alphabet first would verify this signature, made over the truncated bytes.
    const [h, p] = forge(header(), body, ed.privateKey, 'EdDSA').split('.') as [string, string];
    const at = p.indexOf('A') === -1 ? 0 : p.indexOf('A');
    const sneaky = `${p.slice(0, at)}\u0141${p.slice(at + 1)}`;
    const input = `${h}.${sneaky}`;
    const signature = signBytes(Buffer.from(input, 'latin1'), ed.privateKey, 'EdDSA');
    expect(refusal(() => verifyJwt(`${input}.${signature}`, options))).toBe('malformed');
    const good = forge(header(), body, ed.privateKey, 'EdDSA');
    const [gh, gp, gs] = good.split('.') as [string, string, string];
    const sat = gs.indexOf('A') === -1 ? 0 : gs.indexOf('A');
    expect(refusal(() => verifyJwt(`${gh}.${gp}.${gs.slice(0, sat)}\u0141${gs.slice(sat + 1)}`, options))).toBe('malformed');
  });

  it('refuses every UTF-16 code unit outside the base64url alphabet at any place of payload and signature as malformed', () => {
    // The hot path does not re-encode: it relies on Node's decoder skipping (or stopping at) every
    // non-alphabet ASCII character, refuses '+' and '/' by search and non-ASCII by the signing-input
    // write. All 65,536 code units, in a payload group's four places, its last place and the signature's.
    const token = forge(header(), body, ed.privateKey, 'EdDSA');
    const payloadStart = token.indexOf('.') + 1;
    const payloadEnd = token.lastIndexOf('.');
    const places = [payloadStart, payloadStart + 1, payloadStart + 2, payloadStart + 3, payloadEnd - 1, payloadEnd + 1, token.length - 1];
    const alphabet = new Set('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''));
    for (const at of places) {
      const outcomes = new Map<string, number>();
      for (let unit = 0; unit < 0x10000; unit++) {
        const c = String.fromCharCode(unit);
        if (alphabet.has(c) || c === '.') continue;
        const code = refusal(() => verifyJwt(`${token.slice(0, at)}${c}${token.slice(at + 1)}`, options));
        outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
      }
      expect(Object.fromEntries(outcomes)).toEqual({ malformed: 0x10000 - 65 });
    }
  });

  it('decodes without re-encoding exactly the spellings the re-encoding check accepts, for every ASCII character', () => {
    // Segments of 2, 3, 4, 6, 7 and 8 characters (every tail length), every ASCII character in every place.
    const scratch = Buffer.alloc(16);
    const outcome = (decode: typeof decodeSegmentInto, segment: string) => {
      try {
        return `ok ${scratch.subarray(0, decode(segment, scratch, 0, 'x')).toString('hex')}`;
      } catch (error) {
        return error instanceof TokenError ? error.code : String(error);
      }
    };
    const differing = new Set<string>();
    for (const base of ['QQ', 'QUI', 'QUJD', 'QUJDRA', 'QUJDREU', 'QUJDREVG']) {
      for (let at = 0; at < base.length; at++) {
        for (let unit = 0; unit < 128; unit++) {
          const segment = `${base.slice(0, at)}${String.fromCharCode(unit)}${base.slice(at + 1)}`;
          if (outcome(decodeAsciiSegmentInto, segment) !== outcome(decodeSegmentInto, segment)) differing.add(String.fromCharCode(unit));
        }
      }
    }
    // '+' and '/' are left to verifyJwt's search over the whole token (the test above).
    expect([...differing].sort()).toEqual(['+', '/']);
  });

  it('accepts a correctly encoded U+FFFD and refuses each kind of ill-formed UTF-8 (RFC 8725 §3.7)', () => {
    const withText = (bytes: number[]) =>
      Buffer.concat([Buffer.from(body.slice(0, -1) + ',"note":"'), Buffer.from(bytes), Buffer.from('"}')]);
    expect(refusal(() => verifyJwt(forge(header(), withText([0xef, 0xbf, 0xbd]), ed.privateKey, 'EdDSA'), options))).toBe('accepted');
    const illFormed = [
      [0xc0, 0xaf], // overlong '/'
      [0xe0, 0x80, 0xaf], // overlong, three bytes
      [0xed, 0xa0, 0x80], // UTF-16 surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xe2, 0x82], // truncated
      [0x80], // lone continuation byte
      [0xef, 0xbf, 0xbd, 0xff], // a real U+FFFD next to an ill-formed byte
    ];
    for (const bytes of illFormed) {
      expect(refusal(() => verifyJwt(forge(header(), withText(bytes), ed.privateKey, 'EdDSA'), options))).toBe('invalid_utf8');
    }
  });

  it('finds a repeated member name whatever precedes the separator or hides in strings (RFC 7515 §4)', () => {
    const payloads = [
      '{"x":"a\\":","sub":"a","sub":"b","exp":1}', // a string holding `":`
      '{"x":"a \\" :","sub":"a","sub":"b","exp":1}', // a string holding `" :`
      '{"sub":"a",\n"sub"\n:\n"b","exp":1}', // newlines around the separator
      '{"sub":"a",\t"sub"\t:"b","exp":1}',
      '{"sub":"a","sub"\r:"b","exp":1}',
    ];
    for (const payload of payloads) {
      expect(refusal(() => verifyJwt(forge(header(), payload, ed.privateKey, 'EdDSA'), options))).toBe('duplicate_member');
    }
    const clean = '{"x":"a\\":","y" : "b\\" :","sub":"a","exp":1}';
    expect(verifyJwt(forge(header(), clean, ed.privateKey, 'EdDSA'), options).payload.y).toBe('b" :');
  });

  it('verifies a token beyond the scratch space when the caller raises maxLength, and still refuses it forged', () => {
    const large = JSON.stringify(claims({ blob: 'x'.repeat(40_000) }));
    const token = forge(header(rs), large, rs.privateKey, 'RS256');
    expect(token.length).toBeGreaterThan(2 * 16 * 1024);
    const roomy = { ...options, maxLength: 128 * 1024 };
    expect(verifyJwt(token, roomy).payload.blob).toHaveLength(40_000);
    const [h, , s] = token.split('.') as [string, string, string];
    const swapped = b64(JSON.stringify(claims({ blob: 'y'.repeat(40_000) })));
    expect(refusal(() => verifyJwt(`${h}.${swapped}.${s}`, roomy))).toBe('bad_signature');
  });

  it('a getKey that verifies another token meanwhile disturbs neither verification', () => {
    const outer = forge(header(rs), JSON.stringify(claims({ sub: 'outer' })), rs.privateKey, 'RS256');
    const inner = forge(header(es), JSON.stringify(claims({ sub: 'inner', pad: 'z'.repeat(500) })), es.privateKey, 'ES256');
    const nested = {
      typ: 'at+jwt',
      getKey: (kid: string | undefined) => {
        expect(verifyJwt(inner, options).payload.sub).toBe('inner');
        return getKey(kid);
      },
    };
    expect(verifyJwt(outer, nested).payload.sub).toBe('outer');
    const [h, , s] = outer.split('.') as [string, string, string];
    expect(refusal(() => verifyJwt(`${h}.${b64(JSON.stringify(claims({ sub: 'admin' })))}.${s}`, nested))).toBe('bad_signature');
  });

  it('a refused token leaves nothing behind: keys and algorithms interleave with forged tokens', () => {
    const tokens = (['EdDSA', 'ES256', 'RS256'] as const).map((alg) => forge(header(signed[alg]), body, signed[alg].privateKey, alg));
    const forged = tokens.map((t) => `${t.slice(0, t.lastIndexOf('.'))}.${b64(Buffer.alloc(Buffer.from(t.split('.')[2]!, 'base64url').length, 7))}`);
    for (let round = 0; round < 3; round++) {
      tokens.forEach((token, i) => {
        expect(refusal(() => verifyJwt(forged[i]!, options))).toBe('bad_signature');
        expect(refusal(() => verifyJwt(token, options))).toBe('accepted');
      });
    }
  });
});
