/*
 * libFuzzer target for the MRZ parser and corrector.
 *
 * Input: arbitrary bytes, split into lines at '\n' or '|' like the CLI.
 * Both tdv_mrz_parse_text() and tdv_mrz_correct() run on every input; the
 * first byte also picks "today" so the century rules are exercised.
 *
 * Run:  make fuzz && build-fuzz/fuzz/fuzz_mrz -max_total_time=600 \
 *           fuzz/corpus/mrz
 * Crashes become tests: copy the input to tests/data/regress/mrz/.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tdv/json.h"
#include "tdv/mrz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tdv_date today = {2000 + (size ? data[0] % 60 : 0), 1 + (size > 1 ? data[1] % 12 : 0), 28};
	tdv_mrz m;
	tdv_mrz_parse_text((const char *)data, size, &today, &m);

	const char *ptrs[3];
	size_t lens[3];
	int n = 0;
	size_t start = 0;
	for (size_t i = 0; i <= size && n < 3; i++)
		if (i == size || data[i] == '\n' || data[i] == '|') {
			ptrs[n] = (const char *)data + start;
			lens[n] = i - start;
			n++;
			start = i + 1;
		}
	tdv_mrz_correct(ptrs, lens, n, &today, &m);

	tdv_buf b;
	tdv_json j;
	tdv_buf_init(&b, 1 << 16);
	tdv_json_init(&j, &b);
	tdv_mrz_to_json(&m, &j);
	tdv_mrz_report(&m, &b);
	tdv_buf_free(&b);

	/* transliteration of the raw bytes as a name */
	char out[128];
	tdv_mrz_transliterate((const char *)data, size, out, sizeof(out));
	return 0;
}
