/*
 * MRZ generation from fields, ICAO Doc 9303 Parts 3-7.
 *
 * Names are transliterated (9303-3 §6) and truncated to fit (9303-3
 * §4.6.1: the secondary identifier is shortened first, and the last
 * position of a truncated name holds a letter, so that readers can tell
 * that it was cut). The result is decoded again by the parser, so the
 * caller gets the same fields and checks as tdv_mrz_parse() gives.
 */
#include <string.h>

#include "mrz/mrz_int.h"
#include "tdv/error.h"

static void
fill(char *dst, size_t n)
{
	memset(dst, '<', n);
}

/* Copy an alphanumeric value into a field (spaces become fillers). */
static int
put_alnum(char *dst, size_t n, const char *v, bool letters_only)
{
	size_t len = v ? strlen(v) : 0;
	if (len > n)
		return TDV_EMRZ_TOOLONG;
	for (size_t i = 0; i < len; i++) {
		char c = v[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (c == ' ' || c == '-')
			c = '<';
		if (!((c >= 'A' && c <= 'Z') || c == '<' ||
		    (!letters_only && c >= '0' && c <= '9')))
			return TDV_EMRZ_FIELD;
		dst[i] = c;
	}
	return TDV_OK;
}

static void
put_date(char *dst, const tdv_date *d)
{
	if (d->year <= 0) {
		fill(dst, 6);
		return;
	}
	int yy = d->year % 100;
	dst[0] = (char)('0' + yy / 10);
	dst[1] = (char)('0' + yy % 10);
	dst[2] = (char)('0' + d->month / 10 % 10);
	dst[3] = (char)('0' + d->month % 10);
	dst[4] = (char)('0' + d->day / 10 % 10);
	dst[5] = (char)('0' + d->day % 10);
}

static char
digit_char(const char *s, size_t n)
{
	int d = tdv__check_digit(s, n);
	return d < 0 ? '<' : (char)('0' + d);
}

/* Cut s to n characters so that the last one is a letter (9303-3 §4.6.1). */
static size_t
cut_to_letter(const char *s, size_t len, size_t n, char *dst)
{
	if (len <= n) {
		memcpy(dst, s, len);
		return len;
	}
	memcpy(dst, s, n);
	if (n > 0 && dst[n - 1] == '<') {
		/* the cut fell on a space: put the next component's initial
		 * there instead of ending on a filler */
		size_t k = n;
		while (k < len && s[k] == '<')
			k++;
		if (k < len)
			dst[n - 1] = s[k];
	}
	return n;
}

static int
put_name(char *dst, size_t n, const char *surname, const char *given)
{
	char p[256], s[256];
	int rc;
	if ((rc = tdv_mrz_transliterate(surname ? surname : "",
		 surname ? strlen(surname) : 0, p, sizeof(p))) != TDV_OK)
		return rc == TDV_ELIMIT ? TDV_EMRZ_TOOLONG : rc;
	if ((rc = tdv_mrz_transliterate(given ? given : "",
		 given ? strlen(given) : 0, s, sizeof(s))) != TDV_OK)
		return rc == TDV_ELIMIT ? TDV_EMRZ_TOOLONG : rc;
	size_t pl = strlen(p), sl = strlen(s);
	if (pl == 0)
		return TDV_EMRZ_FIELD; /* a primary identifier is mandatory */
	fill(dst, n);
	if (sl == 0) {
		cut_to_letter(p, pl, n, dst);
		return TDV_OK;
	}
	if (pl + 2 + sl <= n) {
		memcpy(dst, p, pl);
		memcpy(dst + pl + 2, s, sl);
		return TDV_OK;
	}
	if (pl + 3 <= n) {
		/* shorten the secondary identifier first */
		memcpy(dst, p, pl);
		cut_to_letter(s, sl, n - pl - 2, dst + pl + 2);
		return TDV_OK;
	}
	/* primary identifier too long: cut it, keep one initial */
	cut_to_letter(p, pl, n - 3, dst);
	dst[n - 1] = s[0];
	return TDV_OK;
}

static const char *
default_code(tdv_mrz_format f)
{
	switch (f) {
	case TDV_MRZ_TD3: return "P";
	case TDV_MRZ_MRVA: case TDV_MRZ_MRVB: return "V";
	case TDV_MRZ_FRA_ID: return "ID";
	default: return "I";
	}
}

static int
put_field(tdv_mrz *m, const struct tdv__field *f, const char *v,
    bool letters_only)
{
	return put_alnum(&m->lines[f->line][f->start], f->len, v, letters_only);
}

/* Document number with the TD1/TD2 overflow rule (9303-5 §4.2.2 j). */
static int
put_docnum(tdv_mrz *m, const struct tdv__layout *l, const char *num,
    const char *opt)
{
	const struct tdv__field *fd = &l->f[F_DOCNUM], *fc = &l->f[F_DOCNUM_CD];
	const struct tdv__field *fo = &l->f[F_OPT];
	char norm[32];
	size_t len = num ? strlen(num) : 0;
	if (len >= sizeof(norm))
		return TDV_EMRZ_TOOLONG;
	memset(norm, 0, sizeof(norm));
	int rc = put_alnum(norm, len, num, false);
	if (rc != TDV_OK)
		return rc;
	char *cd = &m->lines[fc->line][fc->start];
	if (len <= fd->len) {
		memcpy(&m->lines[fd->line][fd->start], norm, len);
		*cd = digit_char(&m->lines[fd->line][fd->start], fd->len);
		if (fo->line >= 0 && opt != NULL)
			return put_field(m, fo, opt, false);
		return TDV_OK;
	}
	size_t over = len - fd->len, optlen = opt ? strlen(opt) : 0;
	if (!l->overflow || over + 2 + optlen > fo->len)
		return TDV_EMRZ_TOOLONG;
	char *o = &m->lines[fo->line][fo->start];
	memcpy(&m->lines[fd->line][fd->start], norm, fd->len);
	*cd = '<';
	memcpy(o, norm + fd->len, over);
	o[over] = digit_char(norm, len);
	o[over + 1] = '<';
	if (optlen > 0)
		return put_alnum(o + over + 2, fo->len - over - 2, opt, false);
	return TDV_OK;
}

static int
put_code(tdv_mrz *m, const struct tdv__field *f, const char *code)
{
	if (code == NULL || *code == '\0')
		return TDV_EMRZ_FIELD;
	return put_field(m, f, code, true);
}

int
tdv_mrz_generate(const tdv_mrz_input *in, const tdv_date *today, tdv_mrz *out)
{
	if (in == NULL || out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	const struct tdv__layout *l = tdv__layout_get(in->format);
	if (l == NULL)
		return TDV_EMRZ_FORMAT;
	out->format = in->format;
	out->nlines = l->nlines;
	for (int i = 0; i < l->nlines; i++) {
		fill(out->lines[i], (size_t)l->linelen);
		out->lines[i][l->linelen] = '\0';
	}
	const char *code = in->document_code && *in->document_code
	    ? in->document_code : default_code(in->format);
	int rc;
	if (strlen(code) > 2 || (rc = put_field(out, &l->f[F_DOCCODE], code, true)) != TDV_OK)
		return TDV_EMRZ_DOCCODE;
	if ((rc = put_code(out, &l->f[F_STATE], in->issuing_state)) != TDV_OK)
		return rc;
	if (l->f[F_NAME].line >= 0) {
		const struct tdv__field *f = &l->f[F_NAME];
		rc = put_name(&out->lines[f->line][f->start], f->len, in->surname,
		    in->given_names);
	} else {
		const struct tdv__field *f = &l->f[F_SURNAME], *g = &l->f[F_GIVEN];
		rc = put_name(&out->lines[f->line][f->start], f->len, in->surname, NULL);
		if (rc == TDV_OK && in->given_names && *in->given_names) {
			/* FRA_ID separates given names with "<<" */
			char t[256], *q = t;
			rc = tdv_mrz_transliterate(in->given_names,
			    strlen(in->given_names), t, sizeof(t) / 2);
			if (rc == TDV_OK) {
				char buf[256];
				size_t o = 0;
				for (; *q && o + 2 < sizeof(buf); q++) {
					buf[o++] = *q;
					if (*q == '<')
						buf[o++] = '<';
				}
				cut_to_letter(buf, o, g->len,
				    &out->lines[g->line][g->start]);
			}
		}
	}
	if (rc != TDV_OK)
		return rc;
	if ((rc = put_docnum(out, l, in->document_number,
		 l->f[F_OPT_CD].line >= 0 || l->f[F_OPT].line >= 0 ? in->optional_data : NULL)) != TDV_OK)
		return rc;
	if (l->f[F_NAT].line >= 0 &&
	    (rc = put_code(out, &l->f[F_NAT], in->nationality)) != TDV_OK)
		return rc;
	const struct tdv__field *f = &l->f[F_DOB];
	put_date(&out->lines[f->line][f->start], &in->birth_date);
	out->lines[l->f[F_DOB_CD].line][l->f[F_DOB_CD].start] =
	    digit_char(&out->lines[f->line][f->start], 6);
	if (l->f[F_EXP].line >= 0) {
		f = &l->f[F_EXP];
		put_date(&out->lines[f->line][f->start], &in->expiry_date);
		out->lines[l->f[F_EXP_CD].line][l->f[F_EXP_CD].start] =
		    digit_char(&out->lines[f->line][f->start], 6);
	}
	char sx = in->sex;
	if (sx == 'm' || sx == 'f' || sx == 'x')
		sx = (char)(sx - 'a' + 'A');
	if (sx == 'X' || sx == 0)
		sx = '<'; /* 9303-3 §4.2: unspecified is a filler in the MRZ */
	if (sx != 'M' && sx != 'F' && sx != '<')
		return TDV_EMRZ_SEX;
	f = &l->f[F_SEX];
	out->lines[f->line][f->start] = sx;
	if (l->f[F_OPT_CD].line >= 0) {
		const struct tdv__field *fo = &l->f[F_OPT];
		const char *o = &out->lines[fo->line][fo->start];
		bool empty = true;
		for (int i = 0; i < fo->len; i++)
			empty = empty && o[i] == '<';
		out->lines[l->f[F_OPT_CD].line][l->f[F_OPT_CD].start] =
		    empty ? '<' : digit_char(o, fo->len);
	}
	if (l->f[F_OPT2].line >= 0 && in->optional_data_2 &&
	    (rc = put_field(out, &l->f[F_OPT2], in->optional_data_2, false)) != TDV_OK)
		return rc;
	if (l->f[F_COMPOSITE].line >= 0) {
		int d = tdv__composite_digit(l, out->lines);
		out->lines[l->f[F_COMPOSITE].line][l->f[F_COMPOSITE].start] =
		    (char)('0' + (d < 0 ? 0 : d));
	}
	tdv__mrz_decode(out, today);
	return TDV_OK;
}
