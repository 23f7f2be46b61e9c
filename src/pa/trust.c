/*
 * Trust store for Passive Authentication (ICAO 9303-11 §5.1, 9303-12 §9):
 * CSCA certificates from PEM/DER files and ICAO CSCA master lists, and
 * CRLs, each CRL bound to the CSCA whose key verifies it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lds/lds_int.h"
#include "pa_int.h"
#include "tdv/error.h"

#define OID_CSCA_MASTER_LIST "2.23.136.1.1.2"

tdv_trust *
tdv_trust_new(void)
{
	tdv_trust *t = calloc(1, sizeof(tdv_trust));
	if (t != NULL && pthread_mutex_init(&t->cache_lock, NULL) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

X509 *
tdv__trust_cert_cached(const tdv_trust *ct, const uint8_t *der, size_t len)
{
	tdv_trust *t = (tdv_trust *)(uintptr_t)ct; /* the cache only */
	X509 *x = NULL;
	if (t == NULL || der == NULL || len == 0 || len > TDV_TRUST_MAX_FILE)
		return NULL;
	pthread_mutex_lock(&t->cache_lock);
	for (int i = 0; i < t->ncache; i++)
		if (t->cache[i].len == len && memcmp(t->cache[i].der, der, len) == 0) {
			x = t->cache[i].x;
			X509_up_ref(x);
			break;
		}
	pthread_mutex_unlock(&t->cache_lock);
	if (x != NULL)
		return x;
	const unsigned char *p = der;
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || p != der + len) {
		X509_free(x);
		ERR_clear_error();
		return NULL;
	}
	uint8_t *copy = malloc(len);
	if (copy == NULL)
		return x; /* uncached but usable */
	memcpy(copy, der, len);
	pthread_mutex_lock(&t->cache_lock);
	int slot = t->ncache < TDV__DS_CACHE ? t->ncache++ : t->cache_next;
	if (t->ncache == TDV__DS_CACHE)
		t->cache_next = (slot + 1) % TDV__DS_CACHE;
	if (t->cache[slot].x != NULL) {
		X509_free(t->cache[slot].x);
		free(t->cache[slot].der);
	}
	X509_up_ref(x);
	t->cache[slot].x = x;
	t->cache[slot].der = copy;
	t->cache[slot].len = len;
	pthread_mutex_unlock(&t->cache_lock);
	return x;
}

void
tdv_trust_free(tdv_trust **tp)
{
	if (tp == NULL || *tp == NULL)
		return;
	tdv_trust *t = *tp;
	for (int i = 0; i < t->ncscas; i++)
		X509_free(t->cscas[i]);
	for (int i = 0; i < t->ncrls; i++)
		X509_CRL_free(t->crls[i]);
	free(t->cscas);
	free(t->self_signed);
	free(t->crls);
	free(t->crl_issuer);
	for (int i = 0; i < t->ncache; i++) {
		X509_free(t->cache[i].x);
		free(t->cache[i].der);
	}
	pthread_mutex_destroy(&t->cache_lock);
	free(t);
	*tp = NULL;
}

int
tdv_trust_csca_count(const tdv_trust *t)
{
	return t == NULL ? 0 : t->ncscas;
}

int
tdv_trust_crl_count(const tdv_trust *t)
{
	return t == NULL ? 0 : t->ncrls;
}

/* Bind a CRL to the CSCA whose name and key match it. */
static int
crl_issuer_of(const tdv_trust *t, X509_CRL *crl)
{
	for (int i = 0; i < t->ncscas; i++) {
		if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
		    X509_get_subject_name(t->cscas[i])) != 0)
			continue;
		EVP_PKEY *k = X509_get0_pubkey(t->cscas[i]);
		if (k != NULL && X509_CRL_verify(crl, k) == 1)
			return i;
	}
	return -1;
}

/* Takes ownership of x (freed when it is a duplicate or on error). */
static int
add_x509(tdv_trust *t, X509 *x, int *added)
{
	for (int i = 0; i < t->ncscas; i++)
		if (X509_cmp(t->cscas[i], x) == 0) {
			X509_free(x);
			return TDV_OK;
		}
	if (t->ncscas >= TDV_TRUST_MAX_CERTS) {
		X509_free(x);
		return TDV_ELIMIT;
	}
	if (t->ncscas == t->capcscas) {
		int cap = t->capcscas ? t->capcscas * 2 : 16;
		X509 **n = realloc(t->cscas, (size_t)cap * sizeof(*n));
		if (n != NULL)
			t->cscas = n;
		bool *ss = n ? realloc(t->self_signed, (size_t)cap * sizeof(*ss)) : NULL;
		if (ss == NULL) {
			X509_free(x);
			return TDV_ENOMEM;
		}
		t->self_signed = ss;
		t->capcscas = cap;
	}
	/* self-signed: a root; otherwise a link certificate (key rollover) */
	EVP_PKEY *own = X509_get0_pubkey(x);
	t->self_signed[t->ncscas] = own != NULL &&
	    X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(x)) == 0 &&
	    X509_verify(x, own) == 1;
	ERR_clear_error();
	t->cscas[t->ncscas++] = x;
	/* a new CSCA may be the issuer of CRLs loaded earlier */
	for (int i = 0; i < t->ncrls; i++)
		if (t->crl_issuer[i] < 0)
			t->crl_issuer[i] = crl_issuer_of(t, t->crls[i]);
	if (added != NULL)
		(*added)++;
	return TDV_OK;
}

/* True when the n bytes of s occur in d[0..len). */
static bool
contains(const uint8_t *d, size_t len, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; n <= len && i <= len - n; i++)
		if (d[i] == (uint8_t)s[0] && memcmp(d + i, s, n) == 0)
			return true;
	return false;
}

static bool
looks_pem(const uint8_t *d, size_t len)
{
	return contains(d, len, "-----BEGIN ");
}

int
tdv_trust_add_cert(tdv_trust *t, const uint8_t *data, size_t len, int *added)
{
	int n = 0, rc = TDV_OK;
	if (t == NULL || data == NULL)
		return TDV_EINVAL;
	if (len > TDV_TRUST_MAX_FILE || len > INT32_MAX)
		return TDV_ELIMIT;
	if (looks_pem(data, len)) {
		BIO *b = BIO_new_mem_buf(data, (int)len);
		if (b == NULL)
			return TDV_ENOMEM;
		X509 *x;
		int seen = 0;
		while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
			seen++;
			if ((rc = add_x509(t, x, &n)) != TDV_OK)
				break;
		}
		BIO_free(b);
		if (rc == TDV_OK && seen == 0)
			rc = TDV_EPARSE;
	} else {
		const unsigned char *p = data;
		X509 *x = d2i_X509(NULL, &p, (long)len);
		if (x == NULL)
			rc = TDV_EPARSE;
		else
			rc = add_x509(t, x, &n);
	}
	if (added != NULL)
		*added = n;
	return rc;
}

static int
add_crl_obj(tdv_trust *t, X509_CRL *c)
{
	if (t->ncrls >= TDV_TRUST_MAX_CRLS) {
		X509_CRL_free(c);
		return TDV_ELIMIT;
	}
	if (t->ncrls == t->capcrls) {
		int cap = t->capcrls ? t->capcrls * 2 : 8;
		X509_CRL **n = realloc(t->crls, (size_t)cap * sizeof(*n));
		if (n == NULL) {
			X509_CRL_free(c);
			return TDV_ENOMEM;
		}
		t->crls = n;
		int *ni = realloc(t->crl_issuer, (size_t)cap * sizeof(*ni));
		if (ni == NULL) {
			X509_CRL_free(c);
			return TDV_ENOMEM;
		}
		t->crl_issuer = ni;
		t->capcrls = cap;
	}
	t->crls[t->ncrls] = c;
	t->crl_issuer[t->ncrls] = crl_issuer_of(t, c);
	t->ncrls++;
	return TDV_OK;
}

int
tdv_trust_add_crl(tdv_trust *t, const uint8_t *data, size_t len)
{
	X509_CRL *c = NULL;
	if (t == NULL || data == NULL)
		return TDV_EINVAL;
	if (len > TDV_TRUST_MAX_FILE || len > INT32_MAX)
		return TDV_ELIMIT;
	if (looks_pem(data, len)) {
		BIO *b = BIO_new_mem_buf(data, (int)len);
		if (b == NULL)
			return TDV_ENOMEM;
		c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
		BIO_free(b);
	} else {
		const unsigned char *p = data;
		c = d2i_X509_CRL(NULL, &p, (long)len);
	}
	if (c == NULL)
		return TDV_EPARSE;
	return add_crl_obj(t, c);
}

X509 *
tdv__trust_find_issuer(const tdv_trust *t, X509 *cert, bool *name_match,
    int *idx)
{
	bool nm = false;
	X509_NAME *issuer = X509_get_issuer_name(cert);
	for (int i = 0; t != NULL && i < t->ncscas; i++) {
		if (X509_NAME_cmp(issuer, X509_get_subject_name(t->cscas[i])) != 0)
			continue;
		nm = true;
		EVP_PKEY *k = X509_get0_pubkey(t->cscas[i]);
		if (k != NULL && X509_verify(cert, k) == 1) {
			if (name_match != NULL)
				*name_match = true;
			if (idx != NULL)
				*idx = i;
			return t->cscas[i];
		}
	}
	/* X509_verify leaves errors on the queue for a wrong key */
	ERR_clear_error();
	if (name_match != NULL)
		*name_match = nm;
	if (idx != NULL)
		*idx = -1;
	return NULL;
}

tdv__chain_end
tdv__trust_chain(const tdv_trust *t, int idx, int path[TDV__CHAIN_MAX],
    int *npath)
{
	int n = 0;
	*npath = 0;
	if (t == NULL || idx < 0 || idx >= t->ncscas)
		return TDV__CHAIN_NO_ISSUER;
	path[n++] = idx;
	for (;;) {
		int cur = path[n - 1];
		if (t->self_signed[cur]) {
			*npath = n;
			return TDV__CHAIN_ANCHOR;
		}
		X509 *c = t->cscas[cur];
		X509_NAME *iss = X509_get_issuer_name(c);
		int next = -1;
		bool loop = false;
		for (int i = 0; i < t->ncscas && next < 0; i++) {
			if (X509_NAME_cmp(iss, X509_get_subject_name(t->cscas[i])) != 0)
				continue;
			EVP_PKEY *k = X509_get0_pubkey(t->cscas[i]);
			if (k == NULL || X509_verify(c, k) != 1)
				continue;
			bool seen = false;
			for (int j = 0; j < n; j++)
				seen = seen || path[j] == i;
			if (seen)
				loop = true; /* an issuer, but already on the path */
			else
				next = i;
		}
		ERR_clear_error();
		*npath = n;
		if (next < 0)
			return loop ? TDV__CHAIN_LOOP : TDV__CHAIN_NO_ISSUER;
		if (n == TDV__CHAIN_MAX)
			return TDV__CHAIN_TOO_LONG;
		path[n++] = next;
	}
}

X509_CRL *
tdv__trust_crl_of(const tdv_trust *t, int idx)
{
	X509_CRL *best = NULL;
	for (int i = 0; t != NULL && i < t->ncrls; i++) {
		if (t->crl_issuer[i] != idx)
			continue;
		/* the most recent CRL of that CSCA */
		if (best == NULL || ASN1_TIME_compare(X509_CRL_get0_lastUpdate(
		    t->crls[i]), X509_CRL_get0_lastUpdate(best)) > 0)
			best = t->crls[i];
	}
	return best;
}

/* CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate } */
static int
masterlist_certs(const uint8_t *p, size_t len, STACK_OF(X509) *out)
{
	tdv_tlv seq, t;
	tdv_der d, s;
	int rc;
	if ((rc = tdv_tlv_read(p, len, 0, &seq)) != TDV_OK)
		return rc;
	if (seq.tag != 0x30)
		return TDV_ELDS_TAG;
	tdv_der_enter(&d, &seq, 0);
	if ((rc = tdv_der_expect(&d, 0x02, &t)) != TDV_OK)
		return rc;
	if ((rc = tdv_der_expect(&d, 0x31, &t)) != TDV_OK)
		return rc;
	tdv_der_enter(&s, &t, 0);
	tdv_tlv c;
	while ((rc = tdv_der_next(&s, &c)) == TDV_OK) {
		if (sk_X509_num(out) >= TDV_TRUST_MAX_CERTS)
			return TDV_ELIMIT;
		const unsigned char *q = c.raw;
		X509 *x = d2i_X509(NULL, &q, (long)c.raw_len);
		if (x == NULL)
			return TDV_EPARSE;
		if (!sk_X509_push(out, x)) {
			X509_free(x);
			return TDV_ENOMEM;
		}
	}
	return rc == TDV_ENOENT ? TDV_OK : rc;
}

int
tdv_trust_add_masterlist(tdv_trust *t, const uint8_t *data, size_t len,
    int *added)
{
	CMS_ContentInfo *cms = NULL;
	BIO *content = NULL;
	STACK_OF(X509) *certs = NULL, *signers = NULL;
	char oid[80];
	int rc = TDV_EPARSE, n = 0;

	if (added != NULL)
		*added = 0;
	if (t == NULL || data == NULL)
		return TDV_EINVAL;
	if (len > TDV_TRUST_MAX_FILE || len > INT32_MAX)
		return TDV_ELIMIT;
	/* bounded structural walk first: OpenSSL then sees sane DER only */
	if ((rc = tdv_der_validate(data, len, 0, TDV_DER_MAX_DEPTH, NULL,
	    NULL)) != TDV_OK)
		return rc;
	const unsigned char *p = data;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (cms == NULL) {
		rc = TDV_EPARSE;
		goto out;
	}
	const ASN1_OBJECT *ct = CMS_get0_eContentType(cms);
	if (ct == NULL || OBJ_obj2txt(oid, sizeof(oid), ct, 1) <= 0 ||
	    strcmp(oid, OID_CSCA_MASTER_LIST) != 0) {
		rc = TDV_ELDS_TAG;
		goto out;
	}
	content = BIO_new(BIO_s_mem());
	if (content == NULL) {
		rc = TDV_ENOMEM;
		goto out;
	}
	if (CMS_verify(cms, NULL, NULL, NULL, content,
	    CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
		rc = TDV_EPA_SIGNATURE;
		goto out;
	}
	signers = CMS_get0_signers(cms);
	if (signers == NULL || sk_X509_num(signers) < 1) {
		rc = TDV_EPA_SIGNATURE;
		goto out;
	}
	char *cp;
	long clen = BIO_get_mem_data(content, &cp);
	certs = sk_X509_new_null();
	if (certs == NULL) {
		rc = TDV_ENOMEM;
		goto out;
	}
	if (clen <= 0 || (rc = masterlist_certs((const uint8_t *)cp,
	    (size_t)clen, certs)) != TDV_OK) {
		if (clen <= 0)
			rc = TDV_EPARSE;
		goto out;
	}
	/* the Master List Signer must chain to a CSCA of the list or store */
	X509 *mls = sk_X509_value(signers, 0);
	bool ok = tdv__trust_find_issuer(t, mls, NULL, NULL) != NULL;
	for (int i = 0; !ok && i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);
		if (X509_NAME_cmp(X509_get_issuer_name(mls),
		    X509_get_subject_name(c)) == 0 &&
		    X509_verify(mls, X509_get0_pubkey(c)) == 1)
			ok = true;
	}
	ERR_clear_error();
	if (!ok) {
		rc = TDV_EPA_CHAIN;
		goto out;
	}
	rc = TDV_OK;
	while (sk_X509_num(certs) > 0) {
		X509 *c = sk_X509_shift(certs);
		if ((rc = add_x509(t, c, &n)) != TDV_OK)
			break;
	}
out:
	ERR_clear_error();
	sk_X509_free(signers);
	sk_X509_pop_free(certs, X509_free);
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	if (added != NULL)
		*added = n;
	return rc;
}

static int
read_all(const char *path, uint8_t **out, size_t *outlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return errno == ENOENT ? TDV_ENOENT : TDV_EIO;
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return TDV_EIO;
	}
	if ((uint64_t)st.st_size > TDV_TRUST_MAX_FILE) {
		fclose(f);
		return TDV_ELIMIT;
	}
	size_t n = (size_t)st.st_size;
	uint8_t *b = malloc(n ? n : 1);
	if (b == NULL) {
		fclose(f);
		return TDV_ENOMEM;
	}
	if (fread(b, 1, n, f) != n) {
		free(b);
		fclose(f);
		return TDV_EIO;
	}
	fclose(f);
	*out = b;
	*outlen = n;
	return TDV_OK;
}

int
tdv_trust_load_file(tdv_trust *t, const char *path)
{
	uint8_t *b;
	size_t n;
	int rc;
	if (t == NULL || path == NULL)
		return TDV_EINVAL;
	if ((rc = read_all(path, &b, &n)) != TDV_OK)
		return rc;
	if (looks_pem(b, n)) {
		if (contains(b, n, "BEGIN X509 CRL"))
			rc = tdv_trust_add_crl(t, b, n);
		else
			rc = tdv_trust_add_cert(t, b, n, NULL);
	} else {
		/* DER: a certificate, a CRL, or a master list */
		rc = tdv_trust_add_cert(t, b, n, NULL);
		if (rc == TDV_EPARSE)
			rc = tdv_trust_add_crl(t, b, n);
		if (rc == TDV_EPARSE)
			rc = tdv_trust_add_masterlist(t, b, n, NULL);
	}
	ERR_clear_error();
	free(b);
	return rc;
}

static bool
has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);
	return n > e && strcasecmp(name + n - e, ext) == 0;
}

int
tdv_trust_load_dir(tdv_trust *t, const char *dir, int *bad)
{
	static const char *const exts[] = {".pem", ".crt", ".cer", ".der",
	    ".crl", ".ml"};
	int nbad = 0, ok = 0;
	if (t == NULL || dir == NULL)
		return TDV_EINVAL;
	DIR *d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? TDV_ENOENT : TDV_EIO;
	struct dirent *e;
	int rc = TDV_OK;
	while ((e = readdir(d)) != NULL) {
		bool want = false;
		for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
			want = want || has_ext(e->d_name, exts[i]);
		if (!want)
			continue;
		char path[4096];
		int m = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (m < 0 || (size_t)m >= sizeof(path)) {
			nbad++;
			continue;
		}
		rc = tdv_trust_load_file(t, path);
		if (rc == TDV_ENOMEM)
			break;
		if (rc != TDV_OK)
			nbad++;
		else
			ok++;
		rc = TDV_OK;
	}
	closedir(d);
	if (bad != NULL)
		*bad = nbad;
	if (rc == TDV_OK && ok == 0)
		rc = TDV_ENOENT;
	return rc;
}
