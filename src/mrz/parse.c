/*
 * MRZ parsing and validation, ICAO Doc 9303 Parts 3-7.
 *
 * Input lines are copied into the tdv_mrz value (no allocation), the
 * format is detected from line count, lengths and document code, and the
 * layout table (layout.c) drives field extraction and the checks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mrz/mrz_int.h"
#include "tdv/error.h"

void
tdv__mrz_error(tdv_mrz *m, int code, const char *field, const char *fmt, ...)
{
	if (m->nerrors >= TDV_MRZ_MAX_ERRORS)
		return;
	tdv_mrz_error *e = &m->errors[m->nerrors++];
	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

void
tdv__mrz_today(const tdv_date *today, tdv_date *out)
{
	if (today != NULL && today->year > 0) {
		*out = *today;
		return;
	}
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
}

int
tdv__mrz_load(tdv_mrz *m, const char *const *lines, const size_t *lens,
    int nlines, size_t *reallens)
{
	if (nlines < 1 || lines == NULL || lens == NULL) {
		tdv__mrz_error(m, TDV_EMRZ_FORMAT, "mrz", "empty input: no MRZ lines");
		return TDV_EMRZ_FORMAT;
	}
	if (nlines > TDV_MRZ_MAX_LINES) {
		tdv__mrz_error(m, TDV_EMRZ_FORMAT, "mrz",
		    "%d lines: an MRZ has 2 or 3 lines", nlines);
		return TDV_EMRZ_FORMAT;
	}
	m->nlines = nlines;
	for (int i = 0; i < nlines; i++) {
		size_t n = lens[i];
		const char *s = lines[i];
		if (s == NULL)
			n = 0;
		/* blanks around a pasted line are not part of the MRZ */
		while (n > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r' ||
		    s[n - 1] == '\n' || s[n - 1] == '\t'))
			n--;
		reallens[i] = n;
		size_t c = n > TDV_MRZ_LINE_MAX ? TDV_MRZ_LINE_MAX : n;
		if (c > 0)
			memcpy(m->lines[i], s, c);
		m->lines[i][c] = '\0';
	}
	return TDV_OK;
}

/* Checks passing under a layout (used only to tell FRA_ID from TD2). */
static int
count_passing(const struct tdv__layout *l, const tdv_mrz *m)
{
	static const enum tdv__field_id pairs[][2] = {
		{F_DOCNUM, F_DOCNUM_CD}, {F_DOB, F_DOB_CD}, {F_EXP, F_EXP_CD}};
	int n = 0;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const struct tdv__field *f = &l->f[pairs[i][0]];
		const struct tdv__field *c = &l->f[pairs[i][1]];
		if (f->line < 0)
			continue;
		int d = tdv__check_digit(&m->lines[f->line][f->start], f->len);
		if (d >= 0 && m->lines[c->line][c->start] == '0' + d)
			n++;
	}
	int cd = tdv__composite_digit(l, (char(*)[TDV_MRZ_LINE_MAX + 1])m->lines);
	const struct tdv__field *cf = &l->f[F_COMPOSITE];
	if (cd >= 0 && cf->line >= 0 && m->lines[cf->line][cf->start] == '0' + cd)
		n++;
	return n;
}

tdv_mrz_format
tdv__mrz_detect(const tdv_mrz *m, const size_t *lens)
{
	if (m->nlines == 3 && lens[0] == 30 && lens[1] == 30 && lens[2] == 30)
		return TDV_MRZ_TD1;
	if (m->nlines != 2 || lens[0] != lens[1])
		return TDV_MRZ_UNKNOWN;
	if (lens[0] == 44)
		return m->lines[0][0] == 'V' ? TDV_MRZ_MRVA : TDV_MRZ_TD3;
	if (lens[0] != 36)
		return TDV_MRZ_UNKNOWN;
	if (m->lines[0][0] == 'V')
		return TDV_MRZ_MRVB;
	if (strncmp(m->lines[0], "IDFRA", 5) == 0) {
		/* Both layouts start "IDFRA"; the check digits decide. */
		int fra = count_passing(tdv__layout_get(TDV_MRZ_FRA_ID), m);
		int td2 = count_passing(tdv__layout_get(TDV_MRZ_TD2), m);
		return td2 > fra ? TDV_MRZ_TD2 : TDV_MRZ_FRA_ID;
	}
	return TDV_MRZ_TD2;
}

static bool
is_mrz_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<';
}

/* Copy a field with fillers turned to spaces and outer spaces trimmed. */
static void
copy_text(char *dst, size_t dstsz, const char *src, size_t n)
{
	while (n > 0 && src[n - 1] == '<')
		n--;
	size_t s = 0;
	while (s < n && src[s] == '<')
		s++;
	size_t o = 0;
	for (size_t i = s; i < n && o + 1 < dstsz; i++)
		dst[o++] = src[i] == '<' ? ' ' : src[i];
	dst[o] = '\0';
}

/* Copy a code field, dropping every filler ("D<<" -> "D"). */
static void
copy_code(char *dst, size_t dstsz, const char *src, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < dstsz; i++)
		if (src[i] != '<')
			dst[o++] = src[i];
	dst[o] = '\0';
}

static void
add_check(tdv_mrz *m, const char *name, bool ok)
{
	if (m->nchecks < TDV_MRZ_MAX_CHECKS) {
		m->checks[m->nchecks].name = name;
		m->checks[m->nchecks].ok = ok;
		m->nchecks++;
	}
}

static const char *
fptr(const tdv_mrz *m, const struct tdv__field *f)
{
	return &m->lines[f->line][f->start];
}

static bool
all_fillers(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '<')
			return false;
	return true;
}

/*
 * Verify one check digit. `filler_ok`: the standard lets the digit be '<'
 * when the field is all fillers (9303-4 §4.2.2 note on the personal number).
 */
static bool
verify_digit(tdv_mrz *m, const char *name, const char *field, size_t n,
    char cd, bool filler_ok)
{
	int d = tdv__check_digit(field, n);
	bool ok;
	if (cd == '<')
		ok = filler_ok && all_fillers(field, n);
	else
		ok = d >= 0 && cd == '0' + d;
	add_check(m, name, ok);
	if (!ok) {
		if (d < 0)
			tdv__mrz_error(m, TDV_EMRZ_CHECKDIGIT, name,
			    "%s: check digit cannot be computed over invalid characters",
			    name);
		else
			tdv__mrz_error(m, TDV_EMRZ_CHECKDIGIT, name,
			    "%s: check digit is '%c', computed %d", name, cd, d);
	}
	return ok;
}

int
tdv__mrz_year(int yy, int mm, int dd, bool birth, const tdv_date *today)
{
	int year = 2000 + yy;
	if (birth) {
		tdv_date d = {year, mm, dd};
		if (tdv_date_cmp(&d, today) > 0)
			year -= 100;
	} else if (year > today->year + 50) {
		year -= 100;
	}
	return year;
}

static void
decode_date(tdv_mrz *m, const char *raw, bool birth, const tdv_date *today,
    tdv_date *out, const char *name)
{
	memset(out, 0, sizeof(*out));
	int v[6];
	bool filler = false, bad = false;
	for (int i = 0; i < 6; i++) {
		if (raw[i] >= '0' && raw[i] <= '9')
			v[i] = raw[i] - '0';
		else if (raw[i] == '<')
			filler = true, v[i] = 0;
		else
			bad = true, v[i] = 0;
	}
	if (bad) {
		tdv__mrz_error(m, TDV_EMRZ_DATE, name,
		    "%s: '%.6s' is not a date (YYMMDD digits)", name, raw);
		return;
	}
	if (filler)
		return; /* unknown or partly unknown (9303-3 §4.4), not an error */
	int yy = v[0] * 10 + v[1], mm = v[2] * 10 + v[3], dd = v[4] * 10 + v[5];
	int year = tdv__mrz_year(yy, mm, dd, birth, today);
	if (!tdv_date_valid(year, mm, dd)) {
		tdv__mrz_error(m, TDV_EMRZ_DATE, name,
		    "%s: '%.6s' is not a calendar date", name, raw);
		return;
	}
	out->year = year;
	out->month = mm;
	out->day = dd;
}

static void
check_code(tdv_mrz *m, const char *code, const char *raw, const char *name)
{
	if (!tdv_mrz_country_known(code))
		tdv__mrz_error(m, TDV_EMRZ_COUNTRY, name,
		    "%s: '%.3s' is not an ICAO 9303-3 state or organisation code",
		    name, raw);
}

static void
check_doccode(tdv_mrz *m)
{
	char c0 = m->lines[0][0], c1 = m->lines[0][1];
	bool ok;
	switch (m->format) {
	case TDV_MRZ_TD3:
		ok = c0 == 'P';
		break;
	case TDV_MRZ_MRVA:
	case TDV_MRZ_MRVB:
		ok = c0 == 'V';
		break;
	case TDV_MRZ_FRA_ID:
		ok = c0 == 'I' && c1 == 'D';
		break;
	default:
		/* 9303-5/-6: A, C or I; the second letter is the state's choice
		 * but must not be V (reserved to avoid confusion with visas). */
		ok = (c0 == 'A' || c0 == 'C' || c0 == 'I') && c1 != 'V';
		break;
	}
	if (!ok)
		tdv__mrz_error(m, TDV_EMRZ_DOCCODE, "document_code",
		    "document code '%.2s' is not valid for a %s document", m->lines[0],
		    tdv_mrz_format_name(m->format));
}

/* Name field: primary identifier, "<<", secondary identifier (9303-3 §4.6). */
static void
decode_name(tdv_mrz *m, const char *s, size_t n)
{
	size_t sep = n;
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '<' && s[i + 1] == '<') {
			sep = i;
			break;
		}
	copy_text(m->surname, sizeof(m->surname), s, sep);
	if (sep < n)
		copy_text(m->given_names, sizeof(m->given_names), s + sep + 2,
		    n - sep - 2);
	m->name_truncated = n > 0 && s[n - 1] != '<';
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z') && s[i] != '<') {
			tdv__mrz_error(m, TDV_EMRZ_CHARSET, "name",
			    "name: '%c' at position %zu; names hold letters and fillers only",
			    s[i], i + 1);
			break;
		}
	if (n > 0 && s[0] == '<')
		tdv__mrz_error(m, TDV_EMRZ_FILLER, "name",
		    "name: the primary identifier must not start with a filler");
}

/*
 * Document number with the overflow rule (9303-5 §4.2.2 note j, 9303-6):
 * when the number has more than 9 characters the check digit position
 * holds '<' and the rest of the number, then its check digit, then a
 * filler, start the optional data.
 */
static void
decode_docnum(tdv_mrz *m, const struct tdv__layout *l)
{
	const struct tdv__field *fd = &l->f[F_DOCNUM], *fc = &l->f[F_DOCNUM_CD];
	const struct tdv__field *fo = &l->f[F_OPT];
	const char *num = fptr(m, fd);
	char cd = m->lines[fc->line][fc->start];
	const char *opt = fptr(m, fo);
	size_t optlen = fo->len;

	if (l->overflow && cd == '<' && num[fd->len - 1] != '<') {
		size_t k = 0;
		while (k < optlen && opt[k] != '<')
			k++;
		if (k < 2 || k == optlen) {
			tdv__mrz_error(m, TDV_EMRZ_FIELD, "document_number",
			    "document_number: check digit is '<' but the optional "
			    "data holds no overflow and check digit");
			add_check(m, "document_number", false);
			copy_code(m->document_number, sizeof(m->document_number), num,
			    fd->len);
			copy_text(m->optional_data, sizeof(m->optional_data), opt, optlen);
			return;
		}
		char full[32];
		memcpy(full, num, fd->len);
		memcpy(full + fd->len, opt, k - 1);
		size_t flen = fd->len + k - 1;
		full[flen] = '\0';
		verify_digit(m, "document_number", full, flen, opt[k - 1], false);
		copy_code(m->document_number, sizeof(m->document_number), full, flen);
		copy_text(m->optional_data, sizeof(m->optional_data), opt + k + 1,
		    optlen - k - 1);
		return;
	}
	verify_digit(m, "document_number", num, fd->len, cd, false);
	copy_code(m->document_number, sizeof(m->document_number), num, fd->len);
	if (fo->line >= 0)
		copy_text(m->optional_data, sizeof(m->optional_data), opt, optlen);
}

void
tdv__mrz_decode(tdv_mrz *m, const tdv_date *today_in)
{
	const struct tdv__layout *l = tdv__layout_get(m->format);
	tdv_date today;
	tdv__mrz_today(today_in, &today);

	m->nchecks = 0;
	m->nerrors = 0;
	m->valid = false;
	if (l == NULL)
		return;

	/* Characters first: anything outside A-Z 0-9 < is named precisely. */
	for (int i = 0; i < m->nlines; i++)
		for (int j = 0; j < l->linelen; j++) {
			char c = m->lines[i][j];
			if (is_mrz_char(c))
				continue;
			unsigned char u = (unsigned char)c;
			if (c >= 'a' && c <= 'z')
				tdv__mrz_error(m, TDV_EMRZ_CHARSET, "mrz",
				    "line %d position %d: lowercase '%c'; the MRZ is upper case",
				    i + 1, j + 1, c);
			else if (u >= 0x80 || u < 0x20)
				tdv__mrz_error(m, TDV_EMRZ_CHARSET, "mrz",
				    "line %d position %d: byte 0x%02X is not an MRZ character",
				    i + 1, j + 1, u);
			else
				tdv__mrz_error(m, TDV_EMRZ_CHARSET, "mrz",
				    "line %d position %d: '%c' is not an MRZ character (A-Z 0-9 <)",
				    i + 1, j + 1, c);
			goto chars_done;
		}
chars_done:
	copy_code(m->document_code, sizeof(m->document_code), m->lines[0], 2);
	check_doccode(m);
	const struct tdv__field *f = &l->f[F_STATE];
	copy_code(m->issuing_state, sizeof(m->issuing_state), fptr(m, f), f->len);
	check_code(m, m->issuing_state, fptr(m, f), "issuing_state");

	if (l->f[F_NAME].line >= 0) {
		f = &l->f[F_NAME];
		decode_name(m, fptr(m, f), f->len);
	} else {
		/* FRA_ID: surname and given names in separate fields */
		f = &l->f[F_SURNAME];
		copy_text(m->surname, sizeof(m->surname), fptr(m, f), f->len);
		const struct tdv__field *g = &l->f[F_GIVEN];
		copy_text(m->given_names, sizeof(m->given_names), fptr(m, g), g->len);
		/* given names are separated by "<<" on this card */
		char *p, *q;
		for (p = q = m->given_names; *p; p++)
			if (!(*p == ' ' && p[1] == ' '))
				*q++ = *p;
		*q = '\0';
		m->name_truncated = fptr(m, g)[g->len - 1] != '<';
	}

	decode_docnum(m, l);

	f = &l->f[F_DOB];
	memcpy(m->birth_date_raw, fptr(m, f), 6);
	m->birth_date_raw[6] = '\0';
	decode_date(m, m->birth_date_raw, true, &today, &m->birth_date, "birth_date");
	f = &l->f[F_DOB_CD];
	verify_digit(m, "birth_date", m->birth_date_raw, 6, m->lines[f->line][f->start],
	    true);

	f = &l->f[F_SEX];
	char sx = m->lines[f->line][f->start];
	if (sx == 'M' || sx == 'F' || sx == 'X')
		m->sex = sx;
	else if (sx == '<')
		m->sex = 'X';
	else {
		m->sex = 0;
		tdv__mrz_error(m, TDV_EMRZ_SEX, "sex",
		    "sex: '%c' is not M, F, X or <", sx);
	}

	if (l->f[F_EXP].line >= 0) {
		f = &l->f[F_EXP];
		memcpy(m->expiry_date_raw, fptr(m, f), 6);
		m->expiry_date_raw[6] = '\0';
		decode_date(m, m->expiry_date_raw, false, &today, &m->expiry_date,
		    "expiry_date");
		f = &l->f[F_EXP_CD];
		verify_digit(m, "expiry_date", m->expiry_date_raw, 6,
		    m->lines[f->line][f->start], true);
		m->expired = m->expiry_date.year > 0 &&
		    tdv_date_cmp(&m->expiry_date, &today) < 0;
	}

	if (l->f[F_NAT].line >= 0) {
		f = &l->f[F_NAT];
		copy_code(m->nationality, sizeof(m->nationality), fptr(m, f), f->len);
		check_code(m, m->nationality, fptr(m, f), "nationality");
	} else {
		/* The French card is issued to French nationals only. */
		memcpy(m->nationality, "FRA", 4);
	}

	if (l->f[F_OPT_CD].line >= 0) {
		const struct tdv__field *fo = &l->f[F_OPT];
		f = &l->f[F_OPT_CD];
		verify_digit(m, "optional_data", fptr(m, fo), fo->len,
		    m->lines[f->line][f->start], true);
	}
	if (l->f[F_OPT2].line >= 0) {
		f = &l->f[F_OPT2];
		copy_text(m->optional_data_2, sizeof(m->optional_data_2), fptr(m, f),
		    f->len);
	}
	if (l->f[F_COMPOSITE].line >= 0) {
		f = &l->f[F_COMPOSITE];
		char cd = m->lines[f->line][f->start];
		int d = tdv__composite_digit(l, m->lines);
		bool ok = d >= 0 && cd == '0' + d;
		add_check(m, "composite", ok);
		if (!ok && d >= 0)
			tdv__mrz_error(m, TDV_EMRZ_CHECKDIGIT, "composite",
			    "composite: check digit is '%c', computed %d", cd, d);
		else if (!ok)
			tdv__mrz_error(m, TDV_EMRZ_CHECKDIGIT, "composite",
			    "composite: check digit cannot be computed over invalid characters");
	}
	m->valid = m->nerrors == 0;
}

static void
describe_lengths(tdv_mrz *m, const size_t *lens)
{
	char desc[64];
	int o = 0;
	for (int i = 0; i < m->nlines && o < (int)sizeof(desc); i++)
		o += snprintf(desc + o, sizeof(desc) - (size_t)o, "%s%zu",
		    i ? ", " : "", lens[i]);
	tdv__mrz_error(m, TDV_EMRZ_FORMAT, "mrz",
	    "%d line%s of length %s: expected 3x30 (TD1), 2x36 (TD2, MRV-B) or "
	    "2x44 (TD3, MRV-A)", m->nlines, m->nlines == 1 ? "" : "s", desc);
}

int
tdv_mrz_parse(const char *const *lines, const size_t *lens, int nlines,
    const tdv_date *today, tdv_mrz *out)
{
	if (out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	size_t real[TDV_MRZ_MAX_LINES];
	int rc = tdv__mrz_load(out, lines, lens, nlines, real);
	if (rc != TDV_OK)
		return rc;
	out->format = tdv__mrz_detect(out, real);
	if (out->format == TDV_MRZ_UNKNOWN) {
		describe_lengths(out, real);
		return TDV_EMRZ_FORMAT;
	}
	tdv__mrz_decode(out, today);
	return out->valid ? TDV_OK : out->errors[0].code;
}

/* Split text into lines at '\n' or '|' (CR stripped by the loader). */
static int
split_text(const char *text, size_t len, const char **ptrs, size_t *lens,
    int *nlines)
{
	int n = 0;
	size_t start = 0;
	/* drop trailing line breaks so "a\nb\n" is two lines */
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || text[i] == '\n' || text[i] == '|') {
			if (n == TDV_MRZ_MAX_LINES)
				return TDV_EMRZ_FORMAT;
			ptrs[n] = text + start;
			lens[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	*nlines = n;
	return TDV_OK;
}

int
tdv_mrz_parse_text(const char *text, size_t len, const tdv_date *today,
    tdv_mrz *out)
{
	if (out == NULL || (text == NULL && len > 0))
		return TDV_EINVAL;
	const char *ptrs[TDV_MRZ_MAX_LINES];
	size_t lens[TDV_MRZ_MAX_LINES];
	int n = 0;
	if (len == 0 || split_text(text, len, ptrs, lens, &n) != TDV_OK) {
		memset(out, 0, sizeof(*out));
		tdv__mrz_error(out, TDV_EMRZ_FORMAT, "mrz",
		    len == 0 ? "empty input: no MRZ lines"
			     : "more than 3 lines: an MRZ has 2 or 3 lines");
		return TDV_EMRZ_FORMAT;
	}
	return tdv_mrz_parse(ptrs, lens, n, today, out);
}

int
tdv_mrz_validate(tdv_mrz *m, const tdv_date *today)
{
	if (m == NULL)
		return TDV_EINVAL;
	const struct tdv__layout *l = tdv__layout_get(m->format);
	if (l == NULL || m->nlines != l->nlines)
		return TDV_EMRZ_FORMAT;
	for (int i = 0; i < m->nlines; i++)
		if (strnlen(m->lines[i], TDV_MRZ_LINE_MAX + 1) != (size_t)l->linelen)
			return TDV_EMRZ_FORMAT;
	int nc = m->ncorrections;
	tdv_mrz_correction keep[TDV_MRZ_MAX_CORRECTIONS];
	memcpy(keep, m->corrections, sizeof(keep));
	char lines[TDV_MRZ_MAX_LINES][TDV_MRZ_LINE_MAX + 1];
	memcpy(lines, m->lines, sizeof(lines));
	tdv_mrz_format f = m->format;
	int n = m->nlines;
	memset(m, 0, sizeof(*m));
	m->format = f;
	m->nlines = n;
	memcpy(m->lines, lines, sizeof(lines));
	m->ncorrections = nc;
	memcpy(m->corrections, keep, sizeof(keep));
	tdv__mrz_decode(m, today);
	return m->valid ? TDV_OK : m->errors[0].code;
}
