import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { memoryIo } from './helpers.js';

async function sampleJwt(): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  return new SignJWT({ scope: 'read', client_id: 'c1' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .setIssuer('https://id.example.com')
    .setAudience('https://api.example.com')
    .setIssuedAt(1_700_000_000)
    .setExpirationTime(1_700_000_600)
    .sign(privateKey);
}

describe('tessera token decode', () => {
  it('shows header and payload of a JWT, labelled UNVERIFIED', async () => {
    const io = memoryIo();
    expect(await main(['token', 'decode', await sampleJwt()], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/^UNVERIFIED/);
    expect(text).toContain('"typ":"at+jwt"');
    expect(text).toContain('aud: "https://api.example.com"');
    expect(text).toContain('exp: 1700000600  (2023-11-14T22:23:20.000Z)');
  });

  it('prints {format, verified:false, header, payload} with --json', async () => {
    const io = memoryIo();
    expect(await main(['token', 'decode', await sampleJwt(), '--json'], io)).toBe(0);
    const out = JSON.parse(io.stdout.join('\n'));
    expect(out).toMatchObject({ format: 'jwt', verified: false, header: { alg: 'ES256', kid: 'k1' }, payload: { scope: 'read', iss: 'https://id.example.com' } });
  });

  it.each([
    ['tat_', 'access_token'],
    ['trt_', 'refresh_token'],
    ['tcs_', 'client_secret'],
  ])('names the kind of an opaque token by its prefix %s', async (prefix, kind) => {
    const io = memoryIo();
    expect(await main(['token', 'decode', `${prefix}${'A'.repeat(43)}`, '--json'], io)).toBe(0);
    expect(JSON.parse(io.stdout.join(''))).toEqual({ format: 'opaque', kind, prefix });
  });

  it('fails with exit code 1 and one line for something that is neither', async () => {
    for (const junk of ['hello', 'a.b.c', 'eyJ.eyJ.x']) {
      const io = memoryIo();
      expect(await main(['token', 'decode', junk], io)).toBe(1);
      expect(io.stderr).toHaveLength(1);
      expect(io.stderr[0]).toMatch(/^tessera: /);
    }
  });

  it('is a usage error (exit 2) without a token or with an unknown sub-command', async () => {
    for (const argv of [['token', 'decode'], ['token', 'verify', 'x'], ['token']]) {
      const io = memoryIo();
      expect(await main(argv, io)).toBe(2);
      expect(io.stderr.join('\n')).toContain('usage: tessera token decode');
    }
  });
});
