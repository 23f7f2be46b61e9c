/*
 * Fuzz name romanisation and matching: the input is two names separated
 * by the first newline (or one name compared with itself); all three
 * Cyrillic systems are run over the first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/screen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	const char *s = (const char *)data;
	const char *nl = memchr(s, '\n', size);
	size_t alen = nl ? (size_t)(nl - s) : size;
	const char *b = nl ? nl + 1 : s;
	size_t blen = nl ? size - alen - 1 : size;
	static tdv_name_result res;
	(void)tdv_names_compare(s, alen, b, blen, 0, &res);
	if (res.score < 0 || res.score > 1)
		abort();
	static const char *const sys[] = {"icao", "bgn", "iso9"};
	char out[512];
	for (size_t i = 0; i < 3; i++)
		(void)tdv_name_romanise(s, alen, sys[i], out, sizeof(out));
	tdv_buf buf;
	tdv_buf_init(&buf, 1 << 16);
	tdv_json j;
	tdv_json_init(&j, &buf);
	tdv_name_result_to_json(&res, &j);
	tdv_buf_free(&buf);
	return 0;
}
