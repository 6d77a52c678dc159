import { describe, expect, it } from 'vitest';
import { encodeQr, QrCapacityError, type QrCode } from '../../src/interaction/qr/encode.js';
import { reedSolomon } from '../../src/interaction/qr/reed-solomon.js';
import { qrToSvg } from '../../src/interaction/qr/svg.js';
import { formatBits, versionBits } from '../../src/interaction/qr/tables.js';

/**
 * A reader written separately from the encoder, from the standard's description: find the function
 * modules, read format information, unmask, read the zig-zag, de-interleave, check every block's
 * Reed–Solomon codewords, and parse the byte-mode segment.
 */
const BLOCKS_M: Record<number, { ec: number; blocks: number[]; align: number[] }> = {
  1: { ec: 10, blocks: [16], align: [] },
  2: { ec: 16, blocks: [28], align: [6, 18] },
  3: { ec: 26, blocks: [44], align: [6, 22] },
  4: { ec: 18, blocks: [32, 32], align: [6, 26] },
  5: { ec: 24, blocks: [43, 43], align: [6, 30] },
  6: { ec: 16, blocks: [27, 27, 27, 27], align: [6, 34] },
  7: { ec: 18, blocks: [31, 31, 31, 31], align: [6, 22, 38] },
  8: { ec: 22, blocks: [38, 38, 39, 39], align: [6, 24, 42] },
  9: { ec: 22, blocks: [36, 36, 36, 37, 37], align: [6, 26, 46] },
  10: { ec: 26, blocks: [43, 43, 43, 43, 44], align: [6, 28, 50] },
};

// The eight data masks of §7.8.2, as (row i, column j) conditions.
const MASK_CONDITIONS: ((i: number, j: number) => boolean)[] = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (_i, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i * j) % 3) + ((i + j) % 2)) % 2 === 0,
];

function read(code: QrCode): string {
  const n = code.modules.length;
  const version = (n - 17) / 4;
  const spec = BLOCKS_M[version]!;
  const isFunction = (r: number, c: number): boolean => {
    if ((r < 9 && c < 9) || (r < 9 && c >= n - 8) || (r >= n - 8 && c < 9)) return true; // finders, separators, format
    if (r === 6 || c === 6) return true; // timing
    if (version >= 7 && ((r < 6 && c >= n - 11) || (c < 6 && r >= n - 11))) return true; // version info
    const last = spec.align[spec.align.length - 1];
    for (const ar of spec.align) {
      for (const ac of spec.align) {
        if ((ar === 6 && ac === 6) || (ar === 6 && ac === last) || (ar === last && ac === 6)) continue;
        if (Math.abs(r - ar) <= 2 && Math.abs(c - ac) <= 2) return true;
      }
    }
    return false;
  };
  // Format bits 14..9 run along row 8 from column 0; bit 8 at (8,7), 7 at (8,8), 6 at (7,8), 5..0 up column 8.
  const fmtCells: [number, number][] = [[8, 0], [8, 1], [8, 2], [8, 3], [8, 4], [8, 5], [8, 7], [8, 8], [7, 8], [5, 8], [4, 8], [3, 8], [2, 8], [1, 8], [0, 8]];
  const format = fmtCells.reduce((acc, [r, c]) => (acc << 1) | (code.modules[r]![c] ? 1 : 0), 0) ^ 0x5412;
  expect(format >>> 13, 'error correction level M').toBe(0);
  const mask = (format >>> 10) & 7;
  // The second copy: bits 0..7 along row 8 from the right edge, bits 8..14 down column 8 to the bottom.
  const second = [...Array(15).keys()].reduce(
    (acc, i) => acc | ((i < 8 ? code.modules[8]![n - 1 - i] : code.modules[n - 15 + i]![8]) ? 1 << i : 0),
    0,
  );
  expect(second ^ 0x5412, 'second format copy').toBe(format);

  const bits: number[] = [];
  let col = n - 1;
  let up = true;
  while (col > 0) {
    if (col === 6) col--;
    for (let i = 0; i < n; i++) {
      const r = up ? n - 1 - i : i;
      for (const c of [col, col - 1]) if (!isFunction(r, c)) bits.push((code.modules[r]![c]! ? 1 : 0) ^ (MASK_CONDITIONS[mask]!(r, c) ? 1 : 0));
    }
    up = !up;
    col -= 2;
  }
  const total = spec.blocks.reduce((a, b) => a + b, 0) + spec.ec * spec.blocks.length;
  const words = Array.from({ length: total }, (_, i) => bits.slice(i * 8, i * 8 + 8).reduce((a, b) => a * 2 + b, 0));
  const data: number[][] = spec.blocks.map(() => []);
  const ec: number[][] = spec.blocks.map(() => []);
  let k = 0;
  for (let i = 0; i < Math.max(...spec.blocks); i++) spec.blocks.forEach((len, b) => i < len && data[b]!.push(words[k++]!));
  for (let i = 0; i < spec.ec; i++) spec.blocks.forEach((_, b) => ec[b]!.push(words[k++]!));
  data.forEach((block, b) => expect([...reedSolomon(Uint8Array.from(block), spec.ec)], `EC of block ${b}`).toEqual(ec[b]));

  const stream = data.flat().flatMap((w) => [7, 6, 5, 4, 3, 2, 1, 0].map((s) => (w >>> s) & 1));
  const take = (len: number) => stream.splice(0, len).reduce((a, b) => a * 2 + b, 0);
  expect(take(4), 'byte mode').toBe(0b0100);
  const length = take(version <= 9 ? 8 : 16);
  return new TextDecoder().decode(Uint8Array.from({ length }, () => take(8)));
}

describe('QR code encoder (ISO/IEC 18004)', () => {
  it('computes Reed–Solomon codewords matching the worked 1-M example ("HELLO WORLD")', () => {
    const data = Uint8Array.from([32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]);
    expect([...reedSolomon(data, 10)]).toEqual([196, 35, 39, 119, 235, 215, 231, 226, 93, 23]);
  });

  it('computes format information for level M as in the standard (e.g. mask 0 = 101010000010010)', () => {
    expect(formatBits(0).toString(2).padStart(15, '0')).toBe('101010000010010');
    expect(formatBits(5).toString(2).padStart(15, '0')).toBe('100000011001110');
  });

  it('computes version information for version 7 as in the standard (000111110010010100)', () => {
    expect(versionBits(7).toString(2).padStart(18, '0')).toBe('000111110010010100');
  });

  it.each([
    ['a', 1],
    ['otpauth://totp/A:b?secret=JBSWY3DP', 3], // 34 bytes > 26 that 2-M holds
    ['x'.repeat(14), 1],
    ['x'.repeat(15), 2],
    ['x'.repeat(122), 7],
    [`otpauth://totp/Tessera:alice%40example.com?secret=${'A'.repeat(32)}&issuer=Tessera&algorithm=SHA1&digits=6&period=30`, 8], // 131 bytes: over the 122 of 7-M
    ['x'.repeat(150), 8],
    ['y'.repeat(180), 9],
    ['z'.repeat(213), 10],
  ])('round-trips %j through an independent reader (version %i)', (text, version) => {
    const code = encodeQr(text);
    expect(code.version).toBe(version);
    expect(code.size).toBe(17 + 4 * version);
    expect(read(code)).toBe(text);
  });

  it('round-trips UTF-8 text', () => {
    expect(read(encodeQr('otpauth://totp/Café:zoë?secret=ABC'))).toBe('otpauth://totp/Café:zoë?secret=ABC');
  });

  it('draws the three finder patterns and the dark module', () => {
    const { modules: m, size } = encodeQr('hello');
    for (const [r, c] of [[0, 0], [0, size - 7], [size - 7, 0]] as const) {
      expect(m[r]![c] && m[r + 6]![c + 6] && m[r + 3]![c + 3] && !m[r + 1]![c + 1]).toBe(true);
    }
    expect(m[size - 8]![8]).toBe(true);
  });

  it('refuses text longer than version 10-M holds', () => {
    expect(() => encodeQr('z'.repeat(214))).toThrow(QrCapacityError);
  });

  it('renders an SVG with a quiet zone and an escaped title', () => {
    const svg = qrToSvg(encodeQr('hello'), { title: 'Scan <me>' });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 29 29"/);
    expect(svg).toContain('<title>Scan &#60;me&#62;</title>');
    expect(svg).toContain('M4 4h7v1h-7z'); // top row of the top-left finder, offset by the quiet zone
  });
});
