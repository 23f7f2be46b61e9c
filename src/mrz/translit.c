/*
 * Names from UTF-8 to MRZ characters, ICAO Doc 9303 Part 3 §6.
 *
 * ASCII letters are upper-cased; spaces and hyphens become fillers
 * (9303-3 §4.6 "punctuation and spaces"); apostrophes and other
 * punctuation are dropped; letters of other scripts go through the tables
 * in data/translit/ (generated into tdv__translit_rows). Combining marks
 * (decomposed accents) are dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "mrz/tables.h"
#include "tdv/error.h"
#include "tdv/mrz.h"
#include "tdv/utf8.h"

static const char *
lookup(uint32_t cp)
{
	size_t lo = 0, hi = tdv__translit_nrows;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t v = tdv__translit_rows[mid].cp;
		if (v == cp)
			return tdv__translit_rows[mid].rep;
		if (v < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool
is_separator(uint32_t cp)
{
	return cp == ' ' || cp == '-' || cp == '\t' || cp == 0x00a0 ||
	    cp == 0x2010 || cp == 0x2011 || cp == 0x2013 || cp == '<' ||
	    cp == ',' || cp == 0x3000;
}

static bool
is_dropped(uint32_t cp)
{
	return cp == '\'' || cp == '.' || cp == 0x2019 || cp == 0x2018 ||
	    cp == 0x02bc || cp == 0x02bb || cp == '`' || cp == 0x00b4 ||
	    (cp >= 0x0300 && cp <= 0x036f) || /* combining diacritics */
	    cp == 0x200c || cp == 0x200d || cp == 0x0640; /* ZWNJ, ZWJ, tatweel */
}

int
tdv_mrz_transliterate(const char *utf8, size_t len, char *out, size_t outsz)
{
	if (utf8 == NULL || out == NULL || outsz == 0)
		return TDV_EINVAL;
	size_t o = 0;
	bool pending_sep = false;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		int l = tdv_utf8_decode(utf8 + i, len - i, &cp);
		if (l < 0) {
			out[0] = '\0';
			return TDV_EUTF8;
		}
		i += (size_t)l;
		const char *rep;
		char one[2] = {0, 0};
		if (is_separator(cp)) {
			pending_sep = o > 0;
			continue;
		}
		if (is_dropped(cp))
			continue;
		if (cp >= 'a' && cp <= 'z') {
			one[0] = (char)(cp - 'a' + 'A');
			rep = one;
		} else if (cp >= 'A' && cp <= 'Z') {
			one[0] = (char)cp;
			rep = one;
		} else if ((rep = lookup(cp)) == NULL) {
			out[o] = '\0';
			return TDV_EMRZ_FIELD;
		}
		size_t rl = strlen(rep);
		if (rl == 0)
			continue;
		if (o + (pending_sep ? 1 : 0) + rl >= outsz) {
			out[o] = '\0';
			return TDV_ELIMIT;
		}
		if (pending_sep)
			out[o++] = '<';
		pending_sep = false;
		memcpy(out + o, rep, rl);
		o += rl;
	}
	out[o] = '\0';
	return TDV_OK;
}
