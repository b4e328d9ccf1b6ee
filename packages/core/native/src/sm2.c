/*
 * govchain SM2 fast path: SM2 signatures (GB/T 32918.2) with SM3 and the default distinguishing
 * ID "1234567812345678", computed by the OpenSSL that Node links and exports (no second copy of
 * OpenSSL, nothing downloaded). Real SM2 through EVP (EVP_PKEY type SM2, EVP_PKEY_CTX_set1_id,
 * EVP_sm3), never ECDSA on the SM2 curve.
 *
 * JS API (see packages/core/src/crypto/node.ts, Sm2Native):
 *   publicKeyFromPrivate(priv: Uint8Array(32)) -> Uint8Array(65) | null
 *   parsePublicKey(pub: Uint8Array(65))        -> handle | null
 *   parsePrivateKey(priv: Uint8Array(32))      -> handle | null
 *   sign(handle, msg: Uint8Array)              -> Uint8Array(64) r||s | null
 *   verify(pubHandle, msg, sig: Uint8Array(64)) -> boolean          (GB/T 32918.2 §7.1, sm2_curve.c: ADR 0035)
 *   verifyEc(pubHandle, msg, sig)               -> boolean          (the same on OpenSSL's EC_POINT_mul, ADR 0010)
 *   verifyEvp(pubHandle, msg, sig)              -> boolean          (the same through EVP: the reference)
 *   checkPublicKey(pub: Uint8Array(65))         -> number           (bit 0: OpenSSL accepts, bit 1: sm2_curve.c)
 *   precompute(pubHandle)                       -> boolean          (per-key table for verifyEc, see below)
 *   dropPrecompute(pubHandle)                   -> undefined
 *   tabulate(pubHandle)                         -> boolean          (per-key fixed-base table for verify)
 *   untabulate(pubHandle)                       -> undefined
 *   digest(which 0|1, data, length, out)        -> undefined        (SHA-256 | SM3 into out[0, 32))
 *   encrypt(pubHandle, msg: Uint8Array(1..))    -> Uint8Array C1||C3||C2 | null  (GB/T 32918.4, SM3)
 *   decrypt(privHandle, c1c3c2: Uint8Array)     -> Uint8Array | null (null: not decryptable)
 * Private-key handles are napi externals owning an EVP_PKEY; public-key handles own an sm2_pub
 * (the point for sm2_curve.c, Z_A, and, once a path needs them, the EVP_PKEY, the EC_POINT and
 * optionally a precomputed table); both are freed by the
 * garbage collector and carry napi type tags, so one kind is never taken for the other.
 *
 * Verification speed. OpenSSL 3.0 has no optimised arithmetic for the SM2 curve, and EVP's SM2
 * verify recomputes Z_A and runs [s]G + [t]P as one wNAF multiplication with no precomputation:
 * about 256 doublings. `verify` runs the equation on arithmetic specialised for the SM2 prime
 * (sm2_curve.c, ADR 0035), with Z_A computed once per key. `verifyEc` computes the same
 * equation (§7.1 B1-B7) with OpenSSL's own EC arithmetic, with Z_A computed once per key, the
 * generator's table precomputed once (EC_GROUP_precompute_mult), and, for a key that
 * `precompute` was called on, a table for the key too: an EC_GROUP copy whose generator is the
 * public key. With a table, EC_POINT_mul of one scalar is wNAF splitting over 8-bit blocks,
 * 8 doublings instead of 256. Both multiplications pass a zero second scalar, because OpenSSL
 * sends a lone generator multiplication to its constant-time ladder (made for secret scalars,
 * and blind to tables); the scalars here are public. All three paths are compared in the tests
 * (vectors, random and malformed signatures, edge keys). Malformed input
 * gives null/false, never a crash; a wrong argument type throws a TypeError (the JS layer never
 * passes one). Every call leaves OpenSSL's thread error queue empty, because Node's own crypto
 * reads that queue.
 */
/* EC_GROUP_precompute_mult is deprecated in 3.0 (no replacement for a custom generator) but present. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <node_api.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>
#include <string.h>

#include "sm2_curve.h"

static const unsigned char SM2_DEFAULT_ID[16] = {'1', '2', '3', '4', '5', '6', '7', '8',
                                                 '1', '2', '3', '4', '5', '6', '7', '8'};

typedef struct {
  EC_GROUP *group;
  EC_GROUP *group_pre; /* the SM2 group with the generator's table (verification only) */
  BIGNUM *order;       /* n */
  BIGNUM *order_m1;    /* n - 1: private keys must be < n - 1 */
  BIGNUM *zero;
  BN_CTX *bn;          /* one per addon instance: JS calls on one thread */
  unsigned char curve_za[128]; /* a || b || xG || yG for Z_A */
  EVP_MD *sm3;
  EVP_MD *sha256;
  EVP_MD_CTX *digest_ctx; /* reused by Digest and Verify: one JS thread per addon instance */
  sm2c_ctx curve;         /* the generator's tables for sm2_curve.c */
} addon_state;

/*
 * A parsed public key. Parsing checks the point and computes Z_A only; the OpenSSL objects, which
 * cost more to build than a verification on sm2_curve.c, are made on first use (pub_openssl).
 */
typedef struct {
  unsigned char pub[65];
  EVP_PKEY *pkey;        /* NULL until pub_openssl */
  EC_POINT *point;       /* NULL until pub_openssl */
  unsigned char za[32];  /* Z_A with the default ID */
  sm2c_affine aff;       /* the point for sm2_curve.c (Montgomery form) */
  EC_GROUP *table;       /* NULL, or a group whose generator is `point`, precomputed */
  sm2c_fixed *fix;       /* NULL, or the key's fixed-base table for sm2_curve.c (tabulate) */
} sm2_pub;

static const napi_type_tag PUB_TAG = {0x676f76636861696eULL, 0x736d327075620001ULL};
static const napi_type_tag PRIV_TAG = {0x676f76636861696eULL, 0x736d327072760001ULL};

static void state_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  addon_state *st = (addon_state *)data;
  if (st == NULL) return;
  EC_GROUP_free(st->group);
  EC_GROUP_free(st->group_pre);
  EVP_MD_CTX_free(st->digest_ctx);
  EVP_MD_free(st->sha256);
  BN_free(st->zero);
  BN_CTX_free(st->bn);
  BN_free(st->order);
  BN_free(st->order_m1);
  EVP_MD_free(st->sm3);
  sm2c_free(&st->curve);
  free(st);
}

static addon_state *get_state(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return (addon_state *)data;
}

/* Reads a Uint8Array argument; returns 0 (and throws a TypeError) if it is not one. */
static int get_bytes(napi_env env, napi_value v, const unsigned char **data, size_t *len) {
  bool is_ta = false;
  napi_typedarray_type type;
  void *ptr = NULL;
  size_t length = 0;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, &length, &ptr, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return 0;
  }
  *data = (const unsigned char *)(ptr != NULL ? ptr : (const void *)"");
  *len = length;
  return 1;
}

static napi_value js_null(napi_env env) {
  napi_value v;
  napi_get_null(env, &v);
  return v;
}

static napi_value js_bool(napi_env env, int b) {
  napi_value v;
  napi_get_boolean(env, b ? true : false, &v);
  return v;
}

static napi_value new_uint8array(napi_env env, const unsigned char *bytes, size_t len) {
  void *data = NULL;
  napi_value ab, out;
  if (napi_create_arraybuffer(env, len, &data, &ab) != napi_ok) return js_null(env);
  memcpy(data, bytes, len);
  if (napi_create_typedarray(env, napi_uint8_array, len, ab, 0, &out) != napi_ok) return js_null(env);
  return out;
}

static void pkey_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  EVP_PKEY_free((EVP_PKEY *)data);
}

static napi_value wrap_pkey(napi_env env, EVP_PKEY *pkey) {
  napi_value ext;
  if (napi_create_external(env, pkey, pkey_finalize, NULL, &ext) != napi_ok) {
    EVP_PKEY_free(pkey);
    return js_null(env);
  }
  if (napi_type_tag_object(env, ext, &PRIV_TAG) != napi_ok) return js_null(env);
  return ext;
}

static void *unwrap_tagged(napi_env env, napi_value v, const napi_type_tag *tag) {
  napi_valuetype t;
  void *data = NULL;
  bool ok = false;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  if (napi_check_object_type_tag(env, v, tag, &ok) != napi_ok || !ok) return NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok) return NULL;
  return data;
}

static EVP_PKEY *unwrap_pkey(napi_env env, napi_value v) { return (EVP_PKEY *)unwrap_tagged(env, v, &PRIV_TAG); }

static sm2_pub *unwrap_pub(napi_env env, napi_value v) { return (sm2_pub *)unwrap_tagged(env, v, &PUB_TAG); }

/* The call's first argument as a public-key handle; NULL when missing or of another kind. */
static sm2_pub *pub_arg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  return argc < 1 ? NULL : unwrap_pub(env, argv[0]);
}

static void pub_free(sm2_pub *k) {
  if (k == NULL) return;
  EVP_PKEY_free(k->pkey);
  EC_POINT_free(k->point);
  EC_GROUP_free(k->table);
  free(k->fix);
  free(k);
}

static void pub_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  pub_free((sm2_pub *)data);
}

static EVP_PKEY *make_pkey(const unsigned char pub[65], const unsigned char *priv32);

/* The key's EVP_PKEY and EC_POINT (for EVP, encryption and verifyEc), made once; 0 on failure. */
static int pub_openssl(const addon_state *st, sm2_pub *k) {
  if (k->pkey != NULL) return 1;
  EVP_PKEY *pkey = make_pkey(k->pub, NULL); /* checks the point again: on the curve, not infinity */
  EC_POINT *point = EC_POINT_new(st->group);
  if (pkey == NULL || point == NULL || EC_POINT_oct2point(st->group, point, k->pub, 65, st->bn) != 1 ||
      EC_POINT_is_on_curve(st->group, point, st->bn) != 1) {
    EVP_PKEY_free(pkey);
    EC_POINT_free(point);
    ERR_clear_error();
    return 0;
  }
  k->pkey = pkey;
  k->point = point;
  return 1;
}

/* Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GB/T 32918.2 §5.5), default ID. */
static int compute_za(const addon_state *st, const unsigned char pub[65], unsigned char out[32]) {
  unsigned char buf[2 + sizeof SM2_DEFAULT_ID + 128 + 64];
  size_t n = 0;
  buf[n++] = 0x00;
  buf[n++] = (unsigned char)(8 * sizeof SM2_DEFAULT_ID);
  memcpy(buf + n, SM2_DEFAULT_ID, sizeof SM2_DEFAULT_ID);
  n += sizeof SM2_DEFAULT_ID;
  memcpy(buf + n, st->curve_za, 128);
  n += 128;
  memcpy(buf + n, pub + 1, 64);
  n += 64;
  unsigned int len = 0;
  return EVP_Digest(buf, n, out, &len, st->sm3, NULL) == 1 && len == 32;
}

/* d from 32 big-endian bytes, NULL unless 1 <= d <= n - 2. Caller frees with BN_clear_free. */
static BIGNUM *private_scalar(const addon_state *st, const unsigned char *priv, size_t len) {
  if (len != 32) return NULL;
  BIGNUM *d = BN_secure_new();
  if (d == NULL) return NULL;
  if (BN_bin2bn(priv, 32, d) == NULL || BN_is_zero(d) || BN_cmp(d, st->order_m1) >= 0) {
    BN_clear_free(d);
    return NULL;
  }
  return d;
}

/* 65-byte uncompressed public key of d into out. */
static int public_from_scalar(const addon_state *st, const BIGNUM *d, unsigned char out[65]) {
  int ok = 0;
  EC_POINT *p = EC_POINT_new(st->group);
  if (p != NULL && EC_POINT_mul(st->group, p, d, NULL, NULL, NULL) == 1 &&
      EC_POINT_point2oct(st->group, p, POINT_CONVERSION_UNCOMPRESSED, out, 65, NULL) == 65) {
    ok = 1;
  }
  EC_POINT_free(p);
  return ok;
}

/* EVP_PKEY of type SM2 from an uncompressed public key and optionally the private scalar. */
static EVP_PKEY *make_pkey(const unsigned char pub[65], const unsigned char *priv32) {
  EVP_PKEY *pkey = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
  BIGNUM *d = NULL;
  unsigned char priv_le[32];
  OSSL_PARAM params[4];
  int n = 0;
  char group[] = "SM2";
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, 65);
  if (priv32 != NULL) {
    /* OSSL_PARAM integers are native-endian: build from a BIGNUM to stay portable. */
    d = BN_secure_new();
    if (d == NULL || BN_bin2bn(priv32, 32, d) == NULL || BN_bn2nativepad(d, priv_le, 32) != 32) goto done;
    params[n++] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, priv_le, 32);
  }
  params[n] = OSSL_PARAM_construct_end();
  if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pkey, priv32 != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1) {
    pkey = NULL;
    goto done;
  }
  {
    /* On-curve and not infinity (the cofactor is 1, so that is the full public-key check). */
    EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    int ok = chk != NULL && EVP_PKEY_public_check_quick(chk) == 1;
    EVP_PKEY_CTX_free(chk);
    if (!ok) {
      EVP_PKEY_free(pkey);
      pkey = NULL;
    }
  }
done:
  OPENSSL_cleanse(priv_le, sizeof priv_le);
  BN_clear_free(d);
  EVP_PKEY_CTX_free(ctx);
  return pkey;
}

static napi_value PublicKeyFromPrivate(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  const unsigned char *priv;
  size_t len;
  unsigned char pub[65];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !get_bytes(env, argv[0], &priv, &len)) return NULL;
  addon_state *st = get_state(env);
  BIGNUM *d = private_scalar(st, priv, len);
  int ok = d != NULL && public_from_scalar(st, d, pub);
  BN_clear_free(d);
  ERR_clear_error();
  return ok ? new_uint8array(env, pub, 65) : js_null(env);
}

static napi_value ParsePublicKey(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  const unsigned char *pub;
  size_t len;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !get_bytes(env, argv[0], &pub, &len)) return NULL;
  /* Only the uncompressed form: OpenSSL would also take the hybrid forms 06/07. */
  if (len != 65 || pub[0] != 0x04) return js_null(env);
  addon_state *st = get_state(env);
  sm2_pub *k = (sm2_pub *)calloc(1, sizeof *k);
  if (k == NULL) return js_null(env);
  memcpy(k->pub, pub, 65);
  /* On the curve with both coordinates below p, which is OpenSSL's public-key check (checkPublicKey). */
  if (!sm2c_load_public(&k->aff, pub + 1) || !compute_za(st, pub, k->za)) {
    pub_free(k);
    ERR_clear_error();
    return js_null(env);
  }
  ERR_clear_error();
  napi_value ext;
  if (napi_create_external(env, k, pub_finalize, NULL, &ext) != napi_ok) {
    pub_free(k);
    return js_null(env);
  }
  if (napi_type_tag_object(env, ext, &PUB_TAG) != napi_ok) return js_null(env);
  return ext;
}

/*
 * checkPublicKey(pub: Uint8Array(65)) -> number: bit 0 set if OpenSSL accepts the point (EVP key
 * import with its public-key check, then EC_POINT_oct2point and EC_POINT_is_on_curve), bit 1 if
 * sm2_curve.c does (sm2c_load_public). parsePublicKey needs both; the tests check they agree.
 */
static napi_value CheckPublicKey(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  const unsigned char *pub;
  size_t len;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !get_bytes(env, argv[0], &pub, &len)) return NULL;
  int bits = 0;
  if (len == 65 && pub[0] == 0x04) {
    addon_state *st = get_state(env);
    EVP_PKEY *pkey = make_pkey(pub, NULL);
    EC_POINT *pt = EC_POINT_new(st->group);
    if (pkey != NULL && pt != NULL && EC_POINT_oct2point(st->group, pt, pub, 65, st->bn) == 1 &&
        EC_POINT_is_on_curve(st->group, pt, st->bn) == 1)
      bits |= 1;
    EC_POINT_free(pt);
    EVP_PKEY_free(pkey);
    sm2c_affine aff;
    if (sm2c_load_public(&aff, pub + 1)) bits |= 2;
    ERR_clear_error();
  }
  napi_value v;
  napi_create_int32(env, bits, &v);
  return v;
}

static napi_value ParsePrivateKey(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  const unsigned char *priv;
  size_t len;
  unsigned char pub[65];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !get_bytes(env, argv[0], &priv, &len)) return NULL;
  addon_state *st = get_state(env);
  BIGNUM *d = private_scalar(st, priv, len);
  EVP_PKEY *pkey = NULL;
  if (d != NULL && public_from_scalar(st, d, pub)) pkey = make_pkey(pub, priv);
  BN_clear_free(d);
  ERR_clear_error();
  return pkey != NULL ? wrap_pkey(env, pkey) : js_null(env);
}

/* A digest-sign/verify context for SM2 with SM3 and the default distinguishing ID. */
static EVP_MD_CTX *sm2_md_ctx(const addon_state *st, EVP_PKEY *pkey, int for_sign, EVP_PKEY_CTX **pctx_out) {
  EVP_MD_CTX *mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
  if (mctx == NULL || pctx == NULL) goto fail;
  /* The ID must be set before init so Z_A is computed with it (OpenSSL caches it for init). */
  if (EVP_PKEY_CTX_set1_id(pctx, SM2_DEFAULT_ID, sizeof SM2_DEFAULT_ID) != 1) goto fail;
  EVP_MD_CTX_set_pkey_ctx(mctx, pctx); /* mctx does not own pctx: freed after mctx */
  if ((for_sign ? EVP_DigestSignInit(mctx, NULL, st->sm3, NULL, pkey)
                : EVP_DigestVerifyInit(mctx, NULL, st->sm3, NULL, pkey)) != 1)
    goto fail;
  *pctx_out = pctx;
  return mctx;
fail:
  EVP_MD_CTX_free(mctx);
  EVP_PKEY_CTX_free(pctx);
  return NULL;
}

static void sm2_md_ctx_free(EVP_MD_CTX *mctx, EVP_PKEY_CTX *pctx) {
  EVP_MD_CTX_free(mctx);
  EVP_PKEY_CTX_free(pctx);
}

/* DER SEQUENCE { INTEGER r, INTEGER s } from 32-byte big-endian r and s (both non-zero). */
static size_t der_int(unsigned char *out, const unsigned char *v) {
  size_t i = 0;
  while (i < 31 && v[i] == 0) i++;
  size_t n = 32 - i;
  int pad = (v[i] & 0x80) != 0;
  out[0] = 0x02;
  out[1] = (unsigned char)(n + pad);
  size_t o = 2;
  if (pad) out[o++] = 0x00;
  memcpy(out + o, v + i, n);
  return o + n;
}

static size_t rs_to_der(const unsigned char sig[64], unsigned char out[72]) {
  unsigned char body[70];
  size_t n = der_int(body, sig);
  n += der_int(body + n, sig + 32);
  out[0] = 0x30;
  out[1] = (unsigned char)n;
  memcpy(out + 2, body, n);
  return n + 2;
}

static int in_range(const addon_state *st, const unsigned char *v32) {
  BIGNUM *x = BN_bin2bn(v32, 32, NULL);
  int ok = x != NULL && !BN_is_zero(x) && BN_cmp(x, st->order) < 0;
  BN_free(x);
  return ok;
}

static napi_value Sign(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  const unsigned char *msg;
  size_t msg_len;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return js_null(env);
  EVP_PKEY *pkey = unwrap_pkey(env, argv[0]);
  if (pkey == NULL) return js_null(env);
  if (!get_bytes(env, argv[1], &msg, &msg_len)) return NULL;
  addon_state *st = get_state(env);
  unsigned char der[80];
  size_t der_len = sizeof der;
  unsigned char rs[64];
  int ok = 0;
  EVP_PKEY_CTX *pctx = NULL;
  EVP_MD_CTX *mctx = sm2_md_ctx(st, pkey, 1, &pctx);
  if (mctx != NULL && EVP_DigestSign(mctx, der, &der_len, msg, msg_len) == 1) {
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (sig != NULL) {
      const BIGNUM *r = NULL, *s = NULL;
      ECDSA_SIG_get0(sig, &r, &s);
      ok = BN_bn2binpad(r, rs, 32) == 32 && BN_bn2binpad(s, rs + 32, 32) == 32;
      ECDSA_SIG_free(sig);
    }
  }
  sm2_md_ctx_free(mctx, pctx);
  ERR_clear_error();
  return ok ? new_uint8array(env, rs, 64) : js_null(env);
}

/* Arguments of verify/verifyEvp: 1 parsed, 0 answer false, -1 a TypeError is pending. */
typedef struct {
  sm2_pub *key;
  const unsigned char *msg, *sig;
  size_t msg_len;
} verify_args;

static int get_verify_args(napi_env env, napi_callback_info info, verify_args *a) {
  size_t argc = 3;
  napi_value argv[3];
  size_t sig_len = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) return 0;
  a->key = unwrap_pub(env, argv[0]);
  if (a->key == NULL) return 0;
  if (!get_bytes(env, argv[1], &a->msg, &a->msg_len) || !get_bytes(env, argv[2], &a->sig, &sig_len)) return -1;
  return sig_len == 64;
}

static napi_value VerifyEvp(napi_env env, napi_callback_info info) {
  verify_args a;
  int got = get_verify_args(env, info, &a);
  if (got <= 0) return got < 0 ? NULL : js_bool(env, 0);
  addon_state *st = get_state(env);
  if (!pub_openssl(st, a.key)) return js_bool(env, 0);
  EVP_PKEY *pkey = a.key->pkey;
  const unsigned char *msg = a.msg, *sig = a.sig;
  size_t msg_len = a.msg_len;
  /* r, s in [1, n-1] (GB/T 32918.2 §7.1 B1, B2); OpenSSL checks too, this keeps the DER canonical. */
  if (!in_range(st, sig) || !in_range(st, sig + 32)) return js_bool(env, 0);
  unsigned char der[72];
  size_t der_len = rs_to_der(sig, der);
  EVP_PKEY_CTX *pctx = NULL;
  EVP_MD_CTX *mctx = sm2_md_ctx(st, pkey, 0, &pctx);
  int ok = mctx != NULL && EVP_DigestVerify(mctx, der, der_len, msg, msg_len) == 1;
  sm2_md_ctx_free(mctx, pctx);
  ERR_clear_error();
  return js_bool(env, ok);
}

/*
 * GB/T 32918.2-2016 §7.1: B1/B2 r, s in [1, n-1]; B3/B4 e = SM3(Z_A || M); B5 t = (r + s) mod n,
 * t != 0; B6 (x1, y1) = [s]G + [t]P_A, not infinity; B7 accept iff (e + x1) mod n = r.
 */
static int sm2_verify_fast(addon_state *st, sm2_pub *k, const unsigned char *msg, size_t msg_len,
                           const unsigned char sig[64]) {
  int ok = 0;
  unsigned char e_bytes[32];
  unsigned int e_len = 0;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (md == NULL || EVP_DigestInit_ex(md, st->sm3, NULL) != 1 || EVP_DigestUpdate(md, k->za, 32) != 1 ||
      EVP_DigestUpdate(md, msg, msg_len) != 1 || EVP_DigestFinal_ex(md, e_bytes, &e_len) != 1 || e_len != 32) {
    EVP_MD_CTX_free(md);
    return 0;
  }
  EVP_MD_CTX_free(md);
  BN_CTX *bn = st->bn;
  BN_CTX_start(bn);
  BIGNUM *r = BN_CTX_get(bn), *s = BN_CTX_get(bn), *t = BN_CTX_get(bn), *e = BN_CTX_get(bn);
  BIGNUM *x1 = BN_CTX_get(bn), *rr = BN_CTX_get(bn);
  EC_POINT *p1 = NULL, *p2 = NULL;
  if (rr == NULL || BN_bin2bn(sig, 32, r) == NULL || BN_bin2bn(sig + 32, 32, s) == NULL ||
      BN_bin2bn(e_bytes, 32, e) == NULL)
    goto done;
  if (BN_is_zero(r) || BN_cmp(r, st->order) >= 0 || BN_is_zero(s) || BN_cmp(s, st->order) >= 0) goto done;
  if (BN_mod_add(t, r, s, st->order, bn) != 1 || BN_is_zero(t)) goto done;
  p1 = EC_POINT_new(st->group_pre);
  if (p1 == NULL) goto done;
  if (k->table != NULL) {
    /* [s]G and [t]P, each from its table; the zero second scalar keeps OpenSSL on wNAF. */
    const EC_POINT *g = EC_GROUP_get0_generator(st->group_pre);
    p2 = EC_POINT_new(k->table);
    if (p2 == NULL || EC_POINT_mul(st->group_pre, p1, s, g, st->zero, bn) != 1 ||
        EC_POINT_mul(k->table, p2, t, g, st->zero, bn) != 1 || EC_POINT_add(st->group_pre, p1, p1, p2, bn) != 1)
      goto done;
  } else if (EC_POINT_mul(st->group_pre, p1, s, k->point, t, bn) != 1) {
    goto done;
  }
  if (EC_POINT_is_at_infinity(st->group_pre, p1)) goto done;
  if (EC_POINT_get_affine_coordinates(st->group_pre, p1, x1, NULL, bn) != 1) goto done;
  if (BN_mod_add(rr, e, x1, st->order, bn) != 1) goto done;
  ok = BN_cmp(rr, r) == 0;
done:
  EC_POINT_free(p1);
  EC_POINT_free(p2);
  BN_CTX_end(bn);
  return ok;
}

/* The OpenSSL EC path above: kept as a reference (and for its per-key tables) beside EVP. */
static napi_value VerifyEc(napi_env env, napi_callback_info info) {
  verify_args a;
  int got = get_verify_args(env, info, &a);
  if (got <= 0) return got < 0 ? NULL : js_bool(env, 0);
  addon_state *st = get_state(env);
  int ok = pub_openssl(st, a.key) && sm2_verify_fast(st, a.key, a.msg, a.msg_len, a.sig);
  ERR_clear_error();
  return js_bool(env, ok);
}

/* The default verification: B3/B4 here (SM3 through EVP), B1-B2 and B5-B7 in sm2_curve.c. */
static napi_value Verify(napi_env env, napi_callback_info info) {
  verify_args a;
  int got = get_verify_args(env, info, &a);
  if (got <= 0) return got < 0 ? NULL : js_bool(env, 0);
  addon_state *st = get_state(env);
  unsigned char e[32];
  unsigned int e_len = 0;
  int ok = EVP_DigestInit_ex(st->digest_ctx, st->sm3, NULL) == 1 &&
           EVP_DigestUpdate(st->digest_ctx, a.key->za, 32) == 1 &&
           EVP_DigestUpdate(st->digest_ctx, a.msg, a.msg_len) == 1 &&
           EVP_DigestFinal_ex(st->digest_ctx, e, &e_len) == 1 && e_len == 32 &&
           (a.key->fix != NULL && st->curve.gfix != NULL ? sm2c_verify_fixed(&st->curve, a.key->fix, e, a.sig)
                               : sm2c_verify(&st->curve, &a.key->aff, e, a.sig));
  ERR_clear_error();
  return js_bool(env, ok);
}

/*
 * Builds the key's fixed-base table for `verify` (54 KB, about five verifications' work): from
 * then on its verifications add table points instead of doubling (sm2_curve.c). The first key
 * tabulated in a thread builds the generator's table too. False on failure.
 */
static napi_value Tabulate(napi_env env, napi_callback_info info) {
  sm2_pub *k = pub_arg(env, info);
  if (k == NULL) return js_bool(env, 0);
  if (k->fix != NULL) return js_bool(env, 1);
  if (!sm2c_fixed_base(&get_state(env)->curve)) return js_bool(env, 0);
  sm2c_fixed *t = (sm2c_fixed *)malloc(sizeof *t);
  if (t == NULL || !sm2c_fixed_build(t, &k->aff)) {
    free(t);
    return js_bool(env, 0);
  }
  k->fix = t;
  return js_bool(env, 1);
}

/* Frees the key's fixed-base table; the handle stays valid (verification without it). */
static napi_value Untabulate(napi_env env, napi_callback_info info) {
  sm2_pub *k = pub_arg(env, info);
  if (k != NULL) {
    free(k->fix);
    k->fix = NULL;
  }
  return NULL;
}

/* Builds the key's table (about 80 KB; a few verifications' worth of work). False on failure. */
static napi_value Precompute(napi_env env, napi_callback_info info) {
  sm2_pub *k = pub_arg(env, info);
  if (k == NULL) return js_bool(env, 0);
  if (k->table != NULL) return js_bool(env, 1);
  addon_state *st = get_state(env);
  if (!pub_openssl(st, k)) return js_bool(env, 0);
  EC_GROUP *g = EC_GROUP_dup(st->group);
  int ok = g != NULL && EC_GROUP_set_generator(g, k->point, st->order, BN_value_one()) == 1 &&
           EC_GROUP_precompute_mult(g, st->bn) == 1;
  if (ok) k->table = g;
  else EC_GROUP_free(g);
  ERR_clear_error();
  return js_bool(env, ok);
}

static napi_value DropPrecompute(napi_env env, napi_callback_info info) {
  sm2_pub *k = pub_arg(env, info);
  if (k != NULL) {
    EC_GROUP_free(k->table);
    k->table = NULL;
  }
  return NULL;
}

static int init_curve_za(addon_state *st) {
  int ok = 0;
  BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new(), *x = BN_new(), *y = BN_new();
  if (p != NULL && y != NULL && EC_GROUP_get_curve(st->group, p, a, b, NULL) == 1 &&
      EC_POINT_get_affine_coordinates(st->group, EC_GROUP_get0_generator(st->group), x, y, NULL) == 1 &&
      BN_bn2binpad(a, st->curve_za, 32) == 32 && BN_bn2binpad(b, st->curve_za + 32, 32) == 32 &&
      BN_bn2binpad(x, st->curve_za + 64, 32) == 32 && BN_bn2binpad(y, st->curve_za + 96, 32) == 32)
    ok = 1;
  BN_free(p);
  BN_free(a);
  BN_free(b);
  BN_free(x);
  BN_free(y);
  return ok;
}

/*
 * digest(which, data, length, out): SHA-256 (which 0) or SM3 (which 1) of data[0, length) into
 * out[0, 32), through EVP with the algorithm fetched once and one reused context: Node's
 * crypto.hash allocates a Buffer for every result and resolves the algorithm name on every
 * call, which is most of the cost of hashing the 32-100 byte inputs a node hashes most (state
 * tree nodes, Merkle leaves). The caller owns both buffers (see node.ts, addonDigest). Bad
 * arguments throw a TypeError; an OpenSSL failure throws an Error (it does not happen for these
 * algorithms, and the queue is cleared either way).
 */
static napi_value Digest(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) {
    napi_throw_type_error(env, NULL, "digest(which, data, length, out)");
    return NULL;
  }
  int32_t which = -1;
  int64_t length = -1;
  const unsigned char *data, *out_c;
  size_t data_len, out_len;
  if (napi_get_value_int32(env, argv[0], &which) != napi_ok || (which != 0 && which != 1) ||
      napi_get_value_int64(env, argv[2], &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "digest: which must be 0 or 1 and length a number");
    return NULL;
  }
  if (!get_bytes(env, argv[1], &data, &data_len) || !get_bytes(env, argv[3], &out_c, &out_len)) return NULL;
  if (length < 0 || (uint64_t)length > data_len || out_len < 32) {
    napi_throw_type_error(env, NULL, "digest: length outside data, or out shorter than 32 bytes");
    return NULL;
  }
  addon_state *st = get_state(env);
  unsigned int n = 0;
  int ok = EVP_DigestInit_ex(st->digest_ctx, which == 0 ? st->sha256 : st->sm3, NULL) == 1 &&
           EVP_DigestUpdate(st->digest_ctx, data, (size_t)length) == 1 &&
           EVP_DigestFinal_ex(st->digest_ctx, (unsigned char *)out_c, &n) == 1 && n == 32;
  ERR_clear_error();
  if (!ok) {
    napi_throw_error(env, NULL, "digest failed");
    return NULL;
  }
  return NULL;
}

/*
 * SM2 public-key encryption (GB/T 32918.4) through EVP_PKEY_encrypt/decrypt with SM3, the
 * digest OpenSSL uses for SM2 by default. OpenSSL speaks the GM/T 0009 DER form
 * SEQUENCE { x INTEGER, y INTEGER, C3 OCTET STRING, C2 OCTET STRING }; govchain's wire form is
 * C1||C3||C2 with C1 = 04||x||y (GB/T 32918.4 §6.1). The two are converted with OpenSSL's own
 * DER codec (d2i/i2d_ASN1_SEQUENCE_ANY), not by hand.
 */
static napi_value Encrypt(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  const unsigned char *msg;
  size_t msg_len;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return js_null(env);
  sm2_pub *k = unwrap_pub(env, argv[0]);
  if (k == NULL || !get_bytes(env, argv[1], &msg, &msg_len) || msg_len == 0) return js_null(env);
  if (!pub_openssl(get_state(env), k)) return js_null(env);
  napi_value result = NULL;
  unsigned char *der = NULL, *out = NULL;
  size_t der_len = 0;
  STACK_OF(ASN1_TYPE) *seq = NULL;
  BIGNUM *x = NULL, *y = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
  if (ctx == NULL || EVP_PKEY_encrypt_init(ctx) != 1 || EVP_PKEY_encrypt(ctx, NULL, &der_len, msg, msg_len) != 1)
    goto done;
  der = (unsigned char *)OPENSSL_malloc(der_len);
  if (der == NULL || EVP_PKEY_encrypt(ctx, der, &der_len, msg, msg_len) != 1) goto done;
  const unsigned char *p = der;
  seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)der_len);
  if (seq == NULL || sk_ASN1_TYPE_num(seq) != 4) goto done;
  ASN1_TYPE *tx = sk_ASN1_TYPE_value(seq, 0), *ty = sk_ASN1_TYPE_value(seq, 1);
  ASN1_TYPE *t3 = sk_ASN1_TYPE_value(seq, 2), *t2 = sk_ASN1_TYPE_value(seq, 3);
  if (ASN1_TYPE_get(tx) != V_ASN1_INTEGER || ASN1_TYPE_get(ty) != V_ASN1_INTEGER ||
      ASN1_TYPE_get(t3) != V_ASN1_OCTET_STRING || ASN1_TYPE_get(t2) != V_ASN1_OCTET_STRING)
    goto done;
  const ASN1_OCTET_STRING *c3 = t3->value.octet_string, *c2 = t2->value.octet_string;
  if (ASN1_STRING_length(c3) != 32 || (size_t)ASN1_STRING_length(c2) != msg_len) goto done;
  x = ASN1_INTEGER_to_BN(tx->value.integer, NULL);
  y = ASN1_INTEGER_to_BN(ty->value.integer, NULL);
  size_t out_len = 65 + 32 + msg_len;
  out = (unsigned char *)OPENSSL_malloc(out_len);
  if (x == NULL || y == NULL || out == NULL) goto done;
  out[0] = 0x04;
  if (BN_bn2binpad(x, out + 1, 32) != 32 || BN_bn2binpad(y, out + 33, 32) != 32) goto done;
  memcpy(out + 65, ASN1_STRING_get0_data(c3), 32);
  memcpy(out + 97, ASN1_STRING_get0_data(c2), msg_len);
  result = new_uint8array(env, out, out_len);
done:
  EVP_PKEY_CTX_free(ctx);
  OPENSSL_free(der);
  OPENSSL_free(out);
  sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
  BN_free(x);
  BN_free(y);
  ERR_clear_error();
  return result != NULL ? result : js_null(env);
}

/* Appends an ASN1_TYPE of `type` holding `value` (owned by the stack afterwards); 0 on failure. */
static int push_type(STACK_OF(ASN1_TYPE) * seq, int type, void *value) {
  ASN1_TYPE *t = ASN1_TYPE_new();
  if (t == NULL) return 0;
  ASN1_TYPE_set(t, type, value);
  if (sk_ASN1_TYPE_push(seq, t) <= 0) {
    ASN1_TYPE_free(t);
    return 0;
  }
  return 1;
}

static napi_value Decrypt(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  const unsigned char *ct;
  size_t ct_len;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return js_null(env);
  EVP_PKEY *pkey = unwrap_pkey(env, argv[0]);
  if (pkey == NULL || !get_bytes(env, argv[1], &ct, &ct_len) || ct_len <= 97 || ct[0] != 0x04) return js_null(env);
  napi_value result = NULL;
  unsigned char *der = NULL, *out = NULL;
  size_t out_len = 0;
  EVP_PKEY_CTX *ctx = NULL;
  STACK_OF(ASN1_TYPE) *seq = sk_ASN1_TYPE_new_null();
  BIGNUM *x = BN_bin2bn(ct + 1, 32, NULL), *y = BN_bin2bn(ct + 33, 32, NULL);
  ASN1_INTEGER *ax = x != NULL ? BN_to_ASN1_INTEGER(x, NULL) : NULL;
  ASN1_INTEGER *ay = y != NULL ? BN_to_ASN1_INTEGER(y, NULL) : NULL;
  ASN1_OCTET_STRING *c3 = ASN1_OCTET_STRING_new(), *c2 = ASN1_OCTET_STRING_new();
  if (seq == NULL || ax == NULL || ay == NULL || c3 == NULL || c2 == NULL ||
      ASN1_OCTET_STRING_set(c3, ct + 65, 32) != 1 || ASN1_OCTET_STRING_set(c2, ct + 97, (int)(ct_len - 97)) != 1)
    goto fail_parts;
  /* From here the stack owns each part it took. */
  if (!push_type(seq, V_ASN1_INTEGER, ax)) goto fail_parts;
  ax = NULL;
  if (!push_type(seq, V_ASN1_INTEGER, ay)) goto fail_parts;
  ay = NULL;
  if (!push_type(seq, V_ASN1_OCTET_STRING, c3)) goto fail_parts;
  c3 = NULL;
  if (!push_type(seq, V_ASN1_OCTET_STRING, c2)) goto fail_parts;
  c2 = NULL;
  int der_len = i2d_ASN1_SEQUENCE_ANY(seq, &der);
  if (der_len <= 0) goto done;
  ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
  if (ctx == NULL || EVP_PKEY_decrypt_init(ctx) != 1 ||
      EVP_PKEY_decrypt(ctx, NULL, &out_len, der, (size_t)der_len) != 1)
    goto done;
  out = (unsigned char *)OPENSSL_malloc(out_len > 0 ? out_len : 1);
  if (out == NULL || EVP_PKEY_decrypt(ctx, out, &out_len, der, (size_t)der_len) != 1) goto done;
  result = new_uint8array(env, out, out_len);
  goto done;
fail_parts:
  ASN1_INTEGER_free(ax);
  ASN1_INTEGER_free(ay);
  ASN1_OCTET_STRING_free(c3);
  ASN1_OCTET_STRING_free(c2);
done:
  EVP_PKEY_CTX_free(ctx);
  OPENSSL_free(der);
  if (out != NULL) OPENSSL_clear_free(out, out_len > 0 ? out_len : 1);
  sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
  BN_free(x);
  BN_free(y);
  ERR_clear_error();
  return result != NULL ? result : js_null(env);
}

static napi_value Init(napi_env env, napi_value exports) {
  addon_state *st = (addon_state *)calloc(1, sizeof *st);
  if (st == NULL) return NULL;
  st->group = EC_GROUP_new_by_curve_name(NID_sm2);
  st->sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
  st->sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
  st->digest_ctx = EVP_MD_CTX_new();
  st->order = st->group != NULL ? BN_dup(EC_GROUP_get0_order(st->group)) : NULL;
  st->order_m1 = st->order != NULL ? BN_dup(st->order) : NULL;
  if (st->order_m1 != NULL) BN_sub_word(st->order_m1, 1);
  st->bn = BN_CTX_new();
  st->zero = BN_new();
  if (st->zero != NULL) BN_zero(st->zero);
  st->group_pre = st->group != NULL ? EC_GROUP_dup(st->group) : NULL;
  int pre_ok = st->group_pre != NULL && st->bn != NULL && EC_GROUP_precompute_mult(st->group_pre, st->bn) == 1;
  int za_ok = st->group != NULL && init_curve_za(st) && sm2c_init(&st->curve);
  ERR_clear_error();
  if (st->group == NULL || st->sm3 == NULL || st->sha256 == NULL || st->digest_ctx == NULL || st->order == NULL ||
      st->order_m1 == NULL || !pre_ok || !za_ok || st->zero == NULL) {
    state_free(env, st, NULL);
    napi_throw_error(env, NULL, "govchain_sm2: this OpenSSL has no SM2/SM3");
    return NULL;
  }
  napi_set_instance_data(env, st, state_free, NULL);
  napi_property_descriptor props[] = {
      {"publicKeyFromPrivate", NULL, PublicKeyFromPrivate, NULL, NULL, NULL, napi_default, NULL},
      {"parsePublicKey", NULL, ParsePublicKey, NULL, NULL, NULL, napi_default, NULL},
      {"parsePrivateKey", NULL, ParsePrivateKey, NULL, NULL, NULL, napi_default, NULL},
      {"sign", NULL, Sign, NULL, NULL, NULL, napi_default, NULL},
      {"verify", NULL, Verify, NULL, NULL, NULL, napi_default, NULL},
      {"checkPublicKey", NULL, CheckPublicKey, NULL, NULL, NULL, napi_default, NULL},
      {"verifyEc", NULL, VerifyEc, NULL, NULL, NULL, napi_default, NULL},
      {"verifyEvp", NULL, VerifyEvp, NULL, NULL, NULL, napi_default, NULL},
      {"precompute", NULL, Precompute, NULL, NULL, NULL, napi_default, NULL},
      {"dropPrecompute", NULL, DropPrecompute, NULL, NULL, NULL, napi_default, NULL},
      {"tabulate", NULL, Tabulate, NULL, NULL, NULL, napi_default, NULL},
      {"untabulate", NULL, Untabulate, NULL, NULL, NULL, napi_default, NULL},
      {"digest", NULL, Digest, NULL, NULL, NULL, napi_default, NULL},
      {"encrypt", NULL, Encrypt, NULL, NULL, NULL, napi_default, NULL},
      {"decrypt", NULL, Decrypt, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
