/*
 * Personalisation of a test passport chip: the LDS files of ICAO 9303-10
 * (EF.COM, DG1, DG2, DG11, DG12, DG14, DG15, EF.SOD, EF.CardAccess) for a
 * generated person, signed by a Document Signer of a test PKI
 * (tdv_pki_init), with optional deliberate defects for tests and
 * training. Output layout: docs/man/tdverify-personalise.1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "issue_int.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/mrz.h"
#include "tdv/pa.h"

#define OID_PACE_ECDH_GM_AES128 "0.4.0.127.0.7.2.2.4.2.2"
#define OID_CA_ECDH_AES128 "0.4.0.127.0.7.2.2.3.2.2"
#define OID_PK_ECDH "0.4.0.127.0.7.2.2.1.2"
#define OID_AA "2.23.136.1.1.5"
#define OID_ECDSA_PLAIN_SHA256 "0.4.0.127.0.7.1.1.4.1.3"
#define OID_LDS_SECURITY_OBJECT "2.23.136.1.1.1"
#define OID_SECURITY_OBJECT "0.4.0.127.0.7.3.2.1" /* BSI TR-03110-3 id-SecurityObject */
#define PACE_PARAM_BRAINPOOL_P256 13

static const struct {
	tdv_defect d;
	const char *name, *check;
} defects[] = {
	{TDV_DEFECT_NONE, "none", NULL},
	{TDV_DEFECT_TAMPERED_DG1, "tampered-dg1", "dg1.hash"},
	{TDV_DEFECT_TAMPERED_DG2, "tampered-dg2", "dg2.hash"},
	{TDV_DEFECT_DG1_MRZ_MISMATCH, "dg1-mrz-mismatch", "dg1.mrz"},
	{TDV_DEFECT_BAD_SOD_SIGNATURE, "bad-sod-signature", "sod.signature"},
	{TDV_DEFECT_UNKNOWN_CSCA, "unknown-csca", "ds.chain"},
	{TDV_DEFECT_EXPIRED_DS, "expired-ds", "ds.validity"},
	{TDV_DEFECT_REVOKED_DS, "revoked-ds", "ds.revocation"},
	{TDV_DEFECT_WRONG_HASH_ALGORITHM, "wrong-hash-algorithm",
	    "sod.hash_algorithm"},
	{TDV_DEFECT_MISSING_DG_IN_SOD, "missing-dg-in-sod", "sod.dg_list"},
	{TDV_DEFECT_COUNTRY_MISMATCH, "country-mismatch", "country"},
};

const char *
tdv_defect_name(tdv_defect d)
{
	for (size_t i = 0; i < sizeof(defects) / sizeof(defects[0]); i++)
		if (defects[i].d == d)
			return defects[i].name;
	return NULL;
}

const char *
tdv_defect_check_id(tdv_defect d)
{
	for (size_t i = 0; i < sizeof(defects) / sizeof(defects[0]); i++)
		if (defects[i].d == d)
			return defects[i].check;
	return NULL;
}

int
tdv_defect_from_name(const char *name, tdv_defect *out)
{
	if (name == NULL || out == NULL)
		return TDV_EINVAL;
	for (size_t i = 0; i < sizeof(defects) / sizeof(defects[0]); i++)
		if (strcmp(defects[i].name, name) == 0) {
			*out = defects[i].d;
			return TDV_OK;
		}
	return TDV_EINVAL;
}

static bool
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* Append a TLV whose value is a C string, when it is not empty. */
static int
text_tlv(tdv_buf *b, uint32_t tag, const char *s)
{
	if (empty(s))
		return TDV_OK;
	return tdv__derw(b, tag, s, strlen(s));
}

static int
build_dg1(const tdv_mrz *m, tdv_buf *out)
{
	tdv_buf in;
	char all[3 * TDV_MRZ_LINE_MAX];
	size_t n = 0;
	for (int l = 0; l < m->nlines; l++) {
		size_t k = strlen(m->lines[l]);
		memcpy(all + n, m->lines[l], k);
		n += k;
	}
	tdv_buf_init(&in, 1024);
	int rc = tdv__derw(&in, 0x5F1F, all, n);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(out, 0x61, &in);
	tdv_buf_free(&in);
	return rc;
}

static void
be(uint8_t *p, uint32_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xFF);
		v >>= 8;
	}
}

/* ISO/IEC 19794-5:2005 record (version 010) for one JPEG/JP2 image. */
static int
build_dg2(const uint8_t *img, size_t imglen, char sex, tdv_buf *out)
{
	int w = 0, h = 0, ch = 0;
	uint8_t *px = NULL;
	int rc = tdv_lds_image_decode(img, imglen, &px, &w, &h, &ch);
	free(px);
	if (rc != TDV_OK)
		return rc;
	tdv_lds_image_kind kind = tdv_lds_image_detect(img, imglen);
	if (imglen > 0xFFFF00)
		return TDV_ELIMIT;
	uint8_t hdr[14 + 20 + 12];
	uint32_t block = 20 + 12 + (uint32_t)imglen;
	memcpy(hdr, "FAC\0" "010\0", 8);
	be(hdr + 8, 14 + block, 4);
	be(hdr + 12, 1, 2);
	uint8_t *fi = hdr + 14;
	memset(fi, 0, 20);
	be(fi, block, 4);
	fi[6] = sex == 'M' ? 1 : sex == 'F' ? 2 : 0;
	be(fi + 12, 1, 2); /* expression: neutral */
	uint8_t *ii = fi + 20;
	memset(ii, 0, 12);
	ii[0] = 1; /* full frontal */
	ii[1] = kind == TDV_LDS_IMAGE_JPEG2000 ? 1 : 0;
	be(ii + 2, (uint32_t)w, 2);
	be(ii + 4, (uint32_t)h, 2);
	ii[6] = ch == 1 ? 3 : 1; /* greyscale 8 bit / RGB 24 bit */
	ii[7] = 2;               /* digital still camera */

	tdv_buf bdb, a1, bit, grp, dg;
	tdv_buf_init(&bdb, TDV_LDS_MAX_FILE);
	tdv_buf_init(&a1, 256);
	tdv_buf_init(&bit, TDV_LDS_MAX_FILE);
	tdv_buf_init(&grp, TDV_LDS_MAX_FILE);
	tdv_buf_init(&dg, TDV_LDS_MAX_FILE);
	static const uint8_t hv[] = {0x01, 0x01}, owner[] = {0x01, 0x01},
	    type[] = {0x00, 0x08}, count[] = {0x01};
	rc = tdv_buf_append(&bdb, hdr, sizeof(hdr));
	if (rc == TDV_OK)
		rc = tdv_buf_append(&bdb, img, imglen);
	if (rc == TDV_OK)
		rc = tdv__derw(&a1, 0x80, hv, 2);
	if (rc == TDV_OK)
		rc = tdv__derw(&a1, 0x87, owner, 2);
	if (rc == TDV_OK)
		rc = tdv__derw(&a1, 0x88, type, 2);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(&bit, 0xA1, &a1);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(&bit, 0x5F2E, &bdb);
	if (rc == TDV_OK)
		rc = tdv__derw(&grp, 0x02, count, 1);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(&grp, 0x7F60, &bit);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(&dg, 0x7F61, &grp);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(out, 0x75, &dg);
	tdv_buf_free(&bdb);
	tdv_buf_free(&a1);
	tdv_buf_free(&bit);
	tdv_buf_free(&grp);
	tdv_buf_free(&dg);
	return rc;
}

static void
date8(const tdv_date *d, char out[9])
{
	unsigned y = (unsigned)d->year % 10000u, m = (unsigned)d->month % 100u,
	    dd = (unsigned)d->day % 100u;
	snprintf(out, 9, "%04u%02u%02u", y, m, dd);
}

static int
build_dg11(const tdv_person *p, const tdv_mrz *m, tdv_buf *out)
{
	tdv_buf in, list;
	char name[200], dob[9];
	int rc;
	/* full name in MRZ order, as 9303-10 §4.7.11 shows it */
	snprintf(name, sizeof(name), "%s<<%s", m->surname, m->given_names);
	for (char *c = name; *c; c++)
		if (*c == ' ')
			*c = '<';
	date8(&p->birth_date, dob);
	tdv_buf_init(&in, 1u << 16);
	tdv_buf_init(&list, 64);
	struct {
		uint32_t tag;
		const char *v;
	} f[] = {
		{0x5F0E, name}, {0x5F10, p->personal_number}, {0x5F2B, dob},
		{0x5F11, p->place_of_birth}, {0x5F42, p->address},
		{0x5F12, p->telephone}, {0x5F13, p->profession},
	};
	rc = TDV_OK;
	for (size_t i = 0; rc == TDV_OK && i < sizeof(f) / sizeof(f[0]); i++) {
		if (empty(f[i].v))
			continue;
		uint8_t t[2] = {(uint8_t)(f[i].tag >> 8), (uint8_t)f[i].tag};
		rc = tdv_buf_append(&list, t, 2);
	}
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(&in, 0x5C, &list);
	for (size_t i = 0; rc == TDV_OK && i < sizeof(f) / sizeof(f[0]); i++)
		rc = text_tlv(&in, f[i].tag, f[i].v);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(out, 0x6B, &in);
	tdv_buf_free(&in);
	tdv_buf_free(&list);
	return rc;
}

static int
build_dg12(const tdv_person *p, tdv_buf *out)
{
	tdv_buf in, list;
	char issued[9] = "";
	int rc = TDV_OK;
	if (p->issue_date.year != 0)
		date8(&p->issue_date, issued);
	tdv_buf_init(&in, 1u << 16);
	tdv_buf_init(&list, 64);
	if (!empty(p->issuing_authority))
		rc = tdv_buf_append(&list, "\x5F\x19", 2);
	if (rc == TDV_OK && issued[0])
		rc = tdv_buf_append(&list, "\x5F\x26", 2);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(&in, 0x5C, &list);
	if (rc == TDV_OK)
		rc = text_tlv(&in, 0x5F19, p->issuing_authority);
	if (rc == TDV_OK)
		rc = text_tlv(&in, 0x5F26, issued);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(out, 0x6C, &in);
	tdv_buf_free(&in);
	tdv_buf_free(&list);
	return rc;
}

static int
pubkey_der(EVP_PKEY *k, tdv_buf *out)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	int rc = n > 0 ? tdv_buf_append(out, der, (size_t)n) : TDV_ECRYPTO;
	OPENSSL_free(der);
	return rc;
}

static int
pace_info(tdv_buf *out)
{
	tdv_buf in;
	tdv_buf_init(&in, 256);
	int rc = tdv__derw_oid(&in, OID_PACE_ECDH_GM_AES128);
	if (rc == TDV_OK)
		rc = tdv__derw_int(&in, 2);
	if (rc == TDV_OK)
		rc = tdv__derw_int(&in, PACE_PARAM_BRAINPOOL_P256);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(out, 0x30, &in);
	tdv_buf_free(&in);
	return rc;
}

static int
build_cardaccess(tdv_buf *out)
{
	tdv_buf e[1];
	tdv_buf_init(&e[0], 256);
	int rc = pace_info(&e[0]);
	if (rc == TDV_OK)
		rc = tdv__derw_set_of(out, e, 1);
	tdv_buf_free(&e[0]);
	return rc;
}

static int
build_dg14(EVP_PKEY *ca, bool aa_ec, tdv_buf *out)
{
	tdv_buf e[4], in, set;
	int n = aa_ec ? 4 : 3, rc;
	for (int i = 0; i < 4; i++)
		tdv_buf_init(&e[i], 4096);
	tdv_buf_init(&in, 4096);
	tdv_buf_init(&set, 1u << 16);
	/* ChipAuthenticationPublicKeyInfo */
	rc = tdv__derw_oid(&in, OID_PK_ECDH);
	if (rc == TDV_OK)
		rc = pubkey_der(ca, &in);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(&e[0], 0x30, &in);
	/* ChipAuthenticationInfo */
	tdv_buf_reset(&in);
	if (rc == TDV_OK)
		rc = tdv__derw_oid(&in, OID_CA_ECDH_AES128);
	if (rc == TDV_OK)
		rc = tdv__derw_int(&in, 1);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(&e[1], 0x30, &in);
	if (rc == TDV_OK)
		rc = pace_info(&e[2]);
	if (rc == TDV_OK && aa_ec) {
		tdv_buf_reset(&in);
		rc = tdv__derw_oid(&in, OID_AA);
		if (rc == TDV_OK)
			rc = tdv__derw_int(&in, 1);
		if (rc == TDV_OK)
			rc = tdv__derw_oid(&in, OID_ECDSA_PLAIN_SHA256);
		if (rc == TDV_OK)
			rc = tdv__derw_wrap(&e[3], 0x30, &in);
	}
	if (rc == TDV_OK)
		rc = tdv__derw_set_of(&set, e, n);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(out, 0x6E, &set);
	for (int i = 0; i < 4; i++)
		tdv_buf_free(&e[i]);
	tdv_buf_free(&in);
	tdv_buf_free(&set);
	return rc;
}

static int
build_dg15(EVP_PKEY *aa, tdv_buf *out)
{
	tdv_buf in;
	tdv_buf_init(&in, 4096);
	int rc = pubkey_der(aa, &in);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(out, 0x6F, &in);
	tdv_buf_free(&in);
	return rc;
}

static int
build_com(const int *dgs, int n, tdv_buf *out)
{
	tdv_buf in;
	uint8_t tags[16];
	for (int i = 0; i < n; i++)
		tags[i] = (uint8_t)tdv_lds_ef_tag(dgs[i]);
	tdv_buf_init(&in, 256);
	int rc = tdv__derw(&in, 0x5F01, "0107", 4);
	if (rc == TDV_OK)
		rc = tdv__derw(&in, 0x5F36, "040000", 6);
	if (rc == TDV_OK)
		rc = tdv__derw(&in, 0x5C, tags, (size_t)n);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(out, 0x60, &in);
	tdv_buf_free(&in);
	return rc;
}

/* LDSSecurityObject (9303-10 §4.6.2.2). */
static int
build_lso(const tdv_lds *lds, const int *dgs, int n, int omit,
    const char *hash_oid, const EVP_MD *md, int version, tdv_buf *out)
{
	tdv_buf in, alg, list, one;
	int rc;
	tdv_buf_init(&in, 1u << 16);
	tdv_buf_init(&alg, 256);
	tdv_buf_init(&list, 1u << 16);
	tdv_buf_init(&one, 256);
	rc = tdv__derw_int(&in, version);
	if (rc == TDV_OK)
		rc = tdv__derw_oid(&alg, hash_oid);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(&in, 0x30, &alg);
	for (int i = 0; rc == TDV_OK && i < n; i++) {
		if (dgs[i] == omit)
			continue;
		const uint8_t *p;
		size_t len;
		unsigned char h[EVP_MAX_MD_SIZE];
		unsigned int hl = 0;
		if ((rc = tdv_lds_get(lds, dgs[i], &p, &len)) != TDV_OK)
			break;
		if (EVP_Digest(p, len, h, &hl, md, NULL) != 1) {
			rc = TDV_ECRYPTO;
			break;
		}
		tdv_buf_reset(&one);
		rc = tdv__derw_int(&one, dgs[i]);
		if (rc == TDV_OK)
			rc = tdv__derw(&one, 0x04, h, hl);
		if (rc == TDV_OK)
			rc = tdv__derw_wrap(&list, 0x30, &one);
	}
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(&in, 0x30, &list);
	if (rc == TDV_OK && version == 1) {
		tdv_buf_reset(&one);
		rc = tdv__derw(&one, 0x13, "0107", 4);
		if (rc == TDV_OK)
			rc = tdv__derw(&one, 0x13, "040000", 6);
		if (rc == TDV_OK)
			rc = tdv__derw_wrap(&in, 0x30, &one);
	}
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(out, 0x30, &in);
	tdv_buf_free(&in);
	tdv_buf_free(&alg);
	tdv_buf_free(&list);
	tdv_buf_free(&one);
	return rc;
}

/* CMS SignedData (ContentInfo DER) over content with the eContentType
 * ctype, signed by ds/key (RSA-PSS when pss), signingTime t0, the signer's
 * certificate included. */
static int
sign_cms(const tdv_buf *content, const char *ctype, X509 *ds, EVP_PKEY *key,
    bool pss, time_t t0, tdv_buf *out, uint32_t wrap_tag)
{
	int rc = TDV_ECRYPTO;
	BIO *in = BIO_new_mem_buf(content->data, (int)content->len);
	CMS_ContentInfo *cms = NULL;
	ASN1_OBJECT *ct = OBJ_txt2obj(ctype, 1);
	ASN1_TIME *when = ASN1_UTCTIME_adj(NULL, t0, 0, 0);
	unsigned char *der = NULL;
	if (in == NULL || ct == NULL || when == NULL)
		goto out;
	cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_BINARY | CMS_PARTIAL);
	if (cms == NULL || !CMS_set1_eContentType(cms, ct))
		goto out;
	unsigned flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
	if (pss)
		flags |= CMS_KEY_PARAM;
	CMS_SignerInfo *si = CMS_add1_signer(cms, ds, key, tdv__md_for(key),
	    flags);
	if (si == NULL)
		goto out;
	if (pss) {
		EVP_PKEY_CTX *pctx = CMS_SignerInfo_get0_pkey_ctx(si);
		if (pctx == NULL ||
		    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) <= 0)
			goto out;
	}
	if (!CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime,
	    V_ASN1_UTCTIME, when, -1))
		goto out;
	if (CMS_final(cms, in, NULL, CMS_BINARY) != 1)
		goto out;
	int n = i2d_CMS_ContentInfo(cms, &der);
	if (n <= 0)
		goto out;
	rc = wrap_tag != 0 ? tdv__derw(out, wrap_tag, der, (size_t)n)
			   : tdv_buf_append(out, der, (size_t)n);
out:
	OPENSSL_free(der);
	ASN1_TIME_free(when);
	ASN1_OBJECT_free(ct);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return rc;
}

/* EF.SOD: tag 77 around CMS SignedData (9303-10 §4.6.2). */
int
tdv__sign_sod(const tdv_buf *lso, X509 *ds, EVP_PKEY *key, bool pss, time_t t0,
    tdv_buf *out)
{
	return sign_cms(lso, OID_LDS_SECURITY_OBJECT, ds, key, pss, t0, out, 0x77);
}

/*
 * EF.CardSecurity (9303-11 §9.2.1, BSI TR-03110-3 A.1.2): a ContentInfo
 * SignedData (no outer tag) with eContentType id-SecurityObject over the
 * DER SET OF SecurityInfo; here the SecurityInfos of DG14 (PACEInfo,
 * ChipAuthenticationInfo and ChipAuthenticationPublicKeyInfo, AA info),
 * signed by the Document Signer.
 */
static int
build_cardsecurity(const tdv_lds *lds, X509 *ds, EVP_PKEY *key, bool pss,
    time_t t0, tdv_buf *out)
{
	const uint8_t *p;
	size_t len;
	tdv_tlv dg14, set;
	int rc = tdv_lds_get(lds, TDV_EF_DG14, &p, &len);
	if (rc == TDV_OK)
		rc = tdv_tlv_read(p, len, 0, &dg14);
	if (rc == TDV_OK)
		rc = tdv_tlv_read(dg14.value, dg14.len, 0, &set);
	if (rc != TDV_OK)
		return rc;
	tdv_buf content;
	tdv_buf_init(&content, 1u << 16);
	rc = tdv_buf_append(&content, set.raw, set.raw_len);
	if (rc == TDV_OK)
		rc = sign_cms(&content, OID_SECURITY_OBJECT, ds, key, pss, t0, out, 0);
	tdv_buf_free(&content);
	return rc;
}

/* A CSCA and DS that no trust store knows, named like the real ones. */
static int
rogue_signer(const char *pki_dir, time_t t0, X509 **ds, EVP_PKEY **key)
{
	char path[4096], c2[8] = "", org[128] = "";
	snprintf(path, sizeof(path), "%s/csca/csca-rsa.pem", pki_dir);
	X509 *real = tdv__load_cert(path);
	if (real == NULL)
		return TDV_ENOENT;
	X509_NAME_get_text_by_NID(X509_get_subject_name(real), NID_countryName,
	    c2, sizeof(c2));
	X509_NAME_get_text_by_NID(X509_get_subject_name(real),
	    NID_organizationName, org, sizeof(org));
	X509_free(real);
	EVP_PKEY *ck = tdv__keygen("rsa2048");
	X509 *csca = ck ? tdv__make_cert('c', c2, org, "CSCA RSA", 99, ck, NULL,
	    NULL, t0, -365, 3650) : NULL;
	*key = tdv__keygen("rsa2048");
	*ds = (*key && csca) ? tdv__make_cert('d', c2, org, "DS RSA", 100, *key,
	    csca, ck, t0, -30, 3650) : NULL;
	EVP_PKEY_free(ck);
	X509_free(csca);
	return *ds != NULL ? TDV_OK : TDV_ECRYPTO;
}

static int
keep(tdv_lds *lds, int ef, tdv_buf *b)
{
	int rc = tdv_lds_set(lds, ef, b->data, b->len);
	tdv_buf_reset(b);
	return rc;
}

static int
mrz_for(const tdv_person *p, const char *state, const char *docnum,
    const tdv_date *today, tdv_mrz *m)
{
	tdv_mrz_input in;
	memset(&in, 0, sizeof(in));
	in.format = TDV_MRZ_TD3;
	in.document_code = "P";
	in.issuing_state = state;
	in.surname = p->surname;
	in.given_names = p->given_names;
	in.document_number = docnum;
	in.nationality = empty(p->nationality) ? "UTO" : p->nationality;
	in.birth_date = p->birth_date;
	in.expiry_date = p->expiry_date;
	in.sex = p->sex ? p->sex : '<';
	in.optional_data = p->personal_number;
	return tdv_mrz_generate(&in, today, m);
}

static void
join_lines(const tdv_mrz *m, char *out, size_t outsz)
{
	size_t o = 0;
	out[0] = '\0';
	for (int l = 0; l < m->nlines; l++) {
		int n = snprintf(out + o, outsz - o, "%s%s", l ? "\n" : "",
		    m->lines[l]);
		if (n < 0 || (size_t)n >= outsz - o)
			return;
		o += (size_t)n;
	}
}

int
tdv_personalise_build(const char *pki_dir, const tdv_person *p,
    const tdv_personalise_options *o, tdv_issued *out)
{
	char path[4096];
	int rc;
	X509 *ds = NULL;
	EVP_PKEY *dskey = NULL, *ca = NULL, *aa = NULL;
	tdv_buf b, photo, lso;
	tdv_mrz mrz, printed;

	if (out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	tdv_buf_init(&out->aa_key_pem, 1u << 16);
	tdv_buf_init(&out->ca_key_pem, 1u << 16);
	tdv_buf_init(&out->ds_cert_pem, 1u << 16);
	if (pki_dir == NULL || p == NULL || o == NULL || empty(p->surname) ||
	    empty(p->document_number) ||
	    !tdv_date_valid(o->today.year, o->today.month, o->today.day))
		return TDV_EINVAL;
	out->lds = tdv_lds_new();
	if (out->lds == NULL)
		return TDV_ENOMEM;
	time_t t0 = (time_t)tdv_date_to_days(&o->today) * 86400 + 43200;
	tdv_buf_init(&b, TDV_LDS_MAX_FILE);
	tdv_buf_init(&photo, TDV_LDS_MAX_FILE);
	tdv_buf_init(&lso, 1u << 16);

	/* the Document Signer */
	const char *dsname = empty(o->ds) ? "rsa" : o->ds;
	if (o->defect == TDV_DEFECT_EXPIRED_DS)
		dsname = "expired";
	else if (o->defect == TDV_DEFECT_REVOKED_DS)
		dsname = "revoked";
	snprintf(out->ds_name, sizeof(out->ds_name), "%s",
	    o->defect == TDV_DEFECT_UNKNOWN_CSCA ? "rogue" : dsname);
	bool pss = strcmp(dsname, "rsa-pss") == 0;
	if (o->defect == TDV_DEFECT_UNKNOWN_CSCA) {
		rc = rogue_signer(pki_dir, t0, &ds, &dskey);
		if (rc != TDV_OK)
			goto out;
	} else {
		snprintf(path, sizeof(path), "%s/ds/ds-%s.pem", pki_dir, dsname);
		ds = tdv__load_cert(path);
		snprintf(path, sizeof(path), "%s/private/ds-%s.key", pki_dir, dsname);
		dskey = tdv__load_key(path);
		if (ds == NULL || dskey == NULL) {
			rc = TDV_ENOENT;
			goto out;
		}
	}
	if ((rc = tdv__pem_cert(ds, &out->ds_cert_pem)) != TDV_OK)
		goto out;

	/* DG1 and the printed MRZ */
	const char *state = empty(p->issuing_state) ? "UTO" : p->issuing_state;
	if (o->defect == TDV_DEFECT_COUNTRY_MISMATCH)
		state = strcmp(state, "D") == 0 ? "FRA" : "D";
	if ((rc = mrz_for(p, state, p->document_number, &o->today, &mrz)) !=
	    TDV_OK)
		goto out;
	if ((rc = build_dg1(&mrz, &b)) != TDV_OK ||
	    (rc = keep(out->lds, TDV_EF_DG1, &b)) != TDV_OK)
		goto out;
	join_lines(&mrz, out->printed_mrz, sizeof(out->printed_mrz));

	/* DG2 */
	if (p->photo != NULL) {
		rc = tdv_buf_append(&photo, p->photo, p->photo_len);
	} else {
		unsigned seed = 0;
		for (const char *c = p->document_number; *c; c++)
			seed = seed * 31u + (unsigned char)*c;
		rc = tdv_issue_portrait(seed, 240, 320, 75, &photo);
	}
	if (rc != TDV_OK || (rc = build_dg2(photo.data, photo.len, p->sex, &b)) !=
	    TDV_OK || (rc = keep(out->lds, TDV_EF_DG2, &b)) != TDV_OK)
		goto out;

	/* DG11, DG12 */
	if ((rc = build_dg11(p, &mrz, &b)) != TDV_OK ||
	    (rc = keep(out->lds, TDV_EF_DG11, &b)) != TDV_OK)
		goto out;
	bool dg12 = !empty(p->issuing_authority) || p->issue_date.year != 0;
	if (dg12 && ((rc = build_dg12(p, &b)) != TDV_OK ||
	    (rc = keep(out->lds, TDV_EF_DG12, &b)) != TDV_OK))
		goto out;

	/* DG14 (chip authentication), DG15 (active authentication) */
	ca = tdv__keygen("brainpoolP256r1");
	aa = tdv__keygen(o->aa_rsa ? "rsa2048" : "prime256v1");
	if (ca == NULL || aa == NULL) {
		rc = TDV_ECRYPTO;
		goto out;
	}
	if ((rc = build_dg14(ca, !o->aa_rsa, &b)) != TDV_OK ||
	    (rc = keep(out->lds, TDV_EF_DG14, &b)) != TDV_OK ||
	    (rc = build_dg15(aa, &b)) != TDV_OK ||
	    (rc = keep(out->lds, TDV_EF_DG15, &b)) != TDV_OK ||
	    (rc = build_cardaccess(&b)) != TDV_OK ||
	    (rc = keep(out->lds, TDV_EF_CARDACCESS, &b)) != TDV_OK)
		goto out;
	if ((rc = tdv__pem_key(ca, &out->ca_key_pem)) != TDV_OK ||
	    (rc = tdv__pem_key(aa, &out->aa_key_pem)) != TDV_OK)
		goto out;

	/* EF.COM */
	int dgs[8], n = 0;
	dgs[n++] = 1;
	dgs[n++] = 2;
	dgs[n++] = 11;
	if (dg12)
		dgs[n++] = 12;
	dgs[n++] = 14;
	dgs[n++] = 15;
	if ((rc = build_com(dgs, n, &b)) != TDV_OK ||
	    (rc = keep(out->lds, TDV_EF_COM, &b)) != TDV_OK)
		goto out;

	/* EF.SOD */
	bool big = EVP_PKEY_get_base_id(dskey) == EVP_PKEY_EC &&
	    EVP_PKEY_get_bits(dskey) > 256;
	const char *hash_oid = big ? "2.16.840.1.101.3.4.2.2" :
	    "2.16.840.1.101.3.4.2.1";
	const EVP_MD *md = big ? EVP_sha384() : EVP_sha256();
	if (o->defect == TDV_DEFECT_WRONG_HASH_ALGORITHM)
		md = EVP_sha1(); /* SHA-1 values under a SHA-2 identifier */
	rc = build_lso(out->lds, dgs, n,
	    o->defect == TDV_DEFECT_MISSING_DG_IN_SOD ? 11 : 0, hash_oid, md,
	    o->sod_version == 1 ? 1 : 0, &lso);
	if (rc != TDV_OK || (rc = tdv__sign_sod(&lso, ds, dskey, pss, t0, &b)) !=
	    TDV_OK)
		goto out;
	if (o->defect == TDV_DEFECT_BAD_SOD_SIGNATURE && b.len > 0)
		b.data[b.len - 1] ^= 0x5A; /* last byte of the signature value */
	if ((rc = keep(out->lds, TDV_EF_SOD, &b)) != TDV_OK)
		goto out;
	/* EF.CardSecurity, signed by the same Document Signer */
	if ((rc = build_cardsecurity(out->lds, ds, dskey, pss, t0, &b)) != TDV_OK ||
	    (rc = keep(out->lds, TDV_EF_CARDSECURITY, &b)) != TDV_OK)
		goto out;

	/* defects applied after signing */
	if (o->defect == TDV_DEFECT_TAMPERED_DG1) {
		/* a forger changes the name (not covered by check digits) on
		 * page and chip alike, but cannot re-sign */
		tdv_person alt = *p;
		alt.surname = strcmp(p->surname, "FORGED") == 0 ? "ALTERED" :
		    "FORGED";
		if ((rc = mrz_for(&alt, state, p->document_number, &o->today,
		    &mrz)) != TDV_OK || (rc = build_dg1(&mrz, &b)) != TDV_OK ||
		    (rc = keep(out->lds, TDV_EF_DG1, &b)) != TDV_OK)
			goto out;
		join_lines(&mrz, out->printed_mrz, sizeof(out->printed_mrz));
	} else if (o->defect == TDV_DEFECT_TAMPERED_DG2) {
		tdv_buf_reset(&photo);
		if ((rc = tdv_issue_portrait(0xBADF00Du, 240, 320, 75, &photo)) !=
		    TDV_OK || (rc = build_dg2(photo.data, photo.len, p->sex,
		    &b)) != TDV_OK || (rc = keep(out->lds, TDV_EF_DG2, &b)) !=
		    TDV_OK)
			goto out;
	} else if (o->defect == TDV_DEFECT_DG1_MRZ_MISMATCH) {
		/* the data page shows another document number */
		char other[32];
		snprintf(other, sizeof(other), "%.8sX", p->document_number);
		if (strcmp(other, p->document_number) == 0)
			other[0] = other[0] == 'Y' ? 'Z' : 'Y';
		if ((rc = mrz_for(p, state, other, &o->today, &printed)) != TDV_OK)
			goto out;
		join_lines(&printed, out->printed_mrz, sizeof(out->printed_mrz));
	}
	rc = TDV_OK;
out:
	if (rc != TDV_OK)
		tdv_issued_free(out);
	tdv_buf_free(&b);
	tdv_buf_free(&photo);
	tdv_buf_free(&lso);
	X509_free(ds);
	EVP_PKEY_free(dskey);
	EVP_PKEY_free(ca);
	EVP_PKEY_free(aa);
	ERR_clear_error();
	return rc;
}

void
tdv_issued_free(tdv_issued *doc)
{
	if (doc == NULL)
		return;
	tdv_lds_free(&doc->lds);
	tdv_buf_free(&doc->aa_key_pem); /* tdv_buf_free wipes */
	tdv_buf_free(&doc->ca_key_pem);
	tdv_buf_free(&doc->ds_cert_pem);
}

int
tdv_issued_save(const tdv_issued *doc, const tdv_personalise_options *o,
    const char *dir)
{
	char path[4096];
	int rc;
	if (doc == NULL || doc->lds == NULL || dir == NULL)
		return TDV_EINVAL;
	if ((rc = tdv_lds_save_dir(doc->lds, dir)) != TDV_OK)
		return rc;
	struct {
		const char *name;
		const tdv_buf *b;
		int mode;
	} f[] = {
		{"aa-key.pem", &doc->aa_key_pem, 0600},
		{"ca-key.pem", &doc->ca_key_pem, 0600},
		{"ds.pem", &doc->ds_cert_pem, 0644},
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, f[i].name);
		if ((rc = tdv__write_file(path, f[i].b->data, f[i].b->len,
		    f[i].mode)) != TDV_OK)
			return rc;
	}
	char mrz[sizeof(doc->printed_mrz) + 2];
	int n = snprintf(mrz, sizeof(mrz), "%s\n", doc->printed_mrz);
	snprintf(path, sizeof(path), "%s/mrz.txt", dir);
	if ((rc = tdv__write_file(path, mrz, (size_t)n, 0644)) != TDV_OK)
		return rc;

	tdv_buf jb;
	tdv_json j;
	tdv_buf_init(&jb, 1u << 16);
	tdv_json_init(&j, &jb);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "document_signer");
	tdv_json_string(&j, doc->ds_name);
	tdv_json_key(&j, "defect");
	tdv_json_string(&j, tdv_defect_name(o ? o->defect : TDV_DEFECT_NONE));
	tdv_json_key(&j, "expected_failing_check");
	if (o && tdv_defect_check_id(o->defect))
		tdv_json_string(&j, tdv_defect_check_id(o->defect));
	else
		tdv_json_null(&j);
	tdv_json_key(&j, "aa_key");
	tdv_json_string(&j, o && o->aa_rsa ? "rsa2048" : "prime256v1");
	tdv_json_key(&j, "ca_key");
	tdv_json_string(&j, "brainpoolP256r1");
	tdv_json_key(&j, "pace_parameter_id");
	tdv_json_int(&j, PACE_PARAM_BRAINPOOL_P256);
	tdv_json_key(&j, "files");
	tdv_json_array_begin(&j);
	for (int ef = 1; ef < TDV_EF_COUNT; ef++)
		if (tdv_lds_has(doc->lds, ef))
			tdv_json_string(&j, tdv_lds_ef_filename(ef));
	tdv_json_array_end(&j);
	tdv_json_object_end(&j);
	rc = tdv_json_error(&j);
	if (rc == TDV_OK)
		rc = tdv_buf_putc(&jb, '\n');
	snprintf(path, sizeof(path), "%s/personalise.json", dir);
	if (rc == TDV_OK)
		rc = tdv__write_file(path, jb.data, jb.len, 0644);
	tdv_buf_free(&jb);
	return rc;
}
