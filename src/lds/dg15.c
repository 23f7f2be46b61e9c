/*
 * DG15, Active Authentication public key (ICAO 9303-10 §4.7.15,
 * 9303-11 §6.1): tag 6F around a SubjectPublicKeyInfo, decoded with
 * OpenSSL to name its type and size.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lds_int.h"
#include "tdv/error.h"

int
tdv_lds_parse_dg15(const uint8_t *buf, size_t len, tdv_lds_dg15 *out)
{
	tdv_tlv file, spki;
	int rc;

	if (out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	if ((rc = tdv__lds_open(buf, len, 0x6F, &file)) != TDV_OK)
		return rc;
	if ((rc = tdv_tlv_read(file.value, file.len, 0, &spki)) != TDV_OK)
		return rc;
	if (spki.tag != 0x30)
		return TDV_ELDS_TAG;
	out->spki = spki.raw;
	out->spki_len = spki.raw_len;
	const unsigned char *p = spki.raw;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)spki.raw_len);
	if (k == NULL)
		return TDV_EPARSE;
	out->bits = EVP_PKEY_get_bits(k);
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		out->key_type = TDV_KEY_RSA;
		break;
	case EVP_PKEY_EC: {
		out->key_type = TDV_KEY_EC;
		size_t n = 0;
		if (!EVP_PKEY_get_utf8_string_param(k, "group", out->curve,
		    sizeof(out->curve), &n))
			out->curve[0] = '\0';
		break;
	}
	case EVP_PKEY_DH:
	case EVP_PKEY_DHX:
		out->key_type = TDV_KEY_DH;
		break;
	default:
		out->key_type = TDV_KEY_UNKNOWN;
		break;
	}
	EVP_PKEY_free(k);
	return TDV_OK;
}
