/* The bounded DER/BER-TLV reader: tags, lengths, truncation, nesting. */
#include <stdlib.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/lds.h"
#include "tdv_test.h"

static void
test_der_reads_short_and_long_lengths(void)
{
	static const uint8_t a[] = {0x04, 0x03, 1, 2, 3};
	tdv_tlv t;
	CHECK_INT(tdv_tlv_read(a, sizeof(a), 0, &t), TDV_OK);
	CHECK_INT(t.tag, 0x04);
	CHECK_INT(t.len, 3);
	CHECK(!t.constructed);
	CHECK_INT(t.raw_len, 5);

	uint8_t b[4 + 300];
	b[0] = 0x30;
	b[1] = 0x82;
	b[2] = 0x01;
	b[3] = 0x2C;
	memset(b + 4, 0, 300);
	CHECK_INT(tdv_tlv_read(b, sizeof(b), TDV_DER_STRICT, &t), TDV_OK);
	CHECK_INT(t.len, 300);
	CHECK(t.constructed);
	CHECK(!t.non_canonical);
}

static void
test_der_multibyte_application_tags(void)
{
	/* 5F1F (DG1 MRZ), 7F61 (biometric group), 7F2E */
	static const uint8_t a[] = {0x5F, 0x1F, 0x02, 'P', '<'};
	static const uint8_t b[] = {0x7F, 0x61, 0x00};
	tdv_tlv t;
	CHECK_INT(tdv_tlv_read(a, sizeof(a), 0, &t), TDV_OK);
	CHECK_INT(t.tag, 0x5F1F);
	CHECK_INT(t.len, 2);
	CHECK_INT(tdv_tlv_read(b, sizeof(b), 0, &t), TDV_OK);
	CHECK_INT(t.tag, 0x7F61);
	CHECK(t.constructed);
	/* a tag that never ends */
	static const uint8_t c[] = {0x5F, 0x81, 0x82, 0x83, 0x84, 0x01, 0x00};
	CHECK_INT(tdv_tlv_read(c, sizeof(c), 0, &t), TDV_EDER);
}

static void
test_der_rejects_truncated_and_overlong(void)
{
	tdv_tlv t;
	static const uint8_t a[] = {0x04, 0x05, 1, 2};       /* short value */
	static const uint8_t b[] = {0x04, 0x82, 0x01};       /* short length */
	static const uint8_t c[] = {0x04, 0x85, 1, 1, 1, 1, 1, 0}; /* 5 len bytes */
	static const uint8_t d[] = {0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0};
	static const uint8_t e[] = {0x30, 0x80, 0x00, 0x00}; /* indefinite */
	static const uint8_t f[] = {0x04};
	CHECK_INT(tdv_tlv_read(a, sizeof(a), 0, &t), TDV_ETRUNCATED);
	CHECK_INT(tdv_tlv_read(b, sizeof(b), 0, &t), TDV_ETRUNCATED);
	CHECK_INT(tdv_tlv_read(c, sizeof(c), 0, &t), TDV_ELIMIT);
	CHECK_INT(tdv_tlv_read(d, sizeof(d), 0, &t), TDV_ELIMIT);
	CHECK_INT(tdv_tlv_read(e, sizeof(e), 0, &t), TDV_EDER);
	CHECK_INT(tdv_tlv_read(f, sizeof(f), 0, &t), TDV_ETRUNCATED);
	CHECK_INT(tdv_tlv_read(f, 0, 0, &t), TDV_ETRUNCATED);
	/* length just past the end by one */
	static const uint8_t g[] = {0x04, 0x81, 0x81};
	CHECK_INT(tdv_tlv_read(g, sizeof(g), 0, &t), TDV_ETRUNCATED);
}

static void
test_der_flags_non_minimal_lengths(void)
{
	tdv_tlv t;
	static const uint8_t a[] = {0x04, 0x81, 0x02, 1, 2};
	static const uint8_t b[] = {0x04, 0x82, 0x00, 0x02, 1, 2};
	CHECK_INT(tdv_tlv_read(a, sizeof(a), 0, &t), TDV_OK);
	CHECK(t.non_canonical);
	CHECK_INT(tdv_tlv_read(a, sizeof(a), TDV_DER_STRICT, &t), TDV_EDER);
	CHECK_INT(tdv_tlv_read(b, sizeof(b), 0, &t), TDV_OK);
	CHECK(t.non_canonical);
	bool nc = false;
	CHECK_INT(tdv_der_validate(b, sizeof(b), 0, 0, NULL, &nc), TDV_OK);
	CHECK(nc);
}

/* 10,000 nested SEQUENCEs: refused by depth, in linear time, no recursion */
static void
test_der_deep_nesting_is_bounded(void)
{
	const size_t depth = 10000;
	size_t n = depth * 6;
	uint8_t *p = malloc(n);
	CHECK(p != NULL);
	if (p == NULL)
		return;
	/* each level: 30 84 <len4> */
	for (size_t i = 0; i < depth; i++) {
		size_t rest = (depth - i - 1) * 6;
		p[i * 6] = 0x30;
		p[i * 6 + 1] = 0x84;
		p[i * 6 + 2] = (uint8_t)(rest >> 24);
		p[i * 6 + 3] = (uint8_t)(rest >> 16);
		p[i * 6 + 4] = (uint8_t)(rest >> 8);
		p[i * 6 + 5] = (uint8_t)rest;
	}
	size_t count = 0;
	CHECK_INT(tdv_der_validate(p, n, 0, TDV_DER_MAX_DEPTH, &count, NULL),
	    TDV_EDER_DEPTH);
	/* the parsers meet it as a DG2 body and refuse it too */
	p[0] = 0x75;
	tdv_lds_dg2 dg2;
	int rc = tdv_lds_parse_dg2(p, n, &dg2);
	CHECK(rc != TDV_OK);
	free(p);

	/* 40 levels are fine */
	uint8_t q[80];
	for (int i = 0; i < 40; i++) {
		q[2 * i] = 0x30;
		q[2 * i + 1] = (uint8_t)(78 - 2 * i);
	}
	CHECK_INT(tdv_der_validate(q, sizeof(q), 0, TDV_DER_MAX_DEPTH, &count,
	    NULL), TDV_OK);
	CHECK_INT(count, 40);
	CHECK_INT(tdv_der_validate(q, sizeof(q), 0, 10, NULL, NULL),
	    TDV_EDER_DEPTH);
}

static void
test_der_child_cannot_overrun_parent(void)
{
	/* SEQUENCE of length 3 whose child claims 5 */
	static const uint8_t a[] = {0x30, 0x03, 0x04, 0x05, 1, 2, 3, 4, 5};
	CHECK_INT(tdv_der_validate(a, sizeof(a), 0, 0, NULL, NULL), TDV_ETRUNCATED);
	tdv_tlv t, c;
	tdv_der d;
	CHECK_INT(tdv_tlv_read(a, sizeof(a), 0, &t), TDV_OK);
	tdv_der_enter(&d, &t, 0);
	CHECK_INT(tdv_der_next(&d, &c), TDV_ETRUNCATED);
}

static void
test_der_cursor_expect_and_find(void)
{
	static const uint8_t a[] = {0x02, 0x01, 0x05, 0x04, 0x00, 0x5F, 0x1F,
	    0x01, 'X'};
	tdv_der d;
	tdv_tlv t;
	long v = 0;
	tdv_der_init(&d, a, sizeof(a), 0);
	CHECK_INT(tdv_der_expect(&d, 0x02, &t), TDV_OK);
	CHECK_INT(tdv_der_small_int(&t, &v), TDV_OK);
	CHECK_INT(v, 5);
	CHECK_INT(tdv_der_expect(&d, 0x30, &t), TDV_ELDS_TAG);
	CHECK_INT(tdv_der_next(&d, &t), TDV_OK);
	CHECK(tdv_der_at_end(&d));
	CHECK_INT(tdv_der_expect(&d, 0x02, &t), TDV_ELDS_MISSING);
	CHECK_INT(tdv_der_find(a, sizeof(a), 0x5F1F, &t), TDV_OK);
	CHECK_INT(t.value[0], 'X');
	CHECK_INT(tdv_der_find(a, sizeof(a), 0x5F2E, &t), TDV_ENOENT);
}

static void
test_der_oid_text(void)
{
	/* 2.23.136.1.1.1 (id-icao-mrtd-security-ldsSecurityObject) */
	static const uint8_t lso[] = {0x67, 0x81, 0x08, 0x01, 0x01, 0x01};
	/* 0.4.0.127.0.7.2.2.4.2.2 (id-PACE-ECDH-GM-AES-CBC-CMAC-128) */
	static const uint8_t pace[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02,
	    0x02, 0x04, 0x02, 0x02};
	char s[64];
	CHECK_INT(tdv_der_oid_text(lso, sizeof(lso), s, sizeof(s)), TDV_OK);
	CHECK_STR(s, "2.23.136.1.1.1");
	CHECK_INT(tdv_der_oid_text(pace, sizeof(pace), s, sizeof(s)), TDV_OK);
	CHECK_STR(s, "0.4.0.127.0.7.2.2.4.2.2");
	static const uint8_t bad[] = {0x2A, 0x86};    /* unterminated arc */
	static const uint8_t pad[] = {0x2A, 0x80, 0x01}; /* non-minimal arc */
	CHECK_INT(tdv_der_oid_text(bad, sizeof(bad), s, sizeof(s)), TDV_EDER);
	CHECK_INT(tdv_der_oid_text(pad, sizeof(pad), s, sizeof(s)), TDV_EDER);
	CHECK_INT(tdv_der_oid_text(lso, sizeof(lso), s, 6), TDV_ELIMIT);
}

static void
test_der_small_int_limits(void)
{
	tdv_tlv t;
	static const uint8_t neg[] = {0x02, 0x01, 0x80};
	static const uint8_t big[] = {0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t ok[] = {0x02, 0x02, 0x00, 0x80};
	long v;
	CHECK_INT(tdv_tlv_read(neg, sizeof(neg), 0, &t), TDV_OK);
	CHECK_INT(tdv_der_small_int(&t, &v), TDV_ELIMIT);
	CHECK_INT(tdv_tlv_read(big, sizeof(big), 0, &t), TDV_OK);
	CHECK_INT(tdv_der_small_int(&t, &v), TDV_ELIMIT);
	CHECK_INT(tdv_tlv_read(ok, sizeof(ok), 0, &t), TDV_OK);
	CHECK_INT(tdv_der_small_int(&t, &v), TDV_OK);
	CHECK_INT(v, 128);
}

/* The header writer round-trips through the reader at every length
 * boundary (X.690 §8.1.3: short form below 0x80, then 1-3 length bytes)
 * and refuses what it cannot encode. */
static void
test_der_header_writer_round_trips(void)
{
	static const size_t lens[] = { 0, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF,
	    0x10000, 0x12345 };
	static const uint32_t tags[] = { 0x30, 0x5F1F, 0x7F61 };
	static uint8_t zero[0x12345];
	for (size_t ti = 0; ti < sizeof(tags) / sizeof(tags[0]); ti++) {
		for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
			tdv_buf b;
			tdv_tlv t;
			tdv_buf_init(&b, 1u << 20);
			CHECK_INT(tdv_tlv_put_header(&b, tags[ti], lens[li]), TDV_OK);
			CHECK(b.len == tdv_tlv_header_len(tags[ti], lens[li]));
			size_t hl = b.len;
			CHECK_INT(tdv_buf_append(&b, zero, lens[li]), TDV_OK);
			CHECK_INT(tdv_tlv_read(b.data, b.len, TDV_DER_STRICT, &t),
			    TDV_OK);
			CHECK(t.tag == tags[ti]);
			CHECK(t.len == lens[li]);
			CHECK(t.raw_len == hl + lens[li]);
			CHECK(!t.non_canonical);
			tdv_buf_free(&b);
		}
	}
	tdv_buf b;
	tdv_buf_init(&b, 1u << 20);
	CHECK_INT(tdv_tlv_put_header(&b, 0x30, 0x1000000), TDV_ELIMIT);
	CHECK_INT(tdv_tlv_put_header(&b, 0x1F2F3F4F, 1), TDV_ELIMIT);
	CHECK(b.len == 0);
	CHECK_INT(tdv_tlv_put_header(&b, 0x30, 0xFFFFFF), TDV_OK);
	CHECK(b.len == 5 && b.data[1] == 0x83);
	tdv_buf_free(&b);
}

int
main(void)
{
	RUN(test_der_reads_short_and_long_lengths);
	RUN(test_der_multibyte_application_tags);
	RUN(test_der_rejects_truncated_and_overlong);
	RUN(test_der_flags_non_minimal_lengths);
	RUN(test_der_deep_nesting_is_bounded);
	RUN(test_der_child_cannot_overrun_parent);
	RUN(test_der_cursor_expect_and_find);
	RUN(test_der_oid_text);
	RUN(test_der_small_int_limits);
	RUN(test_der_header_writer_round_trips);
	TEST_EXIT();
}
