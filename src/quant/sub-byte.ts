/**
 * Packing of sub-byte weights for the firmware (MicroNets §5.1.3: 4-bit values are stored
 * packed and unpacked with 8-bit instructions; thesis ch. 4: {2, 4}-bit weights).
 *
 * FIRMWARE CONTRACT — byte layout (values are two's-complement, little end first):
 *   int4: byte i = (v[2i] & 0x0F) | (v[2i+1] & 0x0F) << 4
 *         → element 2i in bits 0–3 (low nibble), element 2i+1 in bits 4–7 (high nibble).
 *         ceil(n/2) bytes; for odd n the last high nibble is 0.
 *   int2: byte i = Σ_{j=0..3} (v[4i+j] & 0x3) << 2j
 *         → element 4i in bits 0–1, 4i+1 in bits 2–3, 4i+2 in bits 4–5, 4i+3 in bits 6–7.
 *         ceil(n/4) bytes; unused trailing fields are 0.
 * Unpacking sign-extends each field (int4: 0x8–0xF → −8..−1; int2: 0b10, 0b11 → −2, −1).
 * Packing accepts the full two's-complement range (int4 [−8, 7], int2 [−2, 1]); the
 * symmetric scheme (int8-scheme.ts) only produces [−7, 7] and [−1, 1].
 */
import { StageInputError } from '../errors';

function checkRange(values: Int8Array, lo: number, hi: number, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo || v > hi) throw new StageInputError(`${what} value ${v} at index ${i} is outside [${lo}, ${hi}]`);
  }
}

function checkLength(length: number, capacity: number, what: string): void {
  if (!Number.isInteger(length) || length < 0 || length > capacity) {
    throw new StageInputError(`${what}: length ${length} does not fit in the packed bytes (max ${capacity})`);
  }
}

/** Two int4 values per byte, low nibble first. */
export function packInt4(values: Int8Array): Uint8Array {
  checkRange(values, -8, 7, 'int4');
  const out = new Uint8Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) {
    out[i >> 1]! |= (values[i]! & 0x0f) << ((i & 1) * 4);
  }
  return out;
}

/** Inverse of packInt4; `length` is the number of values (the byte count loses odd/even). */
export function unpackInt4(packed: Uint8Array, length: number): Int8Array {
  checkLength(length, packed.length * 2, 'unpackInt4');
  const out = new Int8Array(length);
  for (let i = 0; i < length; i++) {
    const nibble = (packed[i >> 1]! >> ((i & 1) * 4)) & 0x0f;
    out[i] = nibble >= 8 ? nibble - 16 : nibble;
  }
  return out;
}

/** Four int2 values per byte, lowest bits first. */
export function packInt2(values: Int8Array): Uint8Array {
  checkRange(values, -2, 1, 'int2');
  const out = new Uint8Array(Math.ceil(values.length / 4));
  for (let i = 0; i < values.length; i++) {
    out[i >> 2]! |= (values[i]! & 0x03) << ((i & 3) * 2);
  }
  return out;
}

/** Inverse of packInt2; `length` is the number of values. */
export function unpackInt2(packed: Uint8Array, length: number): Int8Array {
  checkLength(length, packed.length * 4, 'unpackInt2');
  const out = new Int8Array(length);
  for (let i = 0; i < length; i++) {
    const field = (packed[i >> 2]! >> ((i & 3) * 2)) & 0x03;
    out[i] = field >= 2 ? field - 4 : field;
  }
  return out;
}
