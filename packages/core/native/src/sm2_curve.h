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

typedef struct {
  sm2c_affine g[SM2C_G_TABLE];
} sm2c_ctx;

/* Builds the generator's table (a fraction of a millisecond); 1 on success. */
int sm2c_init(sm2c_ctx *ctx);

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

#endif
