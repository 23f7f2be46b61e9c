/* A synthetic personalised passport for the chip/emulator tests: files
 * built here from generated keys (no personal data: ICAO specimen
 * ERIKSSON ANNA MARIA, UTO). EF.SOD is an opaque TLV: these tests are
 * about access and transport, not Passive Authentication. */
#ifndef TDV_TEST_EMU_LDS_H
#define TDV_TEST_EMU_LDS_H

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tdv/buf.h"
#include "tdv/emu.h"
#include "tdv/lds.h"

static inline void
t_tlv(tdv_buf *b, unsigned tag, const uint8_t *v, size_t n)
{
	uint8_t h[6];
	size_t k = 0;
	if (tag > 0xFF)
		h[k++] = (uint8_t)(tag >> 8);
	h[k++] = (uint8_t)tag;
	if (n < 0x80) {
		h[k++] = (uint8_t)n;
	} else if (n < 0x100) {
		h[k++] = 0x81;
		h[k++] = (uint8_t)n;
	} else {
		h[k++] = 0x82;
		h[k++] = (uint8_t)(n >> 8);
		h[k++] = (uint8_t)n;
	}
	tdv_buf_append(b, h, k);
	tdv_buf_append(b, v, n);
}

static inline EVP_PKEY *
t_keygen(const char *type, const char *curve_or_null, int bits)
{
	EVP_PKEY *k = NULL;
	if (strcmp(type, "EC") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve_or_null);
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	return k;
}

/* X9.42 DH key on the RFC 5114 2048-bit group with 256-bit subgroup */
static inline EVP_PKEY *
t_dh_keygen(void)
{
	EVP_PKEY *k = NULL;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "DHX", NULL);
	OSSL_PARAM prm[2] = {OSSL_PARAM_construct_utf8_string("group",
				 (char *)"dh_2048_256", 0),
	    OSSL_PARAM_construct_end()};
	if (c != NULL && EVP_PKEY_keygen_init(c) == 1 &&
	    EVP_PKEY_CTX_set_params(c, prm) == 1)
		(void)EVP_PKEY_keygen(c, &k);
	EVP_PKEY_CTX_free(c);
	return k;
}

static inline void
t_pem(EVP_PKEY *k, tdv_buf *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	char *d = NULL;
	long n = BIO_get_mem_data(b, &d);
	tdv_buf_append(out, d, (size_t)n);
	BIO_free(b);
}

static inline void
t_spki(EVP_PKEY *k, tdv_buf *out)
{
	uint8_t *d = NULL;
	int n = i2d_PUBKEY(k, &d);
	tdv_buf_append(out, d, (size_t)n);
	OPENSSL_free(d);
}

/* id-PACE-ECDH-GM-AES-CBC-CMAC-128, brainpoolP256r1 (9303-11 App. G) */
static const uint8_t t_card_access[] = {0x31, 0x14, 0x30, 0x12, 0x06, 0x0A,
    0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02, 0x02, 0x01,
    0x02, 0x02, 0x01, 0x0D};

/* Knobs for protocol variants: the CA protocol's cipher byte
 * (id-CA-ECDH-xxx: 1 3DES, 2 AES-128, 3 AES-192, 4 AES-256). */
static uint8_t t_ca_cipher = 2;
/* Chip Authentication key: false ECDH brainpoolP256r1, true DH (X9.42,
 * RFC 5114 2048/256). */
static bool t_ca_dh = false;

/* EF.CardAccess with one PACEInfo: id-PACE-<mapping>-<cipher>, mapping
 * 1 DH-GM, 2 ECDH-GM, 4 ECDH-IM. */
static inline void
t_card_access_set(tdv_lds *l, uint8_t mapping, uint8_t cipher, uint8_t param)
{
	uint8_t ca[22];
	memcpy(ca, t_card_access, sizeof(ca));
	ca[14] = mapping;
	ca[15] = cipher;
	ca[21] = param;
	tdv_lds_set(l, TDV_EF_CARDACCESS, ca, sizeof(ca));
}

struct t_passport {
	tdv_lds *lds;
	tdv_chip_mrz_key mrz;
	tdv_buf aa_pem, ca_pem;
	size_t dg2_len;
};

/* Build the passport: aa = "EC", "RSA" or NULL; ca true for DG14. */
static inline void
t_passport_make(struct t_passport *p, const char *aa, bool ca, size_t dg2_len)
{
	memset(p, 0, sizeof(*p));
	p->lds = tdv_lds_new();
	tdv_buf_init(&p->aa_pem, 65536);
	tdv_buf_init(&p->ca_pem, 65536);
	tdv_chip_mrz_key_set(&p->mrz, "L898902C", "740812", "120415");
	tdv_buf b, c;
	tdv_buf_init(&b, 1 << 20);
	tdv_buf_init(&c, 1 << 20);
	/* EF.COM: 60 { 5F01 "0107", 5F36 "040000", 5C tags } */
	const uint8_t tags[] = {0x61, 0x75, 0x6E, 0x6F};
		uint8_t list[4] = {0x61, 0x75, 0, 0};
	size_t ntags = 2;
	if (ca)
		list[ntags++] = tags[2];
	if (aa)
		list[ntags++] = tags[3];
	t_tlv(&c, 0x5F01, (const uint8_t *)"0107", 4);
	t_tlv(&c, 0x5F36, (const uint8_t *)"040000", 6);
	t_tlv(&c, 0x5C, list, ntags);
	t_tlv(&b, 0x60, c.data, c.len);
	tdv_lds_set(p->lds, TDV_EF_COM, b.data, b.len);
	/* DG1 */
	const char *mrz = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
			  "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
	tdv_buf_reset(&b);
	tdv_buf_reset(&c);
	t_tlv(&c, 0x5F1F, (const uint8_t *)mrz, 88);
	t_tlv(&b, 0x61, c.data, c.len);
	tdv_lds_set(p->lds, TDV_EF_DG1, b.data, b.len);
	/* DG2: a TLV of the requested total size, patterned content */
	tdv_buf_reset(&b);
	tdv_buf_reset(&c);
	for (size_t i = 0; i + 4 < dg2_len; i++)
		tdv_buf_putc(&c, (int)(i * 7 + (i >> 8)) & 0xFF);
	t_tlv(&b, 0x75, c.data, c.len);
	p->dg2_len = b.len;
	tdv_lds_set(p->lds, TDV_EF_DG2, b.data, b.len);
	/* EF.SOD: opaque */
	tdv_buf_reset(&b);
	tdv_buf_reset(&c);
	for (int i = 0; i < 1500; i++)
		tdv_buf_putc(&c, i & 0xFF);
	t_tlv(&b, 0x77, c.data, c.len);
	tdv_lds_set(p->lds, TDV_EF_SOD, b.data, b.len);
	tdv_lds_set(p->lds, TDV_EF_CARDACCESS, t_card_access,
	    sizeof(t_card_access));
	if (ca) {
		/* DG14: 6E { SET { SEQ { id-PK-ECDH, SPKI },
		 *                 SEQ { id-CA-ECDH-AES-CBC-CMAC-128, 1 } } } */
		EVP_PKEY *k = t_ca_dh ? t_dh_keygen()
				      : t_keygen("EC", "brainpoolP256r1", 0);
		tdv_buf spki, s1, s2, set;
		tdv_buf_init(&spki, 4096);
		tdv_buf_init(&s1, 4096);
		tdv_buf_init(&s2, 4096);
		tdv_buf_init(&set, 4096);
		t_spki(k, &spki);
		t_pem(k, &p->ca_pem);
		const uint8_t pk_oid[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02,
		    0x01, t_ca_dh ? 0x01 : 0x02};
		const uint8_t ca_oid[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02,
		    0x03, t_ca_dh ? 0x01 : 0x02, t_ca_cipher};
		const uint8_t one = 1;
		tdv_buf_reset(&c);
		t_tlv(&c, 0x06, pk_oid, sizeof(pk_oid));
		tdv_buf_append(&c, spki.data, spki.len);
		t_tlv(&s1, 0x30, c.data, c.len);
		tdv_buf_reset(&c);
		t_tlv(&c, 0x06, ca_oid, sizeof(ca_oid));
		t_tlv(&c, 0x02, &one, 1);
		t_tlv(&s2, 0x30, c.data, c.len);
		tdv_buf_reset(&c);
		tdv_buf_append(&c, s1.data, s1.len);
		tdv_buf_append(&c, s2.data, s2.len);
		t_tlv(&set, 0x31, c.data, c.len);
		tdv_buf_reset(&b);
		t_tlv(&b, 0x6E, set.data, set.len);
		tdv_lds_set(p->lds, TDV_EF_DG14, b.data, b.len);
		tdv_buf_free(&spki);
		tdv_buf_free(&s1);
		tdv_buf_free(&s2);
		tdv_buf_free(&set);
		EVP_PKEY_free(k);
	}
	if (aa != NULL) {
		EVP_PKEY *k = strcmp(aa, "EC") == 0 ? t_keygen("EC", "prime256v1", 0)
						    : t_keygen("RSA", NULL, 2048);
		tdv_buf spki;
		tdv_buf_init(&spki, 4096);
		t_spki(k, &spki);
		t_pem(k, &p->aa_pem);
		tdv_buf_reset(&b);
		t_tlv(&b, 0x6F, spki.data, spki.len);
		tdv_lds_set(p->lds, TDV_EF_DG15, b.data, b.len);
		tdv_buf_free(&spki);
		EVP_PKEY_free(k);
	}
	tdv_buf_free(&b);
	tdv_buf_free(&c);
}

static inline int
t_emu(struct t_passport *p, const tdv_emu_options *o, tdv_emu **e)
{
	return tdv_emu_new(e, p->lds, &p->mrz,
	    p->aa_pem.len ? p->aa_pem.data : NULL, p->aa_pem.len,
	    p->ca_pem.len ? p->ca_pem.data : NULL, p->ca_pem.len, o);
}

static inline void
t_passport_free(struct t_passport *p)
{
	tdv_lds_free(&p->lds);
	tdv_buf_free(&p->aa_pem);
	tdv_buf_free(&p->ca_pem);
}

#endif
