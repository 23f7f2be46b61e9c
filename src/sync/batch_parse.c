/*
 * Strict single-pass parser of sync batches (see batch_parse.h).
 *
 * Hostile input: every read is bounded by the end of the body, strings
 * are unescaped straight into fixed fields (never past their size),
 * nesting is bounded, and the checker of nested JSON (a movement's checks)
 * is iterative with its memory bounded by its input. Nothing is built
 * that the caller does not keep.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sync/batch_parse.h"
#include "tdv/error.h"
#include "tdv/utf8.h"

enum { J_OK = 0, J_SYNTAX = -1, J_LONG = -2, J_NOMEM = -3 };

struct tdv__jkey {
	size_t off, len;
	const char *p; /* set when sorting */
};

struct tdv__jframe {
	unsigned char obj;
	size_t kstart; /* first key of this object in ents */
	size_t kbuf;   /* keys_len when it opened */
};

struct lx {
	const unsigned char *s, *p, *end;
};

static inline void
ws(struct lx *x)
{
	while (x->p < x->end &&
	    (*x->p == ' ' || *x->p == '\n' || *x->p == '\r' || *x->p == '\t'))
		x->p++;
}

static inline bool
digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

static int
hex4(const unsigned char *p, const unsigned char *end, uint32_t *out)
{
	if (end - p < 4)
		return J_SYNTAX;
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return J_SYNTAX;
		v = v << 4 | d;
	}
	*out = v;
	return J_OK;
}

/*
 * x->p at the opening quote. Unescape into dst (cap bytes including the
 * terminator; J_LONG when it does not fit) or only check when dst is NULL.
 */
static int
lex_string(struct lx *x, char *dst, size_t cap, size_t *outn)
{
	const unsigned char *p = x->p + 1, *end = x->end;
	size_t n = 0;
	for (;;) {
		const unsigned char *q = p;
		while (q < end && plain(*q))
			q++;
		size_t run = (size_t)(q - p);
		if (run > 0) {
			if (dst != NULL) {
				if (n + run >= cap)
					return J_LONG;
				memcpy(dst + n, p, run);
			}
			n += run;
			p = q;
		}
		if (p >= end)
			return J_SYNTAX;
		unsigned char c = *p;
		char out[4];
		size_t k = 1;
		if (c == '"') {
			p++;
			break;
		} else if (c < 0x20) {
			return J_SYNTAX;
		} else if (c == '\\') {
			if (end - p < 2)
				return J_SYNTAX;
			switch (p[1]) {
			case '"': out[0] = '"'; break;
			case '\\': out[0] = '\\'; break;
			case '/': out[0] = '/'; break;
			case 'b': out[0] = '\b'; break;
			case 'f': out[0] = '\f'; break;
			case 'n': out[0] = '\n'; break;
			case 'r': out[0] = '\r'; break;
			case 't': out[0] = '\t'; break;
			case 'u': {
				uint32_t cp, lo;
				if (hex4(p + 2, end, &cp) != J_OK)
					return J_SYNTAX;
				p += 6;
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
					    hex4(p + 2, end, &lo) != J_OK || lo < 0xDC00 ||
					    lo > 0xDFFF)
						return J_SYNTAX;
					p += 6;
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				} else if ((cp >= 0xDC00 && cp <= 0xDFFF) || cp == 0) {
					return J_SYNTAX; /* lone surrogate; \u0000 */
				}
				int e = tdv_utf8_encode(cp, out);
				if (e <= 0)
					return J_SYNTAX;
				k = (size_t)e;
				goto put;
			}
			default:
				return J_SYNTAX;
			}
			p += 2;
		} else {
			uint32_t cp;
			int e = tdv_utf8_decode((const char *)p, (size_t)(end - p), &cp);
			if (e <= 0)
				return J_SYNTAX;
			k = (size_t)e;
			memcpy(out, p, k);
			p += k;
		}
	put:
		if (dst != NULL) {
			if (n + k >= cap)
				return J_LONG;
			memcpy(dst + n, out, k);
		}
		n += k;
	}
	if (dst != NULL)
		dst[n] = '\0';
	if (outn != NULL)
		*outn = n;
	x->p = p;
	return J_OK;
}

/* A JSON number. Integers must fit int64 (strtoll's range, as jansson);
 * reals must not overflow a double (jansson refuses ±HUGE_VAL). */
static int
lex_number(struct lx *x, bool *is_int, int64_t *iv)
{
	const unsigned char *p = x->p, *end = x->end, *start = p;
	bool neg = false, real = false;
	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	if (p >= end)
		return J_SYNTAX;
	if (*p == '0') {
		p++;
		if (p < end && digit(*p))
			return J_SYNTAX;
	} else if (digit(*p)) {
		while (p < end && digit(*p))
			p++;
	} else {
		return J_SYNTAX;
	}
	const unsigned char *iend = p;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || !digit(*p))
			return J_SYNTAX;
		while (p < end && digit(*p))
			p++;
		real = true;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || !digit(*p))
			return J_SYNTAX;
		while (p < end && digit(*p))
			p++;
		real = true;
	}
	if (!real) {
		uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
		for (const unsigned char *d = start + (neg ? 1 : 0); d < iend; d++) {
			uint64_t dv = (uint64_t)(*d - '0');
			if (v > (lim - dv) / 10)
				return J_SYNTAX;
			v = v * 10 + dv;
		}
		if (iv != NULL)
			*iv = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v)
				  : (int64_t)v;
	} else {
		size_t len = (size_t)(p - start);
		char small[128];
		char *t = len < sizeof(small) ? small : malloc(len + 1);
		if (t == NULL)
			return J_NOMEM;
		memcpy(t, start, len);
		t[len] = '\0';
		errno = 0;
		double d = strtod(t, NULL);
		bool over = (d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE;
		if (t != small)
			free(t);
		if (over)
			return J_SYNTAX;
	}
	if (is_int != NULL)
		*is_int = !real;
	x->p = p;
	return J_OK;
}

static int
lex_literal(struct lx *x)
{
	static const char *const lits[] = {"true", "false", "null"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(lits[i]);
		if ((size_t)(x->end - x->p) >= n && memcmp(x->p, lits[i], n) == 0) {
			x->p += n;
			return J_OK;
		}
	}
	return J_SYNTAX;
}

/* ---- the strict checker of nested JSON ---- */

void
tdv__jscratch_free(tdv__jscratch *sc)
{
	free(sc->keys);
	free(sc->ents);
	free(sc->stack);
	memset(sc, 0, sizeof(*sc));
}

static int
jscratch_fit(tdv__jscratch *sc, size_t n)
{
	if (sc->stack == NULL) {
		sc->stack = malloc(TDV__JSON_MAX_DEPTH * sizeof(*sc->stack));
		if (sc->stack == NULL)
			return J_NOMEM;
	}
	if (sc->keys_cap < n + 1) {
		char *k = realloc(sc->keys, n + 1);
		if (k == NULL)
			return J_NOMEM;
		sc->keys = k;
		sc->keys_cap = n + 1;
	}
	size_t ents = n / 3 + 2; /* a key takes at least 4 bytes: "":0 */
	if (sc->ents_cap < ents) {
		struct tdv__jkey *e = realloc(sc->ents, ents * sizeof(*e));
		if (e == NULL)
			return J_NOMEM;
		sc->ents = e;
		sc->ents_cap = ents;
	}
	sc->keys_len = sc->nents = 0;
	return J_OK;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct tdv__jkey *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);
	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Keys of the object closing now: any two equal? */
static bool
keys_unique(tdv__jscratch *sc, size_t from)
{
	size_t n = sc->nents - from;
	struct tdv__jkey *k = sc->ents + from;
	for (size_t i = 0; i < n; i++)
		k[i].p = sc->keys + k[i].off;
	if (n <= 8) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (k[i].len == k[j].len && memcmp(k[i].p, k[j].p, k[i].len) == 0)
					return false;
		return true;
	}
	qsort(k, n, sizeof(*k), key_cmp);
	for (size_t i = 1; i < n; i++)
		if (key_cmp(&k[i - 1], &k[i]) == 0)
			return false;
	return true;
}

/* One scalar value at x->p (string, number, literal). */
static int
lex_scalar(struct lx *x)
{
	unsigned char c = *x->p;
	if (c == '"')
		return lex_string(x, NULL, 0, NULL);
	if (c == '-' || digit(c))
		return lex_number(x, NULL, NULL);
	return lex_literal(x);
}

static int
json_check(struct lx *x, bool want_array, tdv__jscratch *sc)
{
	int rc = jscratch_fit(sc, (size_t)(x->end - x->p));
	if (rc != J_OK)
		return rc;
	struct tdv__jframe *st = sc->stack;
	size_t depth = 0;
	ws(x);
	if (x->p >= x->end || (*x->p != '[' && (want_array || *x->p != '{')))
		return J_SYNTAX;
	for (;;) {
		/* a value starts here */
		ws(x);
		if (x->p >= x->end || depth + 1 > TDV__JSON_MAX_DEPTH)
			return J_SYNTAX;
		unsigned char c = *x->p;
		if (c == '{' || c == '[') {
			x->p++;
			st[depth].obj = c == '{';
			st[depth].kstart = sc->nents;
			st[depth].kbuf = sc->keys_len;
			depth++;
			ws(x);
			if (x->p < x->end && *x->p == (c == '{' ? '}' : ']')) {
				x->p++;
				depth--;
				goto after_value;
			}
			if (c == '[')
				continue;
			goto key;
		}
		if ((rc = lex_scalar(x)) != J_OK)
			return rc;
	after_value:
		if (depth == 0)
			break;
		ws(x);
		if (x->p >= x->end)
			return J_SYNTAX;
		c = *x->p++;
		if (c == ',') {
			if (st[depth - 1].obj)
				goto key;
			continue;
		}
		if (c != (st[depth - 1].obj ? '}' : ']'))
			return J_SYNTAX;
		depth--;
		if (st[depth].obj) {
			if (!keys_unique(sc, st[depth].kstart))
				return J_SYNTAX;
			sc->nents = st[depth].kstart;
			sc->keys_len = st[depth].kbuf;
		}
		goto after_value;
	key:
		ws(x);
		if (x->p >= x->end || *x->p != '"' || sc->nents >= sc->ents_cap)
			return J_SYNTAX;
		{
			size_t kn = 0;
			rc = lex_string(x, sc->keys + sc->keys_len, sc->keys_cap - sc->keys_len, &kn);
			if (rc != J_OK)
				return rc == J_LONG ? J_SYNTAX : rc;
			sc->ents[sc->nents].off = sc->keys_len;
			sc->ents[sc->nents].len = kn;
			sc->nents++;
			sc->keys_len += kn;
		}
		ws(x);
		if (x->p >= x->end || *x->p != ':')
			return J_SYNTAX;
		x->p++;
	}
	ws(x);
	return x->p == x->end ? J_OK : J_SYNTAX;
}

int
tdv__json_check(const char *s, size_t n, bool want_array, tdv__jscratch *sc)
{
	if (s == NULL || sc == NULL)
		return TDV_EINVAL;
	struct lx x = {(const unsigned char *)s, (const unsigned char *)s,
	    (const unsigned char *)s + n};
	int rc = json_check(&x, want_array, sc);
	return rc == J_OK ? TDV_OK : rc == J_NOMEM ? TDV_ENOMEM : TDV_EPARSE;
}

/* ---- records ---- */

enum { F_STR, F_INT, F_CHECKS };

struct field {
	const char *name;
	unsigned char type;
	unsigned char tmp; /* 1: into the record's temporaries */
	unsigned short off, size;
};

/* text that needs a lookup after parsing */
struct tmp {
	char dir[8], dec[12], sex[2];
};

#define FS(n, t, f) {n, F_STR, 0, offsetof(t, f), sizeof(((t *)0)->f)}
#define FI(n, t, f) {n, F_INT, 0, offsetof(t, f), sizeof(int64_t)}
#define FT(n, f) {n, F_STR, 1, offsetof(struct tmp, f), sizeof(((struct tmp *)0)->f)}

static const struct field audit_fields[] = {
    FS("chain", tdv_audit_entry, chain),
    FI("seq", tdv_audit_entry, seq),
    FI("time_ms", tdv_audit_entry, time_ms),
    FS("actor", tdv_audit_entry, actor),
    FS("action", tdv_audit_entry, action),
    FS("object", tdv_audit_entry, object),
    FS("detail", tdv_audit_entry, detail),
    FS("prev_hash", tdv_audit_entry, prev_hash),
    FS("hash", tdv_audit_entry, hash),
};

static const struct field movement_fields[] = {
    FS("id", tdv_movement, id),
    FS("checkpoint", tdv_movement, checkpoint_id),
    FI("seq", tdv_movement, seq),
    FI("time_ms", tdv_movement, time_ms),
    FI("audit_seq", tdv_movement, audit_seq),
    FT("direction", dir),
    FS("officer", tdv_movement, officer_id),
    FS("document_code", tdv_movement, document_code),
    FS("issuing_state", tdv_movement, issuing_state),
    FS("document_number", tdv_movement, document_number),
    FS("nationality", tdv_movement, nationality),
    FS("surname", tdv_movement, surname),
    FS("given_names", tdv_movement, given_names),
    FT("sex", sex),
    FS("birth_date", tdv_movement, birth_date),
    FS("expiry_date", tdv_movement, expiry_date),
    FS("verdict", tdv_movement, verdict),
    FT("decision", dec),
    FS("reason", tdv_movement, reason),
    FS("fraud_type", tdv_movement, fraud_type),
    {"checks", F_CHECKS, 0, offsetof(tdv_movement, checks_json),
	sizeof(((tdv_movement *)0)->checks_json)},
};

static const struct field referral_fields[] = {
    FS("movement", tdv_referral_outcome, movement_id),
    FS("checkpoint", tdv_referral_outcome, checkpoint_id),
    FT("outcome", dec),
    FS("reason", tdv_referral_outcome, reason),
    FS("officer", tdv_referral_outcome, officer_id),
    FI("time_ms", tdv_referral_outcome, time_ms),
    FI("audit_seq", tdv_referral_outcome, audit_seq),
};

#define NF(a) (sizeof(a) / sizeof((a)[0]))

struct perr {
	int rc;
	const char *what;
};

static int
fail(struct perr *e, int rc, const char *what)
{
	if (e->rc == TDV_OK) {
		e->rc = rc;
		e->what = what;
	}
	return rc;
}

static int
syntax(struct perr *e, int j)
{
	return j == J_NOMEM ? fail(e, TDV_ENOMEM, "out of memory")
			    : fail(e, TDV_EPARSE, "batch is not valid JSON");
}

/* An object with exactly the given keys, at x->p. */
static int
parse_record(struct lx *x, const struct field *f, size_t nf, void *rec, struct tmp *t,
    tdv__jscratch *js, const char *kind, struct perr *e)
{
	uint32_t seen = 0;
	size_t hint = 0;
	ws(x);
	if (x->p >= x->end || *x->p == ']' || *x->p == '}' || *x->p == ',' || *x->p == ':')
		return syntax(e, J_SYNTAX); /* no value here at all */
	if (*x->p != '{')
		return fail(e, TDV_EPARSE, kind);
	x->p++;
	ws(x);
	if (x->p < x->end && *x->p == '}')
		return fail(e, TDV_EPARSE, kind); /* no key at all */
	for (;;) {
		char key[24];
		size_t kn = 0;
		ws(x);
		if (x->p >= x->end || *x->p != '"')
			return syntax(e, J_SYNTAX);
		int j = lex_string(x, key, sizeof(key), &kn);
		if (j == J_LONG)
			return fail(e, TDV_EPARSE, kind); /* no such key */
		if (j != J_OK)
			return syntax(e, j);
		size_t i = hint < nf && strcmp(key, f[hint].name) == 0 ? hint : nf;
		for (size_t k = 0; i == nf && k < nf; k++)
			if (strcmp(key, f[k].name) == 0)
				i = k;
		if (i == nf || kn != strlen(key) || (seen & (1u << i)))
			return fail(e, TDV_EPARSE, kind); /* unknown or twice */
		seen |= 1u << i;
		hint = i + 1;
		ws(x);
		if (x->p >= x->end || *x->p != ':')
			return syntax(e, J_SYNTAX);
		x->p++;
		ws(x);
		if (x->p >= x->end)
			return syntax(e, J_SYNTAX);
		char *base = f[i].tmp ? (char *)t : (char *)rec;
		if (f[i].type == F_INT) {
			bool is_int = false;
			int64_t v = 0;
			if (*x->p != '-' && !digit(*x->p))
				return fail(e, TDV_EPARSE, kind);
			if ((j = lex_number(x, &is_int, &v)) != J_OK)
				return syntax(e, j);
			if (!is_int)
				return fail(e, TDV_EPARSE, kind);
			memcpy(base + f[i].off, &v, sizeof(v));
		} else {
			size_t n = 0;
			if (*x->p != '"')
				return fail(e, TDV_EPARSE, kind);
			j = lex_string(x, base + f[i].off, f[i].size, &n);
			if (j == J_LONG)
				return fail(e, TDV_EPARSE, kind); /* longer than the field */
			if (j != J_OK)
				return syntax(e, j);
			if (f[i].type == F_CHECKS) {
				struct lx c = {(const unsigned char *)base + f[i].off,
				    (const unsigned char *)base + f[i].off,
				    (const unsigned char *)base + f[i].off + n};
				j = json_check(&c, true, js);
				if (j == J_NOMEM)
					return syntax(e, j);
				if (j != J_OK)
					return fail(e, TDV_EPARSE, kind);
			}
		}
		ws(x);
		if (x->p >= x->end)
			return syntax(e, J_SYNTAX);
		unsigned char c = *x->p++;
		if (c == '}')
			break;
		if (c != ',')
			return syntax(e, J_SYNTAX);
	}
	if (seen != (1u << nf) - 1u)
		return fail(e, TDV_EPARSE, kind); /* a key missing */
	return TDV_OK;
}

static int
parse_audit(struct lx *x, tdv_audit_entry *a, tdv__jscratch *js, struct perr *e)
{
	memset(a, 0, sizeof(*a));
	return parse_record(x, audit_fields, NF(audit_fields), a, NULL, js,
	    "malformed audit entry", e);
}

static int
parse_movement(struct lx *x, tdv_movement *m, tdv__jscratch *js, struct perr *e)
{
	/* every field is written by the parse (checks_json up to its NUL);
	 * zeroing the 16 KiB checks buffer for each record is not needed */
	memset(m, 0, offsetof(tdv_movement, checks_json));
	m->checks_json[0] = '\0';
	struct tmp t;
	memset(&t, 0, sizeof(t));
	static const char what[] = "malformed movement";
	int rc = parse_record(x, movement_fields, NF(movement_fields), m, &t, js, what, e);
	if (rc != TDV_OK)
		return rc;
	if (tdv_direction_parse(t.dir, &m->direction) != TDV_OK ||
	    tdv_decision_parse(t.dec, &m->decision) != TDV_OK || t.sex[0] == '\0')
		return fail(e, TDV_EPARSE, what);
	m->sex = t.sex[0];
	return TDV_OK;
}

static int
parse_referral(struct lx *x, tdv_referral_outcome *r, tdv__jscratch *js, struct perr *e)
{
	memset(r, 0, sizeof(*r));
	struct tmp t;
	memset(&t, 0, sizeof(t));
	static const char what[] = "malformed referral outcome";
	int rc = parse_record(x, referral_fields, NF(referral_fields), r, &t, js, what, e);
	if (rc != TDV_OK)
		return rc;
	if (tdv_decision_parse(t.dec, &r->outcome) != TDV_OK)
		return fail(e, TDV_EPARSE, what);
	return TDV_OK;
}

/* ---- the batch ---- */

int
tdv__batch_parser_init(tdv__batch_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->m = malloc(sizeof(*p->m));
	return p->m != NULL ? TDV_OK : TDV_ENOMEM;
}

void
tdv__batch_parser_free(tdv__batch_parser *p)
{
	if (p->m != NULL)
		memset(p->m, 0, sizeof(*p->m)); /* personal data */
	free(p->m);
	tdv__jscratch_free(&p->js);
	memset(p, 0, sizeof(*p));
}

enum { K_V = 1, K_CP = 2, K_AUDIT = 4, K_MOV = 8, K_REF = 16 };

static const char shape_msg[] =
    "not a version 1 {v, checkpoint, audit, movements} or version 2"
    " (+ referrals) batch";

/* One record array (x->p after its '['). */
static int
parse_section(tdv__batch_parser *bp, struct lx *x, int sec, const tdv__batch_sink *sink,
    tdv__batch_error *err, struct perr *e)
{
	size_t i = 0;
	ws(x);
	if (x->p < x->end && *x->p == ']') {
		x->p++;
		goto end;
	}
	for (;; i++) {
		err->section = sec;
		err->index = i;
		ws(x);
		size_t off = (size_t)(x->p - x->s);
		err->offset = off;
		int rc;
		if (sec == TDV__SEC_AUDIT) {
			tdv_audit_entry a;
			rc = parse_audit(x, &a, &bp->js, e);
			if (rc == TDV_OK && sink->audit != NULL)
				rc = sink->audit(sink->ctx, i, &a);
		} else if (sec == TDV__SEC_MOVEMENTS) {
			rc = parse_movement(x, bp->m, &bp->js, e);
			if (rc == TDV_OK && sink->movement != NULL)
				rc = sink->movement(sink->ctx, i, off, bp->m);
		} else {
			tdv_referral_outcome r;
			rc = parse_referral(x, &r, &bp->js, e);
			if (rc == TDV_OK && sink->referral != NULL)
				rc = sink->referral(sink->ctx, i, &r);
		}
		if (rc != TDV_OK)
			return fail(e, rc, NULL);
		ws(x);
		if (x->p >= x->end)
			return syntax(e, J_SYNTAX);
		unsigned char c = *x->p++;
		if (c == ']') {
			i++;
			break;
		}
		if (c != ',')
			return syntax(e, J_SYNTAX);
	}
end:
	err->section = 0;
	if (sink->section_end != NULL) {
		int rc = sink->section_end(sink->ctx, sec, i);
		if (rc != TDV_OK)
			return fail(e, rc, NULL);
	}
	return TDV_OK;
}

int
tdv__batch_parse(tdv__batch_parser *bp, const char *body, size_t len,
    const tdv__batch_sink *sink, tdv__batch_error *err)
{
	struct perr e = {TDV_OK, NULL};
	if (bp == NULL || body == NULL || sink == NULL || err == NULL || bp->m == NULL)
		return TDV_EINVAL;
	memset(err, 0, sizeof(*err));
	bp->version = 0;
	struct lx x = {(const unsigned char *)body, (const unsigned char *)body,
	    (const unsigned char *)body + len};
	unsigned seen = 0;
	int64_t v = 0;
	int rc = TDV_OK;
	ws(&x);
	if (x.p >= x.end || (*x.p != '{' && *x.p != '[')) {
		rc = syntax(&e, J_SYNTAX);
		goto out;
	}
	if (*x.p == '[') { /* JSON, perhaps, but not a batch */
		rc = json_check(&x, false, &bp->js) == J_OK ? fail(&e, TDV_EPARSE, shape_msg)
							      : syntax(&e, J_SYNTAX);
		goto out;
	}
	x.p++;
	ws(&x);
	if (x.p < x.end && *x.p == '}') {
		x.p++;
		goto end;
	}
	for (;;) {
		char key[16];
		size_t kn = 0;
		ws(&x);
		err->offset = (size_t)(x.p - x.s);
		if (x.p >= x.end || *x.p != '"') {
			rc = syntax(&e, J_SYNTAX);
			goto out;
		}
		int j = lex_string(&x, key, sizeof(key), &kn);
		if (j != J_OK && j != J_LONG) {
			rc = syntax(&e, j);
			goto out;
		}
		unsigned k = j == J_LONG || kn != strlen(key) ? 0
		    : strcmp(key, "v") == 0		    ? K_V
		    : strcmp(key, "checkpoint") == 0	    ? K_CP
		    : strcmp(key, "audit") == 0		    ? K_AUDIT
		    : strcmp(key, "movements") == 0	    ? K_MOV
		    : strcmp(key, "referrals") == 0	    ? K_REF
							    : 0;
		if (k == 0 || (seen & k)) {
			rc = fail(&e, TDV_EPARSE, k == 0 ? shape_msg : "batch has a key twice");
			goto out;
		}
		seen |= k;
		ws(&x);
		if (x.p >= x.end || *x.p != ':') {
			rc = syntax(&e, J_SYNTAX);
			goto out;
		}
		x.p++;
		ws(&x);
		if (x.p >= x.end) {
			rc = syntax(&e, J_SYNTAX);
			goto out;
		}
		if (k == K_V) {
			bool is_int = false;
			if (*x.p != '-' && !digit(*x.p)) {
				rc = fail(&e, TDV_EPARSE, shape_msg);
				goto out;
			}
			if ((j = lex_number(&x, &is_int, &v)) != J_OK) {
				rc = syntax(&e, j);
				goto out;
			}
			if (!is_int || (v != 1 && v != 2)) {
				rc = fail(&e, TDV_EPARSE, shape_msg);
				goto out;
			}
		} else if (k == K_CP) {
			char cp[TDV_ID_MAX + 2];
			size_t n = 0;
			if (*x.p != '"') {
				rc = fail(&e, TDV_EPARSE, shape_msg);
				goto out;
			}
			const unsigned char *at = x.p;
			j = lex_string(&x, cp, sizeof(cp), &n);
			if (j == J_LONG) { /* still read (and check) the whole string */
				x.p = at;
				j = lex_string(&x, NULL, 0, NULL) == J_OK ? J_LONG : J_SYNTAX;
			}
			if (j != J_OK && j != J_LONG) {
				rc = syntax(&e, j);
				goto out;
			}
			/* longer than any id: told to the caller as NULL */
			if (sink->checkpoint != NULL &&
			    (rc = sink->checkpoint(sink->ctx, j == J_LONG ? NULL : cp, n)) != TDV_OK) {
				fail(&e, rc, NULL);
				goto out;
			}
		} else {
			if (*x.p != '[') {
				rc = fail(&e, TDV_EPARSE, shape_msg);
				goto out;
			}
			x.p++;
			int sec = k == K_AUDIT ? TDV__SEC_AUDIT
			    : k == K_MOV       ? TDV__SEC_MOVEMENTS
					       : TDV__SEC_REFERRALS;
			if ((rc = parse_section(bp, &x, sec, sink, err, &e)) != TDV_OK)
				goto out;
		}
		ws(&x);
		if (x.p >= x.end) {
			rc = syntax(&e, J_SYNTAX);
			goto out;
		}
		unsigned char c = *x.p++;
		if (c == '}')
			break;
		if (c != ',') {
			rc = syntax(&e, J_SYNTAX);
			goto out;
		}
	}
end:
	ws(&x);
	err->section = 0;
	if (x.p != x.end) {
		rc = syntax(&e, J_SYNTAX);
		goto out;
	}
	if (!(v == 1 ? seen == (K_V | K_CP | K_AUDIT | K_MOV)
	      : v == 2 ? seen == (K_V | K_CP | K_AUDIT | K_MOV | K_REF)
		       : false)) {
		rc = fail(&e, TDV_EPARSE, shape_msg);
		goto out;
	}
	bp->version = (int)v;
out:
	if (rc != TDV_OK) {
		err->rc = e.rc != TDV_OK ? e.rc : rc;
		err->what = e.what;
		if (err->section == 0 || e.what == NULL ||
		    strcmp(e.what, "batch is not valid JSON") == 0)
			err->offset = (size_t)(x.p - x.s);
		return err->rc;
	}
	return TDV_OK;
}

int
tdv__batch_movement_at(tdv__batch_parser *p, const char *body, size_t len,
    size_t off, tdv_movement *m)
{
	if (p == NULL || body == NULL || m == NULL || off >= len)
		return TDV_EINVAL;
	struct lx x = {(const unsigned char *)body, (const unsigned char *)body + off,
	    (const unsigned char *)body + len};
	struct perr e = {TDV_OK, NULL};
	return parse_movement(&x, m, &p->js, &e);
}
