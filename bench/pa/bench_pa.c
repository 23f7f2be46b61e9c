/*
 * Passive Authentication throughput against the bare OpenSSL floor.
 *
 * Personalises N documents (half RSA-2048, half ECDSA P-256 Document
 * Signers; SHA-256; DG2 of about 20 KB) with the test PKI, then times
 *  (a) tdv_pa_verify() over all of them, and
 *  (b) the operations PA cannot avoid, done directly with OpenSSL on
 *      pre-extracted inputs: the SHA-256 of every data group and of the
 *      LDSSecurityObject, the SOD signature verification over the signed
 *      attributes, and the DS certificate's signature verification with
 *      the CSCA key.
 * Prints documents/s for both and the ratio (a)/(b). Best of R rounds.
 *
 * usage: bench_pa [N] [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "issue/issue_int.h"
#include "lds/lds_int.h"
#include "tdv/error.h"
#include "tdv/lds.h"
#include "tdv/pa.h"

struct doc {
	tdv_lds *lds;
	/* floor inputs */
	EVP_PKEY *ds_key;     /* DS public key */
	X509 *ds;             /* DS certificate (TBS cached by OpenSSL) */
	EVP_PKEY *csca_key;
	uint8_t *attrs;       /* signed attributes, re-tagged SET (0x31) */
	size_t attrs_len;
	const uint8_t *sig;
	size_t sig_len;
	const EVP_MD *md;     /* SOD signature digest */
	const uint8_t *lso;
	size_t lso_len;
	/* EF.CardSecurity: its content and signature (same DS as the SOD) */
	uint8_t *cs_attrs;
	size_t cs_attrs_len;
	const uint8_t *cs_sig;
	size_t cs_sig_len;
	const uint8_t *cs_content;
	size_t cs_content_len;
};

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* signerInfos[0] of a CMS SignedData: signedAttrs [0] (re-tagged SET,
 * malloc'd) and the signature, via the TLV reader. */
static int
extract_cms(const uint8_t *cms, size_t cms_len, uint8_t **attrs,
    size_t *attrs_len, const uint8_t **sigv, size_t *sig_len)
{
	tdv_tlv ci, a0, sd, t, si, e;
	tdv_der c, sdd, sig;
	*attrs = NULL;
	*sigv = NULL;
	if (tdv_tlv_read(cms, cms_len, 0, &ci) != TDV_OK)
		return -1;
	tdv_der_enter(&c, &ci, 0);
	tdv_der_next(&c, &t);
	tdv_der_next(&c, &a0);
	tdv_tlv_read(a0.value, a0.len, 0, &sd);
	tdv_der_enter(&sdd, &sd, 0);
	memset(&si, 0, sizeof(si));
	while (tdv_der_next(&sdd, &t) == TDV_OK)
		if (t.tag == 0x31)
			si = t; /* the last SET is signerInfos */
	tdv_tlv first;
	if (tdv_tlv_read(si.value, si.len, 0, &first) != TDV_OK)
		return -1;
	tdv_der_enter(&sig, &first, 0);
	while (tdv_der_next(&sig, &e) == TDV_OK) {
		if (e.tag == 0xA0 && *attrs == NULL) {
			*attrs = malloc(e.raw_len);
			if (*attrs == NULL)
				return -1;
			memcpy(*attrs, e.raw, e.raw_len);
			(*attrs)[0] = 0x31;
			*attrs_len = e.raw_len;
		} else if (e.tag == 0x04) {
			*sigv = e.value;
			*sig_len = e.len;
		}
	}
	return *attrs != NULL && *sigv != NULL ? 0 : -1;
}

static int
extract(struct doc *d, const tdv_sod *s)
{
	d->lso = s->content;
	d->lso_len = s->content_len;
	return extract_cms(s->cms, s->cms_len, &d->attrs, &d->attrs_len, &d->sig,
	    &d->sig_len);
}

/* EF.CardSecurity: the same parts (PA verifies its signature too). */
static int
extract_cs(struct doc *d)
{
	const uint8_t *p;
	size_t len;
	tdv__cms cms;
	if (tdv_lds_get(d->lds, TDV_EF_CARDSECURITY, &p, &len) != TDV_OK ||
	    tdv__cms_parse(p, len, &cms) != TDV_OK)
		return -1;
	d->cs_content = cms.content;
	d->cs_content_len = cms.content_len;
	return extract_cms(p, len, &d->cs_attrs, &d->cs_attrs_len, &d->cs_sig,
	    &d->cs_sig_len);
}

static int
floor_one(const struct doc *d)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	int ok = 1;
	for (int dg = 1; dg <= 16; dg++) {
		const uint8_t *p;
		size_t n;
		if (tdv_lds_get(d->lds, dg, &p, &n) == TDV_OK)
			ok &= EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL);
	}
	ok &= EVP_Digest(d->lso, d->lso_len, md, &mdlen, EVP_sha256(), NULL);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	ok &= EVP_DigestVerifyInit(c, NULL, d->md, NULL, d->ds_key) == 1;
	ok &= EVP_DigestVerify(c, d->sig, d->sig_len, d->attrs,
	    d->attrs_len) == 1;
	EVP_MD_CTX_free(c);
	ok &= X509_verify(d->ds, d->csca_key) == 1;
	/* EF.CardSecurity: content digest and signature (same DS: its chain
	 * is the one verified above) */
	ok &= EVP_Digest(d->cs_content, d->cs_content_len, md, &mdlen, EVP_sha256(),
	    NULL);
	c = EVP_MD_CTX_new();
	ok &= EVP_DigestVerifyInit(c, NULL, d->md, NULL, d->ds_key) == 1;
	ok &= EVP_DigestVerify(c, d->cs_sig, d->cs_sig_len, d->cs_attrs,
	    d->cs_attrs_len) == 1;
	EVP_MD_CTX_free(c);
	return ok;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 1000;
	int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
	if (n < 2 || n > 100000 || rounds < 1 || rounds > 100) {
		fprintf(stderr, "usage: bench_pa [N] [ROUNDS]\n");
		return 2;
	}
	char dir[] = "/tmp/tdv-bench-pa-XXXXXX";
	if (mkdtemp(dir) == NULL)
		return 2;
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	tdv_date today = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
	tdv_pki_options po;
	memset(&po, 0, sizeof(po));
	po.today = today;
	char pki[64];
	snprintf(pki, sizeof(pki), "%s/pki", dir);
	if (tdv_pki_init(pki, &po) != TDV_OK) {
		fprintf(stderr, "pki init failed\n");
		return 2;
	}
	tdv_trust *trust = tdv_trust_new();
	char path[128];
	snprintf(path, sizeof(path), "%s/csca", pki);
	tdv_trust_load_dir(trust, path, NULL);
	snprintf(path, sizeof(path), "%s/crl", pki);
	tdv_trust_load_dir(trust, path, NULL);

	/* a portrait of about 20 KB, shared by every document */
	tdv_buf photo;
	tdv_buf_init(&photo, 1u << 20);
	int side = 300;
	for (int q = 60; q <= 95; q += 5) {
		tdv_buf_reset(&photo);
		tdv_issue_portrait(42, side, side * 4 / 3, q, &photo);
		if (photo.len >= 19000)
			break;
	}

	struct doc *docs = calloc((size_t)n, sizeof(*docs));
	X509 *cscas[2];
	snprintf(path, sizeof(path), "%s/csca/csca-rsa.pem", pki);
	cscas[0] = tdv__load_cert(path);
	snprintf(path, sizeof(path), "%s/csca/csca-ec.pem", pki);
	cscas[1] = tdv__load_cert(path);
	size_t dg2 = 0;
	for (int i = 0; i < n; i++) {
		char num[16];
		snprintf(num, sizeof(num), "B%08d", i);
		tdv_person p;
		memset(&p, 0, sizeof(p));
		p.surname = "ERIKSSON";
		p.given_names = "ANNA MARIA";
		p.document_number = num;
		p.birth_date = (tdv_date){1974, 8, 12};
		p.expiry_date = (tdv_date){2031, 4, 15};
		p.sex = 'F';
		p.photo = photo.data;
		p.photo_len = photo.len;
		tdv_personalise_options o;
		memset(&o, 0, sizeof(o));
		o.ds = i % 2 ? "p256" : "rsa";
		o.today = today;
		tdv_issued doc;
		if (tdv_personalise_build(pki, &p, &o, &doc) != TDV_OK) {
			fprintf(stderr, "personalise failed\n");
			return 2;
		}
		docs[i].lds = doc.lds;
		doc.lds = NULL;
		tdv_issued_free(&doc);
		const uint8_t *sp;
		size_t sl;
		tdv_lds_get(docs[i].lds, TDV_EF_DG2, &sp, &sl);
		dg2 += sl;
		tdv_lds_get(docs[i].lds, TDV_EF_SOD, &sp, &sl);
		tdv_sod s;
		if (tdv_lds_parse_sod(sp, sl, &s) != TDV_OK || extract(&docs[i], &s) ||
		    extract_cs(&docs[i])) {
			fprintf(stderr, "bad SOD\n");
			return 2;
		}
		const unsigned char *q = s.ds_cert;
		docs[i].ds = d2i_X509(NULL, &q, (long)s.ds_cert_len);
		docs[i].ds_key = X509_get0_pubkey(docs[i].ds);
		docs[i].csca_key = X509_get0_pubkey(cscas[i % 2]);
		docs[i].md = EVP_sha256();
	}

	tdv_pa_options opt;
	memset(&opt, 0, sizeof(opt));
	opt.today = today;
	/* k = 0: RSA documents (even), 1: ECDSA (odd), 2: all */
	double best_pa[3] = {1e9, 1e9, 1e9}, best_floor[3] = {1e9, 1e9, 1e9};
	int bad = 0;
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < 2; k++) {
			double t0 = now();
			for (int i = k; i < n; i += 2) {
				tdv_pa_result res;
				tdv_pa_verify(trust, docs[i].lds, &opt, &res);
				if (res.verdict != TDV_PA_PASS)
					bad++;
			}
			double t1 = now();
			for (int i = k; i < n; i += 2)
				if (!floor_one(&docs[i]))
					bad++;
			double t2 = now();
			if (t1 - t0 < best_pa[k])
				best_pa[k] = t1 - t0;
			if (t2 - t1 < best_floor[k])
				best_floor[k] = t2 - t1;
		}
	}
	best_pa[2] = best_pa[0] + best_pa[1];
	best_floor[2] = best_floor[0] + best_floor[1];
	static const char *const what[] = {"RSA-2048 DS (CSCA RSA-3072)",
	    "ECDSA P-256 DS (CSCA brainpoolP384r1)", "all"};
	const int cnt[] = {(n + 1) / 2, n / 2, n};
	printf("bench/pa: %d documents (RSA-2048 and ECDSA P-256 DS, SHA-256, "
	    "DG2 %zu bytes avg), best of %d rounds\n", n, dg2 / (size_t)n,
	    rounds);
	printf("  %-40s %12s %12s %7s\n", "", "tdverify", "floor", "ratio");
	for (int k = 0; k < 3; k++)
		printf("  %-40s %8.0f d/s %8.0f d/s %7.2f\n", what[k],
		    cnt[k] / best_pa[k], cnt[k] / best_floor[k],
		    best_pa[k] / best_floor[k]);
	printf("  floor = SHA-256 of every DG and of the LDSSecurityObject, SOD "
	    "signature verification,\n          DS certificate signature "
	    "verification, EF.CardSecurity content hash and signature\n"
	    "          verification, timed directly with OpenSSL\n");
	printf("  ratio tdverify/floor (all): %.2f (target <= 1.5)\n",
	    best_pa[2] / best_floor[2]);
	if (bad)
		printf("  ERROR: %d verifications did not pass\n", bad);

	for (int i = 0; i < n; i++) {
		tdv_lds_free(&docs[i].lds);
		X509_free(docs[i].ds);
		free(docs[i].attrs);
		free(docs[i].cs_attrs);
	}
	free(docs);
	X509_free(cscas[0]);
	X509_free(cscas[1]);
	tdv_buf_free(&photo);
	tdv_trust_free(&trust);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return bad ? 1 : 0;
}
