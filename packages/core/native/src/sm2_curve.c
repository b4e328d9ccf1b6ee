/*
 * SM2 signature verification with arithmetic specialised for the SM2 curve (ADR 0035).
 *
 * Curve (GB/T 32918.5-2017 / GM/T 0003.5-2012), y^2 = x^3 + ax + b over F_p:
 *   p = 2^256 - 2^224 - 2^96 + 2^64 - 1, a = p - 3, b, G = (xG, yG) of prime order n, cofactor 1.
 * Verification (GB/T 32918.2-2016 §7.1): B1/B2 r, s in [1, n-1]; B3/B4 e = SM3(Z_A || M) (the
 * caller); B5 t = (r + s) mod n, t != 0; B6 (x1, y1) = [s]G + [t]P_A, not infinity; B7 accept iff
 * (e + x1) mod n = r.
 *
 * How:
 * - Field elements are 4 x 64-bit limbs in Montgomery form (x R mod p, R = 2^256), always fully
 *   reduced to [0, p), so equality is limb equality. p = -1 mod 2^64, so the Montgomery factor
 *   -p^-1 mod 2^64 is 1 and each reduction step multiplies by the low limb itself.
 * - Points in Jacobian coordinates (X/Z^2, Y/Z^3; Z = 0 is the point at infinity). Doubling uses
 *   a = -3 (dbl-2001-b); additions handle every exceptional case (equal points, opposite points,
 *   infinity), because a signature can be chosen to make them happen.
 * - [s]G + [t]P evaluated in one pass (Straus/Shamir interleaving): one chain of ~256 doublings,
 *   with s in width-8 wNAF over a table of 64 affine odd multiples of G built once per addon
 *   instance, and t in width-5 wNAF over 8 odd multiples of P computed per verification.
 * - A key verified again and again may have a fixed-base table (sm2c_fixed, ADR 0035 amendment):
 *   then s and t are in signed 5-bit digits and [s]G + [t]P is a sum of table points from G's and
 *   the key's tables, about 106 mixed additions and no doubling (sm2c_verify_fixed).
 * - No inversion: B7 holds iff x1 is r - e mod n or that plus n (when below p, since p < 2n), and
 *   x1 = X/Z^2, so each candidate c is checked as X = c Z^2.
 * The inputs are public (key, digest, signature): nothing here is constant time, by design.
 */
#include "sm2_curve.h"

#include <stdlib.h>
#include <string.h>

typedef uint64_t u64;
typedef unsigned __int128 u128;

static const u64 P[4] = {0xffffffffffffffffULL, 0xffffffff00000000ULL, 0xffffffffffffffffULL, 0xfffffffeffffffffULL};
static const u64 N[4] = {0x53bbf40939d54123ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL, 0xfffffffeffffffffULL};
/* R^2 mod p, for conversion into Montgomery form. */
static const u64 R2[4] = {0x0000000200000003ULL, 0x00000002ffffffffULL, 0x0000000100000001ULL, 0x0000000400000002ULL};
/* R mod p: 1 in Montgomery form. */
static const u64 ONE[4] = {0x0000000000000001ULL, 0x00000000ffffffffULL, 0x0000000000000000ULL, 0x0000000100000000ULL};
static const u64 B[4] = {0xddbcbd414d940e93ULL, 0xf39789f515ab8f92ULL, 0x4d5a9e4bcf6509a7ULL, 0x28e9fa9e9d9f5e34ULL};
static const unsigned char G_BYTES[64] = {
    0x32, 0xc4, 0xae, 0x2c, 0x1f, 0x19, 0x81, 0x19, 0x5f, 0x99, 0x04, 0x46, 0x6a, 0x39, 0xc9, 0x94,
    0x8f, 0xe3, 0x0b, 0xbf, 0xf2, 0x66, 0x0b, 0xe1, 0x71, 0x5a, 0x45, 0x89, 0x33, 0x4c, 0x74, 0xc7,
    0xbc, 0x37, 0x36, 0xa2, 0xf4, 0xf6, 0x77, 0x9c, 0x59, 0xbd, 0xce, 0xe3, 0x6b, 0x69, 0x21, 0x53,
    0xd0, 0xa9, 0x87, 0x7c, 0xc6, 0x2a, 0x47, 0x40, 0x02, 0xdf, 0x32, 0xe5, 0x21, 0x39, 0xf0, 0xa0};

/* ------------------------------------------------------------------ 256-bit integers */

static void from_be(u64 r[4], const unsigned char b[32]) {
  for (int i = 0; i < 4; i++) {
    u64 v = 0;
    for (int j = 0; j < 8; j++) v = (v << 8) | b[(3 - i) * 8 + j];
    r[i] = v;
  }
}

static u64 add4(u64 r[4], const u64 a[4], const u64 b[4]) {
  u128 c = 0;
  for (int i = 0; i < 4; i++) {
    c += (u128)a[i] + b[i];
    r[i] = (u64)c;
    c >>= 64;
  }
  return (u64)c;
}

static u64 sub4(u64 r[4], const u64 a[4], const u64 b[4]) {
  u64 borrow = 0;
  for (int i = 0; i < 4; i++) {
    u64 ai = a[i], bi = b[i];
    u64 d = ai - bi - borrow;
    borrow = (ai < bi) | ((ai == bi) & borrow);
    r[i] = d;
  }
  return borrow;
}

/* a >= b */
static int geq4(const u64 a[4], const u64 b[4]) {
  for (int i = 3; i >= 0; i--) {
    if (a[i] != b[i]) return a[i] > b[i];
  }
  return 1;
}

static int is_zero4(const u64 a[4]) { return (a[0] | a[1] | a[2] | a[3]) == 0; }

static int eq4(const u64 a[4], const u64 b[4]) {
  return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
}

/* ------------------------------------------------------------------ F_p, Montgomery form */

/* Add and subtract with carry (compilers turn these into adc/sbb chains). */
static inline u64 addc(u64 a, u64 b, u64 cin, u64 *cout) {
  u64 s, t;
  u64 c1 = __builtin_add_overflow(a, b, &s);
  u64 c2 = __builtin_add_overflow(s, cin, &t);
  *cout = c1 | c2;
  return t;
}

static inline u64 subb(u64 a, u64 b, u64 bin, u64 *bout) {
  u64 d, e;
  u64 b1 = __builtin_sub_overflow(a, b, &d);
  u64 b2 = __builtin_sub_overflow(d, bin, &e);
  *bout = b1 | b2;
  return e;
}

/* r = a + b mod p (a, b < p), without branches on the values: they are public, but this is faster. */
static void fe_add(u64 r[4], const u64 a[4], const u64 b[4]) {
  u64 c, br;
  u64 s0 = addc(a[0], b[0], 0, &c);
  u64 s1 = addc(a[1], b[1], c, &c);
  u64 s2 = addc(a[2], b[2], c, &c);
  u64 s3 = addc(a[3], b[3], c, &c);
  u64 d0 = subb(s0, P[0], 0, &br);
  u64 d1 = subb(s1, P[1], br, &br);
  u64 d2 = subb(s2, P[2], br, &br);
  u64 d3 = subb(s3, P[3], br, &br);
  u64 use_d = (u64)0 - (c | (br ^ 1)); /* s >= p */
  r[0] = (d0 & use_d) | (s0 & ~use_d);
  r[1] = (d1 & use_d) | (s1 & ~use_d);
  r[2] = (d2 & use_d) | (s2 & ~use_d);
  r[3] = (d3 & use_d) | (s3 & ~use_d);
}

/* r = a - b mod p (a, b < p). */
static void fe_sub(u64 r[4], const u64 a[4], const u64 b[4]) {
  u64 br, c;
  u64 d0 = subb(a[0], b[0], 0, &br);
  u64 d1 = subb(a[1], b[1], br, &br);
  u64 d2 = subb(a[2], b[2], br, &br);
  u64 d3 = subb(a[3], b[3], br, &br);
  u64 mask = (u64)0 - br;
  r[0] = addc(d0, P[0] & mask, 0, &c);
  r[1] = addc(d1, P[1] & mask, c, &c);
  r[2] = addc(d2, P[2] & mask, c, &c);
  r[3] = addc(d3, P[3] & mask, c, &c);
}

static void fe_neg(u64 r[4], const u64 a[4]) {
  if (is_zero4(a)) memset(r, 0, 32);
  else sub4(r, P, a);
}

/*
 * Products are accumulated column by column (Comba) in a 128-bit accumulator plus an overflow
 * word, then reduced (Montgomery, R = 2^256) in registers.
 */
#define MAC(x, y)                    \
  do {                               \
    u128 p_ = (u128)(x) * (y);       \
    acc += p_;                       \
    c2 += acc < p_;                  \
  } while (0)
#define MAC2(x, y)                   \
  do {                               \
    u128 p_ = (u128)(x) * (y);       \
    acc += p_;                       \
    c2 += acc < p_;                  \
    acc += p_;                       \
    c2 += acc < p_;                  \
  } while (0)
#define COLUMN(out)                           \
  do {                                        \
    out = (u64)acc;                           \
    acc = (acc >> 64) | ((u128)c2 << 64);     \
    c2 = 0;                                   \
  } while (0)

/* Result (top, c3, c2, c1, c0) < 2p of the interleaved reduction, minus p if it is >= p. */
static inline void fe_final(u64 r[4], u64 top, u64 x0, u64 x1, u64 x2, u64 x3) {
  u64 d0, d1, d2, d3, borrow;
  u128 w = (u128)x0 - P[0];
  d0 = (u64)w;
  borrow = (u64)(w >> 64) & 1;
  w = (u128)x1 - P[1] - borrow;
  d1 = (u64)w;
  borrow = (u64)(w >> 64) & 1;
  w = (u128)x2 - P[2] - borrow;
  d2 = (u64)w;
  borrow = (u64)(w >> 64) & 1;
  w = (u128)x3 - P[3] - borrow;
  d3 = (u64)w;
  borrow = (u64)(w >> 64) & 1;
  u64 use_d = (u64)0 - (top | (borrow ^ 1));
  r[0] = (d0 & use_d) | (x0 & ~use_d);
  r[1] = (d1 & use_d) | (x1 & ~use_d);
  r[2] = (d2 & use_d) | (x2 & ~use_d);
  r[3] = (d3 & use_d) | (x3 & ~use_d);
}

/*
 * Montgomery multiplication in product scanning form: column k of a b and of m p (m the
 * Montgomery quotient, one word per column 0..3) summed in one accumulator. -p^-1 = 1 mod 2^64
 * (p = -1 mod 2^64), so each quotient word is the column's low word itself.
 */
#define P0 0xffffffffffffffffULL
#define P1 0xffffffff00000000ULL
#define P2 0xffffffffffffffffULL
#define P3 0xfffffffeffffffffULL

/* r = a b R^-1 mod p (a, b < p). */
static void fe_mul(u64 r[4], const u64 a[4], const u64 b[4]) {
  u64 a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
  u64 m0, m1, m2, m3, x0, x1, x2, x3, c2 = 0;
  u128 acc = 0;
  MAC(a0, b0);
  m0 = (u64)acc;
  MAC(m0, P0);
  COLUMN(x0);
  MAC(a0, b1);
  MAC(a1, b0);
  MAC(m0, P1);
  m1 = (u64)acc;
  MAC(m1, P0);
  COLUMN(x0);
  MAC(a0, b2);
  MAC(a1, b1);
  MAC(a2, b0);
  MAC(m0, P2);
  MAC(m1, P1);
  m2 = (u64)acc;
  MAC(m2, P0);
  COLUMN(x0);
  MAC(a0, b3);
  MAC(a1, b2);
  MAC(a2, b1);
  MAC(a3, b0);
  MAC(m0, P3);
  MAC(m1, P2);
  MAC(m2, P1);
  m3 = (u64)acc;
  MAC(m3, P0);
  COLUMN(x0);
  MAC(a1, b3);
  MAC(a2, b2);
  MAC(a3, b1);
  MAC(m1, P3);
  MAC(m2, P2);
  MAC(m3, P1);
  COLUMN(x0);
  MAC(a2, b3);
  MAC(a3, b2);
  MAC(m2, P3);
  MAC(m3, P2);
  COLUMN(x1);
  MAC(a3, b3);
  MAC(m3, P3);
  COLUMN(x2);
  x3 = (u64)acc;
  fe_final(r, (u64)(acc >> 64), x0, x1, x2, x3);
}

/* r = a^2 R^-1 mod p: each cross product computed once and added twice. */
static void fe_sqr(u64 r[4], const u64 a[4]) {
  u64 a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
  u64 m0, m1, m2, m3, x0, x1, x2, x3, c2 = 0;
  u128 acc = 0;
  MAC(a0, a0);
  m0 = (u64)acc;
  MAC(m0, P0);
  COLUMN(x0);
  MAC2(a0, a1);
  MAC(m0, P1);
  m1 = (u64)acc;
  MAC(m1, P0);
  COLUMN(x0);
  MAC2(a0, a2);
  MAC(a1, a1);
  MAC(m0, P2);
  MAC(m1, P1);
  m2 = (u64)acc;
  MAC(m2, P0);
  COLUMN(x0);
  MAC2(a0, a3);
  MAC2(a1, a2);
  MAC(m0, P3);
  MAC(m1, P2);
  MAC(m2, P1);
  m3 = (u64)acc;
  MAC(m3, P0);
  COLUMN(x0);
  MAC2(a1, a3);
  MAC(a2, a2);
  MAC(m1, P3);
  MAC(m2, P2);
  MAC(m3, P1);
  COLUMN(x0);
  MAC2(a2, a3);
  MAC(m2, P3);
  MAC(m3, P2);
  COLUMN(x1);
  MAC(a3, a3);
  MAC(m3, P3);
  COLUMN(x2);
  x3 = (u64)acc;
  fe_final(r, (u64)(acc >> 64), x0, x1, x2, x3);
}

static void fe_to_mont(u64 r[4], const u64 a[4]) { fe_mul(r, a, R2); }

/* a^(p-2) = a^-1 (a != 0). Only used to build tables. */
static void fe_inv(u64 r[4], const u64 a[4]) {
  u64 e[4], acc[4];
  const u64 two[4] = {2, 0, 0, 0};
  sub4(e, P, two);
  memcpy(acc, ONE, 32);
  for (int i = 255; i >= 0; i--) {
    fe_sqr(acc, acc);
    if ((e[i / 64] >> (i % 64)) & 1) fe_mul(acc, acc, a);
  }
  memcpy(r, acc, 32);
}

/* ------------------------------------------------------------------ points */

typedef struct {
  u64 X[4], Y[4], Z[4];
} jac;

static int jac_is_inf(const jac *p) { return is_zero4(p->Z); }

/* r = 2p, a = -3 (dbl-2001-b). Infinity stays infinity (Z3 = 0); y = 0 does not occur (odd order). */
static void jac_dbl(jac *r, const jac *p) {
  u64 delta[4], gamma[4], beta[4], alpha[4], t1[4], t2[4], x3[4], y3[4], z3[4];
  fe_sqr(delta, p->Z);
  fe_sqr(gamma, p->Y);
  fe_mul(beta, p->X, gamma);
  fe_sub(t1, p->X, delta);
  fe_add(t2, p->X, delta);
  fe_mul(t1, t1, t2);
  fe_add(alpha, t1, t1);
  fe_add(alpha, alpha, t1); /* 3 (X - delta)(X + delta) */
  fe_sqr(x3, alpha);
  fe_add(t1, beta, beta);   /* 2 beta */
  fe_add(t1, t1, t1);       /* 4 beta */
  fe_add(t2, t1, t1);       /* 8 beta */
  fe_sub(x3, x3, t2);       /* X3 = alpha^2 - 8 beta */
  fe_add(z3, p->Y, p->Z);
  fe_sqr(z3, z3);
  fe_sub(z3, z3, gamma);
  fe_sub(z3, z3, delta);    /* Z3 = (Y + Z)^2 - gamma - delta */
  fe_sub(t1, t1, x3);
  fe_mul(y3, alpha, t1);
  fe_sqr(t2, gamma);
  fe_add(t2, t2, t2);
  fe_add(t2, t2, t2);
  fe_add(t2, t2, t2);       /* 8 gamma^2 */
  fe_sub(y3, y3, t2);       /* Y3 = alpha (4 beta - X3) - 8 gamma^2 */
  memcpy(r->X, x3, 32);
  memcpy(r->Y, y3, 32);
  memcpy(r->Z, z3, 32);
}

/*
 * r = p + (x2, y2 [, z2]): the affine form when z2 is NULL (madd-2004-hmv), else Jacobian
 * (add-1998-cmo-2). Exceptional cases: either operand infinity, p = q (doubling), p = -q
 * (infinity).
 */
static void jac_add(jac *r, const jac *p, const u64 x2[4], const u64 y2[4], const u64 *z2) {
  if (z2 != NULL && is_zero4(z2)) {
    if (r != p) *r = *p;
    return;
  }
  if (jac_is_inf(p)) {
    memcpy(r->X, x2, 32);
    memcpy(r->Y, y2, 32);
    memcpy(r->Z, z2 != NULL ? z2 : ONE, 32);
    return;
  }
  u64 z1z1[4], u1[4], u2[4], s1[4], s2[4], h[4], rr[4], hh[4], hhh[4], v[4], t[4], x3[4], y3[4], z3[4];
  fe_sqr(z1z1, p->Z);
  fe_mul(u2, x2, z1z1);
  fe_mul(s2, y2, p->Z);
  fe_mul(s2, s2, z1z1);
  if (z2 != NULL) {
    u64 z2z2[4];
    fe_sqr(z2z2, z2);
    fe_mul(u1, p->X, z2z2);
    fe_mul(s1, p->Y, z2);
    fe_mul(s1, s1, z2z2);
  } else {
    memcpy(u1, p->X, 32);
    memcpy(s1, p->Y, 32);
  }
  fe_sub(h, u2, u1);
  fe_sub(rr, s2, s1);
  if (is_zero4(h)) {
    if (is_zero4(rr)) {
      jac_dbl(r, p);
    } else {
      memset(r, 0, sizeof *r); /* p = -q */
    }
    return;
  }
  fe_sqr(hh, h);
  fe_mul(hhh, h, hh);
  fe_mul(v, u1, hh);
  fe_sqr(x3, rr);
  fe_sub(x3, x3, hhh);
  fe_add(t, v, v);
  fe_sub(x3, x3, t);        /* X3 = R^2 - H^3 - 2 U1 H^2 */
  fe_sub(t, v, x3);
  fe_mul(y3, rr, t);
  fe_mul(t, s1, hhh);
  fe_sub(y3, y3, t);        /* Y3 = R (U1 H^2 - X3) - S1 H^3 */
  fe_mul(z3, p->Z, h);
  if (z2 != NULL) fe_mul(z3, z3, z2); /* Z3 = Z1 Z2 H */
  memcpy(r->X, x3, 32);
  memcpy(r->Y, y3, 32);
  memcpy(r->Z, z3, 32);
}

static int on_curve(const u64 x[4], const u64 y[4]) {
  u64 lhs[4], rhs[4], t[4], b[4];
  fe_sqr(lhs, y);
  fe_sqr(rhs, x);
  fe_mul(rhs, rhs, x);
  fe_add(t, x, x);
  fe_add(t, t, x);
  fe_sub(rhs, rhs, t);
  fe_to_mont(b, B);
  fe_add(rhs, rhs, b);
  return eq4(lhs, rhs);
}

int sm2c_load_public(sm2c_affine *out, const unsigned char xy[64]) {
  u64 x[4], y[4];
  from_be(x, xy);
  from_be(y, xy + 32);
  if (geq4(x, P) || geq4(y, P)) return 0;
  fe_to_mont(x, x);
  fe_to_mont(y, y);
  if (!on_curve(x, y)) return 0;
  memcpy(out->x, x, 32);
  memcpy(out->y, y, 32);
  return 1;
}

static void jac_to_affine(sm2c_affine *out, const jac *p) {
  u64 zi[4], zi2[4];
  fe_inv(zi, p->Z);
  fe_sqr(zi2, zi);
  fe_mul(out->x, p->X, zi2);
  fe_mul(zi2, zi2, zi);
  fe_mul(out->y, p->Y, zi2);
}

int sm2c_init(sm2c_ctx *ctx) {
  ctx->gfix = NULL;
  sm2c_affine g;
  if (!sm2c_load_public(&g, G_BYTES)) return 0;
  jac acc, g2;
  memcpy(acc.X, g.x, 32);
  memcpy(acc.Y, g.y, 32);
  memcpy(acc.Z, ONE, 32);
  jac_dbl(&g2, &acc);
  ctx->g[0] = g;
  for (int i = 1; i < SM2C_G_TABLE; i++) {
    jac_add(&acc, &acc, g2.X, g2.Y, g2.Z);
    if (jac_is_inf(&acc)) return 0;
    jac_to_affine(&ctx->g[i], &acc);
    if (!on_curve(ctx->g[i].x, ctx->g[i].y)) return 0;
  }
  return 1;
}

int sm2c_fixed_base(sm2c_ctx *ctx) {
  if (ctx->gfix != NULL) return 1;
  sm2c_fixed *t = (sm2c_fixed *)malloc(sizeof *t);
  if (t == NULL || !sm2c_fixed_build(t, &ctx->g[0])) {
    free(t);
    return 0;
  }
  ctx->gfix = t;
  return 1;
}

void sm2c_free(sm2c_ctx *ctx) {
  free(ctx->gfix);
  ctx->gfix = NULL;
}

/*
 * Q's fixed-base table: per window the multiples B, 2B, ..., 16B of B = 2^(5i) Q in Jacobian
 * coordinates, then all of them to affine with one inversion (Montgomery's simultaneous
 * inversion). No multiple is the point at infinity (j 2^(5i) is never a multiple of the prime n),
 * and each is checked on the curve.
 */
int sm2c_fixed_build(sm2c_fixed *t, const sm2c_affine *q) {
  enum { COUNT = SM2C_FW_WINDOWS * SM2C_FW_ENTRIES };
  jac *all = (jac *)malloc(sizeof(jac) * COUNT);
  u64(*prefix)[4] = (u64(*)[4])malloc(sizeof(u64[4]) * COUNT);
  int ok = all != NULL && prefix != NULL;
  if (ok) {
    jac base;
    memcpy(base.X, q->x, 32);
    memcpy(base.Y, q->y, 32);
    memcpy(base.Z, ONE, 32);
    for (int i = 0; i < SM2C_FW_WINDOWS; i++) {
      jac *w = &all[i * SM2C_FW_ENTRIES];
      w[0] = base;
      jac_dbl(&w[1], &base);
      for (int j = 2; j < SM2C_FW_ENTRIES; j++) jac_add(&w[j], &w[j - 1], base.X, base.Y, base.Z);
      jac_dbl(&base, &w[SM2C_FW_ENTRIES - 1]); /* 32 B: the next window's base */
    }
    for (int k = 0; k < COUNT && ok; k++) {
      if (jac_is_inf(&all[k])) ok = 0;
      else if (k == 0) memcpy(prefix[0], all[0].Z, 32);
      else fe_mul(prefix[k], prefix[k - 1], all[k].Z);
    }
    if (ok) {
      u64 inv[4], zi[4], zi2[4];
      fe_inv(inv, prefix[COUNT - 1]); /* 1 / (Z_0 ... Z_last) */
      for (int k = COUNT - 1; k >= 0; k--) {
        if (k > 0) {
          fe_mul(zi, inv, prefix[k - 1]); /* 1 / Z_k */
          fe_mul(inv, inv, all[k].Z);     /* 1 / (Z_0 ... Z_(k-1)) */
        } else {
          memcpy(zi, inv, 32);
        }
        sm2c_affine *out = &t->pts[k / SM2C_FW_ENTRIES][k % SM2C_FW_ENTRIES];
        fe_sqr(zi2, zi);
        fe_mul(out->x, all[k].X, zi2);
        fe_mul(zi2, zi2, zi);
        fe_mul(out->y, all[k].Y, zi2);
        if (!on_curve(out->x, out->y)) ok = 0;
      }
    }
  }
  free(all);
  free(prefix);
  return ok;
}

/* ------------------------------------------------------------------ scalars */

/*
 * Width-w NAF of k < 2^256: digits odd or zero, |digit| < 2^(w-1), at most one non-zero in any
 * w consecutive; least significant first. Returns the length (at most 257).
 */
static int wnaf(signed char out[258], const u64 k[4], int w) {
  u64 d[5] = {k[0], k[1], k[2], k[3], 0};
  const int width = 1 << w, half = 1 << (w - 1);
  int len = 0;
  while ((d[0] | d[1] | d[2] | d[3] | d[4]) != 0) {
    int digit = 0;
    if (d[0] & 1) {
      digit = (int)(d[0] & (u64)(width - 1));
      if (digit >= half) digit -= width;
      if (digit > 0) {
        d[0] -= (u64)digit; /* clears the low bits: no borrow */
      } else {
        u64 add = (u64)(-digit);
        for (int i = 0; i < 5 && add != 0; i++) {
          u64 s = d[i] + add;
          add = s < add;
          d[i] = s;
        }
      }
    }
    out[len++] = (signed char)digit;
    for (int i = 0; i < 4; i++) d[i] = (d[i] >> 1) | (d[i + 1] << 63);
    d[4] >>= 1;
  }
  return len;
}

/* acc += q, or acc -= q when `negative` (q affine). */
static void madd_signed(jac *acc, const sm2c_affine *q, int negative) {
  if (negative) {
    u64 negy[4];
    fe_neg(negy, q->y);
    jac_add(acc, acc, q->x, negy, NULL);
  } else {
    jac_add(acc, acc, q->x, q->y, NULL);
  }
}

#define P_WINDOW 5
#define P_TABLE (1 << (P_WINDOW - 2))

/* B1, B2 and B5: r, s in [1, n-1] and t = (r + s) mod n != 0. 1 if they hold. */
static int b125(const unsigned char sig[64], u64 r[4], u64 s[4], u64 t[4]) {
  from_be(r, sig);
  from_be(s, sig + 32);
  if (is_zero4(r) || geq4(r, N) || is_zero4(s) || geq4(s, N)) return 0;
  if (add4(t, r, s) || geq4(t, N)) sub4(t, t, N);
  return !is_zero4(t);
}

/*
 * B6's infinity check and B7 without inverting Z: x1 = X / Z^2 must be c = (r - e) mod n or
 * c + n (if below p).
 */
static int b7(const jac *acc, const u64 r[4], const unsigned char e_bytes[32]) {
  if (jac_is_inf(acc)) return 0;
  u64 e[4];
  from_be(e, e_bytes);
  if (geq4(e, N)) sub4(e, e, N); /* e < 2^256 < 2n */
  u64 c[4], zz[4], cand[4];
  if (sub4(c, r, e)) add4(c, c, N);
  fe_sqr(zz, acc->Z);
  fe_to_mont(cand, c);
  fe_mul(cand, cand, zz);
  if (eq4(cand, acc->X)) return 1;
  if (add4(c, c, N) == 0 && !geq4(c, P)) {
    fe_to_mont(cand, c);
    fe_mul(cand, cand, zz);
    if (eq4(cand, acc->X)) return 1;
  }
  return 0;
}

int sm2c_verify(const sm2c_ctx *ctx, const sm2c_affine *pub, const unsigned char e_bytes[32],
                const unsigned char sig[64]) {
  u64 r[4], s[4], t[4];
  if (!b125(sig, r, s, t)) return 0;

  /* B6: [s]G + [t]P, interleaved. */
  jac ptab[P_TABLE], p2;
  memcpy(ptab[0].X, pub->x, 32);
  memcpy(ptab[0].Y, pub->y, 32);
  memcpy(ptab[0].Z, ONE, 32);
  jac_dbl(&p2, &ptab[0]);
  for (int i = 1; i < P_TABLE; i++) jac_add(&ptab[i], &ptab[i - 1], p2.X, p2.Y, p2.Z);
  signed char ns[258], nt[258];
  int ls = wnaf(ns, s, SM2C_G_WINDOW), lt = wnaf(nt, t, P_WINDOW);
  jac acc;
  memset(&acc, 0, sizeof acc);
  u64 negy[4];
  for (int i = (ls > lt ? ls : lt) - 1; i >= 0; i--) {
    if (!jac_is_inf(&acc)) jac_dbl(&acc, &acc);
    int d = i < lt ? nt[i] : 0;
    if (d > 0) {
      const jac *q = &ptab[d >> 1];
      jac_add(&acc, &acc, q->X, q->Y, q->Z);
    } else if (d < 0) {
      const jac *q = &ptab[(-d) >> 1];
      fe_neg(negy, q->Y);
      jac_add(&acc, &acc, q->X, negy, q->Z);
    }
    d = i < ls ? ns[i] : 0;
    if (d != 0) madd_signed(&acc, &ctx->g[(d > 0 ? d : -d) >> 1], d < 0);
  }
  return b7(&acc, r, e_bytes);
}

/* k's signed 5-bit digits, least significant first: k = sum d_i 2^(5i), d_i in [-15, 16]. */
static void fixed_digits(signed char out[SM2C_FW_WINDOWS], const u64 k[4]) {
  int carry = 0;
  for (int i = 0; i < SM2C_FW_WINDOWS; i++) {
    int bit = SM2C_FW_BITS * i, word = bit / 64, off = bit % 64;
    u64 v = word < 4 ? k[word] >> off : 0;
    if (off > 64 - SM2C_FW_BITS && word < 3) v |= k[word + 1] << (64 - off);
    int c = (int)(v & ((1u << SM2C_FW_BITS) - 1)) + carry;
    carry = c > (1 << (SM2C_FW_BITS - 1));
    out[i] = (signed char)(carry ? c - (1 << SM2C_FW_BITS) : c);
  }
}

/* acc += d (2^(5i)) Q from Q's table. */
static void fixed_add(jac *acc, const sm2c_fixed *t, int i, int d) {
  if (d != 0) madd_signed(acc, &t->pts[i][(d > 0 ? d : -d) - 1], d < 0);
}

int sm2c_verify_fixed(const sm2c_ctx *ctx, const sm2c_fixed *pub, const unsigned char e_bytes[32],
                      const unsigned char sig[64]) {
  u64 r[4], s[4], t[4];
  if (!b125(sig, r, s, t)) return 0;
  /* B6: [s]G + [t]P as sums of table points. */
  signed char ds[SM2C_FW_WINDOWS], dt[SM2C_FW_WINDOWS];
  fixed_digits(ds, s);
  fixed_digits(dt, t);
  jac acc;
  memset(&acc, 0, sizeof acc);
  for (int i = 0; i < SM2C_FW_WINDOWS; i++) {
    fixed_add(&acc, ctx->gfix, i, ds[i]);
    fixed_add(&acc, pub, i, dt[i]);
  }
  return b7(&acc, r, e_bytes);
}
