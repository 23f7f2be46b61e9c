/*
 * A hostile card: wrong lengths, bad MACs, status words out of sequence,
 * a file that claims 16 MB, a card that never stops answering. Each must
 * end in a clear error code, in bounded time and memory.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tdv/chip.h"
#include "tdv/emu.h"
#include "tdv/error.h"
#include "tdv_test.h"
#include "test_emu_lds.h"

/* A scripted card: answers every READ BINARY from a fixed "file" image,
 * with knobs for misbehaviour. */
struct evil {
	const uint8_t *file;
	size_t flen;
	size_t give;        /* bytes per later answer (0: as asked) */
	size_t give_first;  /* bytes in the first answer (0: as asked) */
	size_t extra;       /* bytes beyond Le */
	bool zero_mid;      /* answer 9000 with no data after the first */
	uint16_t sw;        /* status to return (0: 9000) */
	size_t rlen_lie;    /* claim this response length (0: honest) */
	unsigned long calls;
};

static int
evil_card(void *ctx, const uint8_t *c, size_t cl, uint8_t *r, size_t rcap,
    size_t *rl)
{
	struct evil *e = ctx;
	tdv_apdu a;
	e->calls++;
	if (e->rlen_lie) {
		*rl = e->rlen_lie;
		return TDV_OK;
	}
	if (tdv_apdu_parse_command(c, cl, &a) != TDV_OK || a.ins != 0xB0) {
		r[0] = 0x6D;
		r[1] = 0x00;
		*rl = 2;
		return TDV_OK;
	}
	size_t off = (a.p1 & 0x80) ? a.p2 : ((size_t)a.p1 << 8 | a.p2);
	size_t n = a.le;
	if (off > 0 && e->give && n > e->give)
		n = e->give;
	if (off == 0 && e->give_first && n > e->give_first)
		n = e->give_first;
	if (off >= e->flen)
		n = 0;
	else if (n > e->flen - off)
		n = e->flen - off;
	if (e->zero_mid && off > 0)
		n = 0;
	n += e->extra;
	if (n + 2 > rcap)
		n = rcap - 2;
	for (size_t i = 0; i < n; i++)
		r[i] = off + i < e->flen ? e->file[off + i] : 0xEE;
	uint16_t sw = e->sw ? e->sw : 0x9000;
	r[n] = (uint8_t)(sw >> 8);
	r[n + 1] = (uint8_t)sw;
	*rl = n + 2;
	return TDV_OK;
}

static int
read_from(struct evil *e, bool extended, unsigned long budget, tdv_buf *out)
{
	/* ATR announcing extended length or not */
	uint8_t atr_ext[] = {0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00,
	    0x40, 0x00};
	tdv_chip_transport *t = NULL;
	tdv_chip *c = NULL;
	tdv_chip_transport_new_callback(&t, evil_card, e, atr_ext,
	    extended ? sizeof(atr_ext) : 0);
	if (budget)
		tdv_chip_transport_set_budget(t, budget);
	tdv_chip_new(&c, t);
	CHECK(tdv_chip_transport_extended(t) == extended);
	int rc = tdv_chip_read_ef(c, 2, out);
	tdv_chip_free(&c);
	tdv_chip_transport_free(&t);
	return rc;
}

static void
test_chip_refuses_file_claiming_16mb(void)
{
	uint8_t f[300] = {0x75, 0x84, 0x01, 0x00, 0x00, 0x00};
	struct evil e = {.file = f, .flen = sizeof(f)};
	tdv_buf b;
	tdv_buf_init(&b, TDV_CHIP_FILE_MAX);
	CHECK_INT(read_from(&e, false, 0, &b), TDV_ELIMIT);
	CHECK_INT(e.calls, 1); /* refused after the first answer */
	CHECK_INT(b.len, 0);
	CHECK(b.cap < 4096); /* nothing large was allocated */
	/* 83-form just over the cap */
	uint8_t g[300] = {0x75, 0x83, 0x10, 0x00, 0x00};
	e.file = g;
	e.calls = 0;
	CHECK_INT(read_from(&e, true, 0, &b), TDV_ELIMIT);
	/* indefinite length and zero tags are malformed */
	uint8_t h[300] = {0x75, 0x80, 0x01};
	e.file = h;
	CHECK_INT(read_from(&e, false, 0, &b), TDV_EPARSE);
	uint8_t z[300] = {0x00, 0x10};
	e.file = z;
	CHECK_INT(read_from(&e, false, 0, &b), TDV_EPARSE);
	tdv_buf_free(&b);
}

static void
test_chip_rejects_more_than_asked(void)
{
	uint8_t f[1000] = {0x75, 0x82, 0x03, 0xE4};
	struct evil e = {.file = f, .flen = sizeof(f), .extra = 5};
	tdv_buf b;
	tdv_buf_init(&b, TDV_CHIP_FILE_MAX);
	CHECK_INT(read_from(&e, false, 0, &b), TDV_ECHIP_TRANSPORT);
	tdv_buf_free(&b);
}

static void
test_chip_card_that_stops_giving_data(void)
{
	uint8_t f[1000] = {0x75, 0x82, 0x03, 0xE4};
	struct evil e = {.file = f, .flen = sizeof(f), .zero_mid = true};
	tdv_buf b;
	tdv_buf_init(&b, TDV_CHIP_FILE_MAX);
	CHECK_INT(read_from(&e, false, 0, &b), TDV_ETRUNCATED);
	CHECK_INT(e.calls, 2);
	/* a file shorter than its header says: the card runs dry */
	e.zero_mid = false;
	e.flen = 500;
	CHECK_INT(read_from(&e, false, 0, &b), TDV_ETRUNCATED);
	tdv_buf_free(&b);
}

static void
test_chip_card_that_never_stops_answering(void)
{
	/* one byte per answer for a 1 MB file: the APDU budget ends it */
	static uint8_t f[TDV_CHIP_FILE_MAX];
	f[0] = 0x75;
	f[1] = 0x83;
	f[2] = 0x0F;
	f[3] = 0xFF;
	f[4] = 0xF0;
	struct evil e = {.file = f, .flen = sizeof(f), .give = 1};
	tdv_buf b;
	tdv_buf_init(&b, TDV_CHIP_FILE_MAX);
	clock_t t0 = clock();
	CHECK_INT(read_from(&e, false, 5000, &b), TDV_ELIMIT);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	CHECK_INT(e.calls, 5000);
	CHECK(secs < 5.0);
	CHECK_INT(b.len, 0);
	/* the header itself must fit in the first answer */
	e.give_first = 3;
	e.calls = 0;
	CHECK_INT(read_from(&e, false, 0, &b), TDV_ECHIP_TRANSPORT);
	CHECK_INT(e.calls, 1);
	tdv_buf_free(&b);
}

static void
test_chip_status_words(void)
{
	uint8_t f[100] = {0x75, 0x10};
	struct evil e = {.file = f, .flen = sizeof(f)};
	tdv_buf b;
	tdv_buf_init(&b, TDV_CHIP_FILE_MAX);
	e.sw = 0x6A82;
	CHECK_INT(read_from(&e, false, 0, &b), TDV_ENOENT);
	e.sw = 0x6982;
	CHECK_INT(read_from(&e, false, 0, &b), TDV_EPERM);
	e.sw = 0x6F00;
	CHECK_INT(read_from(&e, false, 0, &b), TDV_ECHIP_SW);
	e.sw = 0x6282; /* end of file before Le: data is fine */
	CHECK_INT(read_from(&e, false, 0, &b), TDV_OK);
	CHECK_INT(b.len, 18);
	/* padding after the TLV is ignored */
	e.sw = 0;
	CHECK_INT(read_from(&e, false, 0, &b), TDV_OK);
	CHECK_INT(b.len, 18);
	/* a response shorter than a status word, or longer than the buffer */
	e.rlen_lie = 1;
	CHECK_INT(read_from(&e, false, 0, &b), TDV_ECHIP_TRANSPORT);
	e.rlen_lie = TDV_APDU_MAX + 10;
	CHECK_INT(read_from(&e, false, 0, &b), TDV_ECHIP_TRANSPORT);
	tdv_buf_free(&b);
}

/* The emulator behind a man in the middle who flips one response bit
 * once secure messaging is up. */
struct mitm {
	tdv_emu *e;
	unsigned long flip_at; /* APDU number to corrupt */
	unsigned long n;
	bool truncate;
};

static int
mitm_card(void *ctx, const uint8_t *c, size_t cl, uint8_t *r, size_t rcap,
    size_t *rl)
{
	struct mitm *m = ctx;
	int rc = tdv_emu_process(m->e, c, cl, r, rcap, rl);
	if (++m->n == m->flip_at && *rl > 4) {
		if (m->truncate)
			*rl = 3;
		else
			r[*rl - 5] ^= 0x01; /* inside the MAC */
	}
	return rc;
}

static void
test_chip_bad_mac_ends_session(void)
{
	struct t_passport p;
	t_passport_make(&p, NULL, false, 2000);
	tdv_emu_options eo;
	tdv_emu_options_default(&eo);
	eo.pace = false;
	for (int mode = 0; mode < 2; mode++) {
		struct mitm m = {.flip_at = 6, .truncate = mode == 1};
		t_emu(&p, &eo, &m.e);
		tdv_chip_transport *t = NULL;
		tdv_chip *c = NULL;
		tdv_chip_transport_new_callback(&t, mitm_card, &m, NULL, 0);
		tdv_chip_new(&c, t);
		tdv_lds *got = tdv_lds_new();
		tdv_chip_report rep;
		tdv_chip_read_options ro = {.mrz = &p.mrz};
		/* 1 CardAccess, 2 SELECT, 3 GET CHALLENGE, 4 MUTUAL AUTH,
		 * 5 EF.COM, 6 EF.SOD: corrupted */
		int rc = tdv_chip_read_document(c, &ro, got, &rep);
		CHECK_INT(rc, TDV_ECHIP_SM);
		CHECK(tdv_lds_has(got, TDV_EF_COM));
		CHECK(!tdv_lds_has(got, TDV_EF_SOD));
		/* the session is over: no more reading */
		tdv_buf b;
		tdv_buf_init(&b, TDV_CHIP_FILE_MAX);
		CHECK(tdv_chip_read_ef(c, 1, &b) != TDV_OK);
		CHECK_INT(tdv_chip_access_used(c), TDV_CHIP_ACCESS_NONE);
		tdv_buf_free(&b);
		tdv_lds_free(&got);
		tdv_chip_free(&c);
		tdv_chip_transport_free(&t);
		tdv_emu_free(&m.e);
	}
	t_passport_free(&p);
}

static void
test_chip_bac_wrong_lengths(void)
{
	/* GET CHALLENGE answered with 4 bytes: refused before any crypto */
	struct evil e = {0};
	(void)e;
	uint8_t kenc[16] = {0}, kmac[16] = {0}, ric[8] = {0}, rifd[8] = {0};
	uint8_t kifd[16] = {0}, ksenc[16], ksmac[16], ssc[8];
	uint8_t resp[41] = {0};
	CHECK_INT(tdv_bac_host_finish(kenc, kmac, ric, rifd, kifd, resp, 41, ksenc,
	    ksmac, ssc), TDV_ECHIP_AUTH);
	CHECK_INT(tdv_bac_host_finish(kenc, kmac, ric, rifd, kifd, resp, 0, ksenc,
	    ksmac, ssc), TDV_ECHIP_AUTH);
}

/* A card that answers from a list, whatever the command. */
struct replay {
	const char *const *resp;
	size_t n, i;
};

static int
replay_card(void *ctx, const uint8_t *c, size_t cl, uint8_t *r, size_t rcap,
    size_t *rl)
{
	struct replay *p = ctx;
	(void)c, (void)cl;
	if (p->i >= p->n)
		return TDV_ECHIP_NOCARD;
	const char *h = p->resp[p->i++];
	size_t n = 0;
	for (; h[0] && h[1] && n < rcap; h += 2) {
		int hi = h[0] <= '9' ? h[0] - '0' : h[0] - 'A' + 10;
		int lo = h[1] <= '9' ? h[1] - '0' : h[1] - 'A' + 10;
		r[n++] = (uint8_t)(hi * 16 + lo);
	}
	*rl = n;
	return TDV_OK;
}

static int
pace_against(const char *const *resp, size_t n)
{
	struct replay rp = {resp, n, 0};
	tdv_chip_transport *t = NULL;
	tdv_chip *c = NULL;
	tdv_chip_transport_new_callback(&t, replay_card, &rp, NULL, 0);
	tdv_chip_new(&c, t);
	tdv_chip_mrz_key k;
	tdv_chip_mrz_key_set(&k, "T22000129", "640812", "101031");
	tdv_chip_read_options o = {.mrz = &k};
	tdv_chip_report rep;
	tdv_lds *l = tdv_lds_new();
	int rc = tdv_chip_read_document(c, &o, l, &rep);
	CHECK(tdv_chip_access_used(c) == TDV_CHIP_ACCESS_NONE);
	/* every answer was consumed: the failure is where the script put it */
	CHECK_INT(rp.i, n);
	tdv_lds_free(&l);
	tdv_chip_free(&c);
	tdv_chip_transport_free(&t);
	return rc;
}

#define CARD_ACCESS "31143012060A04007F0007020204020202010202010D9000"
#define NONCE "7C12801095A3A016522EE98D01E76CB6B98B42C39000"
#define MAP_IC "7C43824104824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA6"    \
	       "01651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC637" \
	       "19363CCD13C549000"
#define EPH_IC "7C438441049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C" \
	       "1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B" \
	       "59A0193776F0949000"

static void
test_chip_pace_answers_out_of_sequence(void)
{
	/* (the ICAO G.1 chip answers, replayed to a terminal with random
	 * keys: the points are valid, the run cannot succeed) */
	/* no nonce in the first answer */
	const char *a[] = {CARD_ACCESS, "9000", "7C009000"};
	CHECK_INT(pace_against(a, 3), TDV_ECHIP_TRANSPORT);
	/* a nonce that is not a whole block */
	const char *b[] = {CARD_ACCESS, "9000", "7C0F800D0102030405060708090A0B0C0D9000"};
	CHECK_INT(pace_against(b, 3), TDV_ECHIP_TRANSPORT);
	/* the mapping answer where the nonce was expected */
	const char *c[] = {CARD_ACCESS, "9000", MAP_IC};
	CHECK_INT(pace_against(c, 3), TDV_ECHIP_TRANSPORT);
	/* a chip point off the curve */
	const char *d[] = {CARD_ACCESS, "9000", NONCE,
	    "7C43824104824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA6"
	    "01651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC637"
	    "19363CCD13C559000"};
	CHECK_INT(pace_against(d, 4), TDV_ECHIP_AUTH);
	/* the chip refuses our token: wrong password */
	const char *e[] = {CARD_ACCESS, "9000", NONCE, MAP_IC, EPH_IC, "6300"};
	CHECK_INT(pace_against(e, 6), TDV_ECHIP_AUTH);
	/* the chip's token is wrong */
	const char *f[] = {CARD_ACCESS, "9000", NONCE, MAP_IC, EPH_IC,
	    "7C0A86083ABB9674BCE93C089000"};
	CHECK_INT(pace_against(f, 6), TDV_ECHIP_AUTH);
	/* MSE:Set AT refused: not a password problem, so BAC is tried
	 * (here refused too) */
	const char *g[] = {CARD_ACCESS, "6A80", "9000", "6D00"};
	CHECK_INT(pace_against(g, 4), TDV_ECHIP_SW);
	/* the card goes away mid-protocol */
	const char *h[] = {CARD_ACCESS, "9000", NONCE};
	CHECK_INT(pace_against(h, 3), TDV_ECHIP_NOCARD);
	/* BAC: GET CHALLENGE with 4 bytes, MUTUAL AUTHENTICATE with 61xx */
	const char *i[] = {"6A82", "9000", "010203049000"};
	CHECK_INT(pace_against(i, 3), TDV_ECHIP_TRANSPORT);
	const char *j[] = {"6A82", "9000", "01020304050607089000", "6128"};
	CHECK_INT(pace_against(j, 4), TDV_ECHIP_SW);
	const char *k[] = {"6A82", "9000", "01020304050607089000", "6300"};
	CHECK_INT(pace_against(k, 4), TDV_ECHIP_AUTH);
}

int
main(void)
{
	RUN(test_chip_refuses_file_claiming_16mb);
	RUN(test_chip_rejects_more_than_asked);
	RUN(test_chip_card_that_stops_giving_data);
	RUN(test_chip_card_that_never_stops_answering);
	RUN(test_chip_status_words);
	RUN(test_chip_bad_mac_ends_session);
	RUN(test_chip_bac_wrong_lengths);
	RUN(test_chip_pace_answers_out_of_sequence);
	TEST_EXIT();
}
