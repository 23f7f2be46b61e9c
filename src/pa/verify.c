/*
 * Passive Authentication (ICAO 9303-11 §5.1 "Passive Authentication";
 * check order after BSI TR-03135-2 §3: SOD, signature, DS certificate,
 * chain to CSCA, validity, revocation, data group hashes, DG1 against the
 * printed MRZ, issuing state against the signer's country).
 *
 * Every check is recorded even after a failure so the examiner sees the
 * whole picture; a check that cannot run for lack of an input is skipped
 * with the reason.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lds/lds_int.h"
#include "pa_int.h"
#include "tdv/error.h"

struct pa {
	tdv_pa_result *r;
	const tdv_trust *trust;
	const tdv_lds *lds;
	const tdv_pa_options *opt;
	tdv_sod sod;
	bool sod_ok;
	tdv_buf stripped;      /* the CMS without its certificates */
	const uint8_t *ds_der; /* the signer's certificate inside the SOD */
	size_t ds_der_len;
	CMS_ContentInfo *cms;
	X509 *ds;            /* owned reference */
	X509 *csca;          /* borrowed from the trust store */
	int csca_idx;
	const ASN1_TIME *signing_time; /* inside cms */
	bool hash_alg_ok;
	tdv_lds_dg1 dg1;
	bool dg1_ok;
};

static void
add(struct pa *pa, const char *id, tdv_check_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add(struct pa *pa, const char *id, tdv_check_status st, const char *fmt, ...)
{
	tdv_pa_result *r = pa->r;
	if (r->nchecks >= TDV_PA_MAX_CHECKS)
		return;
	tdv_pa_check *c = &r->checks[r->nchecks++];
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->status = st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
}

/* The last OpenSSL error reason, for messages. */
static const char *
ossl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *s = e ? ERR_reason_error_string(e) : NULL;
	return s != NULL ? s : "no detail";
}

static void
name_text(X509_NAME *n, char *out, size_t outsz)
{
	out[0] = '\0';
	BIO *b = BIO_new(BIO_s_mem());
	if (b == NULL)
		return;
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	char *p;
	long len = BIO_get_mem_data(b, &p);
	if (len > 0) {
		size_t k = (size_t)len < outsz - 1 ? (size_t)len : outsz - 1;
		memcpy(out, p, k);
		out[k] = '\0';
	}
	BIO_free(b);
}

static void
time_text(const ASN1_TIME *t, char *out, size_t outsz, bool with_time)
{
	struct tm tm;
	out[0] = '\0';
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return;
	unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u;
	unsigned mo = (unsigned)(tm.tm_mon + 1) % 100u;
	unsigned d = (unsigned)tm.tm_mday % 100u, h = (unsigned)tm.tm_hour % 100u;
	unsigned mi = (unsigned)tm.tm_min % 100u, s = (unsigned)tm.tm_sec % 100u;
	char tmp[32];
	if (with_time)
		snprintf(tmp, sizeof(tmp), "%04u-%02u-%02uT%02u:%02u:%02uZ", y, mo,
		    d, h, mi, s);
	else
		snprintf(tmp, sizeof(tmp), "%04u-%02u-%02u", y, mo, d);
	size_t n = strlen(tmp);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, tmp, n);
	out[n] = '\0';
}

static void
country_of(X509_NAME *n, char out[8])
{
	out[0] = '\0';
	int len = X509_NAME_get_text_by_NID(n, NID_countryName, out, 8);
	if (len < 0)
		out[0] = '\0';
}

/* Compare an ASN1_TIME with the verification day (noon UTC). */
static int
cmp_today(const ASN1_TIME *t, const tdv_date *today)
{
	time_t noon = (time_t)tdv_date_to_days(today) * 86400 + 43200;
	int c = ASN1_TIME_cmp_time_t(t, noon);
	return c == -2 ? 0 : c;
}

/* Append a DER header (tag, definite length). */
/* ContentInfo { oid, [0] SignedData { ..., no [0] certificates, ... } } */
static int
strip_certs(const uint8_t *cms, size_t len, tdv_buf *out)
{
	tdv_tlv ci, oid, a0, sd, t;
	tdv_der d;
	int rc;
	size_t body = 0;
	if ((rc = tdv_tlv_read(cms, len, 0, &ci)) != TDV_OK)
		return rc;
	tdv_der_enter(&d, &ci, 0);
	if ((rc = tdv_der_next(&d, &oid)) != TDV_OK ||
	    (rc = tdv_der_next(&d, &a0)) != TDV_OK ||
	    (rc = tdv_tlv_read(a0.value, a0.len, 0, &sd)) != TDV_OK)
		return rc;
	if (ci.tag != 0x30 || a0.tag != 0xA0 || sd.tag != 0x30)
		return TDV_ELDS_TAG;
	tdv_der_enter(&d, &sd, 0);
	while ((rc = tdv_der_next(&d, &t)) == TDV_OK)
		if (t.tag != 0xA0)
			body += t.raw_len;
	if (rc != TDV_ENOENT)
		return rc;
	size_t a0body = tdv_tlv_header_len(0x30, body) + body;
	size_t a0h = tdv_tlv_header_len(0xA0, a0body);
	tdv_buf_init(out, len + 16);
	rc = tdv_tlv_put_header(out, 0x30, oid.raw_len + a0h + a0body);
	if (rc == TDV_OK)
		rc = tdv_buf_append(out, oid.raw, oid.raw_len);
	if (rc == TDV_OK)
		rc = tdv_tlv_put_header(out, 0xA0, a0body);
	if (rc == TDV_OK)
		rc = tdv_tlv_put_header(out, 0x30, body);
	tdv_der_enter(&d, &sd, 0);
	while (rc == TDV_OK && tdv_der_next(&d, &t) == TDV_OK)
		if (t.tag != 0xA0)
			rc = tdv_buf_append(out, t.raw, t.raw_len);
	if (rc != TDV_OK)
		tdv_buf_free(out);
	return rc;
}

static void
check_sod(struct pa *pa)
{
	const uint8_t *p;
	size_t len;
	if (tdv_lds_get(pa->lds, TDV_EF_SOD, &p, &len) != TDV_OK) {
		add(pa, "sod.parse", TDV_CHECK_FAIL,
		    "EF.SOD is missing: the chip data cannot be authenticated");
		return;
	}
	int rc = tdv_lds_parse_sod(p, len, &pa->sod);
	if (rc != TDV_OK) {
		add(pa, "sod.parse", TDV_CHECK_FAIL, "EF.SOD is malformed: %s",
		    tdv_strerror(rc));
		return;
	}
	/* OpenSSL decodes certificates slowly; the SOD's are decoded once
	 * through the trust store's cache, the CMS without them */
	int src = strip_certs(pa->sod.cms, pa->sod.cms_len, &pa->stripped);
	const unsigned char *q = src == TDV_OK ? pa->stripped.data : pa->sod.cms;
	long qlen = (long)(src == TDV_OK ? pa->stripped.len : pa->sod.cms_len);
	pa->cms = d2i_CMS_ContentInfo(NULL, &q, qlen);
	if (pa->cms == NULL) {
		add(pa, "sod.parse", TDV_CHECK_FAIL,
		    "EF.SOD is not a decodable CMS SignedData (%s)", ossl_reason());
		return;
	}
	pa->sod_ok = true;
	snprintf(pa->r->hash_algorithm, sizeof(pa->r->hash_algorithm), "%.15s",
	    pa->sod.hash_name ? pa->sod.hash_name : pa->sod.hash_oid);
	add(pa, "sod.parse", TDV_CHECK_PASS,
	    "LDSSecurityObject v%d with %d data group hashes", pa->sod.version,
	    pa->sod.nhashes);
}

static const char *
sig_alg_name(const X509_ALGOR *alg)
{
	const ASN1_OBJECT *o;
	X509_ALGOR_get0(&o, NULL, NULL, alg);
	int nid = OBJ_obj2nid(o);
	switch (nid) {
	case NID_rsassaPss:
		return "RSA-PSS";
	case NID_rsaEncryption:
	case NID_sha1WithRSAEncryption:
	case NID_sha224WithRSAEncryption:
	case NID_sha256WithRSAEncryption:
	case NID_sha384WithRSAEncryption:
	case NID_sha512WithRSAEncryption:
		return "RSA";
	case NID_ecdsa_with_SHA1:
	case NID_ecdsa_with_SHA224:
	case NID_ecdsa_with_SHA256:
	case NID_ecdsa_with_SHA384:
	case NID_ecdsa_with_SHA512:
	case NID_X9_62_id_ecPublicKey:
		return "ECDSA";
	default:
		return OBJ_nid2sn(nid) != NULL ? OBJ_nid2sn(nid) : "unknown";
	}
}

/* The certificate in a CMS SignedData's certificates [0] that the
 * SignerInfo names (a new reference, decoded through the trust store's
 * cache), with its DER inside cms; NULL when there is none. */
static X509 *
cms_signer_cert(const tdv_trust *trust, const uint8_t *cms, size_t cms_len,
    CMS_SignerInfo *si, const uint8_t **der, size_t *der_len)
{
	tdv_tlv ci, oid, a0, sd, t, c;
	tdv_der d, cd;
	if (tdv_tlv_read(cms, cms_len, 0, &ci) != TDV_OK)
		return NULL;
	tdv_der_enter(&d, &ci, 0);
	if (tdv_der_next(&d, &oid) != TDV_OK || tdv_der_next(&d, &a0) != TDV_OK ||
	    tdv_tlv_read(a0.value, a0.len, 0, &sd) != TDV_OK)
		return NULL;
	tdv_der_enter(&d, &sd, 0);
	while (tdv_der_next(&d, &t) == TDV_OK) {
		if (t.tag != 0xA0)
			continue;
		tdv_der_enter(&cd, &t, 0);
		int n = 0;
		while (n++ < 64 && tdv_der_next(&cd, &c) == TDV_OK) {
			X509 *x = tdv__trust_cert_cached(trust, c.raw, c.raw_len);
			if (x == NULL)
				continue;
			if (CMS_SignerInfo_cert_cmp(si, x) == 0) {
				*der = c.raw;
				*der_len = c.raw_len;
				return x;
			}
			X509_free(x);
		}
	}
	return NULL;
}

/* The certificate of the SOD that the SignerInfo names. */
static void
find_signer(struct pa *pa, CMS_SignerInfo *si)
{
	pa->ds = cms_signer_cert(pa->trust, pa->sod.cms, pa->sod.cms_len, si,
	    &pa->ds_der, &pa->ds_der_len);
}

static void
check_signature(struct pa *pa)
{
	if (!pa->sod_ok) {
		add(pa, "sod.signature", TDV_CHECK_SKIP, "no usable EF.SOD");
		return;
	}
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(pa->cms);
	if (sis == NULL || sk_CMS_SignerInfo_num(sis) != 1) {
		add(pa, "sod.signature", TDV_CHECK_FAIL,
		    "EF.SOD must have exactly one signer, it has %d",
		    sis ? sk_CMS_SignerInfo_num(sis) : 0);
		return;
	}
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
	find_signer(pa, si);
	X509_ALGOR *sigalg = NULL;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &sigalg);
	if (sigalg != NULL)
		snprintf(pa->r->signature_algorithm,
		    sizeof(pa->r->signature_algorithm), "%s", sig_alg_name(sigalg));
	int ai = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
	if (ai >= 0) {
		X509_ATTRIBUTE *at = CMS_signed_get_attr(si, ai);
		ASN1_TYPE *ty = X509_ATTRIBUTE_get0_type(at, 0);
		if (ty != NULL && (ty->type == V_ASN1_UTCTIME ||
		    ty->type == V_ASN1_GENERALIZEDTIME))
			pa->signing_time = (const ASN1_TIME *)ty->value.asn1_string;
		time_text(pa->signing_time, pa->r->signing_time,
		    sizeof(pa->r->signing_time), true);
	}
	if (pa->ds == NULL) {
		add(pa, "sod.signature", TDV_CHECK_FAIL,
		    "EF.SOD does not carry its Document Signer certificate");
		return;
	}
	name_text(X509_get_subject_name(pa->ds), pa->r->ds_subject,
	    sizeof(pa->r->ds_subject));
	name_text(X509_get_issuer_name(pa->ds), pa->r->ds_issuer,
	    sizeof(pa->r->ds_issuer));
	time_text(X509_get0_notBefore(pa->ds), pa->r->ds_not_before,
	    sizeof(pa->r->ds_not_before), false);
	time_text(X509_get0_notAfter(pa->ds), pa->r->ds_not_after,
	    sizeof(pa->r->ds_not_after), false);
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(pa->ds), NULL);
	if (bn != NULL) {
		char *hex = BN_bn2hex(bn);
		if (hex != NULL)
			snprintf(pa->r->ds_serial, sizeof(pa->r->ds_serial), "%s", hex);
		OPENSSL_free(hex);
		BN_free(bn);
	}
	ERR_clear_error();
	STACK_OF(X509) *signer = sk_X509_new_null();
	int ok = signer != NULL && sk_X509_push(signer, pa->ds) > 0 &&
	    CMS_verify(pa->cms, signer, NULL, NULL, NULL,
	    CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1;
	sk_X509_free(signer);
	if (!ok) {
		add(pa, "sod.signature", TDV_CHECK_FAIL,
		    "the SOD signature does not verify with the Document Signer "
		    "key (%s): the security object was altered or forged",
		    ossl_reason());
		ERR_clear_error();
		return;
	}
	add(pa, "sod.signature", TDV_CHECK_PASS,
	    "%s signature by the Document Signer verifies",
	    pa->r->signature_algorithm);
}

static void
check_ds_encoding(struct pa *pa)
{
	if (pa->ds_der == NULL) {
		add(pa, "ds.encoding", TDV_CHECK_SKIP, "no Document Signer certificate");
		return;
	}
	bool nc = false;
	int rc = tdv_der_validate(pa->ds_der, pa->ds_der_len, 0,
	    TDV_DER_MAX_DEPTH, NULL, &nc);
	if (rc != TDV_OK)
		add(pa, "ds.encoding", TDV_CHECK_WARN,
		    "the Document Signer certificate is not well-formed DER (%s)",
		    tdv_strerror(rc));
	else if (nc)
		add(pa, "ds.encoding", TDV_CHECK_WARN,
		    "the Document Signer certificate uses non-canonical (BER) "
		    "lengths; accepted because its signature covers the bytes as "
		    "issued, but the issuing state's encoder is not DER-conformant");
	else
		add(pa, "ds.encoding", TDV_CHECK_PASS, "canonical DER");
}

static void
check_chain(struct pa *pa)
{
	if (pa->ds == NULL) {
		add(pa, "ds.chain", TDV_CHECK_SKIP, "no Document Signer certificate");
		return;
	}
	if (tdv_trust_csca_count(pa->trust) == 0) {
		add(pa, "ds.chain", TDV_CHECK_FAIL,
		    "the trust store holds no CSCA certificate");
		return;
	}
	bool name_match = false;
	pa->csca = tdv__trust_find_issuer(pa->trust, pa->ds, &name_match,
	    &pa->csca_idx);
	if (pa->csca == NULL) {
		add(pa, "ds.chain", TDV_CHECK_FAIL, name_match ?
		    "a CSCA named '%s' is trusted but its key does not verify the "
		    "Document Signer certificate" :
		    "no trusted CSCA named '%s' issued the Document Signer "
		    "certificate", pa->r->ds_issuer);
		return;
	}
	name_text(X509_get_subject_name(pa->csca), pa->r->csca_subject,
	    sizeof(pa->r->csca_subject));
	/* A CSCA that is not self-signed is a link certificate (key
	 * rollover: the new CSCA key certified by the old one): follow it up
	 * to a self-signed CSCA in the store, at most TDV__CHAIN_MAX deep,
	 * each certificate once. Every CSCA in the store stays trusted (the
	 * operator or a verified master list put it there), so a path that
	 * does not end at a root is a warning, not a failure. */
	int path[TDV__CHAIN_MAX], npath = 0;
	tdv__chain_end end = tdv__trust_chain(pa->trust, pa->csca_idx, path, &npath);
	if (npath <= 1 && end == TDV__CHAIN_ANCHOR) {
		add(pa, "ds.chain", TDV_CHECK_PASS,
		    "Document Signer certificate issued by trusted CSCA '%s'",
		    pa->r->csca_subject);
		return;
	}
	char top[256], topiss[256];
	X509 *last = pa->trust->cscas[path[npath - 1]];
	name_text(X509_get_subject_name(last), top, sizeof(top));
	name_text(X509_get_issuer_name(last), topiss, sizeof(topiss));
	switch (end) {
	case TDV__CHAIN_ANCHOR:
		add(pa, "ds.chain", TDV_CHECK_PASS,
		    "Document Signer certificate issued by CSCA link certificate "
		    "'%.120s', %d link(s) up to the self-signed CSCA '%.120s'",
		    pa->r->csca_subject, npath - 1, top);
		break;
	case TDV__CHAIN_LOOP:
		add(pa, "ds.chain", TDV_CHECK_WARN,
		    "Document Signer certificate issued by trusted CSCA '%.120s', "
		    "which is not self-signed; its issuers in the trust store form "
		    "a loop after %d certificate(s), so no root is reached "
		    "(trusted because the store holds it)", pa->r->csca_subject,
		    npath);
		break;
	case TDV__CHAIN_TOO_LONG:
		add(pa, "ds.chain", TDV_CHECK_WARN,
		    "Document Signer certificate issued by trusted CSCA '%.120s', "
		    "which is not self-signed; its link certificates go on for more "
		    "than %d certificates without a root (trusted because the "
		    "store holds it)", pa->r->csca_subject, TDV__CHAIN_MAX);
		break;
	case TDV__CHAIN_NO_ISSUER:
	default:
		add(pa, "ds.chain", TDV_CHECK_WARN,
		    "Document Signer certificate issued by trusted CSCA '%.120s', "
		    "a link certificate whose issuer '%.120s' is not in the trust "
		    "store, so no self-signed CSCA is reached (trusted because the "
		    "store holds it; load the older CSCA or the master list)",
		    pa->r->csca_subject, topiss);
		break;
	}
}

static void
check_ds_validity(struct pa *pa)
{
	if (pa->ds == NULL) {
		add(pa, "ds.validity", TDV_CHECK_SKIP, "no Document Signer certificate");
		return;
	}
	const ASN1_TIME *nb = X509_get0_notBefore(pa->ds);
	const ASN1_TIME *na = X509_get0_notAfter(pa->ds);
	const char *from = pa->r->ds_not_before, *to = pa->r->ds_not_after;
	if (pa->signing_time != NULL) {
		if (ASN1_TIME_compare(pa->signing_time, nb) < 0 ||
		    ASN1_TIME_compare(pa->signing_time, na) > 0) {
			add(pa, "ds.validity", TDV_CHECK_FAIL,
			    "the SOD was signed on %s, outside the Document Signer "
			    "certificate's validity %s to %s", pa->r->signing_time,
			    from, to);
			return;
		}
	}
	if (cmp_today(nb, &pa->opt->today) > 0) {
		add(pa, "ds.validity", TDV_CHECK_FAIL,
		    "the Document Signer certificate is not valid before %s", from);
		return;
	}
	if (cmp_today(na, &pa->opt->today) < 0) {
		if (pa->signing_time != NULL)
			add(pa, "ds.validity", TDV_CHECK_WARN,
			    "the Document Signer certificate expired on %s; the SOD "
			    "was signed on %s while it was valid, so documents it "
			    "signed remain verifiable until their own expiry "
			    "(9303-12 §7.1.1)", to, pa->r->signing_time);
		else
			add(pa, "ds.validity", TDV_CHECK_WARN,
			    "the Document Signer certificate expired on %s; the SOD "
			    "carries no signing time, so whether it was signed in "
			    "time cannot be shown (normal for older documents)", to);
		return;
	}
	add(pa, "ds.validity", TDV_CHECK_PASS, "valid %s to %s%s%s", from, to,
	    pa->signing_time ? ", signed " : "",
	    pa->signing_time ? pa->r->signing_time : "");
}

static void
check_csca_validity(struct pa *pa)
{
	if (pa->csca == NULL) {
		add(pa, "csca.validity", TDV_CHECK_SKIP, "no trusted CSCA found");
		return;
	}
	const ASN1_TIME *nb = X509_get0_notBefore(pa->csca);
	const ASN1_TIME *na = X509_get0_notAfter(pa->csca);
	const ASN1_TIME *issued = X509_get0_notBefore(pa->ds);
	char a[11], b[11];
	time_text(nb, a, sizeof(a), false);
	time_text(na, b, sizeof(b), false);
	if (ASN1_TIME_compare(issued, nb) < 0 || ASN1_TIME_compare(issued, na) > 0) {
		add(pa, "csca.validity", TDV_CHECK_FAIL,
		    "the Document Signer certificate was issued on %s, outside "
		    "the CSCA's validity %s to %s", pa->r->ds_not_before, a, b);
		return;
	}
	if (cmp_today(na, &pa->opt->today) < 0) {
		add(pa, "csca.validity", TDV_CHECK_WARN,
		    "the CSCA certificate expired on %s; it was valid when it "
		    "issued the Document Signer certificate", b);
		return;
	}
	add(pa, "csca.validity", TDV_CHECK_PASS, "valid %s to %s", a, b);
}

static void
check_revocation(struct pa *pa)
{
	if (pa->csca == NULL) {
		add(pa, "ds.revocation", TDV_CHECK_SKIP, "no trusted CSCA found");
		return;
	}
	if (tdv_trust_crl_count(pa->trust) == 0) {
		add(pa, "ds.revocation", TDV_CHECK_SKIP,
		    "no CRL was loaded: revocation not checked");
		return;
	}
	X509_CRL *crl = tdv__trust_crl_of(pa->trust, pa->csca_idx);
	if (crl == NULL) {
		add(pa, "ds.revocation", TDV_CHECK_WARN,
		    "no CRL signed by this CSCA is loaded: revocation not checked");
		return;
	}
	X509_REVOKED *rev = NULL;
	if (X509_CRL_get0_by_cert(crl, &rev, pa->ds) == 1) {
		char when[11];
		time_text(X509_REVOKED_get0_revocationDate(rev), when, sizeof(when),
		    false);
		add(pa, "ds.revocation", TDV_CHECK_FAIL,
		    "the Document Signer certificate (serial %s) was revoked on "
		    "%s by the CSCA's CRL", pa->r->ds_serial, when);
		return;
	}
	const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
	if (next != NULL && cmp_today(next, &pa->opt->today) < 0) {
		char n[11];
		time_text(next, n, sizeof(n), false);
		add(pa, "ds.revocation", TDV_CHECK_WARN,
		    "not on the CSCA's CRL, but that CRL is out of date (next "
		    "update was due %s)", n);
		return;
	}
	add(pa, "ds.revocation", TDV_CHECK_PASS, "not on the CSCA's current CRL");
}

static void
check_hash_algorithm(struct pa *pa)
{
	if (!pa->sod_ok) {
		add(pa, "sod.hash_algorithm", TDV_CHECK_SKIP, "no usable EF.SOD");
		return;
	}
	if (pa->sod.hash_name == NULL) {
		add(pa, "sod.hash_algorithm", TDV_CHECK_FAIL,
		    "the SOD names an unsupported hash algorithm %s",
		    pa->sod.hash_oid);
		return;
	}
	for (int i = 0; i < pa->sod.nhashes; i++)
		if (pa->sod.hashes[i].len != pa->sod.hash_len) {
			add(pa, "sod.hash_algorithm", TDV_CHECK_FAIL,
			    "the SOD names %s (%zu-byte hashes) but stores a "
			    "%zu-byte hash for DG%d", pa->sod.hash_name,
			    pa->sod.hash_len, pa->sod.hashes[i].len,
			    pa->sod.hashes[i].dg);
			return;
		}
	pa->hash_alg_ok = true;
	if (pa->sod.hash_len == 20)
		add(pa, "sod.hash_algorithm", TDV_CHECK_WARN,
		    "SHA-1 data group hashes: legacy, no longer recommended for "
		    "new documents");
	else
		add(pa, "sod.hash_algorithm", TDV_CHECK_PASS, "%s",
		    pa->sod.hash_name);
}

static void
append_dg(char *s, size_t n, int dg)
{
	size_t l = strlen(s);
	if (l < n)
		snprintf(s + l, n - l, "%sDG%d", l ? ", " : "", dg);
}

static void
check_dg_list(struct pa *pa)
{
	if (!pa->sod_ok) {
		add(pa, "sod.dg_list", TDV_CHECK_SKIP, "no usable EF.SOD");
		return;
	}
	char not_in_sod[96] = "", not_in_com[96] = "", files[96] = "";
	const uint8_t *p;
	size_t len;
	tdv_lds_com com;
	bool have_com = false;
	if (tdv_lds_get(pa->lds, TDV_EF_COM, &p, &len) == TDV_OK) {
		int rc = tdv_lds_parse_com(p, len, &com);
		if (rc != TDV_OK) {
			add(pa, "sod.dg_list", TDV_CHECK_FAIL,
			    "EF.COM is malformed: %s", tdv_strerror(rc));
			return;
		}
		have_com = true;
		for (int i = 0; i < com.ndgs; i++)
			if (tdv_sod_find(&pa->sod, com.dgs[i]) == NULL)
				append_dg(not_in_sod, sizeof(not_in_sod), com.dgs[i]);
		for (int i = 0; i < pa->sod.nhashes; i++) {
			bool found = false;
			for (int k = 0; k < com.ndgs; k++)
				found = found || com.dgs[k] == pa->sod.hashes[i].dg;
			if (!found)
				append_dg(not_in_com, sizeof(not_in_com),
				    pa->sod.hashes[i].dg);
		}
	}
	for (int dg = 1; dg <= 16; dg++)
		if (tdv_lds_has(pa->lds, dg) && tdv_sod_find(&pa->sod, dg) == NULL)
			append_dg(files, sizeof(files), dg);
	if (not_in_sod[0] || files[0]) {
		add(pa, "sod.dg_list", TDV_CHECK_FAIL,
		    "data groups without a hash in the SOD: %s%s%s; their "
		    "content is not protected by the signature",
		    not_in_sod[0] ? not_in_sod : files,
		    not_in_sod[0] && files[0] && strcmp(files, not_in_sod) ? "; files: " : "",
		    not_in_sod[0] && files[0] && strcmp(files, not_in_sod) ? files : "");
		return;
	}
	if (not_in_com[0]) {
		add(pa, "sod.dg_list", TDV_CHECK_FAIL,
		    "the SOD covers data groups EF.COM does not list: %s",
		    not_in_com);
		return;
	}
	if (!have_com)
		add(pa, "sod.dg_list", TDV_CHECK_WARN,
		    "EF.COM not present: SOD list of %d data groups not "
		    "cross-checked", pa->sod.nhashes);
	else
		add(pa, "sod.dg_list", TDV_CHECK_PASS,
		    "EF.COM and the SOD list the same %d data groups", com.ndgs);
}

static const EVP_MD *
md_of(size_t hash_len)
{
	switch (hash_len) {
	case 20: return EVP_sha1();
	case 28: return EVP_sha224();
	case 32: return EVP_sha256();
	case 48: return EVP_sha384();
	case 64: return EVP_sha512();
	default: return NULL;
	}
}

static void
check_dg_hashes(struct pa *pa)
{
	for (int dg = 1; dg <= 16; dg++) {
		const tdv_sod_hash *h = pa->sod_ok ? tdv_sod_find(&pa->sod, dg) : NULL;
		bool present = tdv_lds_has(pa->lds, dg);
		char id[24];
		snprintf(id, sizeof(id), "dg%u.hash", (unsigned)dg % 100u);
		if (h == NULL && !present)
			continue;
		if (!pa->sod_ok) {
			add(pa, id, TDV_CHECK_SKIP, "no usable EF.SOD");
			continue;
		}
		if (h == NULL) {
			add(pa, id, TDV_CHECK_SKIP,
			    "DG%d has no hash in the SOD (see sod.dg_list)", dg);
			continue;
		}
		if (!present) {
			add(pa, id, TDV_CHECK_SKIP, "DG%d was not read", dg);
			continue;
		}
		if (!pa->hash_alg_ok) {
			add(pa, id, TDV_CHECK_SKIP,
			    "hash algorithm unusable (see sod.hash_algorithm)");
			continue;
		}
		const uint8_t *p;
		size_t len;
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdlen = 0;
		(void)tdv_lds_get(pa->lds, dg, &p, &len);
		if (EVP_Digest(p, len, md, &mdlen, md_of(pa->sod.hash_len),
		    NULL) != 1) {
			add(pa, id, TDV_CHECK_FAIL, "digest failed (%s)",
			    ossl_reason());
			continue;
		}
		if (mdlen != h->len || CRYPTO_memcmp(md, h->hash, mdlen) != 0)
			add(pa, id, TDV_CHECK_FAIL,
			    "DG%d does not match its %s hash in the SOD: the data "
			    "group was altered after signing%s", dg,
			    pa->sod.hash_name, dg == 2 ?
			    " (photo substitution)" : "");
		else
			add(pa, id, TDV_CHECK_PASS, "%s matches", pa->sod.hash_name);
	}
}

static void
load_dg1(struct pa *pa)
{
	const uint8_t *p;
	size_t len;
	if (tdv_lds_get(pa->lds, TDV_EF_DG1, &p, &len) != TDV_OK)
		return;
	if (tdv_lds_parse_dg1(p, len, &pa->opt->today, &pa->dg1) != TDV_OK)
		return;
	pa->dg1_ok = true;
	snprintf(pa->r->issuing_state, sizeof(pa->r->issuing_state), "%s",
	    pa->dg1.mrz.issuing_state);
	snprintf(pa->r->document_number, sizeof(pa->r->document_number), "%s",
	    pa->dg1.mrz.document_number);
}

static void
check_dg1_mrz(struct pa *pa)
{
	if (!pa->dg1_ok) {
		add(pa, "dg1.mrz", tdv_lds_has(pa->lds, TDV_EF_DG1) ?
		    TDV_CHECK_FAIL : TDV_CHECK_SKIP, "%s",
		    tdv_lds_has(pa->lds, TDV_EF_DG1) ? "DG1 is malformed" :
		    "DG1 was not read");
		return;
	}
	if (pa->opt->printed_mrz == NULL) {
		add(pa, "dg1.mrz", TDV_CHECK_SKIP,
		    "no printed MRZ given to compare with");
		return;
	}
	tdv_mrz printed;
	size_t plen = pa->opt->printed_mrz_len;
	const char *pm = pa->opt->printed_mrz;
	/* a trailing newline or separator is not an empty last line */
	while (plen > 0 && (pm[plen - 1] == '\n' || pm[plen - 1] == '\r' ||
	    pm[plen - 1] == '|' || pm[plen - 1] == ' '))
		plen--;
	(void)tdv_mrz_parse_text(pm, plen, &pa->opt->today, &printed);
	if (printed.format == TDV_MRZ_UNKNOWN) {
		add(pa, "dg1.mrz", TDV_CHECK_FAIL,
		    "the printed MRZ is not readable as an MRZ");
		return;
	}
	const tdv_mrz *chip = &pa->dg1.mrz;
	bool same = printed.nlines == chip->nlines;
	int diffline = -1, diffcol = -1;
	for (int l = 0; same && l < chip->nlines; l++)
		if (strcmp(printed.lines[l], chip->lines[l]) != 0) {
			same = false;
			diffline = l;
			for (int c = 0; printed.lines[l][c] || chip->lines[l][c]; c++)
				if (printed.lines[l][c] != chip->lines[l][c]) {
					diffcol = c;
					break;
				}
		}
	if (!same) {
		if (diffline >= 0)
			add(pa, "dg1.mrz", TDV_CHECK_FAIL,
			    "the chip's MRZ differs from the printed MRZ (line %d, "
			    "position %d): data page or chip substituted",
			    diffline + 1, diffcol + 1);
		else
			add(pa, "dg1.mrz", TDV_CHECK_FAIL,
			    "the chip's MRZ (%s) and the printed MRZ (%s) have "
			    "different formats", tdv_mrz_format_name(chip->format),
			    tdv_mrz_format_name(printed.format));
		return;
	}
	add(pa, "dg1.mrz", TDV_CHECK_PASS, "DG1 equals the printed MRZ");
}

static void
check_country(struct pa *pa)
{
	if (!pa->dg1_ok || pa->ds == NULL) {
		add(pa, "country", TDV_CHECK_SKIP, "%s",
		    pa->ds == NULL ? "no Document Signer certificate" :
		    "no readable DG1");
		return;
	}
	const char *state = pa->dg1.mrz.issuing_state;
	const char *a2 = tdv_pa_country_alpha2(state);
	char dsc[8], cscac[8] = "";
	country_of(X509_get_subject_name(pa->ds), dsc);
	if (pa->csca != NULL)
		country_of(X509_get_subject_name(pa->csca), cscac);
	if (a2 == NULL) {
		add(pa, "country", TDV_CHECK_WARN,
		    "issuing state '%s' has no ISO 3166 country code to compare "
		    "with the Document Signer's '%s'", state, dsc);
		return;
	}
	if (strcasecmp(a2, dsc) != 0) {
		add(pa, "country", TDV_CHECK_FAIL,
		    "issuing state %s (%s) but the Document Signer certificate "
		    "belongs to country '%s'", state, a2, dsc);
		return;
	}
	if (cscac[0] && strcasecmp(a2, cscac) != 0) {
		add(pa, "country", TDV_CHECK_FAIL,
		    "issuing state %s (%s) but the CSCA belongs to country '%s'",
		    state, a2, cscac);
		return;
	}
	add(pa, "country", TDV_CHECK_PASS,
	    "issuing state %s matches the Document Signer%s country %s", state,
	    cscac[0] ? " and CSCA" : "", a2);
}

/*
 * EF.CardSecurity (9303-11 §9.2.1; BSI TR-03110-3): a CMS SignedData with
 * eContentType id-SecurityObject over the chip's SecurityInfos, signed by
 * a Document Signer. Checked like the SOD: well formed, exactly one
 * signer, the signature verifies with the signer certificate it carries,
 * and that certificate chains to a trusted CSCA. When the signer is the
 * SOD's own Document Signer (the same certificate), its chain, validity
 * and revocation are the ds.* checks and are not repeated here.
 */
static void
check_card_security(struct pa *pa)
{
	const uint8_t *p;
	size_t len;
	if (tdv_lds_get(pa->lds, TDV_EF_CARDSECURITY, &p, &len) != TDV_OK) {
		add(pa, "card_security", TDV_CHECK_SKIP,
		    "no EF.CardSecurity in the data (not every chip has one, and "
		    "the chip reader does not read it)");
		return;
	}
	tdv_secinfos *si_parsed = malloc(sizeof(*si_parsed)); /* large */
	int rc = si_parsed ? tdv_lds_parse_cardsecurity(p, len, si_parsed) : TDV_ENOMEM;
	int ninfos = si_parsed ? si_parsed->n : 0;
	free(si_parsed);
	if (rc != TDV_OK) {
		add(pa, "card_security", TDV_CHECK_FAIL,
		    "EF.CardSecurity is malformed or not a SecurityInfos object "
		    "(%s)", tdv_strerror(rc));
		return;
	}
	tdv_buf stripped;
	int src = strip_certs(p, len, &stripped);
	const unsigned char *q = src == TDV_OK ? stripped.data : p;
	long qlen = (long)(src == TDV_OK ? stripped.len : len);
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &q, qlen);
	X509 *signer = NULL;
	const uint8_t *der = NULL;
	size_t der_len = 0;
	STACK_OF(CMS_SignerInfo) *sis = cms ? CMS_get0_SignerInfos(cms) : NULL;
	if (cms == NULL) {
		add(pa, "card_security", TDV_CHECK_FAIL,
		    "EF.CardSecurity is not a decodable CMS SignedData (%s)",
		    ossl_reason());
		goto out;
	}
	if (sis == NULL || sk_CMS_SignerInfo_num(sis) != 1) {
		add(pa, "card_security", TDV_CHECK_FAIL,
		    "EF.CardSecurity must have exactly one signer, it has %d",
		    sis ? sk_CMS_SignerInfo_num(sis) : 0);
		goto out;
	}
	signer = cms_signer_cert(pa->trust, p, len, sk_CMS_SignerInfo_value(sis, 0),
	    &der, &der_len);
	if (signer == NULL) {
		add(pa, "card_security", TDV_CHECK_FAIL,
		    "EF.CardSecurity does not carry its signer's certificate");
		goto out;
	}
	ERR_clear_error();
	STACK_OF(X509) *sk = sk_X509_new_null();
	int ok = sk != NULL && sk_X509_push(sk, signer) > 0 &&
	    CMS_verify(cms, sk, NULL, NULL, NULL,
	    CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1;
	sk_X509_free(sk);
	if (!ok) {
		add(pa, "card_security", TDV_CHECK_FAIL,
		    "the EF.CardSecurity signature does not verify (%s): the chip's "
		    "security parameters were altered or forged", ossl_reason());
		ERR_clear_error();
		goto out;
	}
	char subj[256];
	name_text(X509_get_subject_name(signer), subj, sizeof(subj));
	if (pa->ds_der != NULL && der_len == pa->ds_der_len &&
	    memcmp(der, pa->ds_der, der_len) == 0) {
		add(pa, "card_security", TDV_CHECK_PASS,
		    "%d SecurityInfos signed by the SOD's Document Signer '%.200s'",
		    ninfos, subj);
		goto out;
	}
	bool name_match = false;
	int idx = -1;
	X509 *csca = tdv__trust_find_issuer(pa->trust, signer, &name_match, &idx);
	if (csca == NULL) {
		add(pa, "card_security", TDV_CHECK_FAIL,
		    "the EF.CardSecurity signer '%.200s' is not issued by a trusted "
		    "CSCA%s", subj, name_match ? " (a CSCA of that name is trusted "
		    "but its key does not verify the certificate)" : "");
		goto out;
	}
	if (cmp_today(X509_get0_notBefore(signer), &pa->opt->today) > 0) {
		add(pa, "card_security", TDV_CHECK_FAIL,
		    "the EF.CardSecurity signer '%.200s' is not valid yet", subj);
		goto out;
	}
	if (cmp_today(X509_get0_notAfter(signer), &pa->opt->today) < 0) {
		add(pa, "card_security", TDV_CHECK_WARN,
		    "the EF.CardSecurity signer '%.200s' has expired (its signature "
		    "verifies and it chains to a trusted CSCA)", subj);
		goto out;
	}
	add(pa, "card_security", TDV_CHECK_PASS,
	    "%d SecurityInfos signed by '%.200s', chain to a trusted CSCA", ninfos,
	    subj);
out:
	X509_free(signer);
	CMS_ContentInfo_free(cms);
	if (src == TDV_OK)
		tdv_buf_free(&stripped);
	ERR_clear_error();
}

int
tdv_pa_verify(const tdv_trust *trust, const tdv_lds *lds,
    const tdv_pa_options *opt, tdv_pa_result *out)
{
	struct pa pa;
	if (trust == NULL || lds == NULL || opt == NULL || out == NULL)
		return TDV_EINVAL;
	if (!tdv_date_valid(opt->today.year, opt->today.month, opt->today.day))
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	memset(&pa, 0, sizeof(pa));
	pa.r = out;
	pa.trust = trust;
	pa.lds = lds;
	pa.opt = opt;
	pa.csca_idx = -1;

	check_sod(&pa);
	check_signature(&pa);
	check_ds_encoding(&pa);
	check_chain(&pa);
	check_ds_validity(&pa);
	check_csca_validity(&pa);
	check_revocation(&pa);
	check_hash_algorithm(&pa);
	check_dg_list(&pa);
	check_dg_hashes(&pa);
	load_dg1(&pa);
	check_dg1_mrz(&pa);
	check_country(&pa);
	check_card_security(&pa);

	X509_free(pa.ds);
	CMS_ContentInfo_free(pa.cms);
	tdv_buf_free(&pa.stripped);
	ERR_clear_error();
	out->verdict = TDV_PA_PASS;
	for (int i = 0; i < out->nchecks; i++) {
		if (out->checks[i].status == TDV_CHECK_FAIL)
			out->verdict = TDV_PA_FAIL;
		else if (out->checks[i].status == TDV_CHECK_WARN &&
		    out->verdict == TDV_PA_PASS)
			out->verdict = TDV_PA_PASS_WARN;
	}
	return TDV_OK;
}
