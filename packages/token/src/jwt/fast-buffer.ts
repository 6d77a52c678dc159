/**
 * Encoding helpers for the verify hot path. `buf.write(s, o, n, enc)` and `buf.toString(enc, a, b)`
 * normalise their arguments and look the encoding name up in JavaScript, then call a per-encoding
 * method of Buffer.prototype (`base64urlWrite`, `utf8Slice`, …) with the same arguments. For a
 * 200-character segment that normalisation costs as much as the decoding, so where the per-encoding
 * methods exist (every Node release this package supports) they are called directly — with offsets
 * and lengths the callers have already bounded — and the public API is the fallback.
 */
interface EncodingMethods {
  base64urlWrite?: (this: Buffer, string: string, offset: number, length: number) => number;
  base64urlSlice?: (this: Buffer, start: number, end: number) => string;
  utf8Slice?: (this: Buffer, start: number, end: number) => string;
  latin1Write?: (this: Buffer, string: string, offset: number, length: number) => number;
  utf8Write?: (this: Buffer, string: string, offset: number, length: number) => number;
}

const proto = Buffer.prototype as unknown as EncodingMethods;
const direct = typeof proto.base64urlWrite === 'function' && typeof proto.base64urlSlice === 'function'
  && typeof proto.utf8Slice === 'function' && typeof proto.latin1Write === 'function' && typeof proto.utf8Write === 'function';

type Internal = Buffer & Required<EncodingMethods>;

/** `buf.write(string, offset, length, 'base64url')`; `offset + length` must lie within `buf`. */
export const writeBase64url: (buf: Buffer, string: string, offset: number, length: number) => number = direct
  ? (buf, string, offset, length) => (buf as Internal).base64urlWrite(string, offset, length)
  : (buf, string, offset, length) => buf.write(string, offset, length, 'base64url');

/** `buf.toString('base64url', start, end)`; `0 ≤ start ≤ end ≤ buf.length`. */
export const sliceBase64url: (buf: Buffer, start: number, end: number) => string = direct
  ? (buf, start, end) => (buf as Internal).base64urlSlice(start, end)
  : (buf, start, end) => buf.toString('base64url', start, end);

/** `buf.toString('utf8', start, end)`; `0 ≤ start ≤ end ≤ buf.length`. */
export const sliceUtf8: (buf: Buffer, start: number, end: number) => string = direct
  ? (buf, start, end) => (buf as Internal).utf8Slice(start, end)
  : (buf, start, end) => buf.toString('utf8', start, end);

/** `buf.write(string, offset, length, 'latin1')`; `offset + length` must lie within `buf`. */
export const writeLatin1: (buf: Buffer, string: string, offset: number, length: number) => number = direct
  ? (buf, string, offset, length) => (buf as Internal).latin1Write(string, offset, length)
  : (buf, string, offset, length) => buf.write(string, offset, length, 'latin1');

/** `buf.write(string, offset, length, 'utf8')` (whole characters only, like Buffer#write); `offset + length` within `buf`. */
export const writeUtf8: (buf: Buffer, string: string, offset: number, length: number) => number = direct
  ? (buf, string, offset, length) => (buf as Internal).utf8Write(string, offset, length)
  : (buf, string, offset, length) => buf.write(string, offset, length, 'utf8');
