/*
 * Secure messaging, ICAO 9303-11 §9.8 (ISO 7816-4 §10): both directions,
 * host and card side, with 3DES (retail MAC, IV 0) or AES (CMAC, IV =
 * E(KSenc, SSC)). The send sequence counter is incremented before every
 * command and every response.
 *
 * Command:  CLA|0C INS P1 P2 Lc [87 L 01 E(data)] [97 L Le] 8E 08 MAC 00
 * Response: [87 L 01 E(data)] 99 02 SW 8E 08 MAC SW
 *
 * Odd INS (READ BINARY B1) carries its data in DO85 without the padding
 * indicator. Any MAC failure is TDV_ECHIP_SM; the caller must drop the
 * session (a real chip does too).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "chip/chip_internal.h"
#include "tdv/error.h"

struct tdv_sm {
	tdv_chip_cipher cipher;
	uint8_t kenc[32];
	uint8_t kmac[32];
	uint8_t ssc[16];
	size_t ssclen;
};

#define MAC_INPUT_MAX (TDV_APDU_MAX + 64)

int
tdv_sm_rekey(tdv_sm *sm, tdv_chip_cipher c, const uint8_t *kenc,
    const uint8_t *kmac, const uint8_t *ssc)
{
	size_t kl = tdv_chip_cipher_keylen(c);
	if (sm == NULL || kl == 0 || kenc == NULL || kmac == NULL)
		return TDV_EINVAL;
	OPENSSL_cleanse(sm, sizeof(*sm));
	sm->cipher = c;
	memcpy(sm->kenc, kenc, kl);
	memcpy(sm->kmac, kmac, kl);
	sm->ssclen = tdv_chip_cipher_blocklen(c);
	if (ssc != NULL)
		memcpy(sm->ssc, ssc, sm->ssclen);
	return TDV_OK;
}

int
tdv_sm_new(tdv_sm **out, tdv_chip_cipher c, const uint8_t *kenc,
    const uint8_t *kmac, const uint8_t *ssc)
{
	if (out == NULL)
		return TDV_EINVAL;
	tdv_sm *sm = calloc(1, sizeof(*sm));
	if (sm == NULL)
		return TDV_ENOMEM;
	int rc = tdv_sm_rekey(sm, c, kenc, kmac, ssc);
	if (rc != TDV_OK) {
		free(sm);
		return rc;
	}
	*out = sm;
	return TDV_OK;
}

void
tdv_sm_free(tdv_sm **smp)
{
	if (smp == NULL || *smp == NULL)
		return;
	OPENSSL_cleanse(*smp, sizeof(**smp));
	free(*smp);
	*smp = NULL;
}

tdv_chip_cipher
tdv_sm_get_cipher(const tdv_sm *sm)
{
	return sm->cipher;
}

const uint8_t *
tdv_sm_ssc(const tdv_sm *sm, size_t *len)
{
	*len = sm->ssclen;
	return sm->ssc;
}

static void
ssc_inc(tdv_sm *sm)
{
	for (size_t i = sm->ssclen; i-- > 0;)
		if (++sm->ssc[i] != 0)
			break;
}

static int
sm_iv(const tdv_sm *sm, uint8_t iv[16])
{
	memset(iv, 0, 16);
	if (sm->cipher == TDV_CIPHER_3DES)
		return TDV_OK;
	return tdv_chip_cbc(sm->cipher, sm->kenc, NULL, true, sm->ssc, 16, iv);
}

/* MAC over SSC || input, padded. */
static int
sm_mac(const tdv_sm *sm, const uint8_t *in, size_t len, uint8_t mac[8])
{
	if (len > MAC_INPUT_MAX - 48)
		return TDV_ELIMIT;
	size_t bl = tdv_chip_cipher_blocklen(sm->cipher);
	uint8_t *n = malloc(sm->ssclen + len + bl);
	if (n == NULL)
		return TDV_ENOMEM;
	memcpy(n, sm->ssc, sm->ssclen);
	if (len > 0)
		memcpy(n + sm->ssclen, in, len);
	size_t nl = tdv_chip_pad(n, sm->ssclen + len, bl, n);
	int rc = tdv_chip_mac(sm->cipher, sm->kmac, n, nl, mac);
	free(n);
	return rc;
}

/* Encrypt padded data into a fresh allocation (*ct, *ctlen). */
static int
sm_encrypt(const tdv_sm *sm, const uint8_t *data, size_t len, uint8_t **ct,
    size_t *ctlen)
{
	size_t bl = tdv_chip_cipher_blocklen(sm->cipher);
	uint8_t iv[16];
	uint8_t *p = malloc(len + bl);
	if (p == NULL)
		return TDV_ENOMEM;
	size_t pl = tdv_chip_pad(data, len, bl, p);
	int rc = sm_iv(sm, iv);
	if (rc == TDV_OK)
		rc = tdv_chip_cbc(sm->cipher, sm->kenc, iv, true, p, pl, p);
	if (rc != TDV_OK) {
		OPENSSL_cleanse(p, len + bl);
		free(p);
		return rc;
	}
	*ct = p;
	*ctlen = pl;
	return TDV_OK;
}

/* Decrypt ciphertext and strip ISO 9797-1 method 2 padding into out. */
static int
sm_decrypt(const tdv_sm *sm, const uint8_t *ct, size_t len, uint8_t *out,
    size_t cap, size_t *outlen)
{
	size_t bl = tdv_chip_cipher_blocklen(sm->cipher);
	uint8_t iv[16];
	if (len == 0 || len % bl != 0)
		return TDV_ECHIP_SM;
	uint8_t *p = malloc(len);
	if (p == NULL)
		return TDV_ENOMEM;
	int rc = sm_iv(sm, iv);
	if (rc == TDV_OK)
		rc = tdv_chip_cbc(sm->cipher, sm->kenc, iv, false, ct, len, p);
	if (rc == TDV_OK) {
		size_t n = len;
		while (n > 0 && p[n - 1] == 0x00)
			n--;
		if (n == 0 || p[n - 1] != 0x80 || len - (n - 1) > bl) {
			rc = TDV_ECHIP_SM;
		} else if (n - 1 > cap) {
			rc = TDV_ELIMIT;
		} else {
			if (n > 1)
				memcpy(out, p, n - 1);
			*outlen = n - 1;
		}
	}
	OPENSSL_cleanse(p, len);
	free(p);
	return rc;
}

int
tdv_sm_wrap_command(tdv_sm *sm, const tdv_apdu *in, uint8_t *out, size_t cap,
    size_t *outlen)
{
	if (sm == NULL || in == NULL || out == NULL || outlen == NULL)
		return TDV_EINVAL;
	if (in->lc > 65535 - 64 || in->le > 65536)
		return TDV_EINVAL;
	size_t bl = tdv_chip_cipher_blocklen(sm->cipher);
	bool odd = (in->ins & 1) != 0;
	tdv_buf body; /* DO87/DO85 || DO97 */
	tdv_buf_init(&body, TDV_APDU_MAX);
	uint8_t *ct = NULL;
	size_t ctlen = 0;
	int rc = TDV_OK;

	ssc_inc(sm);
	if (in->lc > 0) {
		rc = sm_encrypt(sm, in->data, in->lc, &ct, &ctlen);
		if (rc != TDV_OK)
			goto out;
		if (odd) {
			rc = tdv__tlv_put(&body, 0x85, ct, ctlen);
		} else {
			uint8_t *v = malloc(ctlen + 1);
			if (v == NULL) {
				rc = TDV_ENOMEM;
				goto out;
			}
			v[0] = 0x01;
			memcpy(v + 1, ct, ctlen);
			rc = tdv__tlv_put(&body, 0x87, v, ctlen + 1);
			free(v);
		}
		if (rc != TDV_OK)
			goto out;
	}
	bool ext = in->le > 256 || in->extended;
	if (in->le > 0) {
		uint8_t le[2];
		size_t n;
		if (ext) {
			size_t v = in->le == 65536 ? 0 : in->le;
			le[0] = (uint8_t)(v >> 8);
			le[1] = (uint8_t)v;
			n = 2;
		} else {
			le[0] = (uint8_t)(in->le == 256 ? 0 : in->le);
			n = 1;
		}
		if ((rc = tdv__tlv_put(&body, 0x97, le, n)) != TDV_OK)
			goto out;
	}
	/* MAC input: padded masked header || body */
	{
		uint8_t hdr[16] = {(uint8_t)(in->cla | 0x0C), in->ins, in->p1,
		    in->p2};
		size_t hl = tdv_chip_pad(hdr, 4, bl, hdr);
		size_t ml = hl + body.len;
		uint8_t *m = malloc(ml);
		uint8_t mac[8];
		if (m == NULL) {
			rc = TDV_ENOMEM;
			goto out;
		}
		memcpy(m, hdr, hl);
		if (body.len > 0)
			memcpy(m + hl, body.data, body.len);
		rc = sm_mac(sm, m, ml, mac);
		free(m);
		if (rc == TDV_OK)
			rc = tdv__tlv_put(&body, 0x8E, mac, 8);
		if (rc != TDV_OK)
			goto out;
	}
	ext = ext || body.len > 255;
	{
		tdv_apdu p = {.cla = (uint8_t)(in->cla | 0x0C), .ins = in->ins,
		    .p1 = in->p1, .p2 = in->p2, .data = body.data, .lc = body.len,
		    .le = ext ? 65536 : 256, .extended = ext};
		rc = tdv_apdu_encode(&p, out, cap, outlen);
	}
out:
	if (ct != NULL) {
		OPENSSL_cleanse(ct, ctlen);
		free(ct);
	}
	tdv_buf_free(&body);
	return rc;
}

int
tdv_sm_unwrap_response(tdv_sm *sm, const uint8_t *resp, size_t len,
    uint8_t *data, size_t cap, size_t *dlen, uint16_t *sw)
{
	if (sm == NULL || resp == NULL || data == NULL || dlen == NULL ||
	    sw == NULL)
		return TDV_EINVAL;
	size_t rl;
	uint16_t outer;
	int rc = tdv_apdu_parse_response(resp, len, &rl, &outer);
	if (rc != TDV_OK)
		return rc;
	*dlen = 0;
	ssc_inc(sm);
	if (rl == 0) {
		/* An unprotected status: only an error may come this way. */
		if (outer == 0x9000 || (outer & 0xFF00) == 0x6100)
			return TDV_ECHIP_SM;
		*sw = outer;
		return TDV_OK;
	}
	/* Walk the DOs in order: [87|85] 99 8E, nothing else. */
	const uint8_t *do87 = NULL, *do99 = NULL, *do8e = NULL;
	size_t l87 = 0, l99 = 0, l8e = 0, maclen = 0, off = 0;
	unsigned t87 = 0;
	while (off < rl) {
		unsigned tag;
		size_t vl, h;
		if (tdv__tlv_header(resp + off, rl - off, &tag, &vl, &h) != TDV_OK ||
		    vl > rl - off - h)
			return TDV_ECHIP_SM;
		const uint8_t *v = resp + off + h;
		if ((tag == 0x87 || tag == 0x85) && do87 == NULL && do99 == NULL &&
		    do8e == NULL) {
			do87 = v, l87 = vl, t87 = tag;
		} else if (tag == 0x99 && do99 == NULL && do8e == NULL) {
			do99 = v, l99 = vl;
		} else if (tag == 0x8E && do8e == NULL) {
			do8e = v, l8e = vl;
			maclen = off;
		} else {
			return TDV_ECHIP_SM;
		}
		off += h + vl;
	}
	if (do99 == NULL || l99 != 2 || do8e == NULL || l8e != 8)
		return TDV_ECHIP_SM;
	uint8_t mac[8];
	rc = sm_mac(sm, resp, maclen, mac);
	if (rc != TDV_OK)
		return rc;
	if (CRYPTO_memcmp(mac, do8e, 8) != 0)
		return TDV_ECHIP_SM;
	if (do87 != NULL) {
		if (t87 == 0x87) {
			if (l87 < 1 || do87[0] != 0x01)
				return TDV_ECHIP_SM;
			rc = sm_decrypt(sm, do87 + 1, l87 - 1, data, cap, dlen);
		} else {
			rc = sm_decrypt(sm, do87, l87, data, cap, dlen);
		}
		if (rc != TDV_OK)
			return rc;
	}
	*sw = (uint16_t)((do99[0] << 8) | do99[1]);
	return TDV_OK;
}

int
tdv_sm_unwrap_command(tdv_sm *sm, const uint8_t *capdu, size_t len,
    tdv_apdu *out, uint8_t *buf, size_t cap)
{
	tdv_apdu a;
	if (sm == NULL || capdu == NULL || out == NULL || buf == NULL)
		return TDV_EINVAL;
	int rc = tdv_apdu_parse_command(capdu, len, &a);
	if (rc != TDV_OK)
		return TDV_ECHIP_SM;
	if ((a.cla & 0x0C) != 0x0C)
		return TDV_ECHIP_SM;
	size_t bl = tdv_chip_cipher_blocklen(sm->cipher);
	const uint8_t *dod = NULL, *do97 = NULL, *do8e = NULL;
	size_t ld = 0, l97 = 0, l8e = 0, maclen = 0, off = 0;
	unsigned td = 0;
	while (off < a.lc) {
		unsigned tag;
		size_t vl, h;
		if (tdv__tlv_header(a.data + off, a.lc - off, &tag, &vl, &h) !=
			TDV_OK || vl > a.lc - off - h)
			return TDV_ECHIP_SM;
		const uint8_t *v = a.data + off + h;
		if ((tag == 0x87 || tag == 0x85) && dod == NULL && do97 == NULL &&
		    do8e == NULL) {
			dod = v, ld = vl, td = tag;
		} else if (tag == 0x97 && do97 == NULL && do8e == NULL) {
			do97 = v, l97 = vl;
		} else if (tag == 0x8E && do8e == NULL) {
			do8e = v, l8e = vl;
			maclen = off;
		} else {
			return TDV_ECHIP_SM;
		}
		off += h + vl;
	}
	if (do8e == NULL || l8e != 8 || (do97 != NULL && l97 > 2))
		return TDV_ECHIP_SM;
	ssc_inc(sm);
	uint8_t hdr[16] = {a.cla, a.ins, a.p1, a.p2};
	size_t hl = tdv_chip_pad(hdr, 4, bl, hdr);
	uint8_t *m = malloc(hl + maclen + 1);
	if (m == NULL)
		return TDV_ENOMEM;
	memcpy(m, hdr, hl);
	if (maclen > 0)
		memcpy(m + hl, a.data, maclen);
	uint8_t mac[8];
	rc = sm_mac(sm, m, hl + maclen, mac);
	free(m);
	if (rc != TDV_OK)
		return rc;
	if (CRYPTO_memcmp(mac, do8e, 8) != 0)
		return TDV_ECHIP_SM;
	memset(out, 0, sizeof(*out));
	out->cla = (uint8_t)(a.cla & ~0x0C);
	out->ins = a.ins;
	out->p1 = a.p1;
	out->p2 = a.p2;
	if (dod != NULL) {
		size_t dl = 0;
		if (td == 0x87) {
			if (ld < 1 || dod[0] != 0x01)
				return TDV_ECHIP_SM;
			rc = sm_decrypt(sm, dod + 1, ld - 1, buf, cap, &dl);
		} else {
			rc = sm_decrypt(sm, dod, ld, buf, cap, &dl);
		}
		if (rc != TDV_OK)
			return rc;
		out->data = buf;
		out->lc = dl;
	}
	if (do97 != NULL) {
		size_t le = 0;
		for (size_t i = 0; i < l97; i++)
			le = (le << 8) | do97[i];
		out->le = le ? le : (l97 == 2 ? 65536 : 256);
		out->extended = l97 == 2;
	}
	return TDV_OK;
}

int
tdv_sm_wrap_response(tdv_sm *sm, const uint8_t *data, size_t dlen, uint16_t sw,
    uint8_t *out, size_t cap, size_t *outlen)
{
	if (sm == NULL || out == NULL || outlen == NULL || (dlen && !data))
		return TDV_EINVAL;
	tdv_buf body;
	tdv_buf_init(&body, TDV_APDU_MAX);
	uint8_t *ct = NULL;
	size_t ctlen = 0;
	uint8_t swb[2] = {(uint8_t)(sw >> 8), (uint8_t)sw};
	int rc;
	ssc_inc(sm);
	if (dlen > 0) {
		rc = sm_encrypt(sm, data, dlen, &ct, &ctlen);
		if (rc != TDV_OK)
			goto out;
		uint8_t one = 0x01;
		/* 87 L 01 ct: write header by hand to avoid another copy. */
		size_t vl = ctlen + 1;
		uint8_t h[4];
		size_t hn = 0;
		h[hn++] = 0x87;
		if (vl < 0x80) {
			h[hn++] = (uint8_t)vl;
		} else if (vl <= 0xFF) {
			h[hn++] = 0x81;
			h[hn++] = (uint8_t)vl;
		} else {
			h[hn++] = 0x82;
			h[hn++] = (uint8_t)(vl >> 8);
			h[hn++] = (uint8_t)vl;
		}
		if ((rc = tdv_buf_append(&body, h, hn)) != TDV_OK ||
		    (rc = tdv_buf_append(&body, &one, 1)) != TDV_OK ||
		    (rc = tdv_buf_append(&body, ct, ctlen)) != TDV_OK)
			goto out;
	}
	if ((rc = tdv__tlv_put(&body, 0x99, swb, 2)) != TDV_OK)
		goto out;
	uint8_t mac[8];
	if ((rc = sm_mac(sm, body.data, body.len, mac)) != TDV_OK)
		goto out;
	if ((rc = tdv__tlv_put(&body, 0x8E, mac, 8)) != TDV_OK ||
	    (rc = tdv_buf_append(&body, swb, 2)) != TDV_OK)
		goto out;
	if (body.len > cap) {
		rc = TDV_ELIMIT;
		goto out;
	}
	memcpy(out, body.data, body.len);
	*outlen = body.len;
out:
	if (ct != NULL) {
		OPENSSL_cleanse(ct, ctlen);
		free(ct);
	}
	tdv_buf_free(&body);
	return rc;
}
