/*
 * A session with one chip: access control (BAC §4.3, PACE §4.4 of ICAO
 * 9303-11), commands through secure messaging, and reading elementary
 * files with as few APDUs as the card allows.
 *
 * Reading strategy: the first READ BINARY names the file by its short EF
 * identifier (no SELECT needed) and asks for the largest chunk the card
 * can return; the TLV header at the start of that chunk gives the file
 * size, which is checked against TDV_CHIP_FILE_MAX before anything is
 * allocated; the rest follows in the largest chunks. Offsets past 32767
 * use READ BINARY with odd INS (B1, offset in DO54). A card that returns
 * more than asked, or nothing where data must be, ends the read with an
 * error; the transport's APDU budget bounds everything else.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "chip/chip_internal.h"
#include "tdv/error.h"

static const uint8_t emrtd_aid[7] = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};

int
tdv__chip_sw_error(uint16_t sw)
{
	if (sw == 0x9000)
		return TDV_OK;
	if (sw == 0x6A82 || sw == 0x6A83)
		return TDV_ENOENT;
	if (sw == 0x6982 || sw == 0x6985 || sw == 0x6986)
		return TDV_EPERM;
	if (sw == 0x6987 || sw == 0x6988)
		return TDV_ECHIP_SM;
	return TDV_ECHIP_SW;
}

int
tdv_chip_new(tdv_chip **out, tdv_chip_transport *t)
{
	if (out == NULL || t == NULL)
		return TDV_EINVAL;
	tdv_chip *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return TDV_ENOMEM;
	c->t = t;
	c->extended = tdv_chip_transport_extended(t);
	c->cbuf = malloc(TDV_APDU_MAX);
	c->rbuf = malloc(TDV_APDU_MAX);
	c->pbuf = malloc(TDV_APDU_MAX);
	if (c->cbuf == NULL || c->rbuf == NULL || c->pbuf == NULL) {
		tdv_chip_free(&c);
		return TDV_ENOMEM;
	}
	*out = c;
	return TDV_OK;
}

void
tdv_chip_free(tdv_chip **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	tdv_chip *c = *cp;
	tdv_sm_free(&c->sm);
	if (c->pbuf != NULL)
		OPENSSL_cleanse(c->pbuf, TDV_APDU_MAX);
	free(c->cbuf);
	free(c->rbuf);
	free(c->pbuf);
	free(c);
	*cp = NULL;
}

void
tdv_chip_set_progress(tdv_chip *c, tdv_chip_progress_fn fn, void *arg)
{
	c->progress = fn;
	c->progress_arg = arg;
}

tdv_chip_access
tdv_chip_access_used(const tdv_chip *c)
{
	return c->access;
}

int
tdv__chip_start_sm(tdv_chip *c, tdv_chip_cipher cipher, const uint8_t *kenc,
    const uint8_t *kmac, const uint8_t *ssc)
{
	uint8_t zero[16] = {0};
	tdv_sm_free(&c->sm);
	return tdv_sm_new(&c->sm, cipher, kenc, kmac, ssc ? ssc : zero);
}

int
tdv_chip_command(tdv_chip *c, const tdv_apdu *a, uint8_t *resp, size_t rcap,
    size_t *rlen, uint16_t *sw)
{
	size_t cl = 0, rl = 0, dl = 0;
	int rc;
	if (c == NULL || a == NULL || rlen == NULL || sw == NULL ||
	    (resp == NULL && rcap > 0))
		return TDV_EINVAL;
	*rlen = 0;
	if (c->sm != NULL)
		rc = tdv_sm_wrap_command(c->sm, a, c->cbuf, TDV_APDU_MAX, &cl);
	else
		rc = tdv_apdu_encode(a, c->cbuf, TDV_APDU_MAX, &cl);
	if (rc != TDV_OK)
		return rc;
	rc = tdv_chip_transmit(c->t, c->cbuf, cl, c->rbuf, TDV_APDU_MAX, &rl);
	if (rc != TDV_OK)
		return rc;
	if (c->sm != NULL) {
		rc = tdv_sm_unwrap_response(c->sm, c->rbuf, rl, c->pbuf,
		    TDV_APDU_MAX, &dl, sw);
		if (rc != TDV_OK) {
			/* 9303-11 §9.8.5: a broken SM session is over. */
			tdv_sm_free(&c->sm);
			c->access = TDV_CHIP_ACCESS_NONE;
			return rc;
		}
		if (*sw == 0x6987 || *sw == 0x6988) {
			tdv_sm_free(&c->sm);
			c->access = TDV_CHIP_ACCESS_NONE;
		}
		if (dl > rcap)
			return TDV_ECHIP_TRANSPORT;
		if (dl > 0)
			memmove(resp, c->pbuf, dl);
		*rlen = dl;
		return TDV_OK;
	}
	rc = tdv_apdu_parse_response(c->rbuf, rl, &dl, sw);
	if (rc != TDV_OK)
		return rc;
	if (dl > rcap)
		return TDV_ECHIP_TRANSPORT;
	if (dl > 0)
		memmove(resp, c->rbuf, dl);
	*rlen = dl;
	return TDV_OK;
}

/* A command whose only acceptable answer is 9000. */
static int
simple(tdv_chip *c, const tdv_apdu *a, uint8_t *resp, size_t rcap, size_t *rl)
{
	uint16_t sw = 0;
	size_t dummy = 0;
	int rc = tdv_chip_command(c, a, resp, rcap, rl ? rl : &dummy, &sw);
	if (rc != TDV_OK)
		return rc;
	return tdv__chip_sw_error(sw);
}

size_t
tdv_chip_max_read(const tdv_chip *c)
{
	/* Outer response data <= 256 (short) or 65533 (extended: what the
	 * vpcd and PC/SC buffers carry with the SW). Under SM it holds
	 * 87 L L 01 ct, 99 02 SW, 8E 08 MAC: 18 bytes plus padding. */
	size_t outer = c->extended ? 65533 : 256;
	if (c->sm == NULL)
		return c->extended ? 65535 : 256;
	size_t bl = tdv_chip_cipher_blocklen(tdv_sm_get_cipher(c->sm));
	size_t ct = outer - (c->extended ? 4 : 3) - 1 - 4 - 10;
	ct -= ct % bl;
	return ct - 1;
}

int
tdv_chip_select_applet(tdv_chip *c)
{
	tdv_apdu a = {.cla = 0x00, .ins = 0xA4, .p1 = 0x04, .p2 = 0x0C,
	    .data = emrtd_aid, .lc = sizeof(emrtd_aid)};
	return simple(c, &a, NULL, 0, NULL);
}

/* READ BINARY of len bytes at off (current EF, or sfi when first). */
static int
read_binary(tdv_chip *c, int sfi, size_t off, size_t len, uint8_t *out,
    size_t *got, uint16_t *sw)
{
	tdv_apdu a = {.cla = 0x00, .ins = 0xB0, .le = len};
	uint8_t do54[5];
	if (sfi > 0) {
		if (off > 255)
			return TDV_EINVAL;
		a.p1 = (uint8_t)(0x80 | sfi);
		a.p2 = (uint8_t)off;
	} else if (off <= 0x7FFF) {
		a.p1 = (uint8_t)(off >> 8);
		a.p2 = (uint8_t)off;
	} else {
		/* odd INS: offset in DO54 (ISO 7816-4 §11.3.3) */
		if (off > 0xFFFFFF)
			return TDV_ELIMIT;
		a.ins = 0xB1;
		do54[0] = 0x54;
		do54[1] = 0x03;
		do54[2] = (uint8_t)(off >> 16);
		do54[3] = (uint8_t)(off >> 8);
		do54[4] = (uint8_t)off;
		a.data = do54;
		a.lc = 5;
		/* the answer is wrapped in DO53: room for its header */
		a.le = len + 4 > (c->extended ? 65536 : 256) ? len : len + 4;
	}
	if (a.le > 256)
		a.extended = true;
	size_t rl = 0;
	c->reads++;
	int rc = tdv_chip_command(c, &a, c->pbuf, TDV_APDU_MAX, &rl, sw);
	if (rc != TDV_OK)
		return rc;
	if (*sw != 0x9000 && *sw != 0x6282)
		return tdv__chip_sw_error(*sw);
	const uint8_t *p = c->pbuf;
	if (a.ins == 0xB1) {
		const uint8_t *v;
		size_t vl;
		if (rl == 0) {
			*got = 0;
			return TDV_OK;
		}
		if (tdv__tlv_find(p, rl, 0x53, &v, &vl) != TDV_OK)
			return TDV_ECHIP_TRANSPORT;
		p = v;
		rl = vl;
	}
	if (rl > len)
		return TDV_ECHIP_TRANSPORT; /* more than asked for */
	memmove(out, p, rl);
	*got = rl;
	return TDV_OK;
}

/* Total size of a file from the TLV header at its start; 0 = need more. */
static int
tlv_total(const uint8_t *p, size_t n, size_t *total)
{
	size_t i = 0;
	*total = 0;
	if (n < 2)
		return TDV_OK;
	if ((p[0] & 0x1F) == 0x1F) {
		i = 2;
		if ((p[1] & 0x80) != 0)
			return TDV_EPARSE;
	} else {
		i = 1;
	}
	if (p[0] == 0x00 || p[0] == 0xFF)
		return TDV_EPARSE;
	if (i >= n)
		return TDV_OK;
	size_t l = p[i++];
	if (l & 0x80) {
		size_t nb = l & 0x7F;
		if (nb == 0)
			return TDV_EPARSE; /* indefinite length */
		if (nb > 4)
			return TDV_ELIMIT;
		if (i + nb > n)
			return TDV_OK;
		l = 0;
		for (size_t k = 0; k < nb; k++)
			l = (l << 8) | p[i++];
	}
	if (l > TDV_CHIP_FILE_MAX - i)
		return TDV_ELIMIT; /* "a file that claims 16 MB" */
	*total = i + l;
	return TDV_OK;
}

int
tdv_chip_read_ef(tdv_chip *c, uint8_t sfi, tdv_buf *out)
{
	if (c == NULL || out == NULL || sfi < 1 || sfi > 30)
		return TDV_EINVAL;
	tdv_buf_reset(out);
	size_t chunk = tdv_chip_max_read(c);
	uint8_t *tmp = malloc(chunk + 8);
	if (tmp == NULL)
		return TDV_ENOMEM;
	size_t got = 0, total = 0;
	uint16_t sw = 0;
	int rc = read_binary(c, sfi, 0, chunk, tmp, &got, &sw);
	if (rc != TDV_OK)
		goto out;
	rc = tlv_total(tmp, got, &total);
	if (rc != TDV_OK)
		goto out;
	if (total == 0) {
		/* header not complete in the first chunk: only possible with
		 * a tiny chunk or a card that answers short */
		rc = got < 8 ? TDV_ECHIP_TRANSPORT : TDV_EPARSE;
		goto out;
	}
	if (got > total)
		got = total; /* padding after the TLV: ignore it */
	if (total > out->max) {
		rc = TDV_ELIMIT;
		goto out;
	}
	if ((rc = tdv_buf_reserve(out, total)) != TDV_OK ||
	    (rc = tdv_buf_append(out, tmp, got)) != TDV_OK)
		goto out;
	if (c->progress)
		c->progress(c->progress_arg, "read", out->len, total);
	while (out->len < total) {
		size_t want = total - out->len;
		if (want > chunk)
			want = chunk;
		rc = read_binary(c, 0, out->len, want, tmp, &got, &sw);
		if (rc != TDV_OK)
			goto out;
		if (got == 0) {
			rc = TDV_ETRUNCATED; /* the card stopped giving data */
			goto out;
		}
		if ((rc = tdv_buf_append(out, tmp, got)) != TDV_OK)
			goto out;
		if (c->progress)
			c->progress(c->progress_arg, "read", out->len, total);
	}
out:
	free(tmp);
	if (rc != TDV_OK)
		tdv_buf_reset(out);
	return rc;
}

int
tdv_chip_read_card_access(tdv_chip *c, tdv_buf *out)
{
	/* In the master file, SFI 1C, before any access control. */
	return tdv_chip_read_ef(c, 0x1C, out);
}

int
tdv_chip_bac(tdv_chip *c, const tdv_chip_mrz_key *k)
{
	uint8_t seed[16], kenc[16], kmac[16], rnd_ic[8], rnd_ifd[8], k_ifd[16];
	uint8_t cmd[40], resp[64], ksenc[16], ksmac[16], ssc[8];
	size_t rl = 0;
	int rc = tdv_bac_keys(k, seed, kenc, kmac);
	if (rc != TDV_OK)
		goto out;
	tdv_apdu gc = {.cla = 0x00, .ins = 0x84, .le = 8};
	if ((rc = simple(c, &gc, rnd_ic, sizeof(rnd_ic), &rl)) != TDV_OK)
		goto out;
	if (rl != 8) {
		rc = TDV_ECHIP_TRANSPORT;
		goto out;
	}
	if (RAND_bytes(rnd_ifd, 8) != 1 || RAND_bytes(k_ifd, 16) != 1) {
		rc = TDV_ECRYPTO;
		goto out;
	}
	if ((rc = tdv_bac_host_command(kenc, kmac, rnd_ic, rnd_ifd, k_ifd,
		 cmd)) != TDV_OK)
		goto out;
	tdv_apdu ma = {.cla = 0x00, .ins = 0x82, .data = cmd, .lc = 40, .le = 40};
	uint16_t sw = 0;
	if ((rc = tdv_chip_command(c, &ma, resp, sizeof(resp), &rl, &sw)) != TDV_OK)
		goto out;
	if (sw != 0x9000) {
		/* 6300 or 6982: the MRZ keys are wrong */
		rc = (sw == 0x6300 || sw == 0x6982) ? TDV_ECHIP_AUTH
						    : tdv__chip_sw_error(sw);
		goto out;
	}
	rc = tdv_bac_host_finish(kenc, kmac, rnd_ic, rnd_ifd, k_ifd, resp, rl,
	    ksenc, ksmac, ssc);
	if (rc == TDV_OK)
		rc = tdv__chip_start_sm(c, TDV_CIPHER_3DES, ksenc, ksmac, ssc);
	if (rc == TDV_OK)
		c->access = TDV_CHIP_ACCESS_BAC;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(kenc, sizeof(kenc));
	OPENSSL_cleanse(kmac, sizeof(kmac));
	OPENSSL_cleanse(k_ifd, sizeof(k_ifd));
	OPENSSL_cleanse(ksenc, sizeof(ksenc));
	OPENSSL_cleanse(ksmac, sizeof(ksmac));
	return rc;
}

/* GENERAL AUTHENTICATE with one DO inside 7C; returns the DO `want` of
 * the answer. */
static int
pace_ga(tdv_chip *c, bool last, unsigned tag, const uint8_t *v, size_t vl,
    unsigned want, tdv_buf *ans)
{
	tdv_buf in, cmd;
	tdv_buf_init(&in, 4096);
	tdv_buf_init(&cmd, 4096);
	uint8_t *resp = malloc(4096);
	size_t rl = 0;
	int rc = resp ? TDV_OK : TDV_ENOMEM;
	if (rc == TDV_OK && tag != 0)
		rc = tdv__tlv_put(&in, tag, v, vl);
	if (rc == TDV_OK)
		rc = tdv__tlv_put(&cmd, 0x7C, in.data, in.len);
	if (rc == TDV_OK) {
		tdv_apdu a = {.cla = last ? 0x00 : 0x10, .ins = 0x86, .data = cmd.data,
		    .lc = cmd.len, .le = 256, .extended = cmd.len > 255};
		uint16_t sw = 0;
		rc = tdv_chip_command(c, &a, resp, 4096, &rl, &sw);
		if (rc == TDV_OK && sw != 0x9000)
			rc = (sw == 0x6300 || (sw & 0xFFF0) == 0x63C0 || sw == 0x6982)
			    ? TDV_ECHIP_AUTH : tdv__chip_sw_error(sw);
	}
	const uint8_t *d7c = NULL, *dv = NULL;
	size_t l7c = 0, lv = 0;
	if (rc == TDV_OK && (tdv__tlv_find(resp, rl, 0x7C, &d7c, &l7c) != TDV_OK ||
				tdv__tlv_find(d7c, l7c, want, &dv, &lv) != TDV_OK))
		rc = TDV_ECHIP_TRANSPORT;
	if (rc == TDV_OK) {
		tdv_buf_reset(ans);
		rc = tdv_buf_append(ans, dv, lv);
	}
	free(resp);
	tdv_buf_free(&in);
	tdv_buf_free(&cmd);
	return rc;
}

int
tdv_chip_pace(tdv_chip *c, const tdv_pace_proto *p, tdv_pace_password type,
    const tdv_chip_mrz_key *mrz, const char *can)
{
	uint8_t pw[32], s[32], ksenc[32], ksmac[32], tok[8];
	size_t pwl = 0;
	tdv_pace_ctx *ctx = NULL;
	tdv_buf ans, pub, chip_eph, shared;
	tdv_buf_init(&ans, 2048);
	tdv_buf_init(&pub, 2048);
	tdv_buf_init(&chip_eph, 2048);
	tdv_buf_init(&shared, 2048);
	int rc = tdv_pace_password_key(type, mrz, can, pw, &pwl);
	if (rc != TDV_OK)
		goto out;
	if ((rc = tdv_pace_ctx_new(&ctx, p)) != TDV_OK)
		goto out;
	/* MSE:Set AT: 80 protocol OID, 83 password reference, 84 domain
	 * parameter id (§4.4.4.1). */
	{
		uint8_t mse[32];
		size_t n = 0;
		mse[n++] = 0x80;
		mse[n++] = 10;
		memcpy(mse + n, p->oid, 10);
		n += 10;
		mse[n++] = 0x83;
		mse[n++] = 0x01;
		mse[n++] = type == TDV_PACE_MRZ ? 0x01 : 0x02;
		mse[n++] = 0x84;
		mse[n++] = 0x01;
		mse[n++] = (uint8_t)p->parameter_id;
		tdv_apdu a = {.cla = 0x00, .ins = 0x22, .p1 = 0xC1, .p2 = 0xA4,
		    .data = mse, .lc = n};
		if ((rc = simple(c, &a, NULL, 0, NULL)) != TDV_OK)
			goto out;
	}
	/* 1: encrypted nonce */
	if ((rc = pace_ga(c, false, 0, NULL, 0, 0x80, &ans)) != TDV_OK)
		goto out;
	size_t bl = tdv_chip_cipher_blocklen(p->cipher);
	if (ans.len == 0 || ans.len > sizeof(s) || ans.len % bl != 0) {
		rc = TDV_ECHIP_TRANSPORT;
		goto out;
	}
	size_t sl = ans.len;
	if ((rc = tdv_pace_nonce_crypt(p, pw, pwl, false, ans.data, sl, s)) != TDV_OK)
		goto out;
	/* 2: mapping */
	if (p->integrated) {
		/* IM: our nonce t in DO81, an empty DO82 back */
		uint8_t t[16];
		if (RAND_bytes(t, (int)bl) != 1) {
			rc = TDV_ECRYPTO;
			goto out;
		}
		if ((rc = pace_ga(c, false, 0x81, t, bl, 0x82, &ans)) != TDV_OK ||
		    (rc = tdv_pace_map_integrated(ctx, s, sl, t, bl)) != TDV_OK)
			goto out;
	} else if ((rc = tdv_pace_map_keypair(ctx, NULL, 0, &pub)) != TDV_OK ||
	    (rc = pace_ga(c, false, 0x81, pub.data, pub.len, 0x82, &ans)) != TDV_OK ||
	    (rc = tdv_pace_map(ctx, s, sl, ans.data, ans.len)) != TDV_OK) {
		goto out;
	}
	/* 3: key agreement */
	if ((rc = tdv_pace_eph_keypair(ctx, NULL, 0, &pub)) != TDV_OK ||
	    (rc = pace_ga(c, false, 0x83, pub.data, pub.len, 0x84, &chip_eph)) !=
		TDV_OK ||
	    (rc = tdv_pace_agree(ctx, chip_eph.data, chip_eph.len, &shared, ksenc,
		 ksmac)) != TDV_OK)
		goto out;
	/* 4: mutual authentication */
	if ((rc = tdv_pace_token(p, ksmac, chip_eph.data, chip_eph.len, tok)) !=
		TDV_OK ||
	    (rc = pace_ga(c, true, 0x85, tok, 8, 0x86, &ans)) != TDV_OK)
		goto out;
	if ((rc = tdv_pace_token(p, ksmac, pub.data, pub.len, tok)) != TDV_OK)
		goto out;
	if (ans.len != 8 || CRYPTO_memcmp(ans.data, tok, 8) != 0) {
		rc = TDV_ECHIP_AUTH;
		goto out;
	}
	if ((rc = tdv__chip_start_sm(c, p->cipher, ksenc, ksmac, NULL)) != TDV_OK)
		goto out;
	c->access = TDV_CHIP_ACCESS_PACE;
	rc = tdv_chip_select_applet(c);
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(s, sizeof(s));
	OPENSSL_cleanse(ksenc, sizeof(ksenc));
	OPENSSL_cleanse(ksmac, sizeof(ksmac));
	tdv_pace_ctx_free(&ctx);
	tdv_buf_free(&ans);
	tdv_buf_free(&pub);
	tdv_buf_free(&chip_eph);
	tdv_buf_free(&shared);
	return rc;
}
