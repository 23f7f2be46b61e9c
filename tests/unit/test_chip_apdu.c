/*
 * ISO/IEC 7816-4 APDU encoding and parsing (cases 1-4, short and
 * extended), the ATR's extended-length announcement, and the crypto
 * helpers' edge cases.
 */
#include <string.h>

#include "tdv/chip.h"
#include "tdv/error.h"
#include "tdv_test.h"
#include "test_chip_hex.h"

static void
enc(const tdv_apdu *a, const char *want)
{
	uint8_t out[70000];
	size_t n = 0;
	CHECK_INT(tdv_apdu_encode(a, out, sizeof(out), &n), TDV_OK);
	CHECK(eqhex(out, n, want));
	/* and back */
	tdv_apdu b;
	CHECK_INT(tdv_apdu_parse_command(out, n, &b), TDV_OK);
	CHECK_INT(b.ins, a->ins);
	CHECK_INT(b.lc, a->lc);
	CHECK_INT(b.le, a->le);
	CHECK(a->lc == 0 || memcmp(b.data, a->data, a->lc) == 0);
}

static void
test_chip_apdu_four_cases_short_and_extended(void)
{
	uint8_t d[300];
	memset(d, 0xAB, sizeof(d));
	tdv_apdu a = {.cla = 0x00, .ins = 0xA4, .p1 = 0x04, .p2 = 0x0C};
	enc(&a, "00A4040C");                            /* case 1 */
	a.le = 256;
	enc(&a, "00A4040C00");                          /* case 2S, Le 256 */
	a.le = 0x12;
	a.data = d;
	a.lc = 2;
	enc(&a, "00A4040C02ABAB12");                    /* case 4S */
	a.le = 0;
	enc(&a, "00A4040C02ABAB");                      /* case 3S */
	a.lc = 0;
	a.le = 65536;
	enc(&a, "00A4040C000000");                      /* case 2E, Le 65536 */
	a.le = 257;
	enc(&a, "00A4040C000101");                      /* case 2E */
	a.lc = 256;
	a.le = 0;
	{
		uint8_t out[400];
		size_t n;
		CHECK_INT(tdv_apdu_encode(&a, out, sizeof(out), &n), TDV_OK);
		CHECK_INT(n, 4 + 3 + 256);               /* case 3E */
		CHECK(out[4] == 0 && out[5] == 1 && out[6] == 0);
		a.le = 300;
		CHECK_INT(tdv_apdu_encode(&a, out, sizeof(out), &n), TDV_OK);
		CHECK_INT(n, 4 + 3 + 256 + 2);           /* case 4E */
		CHECK(out[n - 2] == 0x01 && out[n - 1] == 0x2C);
		CHECK_INT(tdv_apdu_encode(&a, out, 100, &n), TDV_ELIMIT);
	}
	a.lc = 70000;
	uint8_t o2[10];
	size_t n2;
	CHECK_INT(tdv_apdu_encode(&a, o2, sizeof(o2), &n2), TDV_EINVAL);
}

static void
test_chip_apdu_parse_rejects_inconsistent_lengths(void)
{
	uint8_t b[16];
	tdv_apdu a;
	size_t n = unhex("00B0", b, sizeof(b));
	CHECK_INT(tdv_apdu_parse_command(b, n, &a), TDV_ETRUNCATED);
	n = unhex("00B0000005AABB", b, sizeof(b)); /* Lc 5, 2 bytes */
	CHECK_INT(tdv_apdu_parse_command(b, n, &a), TDV_EPARSE);
	n = unhex("00B000000000", b, sizeof(b));   /* extended, truncated */
	CHECK_INT(tdv_apdu_parse_command(b, n, &a), TDV_EPARSE);
	n = unhex("00B00000000002AA", b, sizeof(b));
	CHECK_INT(tdv_apdu_parse_command(b, n, &a), TDV_EPARSE);
	size_t dl;
	uint16_t sw;
	CHECK_INT(tdv_apdu_parse_response(b, 1, &dl, &sw), TDV_ECHIP_TRANSPORT);
	n = unhex("AABB6282", b, sizeof(b));
	CHECK_INT(tdv_apdu_parse_response(b, n, &dl, &sw), TDV_OK);
	CHECK_INT(dl, 2);
	CHECK_INT(sw, 0x6282);
}

static int
dummy(void *ctx, const uint8_t *c, size_t cl, uint8_t *r, size_t rcap,
    size_t *rl)
{
	(void)ctx, (void)c, (void)cl, (void)rcap;
	r[0] = 0x90;
	r[1] = 0x00;
	*rl = 2;
	return TDV_OK;
}

static bool
atr_ext(const char *hex)
{
	uint8_t atr[40];
	size_t n = unhex(hex, atr, sizeof(atr));
	tdv_chip_transport *t = NULL;
	tdv_chip_transport_new_callback(&t, dummy, NULL, atr, n);
	bool e = tdv_chip_transport_extended(t);
	tdv_chip_transport_free(&t);
	return e;
}

static void
test_chip_atr_extended_length(void)
{
	CHECK(atr_ext("3B858001807300004006"));      /* ours, extended */
	CHECK(!atr_ext("3B858001807300000046"));     /* ours, short */
	/* contactless storage card style ATR without card capabilities */
	CHECK(!atr_ext("3B8F8001804F0CA000000306030001000000006A"));
	/* capabilities with chaining + extended (C0) after other objects */
	CHECK(atr_ext("3B87800180 31F3 730000C0 00"));
	CHECK(!atr_ext("3B"));
	CHECK(!atr_ext("3B8F80"));                   /* truncated */
	CHECK(!atr_ext("3B8580018075"));             /* TLV past the end */
}

static void
test_chip_crypto_edges(void)
{
	uint8_t k[32] = {0}, out[64], in[64] = {0};
	CHECK_INT(tdv_chip_cbc(TDV_CIPHER_AES128, k, NULL, true, in, 15, out),
	    TDV_EINVAL);
	CHECK_INT(tdv_chip_cbc(TDV_CIPHER_3DES, k, NULL, true, in, 12, out),
	    TDV_EINVAL);
	CHECK_INT(tdv_chip_mac(TDV_CIPHER_3DES, k, in, 7, out), TDV_EINVAL);
	CHECK_INT(tdv_chip_mac(TDV_CIPHER_NONE, k, in, 8, out), TDV_EINVAL);
	CHECK_INT(tdv_chip_kdf(TDV_CIPHER_NONE, k, 16, 1, out), TDV_EINVAL);
	/* padding: a full block gets a whole block more */
	uint8_t p[32];
	CHECK_INT(tdv_chip_pad((const uint8_t *)"12345678", 8, 8, p), 16);
	CHECK(p[8] == 0x80 && p[15] == 0);
	/* retail MAC over several blocks equals the known value of the
	 * worked example (SELECT EF.COM, 9303-11 App. D.4) */
	uint8_t kmac[16], n[32];
	unhex("F1CB1F1FB5ADF208806B89DC579DC1F8", kmac, 16);
	size_t nl = unhex("887022120C06C2270CA4020C800000008709016375432908C044F6",
	    n, sizeof(n));
	nl = tdv_chip_pad(n, nl, 8, n);
	CHECK_INT(tdv_chip_mac(TDV_CIPHER_3DES, kmac, n, nl, out), TDV_OK);
	CHECK(eqhex(out, 8, "BF8B92D635FF24F8"));
}

int
main(void)
{
	RUN(test_chip_apdu_four_cases_short_and_extended);
	RUN(test_chip_apdu_parse_rejects_inconsistent_lengths);
	RUN(test_chip_atr_extended_length);
	RUN(test_chip_crypto_edges);
	TEST_EXIT();
}
