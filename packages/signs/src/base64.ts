// Portable base64 for the tracker's serialized state (btoa/atob exist in Node ≥ 16 and browsers).
// Internal: not exported from the package.

const CHUNK = 0x8000;

/** Node's Buffer when present (a native encoder: ~100× faster than btoa on a binary string). */
const NodeBuffer = (
  globalThis as {
    Buffer?: {
      from(b: ArrayBufferLike, offset: number, length: number): { toString(enc: 'base64'): string };
      from(s: string, enc: 'base64'): Uint8Array;
    };
  }
).Buffer;

/** Base64 of the bytes of a typed array (little-endian for multi-byte types on every platform we run on). */
export function bytesToBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(s);
}

/** Bytes from base64; throws (a DOMException) on malformed input. */
export function base64ToBytes(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Uint16 values as little-endian bytes. */
export function u16ToBytes(values: Uint16Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    out[2 * i] = values[i]! & 0xff;
    out[2 * i + 1] = values[i]! >>> 8;
  }
  return out;
}

/** Uint16 values from little-endian bytes (length must be even). */
export function bytesToU16(bytes: Uint8Array): Uint16Array {
  const out = new Uint16Array(bytes.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
  return out;
}
