/*
 * Watchlist of persons: CSV load, an inverted index of phonetic token keys
 * (the transliteration-neutral skeleton, its one-deletion variants and
 * the consonant skeleton) for candidate selection, and scoring of the
 * candidates with the name matcher plus date of birth, nationality, sex
 * and document numbers as evidence.
 *
 * Names are kept in compact form (romanised tokens) and expanded only for
 * the candidates of a query, so a list of a million persons fits in a few
 * hundred megabytes.
 */
#include <stdlib.h>
#include <string.h>

#include "screen/csv.h"
#include "screen/names_int.h"
#include "screen/sltd_int.h"
#include "tdv/error.h"

#define WL_MAX_DOCS 8

struct wl_entry {
	char *id;
	char *names_utf8; /* the names as given, '|'-separated (for display) */
	uint32_t first_name; /* index into wl->names */
	uint8_t nnames;
	tdv_date birth;
	char nat[4];
	char sex;
	char *reason, *action;
};

struct wl_name {
	struct tdv__cname c;
	uint32_t entry;
	uint16_t utf8_off, utf8_len; /* within the entry's names_utf8 */
	uint8_t ntok;
};

struct posting {
	uint32_t key;
	uint32_t name;
};

struct tdv_watchlist {
	double threshold;
	struct wl_entry *e;
	size_t ne, cape;
	struct wl_name *n;
	size_t nn, capn;
	/* index: sorted unique keys, offsets into refs */
	uint32_t *keys;
	uint32_t *off;
	uint32_t *refs;
	size_t nkeys;
	/* document numbers: sorted (hash, entry) */
	struct posting *docs;
	size_t ndocs, capdocs;
};

static char *
dupstr(const char *s)
{
	size_t l = strlen(s);
	char *p = malloc(l + 1);
	if (p != NULL)
		memcpy(p, s, l + 1);
	return p;
}

static uint32_t
key_hash(const char *s, size_t n, uint32_t kind)
{
	return (uint32_t)tdv__sltd_hash(s, n, 0x77a7c4u + kind);
}

/* The index keys of one token: skeleton, consonant skeleton, and the
 * skeleton with one letter deleted (for keys of four letters or more). */
static size_t
token_keys(const struct tdv__tok *t, uint32_t *out, size_t max)
{
	size_t n = 0;
	if (t->keylen == 0 || t->particle)
		return 0;
	out[n++] = key_hash(t->key, t->keylen, 0);
	if (t->conslen >= 2 && n < max)
		out[n++] = key_hash(t->cons, t->conslen, 1);
	if (t->keylen >= 4) {
		char d[TDV_NAME_TOKEN_MAX + 1];
		for (size_t i = 0; i < t->keylen && n < max; i++) {
			if (i > 0 && t->key[i] == t->key[i - 1])
				continue;
			memcpy(d, t->key, i);
			memcpy(d + i, t->key + i + 1, t->keylen - i - 1u);
			out[n++] = key_hash(d, t->keylen - 1u, 2);
		}
	}
	return n;
}

static int
parse_birth(const char *s, tdv_date *d)
{
	memset(d, 0, sizeof(*d));
	size_t n = strlen(s);
	if (n == 0)
		return TDV_OK;
	char buf[11];
	if (n == 4 || n == 7) {
		char full[11];
		snprintf(full, sizeof(full), "%s%s", s, n == 4 ? "-01-01" : "-01");
		if (tdv_date_parse_iso(full, d) != TDV_OK)
			return TDV_EDATE;
		if (n == 4)
			d->month = 0;
		d->day = 0;
		return TDV_OK;
	}
	if (n != 10)
		return TDV_EDATE;
	memcpy(buf, s, 11);
	return tdv_date_parse_iso(buf, d);
}

static int
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return TDV_OK;
	size_t nc = *cap ? *cap * 2 : 1024;
	while (nc < need)
		nc *= 2;
	void *q = realloc(*p, nc * elem);
	if (q == NULL)
		return TDV_ENOMEM;
	*p = q;
	*cap = nc;
	return TDV_OK;
}

/* Add one CSV row; msg explains a rejection. */
static int
add_row(tdv_watchlist *wl, const char *const *f, size_t nf, struct posting **pp,
    size_t *np, size_t *capp, char *msg, size_t msgsz)
{
	if (nf != 8) {
		snprintf(msg, msgsz, "expected 8 fields, got %zu", nf);
		return TDV_ESCREEN_CSV;
	}
	if (f[0][0] == '\0' || f[1][0] == '\0') {
		snprintf(msg, msgsz, "id and names are required");
		return TDV_ESCREEN_CSV;
	}
	struct wl_entry e;
	memset(&e, 0, sizeof(e));
	if (parse_birth(f[2], &e.birth) != TDV_OK) {
		snprintf(msg, msgsz, "bad birth date '%.16s' (YYYY, YYYY-MM or YYYY-MM-DD)", f[2]);
		return TDV_ESCREEN_CSV;
	}
	size_t nl = strlen(f[3]);
	if (nl > 3) {
		snprintf(msg, msgsz, "bad nationality '%.8s'", f[3]);
		return TDV_ESCREEN_CSV;
	}
	for (size_t i = 0; i < nl; i++) {
		char ch = f[3][i];
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (!(ch >= 'A' && ch <= 'Z')) {
			snprintf(msg, msgsz, "bad nationality '%.8s'", f[3]);
			return TDV_ESCREEN_CSV;
		}
		e.nat[i] = ch;
	}
	if (f[4][0] != '\0') {
		char s = f[4][0];
		if (s >= 'a' && s <= 'z')
			s = (char)(s - 'a' + 'A');
		if (f[4][1] != '\0' || (s != 'M' && s != 'F' && s != 'X')) {
			snprintf(msg, msgsz, "bad sex '%.8s' (M, F, X or empty)", f[4]);
			return TDV_ESCREEN_CSV;
		}
		e.sex = s;
	}
	/* Names and aliases. */
	struct wl_name names[TDV_WATCH_MAX_ALIASES];
	struct tdv__tok toks[TDV_NAME_MAX_TOKENS];
	size_t nnames = 0;
	const char *p = f[1];
	int rc = TDV_OK;
	while (rc == TDV_OK) {
		const char *bar = strchr(p, '|');
		size_t l = bar ? (size_t)(bar - p) : strlen(p);
		if (nnames == TDV_WATCH_MAX_ALIASES) {
			snprintf(msg, msgsz, "more than %d names", TDV_WATCH_MAX_ALIASES);
			rc = TDV_ESCREEN_CSV;
			break;
		}
		int nt = 0;
		bool mrz = false, trunc = false;
		int r = tdv__romanise_tokens(p, l, TDV__SYS_ICAO, toks, &nt, &mrz, &trunc);
		if (r != TDV_OK) {
			snprintf(msg, msgsz, "name %zu '%.*s': %s", nnames + 1,
			    (int)(l > 40 ? 40 : l), p, tdv_strerror(r));
			rc = TDV_ESCREEN_CSV;
			break;
		}
		struct wl_name *wn = &names[nnames];
		memset(wn, 0, sizeof(*wn));
		char latin[TDV_NAME_MAX_BYTES + 1], scripts[TDV_NAME_MAX_TOKENS + 1];
		size_t o = 0;
		for (int i = 0; i < nt; i++) {
			size_t tl = strlen(toks[i].s);
			if (o + tl + 2 >= sizeof(latin))
				break;
			if (i > 0)
				latin[o++] = ' ';
			memcpy(latin + o, toks[i].s, tl);
			o += tl;
			scripts[i] = toks[i].script;
			if (toks[i].surname)
				wn->c.surname |= (uint16_t)(1u << i);
		}
		latin[o] = '\0';
		scripts[nt] = '\0';
		wn->c.latin = dupstr(latin);
		wn->c.scripts = dupstr(scripts);
		wn->c.truncated = trunc;
		wn->ntok = (uint8_t)nt;
		wn->utf8_off = (uint16_t)(p - f[1]);
		wn->utf8_len = (uint16_t)l;
		if (wn->c.latin == NULL || wn->c.scripts == NULL) {
			free(wn->c.latin);
			free(wn->c.scripts);
			rc = TDV_ENOMEM;
			break;
		}
		nnames++;
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	if (rc == TDV_OK && (wl->ne >= TDV_WATCH_MAX_ENTRIES)) {
		snprintf(msg, msgsz, "list larger than %u entries", TDV_WATCH_MAX_ENTRIES);
		rc = TDV_ELIMIT;
	}
	if (rc == TDV_OK)
		rc = grow((void **)&wl->e, &wl->cape, wl->ne + 1, sizeof(*wl->e));
	if (rc == TDV_OK)
		rc = grow((void **)&wl->n, &wl->capn, wl->nn + nnames, sizeof(*wl->n));
	if (rc == TDV_OK) {
		e.id = dupstr(f[0]);
		e.names_utf8 = dupstr(f[1]);
		e.reason = dupstr(f[6]);
		e.action = dupstr(f[7]);
		if (!e.id || !e.names_utf8 || !e.reason || !e.action) {
			free(e.id), free(e.names_utf8), free(e.reason), free(e.action);
			rc = TDV_ENOMEM;
		}
	}
	if (rc != TDV_OK) {
		for (size_t i = 0; i < nnames; i++) {
			free(names[i].c.latin);
			free(names[i].c.scripts);
		}
		return rc;
	}
	uint32_t entry = (uint32_t)wl->ne;
	e.first_name = (uint32_t)wl->nn;
	e.nnames = (uint8_t)nnames;
	wl->e[wl->ne++] = e;
	for (size_t i = 0; i < nnames; i++) {
		names[i].entry = entry;
		uint32_t ni = (uint32_t)wl->nn;
		wl->n[wl->nn++] = names[i];
		/* Postings for the name's tokens. */
		tdv_name *tn = malloc(sizeof(*tn));
		if (tn == NULL)
			return TDV_ENOMEM;
		tdv__name_expand(&names[i].c, tn);
		for (int t = 0; t < tn->ntok; t++) {
			uint32_t k[TDV_NAME_TOKEN_MAX + 2];
			size_t nk = token_keys(&tn->tok[t], k, sizeof(k) / sizeof(k[0]));
			if (grow((void **)pp, capp, *np + nk, sizeof(**pp)) != TDV_OK) {
				free(tn);
				return TDV_ENOMEM;
			}
			for (size_t j = 0; j < nk; j++)
				(*pp)[(*np)++] = (struct posting){k[j], ni};
		}
		free(tn);
	}
	/* Document numbers. */
	p = f[5];
	while (*p != '\0') {
		const char *bar = strchr(p, '|');
		size_t l = bar ? (size_t)(bar - p) : strlen(p);
		char raw[64], num[TDV_SLTD_NUMBER_MAX + 1];
		if (l < sizeof(raw)) {
			memcpy(raw, p, l);
			raw[l] = '\0';
			if (tdv_sltd_normalise_number(raw, num, sizeof(num)) == TDV_OK) {
				if (grow((void **)&wl->docs, &wl->capdocs, wl->ndocs + 1, sizeof(*wl->docs)) != TDV_OK)
					return TDV_ENOMEM;
				wl->docs[wl->ndocs++] = (struct posting){key_hash(num, strlen(num), 9), entry};
			}
		}
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	return TDV_OK;
}

static int
cmp_post(const void *pa, const void *pb)
{
	const struct posting *a = pa, *b = pb;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->name < b->name ? -1 : a->name > b->name;
}

static int
build_index(tdv_watchlist *wl, struct posting *p, size_t np)
{
	if (np > 0)
		qsort(p, np, sizeof(*p), cmp_post);
	size_t nk = 0;
	for (size_t i = 0; i < np; i++)
		if (i == 0 || p[i].key != p[i - 1].key)
			nk++;
	wl->keys = malloc((nk ? nk : 1) * sizeof(*wl->keys));
	wl->off = malloc((nk + 1) * sizeof(*wl->off));
	wl->refs = malloc((np ? np : 1) * sizeof(*wl->refs));
	if (wl->keys == NULL || wl->off == NULL || wl->refs == NULL)
		return TDV_ENOMEM;
	size_t k = 0, r = 0;
	for (size_t i = 0; i < np; i++) {
		if (i > 0 && p[i].key == p[i - 1].key && p[i].name == p[i - 1].name)
			continue; /* a name hit twice under one key */
		if (i == 0 || p[i].key != p[i - 1].key) {
			wl->keys[k] = p[i].key;
			wl->off[k] = (uint32_t)r;
			k++;
		}
		wl->refs[r++] = p[i].name;
	}
	wl->off[k] = (uint32_t)r;
	wl->nkeys = k;
	if (wl->ndocs > 0) /* qsort(NULL, 0, ...) is undefined behaviour */
		qsort(wl->docs, wl->ndocs, sizeof(*wl->docs), cmp_post);
	return TDV_OK;
}

int
tdv_watchlist_load_csv(FILE *csv, double threshold, tdv_screen_error_fn on_error,
    void *ctx, tdv_watchlist **out, tdv_watch_stats *st)
{
	tdv_watch_stats s0;
	if (st == NULL)
		st = &s0;
	memset(st, 0, sizeof(*st));
	*out = NULL;
	if (csv == NULL)
		return TDV_EINVAL;
	tdv_watchlist *wl = calloc(1, sizeof(*wl));
	tdv__csv *c = malloc(sizeof(*c));
	if (wl == NULL || c == NULL) {
		free(wl);
		free(c);
		return TDV_ENOMEM;
	}
	wl->threshold = threshold > 0 && threshold <= 1 ? threshold : TDV_NAMES_DEFAULT_THRESHOLD;
	tdv__csv_init(c, csv);
	struct posting *p = NULL;
	size_t np = 0, capp = 0;
	char msg[200];
	int rc;
	bool first = true;
	while ((rc = tdv__csv_next(c)) != 0) {
		if (rc == TDV_EIO)
			break;
		if (rc < 0) {
			st->lines++;
			st->rejected++;
			if (on_error)
				on_error(ctx, c->line, TDV_ESCREEN_CSV,
				    rc == TDV_ELIMIT ? "line too long" :
				    rc == TDV_EUTF8 ? "invalid UTF-8" : "bad quoting or too many fields");
			first = false;
			continue;
		}
		if (first && c->nfields > 0 && strcmp(c->fields[0], "id") == 0) {
			first = false;
			continue;
		}
		first = false;
		st->lines++;
		rc = add_row(wl, c->fields, c->nfields, &p, &np, &capp, msg, sizeof(msg));
		if (rc == TDV_ENOMEM || rc == TDV_ELIMIT)
			break;
		if (rc != TDV_OK) {
			st->rejected++;
			if (on_error)
				on_error(ctx, c->line, rc, msg);
			continue;
		}
		st->accepted++;
		rc = 0;
	}
	free(c);
	if (rc >= 0 && wl->ne == 0)
		rc = TDV_ESCREEN_CSV;
	if (rc >= 0)
		rc = build_index(wl, p, np);
	free(p);
	if (rc != TDV_OK) {
		tdv_watchlist_free(&wl);
		return rc;
	}
	st->names = wl->nn;
	*out = wl;
	return TDV_OK;
}

void
tdv_watchlist_free(tdv_watchlist **pwl)
{
	if (pwl == NULL || *pwl == NULL)
		return;
	tdv_watchlist *wl = *pwl;
	for (size_t i = 0; i < wl->ne; i++) {
		free(wl->e[i].id);
		free(wl->e[i].names_utf8);
		free(wl->e[i].reason);
		free(wl->e[i].action);
	}
	for (size_t i = 0; i < wl->nn; i++) {
		free(wl->n[i].c.latin);
		free(wl->n[i].c.scripts);
	}
	free(wl->e);
	free(wl->n);
	free(wl->keys);
	free(wl->off);
	free(wl->refs);
	free(wl->docs);
	free(wl);
	*pwl = NULL;
}

size_t
tdv_watchlist_size(const tdv_watchlist *wl)
{
	return wl->ne;
}

double
tdv_watchlist_threshold(const tdv_watchlist *wl)
{
	return wl->threshold;
}

/* --- matching -------------------------------------------------------- */

struct cand {
	uint32_t name;
	uint16_t hits;    /* distinct query tokens that hit this name */
	int16_t last_tok; /* last query token counted */
};

struct cset {
	struct cand *v;
	size_t n, cap; /* open addressing, cap a power of two */
};

static int
cset_add(struct cset *s, uint32_t name, int tok)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 1024;
		struct cand *nv = malloc(nc * sizeof(*nv));
		if (nv == NULL)
			return TDV_ENOMEM;
		for (size_t i = 0; i < nc; i++)
			nv[i].name = UINT32_MAX;
		for (size_t i = 0; i < s->cap; i++) {
			if (s->v[i].name == UINT32_MAX)
				continue;
			size_t h = (s->v[i].name * 2654435761u) & (nc - 1);
			while (nv[h].name != UINT32_MAX)
				h = (h + 1) & (nc - 1);
			nv[h] = s->v[i];
		}
		free(s->v);
		s->v = nv;
		s->cap = nc;
	}
	size_t h = (name * 2654435761u) & (s->cap - 1);
	while (s->v[h].name != UINT32_MAX && s->v[h].name != name)
		h = (h + 1) & (s->cap - 1);
	if (s->v[h].name == UINT32_MAX) {
		s->v[h] = (struct cand){name, 0, -1};
		s->n++;
	}
	if (s->v[h].last_tok != tok) {
		s->v[h].last_tok = (int16_t)tok;
		s->v[h].hits++;
	}
	return TDV_OK;
}

static size_t
find_key(const tdv_watchlist *wl, uint32_t key)
{
	size_t lo = 0, hi = wl->nkeys;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (wl->keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < wl->nkeys && wl->keys[lo] == key ? lo : SIZE_MAX;
}

/* Date of birth, nationality and sex as evidence for or against. */
static double
evidence(const struct wl_entry *e, const tdv_traveller *t, char *why, size_t whysz)
{
	double adj = 0;
	size_t o = 0;
	why[0] = '\0';
#define WHY(...)                                                                \
	do {                                                                    \
		if (o < whysz) {                                                \
			int w_ = snprintf(why + o, whysz - o, __VA_ARGS__);     \
			if (w_ > 0)                                             \
				o += (size_t)w_;                                \
		}                                                               \
	} while (0)
	if (e->birth.year != 0 && t->birth.year != 0) {
		int dy = e->birth.year - t->birth.year;
		if (dy < 0)
			dy = -dy;
		bool full = e->birth.day != 0 && t->birth.day != 0;
		if (dy == 0 && full && e->birth.month == t->birth.month &&
		    e->birth.day == t->birth.day) {
			adj += 0.05;
			WHY("%sbirth date equal +0.05", o ? "; " : "");
		} else if (dy == 0 && !(full || (e->birth.month && t->birth.month &&
		    e->birth.month != t->birth.month))) {
			adj += 0.02;
			WHY("%sbirth year equal +0.02", o ? "; " : "");
		} else if (dy == 0) {
			adj -= 0.05;
			WHY("%sbirth date differs in the same year -0.05", o ? "; " : "");
		} else if (dy > 1) {
			adj -= 0.15;
			WHY("%sbirth year differs by %d -0.15", o ? "; " : "", dy);
		}
	}
	if (e->nat[0] != '\0' && t->nationality != NULL && t->nationality[0] != '\0') {
		if (strcmp(e->nat, t->nationality) == 0) {
			adj += 0.02;
			WHY("%snationality equal +0.02", o ? "; " : "");
		} else {
			adj -= 0.05;
			WHY("%snationality differs -0.05", o ? "; " : "");
		}
	}
	if (e->sex != 0 && e->sex != 'X' && (t->sex == 'M' || t->sex == 'F') &&
	    e->sex != t->sex) {
		adj -= 0.10;
		WHY("%ssex differs -0.10", o ? "; " : "");
	}
#undef WHY
	return adj;
}

static int
cmp_hit(const void *pa, const void *pb)
{
	const tdv_watch_hit *a = pa, *b = pb;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return a->entry < b->entry ? -1 : a->entry > b->entry;
}

/* Insert h into the best-first array hits[0..*n) of capacity max (an
 * insertion step, no sort: a common name can give thousands of hits). */
static void
keep_best(tdv_watch_hit *hits, size_t max, size_t *n, const tdv_watch_hit *h)
{
	if (max == 0)
		return;
	size_t at = *n;
	for (size_t i = 0; i < *n; i++)
		if (hits[i].entry == h->entry) {
			if (!(h->score > hits[i].score))
				return;
			at = i; /* better score for an entry already kept */
			break;
		}
	if (at == *n) {
		if (*n == max) {
			if (cmp_hit(h, &hits[max - 1]) >= 0)
				return;
			at = max - 1;
		} else {
			(*n)++;
		}
	}
	/* Move h up from slot `at` to its place. */
	while (at > 0 && cmp_hit(h, &hits[at - 1]) < 0) {
		hits[at] = hits[at - 1];
		at--;
	}
	hits[at] = *h;
}

int
tdv_watchlist_match(const tdv_watchlist *wl, const tdv_traveller *t,
    tdv_watch_hit *hits, size_t maxhits, size_t *nhits)
{
	*nhits = 0;
	if (wl == NULL || t == NULL || t->name == NULL)
		return TDV_EINVAL;
	tdv_name *q = NULL;
	int rc = tdv_name_new(t->name, strlen(t->name), &q);
	if (rc != TDV_OK)
		return rc;
	struct cset cs = {NULL, 0, 0};
	for (int i = 0; i < q->ntok && rc == TDV_OK; i++) {
		uint32_t k[TDV_NAME_TOKEN_MAX + 2];
		size_t nk = token_keys(&q->tok[i], k, sizeof(k) / sizeof(k[0]));
		for (size_t j = 0; j < nk && rc == TDV_OK; j++) {
			size_t at = find_key(wl, k[j]);
			if (at == SIZE_MAX)
				continue;
			for (uint32_t r = wl->off[at]; r < wl->off[at + 1] && rc == TDV_OK; r++)
				rc = cset_add(&cs, wl->refs[r], i);
		}
	}
	tdv_name *en = malloc(sizeof(*en));
	tdv_watch_hit *h = malloc(sizeof(*h));
	if (en == NULL || h == NULL)
		rc = TDV_ENOMEM;
	/* Query tokens that count: particles are not indexed. */
	int qn = 0;
	for (int i = 0; i < q->ntok; i++)
		qn += !q->tok[i].particle;
	/* Names that romanise alike score alike: remember each distinct
	 * romanised form's name score for this query. */
	size_t mcap = 64;
	while (mcap < cs.n * 2)
		mcap *= 2;
	struct memo {
		const char *latin;
		double score;
	} *memo = calloc(mcap, sizeof(*memo));
	if (memo == NULL)
		rc = TDV_ENOMEM;
	for (size_t i = 0; i < cs.cap && rc == TDV_OK; i++) {
		struct cand *c = &cs.v[i];
		if (c->name == UINT32_MAX)
			continue;
		const struct wl_name *wn = &wl->n[c->name];
		int need = qn < wn->ntok ? qn : wn->ntok;
		if (need > 2)
			need = 2;
		if (c->hits < need)
			continue;
		const struct wl_entry *e = &wl->e[wn->entry];
		size_t mh = (size_t)tdv__sltd_hash(wn->c.latin, strlen(wn->c.latin), 3) & (mcap - 1);
		while (memo[mh].latin != NULL && strcmp(memo[mh].latin, wn->c.latin) != 0)
			mh = (mh + 1) & (mcap - 1);
		h->detail.nparts = 0;
		h->evidence[0] = '\0';
		if (memo[mh].latin != NULL) {
			h->name_score = memo[mh].score;
		} else {
			tdv__name_expand(&wn->c, en);
			tdv_name_compare(q, en, wl->threshold, &h->detail);
			h->name_score = h->detail.score;
			memo[mh].latin = wn->c.latin;
			memo[mh].score = h->name_score;
		}
		h->entry = wn->entry;
		double s = h->name_score + evidence(e, t, h->evidence, sizeof(h->evidence));
		h->score = s < 0 ? 0 : s > 1 ? 1 : s;
		if (h->score < wl->threshold)
			continue;
		h->internal = wn; /* the explanation is made for the kept hits only */
		h->id = e->id;
		h->matched_name = wn->c.latin;
		h->reason = e->reason;
		h->action = e->action;
		keep_best(hits, maxhits, nhits, h);
	}
	/* A listed document number is a hit whatever the name says. */
	if (rc == TDV_OK && t->document_number != NULL && t->document_number[0] != '\0') {
		char num[TDV_SLTD_NUMBER_MAX + 1];
		if (tdv_sltd_normalise_number(t->document_number, num, sizeof(num)) == TDV_OK) {
			uint32_t key = key_hash(num, strlen(num), 9);
			size_t lo = 0, hi = wl->ndocs;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (wl->docs[mid].key < key)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (size_t i = lo; i < wl->ndocs && wl->docs[i].key == key; i++) {
				const struct wl_entry *e = &wl->e[wl->docs[i].name];
				const struct wl_name *wn = &wl->n[e->first_name];
				tdv__name_expand(&wn->c, en);
				memset(h, 0, sizeof(*h));
				tdv_name_compare(q, en, wl->threshold, &h->detail);
				h->entry = wl->docs[i].name;
				h->name_score = h->detail.score;
				h->score = 1.0;
				snprintf(h->evidence, sizeof(h->evidence), "document number listed");
				h->internal = NULL;
				h->id = e->id;
				h->matched_name = wn->c.latin;
				h->reason = e->reason;
				h->action = e->action;
				keep_best(hits, maxhits, nhits, h);
			}
		}
	}
	for (size_t i = 0; i < *nhits && rc == TDV_OK; i++) {
		const struct wl_name *wn = hits[i].internal;
		if (wn == NULL)
			continue;
		tdv__name_expand(&wn->c, en);
		tdv_name_compare(q, en, wl->threshold, &hits[i].detail);
		hits[i].internal = NULL;
	}
	free(memo);
	free(cs.v);
	free(en);
	free(h);
	tdv_name_free(&q);
	return rc;
}
