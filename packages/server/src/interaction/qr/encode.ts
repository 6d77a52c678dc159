import { reedSolomon } from './reed-solomon.js';
import { formatBits, LEVEL_M, versionBits, type VersionInfo } from './tables.js';

/**
 * A small QR code encoder (ISO/IEC 18004:2015) for TOTP enrolment: byte mode, error-correction level
 * M, versions 1–10, best of the eight masks by the §7.8.3 penalty rules. Nothing else — no other modes,
 * levels or structured append — because an otpauth:// URI needs nothing else.
 */
export interface QrCode {
  readonly version: number;
  readonly size: number;
  readonly mask: number;
  /** `modules[row][col]`, true = dark. */
  readonly modules: readonly (readonly boolean[])[];
}

export class QrCapacityError extends RangeError {
  override readonly name = 'QrCapacityError';
}

function chooseVersion(byteLength: number): VersionInfo {
  for (const info of LEVEL_M) {
    const capacityBits = info.blocks.reduce((a, b) => a + b, 0) * 8;
    const countBits = info.version <= 9 ? 8 : 16;
    if (4 + countBits + byteLength * 8 <= capacityBits) return info;
  }
  throw new QrCapacityError(`text of ${byteLength} bytes does not fit a version 1–10 QR code at level M`);
}

/** Mode indicator, count, bytes, terminator, padding to full data capacity (§7.4). */
function dataCodewords(bytes: Uint8Array, info: VersionInfo): Uint8Array {
  const capacity = info.blocks.reduce((a, b) => a + b, 0);
  const bits: number[] = [];
  const push = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  push(0b0100, 4);
  push(bytes.length, info.version <= 9 ? 8 : 16);
  for (const b of bytes) push(b, 8);
  push(0, Math.min(4, capacity * 8 - bits.length));
  while (bits.length % 8 !== 0) bits.push(0);
  const out = new Uint8Array(capacity);
  let i = 0;
  for (; i < bits.length / 8; i++) out[i] = bits.slice(i * 8, i * 8 + 8).reduce((a, b) => (a << 1) | b, 0);
  for (let pad = 0; i < capacity; i++, pad++) out[i] = pad % 2 === 0 ? 0xec : 0x11;
  return out;
}

/** Split into blocks, add EC to each, interleave data then EC codewords (§7.6). */
function interleave(data: Uint8Array, info: VersionInfo): Uint8Array {
  const blocks: Uint8Array[] = [];
  let offset = 0;
  for (const size of info.blocks) {
    blocks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  const ec = blocks.map((b) => reedSolomon(b, info.ecPerBlock));
  const out: number[] = [];
  const longest = Math.max(...info.blocks);
  for (let i = 0; i < longest; i++) for (const b of blocks) if (i < b.length) out.push(b[i]!);
  for (let i = 0; i < info.ecPerBlock; i++) for (const e of ec) out.push(e[i]!);
  return Uint8Array.from(out);
}

class Grid {
  readonly dark: boolean[][];
  readonly fixed: boolean[][];
  constructor(readonly size: number) {
    this.dark = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
    this.fixed = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
  }
  set(row: number, col: number, dark: boolean): void {
    this.dark[row]![col] = dark;
    this.fixed[row]![col] = true;
  }
}

function drawFunctionPatterns(grid: Grid, info: VersionInfo): void {
  const { size } = grid;
  // Finder patterns with their light separators (§6.3.3).
  for (const [top, left] of [[0, 0], [0, size - 7], [size - 7, 0]] as const) {
    for (let dr = -1; dr <= 7; dr++) {
      for (let dc = -1; dc <= 7; dc++) {
        const r = top + dr;
        const c = left + dc;
        if (r < 0 || r >= size || c < 0 || c >= size) continue;
        const ring = Math.max(Math.abs(dr - 3), Math.abs(dc - 3));
        grid.set(r, c, ring !== 2 && ring !== 4);
      }
    }
  }
  // Alignment patterns, except where they would overlap a finder (§6.3.6).
  const pos = info.alignment;
  for (const r of pos) {
    for (const c of pos) {
      if ((r === 6 && c === 6) || (r === 6 && c === pos[pos.length - 1]) || (r === pos[pos.length - 1] && c === 6)) continue;
      for (let dr = -2; dr <= 2; dr++) for (let dc = -2; dc <= 2; dc++) grid.set(r + dr, c + dc, Math.max(Math.abs(dr), Math.abs(dc)) !== 1);
    }
  }
  // Timing patterns (§6.3.5).
  for (let i = 8; i < size - 8; i++) {
    grid.set(6, i, i % 2 === 0);
    grid.set(i, 6, i % 2 === 0);
  }
  drawFormat(grid, 0); // reserves the area; redrawn with the chosen mask
  if (info.version >= 7) {
    const bits = versionBits(info.version);
    for (let i = 0; i < 18; i++) {
      const dark = ((bits >>> i) & 1) === 1;
      const a = size - 11 + (i % 3);
      const b = Math.floor(i / 3);
      grid.set(b, a, dark);
      grid.set(a, b, dark);
    }
  }
}

/** Format information, both copies, plus the always-dark module (§7.9.1, Figure 25). */
function drawFormat(grid: Grid, mask: number): void {
  const { size } = grid;
  const bits = formatBits(mask);
  const bit = (i: number) => ((bits >>> i) & 1) === 1;
  for (let i = 0; i <= 5; i++) grid.set(i, 8, bit(i));
  grid.set(7, 8, bit(6));
  grid.set(8, 8, bit(7));
  grid.set(8, 7, bit(8));
  for (let i = 9; i < 15; i++) grid.set(8, 14 - i, bit(i));
  for (let i = 0; i < 8; i++) grid.set(8, size - 1 - i, bit(i));
  for (let i = 8; i < 15; i++) grid.set(size - 15 + i, 8, bit(i));
  grid.set(size - 8, 8, true);
}

/** Codeword bits in the two-column zig-zag from the bottom right, skipping the vertical timing column (§7.7.3). */
function placeData(grid: Grid, codewords: Uint8Array): void {
  const { size } = grid;
  let index = 0;
  let upward = true;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let step = 0; step < size; step++) {
      const row = upward ? size - 1 - step : step;
      for (const col of [right, right - 1]) {
        if (grid.fixed[row]![col]) continue;
        const byte = codewords[index >>> 3];
        grid.dark[row]![col] = byte !== undefined && ((byte >>> (7 - (index & 7))) & 1) === 1;
        index++;
      }
    }
    upward = !upward;
  }
}

export const MASKS: readonly ((row: number, col: number) => boolean)[] = [
  (r, c) => (r + c) % 2 === 0,
  (r) => r % 2 === 0,
  (_r, c) => c % 3 === 0,
  (r, c) => (r + c) % 3 === 0,
  (r, c) => (Math.floor(r / 2) + Math.floor(c / 3)) % 2 === 0,
  (r, c) => ((r * c) % 2) + ((r * c) % 3) === 0,
  (r, c) => (((r * c) % 2) + ((r * c) % 3)) % 2 === 0,
  (r, c) => (((r + c) % 2) + ((r * c) % 3)) % 2 === 0,
];

/** §7.8.3 penalty: runs, 2×2 blocks, finder-like patterns, dark/light balance. Lower is easier to scan. */
function penalty(m: boolean[][]): number {
  const size = m.length;
  let score = 0;
  const lines = [...m, ...m.map((_, c) => m.map((row) => row[c]!))];
  const finderLike = [true, false, true, true, true, false, true];
  for (const line of lines) {
    let run = 1;
    for (let i = 1; i <= size; i++) {
      if (i < size && line[i] === line[i - 1]) run++;
      else {
        if (run >= 5) score += 3 + (run - 5);
        run = 1;
      }
    }
    for (let i = 0; i + 7 <= size; i++) {
      if (!finderLike.every((d, k) => line[i + k] === d)) continue;
      const lightBefore = [1, 2, 3, 4].every((k) => i - k < 0 || !line[i - k]);
      const lightAfter = [0, 1, 2, 3].every((k) => i + 7 + k >= size || !line[i + 7 + k]);
      if (lightBefore || lightAfter) score += 40;
    }
  }
  for (let r = 0; r + 1 < size; r++) {
    for (let c = 0; c + 1 < size; c++) {
      const d = m[r]![c];
      if (m[r]![c + 1] === d && m[r + 1]![c] === d && m[r + 1]![c + 1] === d) score += 3;
    }
  }
  const dark = m.reduce((n, row) => n + row.filter(Boolean).length, 0);
  score += 10 * Math.floor(Math.abs((dark * 100) / (size * size) - 50) / 5);
  return score;
}

/** Encode `text` (UTF-8) as a QR code. Throws {@link QrCapacityError} above 213 bytes. */
export function encodeQr(text: string): QrCode {
  const bytes = new TextEncoder().encode(text);
  const info = chooseVersion(bytes.length);
  const size = 17 + 4 * info.version;
  const base = new Grid(size);
  drawFunctionPatterns(base, info);
  placeData(base, interleave(dataCodewords(bytes, info), info));

  let best: { mask: number; modules: boolean[][]; score: number } | undefined;
  for (let mask = 0; mask < 8; mask++) {
    const grid = new Grid(size);
    grid.dark.forEach((row, r) => row.forEach((_, c) => {
      const fixed = base.fixed[r]![c]!;
      grid.dark[r]![c] = fixed ? base.dark[r]![c]! : base.dark[r]![c]! !== MASKS[mask]!(r, c);
      grid.fixed[r]![c] = fixed;
    }));
    drawFormat(grid, mask);
    const score = penalty(grid.dark);
    if (!best || score < best.score) best = { mask, modules: grid.dark, score };
  }
  return { version: info.version, size, mask: best!.mask, modules: best!.modules };
}
