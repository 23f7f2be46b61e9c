/*
 * Romanisation of names to Latin tokens for matching.
 *
 * Latin (with diacritics), Greek and ICAO Cyrillic go through the MRZ
 * engine's ICAO 9303-3 §6 tables (tdv_mrz_transliterate). BGN/PCGN and
 * ISO 9 Cyrillic, Arabic (BGN/PCGN 1956), Thai (RTGS), Lao (BGN/PCGN
 * 1966), Devanagari (Hunterian) and the supported Han characters (Hanyu
 * Pinyin) use the tables in data/screen/ (generated into
 * screen_tables.c) and the syllable rules below. A character no table
 * knows is an error (TDV_EUNSUPPORTED), never a guess.
 */
#include <stdio.h>
#include <string.h>

#include "screen/names_int.h"
#include "screen/tables.h"
#include "tdv/error.h"
#include "tdv/mrz.h"
#include "tdv/utf8.h"

#define RUN_MAX 256 /* code points in one run of one script */

static const struct tdv__screen_row *
row_of(uint32_t cp)
{
	size_t lo = 0, hi = tdv__screen_nrows;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tdv__screen_rows[mid].cp == cp)
			return &tdv__screen_rows[mid];
		if (tdv__screen_rows[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Output state: tokens being built. */
struct out {
	struct tdv__tok *toks;
	int ntok;
	int cur_len; /* -1: no open token */
	char cur_script;
	int err;
	bool in_surname;
};

static void
tok_break(struct out *o)
{
	if (o->cur_len > 0) {
		struct tdv__tok *t = &o->toks[o->ntok];
		t->s[o->cur_len] = '\0';
		t->len = (uint8_t)o->cur_len;
		t->script = o->cur_script ? o->cur_script : 'l';
		t->surname = o->in_surname;
		o->ntok++;
	}
	o->cur_len = -1;
	o->cur_script = 0;
}

static void
put(struct out *o, const char *latin, char script)
{
	for (const char *p = latin; *p != '\0' && o->err == TDV_OK; p++) {
		char ch = *p;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch == '<' || ch == ' ') {
			tok_break(o);
			continue;
		}
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
			continue;
		if (o->cur_len < 0) {
			if (o->ntok >= TDV_NAME_MAX_TOKENS) {
				o->err = TDV_ELIMIT;
				return;
			}
			memset(&o->toks[o->ntok], 0, sizeof(o->toks[o->ntok]));
			o->cur_len = 0;
		}
		if (o->cur_len >= TDV_NAME_TOKEN_MAX) {
			o->err = TDV_ELIMIT;
			return;
		}
		if (o->cur_script == 0 || o->cur_script == 'l')
			o->cur_script = script;
		o->toks[o->ntok].s[o->cur_len++] = ch;
	}
}

/* Drop the last n characters of the open token (schwa deletion). */
static void
unput(struct out *o, int n)
{
	if (o->cur_len >= n)
		o->cur_len -= n;
}

static bool
is_separator(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '<' || cp == '-' || cp == ',' ||
	    cp == '/' || cp == '.' || cp == ';' || cp == ':' || cp == '(' ||
	    cp == ')' || cp == 0x00a0 || cp == 0x2010 || cp == 0x2011 ||
	    cp == 0x2013 || cp == 0x2014 || cp == 0x3000 || cp == 0x00b7 ||
	    cp == 0x30fb || cp == 0x2027 || cp == 0x060c || cp == '_';
}

static bool
is_dropped(uint32_t cp)
{
	return cp == '\'' || cp == '`' || cp == '"' || cp == 0x00b4 ||
	    cp == 0x2018 || cp == 0x2019 || cp == 0x201c || cp == 0x201d ||
	    cp == 0x02b9 || cp == 0x02ba || cp == 0x02bb || cp == 0x02bc ||
	    cp == 0x02be || cp == 0x02bf || (cp >= 0x0300 && cp <= 0x036f) ||
	    cp == 0x200b || cp == 0x200c || cp == 0x200d || cp == 0xfeff ||
	    cp == 0x0640;
}

/* --- Cyrillic -------------------------------------------------------- */

static bool
cyr_vowel_or_sign(uint32_t cp)
{
	static const uint32_t v[] = {0x0430, 0x0435, 0x0451, 0x0438, 0x043e,
	    0x0443, 0x044b, 0x044d, 0x044e, 0x044f, 0x0439, 0x044a, 0x044c,
	    0x0454, 0x0456, 0x0457};
	if (cp >= 0x0410 && cp <= 0x042f)
		cp += 0x20;
	else if (cp >= 0x0400 && cp <= 0x040f)
		cp += 0x50;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i] == cp)
			return true;
	return false;
}

static void
cyrillic_run(struct out *o, const uint32_t *cp, size_t n, int system)
{
	for (size_t i = 0; i < n; i++) {
		const struct tdv__screen_row *r = row_of(cp[i]);
		if (r == NULL || r->script != 'c') {
			o->err = TDV_EUNSUPPORTED;
			return;
		}
		if (system == TDV__SYS_ISO9) {
			put(o, r->v2, 'c');
		} else if (system == TDV__SYS_BGN) {
			uint32_t c = cp[i];
			bool e = c == 0x0415 || c == 0x0435 || c == 0x0401 || c == 0x0451;
			if (e) /* BGN/PCGN: YE initially and after vowels, Й, Ъ, Ь */
				put(o, i == 0 || cyr_vowel_or_sign(cp[i - 1]) ? "YE" : "E", 'c');
			else
				put(o, r->v1, 'c');
		} else {
			char u[5], lat[16];
			int l = tdv_utf8_encode(cp[i], u);
			if (l < 0 || tdv_mrz_transliterate(u, (size_t)l, lat, sizeof(lat)) != TDV_OK) {
				o->err = TDV_EUNSUPPORTED;
				return;
			}
			put(o, lat, 'c');
		}
	}
}

/* --- Arabic ------------------------------------------------------------ */

static void
arabic_run(struct out *o, const uint32_t *cp, size_t n)
{
	size_t start = 0;
	/* The article al- (ال) written joined to the name is a word of its
	 * own in every romanisation (AL RASHID, AL-RASHID, EL RACHID). */
	if (n >= 4 && cp[0] == 0x0627 && cp[1] == 0x0644) {
		put(o, "AL", 'a');
		tok_break(o);
		start = 2;
	}
	for (size_t i = start; i < n; i++) {
		const struct tdv__screen_row *r = row_of(cp[i]);
		if (r == NULL || r->script != 'a') {
			o->err = TDV_EUNSUPPORTED;
			return;
		}
		switch (r->kind) {
		case 'C': case 'V': case 'H':
			put(o, r->v1, 'a');
			break;
		case 'W': case 'Y': {
			const struct tdv__screen_row *nx = i + 1 < n ? row_of(cp[i + 1]) : NULL;
			bool consonant = i == start || (nx != NULL && (nx->kind == 'V' || nx->kind == 'H'));
			put(o, consonant ? r->v1 : r->v2, 'a');
			break;
		}
		default: /* G shadda, D dropped */
			break;
		}
	}
}

/* --- Thai and Lao: syllables with leading vowels and implicit vowels ---- */

struct sea {
	char script;
	uint32_t yo, wo, o, ho, e_lead, aa, ii, uee, a_short, mai_han, i_short, lao_o;
	uint32_t clus[3];
	uint32_t sonorant[8];
	uint32_t ro, tho;
	uint32_t silent_r_after[3];
};

static const struct sea thai = {'t', 0x0e22, 0x0e27, 0x0e2d, 0x0e2b, 0x0e40,
    0x0e32, 0x0e35, 0x0e37, 0x0e30, 0x0e31, 0x0e34, 0,
    {0x0e23, 0x0e25, 0x0e27},
    {0x0e07, 0x0e0d, 0x0e19, 0x0e21, 0x0e22, 0x0e23, 0x0e25, 0x0e27},
    0x0e23, 0x0e17, {0x0e28, 0x0e2a, 0x0e0b}};
static const struct sea lao = {'o', 0x0e8d, 0x0ea7, 0x0ead, 0x0eab, 0x0ec0,
    0x0eb2, 0x0eb5, 0x0eb7, 0x0eb0, 0x0eb1, 0x0eb4, 0x0ebb,
    {0x0ea3, 0x0ea5, 0x0ea7},
    {0x0e87, 0x0e8d, 0x0e99, 0x0ea1, 0x0ea2, 0x0ea3, 0x0ea5, 0x0ea7},
    0, 0, {0, 0, 0}};

static bool
in3(const uint32_t *set, size_t n, uint32_t cp)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == cp)
			return true;
	return false;
}

static void
sea_run(struct out *o, const uint32_t *in, size_t nin, const struct sea *S)
{
	uint32_t cp[RUN_MAX];
	const struct tdv__screen_row *rw[RUN_MAX];
	size_t n = 0;
	/* Pass 1: look up; drop tone marks; thanthakhat silences the
	 * consonant before it (and that consonant's vowel sign). */
	for (size_t i = 0; i < nin; i++) {
		const struct tdv__screen_row *r = row_of(in[i]);
		if (r == NULL || r->script != S->script) {
			o->err = TDV_EUNSUPPORTED;
			return;
		}
		if (r->kind == 'T')
			continue;
		if (r->kind == 'K') {
			if (n > 0 && rw[n - 1]->kind == 'V' && n > 1 && rw[n - 2]->kind == 'C') {
				n -= 2;
			} else if (n > 0 && rw[n - 1]->kind == 'C') {
				n -= 1;
				/* -ทร์, -ตร์: both consonants are silent */
				if (cp[n] == S->ro && n > 0 && rw[n - 1]->kind == 'C' &&
				    !(n > 1 && rw[n - 2]->kind == 'V'))
					n -= 1;
			}
			continue;
		}
		cp[n] = in[i];
		rw[n++] = r;
	}
#define K(j) ((j) < n ? rw[j]->kind : 0)
	size_t i = 0;
	while (i < n && o->err == TDV_OK) {
		const struct tdv__screen_row *lead = NULL;
		if (K(i) == 'L')
			lead = rw[i++];
		if (i >= n || K(i) != 'C') {
			if (lead)
				put(o, lead->v1, S->script);
			if (i < n)
				put(o, rw[i++]->v1, S->script);
			continue;
		}
		size_t c0 = i++;
		char init[8];
		snprintf(init, sizeof(init), "%s", rw[c0]->v1);
		if (cp[c0] == S->ho && K(i) == 'C' && in3(S->sonorant, 8, cp[i])) {
			snprintf(init, sizeof(init), "%s", rw[i]->v1); /* silent ho */
			i++;
		} else if (K(i) == 'C' && in3(S->clus, 3, cp[i]) &&
		    !in3(S->clus, 3, cp[c0]) && cp[c0] != S->o &&
		    (K(i + 1) == 'V' || (lead != NULL && cp[i] != S->wo))) {
			size_t l = strlen(init);
			if (cp[i] == S->ro && in3(S->silent_r_after, 3, cp[c0]))
				; /* ศร, สร, ซร: the R is not pronounced */
			else if (cp[i] == S->ro && cp[c0] == S->tho)
				snprintf(init, sizeof(init), "S"); /* ทร is S */
			else
				snprintf(init + l, sizeof(init) - l, "%s", rw[i]->v1);
			i++;
		} else if (K(i) == 'R') {
			size_t l = strlen(init);
			snprintf(init + l, sizeof(init) - l, "%s", rw[i]->v1);
			i++;
		}
		char vowel[8] = "";
		bool has = false;
		if (lead != NULL) {
			has = true;
			if (lead->cp == S->e_lead) {
				if (i < n && cp[i] == S->aa) {
					snprintf(vowel, sizeof(vowel), "AO");
					i++;
					if (i < n && cp[i] == S->a_short) {
						snprintf(vowel, sizeof(vowel), "O");
						i++;
					}
				} else if (S->lao_o && i + 1 < n && cp[i] == S->lao_o && cp[i + 1] == S->aa) {
					snprintf(vowel, sizeof(vowel), "AO");
					i += 2;
				} else if (i + 1 < n && cp[i] == S->ii && cp[i + 1] == S->yo) {
					snprintf(vowel, sizeof(vowel), "IA");
					i += 2;
				} else if (i + 1 < n && cp[i] == S->uee && cp[i + 1] == S->o) {
					snprintf(vowel, sizeof(vowel), "UEA");
					i += 2;
				} else if (i < n && cp[i] == S->o && K(i + 1) != 'V') {
					snprintf(vowel, sizeof(vowel), "OE");
					i++;
				} else if (i < n && cp[i] == S->i_short) {
					snprintf(vowel, sizeof(vowel), "OE");
					i++;
				} else if (i < n && cp[i] == S->a_short) {
					snprintf(vowel, sizeof(vowel), "E");
					i++;
				} else {
					snprintf(vowel, sizeof(vowel), "E");
				}
			} else {
				snprintf(vowel, sizeof(vowel), "%s", lead->v1);
				if (i < n && cp[i] == S->a_short)
					i++;
			}
		} else {
			while (K(i) == 'V') {
				size_t l = strlen(vowel);
				if ((cp[i] == S->mai_han || (S->lao_o && cp[i] == S->lao_o)) &&
				    i + 1 < n && cp[i + 1] == S->wo) {
					snprintf(vowel + l, sizeof(vowel) - l, "UA");
					i += 2;
				} else if (cp[i] == S->uee && i + 1 < n && cp[i + 1] == S->o) {
					snprintf(vowel + l, sizeof(vowel) - l, "UE");
					i += 2;
				} else {
					snprintf(vowel + l, sizeof(vowel) - l, "%s", rw[i]->v1);
					i++;
				}
				has = true;
			}
		}
		if (!has && S->ro != 0 && i + 1 < n && cp[i] == S->ro && cp[i + 1] == S->ro) {
			snprintf(vowel, sizeof(vowel), "AN"); /* ร หัน: -รร- is AN */
			i += 2;
			has = true;
		}
		if (!has) {
			if (i < n && cp[i] == S->wo && K(i + 1) == 'C') {
				snprintf(vowel, sizeof(vowel), "UA");
				i++;
			} else if (i < n && cp[i] == S->o && (i + 1 >= n || K(i + 1) == 'C')) {
				snprintf(vowel, sizeof(vowel), "O");
				i++;
			} else if (K(i) == 'C' && K(i + 1) != 'V') {
				snprintf(vowel, sizeof(vowel), "O"); /* closed syllable */
			} else {
				snprintf(vowel, sizeof(vowel), "A");
			}
		}
		put(o, init, S->script);
		put(o, vowel, S->script);
		/* A consonant not followed by a vowel sign closes the syllable,
		 * unless the one after it would be left alone at the end. */
		if (K(i) == 'C' && K(i + 1) != 'V' && !(K(i + 1) == 'C' && cp[i] == S->ho) &&
		    !(K(i + 1) == 'C' && i + 2 == n) &&
		    !(S->ro != 0 && i + 2 < n && cp[i + 1] == S->ro && cp[i + 2] == S->ro)) {
			put(o, rw[i]->v2, S->script);
			i++;
		}
	}
#undef K
}

/* --- Devanagari ------------------------------------------------------------ */

static void
devanagari_run(struct out *o, const uint32_t *cp, size_t n)
{
	int aksharas = 0;
	bool pending_a = false;
	for (size_t i = 0; i < n && o->err == TDV_OK; i++) {
		const struct tdv__screen_row *r = row_of(cp[i]);
		if (r == NULL || r->script != 'd') {
			o->err = TDV_EUNSUPPORTED;
			return;
		}
		switch (r->kind) {
		case 'C': {
			const char *v = r->v1;
			if (i + 1 < n && cp[i + 1] == 0x093c) { /* nukta */
				switch (cp[i]) {
				case 0x091c: v = "Z"; break;
				case 0x092b: v = "F"; break;
				case 0x0921: v = "R"; break;
				case 0x0922: v = "RH"; break;
				case 0x0915: v = "Q"; break;
				default: break;
				}
				i++;
			}
			put(o, v, 'd');
			aksharas++;
			pending_a = false;
			const struct tdv__screen_row *nx = i + 1 < n ? row_of(cp[i + 1]) : NULL;
			if (nx != NULL && nx->kind == 'M') {
				put(o, nx->v1, 'd');
				i++;
			} else if (nx != NULL && nx->kind == 'X') {
				i++;
			} else {
				put(o, "A", 'd');
				pending_a = true;
			}
			break;
		}
		case 'I': case 'M':
			put(o, r->v1, 'd');
			aksharas++;
			pending_a = false;
			break;
		case 'A': {
			uint32_t nx = i + 1 < n ? cp[i + 1] : 0;
			put(o, (nx >= 0x092a && nx <= 0x092e) ? "M" : "N", 'd');
			pending_a = false;
			break;
		}
		case 'H':
			put(o, "H", 'd');
			pending_a = false;
			break;
		default:
			break;
		}
	}
	/* Hindi schwa deletion: the inherent a of the last consonant of a
	 * word of two or more syllables is not pronounced or written. */
	if (pending_a && aksharas >= 2)
		unput(o, 1);
}

/* --- Han ------------------------------------------------------------------- */

static bool
compound_surname(const uint32_t *cp, size_t n)
{
	static const uint32_t pairs[][2] = {{0x6b27, 0x9633}, {0x6b50, 0x967d},
	    {0x53f8, 0x9a6c}, {0x53f8, 0x99ac}, {0x8bf8, 0x845b}, {0x8af8, 0x845b},
	    {0x4e0a, 0x5b98}};
	if (n < 3)
		return false;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (cp[0] == pairs[i][0] && cp[1] == pairs[i][1])
			return true;
	return false;
}

static void
han_run(struct out *o, const uint32_t *cp, size_t n)
{
	/* Chinese order: surname (one character, or a known two-character
	 * surname) then the given name written as one word. */
	size_t sur = compound_surname(cp, n) ? 2 : 1;
	for (size_t i = 0; i < n && o->err == TDV_OK; i++) {
		const struct tdv__screen_row *r = row_of(cp[i]);
		if (r == NULL || r->script != 'h') {
			o->err = TDV_EUNSUPPORTED;
			return;
		}
		if (i == sur)
			tok_break(o);
		put(o, r->v1, 'h');
	}
}

/* --- driver ---------------------------------------------------------------- */

static char
script_of(uint32_t cp)
{
	if (cp >= 0x0400 && cp <= 0x052f)
		return 'c';
	if ((cp >= 0x0600 && cp <= 0x06ff) || (cp >= 0x0750 && cp <= 0x077f))
		return 'a';
	if (cp >= 0x0e00 && cp <= 0x0e7f)
		return 't';
	if (cp >= 0x0e80 && cp <= 0x0eff)
		return 'o';
	if (cp >= 0x0900 && cp <= 0x097f)
		return 'd';
	if ((cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) ||
	    (cp >= 0xf900 && cp <= 0xfaff))
		return 'h';
	if (cp < 0x80)
		return 'A';
	return 'x'; /* other: Latin with diacritics, Greek: ICAO tables */
}

static void
flush_run(struct out *o, char script, const uint32_t *run, size_t n, int system)
{
	if (n == 0 || o->err != TDV_OK)
		return;
	switch (script) {
	case 'c': cyrillic_run(o, run, n, system); break;
	case 'a': arabic_run(o, run, n); break;
	case 't': sea_run(o, run, n, &thai); break;
	case 'o': sea_run(o, run, n, &lao); break;
	case 'd': devanagari_run(o, run, n); break;
	case 'h': han_run(o, run, n); break;
	default: {
		char u[RUN_MAX * 4], lat[RUN_MAX * 3 + 1];
		size_t ul = 0;
		for (size_t i = 0; i < n; i++) {
			int l = tdv_utf8_encode(run[i], u + ul);
			if (l < 0) {
				o->err = TDV_EUTF8;
				return;
			}
			ul += (size_t)l;
		}
		int rc = tdv_mrz_transliterate(u, ul, lat, sizeof(lat));
		if (rc != TDV_OK) {
			o->err = rc == TDV_ELIMIT ? TDV_ELIMIT : TDV_EUNSUPPORTED;
			return;
		}
		put(o, lat, 'l');
		break;
	}
	}
}

int
tdv__romanise_tokens(const char *utf8, size_t len, int system,
    struct tdv__tok *toks, int *ntok, bool *mrz_form, bool *truncated)
{
	*ntok = 0;
	*mrz_form = false;
	*truncated = false;
	if (utf8 == NULL)
		return TDV_EINVAL;
	if (len > TDV_NAME_MAX_BYTES)
		return TDV_ELIMIT;
	if (!tdv_utf8_valid(utf8, len))
		return TDV_EUTF8;
	const char *dbl = NULL;
	for (size_t i = 0; i < len; i++)
		if (utf8[i] == '<') {
			*mrz_form = true;
			if (i + 1 < len && utf8[i + 1] == '<' && dbl == NULL)
				dbl = utf8 + i;
		}
	if (*mrz_form) {
		/* A name field filled to the end may have been cut (9303-3 §4.6):
		 * the TD1 field is 30 characters, TD2 31, TD3/MRV 39. */
		size_t n = len;
		if (n >= 30 && utf8[n - 1] != '<')
			*truncated = true;
	}
	struct out o = {toks, 0, -1, 0, TDV_OK, *mrz_form && dbl != NULL};
	uint32_t run[RUN_MAX];
	size_t nrun = 0;
	char run_script = 0;
	size_t i = 0;
	while (i < len && o.err == TDV_OK) {
		uint32_t cp;
		int l = tdv_utf8_decode(utf8 + i, len - i, &cp);
		if (l < 0)
			return TDV_EUTF8;
		if (dbl != NULL && utf8 + i == dbl) {
			flush_run(&o, run_script, run, nrun, system);
			nrun = 0;
			tok_break(&o);
			o.in_surname = false;
		}
		i += (size_t)l;
		if (is_separator(cp)) {
			flush_run(&o, run_script, run, nrun, system);
			nrun = 0;
			tok_break(&o);
			continue;
		}
		if (is_dropped(cp) && !(run_script == 'x' && cp >= 0x0300 && cp <= 0x036f))
			continue;
		char s = script_of(cp);
		if (s == 'A') {
			flush_run(&o, run_script, run, nrun, system);
			nrun = 0;
			run_script = 'A';
			char a[2] = {(char)cp, '\0'};
			if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
			    (cp >= '0' && cp <= '9'))
				put(&o, a, 'l');
			else
				o.err = TDV_EUNSUPPORTED;
			continue;
		}
		if (s != run_script || nrun == RUN_MAX) {
			flush_run(&o, run_script, run, nrun, system);
			nrun = 0;
			/* Two native scripts side by side are two words. */
			bool native_prev = run_script != 0 && run_script != 'x' && run_script != 'A';
			if (native_prev && s != 'x' && s != run_script)
				tok_break(&o);
		}
		run_script = s;
		run[nrun++] = cp;
	}
	flush_run(&o, run_script, run, nrun, system);
	if (o.err == TDV_OK)
		tok_break(&o);
	*ntok = o.ntok;
	if (o.err != TDV_OK)
		return o.err;
	return o.ntok > 0 ? TDV_OK : TDV_EINVAL;
}

int
tdv_name_romanise(const char *utf8, size_t len, const char *system, char *out,
    size_t outsz)
{
	int sys = TDV__SYS_ICAO;
	if (system != NULL && strcmp(system, "bgn") == 0)
		sys = TDV__SYS_BGN;
	else if (system != NULL && strcmp(system, "iso9") == 0)
		sys = TDV__SYS_ISO9;
	else if (system != NULL && strcmp(system, "icao") != 0)
		return TDV_EINVAL;
	struct tdv__tok toks[TDV_NAME_MAX_TOKENS];
	int n;
	bool mrz, trunc;
	if (outsz == 0)
		return TDV_EINVAL;
	out[0] = '\0';
	int rc = tdv__romanise_tokens(utf8, len, sys, toks, &n, &mrz, &trunc);
	if (rc != TDV_OK)
		return rc;
	size_t o = 0;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(toks[i].s);
		if (o + l + 2 > outsz)
			return TDV_ELIMIT;
		if (i > 0)
			out[o++] = ' ';
		memcpy(out + o, toks[i].s, l);
		o += l;
	}
	out[o] = '\0';
	return TDV_OK;
}
