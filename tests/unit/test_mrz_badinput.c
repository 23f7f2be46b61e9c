/*
 * Hostile and malformed input to the MRZ parser and corrector: each gets a
 * specific error, never a crash, an over-read (run under ASan) or a guess.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/mrz.h"
#include "tdv_test.h"

static const tdv_date today = {2026, 11, 23};

static void
test_mrz_rejects_empty_input(void)
{
	tdv_mrz m;
	CHECK_INT(tdv_mrz_parse_text("", 0, &today, &m), TDV_EMRZ_FORMAT);
	CHECK(!m.valid);
	CHECK(m.nerrors == 1);
	CHECK_INT(tdv_mrz_parse(NULL, NULL, 0, &today, &m), TDV_EMRZ_FORMAT);
	CHECK_INT(tdv_mrz_parse_text("\n\n", 2, &today, &m), TDV_EMRZ_FORMAT);
	CHECK_INT(tdv_mrz_parse_text(NULL, 1, &today, &m), TDV_EINVAL);
}

static void
test_mrz_rejects_megabyte_line(void)
{
	size_t n = 1u << 20;
	char *big = malloc(n);
	CHECK(big != NULL);
	if (big == NULL)
		return;
	memset(big, 'A', n);
	tdv_mrz m;
	CHECK_INT(tdv_mrz_parse_text(big, n, &today, &m), TDV_EMRZ_FORMAT);
	CHECK(strstr(m.errors[0].message, "1048576") != NULL);
	const char *ptrs[2] = {big, big};
	size_t lens[2] = {n, 44};
	CHECK_INT(tdv_mrz_correct(ptrs, lens, 2, &today, &m), TDV_EMRZ_FORMAT);
	free(big);
}

static void
test_mrz_rejects_non_ascii_and_controls(void)
{
	tdv_mrz m;
	const char *l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
	char l2[45];
	memcpy(l2, "L898902C36UTO7408122F1204159ZE184226B<<<<<10", 45);
	l2[3] = (char)0xc3;
	const char *ptrs[2] = {l1, l2};
	size_t lens[2] = {44, 44};
	CHECK_INT(tdv_mrz_parse(ptrs, lens, 2, &today, &m), TDV_EMRZ_CHARSET);
	CHECK(strstr(m.errors[0].message, "0xC3") != NULL);
	l2[3] = '\0'; /* embedded NUL: length says 44 */
	CHECK_INT(tdv_mrz_parse(ptrs, lens, 2, &today, &m), TDV_EMRZ_CHARSET);
	l2[3] = '\t';
	CHECK(tdv_mrz_correct(ptrs, lens, 2, &today, &m) != TDV_OK);
}

static void
test_mrz_rejects_too_many_lines(void)
{
	tdv_mrz m;
	const char *t = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|"
			"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	CHECK_INT(tdv_mrz_parse_text(t, strlen(t), &today, &m), TDV_EMRZ_FORMAT);
}

static void
test_mrz_all_fillers_and_all_digits(void)
{
	tdv_mrz m;
	char a[45], b[45];
	memset(a, '<', 44);
	memset(b, '<', 44);
	a[44] = b[44] = '\0';
	const char *ptrs[2] = {a, b};
	size_t lens[2] = {44, 44};
	CHECK(tdv_mrz_parse(ptrs, lens, 2, &today, &m) != TDV_OK);
	CHECK(!m.valid);
	memset(a, '9', 44);
	memset(b, '9', 44);
	CHECK(tdv_mrz_parse(ptrs, lens, 2, &today, &m) != TDV_OK);
	CHECK(tdv_mrz_correct(ptrs, lens, 2, &today, &m) != TDV_OK);
}

/* Random documents of MRZ characters and random bytes: no crash, every
 * error has a message, corrections never exceed their array. */
static void
test_mrz_random_garbage_is_handled(void)
{
	uint64_t s = 42;
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<<<<<";
	int shapes[][3] = {{30, 30, 30}, {36, 36, 0}, {44, 44, 0}, {44, 43, 0}};
	for (int it = 0; it < 20000; it++) {
		char l[3][64];
		int *shape = shapes[it % 4];
		int n = shape[2] ? 3 : 2;
		const char *ptrs[3];
		size_t lens[3];
		for (int i = 0; i < n; i++) {
			for (int j = 0; j < shape[i]; j++) {
				s ^= s << 13, s ^= s >> 7, s ^= s << 17;
				l[i][j] = (it & 8) ? (char)(s & 0xff)
						   : set[s % (sizeof(set) - 1)];
			}
			ptrs[i] = l[i];
			lens[i] = (size_t)shape[i];
		}
		if (it % 3 == 0)
			l[0][0] = "PIV"[it % 3 == 0 ? (it / 3) % 3 : 0];
		tdv_mrz m;
		int rc = (it & 1) ? tdv_mrz_correct(ptrs, lens, n, &today, &m)
				  : tdv_mrz_parse(ptrs, lens, n, &today, &m);
		CHECK((rc == TDV_OK) == m.valid);
		CHECK(m.ncorrections <= TDV_MRZ_MAX_CORRECTIONS);
		for (int e = 0; e < m.nerrors; e++)
			CHECK(m.errors[e].message[0] != '\0');
		if (rc == TDV_OK && (it & 1) == 0)
			CHECK(m.nerrors == 0);
	}
}

int
main(void)
{
	RUN(test_mrz_rejects_empty_input);
	RUN(test_mrz_rejects_megabyte_line);
	RUN(test_mrz_rejects_non_ascii_and_controls);
	RUN(test_mrz_rejects_too_many_lines);
	RUN(test_mrz_all_fillers_and_all_digits);
	RUN(test_mrz_random_garbage_is_handled);
	TEST_EXIT();
}
