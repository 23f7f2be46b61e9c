/*
 * The trust store and the test PKI: `pki init` output, CSCA master list
 * (signature and signer chain verified), CRLs bound to their CSCA.
 */
#include <openssl/cms.h>
#include <openssl/pem.h>

#include "issue/issue_int.h"
#include "pa_test_pki.h"
#include "tdv_test.h"

static int
slurp(const char *rel, tdv_buf *b)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", pki_dir, rel);
	return tdv__read_file(path, 1u << 22, b);
}

static void
test_pki_init_layout(void)
{
	static const char *const files[] = {"csca/csca-rsa.pem",
	    "csca/csca-ec.pem", "ds/ds-rsa.pem", "ds/ds-rsa-pss.pem",
	    "ds/ds-p256.pem", "ds/ds-bp256.pem", "ds/ds-bp384.pem",
	    "ds/ds-expired.pem", "ds/ds-revoked.pem", "ds/mls.pem",
	    "crl/csca-rsa.crl", "crl/csca-ec.crl", "masterlist.ml",
	    "private/csca-rsa.key", "private/ds-bp384.key", "pki.json"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		tdv_buf b;
		int rc = slurp(files[i], &b);
		if (rc != TDV_OK)
			fprintf(stderr, "missing %s\n", files[i]);
		CHECK_INT(rc, TDV_OK);
		CHECK(b.len > 0);
		tdv_buf_free(&b);
	}
	/* a second init into the same directory is refused */
	tdv_pki_options o;
	memset(&o, 0, sizeof(o));
	o.today = test_today();
	CHECK_INT(tdv_pki_init(pki_dir, &o), TDV_EEXIST);
}

static void
test_masterlist_loads_both_cscas(void)
{
	tdv_buf b;
	int added = 0;
	CHECK_INT(slurp("masterlist.ml", &b), TDV_OK);
	tdv_trust *t = tdv_trust_new();
	CHECK_INT(tdv_trust_add_masterlist(t, b.data, b.len, &added), TDV_OK);
	CHECK_INT(added, 2);
	CHECK_INT(tdv_trust_csca_count(t), 2);
	/* loading it again adds nothing new */
	CHECK_INT(tdv_trust_add_masterlist(t, b.data, b.len, &added), TDV_OK);
	CHECK_INT(added, 0);
	CHECK_INT(tdv_trust_csca_count(t), 2);
	tdv_trust_free(&t);
	CHECK(t == NULL);
	tdv_buf_free(&b);
}

static void
test_masterlist_tampered_is_rejected(void)
{
	tdv_buf b;
	int added = -1;
	CHECK_INT(slurp("masterlist.ml", &b), TDV_OK);
	/* flip a byte inside the first certificate of the list (content) */
	size_t at = b.len / 4;
	b.data[at] ^= 0x01;
	tdv_trust *t = tdv_trust_new();
	int rc = tdv_trust_add_masterlist(t, b.data, b.len, &added);
	CHECK(rc == TDV_EPA_SIGNATURE || rc == TDV_EPARSE);
	CHECK_INT(added, 0);
	CHECK_INT(tdv_trust_csca_count(t), 0);
	tdv_trust_free(&t);
	tdv_buf_free(&b);
}

static void
test_masterlist_signer_must_chain_to_listed_or_trusted_csca(void)
{
	/* a list signed by a self-made signer */
	EVP_PKEY *k = tdv__keygen("prime256v1");
	X509 *self = tdv__make_cert('m', "UT", "Rogue", "Rogue MLS", 5, k, NULL,
	    NULL, time(NULL), -1, 30);
	CHECK(self != NULL);
	tdv_buf ml, cert, content, inner;
	tdv_buf_init(&cert, 1u << 16);
	tdv_buf_init(&content, 1u << 16);
	tdv_buf_init(&inner, 1u << 16);
	CHECK_INT(slurp("csca/csca-rsa.pem", &ml), TDV_OK);
	tdv_buf_free(&ml);
	/* content: version 0, one certificate (the rogue signer itself) */
	unsigned char *der = NULL;
	int n = i2d_X509(self, &der);
	CHECK(n > 0);
	CHECK_INT(tdv_buf_append(&cert, der, (size_t)n), TDV_OK);
	OPENSSL_free(der);
	CHECK_INT(tdv__derw_int(&inner, 0), TDV_OK);
	CHECK_INT(tdv__derw_set_of(&inner, &cert, 1), TDV_OK);
	CHECK_INT(tdv__derw_wrap(&content, 0x30, &inner), TDV_OK);
	BIO *in = BIO_new_mem_buf(content.data, (int)content.len);
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL,
	    CMS_BINARY | CMS_PARTIAL);
	ASN1_OBJECT *ct = OBJ_txt2obj("2.23.136.1.1.2", 1);
	CHECK(cms && ct && CMS_set1_eContentType(cms, ct));
	CHECK(CMS_add1_signer(cms, self, k, EVP_sha256(), CMS_BINARY) != NULL);
	CHECK(CMS_final(cms, in, NULL, CMS_BINARY) == 1);
	der = NULL;
	n = i2d_CMS_ContentInfo(cms, &der);
	tdv_trust *t = tdv_trust_new();
	int added = -1;
	/* the signer's issuer (itself) is in the list: the list is
	 * internally consistent and accepted. Whether to believe such a list
	 * is decided by where it came from (tdverify-pa(1)). */
	CHECK_INT(tdv_trust_add_masterlist(t, der, (size_t)n, &added), TDV_OK);
	CHECK_INT(added, 1);
	tdv_trust_free(&t);
	OPENSSL_free(der);

	/* now a list whose signer is NOT in it and not trusted: rejected */
	tdv_buf_reset(&inner);
	tdv_buf_reset(&content);
	tdv_buf_reset(&cert);
	tdv_buf pem;
	CHECK_INT(slurp("csca/csca-ec.pem", &pem), TDV_OK);
	BIO *pb = BIO_new_mem_buf(pem.data, (int)pem.len);
	X509 *ec = PEM_read_bio_X509(pb, NULL, NULL, NULL);
	BIO_free(pb);
	tdv_buf_free(&pem);
	der = NULL;
	n = i2d_X509(ec, &der);
	CHECK_INT(tdv_buf_append(&cert, der, (size_t)n), TDV_OK);
	OPENSSL_free(der);
	CHECK_INT(tdv__derw_int(&inner, 0), TDV_OK);
	CHECK_INT(tdv__derw_set_of(&inner, &cert, 1), TDV_OK);
	CHECK_INT(tdv__derw_wrap(&content, 0x30, &inner), TDV_OK);
	BIO *in2 = BIO_new_mem_buf(content.data, (int)content.len);
	CMS_ContentInfo *cms2 = CMS_sign(NULL, NULL, NULL, NULL,
	    CMS_BINARY | CMS_PARTIAL);
	CHECK(cms2 && CMS_set1_eContentType(cms2, ct));
	CHECK(CMS_add1_signer(cms2, self, k, EVP_sha256(), CMS_BINARY) != NULL);
	CHECK(CMS_final(cms2, in2, NULL, CMS_BINARY) == 1);
	der = NULL;
	n = i2d_CMS_ContentInfo(cms2, &der);
	t = tdv_trust_new();
	CHECK_INT(tdv_trust_add_masterlist(t, der, (size_t)n, &added), TDV_EPA_CHAIN);
	CHECK_INT(added, 0);
	CHECK_INT(tdv_trust_csca_count(t), 0);
	tdv_trust_free(&t);
	OPENSSL_free(der);
	X509_free(ec);
	CMS_ContentInfo_free(cms);
	CMS_ContentInfo_free(cms2);
	BIO_free(in);
	BIO_free(in2);
	ASN1_OBJECT_free(ct);
	X509_free(self);
	EVP_PKEY_free(k);
	tdv_buf_free(&cert);
	tdv_buf_free(&content);
	tdv_buf_free(&inner);
}

static void
test_trust_files_and_crls(void)
{
	char path[512];
	tdv_trust *t = tdv_trust_new();
	/* a CRL loaded before its CSCA is bound when the CSCA arrives */
	snprintf(path, sizeof(path), "%s/crl/csca-rsa.crl", pki_dir);
	CHECK_INT(tdv_trust_load_file(t, path), TDV_OK);
	snprintf(path, sizeof(path), "%s/csca/csca-rsa.pem", pki_dir);
	CHECK_INT(tdv_trust_load_file(t, path), TDV_OK);
	CHECK_INT(tdv_trust_csca_count(t), 1);
	CHECK_INT(tdv_trust_crl_count(t), 1);
	/* a directory with a non-certificate file: counted as bad */
	int bad = -1;
	snprintf(path, sizeof(path), "%s/private", pki_dir);
	CHECK_INT(tdv_trust_load_dir(t, path, &bad), TDV_ENOENT);
	CHECK_INT(tdv_trust_load_dir(t, "/nonexistent-tdv-dir", &bad), TDV_ENOENT);
	static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
	CHECK_INT(tdv_trust_add_cert(t, junk, sizeof(junk), NULL), TDV_EPARSE);
	CHECK_INT(tdv_trust_add_crl(t, junk, sizeof(junk)), TDV_EPARSE);
	CHECK(tdv_trust_add_masterlist(t, junk, sizeof(junk), NULL) != TDV_OK);
	tdv_trust_free(&t);
}

static void
test_country_codes(void)
{
	CHECK_STR(tdv_pa_country_alpha2("UTO"), "UT");
	CHECK_STR(tdv_pa_country_alpha2("D"), "DE");
	CHECK_STR(tdv_pa_country_alpha2("NLD"), "NL");
	CHECK_STR(tdv_pa_country_alpha2("ZWE"), "ZW");
	CHECK(tdv_pa_country_alpha2("XYZ") == NULL);
}

int
main(void)
{
	int rc = pki_setup();
	CHECK_INT(rc, TDV_OK);
	if (rc != TDV_OK)
		TEST_EXIT();
	RUN(test_pki_init_layout);
	RUN(test_masterlist_loads_both_cscas);
	RUN(test_masterlist_tampered_is_rejected);
	RUN(test_masterlist_signer_must_chain_to_listed_or_trusted_csca);
	RUN(test_trust_files_and_crls);
	RUN(test_country_codes);
	TEST_EXIT();
}
