/**
 * SM3 hash (GB/T 32905-2016), pure JS, as a noble-hashes Merkle–Damgård hash so that
 * noble's `hmac` and incremental hashing work with it unchanged. Proven by the standard's
 * examples and by agreement with OpenSSL's SM3 (test/crypto-vectors.test.ts).
 */
import { HashMD } from '@noble/hashes/_md.js'
import { createHasher } from '@noble/hashes/utils.js'

const IV = Uint32Array.from([
  0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
])

const rotl = (x: number, n: number): number => ((x << n) | (x >>> (32 - n))) >>> 0
const P0 = (x: number): number => x ^ rotl(x, 9) ^ rotl(x, 17)
const P1 = (x: number): number => x ^ rotl(x, 15) ^ rotl(x, 23)

// T_j rotated left by j mod 32, precomputed once (the compression function uses only this).
const T_ROT = Uint32Array.from({ length: 64 }, (_, j) => rotl(j < 16 ? 0x79cc4519 : 0x7a879d8a, j % 32))

// Scratch message-expansion buffers, reused across blocks (cleared in roundClean).
const W = new Uint32Array(68)

class SM3 extends HashMD<SM3> {
  private A = IV[0]! | 0
  private B = IV[1]! | 0
  private C = IV[2]! | 0
  private D = IV[3]! | 0
  private E = IV[4]! | 0
  private F = IV[5]! | 0
  private G = IV[6]! | 0
  private H = IV[7]! | 0

  constructor() {
    super(64, 32, 8, false)
  }

  protected get(): number[] {
    const { A, B, C, D, E, F, G, H } = this
    return [A, B, C, D, E, F, G, H]
  }

  protected set(A: number, B: number, C: number, D: number, E: number, F: number, G: number, H: number): void {
    this.A = A | 0
    this.B = B | 0
    this.C = C | 0
    this.D = D | 0
    this.E = E | 0
    this.F = F | 0
    this.G = G | 0
    this.H = H | 0
  }

  protected process(view: DataView, offset: number): void {
    for (let i = 0; i < 16; i++, offset += 4) W[i] = view.getUint32(offset, false)
    for (let j = 16; j < 68; j++) {
      W[j] = P1(W[j - 16]! ^ W[j - 9]! ^ rotl(W[j - 3]!, 15)) ^ rotl(W[j - 13]!, 7) ^ W[j - 6]!
    }
    let { A, B, C, D, E, F, G, H } = this
    for (let j = 0; j < 64; j++) {
      const a12 = rotl(A, 12)
      const SS1 = rotl((a12 + E + T_ROT[j]!) | 0, 7)
      const SS2 = SS1 ^ a12
      const ff = j < 16 ? A ^ B ^ C : (A & B) | (A & C) | (B & C)
      const gg = j < 16 ? E ^ F ^ G : (E & F) | (~E & G)
      const TT1 = (ff + D + SS2 + (W[j]! ^ W[j + 4]!)) | 0
      const TT2 = (gg + H + SS1 + W[j]!) | 0
      D = C
      C = rotl(B, 9)
      B = A
      A = TT1
      H = G
      G = rotl(F, 19)
      F = E
      E = P0(TT2)
    }
    this.set(A ^ this.A, B ^ this.B, C ^ this.C, D ^ this.D, E ^ this.E, F ^ this.F, G ^ this.G, H ^ this.H)
  }

  protected roundClean(): void {
    W.fill(0)
  }

  destroy(): void {
    this.destroyed = true
    this.set(0, 0, 0, 0, 0, 0, 0, 0)
    this.buffer.fill(0)
  }

  _cloneInto(to?: SM3): SM3 {
    const t = to ?? new SM3()
    t.set(...(this.get() as [number, number, number, number, number, number, number, number]))
    return this._cloneIntoMeta(t)
  }
}

/** SM3 as a noble CHash: `sm3(bytes)`, `sm3.create().update(..).digest()`, usable with noble's hmac/hkdf. */
export const sm3 = createHasher(() => new SM3())
