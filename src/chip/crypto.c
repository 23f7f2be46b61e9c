/*
 * Symmetric primitives for eMRTD access control and secure messaging:
 * ICAO 9303-11 §9.7.1 key derivation, §9.8 CBC encryption and MACs
 * (retail MAC = ISO 9797-1 MAC algorithm 3 with DES; AES-CMAC, 8 bytes).
 *
 * OpenSSL 3 keeps single DES in the legacy provider, so the retail MAC
 * is computed with two-key 3DES in the default provider: DES-EDE with
 * the key Ka||Ka equals single DES with Ka, and the final EDE with Ka||Kb
 * is exactly the retail MAC's last step.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "tdv/chip.h"
#include "tdv/error.h"

size_t
tdv_chip_cipher_keylen(tdv_chip_cipher c)
{
	switch (c) {
	case TDV_CIPHER_3DES:
	case TDV_CIPHER_AES128:
		return 16;
	case TDV_CIPHER_AES192:
		return 24;
	case TDV_CIPHER_AES256:
		return 32;
	default:
		return 0;
	}
}

size_t
tdv_chip_cipher_blocklen(tdv_chip_cipher c)
{
	return c == TDV_CIPHER_3DES ? 8 : 16;
}

static void
set_odd_parity(uint8_t *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = k[i] & 0xFE;
		int ones = 0;
		for (int j = 1; j < 8; j++)
			ones += (b >> j) & 1;
		k[i] = (uint8_t)(b | ((ones & 1) ? 0 : 1));
	}
}

int
tdv_chip_kdf(tdv_chip_cipher c, const uint8_t *secret, size_t slen,
    uint32_t counter, uint8_t *out)
{
	uint8_t cnt[4] = {(uint8_t)(counter >> 24), (uint8_t)(counter >> 16),
	    (uint8_t)(counter >> 8), (uint8_t)counter};
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0;
	size_t klen = tdv_chip_cipher_keylen(c);
	if (klen == 0 || (secret == NULL && slen > 0) || out == NULL)
		return TDV_EINVAL;
	/* SHA-1 for 3DES and AES-128, SHA-256 for AES-192/256 (§9.7.1). */
	const EVP_MD *md = (c == TDV_CIPHER_3DES || c == TDV_CIPHER_AES128)
	    ? EVP_sha1() : EVP_sha256();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return TDV_ENOMEM;
	int ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	    EVP_DigestUpdate(ctx, secret, slen) == 1 &&
	    EVP_DigestUpdate(ctx, cnt, 4) == 1 &&
	    EVP_DigestFinal_ex(ctx, h, &hlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok || hlen < klen) {
		OPENSSL_cleanse(h, sizeof(h));
		return TDV_ECRYPTO;
	}
	memcpy(out, h, klen);
	if (c == TDV_CIPHER_3DES)
		set_odd_parity(out, klen);
	OPENSSL_cleanse(h, sizeof(h));
	return TDV_OK;
}

static const EVP_CIPHER *
cbc_cipher(tdv_chip_cipher c)
{
	switch (c) {
	case TDV_CIPHER_3DES:
		return EVP_des_ede_cbc();
	case TDV_CIPHER_AES128:
		return EVP_aes_128_cbc();
	case TDV_CIPHER_AES192:
		return EVP_aes_192_cbc();
	case TDV_CIPHER_AES256:
		return EVP_aes_256_cbc();
	default:
		return NULL;
	}
}

static int
raw_cbc(const EVP_CIPHER *ciph, const uint8_t *key, const uint8_t *iv,
    bool encrypt, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t zero[16] = {0};
	if (len > INT32_MAX)
		return TDV_ELIMIT;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return TDV_ENOMEM;
	int outl = 0, fin = 0;
	int ok = EVP_CipherInit_ex(ctx, ciph, NULL, key, iv ? iv : zero,
		     encrypt ? 1 : 0) == 1 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	    EVP_CipherUpdate(ctx, out, &outl, in, (int)len) == 1 &&
	    EVP_CipherFinal_ex(ctx, out + outl, &fin) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok && (size_t)(outl + fin) == len ? TDV_OK : TDV_ECRYPTO;
}

int
tdv_chip_cbc(tdv_chip_cipher c, const uint8_t *key, const uint8_t *iv,
    bool encrypt, const uint8_t *in, size_t len, uint8_t *out)
{
	const EVP_CIPHER *ciph = cbc_cipher(c);
	if (ciph == NULL || key == NULL || (len > 0 && (in == NULL || out == NULL)))
		return TDV_EINVAL;
	if (len % tdv_chip_cipher_blocklen(c) != 0)
		return TDV_EINVAL;
	if (len == 0)
		return TDV_OK;
	return raw_cbc(ciph, key, iv, encrypt, in, len, out);
}

static int
retail_mac(const uint8_t *key, const uint8_t *in, size_t len, uint8_t out[8])
{
	uint8_t kaka[16], h[8] = {0}, last[8], tmp[4096];
	int rc = TDV_OK;
	if (len == 0 || len % 8 != 0)
		return TDV_EINVAL;
	memcpy(kaka, key, 8);
	memcpy(kaka + 8, key, 8);
	/* Single-DES CBC over every block but the last, in chunks; only
	 * the last chaining value is kept. */
	for (size_t off = 0; off + 8 < len && rc == TDV_OK;) {
		size_t n = len - 8 - off;
		if (n > sizeof(tmp))
			n = sizeof(tmp);
		rc = raw_cbc(EVP_des_ede_cbc(), kaka, h, true, in + off, n, tmp);
		if (rc == TDV_OK)
			memcpy(h, tmp + n - 8, 8);
		off += n;
	}
	for (int i = 0; i < 8; i++)
		last[i] = (uint8_t)(in[len - 8 + (size_t)i] ^ h[i]);
	if (rc == TDV_OK)
		rc = raw_cbc(EVP_des_ede_ecb(), key, NULL, true, last, 8, out);
	OPENSSL_cleanse(kaka, sizeof(kaka));
	OPENSSL_cleanse(h, sizeof(h));
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return rc;
}

static int
aes_cmac(tdv_chip_cipher c, const uint8_t *key, const uint8_t *in, size_t len,
    uint8_t out[8])
{
	const char *name = c == TDV_CIPHER_AES128 ? "AES-128-CBC"
	    : c == TDV_CIPHER_AES192 ? "AES-192-CBC" : "AES-256-CBC";
	uint8_t full[16];
	size_t fl = 0;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	if (mac == NULL)
		return TDV_ECRYPTO;
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (ctx == NULL)
		return TDV_ENOMEM;
	OSSL_PARAM params[2];
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
	    (char *)name, 0);
	params[1] = OSSL_PARAM_construct_end();
	int ok = EVP_MAC_init(ctx, key, tdv_chip_cipher_keylen(c), params) == 1 &&
	    EVP_MAC_update(ctx, in, len) == 1 &&
	    EVP_MAC_final(ctx, full, &fl, sizeof(full)) == 1 && fl == 16;
	EVP_MAC_CTX_free(ctx);
	if (ok)
		memcpy(out, full, 8);
	OPENSSL_cleanse(full, sizeof(full));
	return ok ? TDV_OK : TDV_ECRYPTO;
}

int
tdv_chip_mac(tdv_chip_cipher c, const uint8_t *key, const uint8_t *in,
    size_t len, uint8_t out[8])
{
	if (key == NULL || (in == NULL && len > 0) || out == NULL)
		return TDV_EINVAL;
	if (c == TDV_CIPHER_3DES)
		return retail_mac(key, in, len, out);
	if (tdv_chip_cipher_keylen(c) == 0)
		return TDV_EINVAL;
	return aes_cmac(c, key, in, len, out);
}

size_t
tdv_chip_pad(const uint8_t *in, size_t len, size_t block, uint8_t *out)
{
	if (len > 0 && in != out)
		memmove(out, in, len);
	out[len] = 0x80;
	size_t n = len + 1;
	while (n % block != 0)
		out[n++] = 0x00;
	return n;
}
