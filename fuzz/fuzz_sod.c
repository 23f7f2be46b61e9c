/*
 * libFuzzer target for EF.SOD: the structural parser (src/lds/sod.c) and
 * Passive Authentication over it (OpenSSL CMS decoding and verification,
 * certificate handling, hash comparison) with a small LDS and an empty
 * trust store; the same CMS also as EF.CardSecurity (check card_security).
 *
 * Run: build-fuzz-pa/fuzz/fuzz_sod -max_total_time=600 fuzz/corpus/sod
 * Crashes become tests: copy the input to tests/data/regress/sod/.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/lds.h"
#include "tdv/pa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t dg1[] = {0x61, 0x5B, 0x5F, 0x1F, 0x58,
	    'P', '<', 'U', 'T', 'O', 'E', 'R', 'I', 'K', 'S', 'S', 'O', 'N',
	    '<', '<', 'A', 'N', 'N', 'A', '<', 'M', 'A', 'R', 'I', 'A', '<',
	    '<', '<', '<', '<', '<', '<', '<', '<', '<', '<', '<', '<', '<',
	    '<', '<', '<', '<', '<', 'L', '8', '9', '8', '9', '0', '2', 'C',
	    '3', '6', 'U', 'T', 'O', '7', '4', '0', '8', '1', '2', '2', 'F',
	    '1', '2', '0', '4', '1', '5', '9', 'Z', 'E', '1', '8', '4', '2',
	    '2', '6', 'B', '<', '<', '<', '<', '<', '1', '0'};
	tdv_sod s;
	(void)tdv_lds_parse_sod(data, size, &s);

	tdv_lds *lds = tdv_lds_new();
	tdv_trust *trust = tdv_trust_new();
	if (lds != NULL && trust != NULL &&
	    tdv_lds_set(lds, TDV_EF_SOD, data, size) == TDV_OK &&
	    tdv_lds_set(lds, TDV_EF_DG1, dg1, sizeof(dg1)) == TDV_OK) {
		/* the same CMS as EF.CardSecurity (no tag 77 there): the
		 * card_security check parses and verifies it too */
		tdv_tlv t;
		if (tdv_tlv_read(data, size, 0, &t) == TDV_OK && t.tag == 0x77)
			(void)tdv_lds_set(lds, TDV_EF_CARDSECURITY, t.value, t.len);
		else
			(void)tdv_lds_set(lds, TDV_EF_CARDSECURITY, data, size);
		tdv_pa_options o;
		tdv_pa_result r;
		memset(&o, 0, sizeof(o));
		o.today = (tdv_date){2026, 1, 1};
		(void)tdv_pa_verify(trust, lds, &o, &r);
		/* and as a CSCA master list */
		(void)tdv_trust_add_masterlist(trust, data, size, NULL);
	}
	tdv_trust_free(&trust);
	tdv_lds_free(&lds);
	return 0;
}
