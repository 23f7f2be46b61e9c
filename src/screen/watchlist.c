/*
 * Watchlist of persons.
 *
 * Names are romanised once when the list is loaded and interned: every
 * distinct romanised form (tokens, their scripts, surname marks) is kept
 * once, with the list of names (entries and aliases) that have it. The
 * inverted index maps phonetic token keys (the transliteration-neutral
 * skeleton, its one-deletion variants and the consonant skeleton) to
 * forms, not to persons, so a common name costs one index posting and one
 * name comparison however many persons carry it; date of birth,
 * nationality and sex are then applied per person as cheap evidence.
 *
 * Everything lives in flat arrays with strings in one pool, so the list
 * can be saved as a compiled file (tdv_watchlist_save) and mapped back
 * without parsing (tdv_watchlist_open).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "screen/csv.h"
#include "screen/names_int.h"
#include "screen/sltd_int.h"
#include "tdv/error.h"

/* Format 3 (TDV_WATCHLIST_FORMAT): the index maps keys to distinct
 * tokens and tokens to name forms, forms hold token ids, and the persons
 * of a form are stored together with their evidence fields. Files of
 * formats 1 and 2 are refused with TDV_ESCREEN_INDEX (the CLI names the
 * format and says to import the list again). */
#define WL_MAGIC "TDVWLST3"
_Static_assert(TDV_WATCHLIST_FORMAT == 3, "WL_MAGIC ends in the format digit");
#define WL_ENDIAN 0x01020304u
/* Best evidence a person can add to a name score (birth date +0.05,
 * nationality +0.02): a form scoring below threshold - this is skipped. */
#define WL_MAX_BONUS 0.07
/* Keys of a form made only of one token live in their own key space, so
 * the query can leave out the postings of its most common token. */
#define WL_KIND_SINGLE 16 /* key kinds 0-3, and 16-19 for single tokens */

struct wl_entry {
	uint32_t id, reason, action; /* pool offsets */
	uint32_t first_name;         /* names first_name .. + nnames */
	int32_t by, bm, bd;          /* birth date; 0 unknown */
	char nat[4];
	char sex;
	uint8_t nnames;
	uint8_t pad[2];
};

struct wl_form {
	uint32_t latin, scripts; /* pool offsets */
	uint32_t first, count;   /* its names: fp[first .. first + count) */
	uint32_t tok;            /* its token ids: ftok[tok .. tok + ntok) */
	uint16_t surname;
	uint8_t truncated, ntok;
};

struct wl_name {
	uint32_t form, entry;
};

/* What evidence() reads of an entry. */
struct wl_ev {
	int32_t by;
	int8_t bm, bd;
	char sex;
	char nat[4];
	uint8_t pad; /* no implicit padding: the struct is compared bytewise */
};

/* The names of each form, in form order, with their entry's evidence
 * (the persons of one form are read from one place). */
struct wl_fperson {
	uint32_t entry;
	struct wl_ev ev;
};

struct posting {
	uint32_t key;
	uint32_t ref;
};

struct wl_hdr {
	char magic[8];
	uint32_t endian, hdr_size;
	uint64_t version;
	int64_t created;
	double threshold;
	uint64_t ne, nf, nn, nkeys, nrefs, ndocs, pool_len;
	uint64_t ntoks, nftok, nkent;
	uint64_t file_size;
	uint8_t sha256[32];
};

struct tdv_watchlist {
	double threshold;
	uint64_t version;
	int64_t created;
	const struct wl_entry *e;
	const struct wl_form *f;
	const struct wl_name *n;
	const struct wl_fperson *fp; /* names grouped by form */
	const struct tdv__wtok *tok; /* distinct tokens (string, script) */
	const uint32_t *ftok;        /* token ids of the forms */
	/* key -> (token << 1 | single) in kent[koff[k] .. koff[k + 1]);
	 * token t, space sp -> refs[roff[2t + sp] .. roff[2t + sp + 1]),
	 * a ref being form << 4 | position of the token in the form */
	const uint32_t *keys, *koff, *kent, *roff, *refs;
	const struct posting *docs;        /* (document hash, entry) */
	const char *pool;
	size_t ne, nf, nn, nkeys, nrefs, ndocs, pool_len, ntoks, nftok, nkent;
	void *map; /* compiled file mapping, or NULL when built here */
	size_t map_size;
};

/* The evidence fields of an entry, every byte set (the struct is
 * written to the compiled file and compared). */
static struct wl_ev
entry_ev(const struct wl_entry *e)
{
	struct wl_ev v;
	memset(&v, 0, sizeof(v));
	v.by = e->by;
	v.bm = (int8_t)e->bm;
	v.bd = (int8_t)e->bd;
	v.sex = e->sex;
	memcpy(v.nat, e->nat, sizeof(v.nat));
	return v;
}

/* --- building ---------------------------------------------------------- */

struct strtab {
	char *p;
	size_t len, cap;
	uint32_t *slots; /* interned strings: offset + 1 */
	size_t nslots, nint;
};

struct builder {
	struct strtab pool;
	struct wl_entry *e;
	size_t ne, cape;
	struct wl_form *f;
	size_t nf, capf;
	uint32_t *fslots; /* form intern table: form id + 1 */
	size_t nfslots;
	struct wl_name *n;
	size_t nn, capn;
	struct posting *docs;
	size_t ndocs, capdocs;
};

/* The kind is mixed in after hashing: a seed that only differs in low
 * bits would meet the first letter's XOR in FNV-1a and make, for
 * instance, the consonant key of B... equal the skeleton key of C... */
static uint32_t
key_hash(const char *s, size_t n, uint32_t kind)
{
	uint64_t h = tdv__sltd_hash(s, n, 0x77a7c4u);
	h ^= (uint64_t)(kind + 1) * 0x9e3779b97f4a7c15ULL;
	h *= 0xbf58476d1ce4e5b9ULL;
	return (uint32_t)(h >> 32);
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

/* Append a string to the pool; intern = reuse an equal string. */
static int
pool_put(struct strtab *t, const char *s, bool intern, uint32_t *off)
{
	size_t l = strlen(s);
	size_t h = 0;
	if (intern) {
		if (t->nslots == 0 || (t->nint + 1) * 2 > t->nslots) {
			size_t ns = t->nslots ? t->nslots * 2 : 1024;
			uint32_t *sl = calloc(ns, sizeof(*sl));
			if (sl == NULL)
				return TDV_ENOMEM;
			for (size_t i = 0; i < t->nslots; i++) {
				if (t->slots[i] == 0)
					continue;
				const char *x = t->p + t->slots[i] - 1;
				size_t k = (size_t)tdv__sltd_hash(x, strlen(x), 5) & (ns - 1);
				while (sl[k] != 0)
					k = (k + 1) & (ns - 1);
				sl[k] = t->slots[i];
			}
			free(t->slots);
			t->slots = sl;
			t->nslots = ns;
		}
		h = (size_t)tdv__sltd_hash(s, l, 5) & (t->nslots - 1);
		while (t->slots[h] != 0) {
			if (strcmp(t->p + t->slots[h] - 1, s) == 0) {
				*off = t->slots[h] - 1;
				return TDV_OK;
			}
			h = (h + 1) & (t->nslots - 1);
		}
	}
	if (t->len + l + 1 >= UINT32_MAX - 1)
		return TDV_ELIMIT;
	if (grow((void **)&t->p, &t->cap, t->len + l + 1, 1) != TDV_OK)
		return TDV_ENOMEM;
	memcpy(t->p + t->len, s, l + 1);
	*off = (uint32_t)t->len;
	t->len += l + 1;
	if (intern) {
		t->slots[h] = *off + 1;
		t->nint++;
	}
	return TDV_OK;
}

/* The form id of (latin, scripts, surname, truncated), made if new. */
static int
form_intern(struct builder *b, const char *latin, const char *scripts,
    uint16_t surname, bool trunc, uint8_t ntok, uint32_t *id)
{
	if (b->nfslots == 0 || (b->nf + 1) * 2 > b->nfslots) {
		size_t ns = b->nfslots ? b->nfslots * 2 : 1024;
		uint32_t *sl = calloc(ns, sizeof(*sl));
		if (sl == NULL)
			return TDV_ENOMEM;
		for (size_t i = 0; i < b->nf; i++) {
			const char *x = b->pool.p + b->f[i].latin;
			size_t k = (size_t)tdv__sltd_hash(x, strlen(x), 11 + b->f[i].surname) & (ns - 1);
			while (sl[k] != 0)
				k = (k + 1) & (ns - 1);
			sl[k] = (uint32_t)i + 1;
		}
		free(b->fslots);
		b->fslots = sl;
		b->nfslots = ns;
	}
	size_t h = (size_t)tdv__sltd_hash(latin, strlen(latin), 11 + surname) & (b->nfslots - 1);
	while (b->fslots[h] != 0) {
		const struct wl_form *f = &b->f[b->fslots[h] - 1];
		if (f->surname == surname && f->truncated == trunc &&
		    strcmp(b->pool.p + f->latin, latin) == 0 &&
		    strcmp(b->pool.p + f->scripts, scripts) == 0) {
			*id = b->fslots[h] - 1;
			return TDV_OK;
		}
		h = (h + 1) & (b->nfslots - 1);
	}
	if (b->nf >= UINT32_MAX - 1)
		return TDV_ELIMIT;
	if (grow((void **)&b->f, &b->capf, b->nf + 1, sizeof(*b->f)) != TDV_OK)
		return TDV_ENOMEM;
	struct wl_form f;
	memset(&f, 0, sizeof(f));
	int rc = pool_put(&b->pool, latin, false, &f.latin);
	if (rc == TDV_OK)
		rc = pool_put(&b->pool, scripts, true, &f.scripts);
	if (rc != TDV_OK)
		return rc;
	f.surname = surname;
	f.truncated = trunc;
	f.ntok = ntok;
	b->f[b->nf] = f;
	b->fslots[h] = (uint32_t)b->nf + 1;
	*id = (uint32_t)b->nf++;
	return TDV_OK;
}

/* Consonant classes of the letters that romanisations and OCR confuse
 * (the cheap substitutions of the matcher: C/K/S/Z/G/J, V/F/B/P, D/T,
 * M/N); H dropped. */
static char
coarse(char c)
{
	switch (c) {
	case 'C': case 'K': case 'Q': case 'G': case 'J': case 'S': case 'Z': case 'X':
		return 'K';
	case 'V': case 'F': case 'B': case 'P': case 'W':
		return 'P';
	case 'D': case 'T':
		return 'T';
	case 'M': case 'N':
		return 'N';
	case 'H':
		return 0;
	default:
		return c;
	}
}

/*
 * The index keys of one token: its skeleton, its consonant skeleton, for
 * keys of two to four letters the skeleton with its first letter put in
 * the coarse class above, and the skeleton with one letter deleted (keys
 * of four letters or more; for four-letter keys not the first letter,
 * whose three-letter rest, like ANG of WANG, ZHANG, FANG and TANG, would
 * bring in half a Chinese list: a first letter that differs by a cheap
 * substitution is caught by the coarse key, and any other difference in
 * the first letter leaves a four-letter token at 0.75, too little to
 * lift a name over the threshold).
 */
static size_t
token_keys(const struct tdv__tok *t, uint32_t kind0, uint32_t *out, size_t max)
{
	size_t n = 0;
	if (t->keylen == 0 || t->particle)
		return 0;
	out[n++] = key_hash(t->key, t->keylen, kind0 + 0);
	if (t->conslen >= 2 && n < max)
		out[n++] = key_hash(t->cons, t->conslen, kind0 + 1);
	if (t->keylen >= 2 && t->keylen <= 4 && n < max) {
		char k[TDV_NAME_TOKEN_MAX + 1];
		memcpy(k, t->key, t->keylen);
		k[0] = coarse(k[0]) ? coarse(k[0]) : k[0];
		out[n++] = key_hash(k, t->keylen, kind0 + 3);
	}
	if (t->keylen >= 4) {
		char d[TDV_NAME_TOKEN_MAX + 1];
		for (size_t i = t->keylen == 4 ? 1 : 0; i < t->keylen && n < max; i++) {
			if (i > 0 && t->key[i] == t->key[i - 1])
				continue;
			memcpy(d, t->key, i);
			memcpy(d + i, t->key + i + 1, t->keylen - i - 1u);
			out[n++] = key_hash(d, t->keylen - 1u, kind0 + 2);
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

/* Add one CSV row; msg explains a rejection. */
static int
add_row(struct builder *b, const char *const *f, size_t nf, char *msg, size_t msgsz)
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
	tdv_date birth;
	if (parse_birth(f[2], &birth) != TDV_OK) {
		snprintf(msg, msgsz, "bad birth date '%.16s' (YYYY, YYYY-MM or YYYY-MM-DD)", f[2]);
		return TDV_ESCREEN_CSV;
	}
	e.by = birth.year;
	e.bm = birth.month;
	e.bd = birth.day;
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
	if (b->ne >= TDV_WATCH_MAX_ENTRIES) {
		snprintf(msg, msgsz, "list larger than %u entries", TDV_WATCH_MAX_ENTRIES);
		return TDV_ELIMIT;
	}
	/* Names and aliases: romanise all first, so a bad alias rejects the
	 * row before anything is added. */
	struct {
		char latin[TDV_NAME_MAX_BYTES + 1];
		char scripts[TDV_NAME_MAX_TOKENS + 1];
		uint16_t surname;
		bool trunc;
		uint8_t ntok;
	} *nm = malloc(TDV_WATCH_MAX_ALIASES * sizeof(*nm));
	struct tdv__tok *toks = malloc(TDV_NAME_MAX_TOKENS * sizeof(*toks));
	if (nm == NULL || toks == NULL) {
		free(nm);
		free(toks);
		return TDV_ENOMEM;
	}
	size_t nnames = 0;
	const char *p = f[1];
	int rc = TDV_OK;
	for (;;) {
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
		size_t o = 0;
		nm[nnames].surname = 0;
		for (int i = 0; i < nt; i++) {
			size_t tl = strlen(toks[i].s);
			if (o + tl + 2 >= sizeof(nm[nnames].latin))
				break;
			if (i > 0)
				nm[nnames].latin[o++] = ' ';
			memcpy(nm[nnames].latin + o, toks[i].s, tl);
			o += tl;
			nm[nnames].scripts[i] = toks[i].script;
			if (toks[i].surname)
				nm[nnames].surname |= (uint16_t)(1u << i);
		}
		nm[nnames].latin[o] = '\0';
		nm[nnames].scripts[nt] = '\0';
		nm[nnames].trunc = trunc;
		nm[nnames].ntok = (uint8_t)nt;
		nnames++;
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	free(toks);
	if (rc == TDV_OK)
		rc = grow((void **)&b->e, &b->cape, b->ne + 1, sizeof(*b->e));
	if (rc == TDV_OK)
		rc = grow((void **)&b->n, &b->capn, b->nn + nnames, sizeof(*b->n));
	if (rc == TDV_OK)
		rc = pool_put(&b->pool, f[0], false, &e.id);
	if (rc == TDV_OK)
		rc = pool_put(&b->pool, f[6], true, &e.reason);
	if (rc == TDV_OK)
		rc = pool_put(&b->pool, f[7], true, &e.action);
	uint32_t entry = (uint32_t)b->ne;
	e.first_name = (uint32_t)b->nn;
	for (size_t i = 0; i < nnames && rc == TDV_OK; i++) {
		uint32_t fid;
		rc = form_intern(b, nm[i].latin, nm[i].scripts, nm[i].surname, nm[i].trunc,
		    nm[i].ntok, &fid);
		if (rc == TDV_OK)
			b->n[b->nn++] = (struct wl_name){fid, entry};
	}
	free(nm);
	if (rc != TDV_OK)
		return rc; /* only out of memory or limits: the load stops */
	e.nnames = (uint8_t)nnames;
	b->e[b->ne++] = e;
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
				if (grow((void **)&b->docs, &b->capdocs, b->ndocs + 1, sizeof(*b->docs)) != TDV_OK)
					return TDV_ENOMEM;
				b->docs[b->ndocs++] = (struct posting){key_hash(num, strlen(num), 9), entry};
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
	return a->ref < b->ref ? -1 : a->ref > b->ref;
}

/* Distinct tokens while building: (pool offset of the string, script). */
struct toktab {
	struct tdv__wtok *t;
	size_t n, cap;
	uint32_t *slots; /* token id + 1 */
	size_t nslots;
};

static size_t
tok_slot(uint32_t s, char script, size_t mask)
{
	uint64_t x = ((uint64_t)s << 8 | (unsigned char)script) * 0x9e3779b97f4a7c15ULL;
	return (size_t)(x >> 32) & mask;
}

static int
tok_intern(struct builder *b, struct toktab *tt, const struct tdv__tok *t, uint32_t *id)
{
	uint32_t so;
	int rc = pool_put(&b->pool, t->s, true, &so);
	if (rc != TDV_OK)
		return rc;
	if (tt->nslots == 0 || (tt->n + 1) * 2 > tt->nslots) {
		size_t ns = tt->nslots ? tt->nslots * 2 : 1024;
		uint32_t *sl = calloc(ns, sizeof(*sl));
		if (sl == NULL)
			return TDV_ENOMEM;
		for (size_t i = 0; i < tt->n; i++) {
			size_t k = tok_slot(tt->t[i].s, tt->t[i].script, ns - 1);
			while (sl[k] != 0)
				k = (k + 1) & (ns - 1);
			sl[k] = (uint32_t)i + 1;
		}
		free(tt->slots);
		tt->slots = sl;
		tt->nslots = ns;
	}
	size_t k = tok_slot(so, t->script, tt->nslots - 1);
	while (tt->slots[k] != 0) {
		const struct tdv__wtok *w = &tt->t[tt->slots[k] - 1];
		if (w->s == so && w->script == t->script) {
			*id = tt->slots[k] - 1;
			return TDV_OK;
		}
		k = (k + 1) & (tt->nslots - 1);
	}
	if (tt->n >= (1u << 30))
		return TDV_ELIMIT;
	if (grow((void **)&tt->t, &tt->cap, tt->n + 1, sizeof(*tt->t)) != TDV_OK)
		return TDV_ENOMEM;
	struct tdv__wtok w;
	memset(&w, 0, sizeof(w));
	w.s = so;
	w.len = t->len;
	w.script = t->script;
	tt->t[tt->n] = w;
	tt->slots[k] = (uint32_t)tt->n + 1;
	*id = (uint32_t)tt->n++;
	return TDV_OK;
}

/*
 * Form -> names table; the distinct tokens, the forms as token ids, the
 * index key -> tokens and token -> forms; moves everything into wl.
 * A query token reaches, through one key, exactly the (form, position)
 * pairs that a key -> forms index would give, but each distinct list
 * token once however many of its keys match.
 */
static int
build_index(struct builder *b, tdv_watchlist *wl)
{
	if (b->nf >= (1u << 28))
		return TDV_ELIMIT; /* refs keep the form in 28 bits */
	struct wl_fperson *fn = calloc(b->nn ? b->nn : 1, sizeof(*fn));
	if (fn == NULL)
		return TDV_ENOMEM;
	for (size_t i = 0; i < b->nf; i++)
		b->f[i].count = 0;
	for (size_t i = 0; i < b->nn; i++)
		b->f[b->n[i].form].count++;
	uint32_t acc = 0;
	for (size_t i = 0; i < b->nf; i++) {
		b->f[i].first = acc;
		acc += b->f[i].count;
		b->f[i].count = 0;
	}
	for (size_t i = 0; i < b->nn; i++) {
		struct wl_form *f = &b->f[b->n[i].form];
		struct wl_fperson *x = &fn[f->first + f->count++];
		x->entry = b->n[i].entry;
		x->ev = entry_ev(&b->e[x->entry]);
	}
	/* Forms as token ids. */
	struct toktab tt;
	memset(&tt, 0, sizeof(tt));
	uint32_t *ftok = NULL, *cnt = NULL, *roff = NULL, *refs = NULL;
	uint32_t *keys = NULL, *koff = NULL, *kent = NULL;
	struct posting *p = NULL;
	size_t nftok = 0, capft = 0, np = 0, capp = 0, nk = 0, ne = 0;
	tdv_name *tn = malloc(sizeof(*tn));
	int rc = tn != NULL ? TDV_OK : TDV_ENOMEM;
	for (size_t i = 0; i < b->nf && rc == TDV_OK; i++) {
		struct tdv__cname c = {b->pool.p + b->f[i].latin, b->pool.p + b->f[i].scripts,
		    b->f[i].surname, b->f[i].truncated != 0};
		tdv__name_expand(&c, tn);
		if (tn->ntok != b->f[i].ntok || nftok + (size_t)tn->ntok >= UINT32_MAX) {
			rc = TDV_ELIMIT;
			break;
		}
		rc = grow((void **)&ftok, &capft, nftok + (size_t)tn->ntok, sizeof(*ftok));
		b->f[i].tok = (uint32_t)nftok;
		for (int t = 0; t < tn->ntok && rc == TDV_OK; t++)
			rc = tok_intern(b, &tt, &tn->tok[t], &ftok[nftok++]);
	}
	/* Refs per (token, space), in form order. */
	if (rc == TDV_OK) {
		cnt = calloc(2 * tt.n + 1, sizeof(*cnt));
		roff = malloc((2 * tt.n + 1) * sizeof(*roff));
		refs = malloc((nftok ? nftok : 1) * sizeof(*refs));
		if (cnt == NULL || roff == NULL || refs == NULL)
			rc = TDV_ENOMEM;
	}
	if (rc == TDV_OK) {
		for (size_t i = 0; i < b->nf; i++)
			for (uint32_t t = 0; t < b->f[i].ntok; t++)
				cnt[2 * ftok[b->f[i].tok + t] + (b->f[i].ntok == 1)]++;
		uint32_t o = 0;
		for (size_t v = 0; v < 2 * tt.n; v++) {
			roff[v] = o;
			o += cnt[v];
			cnt[v] = roff[v];
		}
		roff[2 * tt.n] = o;
		for (size_t i = 0; i < b->nf; i++)
			for (uint32_t t = 0; t < b->f[i].ntok; t++)
				refs[cnt[2 * ftok[b->f[i].tok + t] + (b->f[i].ntok == 1)]++] =
				    (uint32_t)i << 4 | t;
	}
	/* Keys of each token in each space it is used in. */
	for (size_t id = 0; id < tt.n && rc == TDV_OK; id++) {
		struct tdv__tok *t = &tn->tok[0];
		memset(t, 0, sizeof(*t));
		memcpy(t->s, b->pool.p + tt.t[id].s, tt.t[id].len);
		t->len = tt.t[id].len;
		t->script = tt.t[id].script;
		tdv__tok_keys(t);
		for (uint32_t sp = 0; sp < 2 && rc == TDV_OK; sp++) {
			if (roff[2 * id + sp] == roff[2 * id + sp + 1])
				continue;
			uint32_t k[TDV_NAME_TOKEN_MAX + 2];
			size_t n = token_keys(t, sp ? WL_KIND_SINGLE : 0, k, sizeof(k) / sizeof(k[0]));
			rc = grow((void **)&p, &capp, np + n, sizeof(*p));
			for (size_t j = 0; j < n && rc == TDV_OK; j++)
				p[np++] = (struct posting){k[j], (uint32_t)id << 1 | sp};
		}
	}
	free(tn);
	free(cnt);
	if (rc == TDV_OK) {
		if (np > 0)
			qsort(p, np, sizeof(*p), cmp_post);
		for (size_t i = 0; i < np; i++)
			if (i == 0 || p[i].key != p[i - 1].key)
				nk++;
		keys = malloc((nk ? nk : 1) * sizeof(*keys));
		koff = malloc((nk + 1) * sizeof(*koff));
		kent = malloc((np ? np : 1) * sizeof(*kent));
		if (keys == NULL || koff == NULL || kent == NULL)
			rc = TDV_ENOMEM;
	}
	if (rc == TDV_OK) {
		size_t k = 0;
		for (size_t i = 0; i < np; i++) {
			if (i > 0 && p[i].key == p[i - 1].key && p[i].ref == p[i - 1].ref)
				continue; /* a token with one key twice */
			if (i == 0 || p[i].key != p[i - 1].key) {
				keys[k] = p[i].key;
				koff[k] = (uint32_t)ne;
				k++;
			}
			kent[ne++] = p[i].ref;
		}
		koff[k] = (uint32_t)ne;
		nk = k;
	}
	free(p);
	free(tt.slots);
	if (rc != TDV_OK) {
		free(tt.t), free(ftok), free(roff), free(refs);
		free(keys), free(koff), free(kent), free(fn);
		return rc;
	}
	if (b->ndocs > 0) /* qsort(NULL, 0, ...) is undefined behaviour */
		qsort(b->docs, b->ndocs, sizeof(*b->docs), cmp_post);
	wl->e = b->e;
	wl->ne = b->ne;
	wl->f = b->f;
	wl->nf = b->nf;
	wl->n = b->n;
	wl->nn = b->nn;
	wl->fp = fn;
	wl->tok = tt.t;
	wl->ntoks = tt.n;
	wl->ftok = ftok;
	wl->nftok = nftok;
	wl->keys = keys;
	wl->koff = koff;
	wl->kent = kent;
	wl->nkeys = nk;
	wl->nkent = ne;
	wl->roff = roff;
	wl->refs = refs;
	wl->nrefs = nftok;
	wl->docs = b->docs;
	wl->ndocs = b->ndocs;
	wl->pool = b->pool.p;
	wl->pool_len = b->pool.len;
	b->e = NULL;
	b->f = NULL;
	b->n = NULL;
	b->docs = NULL;
	b->pool.p = NULL;
	return TDV_OK;
}

static void
builder_free(struct builder *b)
{
	free(b->pool.p);
	free(b->pool.slots);
	free(b->e);
	free(b->f);
	free(b->fslots);
	free(b->n);
	free(b->docs);
}

int
tdv_watchlist_load_csv(FILE *csv, double threshold, tdv_screen_error_fn on_error,
    void *ctx, tdv_watchlist **out, tdv_watch_stats *st)
{
	tdv_watch_stats s0;
	if (st == NULL)
		st = &s0;
	memset(st, 0, sizeof(*st));
	if (out == NULL)
		return TDV_EINVAL;
	*out = NULL;
	if (csv == NULL)
		return TDV_EINVAL;
	tdv_watchlist *wl = calloc(1, sizeof(*wl));
	struct builder *b = calloc(1, sizeof(*b));
	tdv__csv *c = malloc(sizeof(*c));
	if (wl == NULL || c == NULL || b == NULL) {
		free(wl);
		free(c);
		free(b);
		return TDV_ENOMEM;
	}
	wl->threshold = threshold > 0 && threshold <= 1 ? threshold : TDV_NAMES_DEFAULT_THRESHOLD;
	wl->created = (int64_t)time(NULL);
	tdv__csv_init(c, csv);
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
		rc = add_row(b, c->fields, c->nfields, msg, sizeof(msg));
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
	if (rc >= 0 && b->ne == 0)
		rc = TDV_ESCREEN_CSV;
	if (rc >= 0)
		rc = build_index(b, wl);
	builder_free(b);
	free(b);
	if (rc != TDV_OK) {
		tdv_watchlist_free(&wl);
		return rc;
	}
	st->names = wl->nn;
	*out = wl;
	return TDV_OK;
}

#define UNCONST(p) ((void *)(uintptr_t)(p))

void
tdv_watchlist_free(tdv_watchlist **pwl)
{
	if (pwl == NULL || *pwl == NULL)
		return;
	tdv_watchlist *wl = *pwl;
	if (wl->map != NULL) {
		munmap(wl->map, wl->map_size);
	} else {
		free(UNCONST(wl->e));
		free(UNCONST(wl->f));
		free(UNCONST(wl->n));
		free(UNCONST(wl->fp));
		free(UNCONST(wl->tok));
		free(UNCONST(wl->ftok));
		free(UNCONST(wl->keys));
		free(UNCONST(wl->koff));
		free(UNCONST(wl->kent));
		free(UNCONST(wl->roff));
		free(UNCONST(wl->refs));
		free(UNCONST(wl->docs));
		free(UNCONST(wl->pool));
	}
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

/* --- compiled file ------------------------------------------------------ */

/*
 * Layout (native byte order, recorded in the header): header, then the
 * sections entries, forms, names, form-names, keys, key offsets, refs,
 * documents and the string pool, each starting on an 8-byte boundary.
 * The SHA-256 covers the whole file with its own field zero.
 */
#define WL_NSEC 13

struct layout {
	uint64_t off[WL_NSEC], len[WL_NSEC], size;
};

static bool
make_layout(const struct wl_hdr *h, struct layout *L)
{
	if (h->ne > TDV_WATCH_MAX_ENTRIES || h->nn > h->ne * TDV_WATCH_MAX_ALIASES ||
	    h->nf > h->nn || h->nkeys >= UINT32_MAX || h->nrefs >= UINT32_MAX ||
	    h->ndocs >= UINT32_MAX || h->pool_len >= UINT32_MAX ||
	    h->nftok > h->nf * TDV_NAME_MAX_TOKENS || h->ntoks > h->nftok ||
	    h->nkent >= UINT32_MAX || h->nrefs != h->nftok)
		return false;
	L->len[0] = h->ne * sizeof(struct wl_entry);
	L->len[1] = h->nf * sizeof(struct wl_form);
	L->len[2] = h->nn * sizeof(struct wl_name);
	L->len[3] = h->nn * sizeof(struct wl_fperson);
	L->len[4] = h->ntoks * sizeof(struct tdv__wtok);
	L->len[5] = h->nftok * 4;
	L->len[6] = h->nkeys * 4;
	L->len[7] = (h->nkeys + 1) * 4;
	L->len[8] = h->nkent * 4;
	L->len[9] = (2 * h->ntoks + 1) * 4;
	L->len[10] = h->nrefs * 4;
	L->len[11] = h->ndocs * sizeof(struct posting);
	L->len[12] = h->pool_len;
	uint64_t o = sizeof(struct wl_hdr);
	for (int i = 0; i < WL_NSEC; i++) {
		o = (o + 7) / 8 * 8;
		L->off[i] = o;
		o += L->len[i];
	}
	L->size = o;
	return true;
}

static int
fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return TDV_ELIMIT;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return TDV_EIO;
	int rc = fsync(fd) == 0 ? TDV_OK : TDV_EIO;
	close(fd);
	return rc;
}

static int
put(int fd, EVP_MD_CTX *md, const void *p, size_t n, uint64_t *pos)
{
	static const char zero[8];
	while (*pos % 8 != 0) {
		if (write(fd, zero, 1) != 1 || EVP_DigestUpdate(md, zero, 1) != 1)
			return TDV_EIO;
		(*pos)++;
	}
	const char *c = p;
	while (n > 0) {
		size_t k = n > (1u << 20) ? (1u << 20) : n;
		ssize_t w = write(fd, c, k);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0 || EVP_DigestUpdate(md, c, (size_t)w) != 1)
			return TDV_EIO;
		c += w;
		n -= (size_t)w;
		*pos += (uint64_t)w;
	}
	return TDV_OK;
}

int
tdv_watchlist_save(const tdv_watchlist *wl, const char *path, uint64_t *version)
{
	if (wl == NULL || path == NULL)
		return TDV_EINVAL;
	uint64_t ver = 1;
	tdv_watchlist *old = NULL;
	if (tdv_watchlist_open(path, &old) == TDV_OK) {
		ver = old->version + 1;
		tdv_watchlist_free(&old);
	}
	struct wl_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, WL_MAGIC, 8);
	h.endian = WL_ENDIAN;
	h.hdr_size = sizeof(h);
	h.version = ver;
	h.created = wl->created;
	h.threshold = wl->threshold;
	h.ne = wl->ne;
	h.nf = wl->nf;
	h.nn = wl->nn;
	h.nkeys = wl->nkeys;
	h.nrefs = wl->nrefs;
	h.ndocs = wl->ndocs;
	h.pool_len = wl->pool_len;
	h.ntoks = wl->ntoks;
	h.nftok = wl->nftok;
	h.nkent = wl->nkent;
	struct layout L;
	if (!make_layout(&h, &L))
		return TDV_ELIMIT;
	h.file_size = L.size;
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp))
		return TDV_ELIMIT;
	int fd = mkstemp(tmp);
	if (fd < 0)
		return TDV_EIO;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 ?
	    TDV_OK : TDV_ECRYPTO;
	uint64_t pos = 0;
	const void *sec[WL_NSEC] = {wl->e, wl->f, wl->n, wl->fp, wl->tok, wl->ftok,
	    wl->keys, wl->koff, wl->kent, wl->roff, wl->refs, wl->docs, wl->pool};
	if (rc == TDV_OK)
		rc = put(fd, md, &h, sizeof(h), &pos);
	for (int i = 0; i < WL_NSEC && rc == TDV_OK; i++)
		rc = put(fd, md, sec[i], (size_t)L.len[i], &pos);
	unsigned int mdlen = 0;
	if (rc == TDV_OK && (pos != L.size ||
	    EVP_DigestFinal_ex(md, h.sha256, &mdlen) != 1 || mdlen != 32))
		rc = TDV_ECRYPTO;
	if (rc == TDV_OK &&
	    (pwrite(fd, h.sha256, 32, (off_t)offsetof(struct wl_hdr, sha256)) != 32 ||
	    fsync(fd) != 0))
		rc = TDV_EIO;
	EVP_MD_CTX_free(md);
	if (close(fd) != 0 && rc == TDV_OK)
		rc = TDV_EIO;
	if (rc == TDV_OK && rename(tmp, path) != 0)
		rc = TDV_EIO;
	if (rc != TDV_OK) {
		unlink(tmp);
		return rc;
	}
	if (version != NULL)
		*version = ver;
	return fsync_parent(path);
}

static bool
pool_str(const tdv_watchlist *wl, uint32_t off)
{
	return off < wl->pool_len;
}

/* Every index and offset of a mapped file in range, so a forged file
 * cannot make the matcher read outside the mapping. */
static bool
check_content(const tdv_watchlist *wl)
{
	if (wl->pool_len == 0 || wl->pool[wl->pool_len - 1] != '\0')
		return false;
	for (size_t i = 0; i < wl->ne; i++) {
		const struct wl_entry *e = &wl->e[i];
		if (!pool_str(wl, e->id) || !pool_str(wl, e->reason) || !pool_str(wl, e->action) ||
		    e->nnames == 0 || e->nnames > TDV_WATCH_MAX_ALIASES ||
		    (uint64_t)e->first_name + e->nnames > wl->nn || e->nat[3] != '\0' ||
		    (e->sex != 0 && e->sex != 'M' && e->sex != 'F' && e->sex != 'X'))
			return false;
	}
	for (size_t i = 0; i < wl->ntoks; i++) {
		const struct tdv__wtok *t = &wl->tok[i];
		if (!pool_str(wl, t->s) || t->len == 0 || t->len > TDV_NAME_TOKEN_MAX ||
		    strlen(wl->pool + t->s) != t->len)
			return false;
	}
	for (size_t i = 0; i < wl->nftok; i++)
		if (wl->ftok[i] >= wl->ntoks)
			return false;
	for (size_t i = 0; i < wl->nf; i++) {
		const struct wl_form *f = &wl->f[i];
		if (!pool_str(wl, f->latin) || !pool_str(wl, f->scripts) ||
		    (uint64_t)f->first + f->count > wl->nn || f->ntok == 0 ||
		    f->ntok > TDV_NAME_MAX_TOKENS || (uint64_t)f->tok + f->ntok > wl->nftok)
			return false;
		const char *lat = wl->pool + f->latin;
		size_t ll = strlen(lat), sp = 0;
		for (size_t k = 0; k < ll; k++)
			sp += lat[k] == ' ';
		if (ll == 0 || ll > TDV_NAME_MAX_BYTES || sp + 1 != f->ntok ||
		    strlen(wl->pool + f->scripts) != f->ntok)
			return false;
	}
	for (size_t i = 0; i < wl->nn; i++)
		if (wl->n[i].form >= wl->nf || wl->n[i].entry >= wl->ne || wl->fp[i].entry >= wl->ne)
			return false;
	for (size_t i = 0; i < wl->nf; i++)
		for (uint32_t k = 0; k < wl->f[i].count; k++) {
			const struct wl_fperson *x = &wl->fp[wl->f[i].first + k];
			struct wl_ev ev = entry_ev(&wl->e[x->entry]);
			if (memcmp(&ev, &x->ev, sizeof(ev)) != 0)
				return false;
		}
	if (wl->koff[0] != 0 || wl->koff[wl->nkeys] != wl->nkent)
		return false;
	for (size_t i = 0; i < wl->nkeys; i++)
		if (wl->koff[i] > wl->koff[i + 1] || (i > 0 && wl->keys[i - 1] >= wl->keys[i]))
			return false;
	for (size_t i = 0; i < wl->nkent; i++)
		if ((wl->kent[i] >> 1) >= wl->ntoks)
			return false;
	if (wl->roff[0] != 0 || wl->roff[2 * wl->ntoks] != wl->nrefs)
		return false;
	for (size_t i = 0; i < 2 * wl->ntoks; i++)
		if (wl->roff[i] > wl->roff[i + 1])
			return false;
	for (size_t i = 0; i < wl->nrefs; i++)
		if ((wl->refs[i] >> 4) >= wl->nf || (wl->refs[i] & 15u) >= wl->f[wl->refs[i] >> 4].ntok)
			return false;
	for (size_t i = 0; i < wl->ndocs; i++)
		if (wl->docs[i].ref >= wl->ne || (i > 0 && wl->docs[i - 1].key > wl->docs[i].key))
			return false;
	return true;
}

int
tdv_watchlist_open(const char *path, tdv_watchlist **out)
{
	if (path == NULL || out == NULL)
		return TDV_EINVAL;
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return TDV_ENOENT;
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size < sizeof(struct wl_hdr)) {
		close(fd);
		return TDV_ESCREEN_INDEX;
	}
	size_t size = (size_t)sb.st_size;
	void *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return TDV_EIO;
	struct wl_hdr h;
	memcpy(&h, m, sizeof(h));
	struct layout L;
	if (memcmp(h.magic, WL_MAGIC, 8) != 0 || h.endian != WL_ENDIAN ||
	    h.hdr_size != sizeof(h) || !make_layout(&h, &L) || L.size != size ||
	    h.file_size != size || !(h.threshold > 0 && h.threshold <= 1)) {
		munmap(m, size);
		return TDV_ESCREEN_INDEX; /* truncated, extended or foreign */
	}
	/* The digest: a damaged file is refused, not half used. */
	uint8_t want[32], got[32];
	memcpy(want, h.sha256, 32);
	memset(h.sha256, 0, 32);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int mdlen = 0;
	bool ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, &h, sizeof(h)) == 1 &&
	    EVP_DigestUpdate(md, (const char *)m + sizeof(h), size - sizeof(h)) == 1 &&
	    EVP_DigestFinal_ex(md, got, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(md);
	if (!ok || memcmp(want, got, 32) != 0) {
		munmap(m, size);
		return ok ? TDV_ESCREEN_INDEX : TDV_ECRYPTO;
	}
	tdv_watchlist *wl = calloc(1, sizeof(*wl));
	if (wl == NULL) {
		munmap(m, size);
		return TDV_ENOMEM;
	}
	const char *base = m;
	wl->map = m;
	wl->map_size = size;
	wl->threshold = h.threshold;
	wl->version = h.version;
	wl->created = h.created;
	wl->ne = (size_t)h.ne;
	wl->nf = (size_t)h.nf;
	wl->nn = (size_t)h.nn;
	wl->nkeys = (size_t)h.nkeys;
	wl->nrefs = (size_t)h.nrefs;
	wl->ndocs = (size_t)h.ndocs;
	wl->pool_len = (size_t)h.pool_len;
	wl->ntoks = (size_t)h.ntoks;
	wl->nftok = (size_t)h.nftok;
	wl->nkent = (size_t)h.nkent;
	wl->e = (const void *)(base + L.off[0]);
	wl->f = (const void *)(base + L.off[1]);
	wl->n = (const void *)(base + L.off[2]);
	wl->fp = (const void *)(base + L.off[3]);
	wl->tok = (const void *)(base + L.off[4]);
	wl->ftok = (const void *)(base + L.off[5]);
	wl->keys = (const void *)(base + L.off[6]);
	wl->koff = (const void *)(base + L.off[7]);
	wl->kent = (const void *)(base + L.off[8]);
	wl->roff = (const void *)(base + L.off[9]);
	wl->refs = (const void *)(base + L.off[10]);
	wl->docs = (const void *)(base + L.off[11]);
	wl->pool = base + L.off[12];
	if (wl->ne == 0 || !check_content(wl)) {
		tdv_watchlist_free(&wl);
		return TDV_ESCREEN_INDEX;
	}
	*out = wl;
	return TDV_OK;
}

void
tdv_watchlist_info_get(const tdv_watchlist *wl, tdv_watchlist_info *info)
{
	memset(info, 0, sizeof(*info));
	info->version = wl->version;
	info->created = wl->created;
	info->entries = wl->ne;
	info->names = wl->nn;
	info->forms = wl->nf;
	info->threshold = wl->threshold;
	info->file_bytes = wl->map_size;
}

void
tdv_watchlist_set_threshold(tdv_watchlist *wl, double threshold)
{
	if (threshold > 0 && threshold <= 1)
		wl->threshold = threshold;
}

int
tdv_watchlist_check_fresh(const tdv_watchlist *wl, int64_t now, int max_age_days,
    long *age_days)
{
	int64_t age = now >= wl->created ? (now - wl->created) / 86400 : 0;
	if (age_days != NULL)
		*age_days = (long)age;
	return age > max_age_days ? TDV_ESCREEN_STALE : TDV_OK;
}

/* --- matching -------------------------------------------------------- */

struct cand {
	uint32_t form;
	uint16_t hits;    /* distinct query tokens that hit this form */
	uint16_t mask;    /* the form's tokens that were hit */
	int16_t last_tok; /* last query token counted */
	uint8_t single;   /* a form of one token (hit in that key space) */
};

struct cset {
	struct cand *v;
	size_t n, cap; /* open addressing, cap a power of two */
};

static size_t
cset_slot(const struct cset *s, uint32_t form)
{
	size_t h = (form * 2654435761u) & (s->cap - 1);
	while (s->v[h].form != UINT32_MAX && s->v[h].form != form)
		h = (h + 1) & (s->cap - 1);
	return h;
}

static void
cset_count(struct cand *c, int tok, uint32_t ref)
{
	if (c->last_tok != tok) {
		c->last_tok = (int16_t)tok;
		c->hits++;
	}
	c->mask |= (uint16_t)(1u << (ref & 15u));
}

/* ref: form << 4 | position of the hit token in the form. */
static int
cset_add(struct cset *s, uint32_t ref, int tok, bool single)
{
	uint32_t form = ref >> 4;
	if ((s->n + 1) * 2 > s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 1024;
		struct cand *nv = malloc(nc * sizeof(*nv));
		if (nv == NULL)
			return TDV_ENOMEM;
		for (size_t i = 0; i < nc; i++)
			nv[i].form = UINT32_MAX;
		struct cset t = {nv, 0, nc};
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i].form != UINT32_MAX)
				nv[cset_slot(&t, s->v[i].form)] = s->v[i];
		free(s->v);
		s->v = nv;
		s->cap = nc;
	}
	size_t h = cset_slot(s, form);
	if (s->v[h].form == UINT32_MAX) {
		s->v[h] = (struct cand){form, 0, 0, -1, single};
		s->n++;
	}
	cset_count(&s->v[h], tok, ref);
	return TDV_OK;
}

/* Count a hit for a form already there; never adds one. */
static void
cset_probe(struct cset *s, uint32_t ref, int tok)
{
	if (s->cap == 0)
		return;
	size_t h = cset_slot(s, ref >> 4);
	if (s->v[h].form != UINT32_MAX)
		cset_count(&s->v[h], tok, ref);
}

static int
cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	return a < b ? -1 : a > b;
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
evidence(const struct wl_ev *e, const tdv_traveller *t, char *why, size_t whysz)
{
	double adj = 0;
	size_t o = 0;
	if (why != NULL)
		why[0] = '\0';
#define WHY(...)                                                                \
	do {                                                                    \
		if (why != NULL && o < whysz) {                                 \
			int w_ = snprintf(why + o, whysz - o, __VA_ARGS__);     \
			if (w_ > 0)                                             \
				o += (size_t)w_;                                \
		}                                                               \
	} while (0)
	if (e->by != 0 && t->birth.year != 0) {
		int dy = e->by - t->birth.year;
		if (dy < 0)
			dy = -dy;
		bool full = e->bd != 0 && t->birth.day != 0;
		if (dy == 0 && full && e->bm == t->birth.month &&
		    e->bd == t->birth.day) {
			adj += 0.05;
			WHY("%sbirth date equal +0.05", o ? "; " : "");
		} else if (dy == 0 && !(full || (e->bm && t->birth.month &&
		    e->bm != t->birth.month))) {
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

/* A kept hit while screening: the full tdv_watch_hit (with its
 * explanation) is made only for the few kept at the end. */
struct top {
	double score, ns;
	double raw; /* before clamping to 1: more evidence ranks first */
	uint32_t entry;
	uint32_t form;           /* UINT32_MAX: a document number hit */
	const struct wl_form *f; /* NULL: a document number hit */
};

static int
cmp_top(const struct top *a, const struct top *b)
{
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->raw != b->raw)
		return a->raw > b->raw ? -1 : 1;
	if (a->entry != b->entry)
		return a->entry < b->entry ? -1 : 1;
	/* Two names of one entry scoring alike: the first name form, so the
	 * result does not depend on the order candidates were visited in. */
	return a->form < b->form ? -1 : a->form > b->form;
}

/* Insert h into the best-first array top[0..*n) of capacity max (an
 * insertion step, no sort: a common name can give thousands of hits). */
static void
keep_best(struct top *top, size_t max, size_t *n, const struct top *h)
{
	if (max == 0)
		return;
	if (*n == max && cmp_top(h, &top[max - 1]) >= 0)
		return; /* the usual case for the many persons of a common name */
	size_t at = *n;
	for (size_t i = 0; i < *n; i++)
		if (top[i].entry == h->entry) {
			if (cmp_top(h, &top[i]) >= 0)
				return;
			at = i; /* better score for an entry already kept */
			break;
		}
	if (at == *n) {
		if (*n == max)
			at = max - 1;
		else
			(*n)++;
	}
	while (at > 0 && cmp_top(h, &top[at - 1]) < 0) {
		top[at] = top[at - 1];
		at--;
	}
	top[at] = *h;
}

/*
 * The forms one set of query keys reaches: the distinct (token, space)
 * entries its keys give, each walked once; their forms are added to the
 * candidates as hits of query token tok (or, with probe, only counted on
 * forms already there).
 */
static int
reach_forms(const tdv_watchlist *wl, const uint32_t *keys, size_t nkeys,
    int tok, bool single, bool probe, struct cset *cs, uint32_t **reach,
    size_t *capreach)
{
	size_t nr = 0;
	int rc = TDV_OK;
	for (size_t j = 0; j < nkeys; j++) {
		size_t at = find_key(wl, keys[j]);
		if (at == SIZE_MAX)
			continue;
		size_t ke = wl->koff[at + 1] - wl->koff[at];
		if ((rc = grow((void **)reach, capreach, nr + ke, sizeof(**reach))) != TDV_OK)
			return rc;
		memcpy(*reach + nr, wl->kent + wl->koff[at], ke * sizeof(**reach));
		nr += ke;
	}
	uint32_t *r0 = *reach;
	if (nr > 1)
		qsort(r0, nr, sizeof(*r0), cmp_u32);
	for (size_t j = 0; j < nr && rc == TDV_OK; j++) {
		if (j > 0 && r0[j] == r0[j - 1])
			continue;
		for (uint32_t r = wl->roff[r0[j]]; r < wl->roff[r0[j] + 1] && rc == TDV_OK; r++) {
			if (probe)
				cset_probe(cs, wl->refs[r], tok);
			else
				rc = cset_add(cs, wl->refs[r], tok, single);
		}
	}
	return rc;
}

/*
 * Compound names written apart on one side and as one word on the other
 * (AL TAMIMI / ALTAMIMI, ABDUL RAHMAN / ABDULRAHMAN), which the scorer
 * pairs as compounds, reach their forms through extra query "tokens":
 * every two adjacent query tokens joined, and every query word split in
 * two at each point leaving at least four letters on each side, or after
 * a particle (AL, BIN, DE ...). They use the exact skeleton key only (the
 * joined or split word must be spelt as in the list, up to
 * transliteration). Each brings in forms as a query token of its own, so
 * a form hit by a part and by another query token passes the two-hit
 * filter and is scored as tdv_name_compare scores it.
 */
#define WL_VTOK_MAX 96

struct vtok {
	uint32_t keys[2][TDV_NAME_TOKEN_MAX + 2];
	size_t nk[2];
};

static void
vtok_from(struct vtok *v, const char *s, size_t len, char script)
{
	struct tdv__tok t;
	memset(&t, 0, sizeof(t));
	memset(v, 0, sizeof(*v));
	memcpy(t.s, s, len);
	t.len = (uint8_t)len;
	t.script = script;
	tdv__tok_keys(&t);
	if (t.keylen > 0 && !t.particle) {
		v->keys[0][0] = key_hash(t.key, t.keylen, 0);
		v->keys[1][0] = key_hash(t.key, t.keylen, WL_KIND_SINGLE);
		v->nk[0] = v->nk[1] = 1;
	}
}

static bool
is_particle(const char *s, size_t len)
{
	struct tdv__tok t;
	memset(&t, 0, sizeof(t));
	memcpy(t.s, s, len);
	t.len = (uint8_t)len;
	tdv__tok_keys(&t);
	return t.particle;
}

static size_t
compound_vtoks(const tdv_name *q, struct vtok *v, size_t max)
{
	size_t n = 0;
	for (int i = 0; i + 1 < q->ntok && n < max; i++) {
		const struct tdv__tok *a = &q->tok[i], *b = &q->tok[i + 1];
		if ((size_t)a->len + b->len > TDV_NAME_TOKEN_MAX)
			continue;
		char j[TDV_NAME_TOKEN_MAX + 1];
		memcpy(j, a->s, a->len);
		memcpy(j + a->len, b->s, b->len);
		vtok_from(&v[n++], j, (size_t)a->len + b->len,
		    a->script != 'l' ? a->script : b->script);
	}
	for (int i = 0; i < q->ntok; i++) {
		const struct tdv__tok *a = &q->tok[i];
		for (size_t cut = 2; cut + 3 <= a->len && n + 2 <= max; cut++) {
			bool part = cut <= 4 && is_particle(a->s, cut);
			if (!part && (cut < 4 || a->len - cut < 4))
				continue;
			if (!part) /* a particle has no keys of its own */
				vtok_from(&v[n++], a->s, cut, a->script);
			vtok_from(&v[n++], a->s + cut, a->len - cut, a->script);
		}
	}
	return n;
}

int
tdv_watchlist_match(const tdv_watchlist *wl, const tdv_traveller *t,
    tdv_watch_hit *hits, size_t maxhits, size_t *nhits)
{
	if (nhits == NULL)
		return TDV_EINVAL;
	*nhits = 0;
	if (wl == NULL || t == NULL || t->name == NULL || (hits == NULL && maxhits > 0))
		return TDV_EINVAL;
	tdv_name *q = NULL;
	int rc = tdv_name_new(t->name, strlen(t->name), &q);
	if (rc != TDV_OK)
		return rc;
	/* Keys of each query token, and how many forms they reach. */
	uint32_t (*km)[2][TDV_NAME_TOKEN_MAX + 2] = malloc(TDV_NAME_MAX_TOKENS * sizeof(*km));
	size_t nk[TDV_NAME_MAX_TOKENS][2];
	size_t vol[TDV_NAME_MAX_TOKENS];
	tdv_name *en = malloc(sizeof(*en));
	struct vtok *vt = malloc(WL_VTOK_MAX * sizeof(*vt));
	size_t maxtop = maxhits, ntop = 0;
	struct top *top = malloc((maxtop ? maxtop : 1) * sizeof(*top));
	struct cset cs = {NULL, 0, 0};
	uint32_t *reach = NULL, *gated = NULL; /* (token << 1 | space) entries reached */
	size_t capreach = 0;
	if (km == NULL || en == NULL || top == NULL || vt == NULL)
		rc = TDV_ENOMEM;
	int qn = 0, skip = -1, ninit = 0;
	struct tdv__scorer *sc = NULL;
	if (rc == TDV_OK)
		rc = tdv__scorer_new(q, &sc);
	for (int i = 0; i < q->ntok && rc == TDV_OK; i++) {
		qn += !q->tok[i].particle;
		ninit += !q->tok[i].particle && q->tok[i].len == 1;
		vol[i] = 0;
		for (int s = 0; s < 2; s++)
			nk[i][s] = token_keys(&q->tok[i], s ? WL_KIND_SINGLE : 0, km[i][s],
			    TDV_NAME_TOKEN_MAX + 2);
		for (size_t j = 0; j < nk[i][0]; j++) {
			size_t at = find_key(wl, km[i][0][j]);
			if (at == SIZE_MAX)
				continue;
			for (uint32_t e = wl->koff[at]; e < wl->koff[at + 1]; e++)
				vol[i] += wl->roff[wl->kent[e] + 1] - wl->roff[wl->kent[e]];
		}
		if (nk[i][0] > 0 && (skip < 0 || vol[i] > vol[skip]))
			skip = i;
	}
	/*
	 * A form of two or more tokens is scored only when at least two
	 * query tokens hit two of its tokens (one when the query has one). So the query
	 * token reaching the most forms adds no forms of its own: it only
	 * counts its hits on forms the other tokens brought in (forms of a
	 * single token have their own keys and are always looked up).
	 */
	if (qn - ninit < 2) /* initials: see the filter below */
		skip = -1;
	for (int pass = 0; pass < 2 && rc == TDV_OK; pass++) {
		if (pass == 1) {
			/* Compounds (see compound_vtoks), before the probing
			 * token counts its hits on every form brought in. */
			size_t nv = rc == TDV_OK ? compound_vtoks(q, vt, WL_VTOK_MAX) : 0;
			for (size_t v = 0; v < nv && rc == TDV_OK; v++)
				for (int s = 0; s < 2 && rc == TDV_OK; s++)
					rc = reach_forms(wl, vt[v].keys[s], vt[v].nk[s],
					    q->ntok + (int)v, s == 1, false, &cs, &reach,
					    &capreach);
		}
		for (int i = 0; i < q->ntok && rc == TDV_OK; i++) {
			if ((pass == 0) == (i == skip))
				continue;
			for (int s = 0; s < 2 && rc == TDV_OK; s++)
				rc = reach_forms(wl, km[i][s], nk[i][s], i, s == 1,
				    i == skip && s == 0, &cs, &reach, &capreach);
		}
	}
	/* The candidates that pass the filter, decided without touching the
	 * forms: need = min(query parts, form parts, 2) hits from distinct
	 * query tokens on distinct tokens of the form (with hits >= 2 and two
	 * tokens of the form hit, two query tokens can be paired with two
	 * different ones). */
	size_t ng = 0;
	gated = rc == TDV_OK ? malloc((cs.n ? cs.n : 1) * sizeof(*gated)) : NULL;
	if (gated == NULL && rc == TDV_OK)
		rc = TDV_ENOMEM;
	for (size_t i = 0; i < cs.cap && rc == TDV_OK; i++) {
		const struct cand *c = &cs.v[i];
		if (c->form == UINT32_MAX)
			continue;
		int need = qn < 2 ? qn : c->single ? 1 : 2;
		/* Initials (S G VOLKOVA) reach no form through keys: with one
		 * whole name part in the query, its hit is enough to score
		 * the form (the scorer pairs the initials). */
		if (need == 2 && ninit > 0 && qn - ninit < 2)
			need = 1;
		if (c->hits < need || (need >= 2 && (c->mask & (c->mask - 1u)) == 0))
			continue;
		gated[ng++] = c->form;
	}
	/* Each candidate form is compared once (its record and token ids
	 * fetched ahead: they are scattered over a large list); the persons
	 * carrying it then get their evidence. */
	for (size_t i = 0; i < ng && rc == TDV_OK; i++) {
		if (i + 16 < ng)
			__builtin_prefetch(&wl->f[gated[i + 16]]);
		if (i + 8 < ng)
			__builtin_prefetch(wl->ftok + wl->f[gated[i + 8]].tok);
		uint32_t form = gated[i];
		const struct wl_form *f = &wl->f[form];
		double ns = 0;
		if ((rc = tdv__scorer_score_ids(sc, wl->tok, wl->pool, wl->ftok + f->tok,
		    f->ntok, f->truncated != 0, &ns)) != TDV_OK)
			break;
		if (ns + WL_MAX_BONUS < wl->threshold)
			continue;
		/* No person of this form can enter a full top list: its score
		 * is at most ns + WL_MAX_BONUS (a hair added for rounding). */
		double best = ns + WL_MAX_BONUS + 1e-9;
		if (maxtop == 0 || (ntop == maxtop && (best > 1 ? 1 : best) < top[maxtop - 1].score))
			continue;
		for (uint32_t k = 0; k < f->count; k++) {
			const struct wl_fperson *wn = &wl->fp[f->first + k];
			double raw = ns + evidence(&wn->ev, t, NULL, 0);
			double v = raw < 0 ? 0 : raw > 1 ? 1 : raw;
			if (v < wl->threshold)
				continue;
			struct top x = {v, ns, raw, wn->entry, form, f};
			keep_best(top, maxtop, &ntop, &x);
		}
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
				struct top x = {1.0, 0, 2.0, wl->docs[i].ref, UINT32_MAX, NULL};
				keep_best(top, maxtop, &ntop, &x);
			}
		}
	}
	/* The kept hits in full, with their explanations. */
	for (size_t i = 0; i < ntop && rc == TDV_OK; i++) {
		tdv_watch_hit *hh = &hits[i];
		const struct wl_entry *e = &wl->e[top[i].entry];
		const struct wl_form *f = top[i].f ? top[i].f : &wl->f[wl->n[e->first_name].form];
		memset(hh, 0, sizeof(*hh));
		struct tdv__cname cn = {UNCONST(wl->pool + f->latin), UNCONST(wl->pool + f->scripts),
		    f->surname, f->truncated != 0};
		tdv__name_expand(&cn, en);
		tdv_name_compare(q, en, wl->threshold, &hh->detail);
		hh->entry = top[i].entry;
		hh->score = top[i].score;
		if (top[i].f != NULL) {
			hh->name_score = top[i].ns;
			struct wl_ev ev = entry_ev(e);
			(void)evidence(&ev, t, hh->evidence, sizeof(hh->evidence));
		} else {
			hh->name_score = hh->detail.score;
			snprintf(hh->evidence, sizeof(hh->evidence), "document number listed");
		}
		hh->id = wl->pool + e->id;
		hh->matched_name = wl->pool + f->latin;
		hh->reason = wl->pool + e->reason;
		hh->action = wl->pool + e->action;
		hh->internal = NULL;
	}
	if (rc == TDV_OK)
		*nhits = ntop;
	tdv__scorer_free(&sc);
	free(reach);
	free(vt);
	free(gated);
	free(cs.v);
	free(km);
	free(en);
	free(top);
	tdv_name_free(&q);
	return rc;
}
