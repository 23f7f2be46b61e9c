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

/* Greek upsilon (with or without accent or diaeresis-free forms). */
static bool
greek_upsilon(uint32_t cp)
{
	return cp == 0x03c5 || cp == 0x03a5 || cp == 0x03cd || cp == 0x038e;
}

/* Base Greek vowel letter that forms a digraph with upsilon, or 0. */
static char
greek_diphthong_base(uint32_t cp)
{
	switch (cp) {
	case 0x03bf: case 0x039f: case 0x03cc: case 0x038c: return 'O';
	case 0x03b1: case 0x0391: case 0x03ac: case 0x0386: return 'A';
	case 0x03b5: case 0x0395: case 0x03ad: case 0x0388: return 'E';
	case 0x03b7: case 0x0397: case 0x03ae: case 0x0389: return 'I';
	default: return 0;
	}
}

/* ELOT 743: αυ, ευ, ηυ are AF/EF/IF before a voiceless consonant or at
 * the end of a word, AV/EV/IV otherwise. */
static bool
greek_voiceless_or_end(const char *s, size_t n)
{
	uint32_t cp;
	if (n == 0 || tdv_utf8_decode(s, n, &cp) < 0)
		return true;
	if (cp >= 0x0391 && cp <= 0x03a9)
		cp += 0x20; /* capital to small letter */
	switch (cp) {
	case 0x03b8: case 0x03ba: case 0x03be: case 0x03c0: case 0x03c3:
	case 0x03c4: case 0x03c6: case 0x03c7: case 0x03c8:
		return true;
	}
	return cp == ' ' || cp == '-' || cp == 0x03c2;
}

/*
 * Greek digraphs the single-letter table cannot express (ELOT 743, as
 * applied on Greek passports): ου -> OU, αυ/ευ/ηυ -> AV/EV/IV or AF/EF/IF.
 * Returns bytes consumed (0: not a digraph) and the replacement in rep.
 */
static size_t
greek_digraph(uint32_t cp, const char *next, size_t n, char rep[3])
{
	char base = greek_diphthong_base(cp);
	uint32_t up;
	if (base == 0)
		return 0;
	int l = tdv_utf8_decode(next, n, &up);
	if (l < 0 || !greek_upsilon(up))
		return 0;
	rep[0] = base;
	if (base == 'O')
		rep[1] = 'U';
	else
		rep[1] = greek_voiceless_or_end(next + l, n - (size_t)l) ? 'F' : 'V';
	rep[2] = '\0';
	return (size_t)l;
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
		char one[3] = {0, 0, 0};
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
		} else if (cp >= 0x0386 && cp <= 0x03ce &&
		    greek_digraph(cp, utf8 + i, len - i, one) > 0) {
			i += greek_digraph(cp, utf8 + i, len - i, one);
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
