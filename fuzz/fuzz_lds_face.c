/*
 * libFuzzer target for the DG2 face record parsers (src/lds/dg2.c):
 * ISO/IEC 39794-5 (DER FaceImageDataBlock) and ISO/IEC 19794-5 "FAC"
 * records of versions 010 (2005) and 030 (2011). The input is the
 * biometric data block itself; it is parsed inside a DG2 envelope as a
 * 7F2E block and as a 5F2E block (so mutations reach the record parsers
 * without having to keep the envelope's lengths right), and as a whole
 * DG2 file too.
 *
 * Run: build-fuzz-pa/fuzz/fuzz_lds_face -max_total_time=600 fuzz/corpus/lds_face
 * Crashes become tests: copy the input to tests/data/regress/lds_face/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/lds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tag, length in the 4-byte long form (0x84), so sizes add up simply */
static size_t
hdr(uint8_t *p, uint32_t tag, size_t len)
{
	size_t n = 0;
	if (tag > 0xFF)
		p[n++] = (uint8_t)(tag >> 8);
	p[n++] = (uint8_t)tag;
	p[n++] = 0x84;
	for (int i = 3; i >= 0; i--)
		p[n++] = (uint8_t)(len >> (8 * i));
	return n;
}

static void
parse_in_envelope(const uint8_t *data, size_t size, uint32_t bdbtag)
{
	/* 75 { 7F61 { 02 01 01, 7F60 { bdbtag { data } } } } */
	size_t bdb = 7 + size, bit = 7 + bdb, grp = 3 + 7 + bit, dg = 7 + grp;
	uint8_t *p = malloc(dg);
	if (p == NULL)
		return;
	size_t n = 0;
	n += hdr(p + n, 0x75, grp);
	n += hdr(p + n, 0x7F61, 3 + 7 + bit);
	p[n++] = 0x02;
	p[n++] = 0x01;
	p[n++] = 0x01;
	n += hdr(p + n, 0x7F60, bdb);
	n += hdr(p + n, bdbtag, size);
	if (size > 0)
		memcpy(p + n, data, size);
	n += size;
	static tdv_lds_dg2 d; /* large: off the fuzzer's stack */
	if (tdv_lds_parse_dg2(p, n, &d) == TDV_OK)
		for (int i = 0; i < d.nfaces; i++) {
			const tdv_lds_face *f = &d.faces[i];
			/* the image must lie inside the input */
			if (f->image != NULL && (f->image < p || f->image + f->image_len > p + n))
				abort();
			(void)tdv_lds_image_detect(f->image, f->image_len);
		}
	free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tdv_lds_dg2 d;
	if (size > (1u << 20))
		return 0;
	parse_in_envelope(data, size, 0x7F2E);
	parse_in_envelope(data, size, 0x5F2E);
	(void)tdv_lds_parse_dg2(data, size, &d);
	return 0;
}
