/*
 * Active Authentication, ICAO 9303-11 §6.1: the chip signs the terminal's
 * 8-byte challenge with the private key behind DG15.
 *
 *   RSA: ISO/IEC 9796-2 digital signature scheme 1 (partial message
 *        recovery): m = 6A || M1 || H(M1 || M2) || trailer, trailer BC
 *        (SHA-1) or hash-id CC (33 SHA-1, 34 SHA-256, 35 SHA-512,
 *        36 SHA-384, 38 SHA-224); M2 = challenge.
 *   EC:  ECDSA, signature as plain r || s (BSI TR-03111), hash from DG14's
 *        ActiveAuthenticationInfo (default SHA-256 here, by key size when
 *        absent).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "chip/chip_internal.h"
#include "tdv/error.h"

static const EVP_MD *
md_for_nid(int nid, int bits)
{
	if (nid != 0)
		return EVP_get_digestbynid(nid);
	if (bits > 384)
		return EVP_sha512();
	if (bits > 256)
		return EVP_sha384();
	return EVP_sha256();
}

static const EVP_MD *
md_for_9796_id(uint8_t id)
{
	switch (id) {
	case 0x33:
		return EVP_sha1();
	case 0x34:
		return EVP_sha256();
	case 0x35:
		return EVP_sha512();
	case 0x36:
		return EVP_sha384();
	case 0x38:
		return EVP_sha224();
	default:
		return NULL;
	}
}

static int
verify_rsa(EVP_PKEY *pk, const uint8_t *chal, size_t clen, const uint8_t *sig,
    size_t siglen)
{
	size_t k = (size_t)EVP_PKEY_get_size(pk), ml = k;
	uint8_t *m = NULL;
	int rc = TDV_ECHIP_AUTH;
	if (siglen != k || k < 64)
		return TDV_ECHIP_AUTH;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
	m = malloc(k);
	if (ctx == NULL || m == NULL) {
		rc = TDV_ENOMEM;
		goto out;
	}
	/* The public-key operation s^e mod n with no padding. */
	if (EVP_PKEY_verify_recover_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) != 1 ||
	    EVP_PKEY_verify_recover(ctx, m, &ml, sig, siglen) != 1 || ml != k)
		goto out;
	const EVP_MD *md;
	size_t t;
	if (m[k - 1] == 0xBC) {
		md = EVP_sha1();
		t = 1;
	} else if (m[k - 1] == 0xCC) {
		md = md_for_9796_id(m[k - 2]);
		t = 2;
	} else {
		goto out;
	}
	if (md == NULL || (m[0] & 0xF0) != 0x60)
		goto out;
	size_t hl = (size_t)EVP_MD_get_size(md);
	if (k < 1 + hl + t + 1)
		goto out;
	/* header 6A: partial recovery, M1 from m[1] to the digest */
	if (m[0] != 0x6A)
		goto out;
	size_t m1l = k - 1 - hl - t;
	uint8_t d[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	int ok = mc != NULL && EVP_DigestInit_ex(mc, md, NULL) == 1 &&
	    EVP_DigestUpdate(mc, m + 1, m1l) == 1 &&
	    EVP_DigestUpdate(mc, chal, clen) == 1 &&
	    EVP_DigestFinal_ex(mc, d, NULL) == 1;
	EVP_MD_CTX_free(mc);
	if (ok && CRYPTO_memcmp(d, m + 1 + m1l, hl) == 0)
		rc = TDV_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	free(m);
	return rc;
}

static int
verify_ec(EVP_PKEY *pk, int hash_nid, const uint8_t *chal, size_t clen,
    const uint8_t *sig, size_t siglen)
{
	int bits = EVP_PKEY_get_bits(pk);
	size_t nl = (size_t)(bits + 7) / 8;
	int rc = TDV_ECHIP_AUTH;
	if (siglen != 2 * nl)
		return TDV_ECHIP_AUTH;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)nl, NULL), *s = BN_bin2bn(sig + nl,
	    (int)nl, NULL);
	uint8_t *der = NULL;
	if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return TDV_ENOMEM;
	}
	int dl = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (dl <= 0)
		return TDV_ECRYPTO;
	const EVP_MD *md = md_for_nid(hash_nid, bits);
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	if (md != NULL && mc != NULL &&
	    EVP_DigestVerifyInit(mc, NULL, md, NULL, pk) == 1 &&
	    EVP_DigestVerify(mc, der, (size_t)dl, chal, clen) == 1)
		rc = TDV_OK;
	EVP_MD_CTX_free(mc);
	OPENSSL_free(der);
	return rc;
}

int
tdv_aa_verify(const uint8_t *spki, size_t spkilen, int hash_nid,
    const uint8_t *challenge, size_t clen, const uint8_t *sig, size_t siglen)
{
	if (spki == NULL || challenge == NULL || sig == NULL || spkilen > 65535)
		return TDV_EINVAL;
	const uint8_t *p = spki;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)spkilen);
	if (pk == NULL)
		return TDV_EPARSE;
	int rc;
	if (EVP_PKEY_is_a(pk, "RSA"))
		rc = verify_rsa(pk, challenge, clen, sig, siglen);
	else if (EVP_PKEY_is_a(pk, "EC"))
		rc = verify_ec(pk, hash_nid, challenge, clen, sig, siglen);
	else
		rc = TDV_EUNSUPPORTED;
	EVP_PKEY_free(pk);
	return rc;
}

EVP_PKEY *
tdv__chip_load_private(const uint8_t *key, size_t keylen)
{
	if (key == NULL || keylen == 0 || keylen > INT32_MAX)
		return NULL;
	BIO *b = BIO_new_mem_buf(key, (int)keylen);
	if (b == NULL)
		return NULL;
	EVP_PKEY *pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (pk == NULL) {
		const uint8_t *p = key;
		pk = d2i_AutoPrivateKey(NULL, &p, (long)keylen);
	}
	return pk;
}

static int
sign_rsa(EVP_PKEY *pk, const uint8_t *chal, size_t clen, tdv_buf *sig)
{
	size_t k = (size_t)EVP_PKEY_get_size(pk), hl = 20, sl = k;
	uint8_t *m = malloc(k), *s = malloc(k);
	int rc = TDV_ECRYPTO;
	EVP_PKEY_CTX *ctx = NULL;
	if (m == NULL || s == NULL) {
		rc = TDV_ENOMEM;
		goto out;
	}
	/* 6A || M1 (random) || SHA-1(M1 || challenge) || BC */
	size_t m1l = k - 1 - hl - 1;
	m[0] = 0x6A;
	if (RAND_bytes(m + 1, (int)m1l) != 1)
		goto out;
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	int ok = mc != NULL && EVP_DigestInit_ex(mc, EVP_sha1(), NULL) == 1 &&
	    EVP_DigestUpdate(mc, m + 1, m1l) == 1 &&
	    EVP_DigestUpdate(mc, chal, clen) == 1 &&
	    EVP_DigestFinal_ex(mc, m + 1 + m1l, NULL) == 1;
	EVP_MD_CTX_free(mc);
	if (!ok)
		goto out;
	m[k - 1] = 0xBC;
	ctx = EVP_PKEY_CTX_new(pk, NULL);
	if (ctx == NULL || EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) != 1 ||
	    EVP_PKEY_sign(ctx, s, &sl, m, k) != 1 || sl != k)
		goto out;
	tdv_buf_reset(sig);
	rc = tdv_buf_append(sig, s, sl);
out:
	EVP_PKEY_CTX_free(ctx);
	free(m);
	free(s);
	return rc;
}

static int
sign_ec(EVP_PKEY *pk, int hash_nid, const uint8_t *chal, size_t clen,
    tdv_buf *sig)
{
	int bits = EVP_PKEY_get_bits(pk);
	size_t nl = (size_t)(bits + 7) / 8, dl = 0;
	uint8_t der[160], out[132];
	const EVP_MD *md = md_for_nid(hash_nid, bits);
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	int rc = TDV_ECRYPTO;
	dl = sizeof(der);
	if (md == NULL || mc == NULL || nl > 66 ||
	    EVP_DigestSignInit(mc, NULL, md, NULL, pk) != 1 ||
	    EVP_DigestSign(mc, der, &dl, chal, clen) != 1) {
		EVP_MD_CTX_free(mc);
		return rc;
	}
	EVP_MD_CTX_free(mc);
	const uint8_t *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)dl);
	if (es == NULL)
		return rc;
	if (BN_bn2binpad(ECDSA_SIG_get0_r(es), out, (int)nl) == (int)nl &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), out + nl, (int)nl) == (int)nl) {
		tdv_buf_reset(sig);
		rc = tdv_buf_append(sig, out, 2 * nl);
	}
	ECDSA_SIG_free(es);
	return rc;
}

int
tdv_aa_sign(const uint8_t *key, size_t keylen, int hash_nid,
    const uint8_t *challenge, size_t clen, tdv_buf *sig)
{
	if (challenge == NULL || sig == NULL)
		return TDV_EINVAL;
	EVP_PKEY *pk = tdv__chip_load_private(key, keylen);
	if (pk == NULL)
		return TDV_EPARSE;
	int rc;
	if (EVP_PKEY_is_a(pk, "RSA"))
		rc = sign_rsa(pk, challenge, clen, sig);
	else if (EVP_PKEY_is_a(pk, "EC"))
		rc = sign_ec(pk, hash_nid, challenge, clen, sig);
	else
		rc = TDV_EUNSUPPORTED;
	EVP_PKEY_free(pk);
	return rc;
}

int
tdv_chip_active_auth(tdv_chip *c, const uint8_t *spki, size_t spkilen,
    int hash_nid)
{
	uint8_t chal[8];
	if (c == NULL || spki == NULL)
		return TDV_EINVAL;
	if (RAND_bytes(chal, 8) != 1)
		return TDV_ECRYPTO;
	uint8_t *resp = malloc(4096);
	size_t rl = 0;
	uint16_t sw = 0;
	if (resp == NULL)
		return TDV_ENOMEM;
	/* Le 00 (256) fits RSA-2048 and every curve; RSA-3072/4096 need
	 * extended length. */
	tdv_apdu a = {.cla = 0x00, .ins = 0x88, .data = chal, .lc = 8,
	    .le = c->extended ? 65536 : 256};
	int rc = tdv_chip_command(c, &a, resp, 4096, &rl, &sw);
	if (rc == TDV_OK && sw != 0x9000)
		rc = sw == 0x6D00 ? TDV_EUNSUPPORTED : tdv__chip_sw_error(sw);
	if (rc == TDV_OK)
		rc = tdv_aa_verify(spki, spkilen, hash_nid, chal, 8, resp, rl);
	free(resp);
	return rc;
}

int
tdv_aa_hash_nid(const char *oid)
{
	static const char prefix[] = "0.4.0.127.0.7.1.1.4.1.";
	if (oid == NULL || strncmp(oid, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	const char *t = oid + sizeof(prefix) - 1;
	if (t[0] == '\0' || t[1] != '\0')
		return 0;
	switch (t[0]) {
	case '1':
		return NID_sha1;
	case '2':
		return NID_sha224;
	case '3':
		return NID_sha256;
	case '4':
		return NID_sha384;
	case '5':
		return NID_sha512;
	default:
		return 0;
	}
}
