/*
 * OCR-error correction of an MRZ by character class and check digits
 * (ICAO Doc 9303-3 §4.9: check digits exist to catch misreads).
 *
 * 1. Class repairs: a letter where only digits may stand (dates, check
 *    digits) or a digit where only letters may stand (codes, names) is
 *    replaced by its OCR-B look-alike (O->0, I->1, B->8, ...). Country
 *    codes are repaired only when one look-alike gives a known code.
 * 2. Check-digit search: for each field whose check digit fails, every
 *    single (then double) substitution of look-alike characters is tried;
 *    the candidates that satisfy the check digit (and, for dates, the
 *    calendar) are kept.
 * 3. The composite check digit chooses among the combinations, and repairs
 *    the stretches only it covers.
 * Exactly one surviving combination is applied and every change reported;
 * more than one is "ambiguous" and nothing is changed.
 */
#include <string.h>

#include "mrz/mrz_int.h"
#include "tdv/error.h"

#define MAX_CAND 16
#define MAX_CHANGES 2
#define MAX_COMBOS 4096

struct change {
	unsigned char line, col;
	char to;
};

struct cand {
	int n;
	struct change ch[MAX_CHANGES];
};

struct cset {
	int n;
	bool overflow; /* more candidates than MAX_CAND */
	struct cand c[MAX_CAND];
};

typedef char lines_t[TDV_MRZ_MAX_LINES][TDV_MRZ_LINE_MAX + 1];

/*
 * OCR-B look-alikes (bidirectional pairs), by the character read: the
 * confusions Doc 9303-3 §4.9 check digits are meant to catch and that OCR-B
 * readers are known for: O/0, D/0, Q/0, I/1, B/8, S/5, Z/2, G/6 and the
 * filler read as K. Pairs beyond these (L/1, A/4, T/7) made too many
 * corrections ambiguous on real numbers and are left out.
 */
static const char *
lookalikes(char c)
{
	switch (c) {
	case '0': return "ODQ";
	case 'O': return "0DQ";
	case 'D': return "0O";
	case 'Q': return "0O";
	case '1': return "I";
	case 'I': return "1";
	case '8': return "B";
	case 'B': return "8";
	case '5': return "S";
	case 'S': return "5";
	case '2': return "Z";
	case 'Z': return "2";
	case '6': return "G";
	case 'G': return "6";
	case '<': return "K";
	case 'K': return "<";
	default: return "";
	}
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
allowed(enum tdv__class k, char c)
{
	switch (k) {
	case C_ALPHA: return is_alpha(c) || c == '<';
	case C_NUM: return is_digit(c) || c == '<';
	case C_CHECK: return is_digit(c) || c == '<';
	case C_SEX: return c == 'M' || c == 'F' || c == 'X' || c == '<';
	case C_ALNUM: break;
	}
	return is_alpha(c) || is_digit(c) || c == '<';
}

/* The look-alike of c that its class allows, when there is exactly one. */
static char
class_repair(enum tdv__class k, char c)
{
	const char *alt = lookalikes(c);
	char found = 0;
	for (; *alt; alt++) {
		if (*alt == '<' || !allowed(k, *alt))
			continue;
		if (found)
			return 0;
		found = *alt;
	}
	/* digits in letter fields: prefer the letter O for 0 */
	if (k == C_ALPHA && c == '0')
		return 'O';
	return found;
}

static bool
code_known(const char *s)
{
	char code[4];
	size_t o = 0;
	for (int i = 0; i < 3; i++)
		if (s[i] != '<')
			code[o++] = s[i];
	code[o] = '\0';
	return tdv_mrz_country_known(code);
}

/* Repair a 3-letter code field when exactly one look-alike is known. */
static int
repair_code(char *s)
{
	if (code_known(s))
		return TDV_OK;
	char found[3] = {0, 0, 0};
	int nfound = 0, pos = -1;
	for (int i = 0; i < 3; i++) {
		char orig = s[i];
		for (const char *a = lookalikes(orig); *a; a++) {
			if (!is_alpha(*a) && *a != '<')
				continue;
			s[i] = *a;
			if (code_known(s)) {
				nfound++;
				pos = i;
				found[0] = *a;
			}
		}
		s[i] = orig;
	}
	if (nfound == 1) {
		s[pos] = found[0];
		return TDV_OK;
	}
	return nfound > 1 ? TDV_EMRZ_AMBIGUOUS : TDV_OK;
}

/*
 * A 'K' after the end of the name is a misread filler. Check digits cannot
 * see it: K (20) and '<' (0) weigh the same modulo 10. The name ends at
 * the first "<<" after the secondary identifier has begun; past that point
 * only fillers may stand (9303-3 §4.6).
 */
static void
repair_name_tail(char *s, int n)
{
	int sep = -1;
	for (int i = 0; i + 1 < n; i++)
		if (s[i] == '<' && s[i + 1] == '<') {
			sep = i;
			break;
		}
	if (sep < 0)
		return;
	int i = sep + 2;
	while (i < n && s[i] == '<')
		i++;
	/* the secondary identifier runs to the next "<<" */
	int end = -1;
	for (; i + 1 < n; i++)
		if (s[i] == '<' && s[i + 1] == '<') {
			end = i;
			break;
		}
	if (end < 0)
		return;
	for (int k = end; k < n; k++)
		if (s[k] != '<' && s[k] != 'K')
			return;
	for (int k = end; k < n; k++)
		s[k] = '<';
}

static void
class_pass(const struct tdv__layout *l, lines_t w, bool *ambiguous)
{
	for (int id = 0; id < F_NFIELDS; id++) {
		const struct tdv__field *f = &l->f[id];
		if (f->line < 0)
			continue;
		enum tdv__class k = tdv__field_class((enum tdv__field_id)id);
		char *s = &w[f->line][f->start];
		for (int i = 0; i < f->len; i++) {
			if (allowed(k, s[i]))
				continue;
			char r = class_repair(k, s[i]);
			if (r)
				s[i] = r;
		}
		if (id == F_STATE || id == F_NAT) {
			if (repair_code(s) == TDV_EMRZ_AMBIGUOUS)
				*ambiguous = true;
		}
		if (id == F_NAME || id == F_SURNAME || id == F_GIVEN)
			repair_name_tail(s, f->len);
	}
}

/* Does the field (with its check digit) pass in w? Dates must be real. */
static bool
field_ok(const struct tdv__layout *l, lines_t w, enum tdv__field_id fid,
    enum tdv__field_id cid, const tdv_date *today)
{
	const struct tdv__field *f = &l->f[fid], *c = &l->f[cid];
	const char *s = &w[f->line][f->start];
	char cd = w[c->line][c->start];
	int d = tdv__check_digit(s, f->len);
	bool fillers = true;
	for (int i = 0; i < f->len; i++)
		fillers = fillers && s[i] == '<';
	bool ok = (d >= 0 && cd == '0' + d) ||
	    (cd == '<' && fillers && fid != F_DOCNUM);
	if (!ok)
		return false;
	if (fid == F_DOB || fid == F_EXP) {
		for (int i = 0; i < 6; i++)
			if (!is_digit(s[i]))
				return fillers;
		int yy = (s[0] - '0') * 10 + (s[1] - '0');
		int mm = (s[2] - '0') * 10 + (s[3] - '0');
		int dd = (s[4] - '0') * 10 + (s[5] - '0');
		return tdv_date_valid(tdv__mrz_year(yy, mm, dd, fid == F_DOB, today),
		    mm, dd);
	}
	return true;
}

static void
apply(lines_t w, const struct cand *c)
{
	for (int i = 0; i < c->n; i++)
		w[c->ch[i].line][c->ch[i].col] = c->ch[i].to;
}

static void
undo(lines_t w, lines_t base, const struct cand *c)
{
	for (int i = 0; i < c->n; i++)
		w[c->ch[i].line][c->ch[i].col] = base[c->ch[i].line][c->ch[i].col];
}

static void
cset_add(struct cset *cs, const struct cand *c)
{
	if (cs->n < MAX_CAND)
		cs->c[cs->n++] = *c;
	else
		cs->overflow = true;
}

/* Positions a search may change: a field plus its check digit. */
struct span_list {
	int n;
	struct {
		unsigned char line, col;
		enum tdv__class k;
	} p[64];
};

static void
spans_add(struct span_list *sl, const struct tdv__field *f, enum tdv__class k)
{
	for (int i = 0; i < f->len && sl->n < 64; i++) {
		sl->p[sl->n].line = (unsigned char)f->line;
		sl->p[sl->n].col = (unsigned char)(f->start + i);
		sl->p[sl->n].k = k;
		sl->n++;
	}
}

typedef bool (*pass_fn)(const struct tdv__layout *, lines_t, const void *);

struct field_ctx {
	enum tdv__field_id fid, cid;
	const tdv_date *today;
};

static bool
pass_field(const struct tdv__layout *l, lines_t w, const void *ctx)
{
	const struct field_ctx *fc = ctx;
	return field_ok(l, w, fc->fid, fc->cid, fc->today);
}

/* Single, then double, look-alike substitutions that make pass() true. */
static void
search(const struct tdv__layout *l, lines_t w, const struct span_list *sl,
    pass_fn pass, const void *ctx, struct cset *out)
{
	struct cand c;
	for (int depth = 1; depth <= MAX_CHANGES && out->n == 0 && !out->overflow;
	     depth++) {
		for (int i = 0; i < sl->n; i++) {
			char oi = w[sl->p[i].line][sl->p[i].col];
			for (const char *a = lookalikes(oi); *a; a++) {
				if (!allowed(sl->p[i].k, *a))
					continue;
				w[sl->p[i].line][sl->p[i].col] = *a;
				c.n = 1;
				c.ch[0].line = sl->p[i].line;
				c.ch[0].col = sl->p[i].col;
				c.ch[0].to = *a;
				if (depth == 1) {
					if (pass(l, w, ctx))
						cset_add(out, &c);
				} else {
					for (int j = i + 1; j < sl->n; j++) {
						char oj = w[sl->p[j].line][sl->p[j].col];
						for (const char *b = lookalikes(oj); *b; b++) {
							if (!allowed(sl->p[j].k, *b))
								continue;
							w[sl->p[j].line][sl->p[j].col] = *b;
							c.n = 2;
							c.ch[1].line = sl->p[j].line;
							c.ch[1].col = sl->p[j].col;
							c.ch[1].to = *b;
							if (pass(l, w, ctx))
								cset_add(out, &c);
							w[sl->p[j].line][sl->p[j].col] = oj;
						}
					}
				}
				w[sl->p[i].line][sl->p[i].col] = oi;
			}
		}
	}
}

static bool
composite_ok(const struct tdv__layout *l, lines_t w)
{
	const struct tdv__field *f = &l->f[F_COMPOSITE];
	int d = tdv__composite_digit(l, w);
	return d >= 0 && w[f->line][f->start] == '0' + d;
}

static bool
pass_composite(const struct tdv__layout *l, lines_t w, const void *ctx)
{
	(void)ctx;
	return composite_ok(l, w);
}

static void
record(tdv_mrz *m, lines_t before, const struct tdv__layout *l)
{
	for (int i = 0; i < m->nlines; i++)
		for (int j = 0; j < l->linelen; j++) {
			if (before[i][j] == m->lines[i][j] ||
			    m->ncorrections >= TDV_MRZ_MAX_CORRECTIONS)
				continue;
			tdv_mrz_correction *c = &m->corrections[m->ncorrections++];
			c->line = i;
			c->col = j;
			c->from = before[i][j];
			c->to = m->lines[i][j];
			const char *name = "mrz";
			for (int id = 0; id < F_NFIELDS; id++) {
				const struct tdv__field *f = &l->f[id];
				if (f->line == i && j >= f->start && j < f->start + f->len) {
					name = tdv__field_name((enum tdv__field_id)id);
					break;
				}
			}
			memcpy(c->field, name, strlen(name) + 1);
		}
}

int
tdv_mrz_correct(const char *const *lines, const size_t *lens, int nlines,
    const tdv_date *today_in, tdv_mrz *out)
{
	int rc = tdv_mrz_parse(lines, lens, nlines, today_in, out);
	if (out->format == TDV_MRZ_UNKNOWN)
		return rc;
	const struct tdv__layout *l = tdv__layout_get(out->format);
	tdv_date today;
	tdv__mrz_today(today_in, &today);

	lines_t orig, w;
	memcpy(orig, out->lines, sizeof(orig));
	memcpy(w, out->lines, sizeof(w));
	bool ambiguous = false;
	class_pass(l, w, &ambiguous);
	if (rc == TDV_OK && memcmp(orig, w, sizeof(w)) == 0)
		return rc; /* valid and nothing out of class: nothing to do */
	lines_t base;
	memcpy(base, w, sizeof(base));

	/* Fields with their own check digit. The document number is left to
	 * the class pass when it overflows into the optional data. */
	static const enum tdv__field_id pairs[][2] = {{F_DOCNUM, F_DOCNUM_CD},
	    {F_DOB, F_DOB_CD}, {F_EXP, F_EXP_CD}, {F_OPT, F_OPT_CD}};
	struct cset sets[4];
	int nsets = 0;
	for (size_t p = 0; p < 4; p++) {
		enum tdv__field_id fid = pairs[p][0], cid = pairs[p][1];
		if (l->f[fid].line < 0 || l->f[cid].line < 0)
			continue;
		if (fid == F_DOCNUM && l->overflow &&
		    w[l->f[cid].line][l->f[cid].start] == '<')
			continue;
		struct field_ctx fc = {fid, cid, &today};
		struct cset *cs = &sets[nsets++];
		memset(cs, 0, sizeof(*cs));
		if (field_ok(l, w, fid, cid, &today)) {
			cs->n = 1; /* keep as read */
			continue;
		}
		struct span_list sl = {0};
		spans_add(&sl, &l->f[fid], tdv__field_class(fid));
		spans_add(&sl, &l->f[cid], C_CHECK);
		search(l, w, &sl, pass_field, &fc, cs);
		if (cs->n == 0)
			cs->n = 1; /* uncorrectable: keep as read, the parse reports it */
	}

	/* Combine the candidates; the composite digit decides. */
	int ncombos = 1;
	for (int s = 0; s < nsets; s++) {
		if (sets[s].overflow)
			ambiguous = true;
		ncombos *= sets[s].n;
		if (ncombos > MAX_COMBOS)
			ambiguous = true;
	}
	int idx[4] = {0, 0, 0, 0}, good = 0, good_idx[4] = {0, 0, 0, 0};
	bool has_comp = l->f[F_COMPOSITE].line >= 0;
	for (int combo = 0; combo < ncombos && !ambiguous; combo++) {
		int r = combo;
		for (int s = 0; s < nsets; s++) {
			idx[s] = r % sets[s].n;
			r /= sets[s].n;
			apply(w, &sets[s].c[idx[s]]);
		}
		if (!has_comp || composite_ok(l, w)) {
			if (good++ == 0)
				memcpy(good_idx, idx, sizeof(idx));
		}
		for (int s = 0; s < nsets; s++)
			undo(w, base, &sets[s].c[idx[s]]);
	}
	if (!ambiguous && good > 1 && ncombos > 1)
		ambiguous = true;

	if (!ambiguous) {
		if (good == 1) {
			for (int s = 0; s < nsets; s++)
				apply(w, &sets[s].c[good_idx[s]]);
		} else if (good == 0 && has_comp) {
			/* every field is settled: look in the stretches that only
			 * the composite covers (TD1/TD2 optional data) */
			for (int s = 0; s < nsets; s++)
				apply(w, &sets[s].c[0]);
			struct span_list sl = {0};
			if (l->f[F_OPT_CD].line < 0 && l->f[F_OPT].line >= 0)
				spans_add(&sl, &l->f[F_OPT], C_ALNUM);
			if (l->f[F_OPT2].line >= 0)
				spans_add(&sl, &l->f[F_OPT2], C_ALNUM);
			spans_add(&sl, &l->f[F_COMPOSITE], C_CHECK);
			struct cset cs;
			memset(&cs, 0, sizeof(cs));
			search(l, w, &sl, pass_composite, NULL, &cs);
			if (cs.n == 1 && !cs.overflow)
				apply(w, &cs.c[0]);
			else if (cs.n > 1 || cs.overflow)
				ambiguous = true;
		}
	}

	if (ambiguous) {
		tdv__mrz_error(out, TDV_EMRZ_AMBIGUOUS, "mrz",
		    "ambiguous: more than one correction satisfies the check digits; "
		    "nothing was changed");
		out->valid = false;
		return TDV_EMRZ_AMBIGUOUS;
	}
	memcpy(out->lines, w, sizeof(w));
	tdv__mrz_decode(out, &today);
	out->ncorrections = 0;
	record(out, orig, l);
	return out->valid ? TDV_OK : out->errors[0].code;
}
