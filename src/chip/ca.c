/*
 * Chip Authentication, ICAO 9303-11 §6.2: ephemeral-static (EC)DH between
 * a terminal key and the chip's static key of DG14, then secure messaging
 * restarts with KSenc = KDF(K,1), KSmac = KDF(K,2) and SSC = 0.
 *
 *   3DES (CA version 1): MSE:Set KAT (00 22 41 A6) with DO91 = ephemeral
 *   public key [DO84 key id].
 *   AES: MSE:Set AT (00 22 41 A4) with DO80 = id-CA-(EC)DH-AES-* [DO84],
 *   then GENERAL AUTHENTICATE 7C{80 ephemeral public key} -> 7C{}.
 *
 * The chip's answer to the CA commands is still protected with the old
 * keys. Only a chip holding the private key derives the same K, so the
 * first command under the new keys (READ BINARY of 4 bytes of EF.COM)
 * proves the chip genuine: a clone cannot produce its MAC.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "chip/chip_internal.h"
#include "tdv/error.h"

/* K from our private key and the peer's public key (DH: padded to p). */
static int
derive(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t *k, size_t cap, size_t *klen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(priv, NULL);
	int rc = TDV_ECRYPTO;
	size_t n = cap;
	if (ctx == NULL)
		return TDV_ENOMEM;
	if (EVP_PKEY_derive_init(ctx) == 1 &&
	    (!EVP_PKEY_is_a(priv, "DH") || EVP_PKEY_CTX_set_dh_pad(ctx, 1) == 1) &&
	    EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
	    EVP_PKEY_derive(ctx, k, &n) == 1) {
		*klen = n;
		rc = TDV_OK;
	}
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* A public key with the domain parameters of `params` and the encoded
 * point/value `pub`. */
static int
peer_key(EVP_PKEY *params, const uint8_t *pub, size_t len, EVP_PKEY **out)
{
	EVP_PKEY *pk = EVP_PKEY_new();
	if (pk == NULL)
		return TDV_ENOMEM;
	if (EVP_PKEY_copy_parameters(pk, params) != 1 ||
	    EVP_PKEY_set1_encoded_public_key(pk, pub, len) != 1) {
		EVP_PKEY_free(pk);
		return TDV_ECHIP_AUTH;
	}
	*out = pk;
	return TDV_OK;
}

static int
session_keys(tdv_chip_cipher c, const uint8_t *k, size_t kl, uint8_t *kenc,
    uint8_t *kmac)
{
	int rc = tdv_chip_kdf(c, k, kl, 1, kenc);
	if (rc == TDV_OK)
		rc = tdv_chip_kdf(c, k, kl, 2, kmac);
	return rc;
}

int
tdv_ca_card_derive(const uint8_t *key, size_t keylen, const uint8_t *eph,
    size_t ephlen, tdv_chip_cipher cipher, uint8_t *ks_enc, uint8_t *ks_mac)
{
	uint8_t k[600];
	size_t kl = 0;
	if (eph == NULL || ks_enc == NULL || ks_mac == NULL || ephlen > 1024)
		return TDV_EINVAL;
	EVP_PKEY *priv = tdv__chip_load_private(key, keylen), *peer = NULL;
	if (priv == NULL)
		return TDV_EPARSE;
	int rc = peer_key(priv, eph, ephlen, &peer);
	if (rc == TDV_OK)
		rc = derive(priv, peer, k, sizeof(k), &kl);
	if (rc == TDV_OK)
		rc = session_keys(cipher, k, kl, ks_enc, ks_mac);
	OPENSSL_cleanse(k, sizeof(k));
	EVP_PKEY_free(peer);
	EVP_PKEY_free(priv);
	return rc;
}

int
tdv_chip_chip_auth(tdv_chip *c, const uint8_t *spki, size_t spkilen,
    tdv_chip_cipher cipher, long key_id)
{
	uint8_t k[600], kenc[32], kmac[32], pub[1024];
	size_t kl = 0, pl = 0;
	EVP_PKEY *chip = NULL, *eph = NULL;
	EVP_PKEY_CTX *kg = NULL;
	tdv_buf d;
	tdv_buf_init(&d, 4096);
	int rc;
	if (c == NULL || spki == NULL || spkilen > 65535 ||
	    tdv_chip_cipher_keylen(cipher) == 0)
		return TDV_EINVAL;
	if (c->sm == NULL)
		return TDV_EPERM; /* CA runs inside BAC/PACE secure messaging */
	const uint8_t *p = spki;
	chip = d2i_PUBKEY(NULL, &p, (long)spkilen);
	if (chip == NULL)
		return TDV_EPARSE;
	bool ec = EVP_PKEY_is_a(chip, "EC");
	if (!ec && !EVP_PKEY_is_a(chip, "DH") && !EVP_PKEY_is_a(chip, "DHX")) {
		rc = TDV_EUNSUPPORTED;
		goto out;
	}
	/* ephemeral key on the chip key's domain parameters */
	kg = EVP_PKEY_CTX_new(chip, NULL);
	if (kg == NULL || EVP_PKEY_keygen_init(kg) != 1 ||
	    EVP_PKEY_keygen(kg, &eph) != 1 ||
	    EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
		pub, sizeof(pub), &pl) != 1) {
		rc = TDV_ECRYPTO;
		goto out;
	}
	if ((rc = derive(eph, chip, k, sizeof(k), &kl)) != TDV_OK)
		goto out;
	uint8_t kid[8];
	size_t kidl = 0;
	if (key_id >= 0) {
		unsigned long v = (unsigned long)key_id;
		uint8_t tmp[8];
		do {
			tmp[kidl++] = (uint8_t)v;
			v >>= 8;
		} while (v != 0 && kidl < sizeof(tmp));
		for (size_t i = 0; i < kidl; i++)
			kid[i] = tmp[kidl - 1 - i];
	}
	uint16_t sw = 0;
	size_t rl = 0;
	uint8_t resp[64];
	if (cipher == TDV_CIPHER_3DES) {
		rc = tdv__tlv_put(&d, 0x91, pub, pl);
		if (rc == TDV_OK && kidl > 0)
			rc = tdv__tlv_put(&d, 0x84, kid, kidl);
		if (rc != TDV_OK)
			goto out;
		tdv_apdu a = {.cla = 0x00, .ins = 0x22, .p1 = 0x41, .p2 = 0xA6,
		    .data = d.data, .lc = d.len};
		if ((rc = tdv_chip_command(c, &a, resp, sizeof(resp), &rl, &sw)) !=
			TDV_OK)
			goto out;
		if (sw != 0x9000) {
			rc = TDV_ECHIP_AUTH;
			goto out;
		}
	} else {
		uint8_t oid[10] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03,
		    ec ? 0x02 : 0x01, 0};
		oid[9] = cipher == TDV_CIPHER_AES128 ? 2
		    : cipher == TDV_CIPHER_AES192 ? 3 : 4;
		rc = tdv__tlv_put(&d, 0x80, oid, sizeof(oid));
		if (rc == TDV_OK && kidl > 0)
			rc = tdv__tlv_put(&d, 0x84, kid, kidl);
		if (rc != TDV_OK)
			goto out;
		tdv_apdu a = {.cla = 0x00, .ins = 0x22, .p1 = 0x41, .p2 = 0xA4,
		    .data = d.data, .lc = d.len};
		if ((rc = tdv_chip_command(c, &a, resp, sizeof(resp), &rl, &sw)) !=
			TDV_OK)
			goto out;
		if (sw != 0x9000) {
			rc = sw == 0x6D00 || sw == 0x6A80 ? TDV_EUNSUPPORTED
							  : TDV_ECHIP_AUTH;
			goto out;
		}
		tdv_buf inner;
		tdv_buf_init(&inner, 2048);
		tdv_buf_reset(&d);
		rc = tdv__tlv_put(&inner, 0x80, pub, pl);
		if (rc == TDV_OK)
			rc = tdv__tlv_put(&d, 0x7C, inner.data, inner.len);
		tdv_buf_free(&inner);
		if (rc != TDV_OK)
			goto out;
		tdv_apdu ga = {.cla = 0x00, .ins = 0x86, .data = d.data,
		    .lc = d.len, .le = 256};
		if ((rc = tdv_chip_command(c, &ga, resp, sizeof(resp), &rl, &sw)) !=
			TDV_OK)
			goto out;
		if (sw != 0x9000) {
			rc = TDV_ECHIP_AUTH;
			goto out;
		}
	}
	if ((rc = session_keys(cipher, k, kl, kenc, kmac)) != TDV_OK ||
	    (rc = tdv__chip_start_sm(c, cipher, kenc, kmac, NULL)) != TDV_OK)
		goto out;
	/* Proof: the chip must speak under the new keys. */
	{
		tdv_apdu rb = {.cla = 0x00, .ins = 0xB0, .p1 = 0x9E, .p2 = 0x00,
		    .le = 4};
		uint8_t hdr[8];
		rc = tdv_chip_command(c, &rb, hdr, sizeof(hdr), &rl, &sw);
		if (rc == TDV_ECHIP_SM || (rc == TDV_OK && sw != 0x9000 &&
						 sw != 0x6282))
			rc = TDV_ECHIP_AUTH;
	}
out:
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(kenc, sizeof(kenc));
	OPENSSL_cleanse(kmac, sizeof(kmac));
	tdv_buf_free(&d);
	EVP_PKEY_CTX_free(kg);
	EVP_PKEY_free(eph);
	EVP_PKEY_free(chip);
	return rc;
}
