/*
 * Test PKI of a fictional issuing state (ICAO 9303-12 §7 certificate
 * profiles, §9 CSCA master list): CSCAs on RSA and brainpool ECDSA,
 * Document Signers for each signature scheme PA must handle, a CRL
 * and a signed master list. For tests and training only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "issue_int.h"
#include "tdv/error.h"
#include "tdv/pa.h"

EVP_PKEY *
tdv__keygen(const char *kind)
{
	if (strcmp(kind, "rsa2048") == 0)
		return EVP_RSA_gen(2048);
	if (strcmp(kind, "rsa3072") == 0)
		return EVP_RSA_gen(3072);
	return EVP_EC_gen(kind);
}

const EVP_MD *
tdv__md_for(EVP_PKEY *k)
{
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC && EVP_PKEY_get_bits(k) > 256)
		return EVP_sha384();
	return EVP_sha256();
}

int
tdv__write_file(const char *path, const void *p, size_t len, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return TDV_EIO;
	const uint8_t *b = p;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, b + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return TDV_EIO;
		}
		off += (size_t)w;
	}
	return close(fd) == 0 ? TDV_OK : TDV_EIO;
}

int
tdv__read_file(const char *path, size_t max, tdv_buf *out)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return errno == ENOENT ? TDV_ENOENT : TDV_EIO;
	uint8_t chunk[8192];
	size_t n;
	int rc = TDV_OK;
	tdv_buf_init(out, max);
	while (rc == TDV_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = tdv_buf_append(out, chunk, n);
	if (rc == TDV_OK && ferror(f))
		rc = TDV_EIO;
	fclose(f);
	return rc;
}

static int
bio_to_buf(BIO *b, tdv_buf *out)
{
	char *p;
	long n = BIO_get_mem_data(b, &p);
	if (n < 0)
		return TDV_EINTERNAL;
	return tdv_buf_append(out, p, (size_t)n);
}

int
tdv__pem_key(EVP_PKEY *k, tdv_buf *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	int rc = TDV_ECRYPTO;
	if (b == NULL)
		return TDV_ENOMEM;
	if (PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1)
		rc = bio_to_buf(b, out);
	BIO_free_all(b); /* mem BIO contents are cleared on free? not wiped */
	return rc;
}

int
tdv__pem_cert(X509 *x, tdv_buf *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	int rc = TDV_ECRYPTO;
	if (b == NULL)
		return TDV_ENOMEM;
	if (PEM_write_bio_X509(b, x) == 1)
		rc = bio_to_buf(b, out);
	BIO_free(b);
	return rc;
}

EVP_PKEY *
tdv__load_key(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

X509 *
tdv__load_cert(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return x;
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (e == NULL)
		return 0;
	int ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

X509 *
tdv__make_cert(char kind, const char *c2, const char *org, const char *cn,
    long serial, EVP_PKEY *key, X509 *issuer_cert, EVP_PKEY *issuer_key,
    time_t t0, long from_days, long to_days)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	bool ok = x != NULL && n != NULL;
	ok = ok && X509_set_version(x, 2);
	ok = ok && ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	ok = ok && X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC,
	    (const unsigned char *)c2, -1, -1, 0);
	ok = ok && X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
	    (const unsigned char *)org, -1, -1, 0);
	ok = ok && X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	ok = ok && X509_set_subject_name(x, n);
	ok = ok && X509_set_issuer_name(x, issuer_cert ?
	    X509_get_subject_name(issuer_cert) : n);
	ok = ok && X509_time_adj_ex(X509_getm_notBefore(x), (int)from_days, 0,
	    &t0) != NULL;
	ok = ok && X509_time_adj_ex(X509_getm_notAfter(x), (int)to_days, 0,
	    &t0) != NULL;
	ok = ok && X509_set_pubkey(x, key);
	ok = ok && add_ext(x, issuer_cert, NID_subject_key_identifier, "hash");
	if (issuer_cert != NULL)
		ok = ok && add_ext(x, issuer_cert, NID_authority_key_identifier,
		    "keyid:always");
	if (kind == 'c') {
		ok = ok && add_ext(x, NULL, NID_basic_constraints,
		    "critical,CA:TRUE,pathlen:0");
		ok = ok && add_ext(x, NULL, NID_key_usage,
		    "critical,keyCertSign,cRLSign");
	} else {
		ok = ok && add_ext(x, issuer_cert, NID_key_usage,
		    "critical,digitalSignature");
		if (kind == 'm')
			/* id-icao-mrtd-security-cscaMasterListSigningKey */
			ok = ok && add_ext(x, issuer_cert, NID_ext_key_usage,
			    "2.23.136.1.1.9");
	}
	EVP_PKEY *sk = issuer_key ? issuer_key : key;
	ok = ok && X509_sign(x, sk, tdv__md_for(sk)) > 0;
	X509_NAME_free(n);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

struct made {
	const char *name;   /* file stem */
	const char *keykind;
	char kind;          /* 'c' 'd' 'm' */
	int issuer;         /* index of issuing CSCA in this table, -1 self */
	const char *cn;
	long from, to;      /* days */
	EVP_PKEY *key;
	X509 *cert;
};

static int
save_pair(const char *dir, const char *sub, struct made *m)
{
	char path[4096];
	tdv_buf b;
	int rc;
	tdv_buf_init(&b, 1u << 20);
	snprintf(path, sizeof(path), "%s/%s/%s.pem", dir, sub, m->name);
	rc = tdv__pem_cert(m->cert, &b);
	if (rc == TDV_OK)
		rc = tdv__write_file(path, b.data, b.len, 0644);
	tdv_buf_free(&b);
	if (rc != TDV_OK)
		return rc;
	snprintf(path, sizeof(path), "%s/private/%s.key", dir, m->name);
	tdv_buf_init(&b, 1u << 20);
	rc = tdv__pem_key(m->key, &b);
	if (rc == TDV_OK)
		rc = tdv__write_file(path, b.data, b.len, 0600);
	tdv_buf_free(&b);
	return rc;
}

static int
make_crl(const char *path, struct made *csca, X509 *revoked, time_t t0)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *last = ASN1_TIME_adj(NULL, t0, -1, 0);
	ASN1_TIME *next = ASN1_TIME_adj(NULL, t0, 90, 0);
	bool ok = crl && last && next;
	ok = ok && X509_CRL_set_version(crl, 1);
	ok = ok && X509_CRL_set_issuer_name(crl, X509_get_subject_name(csca->cert));
	ok = ok && X509_CRL_set1_lastUpdate(crl, last);
	ok = ok && X509_CRL_set1_nextUpdate(crl, next);
	if (ok && revoked != NULL) {
		X509_REVOKED *r = X509_REVOKED_new();
		ok = r != NULL &&
		    X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked)) &&
		    X509_REVOKED_set_revocationDate(r, last) &&
		    X509_CRL_add0_revoked(crl, r);
		if (!ok)
			X509_REVOKED_free(r);
	}
	ok = ok && X509_CRL_sort(crl);
	ok = ok && X509_CRL_sign(crl, csca->key, tdv__md_for(csca->key)) > 0;
	int rc = ok ? TDV_OK : TDV_ECRYPTO;
	if (ok) {
		unsigned char *der = NULL;
		int n = i2d_X509_CRL(crl, &der);
		rc = n > 0 ? tdv__write_file(path, der, (size_t)n, 0644) : TDV_ECRYPTO;
		OPENSSL_free(der);
	}
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
	return rc;
}

static int
make_masterlist(const char *path, struct made *mls, X509 **cscas, int n,
    time_t t0)
{
	tdv_buf elems[8], content, inner;
	int rc = TDV_OK;
	(void)t0;
	tdv_buf_init(&content, 1u << 22);
	tdv_buf_init(&inner, 1u << 22);
	for (int i = 0; i < n; i++) {
		tdv_buf_init(&elems[i], 1u << 20);
		unsigned char *der = NULL;
		int len = i2d_X509(cscas[i], &der);
		rc = len > 0 ? tdv_buf_append(&elems[i], der, (size_t)len) : TDV_ECRYPTO;
		OPENSSL_free(der);
		if (rc != TDV_OK)
			break;
	}
	if (rc == TDV_OK)
		rc = tdv__derw_int(&inner, 0);
	if (rc == TDV_OK)
		rc = tdv__derw_set_of(&inner, elems, n);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(&content, 0x30, &inner);
	for (int i = 0; i < n; i++)
		tdv_buf_free(&elems[i]);
	CMS_ContentInfo *cms = NULL;
	BIO *in = NULL;
	if (rc == TDV_OK) {
		rc = TDV_ECRYPTO;
		in = BIO_new_mem_buf(content.data, (int)content.len);
		cms = in ? CMS_sign(NULL, NULL, NULL, NULL, CMS_BINARY |
		    CMS_PARTIAL) : NULL;
		ASN1_OBJECT *ct = OBJ_txt2obj("2.23.136.1.1.2", 1);
		if (cms && ct && CMS_set1_eContentType(cms, ct) &&
		    CMS_add1_signer(cms, mls->cert, mls->key, tdv__md_for(mls->key),
		    CMS_BINARY | CMS_NOSMIMECAP) != NULL &&
		    CMS_final(cms, in, NULL, CMS_BINARY) == 1) {
			unsigned char *der = NULL;
			int len = i2d_CMS_ContentInfo(cms, &der);
			rc = len > 0 ? tdv__write_file(path, der, (size_t)len, 0644) :
			    TDV_ECRYPTO;
			OPENSSL_free(der);
		}
		ASN1_OBJECT_free(ct);
	}
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	tdv_buf_free(&content);
	tdv_buf_free(&inner);
	return rc;
}

int
tdv_pki_init(const char *dir, const tdv_pki_options *opt)
{
	struct made m[] = {
		{"csca-rsa", "rsa3072", 'c', -1, "CSCA RSA", -1825, 5475, NULL, NULL},
		{"csca-ec", "brainpoolP384r1", 'c', -1, "CSCA ECDSA", -1825, 5475,
		    NULL, NULL},
		{"ds-rsa", "rsa2048", 'd', 0, "DS RSA", -30, 3743, NULL, NULL},
		{"ds-rsa-pss", "rsa2048", 'd', 0, "DS RSA-PSS", -30, 3743, NULL, NULL},
		{"ds-p256", "prime256v1", 'd', 1, "DS ECDSA P-256", -30, 3743,
		    NULL, NULL},
		{"ds-bp256", "brainpoolP256r1", 'd', 1, "DS ECDSA brainpoolP256r1",
		    -30, 3743, NULL, NULL},
		{"ds-bp384", "brainpoolP384r1", 'd', 1, "DS ECDSA brainpoolP384r1",
		    -30, 3743, NULL, NULL},
		{"ds-expired", "rsa2048", 'd', 0, "DS RSA expired", -1095, -365,
		    NULL, NULL},
		{"ds-revoked", "rsa2048", 'd', 0, "DS RSA revoked", -30, 3743,
		    NULL, NULL},
		{"mls", "prime256v1", 'm', 0, "Master List Signer", -30, 730,
		    NULL, NULL},
	};
	const size_t nm = sizeof(m) / sizeof(m[0]);
	char path[4096];
	int rc = TDV_OK;

	if (dir == NULL || opt == NULL ||
	    !tdv_date_valid(opt->today.year, opt->today.month, opt->today.day))
		return TDV_EINVAL;
	const char *c3 = opt->country ? opt->country : "UTO";
	const char *c2 = opt->country2 ? opt->country2 : tdv_pa_country_alpha2(c3);
	const char *org = opt->organisation ? opt->organisation : "Utopia Test PKI";
	if (c2 == NULL || strlen(c2) != 2)
		return TDV_EINVAL;
	time_t t0 = (time_t)tdv_date_to_days(&opt->today) * 86400 + 43200;

	snprintf(path, sizeof(path), "%s/pki.json", dir);
	if (access(path, F_OK) == 0)
		return TDV_EEXIST;
	static const char *const subs[] = {"", "/csca", "/ds", "/crl", "/private"};
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, subs[i]);
		if (mkdir(path, i == 4 ? 0700 : 0755) != 0 && errno != EEXIST)
			return TDV_EIO;
	}
	for (size_t i = 0; rc == TDV_OK && i < nm; i++) {
		m[i].key = tdv__keygen(m[i].keykind);
		if (m[i].key == NULL) {
			rc = TDV_ECRYPTO;
			break;
		}
		struct made *is = m[i].issuer >= 0 ? &m[m[i].issuer] : NULL;
		m[i].cert = tdv__make_cert(m[i].kind, c2, org, m[i].cn,
		    (long)i + 1, m[i].key, is ? is->cert : NULL,
		    is ? is->key : NULL, t0, m[i].from, m[i].to);
		if (m[i].cert == NULL) {
			rc = TDV_ECRYPTO;
			break;
		}
		rc = save_pair(dir, m[i].kind == 'c' ? "csca" : "ds", &m[i]);
	}
	if (rc == TDV_OK) {
		snprintf(path, sizeof(path), "%s/crl/csca-rsa.crl", dir);
		rc = make_crl(path, &m[0], m[8].cert, t0);
	}
	if (rc == TDV_OK) {
		snprintf(path, sizeof(path), "%s/crl/csca-ec.crl", dir);
		rc = make_crl(path, &m[1], NULL, t0);
	}
	if (rc == TDV_OK) {
		X509 *cscas[2] = {m[0].cert, m[1].cert};
		snprintf(path, sizeof(path), "%s/masterlist.ml", dir);
		rc = make_masterlist(path, &m[9], cscas, 2, t0);
	}
	if (rc == TDV_OK) {
		char json[512], day[11];
		tdv_date_format_iso(&opt->today, day);
		int n = snprintf(json, sizeof(json),
		    "{\"country\":\"%s\",\"country2\":\"%s\",\"organisation\":\"%s\","
		    "\"created\":\"%s\",\"ds\":[\"rsa\",\"rsa-pss\",\"p256\","
		    "\"bp256\",\"bp384\",\"expired\",\"revoked\"]}\n", c3, c2,
		    org, day);
		snprintf(path, sizeof(path), "%s/pki.json", dir);
		rc = n > 0 && (size_t)n < sizeof(json) ?
		    tdv__write_file(path, json, (size_t)n, 0644) : TDV_ELIMIT;
	}
	for (size_t i = 0; i < nm; i++) {
		EVP_PKEY_free(m[i].key);
		X509_free(m[i].cert);
	}
	ERR_clear_error();
	return rc;
}
