import { describe, expect, it } from 'vitest';
import { createSealer, deriveKey } from '../../src/interaction/sealed.js';

const master = Buffer.alloc(32, 3);
const sealer = createSealer(deriveKey(master, 'interaction-state/v1'));
const T = 1_000_000;

describe('sealed interaction state (AES-256-GCM, NIST SP 800-38D)', () => {
  it('opens what it sealed until the expiry, and hides the content', () => {
    const sealed = sealer.seal('interaction', { id: 'abc', secret: 'pending-user-42' }, T + 1000);
    expect(sealed).not.toContain('pending');
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain('pending-user-42');
    expect(sealer.open('interaction', sealed, T)).toEqual({ id: 'abc', secret: 'pending-user-42' });
    expect(sealer.open('interaction', sealed, T + 1000)).toBeUndefined();
  });

  it('refuses a value sealed for another purpose or under another key', () => {
    const sealed = sealer.seal('interaction', { id: 'abc' }, T + 1000);
    expect(sealer.open('logout', sealed, T)).toBeUndefined();
    expect(createSealer(deriveKey(Buffer.alloc(32, 4), 'interaction-state/v1')).open('interaction', sealed, T)).toBeUndefined();
    expect(createSealer(deriveKey(master, 'csrf/v1')).open('interaction', sealed, T)).toBeUndefined();
  });

  it('refuses every single-bit change (GCM authenticates IV, ciphertext and tag)', () => {
    const bytes = Buffer.from(sealer.seal('interaction', { id: 'abc' }, T + 1000), 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const copy = Buffer.from(bytes);
      copy[i]! ^= 1;
      expect(sealer.open('interaction', copy.toString('base64url'), T)).toBeUndefined();
    }
  });

  it.each([undefined, '', 'not base64!', 'A'.repeat(10), 'A'.repeat(5000), '%%%'])('never throws on junk: %j', (junk) => {
    expect(sealer.open('interaction', junk, T)).toBeUndefined();
  });

  it('seals with a fresh IV each time', () => {
    expect(sealer.seal('interaction', { id: 'x' }, T)).not.toBe(sealer.seal('interaction', { id: 'x' }, T));
  });
});
