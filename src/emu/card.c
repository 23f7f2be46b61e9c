/*
 * The virtual ePassport's card logic: an ISO 7816-4 command interpreter
 * with the access rules and protocols of an ICAO 9303 eMRTD chip
 * (9303-11 §4.3 BAC, §4.4 PACE GM, §6.1 AA, §6.2 CA, §9.8 SM).
 *
 * State: selected DF (MF or the eMRTD application) and EF, access gained
 * (none / BAC / PACE), the secure messaging session, and the protocol in
 * progress (BAC challenge, PACE step, CA). Any SM error ends the session
 * and drops access, as on a real chip. Key changes (end of PACE, CA) take
 * effect after the response to the command that triggered them.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "emu/emu_internal.h"
#include "tdv/error.h"

#define SW_OK 0x9000
#define SW_EOF 0x6282
#define SW_WRONG_LENGTH 0x6700
#define SW_SECURITY 0x6982
#define SW_CONDITIONS 0x6985
#define SW_NO_EF 0x6986
#define SW_SM_MISSING 0x6987
#define SW_SM_WRONG 0x6988
#define SW_WRONG_DATA 0x6A80
#define SW_NOT_FOUND 0x6A82
#define SW_WRONG_P1P2 0x6B00
#define SW_AUTH_FAILED 0x6300
#define SW_INS 0x6D00
#define SW_CLA 0x6E00

static const uint8_t emrtd_aid[7] = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};

void
tdv_emu_options_default(tdv_emu_options *o)
{
	memset(o, 0, sizeof(*o));
	o->bac = true;
	o->pace = true;
	o->aa = true;
	o->extended = true;
	memcpy(o->can, "123456", 7);
}

/* A fresh private key with the domain parameters (or RSA size) of a
 * public key: what a clone has instead of the real one. */
static int
clone_key(const uint8_t *spki, size_t len, tdv_buf *pem)
{
	const uint8_t *p = spki;
	EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)len), *k = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIO *b = NULL;
	int rc = TDV_ECRYPTO;
	if (pub == NULL)
		return TDV_EPARSE;
	if (EVP_PKEY_is_a(pub, "RSA")) {
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
		if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
		    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, EVP_PKEY_get_bits(pub)) != 1)
			goto out;
	} else {
		ctx = EVP_PKEY_CTX_new(pub, NULL);
		if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1)
			goto out;
	}
	if (EVP_PKEY_keygen(ctx, &k) != 1)
		goto out;
	b = BIO_new(BIO_s_mem());
	if (b == NULL || PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL,
			     NULL) != 1)
		goto out;
	char *data = NULL;
	long n = BIO_get_mem_data(b, &data);
	if (n <= 0)
		goto out;
	tdv_buf_reset(pem);
	rc = tdv_buf_append(pem, data, (size_t)n);
out:
	BIO_free(b);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(k);
	EVP_PKEY_free(pub);
	return rc;
}

static void
end_session(tdv_emu *e)
{
	tdv_sm_free(&e->sm);
	tdv_sm_free(&e->pending_sm);
	tdv_pace_ctx_free(&e->pace);
	e->access = TDV_CHIP_ACCESS_NONE;
	e->pace_step = 0;
	e->have_challenge = false;
	e->ca_set = false;
	OPENSSL_cleanse(e->pace_ksmac, sizeof(e->pace_ksmac));
}

void
tdv_emu_reset(tdv_emu *e)
{
	end_session(e);
	e->in_applet = false;
	e->cur_ef = 0;
}

int
tdv_emu_new(tdv_emu **out, const tdv_lds *lds, const tdv_chip_mrz_key *mrz,
    const uint8_t *aa_key, size_t aa_len, const uint8_t *ca_key, size_t ca_len,
    const tdv_emu_options *o)
{
	if (out == NULL || lds == NULL || mrz == NULL)
		return TDV_EINVAL;
	tdv_emu *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return TDV_ENOMEM;
	int rc = TDV_OK;
	if (o != NULL)
		e->opt = *o;
	else
		tdv_emu_options_default(&e->opt);
	e->mrz = *mrz;
	tdv_buf_init(&e->aa_key, 65536);
	tdv_buf_init(&e->ca_key, 65536);
	e->lds = tdv_lds_new();
	e->wbuf = malloc(TDV_APDU_MAX);
	e->ibuf = malloc(TDV_APDU_MAX);
	if (e->lds == NULL || e->wbuf == NULL || e->ibuf == NULL) {
		rc = TDV_ENOMEM;
		goto fail;
	}
	for (int ef = 1; ef < TDV_EF_COUNT; ef++) {
		const uint8_t *d;
		size_t l;
		if (tdv_lds_get(lds, ef, &d, &l) == TDV_OK &&
		    (rc = tdv_lds_set(e->lds, ef, d, l)) != TDV_OK)
			goto fail;
	}
	/* The protocols offered follow the files. */
	const uint8_t *d;
	size_t l;
	if (!e->opt.pace)
		(void)tdv_lds_set(e->lds, TDV_EF_CARDACCESS, NULL, 0);
	if (e->opt.pace && tdv_lds_get(e->lds, TDV_EF_CARDACCESS, &d, &l) == TDV_OK &&
	    l > 0 && tdv_lds_parse_secinfos(d, l, &e->card_access) == TDV_OK)
		e->pace_ok = tdv_secinfos_find(&e->card_access, TDV_SECINFO_PACE) !=
		    NULL;
	if (tdv_lds_get(e->lds, TDV_EF_DG14, &d, &l) == TDV_OK &&
	    tdv_lds_parse_dg14(d, l, &e->dg14) == TDV_OK) {
		const tdv_secinfo *aa = tdv_secinfos_find(&e->dg14, TDV_SECINFO_AA);
		e->aa_hash = aa ? tdv_aa_hash_nid(aa->sig_alg_oid) : 0;
	}
	if (e->opt.clone) {
		/* Same public data, keys of its own. */
		tdv_lds_dg15 dg15;
		const tdv_secinfo *cpk = tdv_secinfos_find(&e->dg14,
		    TDV_SECINFO_CA_PUBKEY);
		if (tdv_lds_get(e->lds, TDV_EF_DG15, &d, &l) == TDV_OK &&
		    tdv_lds_parse_dg15(d, l, &dg15) == TDV_OK &&
		    (rc = clone_key(dg15.spki, dg15.spki_len, &e->aa_key)) != TDV_OK)
			goto fail;
		if (cpk != NULL && cpk->key != NULL &&
		    (rc = clone_key(cpk->key, cpk->key_len, &e->ca_key)) != TDV_OK)
			goto fail;
	} else {
		if (aa_key != NULL &&
		    (rc = tdv_buf_append(&e->aa_key, aa_key, aa_len)) != TDV_OK)
			goto fail;
		if (ca_key != NULL &&
		    (rc = tdv_buf_append(&e->ca_key, ca_key, ca_len)) != TDV_OK)
			goto fail;
	}
	if (!e->opt.aa) {
		tdv_buf_free(&e->aa_key);
		(void)tdv_lds_set(e->lds, TDV_EF_DG15, NULL, 0);
	}
	*out = e;
	return TDV_OK;
fail:
	tdv_emu_free(&e);
	return rc;
}

void
tdv_emu_free(tdv_emu **ep)
{
	if (ep == NULL || *ep == NULL)
		return;
	tdv_emu *e = *ep;
	end_session(e);
	tdv_lds_free(&e->lds);
	tdv_buf_free(&e->aa_key);
	tdv_buf_free(&e->ca_key);
	if (e->ibuf != NULL)
		OPENSSL_cleanse(e->ibuf, TDV_APDU_MAX);
	free(e->wbuf);
	free(e->ibuf);
	OPENSSL_cleanse(e, sizeof(*e));
	free(e);
	*ep = NULL;
}

unsigned long
tdv_emu_apdus(const tdv_emu *e)
{
	return e->apdus;
}

size_t
tdv_emu_atr(const tdv_emu *e, uint8_t *atr, size_t cap)
{
	/* 3B 85 80 01 | 80 73 00 00 cc | TCK: contactless (PC/SC part 3),
	 * T=1, historical bytes in compact-TLV with card capabilities;
	 * cc = 40 announces extended Lc/Le (ISO 7816-4 §8.1.1.2.7). */
	uint8_t a[10] = {0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00,
	    e->opt.extended ? 0x40 : 0x00, 0};
	uint8_t tck = 0;
	for (int i = 1; i < 9; i++)
		tck ^= a[i];
	a[9] = tck;
	if (cap < sizeof(a))
		return 0;
	memcpy(atr, a, sizeof(a));
	return sizeof(a);
}

/* ----------------------------------------------------------- responses */

struct resp {
	uint8_t *data; /* e->wbuf */
	size_t len;
	uint16_t sw;
};

static int
sw_only(struct resp *r, uint16_t sw)
{
	r->len = 0;
	r->sw = sw;
	return 0;
}

/* Largest plaintext a response may carry under the current settings. */
static size_t
max_plain(const tdv_emu *e)
{
	size_t outer = e->opt.extended ? 65533 : 256;
	if (e->sm == NULL)
		return outer;
	size_t bl = tdv_chip_cipher_blocklen(tdv_sm_get_cipher(e->sm));
	size_t ct = outer - (e->opt.extended ? 4 : 3) - 1 - 4 - 10;
	ct -= ct % bl;
	return ct - 1;
}

static bool
ef_readable(const tdv_emu *e, int ef)
{
	if (ef == TDV_EF_CARDACCESS)
		return true;
	if (e->access == TDV_CHIP_ACCESS_NONE)
		return false;
	return ef != 3 && ef != 4; /* DG3/DG4: Extended Access Control */
}

/* File id (by FID/SFI in the current DF) -> ef number; 0 when none. */
static int
ef_by(const tdv_emu *e, int fid, int sfi)
{
	if (!e->in_applet) {
		if (fid == 0x011C || sfi == 0x1C)
			return TDV_EF_CARDACCESS;
		return 0;
	}
	for (int ef = 1; ef <= 16; ef++)
		if ((fid >= 0 && tdv_lds_ef_fid(ef) == fid) ||
		    (sfi >= 0 && tdv_lds_ef_sfi(ef) == sfi))
			return ef;
	if (fid == 0x011D || sfi == 0x1D)
		return TDV_EF_SOD;
	if (fid == 0x011E || sfi == 0x1E)
		return TDV_EF_COM;
	if (sfi >= 3 && sfi <= 4)
		return sfi;
	if (fid == 0x0103 || fid == 0x0104)
		return fid - 0x0100;
	return 0;
}

static bool
ef_present(const tdv_emu *e, int ef)
{
	const uint8_t *d;
	size_t l;
	if (ef == 3 || ef == 4)
		return true; /* present on the chip, never readable here */
	return tdv_lds_get(e->lds, ef, &d, &l) == TDV_OK && l > 0;
}

static int
do_select(tdv_emu *e, const tdv_apdu *a, struct resp *r)
{
	if (a->p1 == 0x04) {
		if (a->lc == sizeof(emrtd_aid) &&
		    memcmp(a->data, emrtd_aid, sizeof(emrtd_aid)) == 0) {
			e->in_applet = true;
			e->cur_ef = 0;
			return sw_only(r, SW_OK);
		}
		return sw_only(r, SW_NOT_FOUND);
	}
	if ((a->p1 == 0x00 && (a->lc == 0 || (a->lc == 2 && a->data[0] == 0x3F &&
					      a->data[1] == 0x00)))) {
		/* the MF; the application context is left */
		if (e->access != TDV_CHIP_ACCESS_NONE && e->sm == NULL)
			return sw_only(r, SW_CONDITIONS);
		e->in_applet = false;
		e->cur_ef = 0;
		return sw_only(r, SW_OK);
	}
	if ((a->p1 == 0x02 || a->p1 == 0x00) && a->lc == 2) {
		int fid = (a->data[0] << 8) | a->data[1];
		int ef = ef_by(e, fid, -1);
		if (ef == 0 || !ef_present(e, ef))
			return sw_only(r, SW_NOT_FOUND);
		if (!ef_readable(e, ef))
			return sw_only(r, SW_SECURITY);
		e->cur_ef = ef;
		return sw_only(r, SW_OK);
	}
	sw_only(r, SW_WRONG_P1P2);
	return 0;
}

static int
do_read(tdv_emu *e, const tdv_apdu *a, struct resp *r)
{
	size_t off;
	int ef = e->cur_ef;
	if (a->ins == 0xB0 && (a->p1 & 0x80)) {
		int sfi = a->p1 & 0x1F;
		ef = ef_by(e, -1, sfi);
		if (ef == 0 || !ef_present(e, ef))
			return sw_only(r, SW_NOT_FOUND);
		if (!ef_readable(e, ef))
			return sw_only(r, SW_SECURITY);
		e->cur_ef = ef;
		off = a->p2;
	} else if (a->ins == 0xB0) {
		off = ((size_t)(a->p1 & 0x7F) << 8) | a->p2;
	} else {
		/* B1: offset in DO54 */
		const uint8_t *v = a->data;
		if (a->p1 != 0 || a->p2 != 0 || a->lc < 3 || v[0] != 0x54 ||
		    v[1] == 0 || v[1] > 3 || (size_t)v[1] + 2 != a->lc)
			return sw_only(r, SW_WRONG_DATA);
		off = 0;
		for (size_t i = 0; i < v[1]; i++)
			off = (off << 8) | v[2 + i];
	}
	if (ef == 0)
		return sw_only(r, SW_NO_EF);
	if (!ef_readable(e, ef))
		return sw_only(r, SW_SECURITY);
	const uint8_t *d;
	size_t l;
	if (tdv_lds_get(e->lds, ef, &d, &l) != TDV_OK)
		return sw_only(r, SW_NOT_FOUND);
	if (off > l)
		return sw_only(r, SW_WRONG_P1P2);
	size_t cap = max_plain(e);
	size_t want = a->le == 0 ? 256 : a->le;
	size_t hdr = a->ins == 0xB1 ? 4 : 0;
	if (want > cap)
		want = cap;
	if (want <= hdr)
		return sw_only(r, SW_WRONG_LENGTH);
	size_t n = l - off < want - hdr ? l - off : want - hdr;
	if (a->ins == 0xB1) {
		/* 53 82 hi lo data */
		r->data[0] = 0x53;
		r->data[1] = 0x82;
		r->data[2] = (uint8_t)(n >> 8);
		r->data[3] = (uint8_t)n;
	}
	memcpy(r->data + hdr, d + off, n);
	r->len = n + hdr;
	/* fewer bytes than asked: end of file reached (ISO 7816-4) */
	r->sw = (n + hdr < (a->le == 0 ? 256 : a->le) && n + hdr < cap) ? SW_EOF
									: SW_OK;
	return 0;
}

static int
do_get_challenge(tdv_emu *e, const tdv_apdu *a, struct resp *r)
{
	if (!e->opt.bac)
		return sw_only(r, SW_INS);
	if (a->le != 8)
		return sw_only(r, SW_WRONG_LENGTH);
	if (RAND_bytes(e->rnd_ic, 8) != 1)
		return sw_only(r, 0x6F00);
	e->have_challenge = true;
	memcpy(r->data, e->rnd_ic, 8);
	r->len = 8;
	r->sw = SW_OK;
	return 0;
}

static int
do_mutual_auth(tdv_emu *e, const tdv_apdu *a, struct resp *r)
{
	uint8_t seed[16], kenc[16], kmac[16], ksenc[16], ksmac[16], ssc[8];
	if (!e->opt.bac)
		return sw_only(r, SW_INS);
	if (!e->have_challenge)
		return sw_only(r, SW_CONDITIONS);
	e->have_challenge = false; /* one attempt per challenge */
	if (a->lc != 40)
		return sw_only(r, SW_WRONG_LENGTH);
	if (tdv_bac_keys(&e->mrz, seed, kenc, kmac) != TDV_OK)
		return sw_only(r, 0x6F00);
	int rc = tdv_bac_card_respond(kenc, kmac, e->rnd_ic, NULL, a->data, a->lc,
	    r->data, ksenc, ksmac, ssc);
	if (rc == TDV_OK)
		rc = tdv_sm_new(&e->pending_sm, TDV_CIPHER_3DES, ksenc, ksmac, ssc);
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(kenc, sizeof(kenc));
	OPENSSL_cleanse(kmac, sizeof(kmac));
	OPENSSL_cleanse(ksenc, sizeof(ksenc));
	OPENSSL_cleanse(ksmac, sizeof(ksmac));
	if (rc != TDV_OK)
		return sw_only(r, SW_AUTH_FAILED);
	e->pending_access = TDV_CHIP_ACCESS_BAC;
	r->len = 40;
	r->sw = SW_OK;
	return 0;
}

/* Find a top-level DO in command data. */
static const uint8_t *
find_do(const uint8_t *d, size_t l, unsigned tag, size_t *vl)
{
	const uint8_t *v = NULL;
	if (d == NULL || tdv__tlv_find(d, l, tag, &v, vl) != TDV_OK)
		return NULL;
	return v;
}

static int
do_mse(tdv_emu *e, const tdv_apdu *a, struct resp *r)
{
	size_t ol = 0, pl = 0, il = 0;
	const uint8_t *oid = find_do(a->data, a->lc, 0x80, &ol);
	if (a->p1 == 0xC1 && a->p2 == 0xA4) {
		/* PACE: Set AT for mutual authentication */
		if (!e->pace_ok)
			return sw_only(r, SW_INS);
		const uint8_t *pw = find_do(a->data, a->lc, 0x83, &pl);
		const uint8_t *pid = find_do(a->data, a->lc, 0x84, &il);
		if (oid == NULL || pw == NULL || pl != 1)
			return sw_only(r, SW_WRONG_DATA);
		char dotted[64];
		const tdv_secinfo *pi = NULL;
		if (tdv_der_oid_text(oid, ol, dotted, sizeof(dotted)) != TDV_OK)
			return sw_only(r, SW_WRONG_DATA);
		for (int i = 0; i < e->card_access.n; i++) {
			const tdv_secinfo *s = &e->card_access.items[i];
			if (s->kind == TDV_SECINFO_PACE && strcmp(s->oid, dotted) == 0 &&
			    (pid == NULL || (il == 1 && s->parameter_id == pid[0])))
				pi = s;
		}
		if (pi == NULL ||
		    tdv_pace_proto_from_oid(oid, ol, (int)pi->parameter_id,
			&e->pace_proto) != TDV_OK)
			return sw_only(r, SW_WRONG_DATA);
		if (pw[0] == 0x01)
			e->pace_pw = TDV_PACE_MRZ;
		else if (pw[0] == 0x02 && e->opt.can[0] != '\0')
			e->pace_pw = TDV_PACE_CAN;
		else
			return sw_only(r, SW_WRONG_DATA);
		end_session(e);
		e->pace_step = 1;
		return sw_only(r, SW_OK);
	}
	if (a->p1 == 0x41 && (a->p2 == 0xA4 || a->p2 == 0xA6)) {
		/* Chip Authentication */
		if (e->sm == NULL || e->ca_key.len == 0)
			return sw_only(r, e->sm == NULL ? SW_CONDITIONS : SW_INS);
		const tdv_secinfo *ci = tdv_secinfos_find(&e->dg14, TDV_SECINFO_CA);
		if (ci == NULL)
			return sw_only(r, SW_INS);
		if (a->p2 == 0xA6) {
			size_t kl = 0;
			const uint8_t *k = find_do(a->data, a->lc, 0x91, &kl);
			if (k == NULL || ci->cipher != TDV_CIPHER_3DES)
				return sw_only(r, SW_WRONG_DATA);
			uint8_t kenc[32], kmac[32];
			if (tdv_ca_card_derive(e->ca_key.data, e->ca_key.len, k, kl,
				TDV_CIPHER_3DES, kenc, kmac) != TDV_OK ||
			    tdv_sm_new(&e->pending_sm, TDV_CIPHER_3DES, kenc, kmac,
				NULL) != TDV_OK) {
				OPENSSL_cleanse(kenc, sizeof(kenc));
				OPENSSL_cleanse(kmac, sizeof(kmac));
				return sw_only(r, SW_WRONG_DATA);
			}
			OPENSSL_cleanse(kenc, sizeof(kenc));
			OPENSSL_cleanse(kmac, sizeof(kmac));
			e->pending_access = e->access;
			return sw_only(r, SW_OK);
		}
		char dotted[64];
		if (oid == NULL ||
		    tdv_der_oid_text(oid, ol, dotted, sizeof(dotted)) != TDV_OK ||
		    strcmp(dotted, ci->oid) != 0)
			return sw_only(r, SW_WRONG_DATA);
		e->ca_cipher = ci->cipher;
		e->ca_set = true;
		return sw_only(r, SW_OK);
	}
	sw_only(r, SW_WRONG_P1P2);
	return 0;
}

/* Append a DO to the response buffer. */
static int
put_do(struct resp *r, size_t cap, unsigned tag, const uint8_t *v, size_t vl)
{
	tdv_buf b;
	tdv_buf_init(&b, cap - r->len);
	int rc = tdv__tlv_put(&b, tag, v, vl);
	if (rc == TDV_OK) {
		memcpy(r->data + r->len, b.data, b.len);
		r->len += b.len;
	}
	tdv_buf_free(&b);
	return rc;
}

static int
do_pace_step(tdv_emu *e, const tdv_apdu *a, const uint8_t *in, size_t inl,
    struct resp *r)
{
	uint8_t pw[32];
	size_t pwl = 0;
	tdv_buf pub, shared;
	tdv_buf_init(&pub, 2048);
	tdv_buf_init(&shared, 2048);
	uint8_t inner[1100];
	struct resp ir = {.data = inner, .len = 0};
	bool last = (a->cla & 0x10) == 0;
	int rc = TDV_OK;
	const uint8_t *v;
	size_t vl = 0;
	if (last != (e->pace_step == 4)) {
		rc = TDV_EPARSE;
		goto out;
	}
	switch (e->pace_step) {
	case 1: { /* encrypted nonce */
		size_t sl = tdv_chip_cipher_blocklen(e->pace_proto.cipher);
		uint8_t z[16];
		if (inl != 0 || tdv_pace_ctx_new(&e->pace, &e->pace_proto) != TDV_OK ||
		    tdv_pace_password_key(e->pace_pw, &e->mrz, e->opt.can, pw,
			&pwl) != TDV_OK ||
		    RAND_bytes(e->pace_s, (int)sl) != 1 ||
		    tdv_pace_nonce_crypt(&e->pace_proto, pw, pwl, true, e->pace_s,
			sl, z) != TDV_OK) {
			rc = TDV_EPARSE;
			break;
		}
		e->pace_slen = sl;
		rc = put_do(&ir, sizeof(inner), 0x80, z, sl);
		break;
	}
	case 2: /* mapping */
		v = find_do(in, inl, 0x81, &vl);
		if (e->pace_proto.integrated) {
			/* IM: the terminal's nonce t; G~ = f_G(R(s, t)) */
			if (v == NULL || tdv_pace_map_integrated(e->pace, e->pace_s,
					     e->pace_slen, v, vl) != TDV_OK) {
				rc = TDV_EPARSE;
				break;
			}
			rc = put_do(&ir, sizeof(inner), 0x82, NULL, 0);
			break;
		}
		if (v == NULL ||
		    tdv_pace_map_keypair(e->pace, NULL, 0, &pub) != TDV_OK ||
		    tdv_pace_map(e->pace, e->pace_s, e->pace_slen, v, vl) != TDV_OK) {
			rc = TDV_EPARSE;
			break;
		}
		rc = put_do(&ir, sizeof(inner), 0x82, pub.data, pub.len);
		break;
	case 3: /* key agreement */
		v = find_do(in, inl, 0x83, &vl);
		if (v == NULL || vl > sizeof(e->pace_ifd_pub) ||
		    tdv_pace_eph_keypair(e->pace, NULL, 0, &pub) != TDV_OK ||
		    tdv_pace_agree(e->pace, v, vl, &shared, e->pace_ksenc,
			e->pace_ksmac) != TDV_OK) {
			rc = TDV_EPARSE;
			break;
		}
		memcpy(e->pace_ifd_pub, v, vl);
		e->pace_ifd_len = vl;
		memcpy(e->pace_ic_pub, pub.data, pub.len);
		e->pace_ic_len = pub.len;
		rc = put_do(&ir, sizeof(inner), 0x84, pub.data, pub.len);
		break;
	case 4: { /* mutual authentication */
		uint8_t t[8];
		v = find_do(in, inl, 0x85, &vl);
		if (v == NULL || vl != 8 ||
		    tdv_pace_token(&e->pace_proto, e->pace_ksmac, e->pace_ic_pub,
			e->pace_ic_len, t) != TDV_OK ||
		    CRYPTO_memcmp(t, v, 8) != 0) {
			rc = TDV_ECHIP_AUTH;
			break;
		}
		if (tdv_pace_token(&e->pace_proto, e->pace_ksmac, e->pace_ifd_pub,
			e->pace_ifd_len, t) != TDV_OK ||
		    tdv_sm_new(&e->pending_sm, e->pace_proto.cipher, e->pace_ksenc,
			e->pace_ksmac, NULL) != TDV_OK) {
			rc = TDV_EPARSE;
			break;
		}
		e->pending_access = TDV_CHIP_ACCESS_PACE;
		rc = put_do(&ir, sizeof(inner), 0x86, t, 8);
		break;
	}
	default:
		rc = TDV_EPARSE;
	}
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	tdv_buf_free(&pub);
	tdv_buf_free(&shared);
	if (rc != TDV_OK) {
		bool auth = rc == TDV_ECHIP_AUTH;
		end_session(e);
		return sw_only(r, auth ? SW_AUTH_FAILED : SW_CONDITIONS);
	}
	e->pace_step++;
	if (e->pace_step > 4) {
		e->pace_step = 0;
		tdv_pace_ctx_free(&e->pace);
	}
	r->len = 0;
	if (put_do(r, 4096, 0x7C, inner, ir.len) != TDV_OK)
		return sw_only(r, 0x6F00);
	r->sw = SW_OK;
	return 0;
}

static int
do_general_auth(tdv_emu *e, const tdv_apdu *a, struct resp *r)
{
	size_t inl = 0;
	const uint8_t *in = find_do(a->data, a->lc, 0x7C, &inl);
	if (in == NULL)
		return sw_only(r, SW_WRONG_DATA);
	if (e->pace_step > 0)
		return do_pace_step(e, a, in, inl, r);
	if (e->ca_set && e->sm != NULL) {
		size_t kl = 0;
		const uint8_t *k = find_do(in, inl, 0x80, &kl);
		uint8_t kenc[32], kmac[32];
		e->ca_set = false;
		if (k == NULL ||
		    tdv_ca_card_derive(e->ca_key.data, e->ca_key.len, k, kl,
			e->ca_cipher, kenc, kmac) != TDV_OK ||
		    tdv_sm_new(&e->pending_sm, e->ca_cipher, kenc, kmac, NULL) !=
			TDV_OK) {
			OPENSSL_cleanse(kenc, sizeof(kenc));
			OPENSSL_cleanse(kmac, sizeof(kmac));
			return sw_only(r, SW_WRONG_DATA);
		}
		OPENSSL_cleanse(kenc, sizeof(kenc));
		OPENSSL_cleanse(kmac, sizeof(kmac));
		e->pending_access = e->access;
		r->data[0] = 0x7C;
		r->data[1] = 0x00;
		r->len = 2;
		r->sw = SW_OK;
		return 0;
	}
	sw_only(r, SW_CONDITIONS);
	return 0;
}

static int
do_internal_auth(tdv_emu *e, const tdv_apdu *a, struct resp *r)
{
	if (e->aa_key.len == 0)
		return sw_only(r, SW_INS);
	if (e->access == TDV_CHIP_ACCESS_NONE)
		return sw_only(r, SW_SECURITY);
	if (a->lc != 8)
		return sw_only(r, SW_WRONG_DATA);
	tdv_buf sig;
	tdv_buf_init(&sig, 1024);
	if (tdv_aa_sign(e->aa_key.data, e->aa_key.len, e->aa_hash, a->data, 8,
		&sig) != TDV_OK) {
		tdv_buf_free(&sig);
		return sw_only(r, 0x6F00);
	}
	if (sig.len > max_plain(e)) {
		tdv_buf_free(&sig);
		return sw_only(r, SW_WRONG_LENGTH);
	}
	memcpy(r->data, sig.data, sig.len);
	r->len = sig.len;
	r->sw = SW_OK;
	tdv_buf_free(&sig);
	return 0;
}

static int
dispatch(tdv_emu *e, const tdv_apdu *a, struct resp *r)
{
	uint8_t cla = a->cla & (uint8_t)~0x1C;
	if (cla != 0x00)
		return sw_only(r, SW_CLA);
	if ((a->cla & 0x10) && a->ins != 0x86)
		return sw_only(r, SW_CLA);
	/* extended length only when announced */
	if (!e->opt.extended && (a->lc > 255 || a->le > 256 || a->extended))
		return sw_only(r, SW_WRONG_LENGTH);
	/* a PACE run is one uninterrupted sequence */
	if (e->pace_step > 0 && a->ins != 0x86) {
		end_session(e);
		if (a->ins != 0x22)
			return sw_only(r, SW_CONDITIONS);
	}
	switch (a->ins) {
	case 0xA4:
		return do_select(e, a, r);
	case 0xB0:
	case 0xB1:
		return do_read(e, a, r);
	case 0x84:
		return do_get_challenge(e, a, r);
	case 0x82:
		return do_mutual_auth(e, a, r);
	case 0x22:
		return do_mse(e, a, r);
	case 0x86:
		return do_general_auth(e, a, r);
	case 0x88:
		return do_internal_auth(e, a, r);
	default:
		return sw_only(r, SW_INS);
	}
	return 0;
}

static int
emit(uint8_t *rapdu, size_t rcap, size_t *rlen, const uint8_t *d, size_t dl,
    uint16_t sw)
{
	if (dl + 2 > rcap)
		return TDV_ELIMIT;
	if (dl > 0)
		memmove(rapdu, d, dl);
	rapdu[dl] = (uint8_t)(sw >> 8);
	rapdu[dl + 1] = (uint8_t)sw;
	*rlen = dl + 2;
	return TDV_OK;
}

int
tdv_emu_process(tdv_emu *e, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
    size_t rcap, size_t *rlen)
{
	tdv_apdu a;
	struct resp r = {.data = e->wbuf, .len = 0, .sw = SW_OK};
	if (e == NULL || capdu == NULL || rapdu == NULL || rlen == NULL)
		return TDV_EINVAL;
	e->apdus++;
	if (tdv_apdu_parse_command(capdu, clen, &a) != TDV_OK)
		return emit(rapdu, rcap, rlen, NULL, 0, SW_WRONG_LENGTH);
	bool protected_cmd = (a.cla & 0x0C) == 0x0C;
	if (e->sm != NULL) {
		if (!protected_cmd) {
			/* a plain command ends the secure session */
			end_session(e);
			return emit(rapdu, rcap, rlen, NULL, 0, SW_SM_MISSING);
		}
		if (tdv_sm_unwrap_command(e->sm, capdu, clen, &a, e->ibuf,
			TDV_APDU_MAX) != TDV_OK) {
			end_session(e);
			return emit(rapdu, rcap, rlen, NULL, 0, SW_SM_WRONG);
		}
	} else if (protected_cmd) {
		return emit(rapdu, rcap, rlen, NULL, 0, SW_SM_WRONG);
	}
	e->pending_access = TDV_CHIP_ACCESS_NONE;
	dispatch(e, &a, &r);
	int rc;
	if (e->sm != NULL) {
		size_t wl = 0;
		rc = tdv_sm_wrap_response(e->sm, r.data, r.len, r.sw, rapdu, rcap, &wl);
		if (rc == TDV_OK)
			*rlen = wl;
		else
			rc = emit(rapdu, rcap, rlen, NULL, 0, 0x6F00);
	} else {
		rc = emit(rapdu, rcap, rlen, r.data, r.len, r.sw);
	}
	/* New keys take effect after this response (BAC, PACE, CA). */
	if (e->pending_sm != NULL) {
		tdv_sm_free(&e->sm);
		e->sm = e->pending_sm;
		e->pending_sm = NULL;
		e->access = e->pending_access;
	}
	return rc;
}

static int
emu_transmit(void *ctx, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
    size_t rcap, size_t *rlen)
{
	return tdv_emu_process(ctx, capdu, clen, rapdu, rcap, rlen);
}

int
tdv_emu_transport(tdv_emu *e, tdv_chip_transport **out)
{
	uint8_t atr[36];
	size_t n = tdv_emu_atr(e, atr, sizeof(atr));
	return tdv_chip_transport_new_callback(out, emu_transmit, e, atr, n);
}
