/*
 * ICAO 9303-3 §4.9 check digits and §5 country codes.
 *
 * Check digit: each character's value (0-9, A=10..Z=35, filler 0) times
 * the repeating weights 7, 3, 1, summed, modulo 10.
 */
#include <stdlib.h>
#include <string.h>

#include "mrz/mrz_int.h"
#include "mrz/tables.h"
#include "tdv/error.h"

int
tdv__check_digit(const char *s, size_t n)
{
	static const int w[3] = {7, 3, 1};
	int sum = 0;
	for (size_t i = 0; i < n; i++) {
		int v = tdv__char_value(s[i]);
		if (v < 0)
			return -1;
		sum += v * w[i % 3];
	}
	return sum % 10;
}

int
tdv_mrz_check_digit(const char *s, size_t n)
{
	if (s == NULL)
		return TDV_EINVAL;
	int d = tdv__check_digit(s, n);
	return d < 0 ? TDV_EMRZ_CHARSET : d;
}

static int
cmp_code(const void *a, const void *b)
{
	return memcmp(a, b, 3);
}

bool
tdv_mrz_country_known(const char *code)
{
	if (code == NULL)
		return false;
	char key[4] = {'<', '<', '<', '\0'};
	size_t n = strlen(code);
	if (n == 0 || n > 3)
		return false;
	memcpy(key, code, n);
	return bsearch(key, tdv__country_codes, tdv__country_ncodes,
	    sizeof(tdv__country_codes[0]), cmp_code) != NULL;
}

const char *
tdv_mrz_format_name(tdv_mrz_format f)
{
	switch (f) {
	case TDV_MRZ_TD1: return "TD1";
	case TDV_MRZ_TD2: return "TD2";
	case TDV_MRZ_TD3: return "TD3";
	case TDV_MRZ_MRVA: return "MRVA";
	case TDV_MRZ_MRVB: return "MRVB";
	case TDV_MRZ_FRA_ID: return "FRA_ID";
	case TDV_MRZ_UNKNOWN: break;
	}
	return "UNKNOWN";
}
