/*
 * libFuzzer target for the bounded DER/BER-TLV reader (src/lds/der.c):
 * whole-tree validation with the depth limit, a cursor walk over the top
 * level and one level down, OID and INTEGER decoding of what it finds.
 *
 * Run: build-fuzz-pa/fuzz/fuzz_der -max_total_time=600 fuzz/corpus/der
 * Crashes become tests: copy the input to tests/data/regress/der/.
 */
#include <stddef.h>
#include <stdint.h>

#include "tdv/error.h"
#include "tdv/lds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
visit(const tdv_tlv *t)
{
	char oid[64];
	long v;
	if (t->tag == 0x06)
		(void)tdv_der_oid_text(t->value, t->len, oid, sizeof(oid));
	else if (t->tag == 0x02)
		(void)tdv_der_small_int(t, &v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	bool nc = false;
	(void)tdv_der_validate(data, size, 0, TDV_DER_MAX_DEPTH, &n, &nc);
	(void)tdv_der_validate(data, size, TDV_DER_STRICT, 8, &n, &nc);

	tdv_der top;
	tdv_tlv t, c;
	tdv_der_init(&top, data, size, 0);
	int guard = 0;
	while (tdv_der_next(&top, &t) == TDV_OK && guard++ < 4096) {
		visit(&t);
		if (!t.constructed)
			continue;
		tdv_der in;
		tdv_der_enter(&in, &t, 0);
		while (tdv_der_next(&in, &c) == TDV_OK)
			visit(&c);
	}
	(void)tdv_der_find(data, size, 0x5F1F, &t);
	return 0;
}
