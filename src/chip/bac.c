/*
 * Basic Access Control, ICAO 9303-11 §4.3, keys per §9.7.2 (document basic
 * access keys from the MRZ) and the session key derivation of §9.7.1.
 * Verified value by value against the worked example of 9303-11
 * Appendix D (tests/unit/test_bac_worked_example.c).
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "chip/chip_internal.h"
#include "tdv/error.h"

static int
mrz_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	if (c == '<')
		return 0;
	return -1;
}

/* ICAO 9303-3 §4.9 check digit (weights 7 3 1). */
static int
check_digit(const char *s, size_t n, char *out)
{
	static const int w[3] = {7, 3, 1};
	int sum = 0;
	for (size_t i = 0; i < n; i++) {
		int v = mrz_value(s[i]);
		if (v < 0)
			return TDV_EINVAL;
		sum += v * w[i % 3];
	}
	*out = (char)('0' + sum % 10);
	return TDV_OK;
}

static int
copy_field(char *dst, size_t cap, const char *src, size_t minlen, bool digits)
{
	size_t n = src ? strlen(src) : 0;
	if (n == 0 || n >= cap)
		return TDV_EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (mrz_value(c) < 0 || (digits && (c < '0' || c > '9')))
			return TDV_EINVAL;
		dst[i] = c;
	}
	while (n < minlen && n + 1 < cap)
		dst[n++] = '<';
	dst[n] = '\0';
	return TDV_OK;
}

int
tdv_chip_mrz_key_set(tdv_chip_mrz_key *k, const char *document_number,
    const char *birth_date, const char *expiry_date)
{
	if (k == NULL)
		return TDV_EINVAL;
	memset(k, 0, sizeof(*k));
	if (copy_field(k->document_number, sizeof(k->document_number),
		document_number, 9, false) != TDV_OK ||
	    copy_field(k->birth_date, sizeof(k->birth_date), birth_date, 0,
		true) != TDV_OK ||
	    copy_field(k->expiry_date, sizeof(k->expiry_date), expiry_date, 0,
		true) != TDV_OK ||
	    strlen(k->birth_date) != 6 || strlen(k->expiry_date) != 6)
		return TDV_EINVAL;
	return TDV_OK;
}

int
tdv_chip_mrz_key_from_mrz(tdv_chip_mrz_key *k, const tdv_mrz *m)
{
	if (k == NULL || m == NULL || m->format == TDV_MRZ_UNKNOWN)
		return TDV_EINVAL;
	return tdv_chip_mrz_key_set(k, m->document_number, m->birth_date_raw,
	    m->expiry_date_raw);
}

int
tdv_chip_mrz_information(const tdv_chip_mrz_key *k, char *out, size_t cap)
{
	size_t dn = strlen(k->document_number);
	if (dn < 9 || dn > 20 || cap < dn + 1 + 14 + 1)
		return TDV_EINVAL;
	size_t n = 0;
	char cd;
	memcpy(out, k->document_number, dn);
	n = dn;
	if (check_digit(k->document_number, dn, &cd) != TDV_OK)
		return TDV_EINVAL;
	out[n++] = cd;
	memcpy(out + n, k->birth_date, 6);
	if (check_digit(k->birth_date, 6, &cd) != TDV_OK)
		return TDV_EINVAL;
	n += 6;
	out[n++] = cd;
	memcpy(out + n, k->expiry_date, 6);
	if (check_digit(k->expiry_date, 6, &cd) != TDV_OK)
		return TDV_EINVAL;
	n += 6;
	out[n++] = cd;
	out[n] = '\0';
	return TDV_OK;
}

int
tdv_bac_keys(const tdv_chip_mrz_key *k, uint8_t kseed[16], uint8_t kenc[16],
    uint8_t kmac[16])
{
	char info[48];
	uint8_t h[20];
	int rc = tdv_chip_mrz_information(k, info, sizeof(info));
	if (rc != TDV_OK)
		return rc;
	if (EVP_Digest(info, strlen(info), h, NULL, EVP_sha1(), NULL) != 1) {
		OPENSSL_cleanse(info, sizeof(info));
		return TDV_ECRYPTO;
	}
	memcpy(kseed, h, 16);
	rc = tdv_chip_kdf(TDV_CIPHER_3DES, kseed, 16, 1, kenc);
	if (rc == TDV_OK)
		rc = tdv_chip_kdf(TDV_CIPHER_3DES, kseed, 16, 2, kmac);
	OPENSSL_cleanse(info, sizeof(info));
	OPENSSL_cleanse(h, sizeof(h));
	return rc;
}

/* Session keys from K.IFD xor K.IC and SSC = RND.IC[4..8] || RND.IFD[4..8]
 * (§9.7.4 / §4.3.3.3). */
static int
session_keys(const uint8_t k_ifd[16], const uint8_t k_ic[16],
    const uint8_t rnd_ic[8], const uint8_t rnd_ifd[8], uint8_t ks_enc[16],
    uint8_t ks_mac[16], uint8_t ssc[8])
{
	uint8_t seed[16];
	for (int i = 0; i < 16; i++)
		seed[i] = (uint8_t)(k_ifd[i] ^ k_ic[i]);
	int rc = tdv_chip_kdf(TDV_CIPHER_3DES, seed, 16, 1, ks_enc);
	if (rc == TDV_OK)
		rc = tdv_chip_kdf(TDV_CIPHER_3DES, seed, 16, 2, ks_mac);
	memcpy(ssc, rnd_ic + 4, 4);
	memcpy(ssc + 4, rnd_ifd + 4, 4);
	OPENSSL_cleanse(seed, sizeof(seed));
	return rc;
}

/* E = 3DES-CBC(Kenc, a||b||c), M = MAC(Kmac, pad(E)). */
static int
enc_mac(const uint8_t kenc[16], const uint8_t kmac[16], const uint8_t s[32],
    uint8_t out[40])
{
	uint8_t p[40];
	int rc = tdv_chip_cbc(TDV_CIPHER_3DES, kenc, NULL, true, s, 32, out);
	if (rc != TDV_OK)
		return rc;
	size_t pl = tdv_chip_pad(out, 32, 8, p);
	return tdv_chip_mac(TDV_CIPHER_3DES, kmac, p, pl, out + 32);
}

/* Check M and decrypt E (40 bytes in) into s. */
static int
check_dec(const uint8_t kenc[16], const uint8_t kmac[16], const uint8_t *in,
    size_t len, uint8_t s[32])
{
	uint8_t p[40], mac[8];
	if (len != 40)
		return TDV_ECHIP_AUTH;
	size_t pl = tdv_chip_pad(in, 32, 8, p);
	int rc = tdv_chip_mac(TDV_CIPHER_3DES, kmac, p, pl, mac);
	if (rc != TDV_OK)
		return rc;
	if (CRYPTO_memcmp(mac, in + 32, 8) != 0)
		return TDV_ECHIP_AUTH;
	return tdv_chip_cbc(TDV_CIPHER_3DES, kenc, NULL, false, in, 32, s);
}

int
tdv_bac_host_command(const uint8_t kenc[16], const uint8_t kmac[16],
    const uint8_t rnd_ic[8], const uint8_t rnd_ifd[8], const uint8_t k_ifd[16],
    uint8_t cmd[40])
{
	uint8_t s[32];
	memcpy(s, rnd_ifd, 8);
	memcpy(s + 8, rnd_ic, 8);
	memcpy(s + 16, k_ifd, 16);
	int rc = enc_mac(kenc, kmac, s, cmd);
	OPENSSL_cleanse(s, sizeof(s));
	return rc;
}

int
tdv_bac_host_finish(const uint8_t kenc[16], const uint8_t kmac[16],
    const uint8_t rnd_ic[8], const uint8_t rnd_ifd[8], const uint8_t k_ifd[16],
    const uint8_t *resp, size_t resplen, uint8_t ks_enc[16],
    uint8_t ks_mac[16], uint8_t ssc[8])
{
	uint8_t r[32];
	int rc = check_dec(kenc, kmac, resp, resplen, r);
	if (rc != TDV_OK)
		return rc;
	/* R = RND.IC || RND.IFD || K.IC: both randoms must come back. */
	if (CRYPTO_memcmp(r, rnd_ic, 8) != 0 ||
	    CRYPTO_memcmp(r + 8, rnd_ifd, 8) != 0) {
		OPENSSL_cleanse(r, sizeof(r));
		return TDV_ECHIP_AUTH;
	}
	rc = session_keys(k_ifd, r + 16, rnd_ic, rnd_ifd, ks_enc, ks_mac, ssc);
	OPENSSL_cleanse(r, sizeof(r));
	return rc;
}

int
tdv_bac_card_respond(const uint8_t kenc[16], const uint8_t kmac[16],
    const uint8_t rnd_ic[8], const uint8_t k_ic_in[16], const uint8_t *cmd,
    size_t cmdlen, uint8_t resp[40], uint8_t ks_enc[16], uint8_t ks_mac[16],
    uint8_t ssc[8])
{
	uint8_t s[32], r[32], k_ic[16];
	int rc = check_dec(kenc, kmac, cmd, cmdlen, s);
	if (rc != TDV_OK)
		return rc;
	if (CRYPTO_memcmp(s + 8, rnd_ic, 8) != 0) {
		rc = TDV_ECHIP_AUTH;
		goto out;
	}
	if (k_ic_in != NULL)
		memcpy(k_ic, k_ic_in, 16);
	else if (RAND_bytes(k_ic, 16) != 1) {
		rc = TDV_ECRYPTO;
		goto out;
	}
	memcpy(r, rnd_ic, 8);
	memcpy(r + 8, s, 8);
	memcpy(r + 16, k_ic, 16);
	rc = enc_mac(kenc, kmac, r, resp);
	if (rc == TDV_OK)
		rc = session_keys(s + 16, k_ic, rnd_ic, s, ks_enc, ks_mac, ssc);
out:
	OPENSSL_cleanse(s, sizeof(s));
	OPENSSL_cleanse(r, sizeof(r));
	OPENSSL_cleanse(k_ic, sizeof(k_ic));
	return rc;
}
