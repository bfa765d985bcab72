/**
 * SHA-256 (FIPS 180-4) in plain JavaScript, synchronous, for the ledger's many small hashes: an entry's preimage on
 * every append and verification, and two or three 33- and 65-byte Merkle hashes per entry. workerd's `node:crypto`
 * `createHash` builds a stream object per hash, which cost more than the hashing itself; WebCrypto's digest is
 * asynchronous, and an append must chain from the previous entry's hash without an await. Tested against
 * `node:crypto` and WebCrypto over every padding boundary (test/ledger/sha256.test.ts).
 */

/** The 64 round constants: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/** The initial hash value: the first 32 bits of the fractional parts of the square roots of the first 8 primes. */
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

// Scratch space reused by every call: hashing is synchronous, so no two calls ever share it at once.
const state = new Int32Array(8);
const schedule = new Int32Array(64);
const tail = new Uint8Array(128);
const encoder = new TextEncoder();
let utf8 = new Uint8Array(4096);

/** SHA-256 of `data`: a fresh 32-byte array that owns its whole buffer. */
export function sha256(data: Uint8Array): Uint8Array {
  state.set(IV);
  const length = data.length;
  const whole = length - (length % 64);
  for (let at = 0; at < whole; at += 64) compress(data, at);
  // The last partial block, the 0x80 marker, zeros and the message's length in bits (big-endian, 64 bits) fill one
  // or two more blocks. Copied byte by byte: the tail is under 64 bytes, and a subarray to copy it from is an object.
  const rest = length - whole;
  for (let i = 0; i < rest; i++) tail[i] = data[whole + i]!;
  tail[rest] = 0x80;
  const end = rest < 56 ? 64 : 128;
  tail.fill(0, rest + 1, end - 8);
  const bits = length * 8;
  const high = Math.floor(bits / 0x1_0000_0000);
  tail[end - 8] = high >>> 24;
  tail[end - 7] = high >>> 16;
  tail[end - 6] = high >>> 8;
  tail[end - 5] = high;
  tail[end - 4] = bits >>> 24;
  tail[end - 3] = bits >>> 16;
  tail[end - 2] = bits >>> 8;
  tail[end - 1] = bits;
  compress(tail, 0);
  if (end === 128) compress(tail, 64);
  const digest = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const word = state[i]!;
    digest[4 * i] = word >>> 24;
    digest[4 * i + 1] = word >>> 16;
    digest[4 * i + 2] = word >>> 8;
    digest[4 * i + 3] = word;
  }
  return digest;
}

/** SHA-256 of a string's UTF-8 bytes (a lone surrogate becomes U+FFFD, as TextEncoder and `node:crypto` write it). */
export function sha256Utf8(text: string): Uint8Array {
  // Three bytes per UTF-16 code unit at most, so one encodeInto always fits.
  if (utf8.length < text.length * 3) utf8 = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, utf8);
  return sha256(utf8.subarray(0, written));
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** Lower-case hex of bytes. */
export function hexOf(bytes: Uint8Array): string {
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += HEX[bytes[i]!];
  return hex;
}

/** One 64-byte block of `block` from `at` into `state` (FIPS 180-4 §6.2.2); 32-bit arithmetic kept in int32s. */
function compress(block: Uint8Array, at: number): void {
  const w = schedule;
  for (let i = 0; i < 16; i++) {
    const j = at + 4 * i;
    w[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = g ^ (e & (f ^ g));
    const t1 = (h + S1 + ch + K[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) | (c & (a | b));
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}
