/*
 * PACE, ICAO 9303-11 §4.4, Generic Mapping (§4.4.3.3.1) on ECDH and DH,
 * with the standardized domain parameters of §9.5.1 and the
 * authentication token of §4.4.3.5. Both sides use this code: the host in
 * session.c and the virtual chip in src/emu/.
 *
 * Values cross the API in their wire encoding (uncompressed points, DH
 * values left-padded to the length of p) so the tests can quote the
 * worked examples of 9303-11 Appendix G (G.1 ECDH brainpoolP256r1, G.2 DH
 * 1024-bit MODP) value by value.
 *
 * Every public key from the peer is validated: EC points must decode on
 * the curve and not be the point at infinity; DH values must lie in
 * (1, p-1) and in the order-q subgroup.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include "chip/chip_internal.h"
#include "tdv/error.h"

struct tdv_pace_ctx {
	tdv_pace_proto p;
	BN_CTX *bn;
	/* EC */
	EC_GROUP *group;  /* standard parameters */
	EC_GROUP *mapped; /* parameters with G~ */
	EC_POINT *map_pub, *eph_pub;
	/* DH */
	BIGNUM *dh_p, *dh_q, *dh_g, *dh_gm;
	BIGNUM *dh_map_pub, *dh_eph_pub;
	/* both */
	BIGNUM *map_priv, *eph_priv;
	size_t field_len; /* bytes of p */
};

static const uint8_t pace_oid_prefix[8] = {0x04, 0x00, 0x7F, 0x00, 0x07,
    0x02, 0x02, 0x04};

static int
curve_nid(int id)
{
	switch (id) {
	case 8:
		return NID_X9_62_prime192v1;
	case 9:
		return NID_brainpoolP192r1;
	case 10:
		return NID_secp224r1;
	case 11:
		return NID_brainpoolP224r1;
	case 12:
		return NID_X9_62_prime256v1;
	case 13:
		return NID_brainpoolP256r1;
	case 14:
		return NID_brainpoolP320r1;
	case 15:
		return NID_secp384r1;
	case 16:
		return NID_brainpoolP384r1;
	case 17:
		return NID_brainpoolP512r1;
	case 18:
		return NID_secp521r1;
	}
	return NID_undef;
}

static const char *
dh_group_name(int id)
{
	switch (id) {
	case 0:
		return "dh_1024_160";
	case 1:
		return "dh_2048_224";
	case 2:
		return "dh_2048_256";
	}
	return NULL;
}

bool
tdv_pace_parameter_supported(int id)
{
	return dh_group_name(id) != NULL || curve_nid(id) != NID_undef;
}

int
tdv_pace_proto_from_oid(const uint8_t *oid, size_t len, int parameter_id,
    tdv_pace_proto *out)
{
	if (oid == NULL || out == NULL)
		return TDV_EINVAL;
	if (len != 10 || memcmp(oid, pace_oid_prefix, 8) != 0)
		return TDV_EUNSUPPORTED;
	memset(out, 0, sizeof(*out));
	memcpy(out->oid, oid, 10);
	/* id-PACE-DH-GM = .1, -ECDH-GM = .2, -DH-IM = .3, -ECDH-IM = .4,
	 * -ECDH-CAM = .6 */
	if (oid[8] == 1) {
		out->ecdh = false;
	} else if (oid[8] == 2) {
		out->ecdh = true;
	} else if (oid[8] == 4) {
		/* ECDH Integrated Mapping: the pseudo-random function of
		 * §4.4.3.3.2 is implemented for AES-128 (the worked example) */
		if (oid[9] != 2)
			return TDV_EUNSUPPORTED;
		out->ecdh = true;
		out->integrated = true;
	} else {
		return TDV_EUNSUPPORTED;
	}
	switch (oid[9]) {
	case 1:
		out->cipher = TDV_CIPHER_3DES;
		break;
	case 2:
		out->cipher = TDV_CIPHER_AES128;
		break;
	case 3:
		out->cipher = TDV_CIPHER_AES192;
		break;
	case 4:
		out->cipher = TDV_CIPHER_AES256;
		break;
	default:
		return TDV_EUNSUPPORTED;
	}
	if (out->ecdh ? curve_nid(parameter_id) == NID_undef
		      : dh_group_name(parameter_id) == NULL)
		return TDV_EUNSUPPORTED;
	out->parameter_id = parameter_id;
	return TDV_OK;
}

int
tdv_pace_password_key(tdv_pace_password type, const tdv_chip_mrz_key *mrz,
    const char *can, uint8_t *out, size_t *outlen)
{
	if (out == NULL || outlen == NULL)
		return TDV_EINVAL;
	if (type == TDV_PACE_MRZ) {
		char info[48];
		if (mrz == NULL)
			return TDV_EINVAL;
		int rc = tdv_chip_mrz_information(mrz, info, sizeof(info));
		if (rc != TDV_OK)
			return rc;
		int ok = EVP_Digest(info, strlen(info), out, NULL, EVP_sha1(),
		    NULL);
		OPENSSL_cleanse(info, sizeof(info));
		if (ok != 1)
			return TDV_ECRYPTO;
		*outlen = 20;
		return TDV_OK;
	}
	if (type == TDV_PACE_CAN) {
		size_t n = can ? strlen(can) : 0;
		if (n == 0 || n > 20)
			return TDV_EINVAL;
		for (size_t i = 0; i < n; i++)
			if (can[i] < '0' || can[i] > '9')
				return TDV_EINVAL;
		memcpy(out, can, n);
		*outlen = n;
		return TDV_OK;
	}
	return TDV_EINVAL;
}

int
tdv_pace_nonce_crypt(const tdv_pace_proto *p, const uint8_t *pw_key,
    size_t pw_len, bool encrypt, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t kpi[32];
	if (p == NULL || pw_key == NULL)
		return TDV_EINVAL;
	int rc = tdv_chip_kdf(p->cipher, pw_key, pw_len, 3, kpi);
	if (rc == TDV_OK)
		rc = tdv_chip_cbc(p->cipher, kpi, NULL, encrypt, in, len, out);
	OPENSSL_cleanse(kpi, sizeof(kpi));
	return rc;
}

static int
load_dh(tdv_pace_ctx *c)
{
	const char *name = dh_group_name(c->p.parameter_id);
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *params = NULL;
	int rc = TDV_ECRYPTO;
	if (pc == NULL)
		return TDV_ENOMEM;
	OSSL_PARAM prm[2];
	prm[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)name, 0);
	prm[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_paramgen_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_params(pc, prm) != 1 ||
	    EVP_PKEY_paramgen(pc, &params) != 1)
		goto out;
	if (EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &c->dh_p) != 1 ||
	    EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_Q, &c->dh_q) != 1 ||
	    EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_G, &c->dh_g) != 1)
		goto out;
	c->field_len = (size_t)BN_num_bytes(c->dh_p);
	rc = TDV_OK;
out:
	EVP_PKEY_free(params);
	EVP_PKEY_CTX_free(pc);
	return rc;
}

int
tdv_pace_ctx_new(tdv_pace_ctx **out, const tdv_pace_proto *p)
{
	if (out == NULL || p == NULL)
		return TDV_EINVAL;
	tdv_pace_ctx *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return TDV_ENOMEM;
	c->p = *p;
	c->bn = BN_CTX_new();
	int rc = c->bn ? TDV_OK : TDV_ENOMEM;
	if (rc == TDV_OK && p->ecdh) {
		int nid = curve_nid(p->parameter_id);
		c->group = nid == NID_undef ? NULL : EC_GROUP_new_by_curve_name(nid);
		if (c->group == NULL)
			rc = TDV_EUNSUPPORTED;
		else
			c->field_len = (size_t)((EC_GROUP_get_degree(c->group) + 7) / 8);
	} else if (rc == TDV_OK) {
		rc = dh_group_name(p->parameter_id) ? load_dh(c) : TDV_EUNSUPPORTED;
	}
	if (rc != TDV_OK) {
		tdv_pace_ctx_free(&c);
		return rc;
	}
	*out = c;
	return TDV_OK;
}

void
tdv_pace_ctx_free(tdv_pace_ctx **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	tdv_pace_ctx *c = *cp;
	EC_POINT_free(c->map_pub);
	EC_POINT_free(c->eph_pub);
	EC_GROUP_free(c->mapped);
	EC_GROUP_free(c->group);
	BN_free(c->dh_p);
	BN_free(c->dh_q);
	BN_free(c->dh_g);
	BN_free(c->dh_gm);
	BN_free(c->dh_map_pub);
	BN_free(c->dh_eph_pub);
	BN_clear_free(c->map_priv);
	BN_clear_free(c->eph_priv);
	BN_CTX_free(c->bn);
	free(c);
	*cp = NULL;
}

static const BIGNUM *
order_of(tdv_pace_ctx *c)
{
	return c->p.ecdh ? EC_GROUP_get0_order(c->group) : c->dh_q;
}

/* A private key: the given bytes, or random in [1, order-1]. */
static int
make_priv(tdv_pace_ctx *c, const uint8_t *priv, size_t len, BIGNUM **out)
{
	BIGNUM *k = NULL;
	const BIGNUM *n = order_of(c);
	BN_clear_free(*out);
	*out = NULL;
	if (priv != NULL) {
		k = BN_bin2bn(priv, (int)len, NULL);
		if (k == NULL)
			return TDV_ENOMEM;
		if (BN_is_zero(k) || BN_cmp(k, n) >= 0) {
			BN_clear_free(k);
			return TDV_EINVAL;
		}
	} else {
		k = BN_secure_new();
		if (k == NULL)
			return TDV_ENOMEM;
		do {
			if (BN_priv_rand_range(k, n) != 1) {
				BN_clear_free(k);
				return TDV_ECRYPTO;
			}
		} while (BN_is_zero(k));
	}
	*out = k;
	return TDV_OK;
}

static int
put_point(const EC_GROUP *g, const EC_POINT *pt, BN_CTX *bn, tdv_buf *out)
{
	uint8_t buf[1 + 2 * 66];
	size_t n = EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, buf,
	    sizeof(buf), bn);
	if (n == 0)
		return TDV_ECRYPTO;
	tdv_buf_reset(out);
	return tdv_buf_append(out, buf, n);
}

static int
put_bn(const BIGNUM *v, size_t len, tdv_buf *out)
{
	uint8_t buf[512];
	if (len > sizeof(buf) || BN_bn2binpad(v, buf, (int)len) < 0)
		return TDV_ECRYPTO;
	tdv_buf_reset(out);
	int rc = tdv_buf_append(out, buf, len);
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

/* Decode and validate a peer EC point on group g. */
static int
get_point(const EC_GROUP *g, const uint8_t *in, size_t len, BN_CTX *bn,
    EC_POINT **out)
{
	EC_POINT *pt = EC_POINT_new(g);
	if (pt == NULL)
		return TDV_ENOMEM;
	if (len == 0 || in[0] != 0x04 || EC_POINT_oct2point(g, pt, in, len, bn) != 1 ||
	    EC_POINT_is_at_infinity(g, pt) || EC_POINT_is_on_curve(g, pt, bn) != 1) {
		EC_POINT_free(pt);
		return TDV_ECHIP_AUTH;
	}
	*out = pt;
	return TDV_OK;
}

/* Decode and validate a peer DH value: 1 < y < p-1, y^q = 1 mod p. */
static int
get_dh(tdv_pace_ctx *c, const uint8_t *in, size_t len, BIGNUM **out)
{
	if (len == 0 || len > c->field_len)
		return TDV_ECHIP_AUTH;
	BIGNUM *y = BN_bin2bn(in, (int)len, NULL);
	BIGNUM *t = BN_new();
	int rc = TDV_ECHIP_AUTH;
	if (y == NULL || t == NULL) {
		rc = TDV_ENOMEM;
		goto out;
	}
	if (BN_cmp(y, BN_value_one()) <= 0)
		goto out;
	if (BN_copy(t, c->dh_p) == NULL || BN_sub_word(t, 1) != 1)
		goto out;
	if (BN_cmp(y, t) >= 0)
		goto out;
	if (BN_mod_exp(t, y, c->dh_q, c->dh_p, c->bn) != 1 || !BN_is_one(t))
		goto out;
	*out = y;
	y = NULL;
	rc = TDV_OK;
out:
	BN_free(y);
	BN_free(t);
	return rc;
}

int
tdv_pace_map_keypair(tdv_pace_ctx *c, const uint8_t *priv, size_t privlen,
    tdv_buf *pub)
{
	if (c == NULL || pub == NULL)
		return TDV_EINVAL;
	int rc = make_priv(c, priv, privlen, &c->map_priv);
	if (rc != TDV_OK)
		return rc;
	if (c->p.ecdh) {
		EC_POINT_free(c->map_pub);
		c->map_pub = EC_POINT_new(c->group);
		if (c->map_pub == NULL)
			return TDV_ENOMEM;
		if (EC_POINT_mul(c->group, c->map_pub, c->map_priv, NULL, NULL,
			c->bn) != 1)
			return TDV_ECRYPTO;
		return put_point(c->group, c->map_pub, c->bn, pub);
	}
	BN_free(c->dh_map_pub);
	c->dh_map_pub = BN_new();
	if (c->dh_map_pub == NULL)
		return TDV_ENOMEM;
	if (BN_mod_exp(c->dh_map_pub, c->dh_g, c->map_priv, c->dh_p, c->bn) != 1)
		return TDV_ECRYPTO;
	return put_bn(c->dh_map_pub, c->field_len, pub);
}

int
tdv_pace_map(tdv_pace_ctx *c, const uint8_t *s, size_t slen,
    const uint8_t *other, size_t olen)
{
	if (c == NULL || s == NULL || other == NULL || c->map_priv == NULL)
		return TDV_EINVAL;
	BIGNUM *sn = BN_bin2bn(s, (int)slen, NULL);
	int rc = TDV_ECRYPTO;
	if (sn == NULL)
		return TDV_ENOMEM;
	if (c->p.ecdh) {
		EC_POINT *peer = NULL, *h = NULL, *gm = NULL;
		BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new();
		if ((rc = get_point(c->group, other, olen, c->bn, &peer)) != TDV_OK)
			goto ec_out;
		rc = TDV_ECRYPTO;
		h = EC_POINT_new(c->group);
		gm = EC_POINT_new(c->group);
		if (h == NULL || gm == NULL || p == NULL || a == NULL || b == NULL)
			goto ec_out;
		/* H = x * PK_peer; G~ = s*G + H */
		if (EC_POINT_mul(c->group, h, NULL, peer, c->map_priv, c->bn) != 1 ||
		    EC_POINT_is_at_infinity(c->group, h))
			goto ec_out;
		if (EC_POINT_mul(c->group, gm, sn, h, BN_value_one(), c->bn) != 1 ||
		    EC_POINT_is_at_infinity(c->group, gm))
			goto ec_out;
		if (EC_GROUP_get_curve(c->group, p, a, b, c->bn) != 1)
			goto ec_out;
		EC_GROUP_free(c->mapped);
		c->mapped = EC_GROUP_new_curve_GFp(p, a, b, c->bn);
		if (c->mapped == NULL)
			goto ec_out;
		{
			/* G~ expressed on the new group object */
			uint8_t buf[1 + 2 * 66];
			size_t n = EC_POINT_point2oct(c->group, gm,
			    POINT_CONVERSION_UNCOMPRESSED, buf, sizeof(buf), c->bn);
			EC_POINT *g2 = EC_POINT_new(c->mapped);
			if (n == 0 || g2 == NULL ||
			    EC_POINT_oct2point(c->mapped, g2, buf, n, c->bn) != 1 ||
			    EC_GROUP_set_generator(c->mapped, g2,
				EC_GROUP_get0_order(c->group),
				EC_GROUP_get0_cofactor(c->group)) != 1) {
				EC_POINT_free(g2);
				goto ec_out;
			}
			EC_POINT_free(g2);
		}
		rc = TDV_OK;
	ec_out:
		EC_POINT_free(peer);
		EC_POINT_clear_free(h);
		EC_POINT_free(gm);
		BN_free(p);
		BN_free(a);
		BN_free(b);
	} else {
		BIGNUM *peer = NULL, *h = BN_new(), *gs = BN_new();
		if ((rc = get_dh(c, other, olen, &peer)) != TDV_OK)
			goto dh_out;
		rc = TDV_ECRYPTO;
		if (h == NULL || gs == NULL)
			goto dh_out;
		BN_free(c->dh_gm);
		c->dh_gm = BN_new();
		/* g~ = g^s * h, h = PK_peer^x */
		if (c->dh_gm == NULL ||
		    BN_mod_exp(h, peer, c->map_priv, c->dh_p, c->bn) != 1 ||
		    BN_mod_exp(gs, c->dh_g, sn, c->dh_p, c->bn) != 1 ||
		    BN_mod_mul(c->dh_gm, gs, h, c->dh_p, c->bn) != 1 ||
		    BN_is_one(c->dh_gm))
			goto dh_out;
		rc = TDV_OK;
	dh_out:
		BN_free(peer);
		BN_clear_free(h);
		BN_clear_free(gs);
	}
	BN_clear_free(sn);
	return rc;
}

int
tdv_pace_mapped_generator(tdv_pace_ctx *c, tdv_buf *out)
{
	if (c == NULL || out == NULL)
		return TDV_EINVAL;
	if (c->p.ecdh) {
		if (c->mapped == NULL)
			return TDV_EINVAL;
		return put_point(c->mapped, EC_GROUP_get0_generator(c->mapped),
		    c->bn, out);
	}
	if (c->dh_gm == NULL)
		return TDV_EINVAL;
	return put_bn(c->dh_gm, c->field_len, out);
}

int
tdv_pace_eph_keypair(tdv_pace_ctx *c, const uint8_t *priv, size_t privlen,
    tdv_buf *pub)
{
	if (c == NULL || pub == NULL)
		return TDV_EINVAL;
	if (c->p.ecdh ? c->mapped == NULL : c->dh_gm == NULL)
		return TDV_EINVAL;
	int rc = make_priv(c, priv, privlen, &c->eph_priv);
	if (rc != TDV_OK)
		return rc;
	if (c->p.ecdh) {
		EC_POINT_free(c->eph_pub);
		c->eph_pub = EC_POINT_new(c->mapped);
		if (c->eph_pub == NULL)
			return TDV_ENOMEM;
		if (EC_POINT_mul(c->mapped, c->eph_pub, c->eph_priv, NULL, NULL,
			c->bn) != 1)
			return TDV_ECRYPTO;
		return put_point(c->mapped, c->eph_pub, c->bn, pub);
	}
	BN_free(c->dh_eph_pub);
	c->dh_eph_pub = BN_new();
	if (c->dh_eph_pub == NULL)
		return TDV_ENOMEM;
	if (BN_mod_exp(c->dh_eph_pub, c->dh_gm, c->eph_priv, c->dh_p, c->bn) != 1)
		return TDV_ECRYPTO;
	return put_bn(c->dh_eph_pub, c->field_len, pub);
}

int
tdv_pace_agree(tdv_pace_ctx *c, const uint8_t *other, size_t olen,
    tdv_buf *shared, uint8_t *ks_enc, uint8_t *ks_mac)
{
	if (c == NULL || other == NULL || shared == NULL || c->eph_priv == NULL)
		return TDV_EINVAL;
	int rc = TDV_ECRYPTO;
	if (c->p.ecdh) {
		EC_POINT *peer = NULL, *k = NULL;
		BIGNUM *x = BN_new();
		if ((rc = get_point(c->mapped, other, olen, c->bn, &peer)) != TDV_OK)
			goto ec_out;
		rc = TDV_ECHIP_AUTH;
		if (EC_POINT_cmp(c->mapped, peer, c->eph_pub, c->bn) == 0)
			goto ec_out; /* §4.4.3.4: the keys must differ */
		rc = TDV_ECRYPTO;
		k = EC_POINT_new(c->mapped);
		if (k == NULL || x == NULL ||
		    EC_POINT_mul(c->mapped, k, NULL, peer, c->eph_priv, c->bn) != 1 ||
		    EC_POINT_is_at_infinity(c->mapped, k) ||
		    EC_POINT_get_affine_coordinates(c->mapped, k, x, NULL, c->bn) != 1)
			goto ec_out;
		rc = put_bn(x, c->field_len, shared);
	ec_out:
		EC_POINT_free(peer);
		EC_POINT_clear_free(k);
		BN_clear_free(x);
	} else {
		BIGNUM *peer = NULL, *k = BN_new();
		if ((rc = get_dh(c, other, olen, &peer)) != TDV_OK)
			goto dh_out;
		rc = TDV_ECHIP_AUTH;
		if (BN_cmp(peer, c->dh_eph_pub) == 0)
			goto dh_out;
		rc = TDV_ECRYPTO;
		if (k == NULL || BN_mod_exp(k, peer, c->eph_priv, c->dh_p, c->bn) != 1)
			goto dh_out;
		rc = put_bn(k, c->field_len, shared);
	dh_out:
		BN_free(peer);
		BN_clear_free(k);
	}
	if (rc == TDV_OK && ks_enc != NULL)
		rc = tdv_chip_kdf(c->p.cipher, shared->data, shared->len, 1, ks_enc);
	if (rc == TDV_OK && ks_mac != NULL)
		rc = tdv_chip_kdf(c->p.cipher, shared->data, shared->len, 2, ks_mac);
	return rc;
}

int
tdv_pace_token(const tdv_pace_proto *p, const uint8_t *ks_mac,
    const uint8_t *pub, size_t publen, uint8_t token[8])
{
	tdv_buf inner, outer;
	if (p == NULL || ks_mac == NULL || pub == NULL || publen > 1024)
		return TDV_EINVAL;
	tdv_buf_init(&inner, 2048);
	tdv_buf_init(&outer, 2100);
	/* 7F49 { 06 OID, 86 point | 84 DH value } (§4.4.3.5, §9.4.2) */
	int rc = tdv__tlv_put(&inner, 0x06, p->oid, sizeof(p->oid));
	if (rc == TDV_OK)
		rc = tdv__tlv_put(&inner, p->ecdh ? 0x86 : 0x84, pub, publen);
	if (rc == TDV_OK)
		rc = tdv__tlv_put(&outer, 0x7F49, inner.data, inner.len);
	if (rc == TDV_OK && p->cipher == TDV_CIPHER_3DES) {
		/* retail MAC wants padded input */
		uint8_t *pad = malloc(outer.len + 8);
		if (pad == NULL) {
			rc = TDV_ENOMEM;
		} else {
			size_t pl = tdv_chip_pad(outer.data, outer.len, 8, pad);
			rc = tdv_chip_mac(p->cipher, ks_mac, pad, pl, token);
			free(pad);
		}
	} else if (rc == TDV_OK) {
		rc = tdv_chip_mac(p->cipher, ks_mac, outer.data, outer.len, token);
	}
	tdv_buf_free(&inner);
	tdv_buf_free(&outer);
	return rc;
}

/* One AES-128 block: E(key, in). */
static int
aes_block(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	return tdv_chip_cbc(TDV_CIPHER_AES128, key, NULL, true, in, 16, out);
}

/* R_p(s, t) of 9303-11 §4.4.3.3.2 for AES-128 (l = k = 128):
 * k0 = E(t, s); k_{i+1} = E(k_i, c0); x_i = E(k_i, c1);
 * R = x_0 || ... || x_{n-1}, n = ceil((log2 p + 64) / l), mod p. */
static int
im_prf(const uint8_t s[16], const uint8_t t[16], const BIGNUM *p, BN_CTX *bn,
    BIGNUM *out)
{
	static const uint8_t c0[16] = {0xa6, 0x68, 0x89, 0x2a, 0x7c, 0x41, 0xe3,
	    0xca, 0x73, 0x9f, 0x40, 0xb0, 0x57, 0xd8, 0x59, 0x04};
	static const uint8_t c1[16] = {0xa4, 0xe1, 0x36, 0xac, 0x72, 0x5f, 0x73,
	    0x8b, 0x01, 0xc1, 0xf6, 0x02, 0x17, 0xc1, 0x88, 0xad};
	uint8_t k[16], x[16 * 8];
	size_t n = ((size_t)BN_num_bits(p) + 64 + 127) / 128;
	int rc = TDV_OK;
	if (n * 16 > sizeof(x))
		return TDV_EUNSUPPORTED;
	rc = aes_block(t, s, k);
	for (size_t i = 0; i < n && rc == TDV_OK; i++) {
		uint8_t next[16];
		rc = aes_block(k, c1, x + 16 * i);
		if (rc == TDV_OK)
			rc = aes_block(k, c0, next);
		memcpy(k, next, 16);
		OPENSSL_cleanse(next, sizeof(next));
	}
	if (rc == TDV_OK && (BN_bin2bn(x, (int)(n * 16), out) == NULL ||
				BN_nnmod(out, out, p, bn) != 1))
		rc = TDV_ECRYPTO;
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(x, sizeof(x));
	return rc;
}

/* f_G(t): 9303-11 Appendix B.2, point encoding in affine coordinates
 * (requires p = 3 mod 4, true of every standardized curve used here). */
static int
im_point(const EC_GROUP *g, const BIGNUM *t, BN_CTX *bn, EC_POINT *out)
{
	int rc = TDV_ECRYPTO;
	BN_CTX_start(bn);
	BIGNUM *p = BN_CTX_get(bn), *a = BN_CTX_get(bn), *b = BN_CTX_get(bn);
	BIGNUM *al = BN_CTX_get(bn), *al2 = BN_CTX_get(bn), *x2 = BN_CTX_get(bn);
	BIGNUM *x3 = BN_CTX_get(bn), *h2 = BN_CTX_get(bn), *u = BN_CTX_get(bn);
	BIGNUM *e = BN_CTX_get(bn), *A = BN_CTX_get(bn), *tmp = BN_CTX_get(bn);
	BIGNUM *y = BN_CTX_get(bn);
	if (y == NULL || EC_GROUP_get_curve(g, p, a, b, bn) != 1)
		goto out;
	if (BN_mod_word(p, 4) != 3) {
		rc = TDV_EUNSUPPORTED;
		goto out;
	}
	/* alpha = -t^2 */
	if (BN_mod_sqr(al, t, p, bn) != 1 || BN_mod_sub(al, p, al, p, bn) != 1)
		goto out;
	/* al2 = alpha + alpha^2 */
	if (BN_mod_sqr(al2, al, p, bn) != 1 || BN_mod_add(al2, al2, al, p, bn) != 1)
		goto out;
	/* X2 = -b (1 + al2) (a al2)^(p-2) */
	if (BN_mod_mul(tmp, a, al2, p, bn) != 1 || BN_copy(e, p) == NULL ||
	    BN_sub_word(e, 2) != 1 || BN_mod_exp(tmp, tmp, e, p, bn) != 1)
		goto out;
	if (BN_copy(x2, al2) == NULL || BN_add_word(x2, 1) != 1 ||
	    BN_mod_mul(x2, x2, tmp, p, bn) != 1 || BN_mod_mul(x2, x2, b, p, bn) != 1 ||
	    BN_mod_sub(x2, p, x2, p, bn) != 1)
		goto out;
	/* X3 = alpha X2; h2 = X2^3 + a X2 + b; U = t^3 h2 */
	if (BN_mod_mul(x3, al, x2, p, bn) != 1)
		goto out;
	if (BN_mod_sqr(h2, x2, p, bn) != 1 || BN_mod_mul(h2, h2, x2, p, bn) != 1 ||
	    BN_mod_mul(tmp, a, x2, p, bn) != 1 || BN_mod_add(h2, h2, tmp, p, bn) != 1 ||
	    BN_mod_add(h2, h2, b, p, bn) != 1)
		goto out;
	if (BN_mod_sqr(u, t, p, bn) != 1 || BN_mod_mul(u, u, t, p, bn) != 1 ||
	    BN_mod_mul(u, u, h2, p, bn) != 1)
		goto out;
	/* A = h2^(p - 1 - (p+1)/4) */
	if (BN_copy(tmp, p) == NULL || BN_add_word(tmp, 1) != 1 ||
	    BN_rshift(tmp, tmp, 2) != 1 || BN_copy(e, p) == NULL ||
	    BN_sub_word(e, 1) != 1 || BN_sub(e, e, tmp) != 1 ||
	    BN_mod_exp(A, h2, e, p, bn) != 1)
		goto out;
	/* A^2 h2 == 1 ? (X2, A h2) : (X3, A U) */
	if (BN_mod_sqr(tmp, A, p, bn) != 1 || BN_mod_mul(tmp, tmp, h2, p, bn) != 1)
		goto out;
	if (BN_is_one(tmp)) {
		if (BN_mod_mul(y, A, h2, p, bn) != 1 ||
		    EC_POINT_set_affine_coordinates(g, out, x2, y, bn) != 1)
			goto out;
	} else {
		if (BN_mod_mul(y, A, u, p, bn) != 1 ||
		    EC_POINT_set_affine_coordinates(g, out, x3, y, bn) != 1)
			goto out;
	}
	if (!BN_is_one(EC_GROUP_get0_cofactor(g)) &&
	    EC_POINT_mul(g, out, NULL, out, EC_GROUP_get0_cofactor(g), bn) != 1)
		goto out;
	rc = EC_POINT_is_at_infinity(g, out) ? TDV_ECRYPTO : TDV_OK;
out:
	BN_CTX_end(bn);
	return rc;
}

int
tdv_pace_map_integrated(tdv_pace_ctx *c, const uint8_t *s, size_t slen,
    const uint8_t *t, size_t tlen)
{
	if (c == NULL || s == NULL || t == NULL)
		return TDV_EINVAL;
	if (!c->p.integrated || !c->p.ecdh)
		return TDV_EINVAL;
	if (slen != 16 || tlen != 16)
		return TDV_ECHIP_AUTH;
	BIGNUM *x = BN_new(), *p = BN_new(), *a = BN_new(), *b = BN_new();
	EC_POINT *gm = NULL;
	int rc = TDV_ENOMEM;
	if (x == NULL || p == NULL || a == NULL || b == NULL)
		goto out;
	rc = TDV_ECRYPTO;
	if (EC_GROUP_get_curve(c->group, p, a, b, c->bn) != 1)
		goto out;
	if ((rc = im_prf(s, t, p, c->bn, x)) != TDV_OK)
		goto out;
	rc = TDV_ECRYPTO;
	/* f_G on the standard group (it has the cofactor), then G~ on a
	 * group of its own, as for the generic mapping */
	gm = EC_POINT_new(c->group);
	if (gm == NULL)
		goto out;
	if ((rc = im_point(c->group, x, c->bn, gm)) != TDV_OK)
		goto out;
	rc = TDV_ECRYPTO;
	EC_GROUP_free(c->mapped);
	c->mapped = EC_GROUP_new_curve_GFp(p, a, b, c->bn);
	if (c->mapped == NULL)
		goto out;
	{
		uint8_t buf[1 + 2 * 66];
		size_t n = EC_POINT_point2oct(c->group, gm,
		    POINT_CONVERSION_UNCOMPRESSED, buf, sizeof(buf), c->bn);
		EC_POINT *g2 = EC_POINT_new(c->mapped);
		if (n > 0 && g2 != NULL &&
		    EC_POINT_oct2point(c->mapped, g2, buf, n, c->bn) == 1 &&
		    EC_GROUP_set_generator(c->mapped, g2,
			EC_GROUP_get0_order(c->group),
			EC_GROUP_get0_cofactor(c->group)) == 1)
			rc = TDV_OK;
		EC_POINT_free(g2);
	}
out:
	EC_POINT_free(gm);
	BN_clear_free(x);
	BN_free(p);
	BN_free(a);
	BN_free(b);
	return rc;
}
