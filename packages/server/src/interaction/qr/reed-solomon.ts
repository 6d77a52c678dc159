/**
 * Reed–Solomon error correction over GF(2^8) with the QR code field polynomial
 * x^8 + x^4 + x^3 + x^2 + 1 (0x11D) and generator roots α^0 … α^(n−1) (ISO/IEC 18004 §7.5.2).
 */
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
}

export function gfMultiply(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!;
}

/** Coefficients of ∏ (x − α^i), i < degree, highest power first, leading 1 omitted. */
function generator(degree: number): Uint8Array {
  let poly = [1];
  for (let i = 0; i < degree; i++) {
    const next = new Array<number>(poly.length + 1).fill(0);
    poly.forEach((c, j) => {
      next[j]! ^= c;
      next[j + 1]! ^= gfMultiply(c, EXP[i]!);
    });
    poly = next;
  }
  return Uint8Array.from(poly.slice(1));
}

const generators = new Map<number, Uint8Array>();

/** The `ecLength` error-correction codewords for `data` (remainder of data·x^n divided by the generator). */
export function reedSolomon(data: Uint8Array, ecLength: number): Uint8Array {
  let gen = generators.get(ecLength);
  if (!gen) generators.set(ecLength, (gen = generator(ecLength)));
  const remainder = new Uint8Array(ecLength);
  for (const byte of data) {
    const factor = byte ^ remainder[0]!;
    remainder.copyWithin(0, 1);
    remainder[ecLength - 1] = 0;
    for (let i = 0; i < ecLength; i++) remainder[i]! ^= gfMultiply(gen[i]!, factor);
  }
  return remainder;
}
