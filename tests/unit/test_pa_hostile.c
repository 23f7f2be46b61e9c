/*
 * Passive Authentication and the LDS parsers on hostile or unusual input:
 * a SOD with 1,000 hashes, huge and lying DG2 lengths, garbage SODs, a
 * certificate chain loop, non-canonical DER in the DS certificate, and a
 * DS certificate that expired after it signed (warning, not failure).
 */
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "issue/issue_int.h"
#include "pa/pa_int.h"
#include "pa_test_pki.h"
#include "tdv_test.h"

static tdv_trust *trust;

static X509 *
load_ds(const char *name, EVP_PKEY **key)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/private/ds-%s.key", pki_dir, name);
	*key = tdv__load_key(path);
	snprintf(path, sizeof(path), "%s/ds/ds-%s.pem", pki_dir, name);
	return tdv__load_cert(path);
}

static tdv_issued
issue(tdv_defect d, tdv_date today)
{
	tdv_person p = specimen();
	tdv_personalise_options o;
	tdv_issued doc;
	memset(&o, 0, sizeof(o));
	o.defect = d;
	o.today = today;
	int rc = tdv_personalise_build(pki_dir, &p, &o, &doc);
	CHECK_INT(rc, TDV_OK);
	return doc;
}

static const tdv_pa_check *
verify(const tdv_lds *lds, tdv_date today, tdv_pa_result *r, const char *id)
{
	tdv_pa_options po;
	memset(&po, 0, sizeof(po));
	po.today = today;
	CHECK_INT(tdv_pa_verify(trust, lds, &po, r), TDV_OK);
	return tdv_pa_find(r, id);
}

static void
test_sod_with_1000_hashes_is_refused(void)
{
	tdv_buf lso, in, list, one, alg, sod;
	tdv_buf_init(&lso, 1u << 22);
	tdv_buf_init(&in, 1u << 22);
	tdv_buf_init(&list, 1u << 22);
	tdv_buf_init(&one, 256);
	tdv_buf_init(&alg, 256);
	tdv_buf_init(&sod, 1u << 22);
	uint8_t h[32] = {0};
	CHECK_INT(tdv__derw_int(&in, 0), TDV_OK);
	CHECK_INT(tdv__derw_oid(&alg, "2.16.840.1.101.3.4.2.1"), TDV_OK);
	CHECK_INT(tdv__derw_wrap(&in, 0x30, &alg), TDV_OK);
	for (int i = 0; i < 1000; i++) {
		tdv_buf_reset(&one);
		CHECK_INT(tdv__derw_int(&one, i % 16 + 1), TDV_OK);
		CHECK_INT(tdv__derw(&one, 0x04, h, sizeof(h)), TDV_OK);
		CHECK_INT(tdv__derw_wrap(&list, 0x30, &one), TDV_OK);
	}
	CHECK_INT(tdv__derw_wrap(&in, 0x30, &list), TDV_OK);
	CHECK_INT(tdv__derw_wrap(&lso, 0x30, &in), TDV_OK);
	EVP_PKEY *key = NULL;
	X509 *ds = load_ds("rsa", &key);
	CHECK(ds != NULL && key != NULL);
	CHECK_INT(tdv__sign_sod(&lso, ds, key, false, time(NULL), &sod), TDV_OK);
	tdv_sod s;
	CHECK_INT(tdv_lds_parse_sod(sod.data, sod.len, &s), TDV_ELIMIT);

	tdv_lds *lds = tdv_lds_new();
	CHECK_INT(tdv_lds_set(lds, TDV_EF_SOD, sod.data, sod.len), TDV_OK);
	tdv_pa_result r;
	const tdv_pa_check *c = verify(lds, test_today(), &r, "sod.parse");
	CHECK(c != NULL && c->status == TDV_CHECK_FAIL);
	CHECK(c != NULL && strstr(c->message, "limit") != NULL);
	CHECK_INT(r.verdict, TDV_PA_FAIL);
	/* everything after is skipped, not crashed */
	CHECK_INT(tdv_pa_find(&r, "sod.signature")->status, TDV_CHECK_SKIP);
	tdv_lds_free(&lds);
	CHECK(lds == NULL);
	X509_free(ds);
	EVP_PKEY_free(key);
	tdv_buf_free(&lso);
	tdv_buf_free(&in);
	tdv_buf_free(&list);
	tdv_buf_free(&one);
	tdv_buf_free(&alg);
	tdv_buf_free(&sod);
}

static void
test_huge_dg2_is_refused(void)
{
	size_t n = TDV_LDS_MAX_FILE + 1;
	uint8_t *p = calloc(1, n);
	CHECK(p != NULL);
	if (p == NULL)
		return;
	p[0] = 0x75;
	p[1] = 0x84;
	p[2] = 0x00;
	p[3] = 0x10;
	p[4] = 0x00;
	p[5] = 0x00;
	tdv_lds *lds = tdv_lds_new();
	CHECK_INT(tdv_lds_set(lds, TDV_EF_DG2, p, n), TDV_ELIMIT);
	tdv_lds_dg2 dg2;
	CHECK_INT(tdv_lds_parse_dg2(p, n, &dg2), TDV_ELIMIT);
	/* a DG2 whose length claims 4 GiB in a small buffer */
	static const uint8_t lie[] = {0x75, 0x84, 0xFF, 0xFF, 0xFF, 0xF0, 0x7F,
	    0x61, 0x00};
	CHECK_INT(tdv_lds_parse_dg2(lie, sizeof(lie), &dg2), TDV_ELIMIT);
	static const uint8_t lie2[] = {0x75, 0x83, 0x10, 0x00, 0x00, 0x7F};
	CHECK_INT(tdv_lds_parse_dg2(lie2, sizeof(lie2), &dg2), TDV_ETRUNCATED);
	/* the biggest allowed DG2 of zeros parses (as malformed) quickly */
	p[1] = 0x83;
	size_t v = TDV_LDS_MAX_FILE - 5;
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 8);
	p[4] = (uint8_t)v;
	CHECK(tdv_lds_parse_dg2(p, TDV_LDS_MAX_FILE, &dg2) != TDV_OK);
	tdv_lds_free(&lds);
	free(p);
}

static void
test_garbage_and_missing_sod(void)
{
	tdv_issued doc = issue(TDV_DEFECT_NONE, test_today());
	tdv_pa_result r;
	static const uint8_t junk[] = {0x77, 0x03, 0x30, 0x01, 0x00};
	CHECK_INT(tdv_lds_set(doc.lds, TDV_EF_SOD, junk, sizeof(junk)), TDV_OK);
	const tdv_pa_check *c = verify(doc.lds, test_today(), &r, "sod.parse");
	CHECK(c != NULL && c->status == TDV_CHECK_FAIL);
	CHECK_INT(tdv_pa_find(&r, "dg1.hash")->status, TDV_CHECK_SKIP);

	/* a file set without any SOD */
	tdv_lds *bare = tdv_lds_new();
	const uint8_t *d;
	size_t l;
	CHECK_INT(tdv_lds_get(doc.lds, TDV_EF_DG1, &d, &l), TDV_OK);
	CHECK_INT(tdv_lds_set(bare, TDV_EF_DG1, d, l), TDV_OK);
	c = verify(bare, test_today(), &r, "sod.parse");
	CHECK(c != NULL && c->status == TDV_CHECK_FAIL);
	CHECK(strstr(c->message, "missing") != NULL);
	CHECK_INT(r.verdict, TDV_PA_FAIL);
	tdv_lds_free(&bare);
	tdv_issued_free(&doc);
}

/* Rebuild EF.SOD with the certificates [0] replaced by `certs`. */
static int
resod(const uint8_t *sod, size_t len, const tdv_buf *certs, tdv_buf *out)
{
	tdv_tlv f, ci, oid, a0, sd, t;
	tdv_der d;
	tdv_buf kids, sdb, cib, a0b;
	int rc = tdv_tlv_read(sod, len, 0, &f);
	if (rc == TDV_OK)
		rc = tdv_tlv_read(f.value, f.len, 0, &ci);
	if (rc != TDV_OK)
		return rc;
	tdv_der_enter(&d, &ci, 0);
	if ((rc = tdv_der_next(&d, &oid)) != TDV_OK ||
	    (rc = tdv_der_next(&d, &a0)) != TDV_OK ||
	    (rc = tdv_tlv_read(a0.value, a0.len, 0, &sd)) != TDV_OK)
		return rc;
	tdv_buf_init(&kids, 1u << 20);
	tdv_buf_init(&sdb, 1u << 20);
	tdv_buf_init(&cib, 1u << 20);
	tdv_buf_init(&a0b, 1u << 20);
	tdv_der_enter(&d, &sd, 0);
	while (rc == TDV_OK && tdv_der_next(&d, &t) == TDV_OK) {
		if (t.tag == 0xA0)
			rc = tdv__derw_wrap(&kids, 0xA0, certs);
		else
			rc = tdv_buf_append(&kids, t.raw, t.raw_len);
	}
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(&sdb, 0x30, &kids);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(&a0b, 0xA0, &sdb);
	if (rc == TDV_OK)
		rc = tdv_buf_append(&cib, oid.raw, oid.raw_len);
	if (rc == TDV_OK)
		rc = tdv_buf_append(&cib, a0b.data, a0b.len);
	tdv_buf_reset(&sdb);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(&sdb, 0x30, &cib);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(out, 0x77, &sdb);
	tdv_buf_free(&kids);
	tdv_buf_free(&sdb);
	tdv_buf_free(&cib);
	tdv_buf_free(&a0b);
	return rc;
}

static void
test_non_canonical_ds_certificate_warns(void)
{
	tdv_issued doc = issue(TDV_DEFECT_NONE, test_today());
	const uint8_t *sod;
	size_t len;
	tdv_sod s;
	CHECK_INT(tdv_lds_get(doc.lds, TDV_EF_SOD, &sod, &len), TDV_OK);
	CHECK_INT(tdv_lds_parse_sod(sod, len, &s), TDV_OK);
	/* the certificate's outer length in 4 bytes instead of 2 */
	tdv_tlv cert;
	CHECK_INT(tdv_tlv_read(s.ds_cert, s.ds_cert_len, 0, &cert), TDV_OK);
	tdv_buf certs, nsod;
	tdv_buf_init(&certs, 1u << 20);
	tdv_buf_init(&nsod, 1u << 20);
	uint8_t hdr[6] = {0x30, 0x84, (uint8_t)(cert.len >> 24),
	    (uint8_t)(cert.len >> 16), (uint8_t)(cert.len >> 8),
	    (uint8_t)cert.len};
	CHECK_INT(tdv_buf_append(&certs, hdr, sizeof(hdr)), TDV_OK);
	CHECK_INT(tdv_buf_append(&certs, cert.value, cert.len), TDV_OK);
	CHECK_INT(resod(sod, len, &certs, &nsod), TDV_OK);
	CHECK_INT(tdv_lds_set(doc.lds, TDV_EF_SOD, nsod.data, nsod.len), TDV_OK);
	tdv_pa_result r;
	const tdv_pa_check *c = verify(doc.lds, test_today(), &r, "ds.encoding");
	CHECK(c != NULL && c->status == TDV_CHECK_WARN);
	CHECK_INT(r.verdict, TDV_PA_PASS_WARN);
	CHECK_INT(tdv_pa_find(&r, "sod.signature")->status, TDV_CHECK_PASS);
	CHECK_INT(tdv_pa_find(&r, "ds.chain")->status, TDV_CHECK_PASS);
	tdv_buf_free(&certs);
	tdv_buf_free(&nsod);
	tdv_issued_free(&doc);
}

static X509 *
cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, char kind)
{
	return tdv__make_cert(kind, "UT", "Loop", cn, 7, key, issuer, ikey,
	    time(NULL), -10, 100);
}

static int
der_append(tdv_buf *b, X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	int rc = n > 0 ? tdv_buf_append(b, der, (size_t)n) : TDV_ECRYPTO;
	OPENSSL_free(der);
	return rc;
}

static void
test_certificate_chain_loop(void)
{
	/* A issued by B, B issued by A; the DS is issued by A */
	EVP_PKEY *ka = tdv__keygen("prime256v1"), *kb = tdv__keygen("prime256v1");
	EVP_PKEY *kd = tdv__keygen("prime256v1");
	X509 *a0 = cert("Loop A", ka, NULL, NULL, 'c'); /* only for A's name */
	X509 *b = cert("Loop B", kb, a0, ka, 'c');
	X509 *a = cert("Loop A", ka, b, kb, 'c');
	X509 *ds = cert("Loop DS", kd, a, ka, 'd');
	CHECK(a && b && ds);

	tdv_buf lso, sod, certs, nsod;
	tdv_buf_init(&lso, 1u << 20);
	tdv_buf_init(&sod, 1u << 20);
	tdv_buf_init(&certs, 1u << 20);
	tdv_buf_init(&nsod, 1u << 20);
	tdv_issued doc = issue(TDV_DEFECT_NONE, test_today());
	const uint8_t *p;
	size_t len;
	tdv_sod s;
	CHECK_INT(tdv_lds_get(doc.lds, TDV_EF_SOD, &p, &len), TDV_OK);
	CHECK_INT(tdv_lds_parse_sod(p, len, &s), TDV_OK);
	CHECK_INT(tdv_buf_append(&lso, s.content, s.content_len), TDV_OK);
	CHECK_INT(tdv__sign_sod(&lso, ds, kd, false, time(NULL), &sod), TDV_OK);
	/* the SOD carries DS, A and B */
	CHECK_INT(der_append(&certs, ds), TDV_OK);
	CHECK_INT(der_append(&certs, a), TDV_OK);
	CHECK_INT(der_append(&certs, b), TDV_OK);
	CHECK_INT(resod(sod.data, sod.len, &certs, &nsod), TDV_OK);
	CHECK_INT(tdv_lds_set(doc.lds, TDV_EF_SOD, nsod.data, nsod.len), TDV_OK);
	tdv_pa_result r;
	const tdv_pa_check *c = verify(doc.lds, test_today(), &r, "ds.chain");
	CHECK(c != NULL && c->status == TDV_CHECK_FAIL);
	CHECK_INT(tdv_pa_find(&r, "sod.signature")->status, TDV_CHECK_PASS);

	/* a trust store that holds the loop itself still terminates; A is
	 * trusted because the store holds it, but the path to a root runs
	 * into the loop: a warning that says so */
	tdv_trust *loop = tdv_trust_new();
	tdv_buf one;
	tdv_buf_init(&one, 1u << 16);
	CHECK_INT(der_append(&one, a), TDV_OK);
	CHECK_INT(tdv_trust_add_cert(loop, one.data, one.len, NULL), TDV_OK);
	tdv_buf_reset(&one);
	CHECK_INT(der_append(&one, b), TDV_OK);
	CHECK_INT(tdv_trust_add_cert(loop, one.data, one.len, NULL), TDV_OK);
	tdv_pa_options po;
	memset(&po, 0, sizeof(po));
	po.today = test_today();
	CHECK_INT(tdv_pa_verify(loop, doc.lds, &po, &r), TDV_OK);
	c = tdv_pa_find(&r, "ds.chain");
	CHECK(c != NULL && c->status == TDV_CHECK_WARN);
	CHECK(c != NULL && strstr(c->message, "loop") != NULL);
	tdv_trust_free(&loop);
	tdv_buf_free(&one);

	tdv_issued_free(&doc);
	tdv_buf_free(&lso);
	tdv_buf_free(&sod);
	tdv_buf_free(&certs);
	tdv_buf_free(&nsod);
	X509_free(a0);
	X509_free(a);
	X509_free(b);
	X509_free(ds);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	EVP_PKEY_free(kd);
}

/* A store from certificates (each its own DER). */
static tdv_trust *
store_of(X509 *const *xs, int n)
{
	tdv_trust *t = tdv_trust_new();
	tdv_buf one;
	tdv_buf_init(&one, 1u << 16);
	for (int i = 0; i < n; i++) {
		tdv_buf_reset(&one);
		CHECK_INT(der_append(&one, xs[i]), TDV_OK);
		CHECK_INT(tdv_trust_add_cert(t, one.data, one.len, NULL), TDV_OK);
	}
	tdv_buf_free(&one);
	return t;
}

static const tdv_pa_check *
verify_with(tdv_trust *t, const tdv_lds *lds, tdv_pa_result *r)
{
	tdv_pa_options po;
	memset(&po, 0, sizeof(po));
	po.today = test_today();
	CHECK_INT(tdv_pa_verify(t, lds, &po, r), TDV_OK);
	return tdv_pa_find(r, "ds.chain");
}

/*
 * CSCA key rollover: the old self-signed CSCA R0 certifies the new key
 * (link certificate L1, same name), which certifies the next (L2); the DS
 * is issued by L2. With R0, L1, L2 in the store the path is followed to
 * the root; without the root the link certificate is trusted only because
 * the store holds it (a warning naming the missing issuer); a chain longer
 * than the limit stops with a warning.
 */
static void
test_csca_link_certificates(void)
{
	enum { N = 11 };
	EVP_PKEY *k[N], *kd = tdv__keygen("prime256v1");
	X509 *c[N];
	for (int i = 0; i < N; i++) {
		k[i] = tdv__keygen("prime256v1");
		c[i] = cert("CSCA ROLL", k[i], i ? c[i - 1] : NULL, i ? k[i - 1] : NULL, 'c');
		CHECK(c[i] != NULL);
	}
	tdv_issued doc = issue(TDV_DEFECT_NONE, test_today());
	const uint8_t *p;
	size_t len;
	tdv_sod s;
	tdv_buf lso, sod;
	tdv_buf_init(&lso, 1u << 20);
	tdv_buf_init(&sod, 1u << 20);
	CHECK_INT(tdv_lds_get(doc.lds, TDV_EF_SOD, &p, &len), TDV_OK);
	CHECK_INT(tdv_lds_parse_sod(p, len, &s), TDV_OK);
	CHECK_INT(tdv_buf_append(&lso, s.content, s.content_len), TDV_OK);

	/* DS under L2 */
	X509 *ds = cert("DS ROLL", kd, c[2], k[2], 'd');
	CHECK_INT(tdv__sign_sod(&lso, ds, kd, false, time(NULL), &sod), TDV_OK);
	CHECK_INT(tdv_lds_set(doc.lds, TDV_EF_SOD, sod.data, sod.len), TDV_OK);
	tdv_pa_result r;
	tdv_trust *t = store_of(c, 3);
	const tdv_pa_check *ch = verify_with(t, doc.lds, &r);
	CHECK(ch != NULL && ch->status == TDV_CHECK_PASS);
	CHECK(ch != NULL && strstr(ch->message, "2 link(s) up to the self-signed CSCA") != NULL);
	CHECK_INT(tdv_pa_find(&r, "sod.signature")->status, TDV_CHECK_PASS);
	tdv_trust_free(&t);
	/* the same certificates in another order */
	X509 *rev[3] = {c[2], c[0], c[1]};
	t = store_of(rev, 3);
	ch = verify_with(t, doc.lds, &r);
	CHECK(ch != NULL && ch->status == TDV_CHECK_PASS);
	tdv_trust_free(&t);
	/* the root missing: trusted as stored, with a warning */
	t = store_of(c + 1, 2);
	ch = verify_with(t, doc.lds, &r);
	CHECK(ch != NULL && ch->status == TDV_CHECK_WARN);
	CHECK(ch != NULL && strstr(ch->message, "is not in the trust store") != NULL);
	tdv_trust_free(&t);
	/* only the root: L2 unknown, the DS does not chain */
	t = store_of(c, 1);
	ch = verify_with(t, doc.lds, &r);
	CHECK(ch != NULL && ch->status == TDV_CHECK_FAIL);
	tdv_trust_free(&t);
	X509_free(ds);

	/* a DS under the last of ten links: longer than the limit */
	ds = cert("DS ROLL", kd, c[N - 1], k[N - 1], 'd');
	tdv_buf_reset(&sod);
	CHECK_INT(tdv__sign_sod(&lso, ds, kd, false, time(NULL), &sod), TDV_OK);
	CHECK_INT(tdv_lds_set(doc.lds, TDV_EF_SOD, sod.data, sod.len), TDV_OK);
	t = store_of(c, N);
	ch = verify_with(t, doc.lds, &r);
	CHECK(ch != NULL && ch->status == TDV_CHECK_WARN);
	CHECK(ch != NULL && strstr(ch->message, "more than 8 certificates") != NULL);
	tdv_trust_free(&t);
	X509_free(ds);

	for (int i = 0; i < N; i++) {
		X509_free(c[i]);
		EVP_PKEY_free(k[i]);
	}
	EVP_PKEY_free(kd);
	tdv_issued_free(&doc);
	tdv_buf_free(&lso);
	tdv_buf_free(&sod);
}

static void
test_ds_expired_after_signing_is_a_warning(void)
{
	tdv_date today = test_today();
	tdv_issued doc = issue(TDV_DEFECT_NONE, today);
	tdv_date later = today;
	later.year += 11; /* DS certificate (10 years + 3 months) has expired */
	if (later.month == 2 && later.day == 29)
		later.day = 28;
	tdv_pa_result r;
	const tdv_pa_check *c = verify(doc.lds, later, &r, "ds.validity");
	CHECK(c != NULL && c->status == TDV_CHECK_WARN);
	CHECK(c != NULL && strstr(c->message, "while it was valid") != NULL);
	CHECK_INT(r.verdict, TDV_PA_PASS_WARN);
	for (int i = 0; i < r.nchecks; i++)
		CHECK(r.checks[i].status != TDV_CHECK_FAIL);
	tdv_issued_free(&doc);
}

/* The decoded-certificate cache: hits, evictions past its size, bad DER. */
static void
test_ds_cache_hits_and_evicts(void)
{
	EVP_PKEY *k = tdv__keygen("prime256v1");
	tdv_trust *t = tdv_trust_new();
	tdv_buf der[TDV__DS_CACHE + 6];
	for (int i = 0; i < TDV__DS_CACHE + 6; i++) {
		X509 *x = tdv__make_cert('d', "UT", "Cache", "DS", i + 1, k, NULL,
		    NULL, time(NULL), -1, 10);
		tdv_buf_init(&der[i], 4096);
		CHECK_INT(der_append(&der[i], x), TDV_OK);
		X509 *c = tdv__trust_cert_cached(t, der[i].data, der[i].len);
		CHECK(c != NULL && X509_cmp(c, x) == 0);
		X509_free(c);
		X509_free(x);
	}
	CHECK_INT(t->ncache, TDV__DS_CACHE);
	for (int i = 0; i < TDV__DS_CACHE + 6; i++) {
		X509 *c = tdv__trust_cert_cached(t, der[i].data, der[i].len);
		CHECK(c != NULL);
		CHECK_INT(ASN1_INTEGER_get(X509_get0_serialNumber(c)), i + 1);
		X509_free(c);
	}
	/* trailing bytes after the certificate are refused */
	CHECK_INT(tdv_buf_putc(&der[0], 0), TDV_OK);
	CHECK(tdv__trust_cert_cached(t, der[0].data, der[0].len) == NULL);
	for (int i = 0; i < TDV__DS_CACHE + 6; i++)
		tdv_buf_free(&der[i]);
	tdv_trust_free(&t);
	EVP_PKEY_free(k);
}

static void
test_invalid_arguments(void)
{
	tdv_pa_result r;
	tdv_pa_options po;
	memset(&po, 0, sizeof(po));
	tdv_lds *lds = tdv_lds_new();
	CHECK_INT(tdv_pa_verify(trust, lds, &po, &r), TDV_EINVAL); /* no date */
	po.today = test_today();
	CHECK_INT(tdv_pa_verify(NULL, lds, &po, &r), TDV_EINVAL);
	CHECK_INT(tdv_pa_verify(trust, NULL, &po, &r), TDV_EINVAL);
	CHECK_INT(tdv_lds_set(lds, 0, NULL, 0), TDV_EINVAL);
	CHECK_INT(tdv_lds_set(lds, TDV_EF_COUNT, NULL, 0), TDV_EINVAL);
	tdv_lds_free(&lds);
	tdv_lds_free(&lds); /* twice is fine */
}

int
main(void)
{
	int rc = pki_setup();
	CHECK_INT(rc, TDV_OK);
	if (rc != TDV_OK)
		TEST_EXIT();
	trust = pki_trust(true);
	CHECK(trust != NULL);
	RUN(test_sod_with_1000_hashes_is_refused);
	RUN(test_huge_dg2_is_refused);
	RUN(test_garbage_and_missing_sod);
	RUN(test_non_canonical_ds_certificate_warns);
	RUN(test_certificate_chain_loop);
	RUN(test_csca_link_certificates);
	RUN(test_ds_expired_after_signing_is_a_warning);
	RUN(test_ds_cache_hits_and_evicts);
	RUN(test_invalid_arguments);
	tdv_trust_free(&trust);
	TEST_EXIT();
}
