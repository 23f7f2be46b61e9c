/*
 * Fuzz the host's handling of card responses (and the card's handling of
 * commands): the input is a script of responses for a hostile card.
 *
 *   byte 0 selects: 0 read one EF in the clear, 1 a whole document read
 *   (access control, EF.COM, ...), 2 raw APDU parsers, 3 the virtual
 *   chip's command interpreter (tdv_emu_process) with the rest as
 *   length-prefixed commands.
 *   then: [len hi][len lo][response bytes] ... consumed one per APDU.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tdv/chip.h"
#include "tdv/emu.h"
#include "tdv/error.h"

struct script {
	const uint8_t *p;
	size_t n, off;
};

static int
scripted(void *ctx, const uint8_t *c, size_t cl, uint8_t *r, size_t rcap,
    size_t *rl)
{
	struct script *s = ctx;
	(void)c;
	(void)cl;
	if (s->off + 2 > s->n)
		return TDV_ECHIP_NOCARD; /* card gone */
	size_t len = ((size_t)s->p[s->off] << 8) | s->p[s->off + 1];
	s->off += 2;
	if (len > s->n - s->off)
		len = s->n - s->off;
	if (len > rcap)
		len = rcap;
	memcpy(r, s->p + s->off, len);
	s->off += len;
	*rl = len;
	return TDV_OK;
}

static tdv_emu *emu;

static void
make_emu(void)
{
	/* a small chip: EF.COM, DG1, CardAccess */
	static const uint8_t com[] = {0x60, 0x0A, 0x5F, 0x01, 0x04, '0', '1', '0',
	    '7', 0x5C, 0x01, 0x61};
	static const uint8_t dg1[] = {0x61, 0x05, 0x5F, 0x1F, 0x02, 'P', '<'};
	static const uint8_t ca[] = {0x31, 0x14, 0x30, 0x12, 0x06, 0x0A, 0x04, 0x00,
	    0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02, 0x02, 0x01, 0x02, 0x02,
	    0x01, 0x0D};
	tdv_lds *l = tdv_lds_new();
	tdv_lds_set(l, TDV_EF_COM, com, sizeof(com));
	tdv_lds_set(l, TDV_EF_DG1, dg1, sizeof(dg1));
	tdv_lds_set(l, TDV_EF_CARDACCESS, ca, sizeof(ca));
	tdv_chip_mrz_key k;
	tdv_chip_mrz_key_set(&k, "L898902C", "690806", "940623");
	tdv_emu_new(&emu, l, &k, NULL, 0, NULL, 0, NULL);
	tdv_lds_free(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0] & 3;
	struct script s = {.p = data + 1, .n = size - 1};
	if (mode == 2) {
		tdv_apdu a;
		size_t dl;
		uint16_t sw;
		(void)tdv_apdu_parse_command(s.p, s.n, &a);
		(void)tdv_apdu_parse_response(s.p, s.n, &dl, &sw);
		if (tdv_apdu_parse_command(s.p, s.n, &a) == TDV_OK) {
			uint8_t out[TDV_APDU_MAX];
			size_t ol;
			if (tdv_apdu_encode(&a, out, sizeof(out), &ol) == TDV_OK &&
			    ol != s.n && !a.extended)
				abort(); /* short APDUs round-trip exactly */
		}
		return 0;
	}
	if (mode == 3) {
		if (emu == NULL)
			make_emu();
		static uint8_t r[TDV_APDU_MAX];
		tdv_emu_reset(emu);
		while (s.off + 2 <= s.n) {
			size_t len = ((size_t)s.p[s.off] << 8) | s.p[s.off + 1];
			s.off += 2;
			if (len > s.n - s.off)
				len = s.n - s.off;
			size_t rl = 0;
			(void)tdv_emu_process(emu, s.p + s.off, len, r, sizeof(r), &rl);
			if (rl < 2 || rl > sizeof(r))
				abort(); /* always a status word */
			s.off += len;
		}
		return 0;
	}
	tdv_chip_transport *t = NULL;
	tdv_chip *c = NULL;
	if (tdv_chip_transport_new_callback(&t, scripted, &s, NULL, 0) != TDV_OK)
		return 0;
	tdv_chip_transport_set_budget(t, 64);
	if (tdv_chip_new(&c, t) == TDV_OK) {
		tdv_buf b;
		tdv_buf_init(&b, TDV_CHIP_FILE_MAX);
		if (mode == 0) {
			(void)tdv_chip_read_ef(c, 1, &b);
		} else {
			tdv_chip_mrz_key k;
			tdv_chip_mrz_key_set(&k, "L898902C", "690806", "940623");
			tdv_chip_read_options o = {.mrz = &k};
			tdv_chip_report rep;
			tdv_lds *l = tdv_lds_new();
			(void)tdv_chip_read_document(c, &o, l, &rep);
			tdv_lds_free(&l);
		}
		tdv_buf_free(&b);
	}
	tdv_chip_free(&c);
	tdv_chip_transport_free(&t);
	return 0;
}
