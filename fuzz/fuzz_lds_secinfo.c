/*
 * libFuzzer target for SecurityInfos (ICAO 9303-11 §9.2): EF.CardAccess
 * (SET OF SecurityInfo), DG14 (tag 6E) and EF.CardSecurity (CMS
 * SignedData around them), the input the chip reader trusts for PACE and
 * Chip Authentication parameters.
 *
 * Run: build-fuzz-pa/fuzz/fuzz_lds_secinfo -max_total_time=600 fuzz/corpus/lds_secinfo
 * Crashes become tests: copy the input to tests/data/regress/lds_secinfo/.
 */
#include <stddef.h>
#include <stdint.h>

#include "tdv/error.h"
#include "tdv/lds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tdv_secinfos s; /* large: keep it off the fuzzer's stack */
	if (tdv_lds_parse_secinfos(data, size, &s) == TDV_OK)
		(void)tdv_secinfos_find(&s, TDV_SECINFO_PACE);
	if (tdv_lds_parse_dg14(data, size, &s) == TDV_OK)
		(void)tdv_secinfos_find(&s, TDV_SECINFO_CA_PUBKEY);
	(void)tdv_lds_parse_cardsecurity(data, size, &s);
	return 0;
}
