import { decodeJwt, decodeProtectedHeader } from 'jose';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenError, createJwtSigner, verifyJwt } from '../src/index.js';
import { forge, keyFor, keyring } from './helpers.js';

const claimSets = fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 });

describe('JWT codec over random claim sets (fast-check)', async () => {
  const key = await keyFor('EdDSA');
  const signer = createJwtSigner(key);
  const getKey = keyring(key);

  it('round-trips any JSON claim set, agreeing with jose’s decoder (no false duplicate, UTF-8 intact)', () => {
    fc.assert(
      fc.property(claimSets, (claims) => {
        const token = signer.sign(claims, 'at+jwt');
        const expected = JSON.parse(JSON.stringify(claims));
        expect(verifyJwt(token, { typ: 'at+jwt', getKey, maxLength: 1 << 20 }).payload).toEqual(expected);
        expect(decodeJwt(token)).toEqual(expected);
        expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any claim set in which one member name is repeated, at the top or nested (C-44)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 10 }),
        fc.jsonValue({ maxDepth: 2 }),
        fc.jsonValue({ maxDepth: 2 }),
        claimSets,
        fc.boolean(),
        (name, first, second, rest, nested) => {
          const member = (v: unknown) => `${JSON.stringify(name)}:${JSON.stringify(v)}`;
          const inner = `{${member(first)},${member(second)}}`;
          const others = JSON.stringify(rest).slice(1, -1);
          const text = nested ? `{"x":${inner}${others ? ',' + others : ''}}` : `{${others ? others + ',' : ''}${inner.slice(1, -1)}}`;
          const token = forge(JSON.stringify({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid }), text, key.privateKey, 'EdDSA');
          let code = 'accepted';
          try {
            verifyJwt(token, { typ: 'at+jwt', getKey, maxLength: 1 << 20 });
          } catch (error) {
            code = error instanceof TokenError ? error.code : String(error);
          }
          expect(code).toBe('duplicate_member');
        },
      ),
      { numRuns: 300 },
    );
  });
});
