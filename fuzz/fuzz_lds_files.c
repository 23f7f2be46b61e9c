/*
 * libFuzzer target for the LDS elementary-file parsers (src/lds/):
 * EF.COM, DG1 (and the MRZ engine behind it), DG2 (19794-5 / 39794-5),
 * DG7, DG11, DG12, DG13/DG16 raw, DG15 (OpenSSL d2i_PUBKEY). Each parser
 * checks the outer tag itself, so every input goes to all of them; the
 * container and the JSON dump run on it too.
 *
 * Run: build-fuzz-pa/fuzz/fuzz_lds_files -max_total_time=600 fuzz/corpus/lds_files
 * Crashes become tests: copy the input to tests/data/regress/lds_files/.
 */
#include <stddef.h>
#include <stdint.h>

#include "tdv/error.h"
#include "tdv/lds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tdv_date today = {2026, 1, 1};
	tdv_lds_com com;
	tdv_lds_dg1 dg1;
	tdv_lds_dg2 dg2;
	tdv_lds_dg7 dg7;
	tdv_lds_dg11 dg11;
	tdv_lds_dg12 dg12;
	tdv_lds_dg15 dg15;
	const uint8_t *v;
	size_t vl;
	(void)tdv_lds_parse_com(data, size, &com);
	(void)tdv_lds_parse_dg1(data, size, &today, &dg1);
	if (tdv_lds_parse_dg2(data, size, &dg2) == TDV_OK)
		for (int i = 0; i < dg2.nfaces; i++)
			(void)tdv_lds_image_detect(dg2.faces[i].image,
			    dg2.faces[i].image_len);
	(void)tdv_lds_parse_dg7(data, size, &dg7);
	(void)tdv_lds_parse_dg11(data, size, &dg11);
	(void)tdv_lds_parse_dg12(data, size, &dg12);
	(void)tdv_lds_parse_dg15(data, size, &dg15);
	(void)tdv_lds_parse_raw_dg(data, size, 0x6D, &v, &vl);

	/* the JSON dump of the same bytes stored as the file its tag names */
	if (size > 0) {
		int dg = tdv_lds_dg_from_tag(data[0]);
		int ef = data[0] == 0x60 ? TDV_EF_COM : data[0] == 0x77 ?
		    TDV_EF_SOD : dg;
		tdv_lds *lds = tdv_lds_new();
		if (lds != NULL && ef > 0 &&
		    tdv_lds_set(lds, ef, data, size) == TDV_OK) {
			tdv_buf b;
			tdv_json j;
			tdv_buf_init(&b, 1u << 20);
			tdv_json_init(&j, &b);
			(void)tdv_lds_to_json(lds, &today, &j);
			tdv_buf_free(&b);
		}
		tdv_lds_free(&lds);
	}
	return 0;
}
