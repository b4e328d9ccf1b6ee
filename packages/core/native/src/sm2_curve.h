/*
 * SM2 signature verification (GB/T 32918.2-2016 §7.1, B1-B7) with arithmetic specialised for the
 * SM2 curve of GB/T 32918.5 / GM/T 0003.5 (p = 2^256 - 2^224 - 2^96 + 2^64 - 1, a = -3).
 * Public data only (public key, message digest, signature): variable time by design. See
 * sm2_curve.c and docs/adr/0035-sm2-specialised-verification.md.
 */
#ifndef GOVCHAIN_SM2_CURVE_H
#define GOVCHAIN_SM2_CURVE_H

#include <stdint.h>

/* A public key in the field's Montgomery form (x R mod p, y R mod p), checked on the curve. */
typedef struct {
  uint64_t x[4], y[4];
} sm2c_affine;

/* Odd multiples G, 3G, ..., (2^(SM2C_G_WINDOW-1) - 1)G of the generator, affine, Montgomery form. */
#define SM2C_G_WINDOW 8
#define SM2C_G_TABLE (1 << (SM2C_G_WINDOW - 2))

/*
 * A fixed-base table of a point Q for signed 5-bit windows: pts[i][j - 1] = j 2^(5i) Q, j = 1..16,
 * affine, Montgomery form. A scalar below 2^256 has 52 signed digits in [-15, 16] and a final
 * carry, so [k]Q is at most 53 mixed additions and no doubling. 54 KB.
 */
#define SM2C_FW_BITS 5
#define SM2C_FW_WINDOWS 53
#define SM2C_FW_ENTRIES 16

typedef struct {
  sm2c_affine pts[SM2C_FW_WINDOWS][SM2C_FW_ENTRIES];
} sm2c_fixed;

typedef struct {
  sm2c_affine g[SM2C_G_TABLE];
  /* The generator's fixed-base table, built by sm2c_fixed_base when the first key gets one. */
  sm2c_fixed *gfix;
} sm2c_ctx;

/* Builds the generator's table (a fraction of a millisecond); 1 on success. */
int sm2c_init(sm2c_ctx *ctx);

/*
 * Builds the generator's fixed-base table once (about 0.8 ms and 54 KB, spent only by a process
 * that tabulates a key); 1 when it is there.
 */
int sm2c_fixed_base(sm2c_ctx *ctx);

/* Frees what sm2c_init and sm2c_fixed_base allocated. */
void sm2c_free(sm2c_ctx *ctx);

/*
 * Loads 64 bytes x || y (big-endian). 1 if both coordinates are below p and (x, y) is on the
 * curve (the point at infinity has no such encoding, and the cofactor is 1): the full public-key
 * check. 0 otherwise.
 */
int sm2c_load_public(sm2c_affine *out, const unsigned char xy[64]);

/*
 * B1-B2 and B5-B7 for digest e = SM3(Z_A || M) (B3-B4, computed by the caller) and signature
 * r || s (32 + 32 bytes, big-endian): 1 iff r, s in [1, n-1], t = (r + s) mod n != 0,
 * (x1, y1) = [s]G + [t]P is not the point at infinity and (e + x1) mod n = r.
 */
int sm2c_verify(const sm2c_ctx *ctx, const sm2c_affine *pub, const unsigned char e[32], const unsigned char sig[64]);

/* Builds Q's fixed-base table (about five verifications' work); 1 on success. */
int sm2c_fixed_build(sm2c_fixed *t, const sm2c_affine *q);

/*
 * The same verification as sm2c_verify, for a key with a fixed-base table: [s]G + [t]P as two
 * sums of table points, with no doubling. Same answer on every input (tested against EVP).
 * Requires the generator's fixed-base table (sm2c_fixed_base).
 */
int sm2c_verify_fixed(const sm2c_ctx *ctx, const sm2c_fixed *pub, const unsigned char e[32], const unsigned char sig[64]);

#endif
