/**
 * SHA-512/256 (FIPS 180-4 §5.3.6.2, §6.7): SHA-512's compression under its own initial value,
 * truncated to 32 bytes. Written here because neither WebCrypto nor tweetnacl offers it:
 * `crypto.subtle` has no SHA-512/256 (and is absent on plain-http origins), and `nacl.hash`
 * fixes SHA-512's initial value, so truncating its output is a different function. 64-bit words
 * are pairs of 32-bit halves, as in tweetnacl; synchronous, so a cache lookup never awaits.
 */

// biome-ignore format: the round constants, high and low halves interleaved
const K = new Uint32Array([
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd, 0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc, 0x3956c25b, 0xf348b538,
  0x59f111f1, 0xb605d019, 0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118, 0xd807aa98, 0xa3030242, 0x12835b01, 0x45706fbe,
  0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2, 0x72be5d74, 0xf27b896f, 0x80deb1fe, 0x3b1696b1, 0x9bdc06a7, 0x25c71235,
  0xc19bf174, 0xcf692694, 0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3, 0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65,
  0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483, 0x5cb0a9dc, 0xbd41fbd4, 0x76f988da, 0x831153b5, 0x983e5152, 0xee66dfab,
  0xa831c66d, 0x2db43210, 0xb00327c8, 0x98fb213f, 0xbf597fc7, 0xbeef0ee4, 0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725,
  0x06ca6351, 0xe003826f, 0x14292967, 0x0a0e6e70, 0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926, 0x4d2c6dfc, 0x5ac42aed,
  0x53380d13, 0x9d95b3df, 0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8, 0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b,
  0xa2bfe8a1, 0x4cf10364, 0xa81a664b, 0xbc423001, 0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30, 0xd192e819, 0xd6ef5218,
  0xd6990624, 0x5565a910, 0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8, 0x19a4c116, 0xb8d2d0c8, 0x1e376c08, 0x5141ab53,
  0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8, 0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb, 0x5b9cca4f, 0x7763e373,
  0x682e6ff3, 0xd6b2b8a3, 0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60, 0x84c87814, 0xa1f0ab72, 0x8cc70208, 0x1a6439ec,
  0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9, 0xbef9a3f7, 0xb2c67915, 0xc67178f2, 0xe372532b, 0xca273ece, 0xea26619c,
  0xd186b8c7, 0x21c0c207, 0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f, 0xee6ed178, 0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6,
  0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b, 0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493, 0x3c9ebe0a, 0x15c9bebc,
  0x431d67c4, 0x9c100d4c, 0x4cc5d4be, 0xcb3e42b6, 0x597f299c, 0xfc657e2a, 0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817,
]);

// biome-ignore format: SHA-512/256's initial value (FIPS 180-4 §5.3.6.2), high and low halves
const IV = [
  0x22312194, 0xfc2bf72c, 0x9f555fa3, 0xc84c64c2, 0x2393b86b, 0x6f53b151, 0x96387719, 0x5940eabd,
  0x96283ee2, 0xa88effe3, 0xbe5e1e25, 0x53863992, 0x2b0199fc, 0x2c85b8aa, 0x0eb72ddc, 0x81c52ca2,
];

const W = new Uint32Array(160);
const H = new Uint32Array(16);

/** Adds the 64-bit words (ah, al) and (bh, bl); the high half lands in `carry`. */
let high = 0;
function add(ah: number, al: number, bh: number, bl: number): number {
  const low = (al >>> 0) + (bl >>> 0);
  high = (ah + bh + ((low / 0x100000000) | 0)) >>> 0;
  return low >>> 0;
}

function compress(block: Uint8Array, at: number): void {
  for (let i = 0; i < 32; i++) {
    const j = at + i * 4;
    W[i] = ((block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!) >>> 0;
  }
  for (let i = 32; i < 160; i += 2) {
    // σ0(w[t-15]) and σ1(w[t-2]), then the sum of four words.
    let xh = W[i - 30]!;
    let xl = W[i - 29]!;
    const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7);
    const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25));
    xh = W[i - 4]!;
    xl = W[i - 3]!;
    const s1h = ((xh >>> 19) | (xl << 13)) ^ ((xl >>> 29) | (xh << 3)) ^ (xh >>> 6);
    const s1l = ((xl >>> 19) | (xh << 13)) ^ ((xh >>> 29) | (xl << 3)) ^ ((xl >>> 6) | (xh << 26));
    let l = add(s0h, s0l, s1h, s1l);
    l = add(high, l, W[i - 14]!, W[i - 13]!);
    l = add(high, l, W[i - 32]!, W[i - 31]!);
    W[i] = high;
    W[i + 1] = l;
  }
  let ah = H[0]!,
    al = H[1]!,
    bh = H[2]!,
    bl = H[3]!,
    ch = H[4]!,
    cl = H[5]!,
    dh = H[6]!,
    dl = H[7]!;
  let eh = H[8]!,
    el = H[9]!,
    fh = H[10]!,
    fl = H[11]!,
    gh = H[12]!,
    gl = H[13]!,
    hh = H[14]!,
    hl = H[15]!;
  for (let i = 0; i < 160; i += 2) {
    const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23));
    const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23));
    const chh = (eh & fh) ^ (~eh & gh);
    const chl = (el & fl) ^ (~el & gl);
    let t1l = add(hh, hl, S1h, S1l);
    t1l = add(high, t1l, chh, chl);
    t1l = add(high, t1l, K[i]!, K[i + 1]!);
    t1l = add(high, t1l, W[i]!, W[i + 1]!);
    const t1h = high;
    const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25));
    const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25));
    const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
    const majl = (al & bl) ^ (al & cl) ^ (bl & cl);
    const t2l = add(S0h, S0l, majh, majl);
    const t2h = high;
    (hh = gh), (hl = gl), (gh = fh), (gl = fl), (fh = eh), (fl = el);
    el = add(dh, dl, t1h, t1l);
    eh = high;
    (dh = ch), (dl = cl), (ch = bh), (cl = bl), (bh = ah), (bl = al);
    al = add(t1h, t1l, t2h, t2l);
    ah = high;
  }
  H[1] = add(H[0]!, H[1]!, ah, al);
  H[0] = high;
  H[3] = add(H[2]!, H[3]!, bh, bl);
  H[2] = high;
  H[5] = add(H[4]!, H[5]!, ch, cl);
  H[4] = high;
  H[7] = add(H[6]!, H[7]!, dh, dl);
  H[6] = high;
  H[9] = add(H[8]!, H[9]!, eh, el);
  H[8] = high;
  H[11] = add(H[10]!, H[11]!, fh, fl);
  H[10] = high;
  H[13] = add(H[12]!, H[13]!, gh, gl);
  H[12] = high;
  H[15] = add(H[14]!, H[15]!, hh, hl);
  H[14] = high;
}

const tail = new Uint8Array(256);
const tailView = new DataView(tail.buffer);

/** The 32-byte SHA-512/256 digest of `data`. */
export function sha512_256(data: Uint8Array): Uint8Array {
  H.set(IV);
  const full = data.length - (data.length % 128);
  for (let at = 0; at < full; at += 128) compress(data, at);
  const tailLength = data.length - full < 112 ? 128 : 256;
  tail.fill(0);
  tail.set(data.subarray(full));
  tail[data.length - full] = 0x80;
  // The length in bits, big-endian, in the last 16 bytes (the top 64 bits stay zero here).
  const bits = data.length * 8;
  tailView.setUint32(tailLength - 8, Math.floor(bits / 0x100000000));
  tailView.setUint32(tailLength - 4, bits >>> 0);
  for (let at = 0; at < tailLength; at += 128) compress(tail, at);
  const digest = new Uint8Array(32);
  const out = new DataView(digest.buffer);
  for (let i = 0; i < 8; i++) out.setUint32(i * 4, H[i]!);
  return digest;
}
