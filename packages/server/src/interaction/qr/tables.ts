/**
 * ISO/IEC 18004 tables for error-correction level M, versions 1–10 (enough for any otpauth:// URI up
 * to 213 bytes). Level M restores about 15 % of damaged codewords.
 */
export interface VersionInfo {
  readonly version: number;
  /** EC codewords per block. */
  readonly ecPerBlock: number;
  /** Data codewords of each block, in order (group 1 blocks, then group 2). */
  readonly blocks: readonly number[];
  /** Centre coordinates of alignment patterns (Annex E). */
  readonly alignment: readonly number[];
}

const v = (version: number, ecPerBlock: number, groups: [number, number][], alignment: number[]): VersionInfo => ({
  version,
  ecPerBlock,
  blocks: groups.flatMap(([count, size]) => Array<number>(count).fill(size)),
  alignment,
});

export const LEVEL_M: readonly VersionInfo[] = [
  v(1, 10, [[1, 16]], []),
  v(2, 16, [[1, 28]], [6, 18]),
  v(3, 26, [[1, 44]], [6, 22]),
  v(4, 18, [[2, 32]], [6, 26]),
  v(5, 24, [[2, 43]], [6, 30]),
  v(6, 16, [[4, 27]], [6, 34]),
  v(7, 18, [[4, 31]], [6, 22, 38]),
  v(8, 22, [[2, 38], [2, 39]], [6, 24, 42]),
  v(9, 22, [[3, 36], [2, 37]], [6, 26, 46]),
  v(10, 26, [[4, 43], [1, 44]], [6, 28, 50]),
];

/** Format information: 2 EC-level bits (M = 00) + 3 mask bits, BCH(15,5) with 0x537, XOR 0x5412 (§7.9). */
export function formatBits(mask: number): number {
  const data = (0b00 << 3) | mask;
  let rem = data << 10;
  for (let i = 14; i >= 10; i--) if ((rem >>> i) & 1) rem ^= 0x537 << (i - 10);
  return ((data << 10) | rem) ^ 0x5412;
}

/** Version information for versions ≥ 7: 6 version bits + BCH(18,6) with 0x1F25 (§7.10). */
export function versionBits(version: number): number {
  let rem = version << 12;
  for (let i = 17; i >= 12; i--) if ((rem >>> i) & 1) rem ^= 0x1f25 << (i - 12);
  return (version << 12) | rem;
}
