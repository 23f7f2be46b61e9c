/*
 * LDS file parsers on public test data (tests/data/emrtd/MANIFEST: BSI
 * TR-03105-5 and ETSI TR 103 200 reference sets, checked against what
 * their sources state) and on hand-made files for the rarer shapes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "issue/issue_int.h"
#include "tdv/error.h"
#include "tdv/lds.h"
#include "tdv/pa.h"
#include "tdv_test.h"

static tdv_buf
load(const char *rel)
{
	char path[512];
	tdv_buf b;
	snprintf(path, sizeof(path), "%s/emrtd/%s", TDV_TEST_DATA, rel);
	int rc = tdv__read_file(path, 1u << 20, &b);
	if (rc != TDV_OK)
		fprintf(stderr, "%s: %s\n", path, tdv_strerror(rc));
	CHECK_INT(rc, TDV_OK);
	return b;
}

static void
hex(const uint8_t *p, size_t n, char *out)
{
	static const char hx[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static void
test_bsi_reference_sod(void)
{
	tdv_buf b = load("bsi-tr03105-5/EF_SOD.bin");
	tdv_sod s;
	char h[129];
	CHECK_INT(tdv_lds_parse_sod(b.data, b.len, &s), TDV_OK);
	CHECK_INT(s.version, 0);
	CHECK_STR(s.hash_name, "SHA-256");
	CHECK_STR(s.content_type, "2.23.136.1.1.1");
	CHECK_INT(s.nhashes, 5);
	static const int dgs[] = {1, 2, 3, 14, 4};
	for (int i = 0; i < 5 && i < s.nhashes; i++)
		CHECK_INT(s.hashes[i].dg, dgs[i]);
	hex(tdv_sod_find(&s, 1)->hash, 32, h);
	CHECK_STR(h, "4170CA879FCE6A22FFEF1567FF88079F415C66EAD250AB5F23781AC2CDBF42B6");
	hex(tdv_sod_find(&s, 4)->hash, 32, h);
	CHECK_STR(h, "4C7A0F0DDAA473123834F1B0713ED9453D1D1D58BCE447FB1736D40A0761C17B");
	CHECK_INT(s.ncerts, 1);
	CHECK_INT(s.nsigners, 1);
	CHECK(tdv_sod_find(&s, 15) == NULL);
	tdv_buf_free(&b);
}

static void
test_bsi_reference_dg1_dg14(void)
{
	tdv_buf b = load("bsi-tr03105-5/DG1.bin");
	tdv_lds_dg1 d;
	tdv_date today = {2012, 1, 1};
	CHECK_INT(tdv_lds_parse_dg1(b.data, b.len, &today, &d), TDV_OK);
	CHECK_STR(d.mrz.surname, "MUSTERMANN");
	CHECK_STR(d.mrz.given_names, "ERIKA");
	CHECK_STR(d.mrz.document_number, "C11T002JM");
	CHECK_STR(d.mrz.issuing_state, "D");
	CHECK(d.mrz.valid);
	tdv_buf_free(&b);

	b = load("bsi-tr03105-5/DG14.bin");
	tdv_secinfos s;
	CHECK_INT(tdv_lds_parse_dg14(b.data, b.len, &s), TDV_OK);
	CHECK_INT(s.n, 3);
	const tdv_secinfo *pk = tdv_secinfos_find(&s, TDV_SECINFO_CA_PUBKEY);
	const tdv_secinfo *ca = tdv_secinfos_find(&s, TDV_SECINFO_CA);
	const tdv_secinfo *ta = tdv_secinfos_find(&s, TDV_SECINFO_TA);
	CHECK(pk != NULL && ca != NULL && ta != NULL);
	if (pk != NULL && ca != NULL && ta != NULL) {
		CHECK_STR(pk->oid, "0.4.0.127.0.7.2.2.1.2");
		CHECK_INT(pk->agreement, TDV_KA_ECDH);
		CHECK_STR(ca->oid, "0.4.0.127.0.7.2.2.3.2.1");
		CHECK_INT(ca->cipher, TDV_CIPHER_3DES);
		CHECK_INT(ca->version, 1);
		CHECK_INT(ta->version, 1);
		/* the explicit-parameter key is d2i_PUBKEY-ready, as promised */
		const unsigned char *p = pk->key;
		EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)pk->key_len);
		CHECK(k != NULL);
		CHECK_INT(EVP_PKEY_get_bits(k), 224);
		EVP_PKEY_free(k);
	}
	tdv_buf_free(&b);
}

/* Passive Authentication of the reference sets gives what the sources
 * state; only the chain is unverifiable (their CSCAs are not published). */
static void
test_reference_sets_passive_authentication(void)
{
	static const char *const sets[] = {"bsi-tr03105-5", "etsi-tr103200"};
	for (size_t i = 0; i < 2; i++) {
		char dir[512];
		snprintf(dir, sizeof(dir), "%s/emrtd/%s", TDV_TEST_DATA, sets[i]);
		tdv_lds *lds = tdv_lds_new();
		CHECK_INT(tdv_lds_load_dir(lds, dir), TDV_OK);
		CHECK(tdv_lds_has(lds, TDV_EF_SOD)); /* found as EF_SOD.bin */
		tdv_trust *t = tdv_trust_new();
		tdv_pa_options o;
		tdv_pa_result r;
		memset(&o, 0, sizeof(o));
		o.today = (tdv_date){2026, 1, 1};
		CHECK_INT(tdv_pa_verify(t, lds, &o, &r), TDV_OK);
		CHECK_INT(tdv_pa_find(&r, "sod.signature")->status, TDV_CHECK_PASS);
		CHECK_STR(r.signature_algorithm, "RSA-PSS");
		CHECK_INT(tdv_pa_find(&r, "dg1.hash")->status, TDV_CHECK_PASS);
		CHECK_INT(tdv_pa_find(&r, "dg14.hash")->status, TDV_CHECK_PASS);
		CHECK_INT(tdv_pa_find(&r, "dg2.hash")->status, TDV_CHECK_SKIP);
		CHECK_INT(tdv_pa_find(&r, "ds.chain")->status, TDV_CHECK_FAIL);
		CHECK_INT(tdv_pa_find(&r, "ds.validity")->status, TDV_CHECK_WARN);
		CHECK_INT(tdv_pa_find(&r, "country")->status, TDV_CHECK_PASS);
		if (i == 0) {
			CHECK_STR(r.ds_serial, "0142FD5CF927");
			CHECK(tdv_pa_find(&r, "dg15.hash") == NULL);
		} else {
			CHECK_STR(r.ds_serial, "0130846F2B3E");
			CHECK_INT(tdv_pa_find(&r, "dg15.hash")->status,
			    TDV_CHECK_PASS);
		}
		/* a changed byte in DG1 is caught */
		const uint8_t *p;
		size_t n;
		CHECK_INT(tdv_lds_get(lds, TDV_EF_DG1, &p, &n), TDV_OK);
		uint8_t copy[128];
		CHECK(n <= sizeof(copy));
		memcpy(copy, p, n);
		copy[20] = 'X';
		CHECK_INT(tdv_lds_set(lds, TDV_EF_DG1, copy, n), TDV_OK);
		CHECK_INT(tdv_pa_verify(t, lds, &o, &r), TDV_OK);
		CHECK_INT(tdv_pa_find(&r, "dg1.hash")->status, TDV_CHECK_FAIL);
		tdv_trust_free(&t);
		tdv_lds_free(&lds);
	}
}

static void
test_etsi_dg15_rsa_key(void)
{
	tdv_buf b = load("etsi-tr103200/DG15.bin");
	tdv_lds_dg15 d;
	CHECK_INT(tdv_lds_parse_dg15(b.data, b.len, &d), TDV_OK);
	CHECK_INT(d.key_type, TDV_KEY_RSA);
	CHECK_INT(d.bits, 1024);
	b.data[b.len - 1] ^= 0xFF; /* exponent broken: still RSA? decode */
	(void)tdv_lds_parse_dg15(b.data, b.len, &d);
	tdv_buf_free(&b);
	static const uint8_t junk[] = {0x6F, 0x04, 0x30, 0x02, 0x05, 0x00};
	CHECK_INT(tdv_lds_parse_dg15(junk, sizeof(junk), &d), TDV_EPARSE);
}

static void
test_com_parses_and_rejects(void)
{
	static const uint8_t com[] = {0x60, 0x16, 0x5F, 0x01, 0x04, '0', '1',
	    '0', '7', 0x5F, 0x36, 0x06, '0', '4', '0', '0', '0', '0', 0x5C,
	    0x04, 0x61, 0x75, 0x6E, 0x6F};
	tdv_lds_com c;
	CHECK_INT(tdv_lds_parse_com(com, sizeof(com), &c), TDV_OK);
	CHECK_STR(c.lds_version, "0107");
	CHECK_STR(c.unicode_version, "040000");
	CHECK_INT(c.ndgs, 4);
	CHECK_INT(c.dgs[0], 1);
	CHECK_INT(c.dgs[1], 2);
	CHECK_INT(c.dgs[2], 14);
	CHECK_INT(c.dgs[3], 15);
	uint8_t bad[sizeof(com)];
	memcpy(bad, com, sizeof(com));
	bad[22] = 0x61; /* DG1 listed twice */
	CHECK_INT(tdv_lds_parse_com(bad, sizeof(bad), &c), TDV_EPARSE);
	bad[22] = 0x99; /* not a DG tag */
	CHECK_INT(tdv_lds_parse_com(bad, sizeof(bad), &c), TDV_ELDS_TAG);
	bad[0] = 0x61;
	CHECK_INT(tdv_lds_parse_com(bad, sizeof(bad), &c), TDV_ELDS_TAG);
	CHECK_INT(tdv_lds_parse_com(com, 10, &c), TDV_ETRUNCATED);
}

static void
test_dg2_39794_and_dg7_images(void)
{
	/* 75 { 7F61 { 02 01 01, 7F60 { A1 {}, 7F2E { A1 { 80 <jpeg> } } } } }:
	 * a BDB that is not shaped like ISO/IEC 39794-5 */
	static const uint8_t jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10};
	tdv_buf inner, bdb, bit, grp, dg, e;
	tdv_buf_init(&inner, 4096);
	tdv_buf_init(&bdb, 4096);
	tdv_buf_init(&bit, 4096);
	tdv_buf_init(&grp, 4096);
	tdv_buf_init(&dg, 4096);
	tdv_buf_init(&e, 16);
	CHECK_INT(tdv__derw(&inner, 0x80, jpeg, sizeof(jpeg)), TDV_OK);
	CHECK_INT(tdv__derw_wrap(&bdb, 0xA1, &inner), TDV_OK);
	CHECK_INT(tdv__derw_wrap(&bit, 0xA1, &e), TDV_OK);
	CHECK_INT(tdv__derw_wrap(&bit, 0x7F2E, &bdb), TDV_OK);
	CHECK_INT(tdv__derw(&grp, 0x02, "\x01", 1), TDV_OK);
	CHECK_INT(tdv__derw_wrap(&grp, 0x7F60, &bit), TDV_OK);
	CHECK_INT(tdv__derw_wrap(&dg, 0x7F61, &grp), TDV_OK);
	tdv_buf_reset(&inner);
	CHECK_INT(tdv__derw_wrap(&inner, 0x75, &dg), TDV_OK);
	/* not a 39794-5 FaceImageDataBlock (no 65 { A0 version, A1 reps }):
	 * refused; well-formed 39794-5 records are in test_lds_face */
	tdv_lds_dg2 d2;
	CHECK_INT(tdv_lds_parse_dg2(inner.data, inner.len, &d2), TDV_EPARSE);

	/* DG7: 67 { 02 01 01, 5F43 <jp2 signature> } */
	static const uint8_t jp2[] = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20,
	    0x20, 0x0D, 0x0A, 0x87, 0x0A, 0x00};
	tdv_buf_reset(&inner);
	tdv_buf_reset(&dg);
	CHECK_INT(tdv__derw(&dg, 0x02, "\x01", 1), TDV_OK);
	CHECK_INT(tdv__derw(&dg, 0x5F43, jp2, sizeof(jp2)), TDV_OK);
	CHECK_INT(tdv__derw_wrap(&inner, 0x67, &dg), TDV_OK);
	tdv_lds_dg7 d7;
	CHECK_INT(tdv_lds_parse_dg7(inner.data, inner.len, &d7), TDV_OK);
	CHECK_INT(d7.nimages, 1);
	CHECK_INT(d7.kinds[0], TDV_LDS_IMAGE_JPEG2000);
	/* the truncated JP2 does not decode, with a clear code */
	uint8_t *px = NULL;
	int w, h, ch;
	CHECK_INT(tdv_lds_image_decode(d7.images[0], d7.image_lens[0], &px, &w,
	    &h, &ch), TDV_EIMG_CORRUPT);
	CHECK(px == NULL);
	tdv_buf_free(&inner);
	tdv_buf_free(&bdb);
	tdv_buf_free(&bit);
	tdv_buf_free(&grp);
	tdv_buf_free(&dg);
	tdv_buf_free(&e);
}

static void
test_portrait_decodes(void)
{
	tdv_buf b;
	tdv_buf_init(&b, 1u << 20);
	CHECK_INT(tdv_issue_portrait(1, 60, 80, 80, &b), TDV_OK);
	uint8_t *px = NULL;
	int w = 0, h = 0, ch = 0;
	CHECK_INT(tdv_lds_image_decode(b.data, b.len, &px, &w, &h, &ch), TDV_OK);
	CHECK_INT(w, 60);
	CHECK_INT(h, 80);
	CHECK_INT(ch, 1);
	free(px);
	b.data[b.len / 2] ^= 0xFF;
	b.len = b.len / 2 + 1; /* truncated */
	int rc = tdv_lds_image_decode(b.data, b.len, &px, &w, &h, &ch);
	if (rc == TDV_OK)
		free(px); /* libjpeg may pad a truncated scan: fine, no crash */
	else
		CHECK_INT(rc, TDV_EIMG_CORRUPT);
	CHECK_INT(tdv_lds_image_decode((const uint8_t *)"GIF89a", 6, &px, &w, &h,
	    &ch), TDV_EIMG_FORMAT);
	tdv_buf_free(&b);
}

static void
test_dg11_dg12_fields(void)
{
	static const char name[] = "ERIKSSON<<ANNA<MARIA";
	tdv_buf in, out, a0;
	tdv_buf_init(&in, 4096);
	tdv_buf_init(&out, 4096);
	tdv_buf_init(&a0, 4096);
	CHECK_INT(tdv__derw(&in, 0x5C, "\x5F\x0E", 2), TDV_OK);
	CHECK_INT(tdv__derw(&in, 0x5F0E, name, strlen(name)), TDV_OK);
	CHECK_INT(tdv__derw(&in, 0x5F11, "Z\xC3\xA9nith", 7), TDV_OK);
	CHECK_INT(tdv__derw(&a0, 0x02, "\x02", 1), TDV_OK);
	CHECK_INT(tdv__derw(&a0, 0x5F0F, "ANNA<ERIKSSON", 13), TDV_OK);
	CHECK_INT(tdv__derw(&a0, 0x5F0F, "\xFF\xFE", 2), TDV_OK);
	CHECK_INT(tdv__derw_wrap(&in, 0xA0, &a0), TDV_OK);
	CHECK_INT(tdv__derw_wrap(&out, 0x6B, &in), TDV_OK);
	tdv_lds_dg11 d;
	CHECK_INT(tdv_lds_parse_dg11(out.data, out.len, &d), TDV_OK);
	CHECK_INT(d.full_name.len, strlen(name));
	CHECK(memcmp(d.full_name.p, name, d.full_name.len) == 0);
	CHECK(d.place_of_birth.utf8_ok);
	CHECK_INT(d.nother_names, 2);
	CHECK(d.other_names[0].utf8_ok);
	CHECK(!d.other_names[1].utf8_ok);
	CHECK(d.address.p == NULL);

	tdv_buf_reset(&in);
	tdv_buf_reset(&out);
	CHECK_INT(tdv__derw(&in, 0x5F19, "PASSPORT OFFICE", 15), TDV_OK);
	CHECK_INT(tdv__derw(&in, 0x5F26, "20210416", 8), TDV_OK);
	CHECK_INT(tdv__derw_wrap(&out, 0x6C, &in), TDV_OK);
	tdv_lds_dg12 e;
	CHECK_INT(tdv_lds_parse_dg12(out.data, out.len, &e), TDV_OK);
	CHECK_INT(e.issue_date.len, 8);
	CHECK(memcmp(e.issue_date.p, "20210416", 8) == 0);
	tdv_buf_free(&in);
	tdv_buf_free(&out);
	tdv_buf_free(&a0);
}

static void
test_ef_names_and_ids(void)
{
	CHECK_STR(tdv_lds_ef_name(TDV_EF_SOD), "EF.SOD");
	CHECK_STR(tdv_lds_ef_filename(TDV_EF_DG14), "DG14.bin");
	CHECK_INT(tdv_lds_ef_fid(TDV_EF_COM), 0x011E);
	CHECK_INT(tdv_lds_ef_fid(TDV_EF_DG2), 0x0102);
	CHECK_INT(tdv_lds_ef_sfi(TDV_EF_CARDACCESS), 0x1C);
	CHECK_INT(tdv_lds_ef_tag(TDV_EF_DG15), 0x6F);
	CHECK_INT(tdv_lds_dg_from_tag(0x75), 2);
	CHECK_INT(tdv_lds_dg_from_tag(0x77), 0);
	CHECK(tdv_lds_ef_name(99) == NULL);
}

int
main(void)
{
	RUN(test_bsi_reference_sod);
	RUN(test_bsi_reference_dg1_dg14);
	RUN(test_reference_sets_passive_authentication);
	RUN(test_etsi_dg15_rsa_key);
	RUN(test_com_parses_and_rejects);
	RUN(test_dg2_39794_and_dg7_images);
	RUN(test_portrait_decodes);
	RUN(test_dg11_dg12_fields);
	RUN(test_ef_names_and_ids);
	TEST_EXIT();
}
