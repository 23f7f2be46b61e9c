/*
 * Passive Authentication against personalised test documents: clean
 * documents pass with every Document Signer algorithm; every defect is
 * caught by its own check id and by nothing else.
 */
#include "lds/lds_int.h"
#include "pa_test_jp2.h"
#include "pa_test_pki.h"
#include "tdv_test.h"

static tdv_trust *trust;

static int
run(const char *ds, tdv_defect defect, bool aa_rsa, int sod_version,
    tdv_pa_result *r)
{
	tdv_person p = specimen();
	tdv_personalise_options o;
	tdv_issued doc;
	memset(&o, 0, sizeof(o));
	o.ds = ds;
	o.defect = defect;
	o.aa_rsa = aa_rsa;
	o.sod_version = sod_version;
	o.today = test_today();
	int rc = tdv_personalise_build(pki_dir, &p, &o, &doc);
	if (rc != TDV_OK) {
		fprintf(stderr, "personalise %s/%s: %s\n", ds,
		    tdv_defect_name(defect), tdv_strerror(rc));
		return rc;
	}
	tdv_pa_options po;
	memset(&po, 0, sizeof(po));
	po.today = o.today;
	po.printed_mrz = doc.printed_mrz;
	po.printed_mrz_len = strlen(doc.printed_mrz);
	rc = tdv_pa_verify(trust, doc.lds, &po, r);
	tdv_issued_free(&doc);
	return rc;
}

/* Nothing but pass (skips allowed only where named). */
static void
expect_clean(const tdv_pa_result *r, const char *what)
{
	CHECK_INT(r->verdict, TDV_PA_PASS);
	for (int i = 0; i < r->nchecks; i++)
		if (r->checks[i].status != TDV_CHECK_PASS) {
			fprintf(stderr, "%s: %s %s: %s\n", what, r->checks[i].id,
			    tdv_check_status_name(r->checks[i].status),
			    r->checks[i].message);
			tdv_test_failures++;
		}
	/* the full list, in order */
	static const char *const order[] = {"sod.parse", "sod.signature",
	    "ds.encoding", "ds.chain", "ds.validity", "csca.validity",
	    "ds.revocation", "sod.hash_algorithm", "sod.dg_list", "dg1.hash",
	    "dg2.hash", "dg11.hash", "dg12.hash", "dg14.hash", "dg15.hash",
	    "dg1.mrz", "country", "card_security"};
	CHECK_INT(r->nchecks, (int)(sizeof(order) / sizeof(order[0])));
	for (int i = 0; i < r->nchecks && i < (int)(sizeof(order) /
	    sizeof(order[0])); i++)
		CHECK_STR(r->checks[i].id, order[i]);
}

static void
test_pa_clean_rsa_pkcs1(void)
{
	tdv_pa_result r;
	CHECK_INT(run("rsa", TDV_DEFECT_NONE, false, 0, &r), TDV_OK);
	expect_clean(&r, "rsa");
	CHECK_STR(r.signature_algorithm, "RSA");
	CHECK_STR(r.hash_algorithm, "SHA-256");
	CHECK_STR(r.issuing_state, "UTO");
	CHECK_STR(r.document_number, "L898902C3");
}

static void
test_pa_clean_rsa_pss(void)
{
	tdv_pa_result r;
	CHECK_INT(run("rsa-pss", TDV_DEFECT_NONE, false, 0, &r), TDV_OK);
	expect_clean(&r, "rsa-pss");
	CHECK_STR(r.signature_algorithm, "RSA-PSS");
}

static void
test_pa_clean_ecdsa_p256(void)
{
	tdv_pa_result r;
	CHECK_INT(run("p256", TDV_DEFECT_NONE, false, 0, &r), TDV_OK);
	expect_clean(&r, "p256");
	CHECK_STR(r.signature_algorithm, "ECDSA");
}

static void
test_pa_clean_ecdsa_brainpool_p256r1(void)
{
	tdv_pa_result r;
	CHECK_INT(run("bp256", TDV_DEFECT_NONE, false, 0, &r), TDV_OK);
	expect_clean(&r, "bp256");
	CHECK_STR(r.signature_algorithm, "ECDSA");
}

static void
test_pa_clean_ecdsa_brainpool_p384r1_sha384(void)
{
	tdv_pa_result r;
	CHECK_INT(run("bp384", TDV_DEFECT_NONE, false, 0, &r), TDV_OK);
	expect_clean(&r, "bp384");
	CHECK_STR(r.hash_algorithm, "SHA-384");
}

static void
test_pa_clean_sod_v1_and_rsa_aa_key(void)
{
	tdv_pa_result r;
	CHECK_INT(run("rsa", TDV_DEFECT_NONE, true, 1, &r), TDV_OK);
	expect_clean(&r, "v1");
	CHECK(strstr(tdv_pa_find(&r, "sod.parse")->message, "v1") != NULL);
}

/* Each defect fails exactly its check; everything else passes or is
 * skipped because of it. */
static void
test_pa_each_defect_fails_its_check_only(void)
{
	for (int d = 1; d < TDV_DEFECT_COUNT; d++) {
		tdv_pa_result r;
		const char *want = tdv_defect_check_id((tdv_defect)d);
		CHECK(want != NULL);
		if (run("rsa", (tdv_defect)d, false, 0, &r) != TDV_OK) {
			tdv_test_failures++;
			continue;
		}
		CHECK_INT(r.verdict, TDV_PA_FAIL);
		const tdv_pa_check *c = tdv_pa_find(&r, want);
		CHECK(c != NULL);
		if (c != NULL && c->status != TDV_CHECK_FAIL) {
			fprintf(stderr, "%s: %s is %s\n", tdv_defect_name(
			    (tdv_defect)d), want, tdv_check_status_name(c->status));
			tdv_test_failures++;
		}
		for (int i = 0; i < r.nchecks; i++) {
			tdv_check_status s = r.checks[i].status;
			if (strcmp(r.checks[i].id, want) == 0)
				continue;
			if (s == TDV_CHECK_FAIL || s == TDV_CHECK_WARN) {
				fprintf(stderr, "%s: unexpected %s %s: %s\n",
				    tdv_defect_name((tdv_defect)d), r.checks[i].id,
				    tdv_check_status_name(s), r.checks[i].message);
				tdv_test_failures++;
			}
		}
	}
}

static void
test_pa_photo_substitution_message_names_it(void)
{
	tdv_pa_result r;
	CHECK_INT(run("p256", TDV_DEFECT_TAMPERED_DG2, false, 0, &r), TDV_OK);
	const tdv_pa_check *c = tdv_pa_find(&r, "dg2.hash");
	CHECK(c != NULL && c->status == TDV_CHECK_FAIL);
	CHECK(c != NULL && strstr(c->message, "photo substitution") != NULL);
}

static void
test_pa_revocation_skipped_without_crl(void)
{
	tdv_trust *saved = trust;
	trust = pki_trust(false);
	tdv_pa_result r;
	CHECK_INT(run("rsa", TDV_DEFECT_REVOKED_DS, false, 0, &r), TDV_OK);
	CHECK_INT(tdv_pa_find(&r, "ds.revocation")->status, TDV_CHECK_SKIP);
	CHECK_INT(r.verdict, TDV_PA_PASS);
	tdv_trust_free(&trust);
	trust = saved;
}

/* A JPEG 2000 portrait: DG2 carries it (image data type 1), it decodes
 * with libopenjp2, and the document passes. */
static void
test_personalise_with_jpeg2000_portrait(void)
{
	tdv_buf jp2;
	tdv_buf_init(&jp2, 1u << 20);
	CHECK_INT(encode_j2k(48, 64, &jp2), 0);
	CHECK_INT(tdv_lds_image_detect(jp2.data, jp2.len), TDV_LDS_IMAGE_JPEG2000);
	uint8_t *px = NULL;
	int w = 0, h = 0, ch = 0;
	CHECK_INT(tdv_lds_image_decode(jp2.data, jp2.len, &px, &w, &h, &ch),
	    TDV_OK);
	CHECK_INT(w, 48);
	CHECK_INT(h, 64);
	CHECK_INT(ch, 1);
	if (px != NULL) {
		CHECK_INT(px[0], 0);         /* lossless gradient */
		CHECK_INT(px[47], 255);
		free(px);
	}

	tdv_person p = specimen();
	p.photo = jp2.data;
	p.photo_len = jp2.len;
	tdv_personalise_options o;
	tdv_issued doc;
	memset(&o, 0, sizeof(o));
	o.ds = "bp256";
	o.today = test_today();
	CHECK_INT(tdv_personalise_build(pki_dir, &p, &o, &doc), TDV_OK);
	const uint8_t *d;
	size_t l;
	tdv_lds_dg2 dg2;
	CHECK_INT(tdv_lds_get(doc.lds, TDV_EF_DG2, &d, &l), TDV_OK);
	CHECK_INT(tdv_lds_parse_dg2(d, l, &dg2), TDV_OK);
	CHECK_INT(dg2.faces[0].image_kind, TDV_LDS_IMAGE_JPEG2000);
	CHECK_INT(dg2.faces[0].image_data_type, 1);
	CHECK_INT(dg2.faces[0].width, 48);
	CHECK_INT(dg2.faces[0].height, 64);
	CHECK_INT(dg2.faces[0].image_len, jp2.len);
	tdv_pa_options po;
	tdv_pa_result r;
	memset(&po, 0, sizeof(po));
	po.today = o.today;
	CHECK_INT(tdv_pa_verify(trust, doc.lds, &po, &r), TDV_OK);
	CHECK_INT(r.verdict, TDV_PA_PASS);
	tdv_issued_free(&doc);
	tdv_buf_free(&jp2);
}

/* PA of doc with its EF.CardSecurity replaced (NULL: removed). */
static void
pa_with_cardsecurity(const char *ds, const uint8_t *cs, size_t cslen,
    tdv_pa_result *r)
{
	tdv_person p = specimen();
	tdv_personalise_options o;
	tdv_issued doc;
	memset(&o, 0, sizeof(o));
	o.ds = ds;
	o.today = test_today();
	CHECK_INT(tdv_personalise_build(pki_dir, &p, &o, &doc), TDV_OK);
	tdv_lds *lds = tdv_lds_new();
	for (int ef = 1; ef < TDV_EF_COUNT; ef++) {
		const uint8_t *d;
		size_t l;
		if (ef != TDV_EF_CARDSECURITY && tdv_lds_get(doc.lds, ef, &d, &l) == TDV_OK)
			CHECK_INT(tdv_lds_set(lds, ef, d, l), TDV_OK);
	}
	if (cs != NULL)
		CHECK_INT(tdv_lds_set(lds, TDV_EF_CARDSECURITY, cs, cslen), TDV_OK);
	tdv_pa_options po;
	memset(&po, 0, sizeof(po));
	po.today = o.today;
	po.printed_mrz = doc.printed_mrz;
	po.printed_mrz_len = strlen(doc.printed_mrz);
	CHECK_INT(tdv_pa_verify(trust, lds, &po, r), TDV_OK);
	tdv_lds_free(&lds);
	tdv_issued_free(&doc);
}

/* The EF.CardSecurity a personalisation with this DS/defect writes. */
static tdv_buf
cardsecurity_of(const char *ds, tdv_defect defect)
{
	tdv_person p = specimen();
	tdv_personalise_options o;
	tdv_issued doc;
	tdv_buf b;
	tdv_buf_init(&b, 1u << 20);
	memset(&o, 0, sizeof(o));
	o.ds = ds;
	o.defect = defect;
	o.today = test_today();
	CHECK_INT(tdv_personalise_build(pki_dir, &p, &o, &doc), TDV_OK);
	const uint8_t *d;
	size_t l;
	CHECK_INT(tdv_lds_get(doc.lds, TDV_EF_CARDSECURITY, &d, &l), TDV_OK);
	CHECK_INT(tdv_buf_append(&b, d, l), TDV_OK);
	/* it carries DG14's SecurityInfos */
	tdv_secinfos *si = calloc(1, sizeof(*si));
	CHECK_INT(tdv_lds_parse_cardsecurity(d, l, si), TDV_OK);
	CHECK(tdv_secinfos_find(si, TDV_SECINFO_CA_PUBKEY) != NULL);
	CHECK(tdv_secinfos_find(si, TDV_SECINFO_PACE) != NULL);
	free(si);
	tdv_issued_free(&doc);
	return b;
}

static void
expect_cs(const tdv_pa_result *r, tdv_check_status st, const char *needle)
{
	const tdv_pa_check *c = tdv_pa_find(r, "card_security");
	CHECK(c != NULL);
	if (c == NULL)
		return;
	if (c->status != st || strstr(c->message, needle) == NULL) {
		fprintf(stderr, "card_security %s: %s (wanted %s, '%s')\n",
		    tdv_check_status_name(c->status), c->message,
		    tdv_check_status_name(st), needle);
		tdv_test_failures++;
	}
	/* nothing else changes */
	for (int i = 0; i < r->nchecks; i++)
		if (strcmp(r->checks[i].id, "card_security") != 0 &&
		    r->checks[i].status != TDV_CHECK_PASS) {
			fprintf(stderr, "unexpected %s %s\n", r->checks[i].id,
			    r->checks[i].message);
			tdv_test_failures++;
		}
	CHECK_INT(r->verdict, st == TDV_CHECK_FAIL ? TDV_PA_FAIL :
	    st == TDV_CHECK_WARN ? TDV_PA_PASS_WARN : TDV_PA_PASS);
}

static void
test_pa_card_security(void)
{
	tdv_pa_result r;
	tdv_buf own = cardsecurity_of("rsa", TDV_DEFECT_NONE);
	/* as personalised: signed by the SOD's own DS */
	pa_with_cardsecurity("rsa", own.data, own.len, &r);
	expect_cs(&r, TDV_CHECK_PASS, "signed by the SOD's Document Signer");
	/* absent: skipped */
	pa_with_cardsecurity("rsa", NULL, 0, &r);
	expect_cs(&r, TDV_CHECK_SKIP, "no EF.CardSecurity");

	/* a changed SecurityInfo (the CA public key's last byte sits inside
	 * the signed content, before the certificates): signature fails */
	tdv_tlv ci;
	CHECK_INT(tdv_tlv_read(own.data, own.len, 0, &ci), TDV_OK);
	tdv__cms cms;
	CHECK_INT(tdv__cms_parse(own.data, own.len, &cms), TDV_OK);
	tdv_buf bad;
	tdv_buf_init(&bad, 1u << 20);
	CHECK_INT(tdv_buf_append(&bad, own.data, own.len), TDV_OK);
	size_t off = (size_t)(cms.content - own.data) + cms.content_len / 2;
	bad.data[off] ^= 0x01;
	pa_with_cardsecurity("rsa", bad.data, bad.len, &r);
	expect_cs(&r, TDV_CHECK_FAIL, "does not verify");
	/* a flipped signature byte (the last byte of the file) */
	memcpy(bad.data, own.data, own.len);
	bad.data[bad.len - 1] ^= 0x5A;
	pa_with_cardsecurity("rsa", bad.data, bad.len, &r);
	expect_cs(&r, TDV_CHECK_FAIL, "does not verify");
	/* garbage */
	pa_with_cardsecurity("rsa", (const uint8_t *)"\x30\x03\x02\x01\x01", 5, &r);
	expect_cs(&r, TDV_CHECK_FAIL, "malformed");

	/* signed by another trusted DS (P-256 under the EC CSCA): the chain
	 * is checked here */
	tdv_buf other = cardsecurity_of("p256", TDV_DEFECT_NONE);
	pa_with_cardsecurity("rsa", other.data, other.len, &r);
	expect_cs(&r, TDV_CHECK_PASS, "chain to a trusted CSCA");
	/* signed by a DS no trusted CSCA issued */
	tdv_buf rogue = cardsecurity_of("rsa", TDV_DEFECT_UNKNOWN_CSCA);
	pa_with_cardsecurity("rsa", rogue.data, rogue.len, &r);
	expect_cs(&r, TDV_CHECK_FAIL, "not issued by a trusted CSCA");
	/* signed by an expired DS: its signature and chain hold, a warning */
	tdv_buf old = cardsecurity_of("expired", TDV_DEFECT_NONE);
	pa_with_cardsecurity("rsa", old.data, old.len, &r);
	expect_cs(&r, TDV_CHECK_WARN, "expired");
	tdv_buf_free(&own);
	tdv_buf_free(&bad);
	tdv_buf_free(&other);
	tdv_buf_free(&rogue);
	tdv_buf_free(&old);
}

static void
test_pa_defect_names_round_trip(void)
{
	for (int d = 0; d < TDV_DEFECT_COUNT; d++) {
		tdv_defect back;
		CHECK_INT(tdv_defect_from_name(tdv_defect_name((tdv_defect)d),
		    &back), TDV_OK);
		CHECK_INT(back, d);
	}
	tdv_defect x;
	CHECK_INT(tdv_defect_from_name("no-such-defect", &x), TDV_EINVAL);
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
	CHECK_INT(tdv_trust_csca_count(trust), 2);
	CHECK_INT(tdv_trust_crl_count(trust), 2);
	RUN(test_pa_clean_rsa_pkcs1);
	RUN(test_pa_clean_rsa_pss);
	RUN(test_pa_clean_ecdsa_p256);
	RUN(test_pa_clean_ecdsa_brainpool_p256r1);
	RUN(test_pa_clean_ecdsa_brainpool_p384r1_sha384);
	RUN(test_pa_clean_sod_v1_and_rsa_aa_key);
	RUN(test_pa_card_security);
	RUN(test_pa_each_defect_fails_its_check_only);
	RUN(test_pa_photo_substitution_message_names_it);
	RUN(test_pa_revocation_skipped_without_crl);
	RUN(test_personalise_with_jpeg2000_portrait);
	RUN(test_pa_defect_names_round_trip);
	tdv_trust_free(&trust);
	TEST_EXIT();
}
