/*
 * SLTD import and delta update: CSV rows to sorted records, written as a
 * new index file that replaces the old one atomically (temporary file in
 * the same directory, fsync, rename, fsync of the directory). A failure
 * at any step unlinks the temporary file and leaves the old list alone.
 */
#include "screen/sltd_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "screen/csv.h"
#include "tdv/error.h"

_Static_assert(sizeof(struct tdv__sltd_hdr) == 136, "header layout");
_Static_assert(offsetof(struct tdv__sltd_hdr, fence_off) % 8 == 0, "fence_off aligned");
_Static_assert(sizeof(struct tdv__sltd_rec) == 16, "record layout");

/* A record being built, with its input order for "last one wins". */
struct brec {
	struct tdv__sltd_rec r;
	uint32_t seq;
	uint8_t remove; /* delta: a removal */
	char num[TDV_SLTD_NUMBER_MAX + 1];
};

struct vec {
	struct brec *v;
	size_t n, cap;
};

/* Interned source names (ids are positions in the table). */
struct sources {
	char **names;
	size_t n, cap;
	uint32_t *slots; /* open addressing: id + 1, 0 empty */
	size_t nslots;
};

static int
sources_grow_slots(struct sources *s)
{
	size_t ns = s->nslots ? s->nslots * 2 : 256;
	uint32_t *sl = calloc(ns, sizeof(*sl));
	if (sl == NULL)
		return TDV_ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		size_t h = (size_t)tdv__sltd_hash(s->names[i], strlen(s->names[i]), 7) & (ns - 1);
		while (sl[h] != 0)
			h = (h + 1) & (ns - 1);
		sl[h] = (uint32_t)i + 1;
	}
	free(s->slots);
	s->slots = sl;
	s->nslots = ns;
	return TDV_OK;
}

static int
sources_intern(struct sources *s, const char *name, uint32_t *id)
{
	size_t len = strlen(name);
	if (len > TDV_SLTD_SOURCE_MAX)
		return TDV_ELIMIT;
	if (s->nslots == 0 || (s->n + 1) * 2 > s->nslots) {
		int rc = sources_grow_slots(s);
		if (rc != TDV_OK)
			return rc;
	}
	size_t h = (size_t)tdv__sltd_hash(name, len, 7) & (s->nslots - 1);
	while (s->slots[h] != 0) {
		uint32_t k = s->slots[h] - 1;
		if (strcmp(s->names[k], name) == 0) {
			*id = k;
			return TDV_OK;
		}
		h = (h + 1) & (s->nslots - 1);
	}
	if (s->n >= TDV_SLTD_MAX_SOURCES)
		return TDV_ELIMIT;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		char **p = realloc(s->names, nc * sizeof(*p));
		if (p == NULL)
			return TDV_ENOMEM;
		s->names = p;
		s->cap = nc;
	}
	char *copy = malloc(len + 1);
	if (copy == NULL)
		return TDV_ENOMEM;
	memcpy(copy, name, len + 1);
	s->names[s->n] = copy;
	s->slots[h] = (uint32_t)s->n + 1;
	*id = (uint32_t)s->n++;
	return TDV_OK;
}

static void
sources_free(struct sources *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

static int
vec_push(struct vec *v, const struct brec *r)
{
	if (v->n >= TDV_SLTD_MAX_RECORDS)
		return TDV_ELIMIT;
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap + v->cap / 2 : 4096;
		struct brec *p = realloc(v->v, nc * sizeof(*p));
		if (p == NULL)
			return TDV_ENOMEM;
		v->v = p;
		v->cap = nc;
	}
	v->v[v->n++] = *r;
	return TDV_OK;
}

static int
parse_status(const char *s, uint32_t *out)
{
	static const char *const names[] = {"lost", "stolen", "revoked", "invalidated"};
	for (uint32_t i = 0; i < 4; i++)
		if (strcasecmp(s, names[i]) == 0) {
			*out = i + 1;
			return TDV_OK;
		}
	return TDV_EINVAL;
}

static int
parse_type(const char *s, uint32_t *out)
{
	size_t n = strlen(s);
	uint32_t c[2] = {0, 0};
	if (n > 2)
		return TDV_EINVAL;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch >= 'A' && ch <= 'Z')
			c[i] = (uint32_t)(ch - 'A' + 1);
		else if (ch == '<')
			c[i] = 27;
		else
			return TDV_EINVAL;
	}
	*out = c[0] * 28 + c[1];
	return TDV_OK;
}

static void
type_name(uint32_t t, char out[3])
{
	uint32_t c[2] = {t / 28, t % 28};
	size_t n = 0;
	for (size_t i = 0; i < 2; i++)
		if (c[i] >= 1 && c[i] <= 26)
			out[n++] = (char)('A' + c[i] - 1);
	out[n] = '\0';
}

void tdv__sltd_type_name(uint32_t t, char out[3]);
void
tdv__sltd_type_name(uint32_t t, char out[3])
{
	type_name(t, out);
}

/* Fill r from (state, number[, type, status, date, source]); msg gets a
 * reason on error. */
static int
parse_row(const char *const *f, size_t nf, bool key_only, struct sources *src,
    struct brec *r, char *msg, size_t msgsz, long *days_out)
{
	uint32_t state, type = 0, status = 0, source = 0;
	long days = 0;
	if (nf < (key_only ? 2u : 6u)) {
		snprintf(msg, msgsz, "expected %s fields, got %zu",
		    key_only ? "2" : "6", nf);
		return TDV_ESCREEN_CSV;
	}
	if (!key_only && nf > 6) {
		snprintf(msg, msgsz, "expected 6 fields, got %zu", nf);
		return TDV_ESCREEN_CSV;
	}
	if (tdv__sltd_state_code(f[0], &state) != TDV_OK) {
		snprintf(msg, msgsz, "bad issuing state '%.8s'", f[0]);
		return TDV_ESCREEN_CSV;
	}
	if (tdv_sltd_normalise_number(f[1], r->num, sizeof(r->num)) != TDV_OK) {
		snprintf(msg, msgsz, "bad document number '%.40s'", f[1]);
		return TDV_ESCREEN_CSV;
	}
	if (!key_only) {
		if (parse_type(f[2], &type) != TDV_OK) {
			snprintf(msg, msgsz, "bad document type '%.8s'", f[2]);
			return TDV_ESCREEN_CSV;
		}
		if (parse_status(f[3], &status) != TDV_OK) {
			snprintf(msg, msgsz, "bad status '%.16s' (lost, stolen, revoked, invalidated)", f[3]);
			return TDV_ESCREEN_CSV;
		}
		tdv_date d;
		if (tdv_date_parse_iso(f[4], &d) != TDV_OK) {
			snprintf(msg, msgsz, "bad date reported '%.16s' (YYYY-MM-DD)", f[4]);
			return TDV_ESCREEN_CSV;
		}
		days = tdv_date_to_days(&d);
		if (days < 0 || days > 0xffff) {
			snprintf(msg, msgsz, "date reported %.16s outside 1970-2149", f[4]);
			return TDV_ESCREEN_CSV;
		}
		if (f[5][0] == '\0') {
			snprintf(msg, msgsz, "empty source");
			return TDV_ESCREEN_CSV;
		}
		int rc = sources_intern(src, f[5], &source);
		if (rc == TDV_ENOMEM)
			return rc;
		if (rc != TDV_OK) {
			snprintf(msg, msgsz, "source name too long or too many sources");
			return TDV_ESCREEN_CSV;
		}
	}
	r->r.num = tdv__sltd_pack(r->num);
	r->r.meta = TDV__META(state, type, status, (uint32_t)days, source);
	*days_out = days;
	return TDV_OK;
}

static int
cmp_key(const struct tdv__sltd_rec *a, const struct tdv__sltd_rec *b)
{
	uint32_t sa = TDV__META_STATE(a->meta), sb = TDV__META_STATE(b->meta);
	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (a->num != b->num)
		return a->num < b->num ? -1 : 1;
	return 0;
}

int tdv__sltd_cmp_key(const struct tdv__sltd_rec *a, const struct tdv__sltd_rec *b);
int
tdv__sltd_cmp_key(const struct tdv__sltd_rec *a, const struct tdv__sltd_rec *b)
{
	return cmp_key(a, b);
}

/* Key, then the newer date, then the later line: the last of a run of
 * equal keys is the one kept. */
static int
cmp_brec(const void *pa, const void *pb)
{
	const struct brec *a = pa, *b = pb;
	int c = cmp_key(&a->r, &b->r);
	if (c != 0)
		return c;
	if (!a->remove && !b->remove) {
		uint32_t da = TDV__META_DAYS(a->r.meta), db = TDV__META_DAYS(b->r.meta);
		if (da != db)
			return da < db ? -1 : 1;
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

struct conf {
	uint64_t h;
	uint32_t idx;
};

static int
cmp_conf(const void *pa, const void *pb)
{
	const struct conf *a = pa, *b = pb;
	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* --- writing ------------------------------------------------------- */

struct writer {
	int fd;
	EVP_MD_CTX *md;
	uint64_t off;
	char buf[1 << 16];
	size_t blen;
	int err;
};

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return TDV_EIO;
		}
		c += w;
		n -= (size_t)w;
	}
	return TDV_OK;
}

static void
w_flush(struct writer *w)
{
	if (w->err == TDV_OK && w->blen > 0) {
		if (EVP_DigestUpdate(w->md, w->buf, w->blen) != 1)
			w->err = TDV_ECRYPTO;
		else
			w->err = write_all(w->fd, w->buf, w->blen);
	}
	w->blen = 0;
}

static void
w_put(struct writer *w, const void *p, size_t n)
{
	const char *c = p;
	w->off += n;
	while (n > 0 && w->err == TDV_OK) {
		size_t k = sizeof(w->buf) - w->blen;
		if (k > n)
			k = n;
		memcpy(w->buf + w->blen, c, k);
		w->blen += k;
		c += k;
		n -= k;
		if (w->blen == sizeof(w->buf))
			w_flush(w);
	}
}

static void
w_pad(struct writer *w, size_t align)
{
	static const char zero[8];
	while (w->off % align != 0)
		w_put(w, zero, 1);
	(void)zero;
}

static int
fsync_dir(const char *path)
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
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return TDV_EIO;
	int rc = fsync(fd) == 0 ? TDV_OK : TDV_EIO;
	close(fd);
	return rc;
}

/*
 * Write records (sorted, unique), their conf entries (sorted) and the
 * sources to a temporary file and rename it over path.
 */
static int
write_index(const char *path, uint64_t version, long list_days,
    const struct sources *src, const struct tdv__sltd_rec *recs, size_t n,
    const struct conf *conf)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp))
		return TDV_ELIMIT;
	struct writer *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return TDV_ENOMEM;
	w->fd = mkstemp(tmp);
	if (w->fd < 0) {
		free(w);
		return TDV_EIO;
	}
	w->md = EVP_MD_CTX_new();
	int rc = TDV_OK;
	if (w->md == NULL || EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1) {
		rc = TDV_ECRYPTO;
		goto out;
	}

	struct tdv__sltd_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, TDV__SLTD_MAGIC, 8);
	h.endian = TDV__SLTD_ENDIAN;
	h.hdr_size = sizeof(h);
	h.version = version;
	h.nrecords = n;
	h.created = (int64_t)time(NULL);
	h.list_days = list_days;
	h.nsources = src->n;
	uint64_t slen = 0;
	for (size_t i = 0; i < src->n; i++)
		slen += strlen(src->names[i]) + 1;
	h.sources_off = sizeof(h);
	h.sources_len = slen;
	h.records_off = (h.sources_off + slen + 7) / 8 * 8;
	h.conf_off = h.records_off + (uint64_t)n * sizeof(struct tdv__sltd_rec);
	uint64_t nf = tdv__sltd_nfence(n);
	h.fence_off = (h.conf_off + (uint64_t)n * 12 + 7) / 8 * 8;
	h.file_size = h.fence_off + nf * (sizeof(struct tdv__sltd_rec) + 8);

	w_put(w, &h, sizeof(h));
	for (size_t i = 0; i < src->n; i++)
		w_put(w, src->names[i], strlen(src->names[i]) + 1);
	w_pad(w, 8);
	w_put(w, recs, n * sizeof(*recs));
	for (size_t i = 0; i < n; i++) {
		uint32_t t[3] = {(uint32_t)(conf[i].h >> 32), (uint32_t)conf[i].h,
		    conf[i].idx};
		w_put(w, t, sizeof(t));
	}
	w_pad(w, 8);
	for (uint64_t i = 0; i < nf; i++)
		w_put(w, &recs[i * TDV__SLTD_FENCE], sizeof(*recs));
	for (uint64_t i = 0; i < nf; i++)
		w_put(w, &conf[i * TDV__SLTD_FENCE].h, sizeof(uint64_t));
	w_flush(w);
	if (w->err != TDV_OK || w->off != h.file_size) {
		rc = w->err != TDV_OK ? w->err : TDV_EINTERNAL;
		goto out;
	}
	unsigned int mdlen = 0;
	if (EVP_DigestFinal_ex(w->md, h.sha256, &mdlen) != 1 || mdlen != 32) {
		rc = TDV_ECRYPTO;
		goto out;
	}
	/* The digest covers the header with the digest field zero. */
	if (pwrite(w->fd, h.sha256, 32, (off_t)offsetof(struct tdv__sltd_hdr, sha256)) != 32 ||
	    fsync(w->fd) != 0) {
		rc = TDV_EIO;
		goto out;
	}
	if (close(w->fd) != 0) {
		w->fd = -1;
		rc = TDV_EIO;
		goto out;
	}
	w->fd = -1;
	if (rename(tmp, path) != 0) {
		rc = TDV_EIO;
		goto out;
	}
	rc = fsync_dir(path);
	tmp[0] = '\0';
out:
	if (w->fd >= 0)
		close(w->fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	EVP_MD_CTX_free(w->md);
	free(w);
	return rc;
}

/* --- reading CSV ----------------------------------------------------- */

static void
report(const tdv_sltd_import_opts *o, tdv_sltd_import_stats *st,
    unsigned long line, int code, const char *msg)
{
	st->rejected++;
	if (o->on_error)
		o->on_error(o->ctx, line, code, msg);
}

static bool
is_header(const tdv__csv *c, bool delta)
{
	size_t k = delta ? 1 : 0;
	return c->nfields > k && (strcasecmp(c->fields[k], "issuing_state") == 0 ||
	    strcasecmp(c->fields[k], "state") == 0);
}

/* Read a list (delta == false) or a delta into v. */
static int
read_csv(FILE *in, bool delta, const tdv_sltd_import_opts *o,
    tdv_sltd_import_stats *st, struct sources *src, struct vec *v,
    long *max_days)
{
	tdv__csv *c = malloc(sizeof(*c));
	if (c == NULL)
		return TDV_ENOMEM;
	tdv__csv_init(c, in);
	char msg[160];
	bool first = true;
	int rc;
	uint32_t seq = 0;
	while ((rc = tdv__csv_next(c)) != 0) {
		if (rc == TDV_EIO)
			break;
		if (rc < 0) {
			st->lines++;
			report(o, st, c->line, TDV_ESCREEN_CSV,
			    rc == TDV_ELIMIT ? "line too long" :
			    rc == TDV_EUTF8 ? "invalid UTF-8" :
			    "bad quoting, stray NUL or too many fields");
			first = false;
			continue;
		}
		if (first && is_header(c, delta)) {
			first = false;
			continue;
		}
		first = false;
		st->lines++;
		struct brec r;
		memset(&r, 0, sizeof(r));
		const char *const *f = c->fields;
		size_t nf = c->nfields;
		bool key_only = false;
		if (delta) {
			if (strcasecmp(f[0], "add") == 0 || strcmp(f[0], "+") == 0) {
				r.remove = 0;
			} else if (strcasecmp(f[0], "remove") == 0 || strcmp(f[0], "-") == 0) {
				r.remove = 1;
				key_only = true;
			} else {
				snprintf(msg, sizeof(msg), "unknown operation '%.16s' (add, remove)", f[0]);
				report(o, st, c->line, TDV_ESCREEN_CSV, msg);
				continue;
			}
			f++;
			nf--;
		}
		long days = 0;
		rc = parse_row(f, nf, key_only, src, &r, msg, sizeof(msg), &days);
		if (rc == TDV_ENOMEM)
			break;
		if (rc != TDV_OK) {
			report(o, st, c->line, rc, msg);
			continue;
		}
		r.seq = seq++;
		if ((rc = vec_push(v, &r)) != TDV_OK)
			break;
		st->accepted++;
		if (!r.remove && days > *max_days)
			*max_days = days;
		rc = 0;
	}
	free(c);
	return rc < 0 ? rc : TDV_OK;
}

/* Sort and keep the last of each run of equal keys; returns new count. */
static size_t
sort_unique(struct vec *v, unsigned long *dups)
{
	if (v->n == 0)
		return 0;
	qsort(v->v, v->n, sizeof(*v->v), cmp_brec);
	size_t o = 0;
	for (size_t i = 0; i < v->n; i++) {
		if (i + 1 < v->n && cmp_key(&v->v[i].r, &v->v[i + 1].r) == 0) {
			(*dups)++;
			continue;
		}
		v->v[o++] = v->v[i];
	}
	v->n = o;
	return o;
}

static long
list_days_for(const tdv_sltd_import_opts *o, long max_days)
{
	if (o->list_date.year != 0)
		return tdv_date_to_days(&o->list_date);
	return max_days;
}

/* Version of the index currently at path: 0 when there is none. */
static uint64_t
current_version(const char *path)
{
	tdv_sltd *old = NULL;
	if (tdv_sltd_open(path, &old) != TDV_OK)
		return 0;
	tdv_sltd_info info;
	tdv_sltd_info_get(old, &info);
	tdv_sltd_free(&old);
	return info.version;
}

int
tdv_sltd_import(FILE *csv, const char *index_path,
    const tdv_sltd_import_opts *opts, tdv_sltd_import_stats *st)
{
	tdv_sltd_import_opts o0;
	tdv_sltd_import_stats s0;
	if (csv == NULL || index_path == NULL)
		return TDV_EINVAL;
	if (opts == NULL) {
		memset(&o0, 0, sizeof(o0));
		opts = &o0;
	}
	if (st == NULL)
		st = &s0;
	memset(st, 0, sizeof(*st));
	struct sources src;
	struct vec v;
	memset(&src, 0, sizeof(src));
	memset(&v, 0, sizeof(v));
	struct tdv__sltd_rec *recs = NULL;
	struct conf *conf = NULL;
	long max_days = -1;
	int rc = read_csv(csv, false, opts, st, &src, &v, &max_days);
	if (rc != TDV_OK)
		goto out;
	size_t n = sort_unique(&v, &st->duplicates);
	if (n == 0 && !opts->allow_empty) {
		rc = TDV_ESCREEN_CSV;
		goto out;
	}
	recs = malloc((n ? n : 1) * sizeof(*recs));
	conf = malloc((n ? n : 1) * sizeof(*conf));
	if (recs == NULL || conf == NULL) {
		rc = TDV_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		recs[i] = v.v[i].r;
		conf[i].h = tdv__sltd_conf_key(TDV__META_STATE(recs[i].meta), v.v[i].num);
		conf[i].idx = (uint32_t)i;
	}
	free(v.v);
	v.v = NULL;
	qsort(conf, n, sizeof(*conf), cmp_conf);
	long days = list_days_for(opts, max_days);
	if (days < 0)
		days = 0;
	st->version = current_version(index_path) + 1;
	st->records = n;
	rc = write_index(index_path, st->version, days, &src, recs, n, conf);
out:
	free(v.v);
	free(recs);
	free(conf);
	sources_free(&src);
	return rc;
}

/* Defined in sltd_index.c: the mapped parts of an open index. */
const struct tdv__sltd_rec *tdv__sltd_records(const tdv_sltd *idx, size_t *n);
const char *tdv__sltd_source(const tdv_sltd *idx, uint32_t id);
size_t tdv__sltd_nsources(const tdv_sltd *idx);
const uint32_t *tdv__sltd_conf(const tdv_sltd *idx);
long tdv__sltd_list_days(const tdv_sltd *idx);

int
tdv_sltd_update(const char *index_path, FILE *delta,
    const tdv_sltd_import_opts *opts, tdv_sltd_import_stats *st)
{
	tdv_sltd_import_opts o0;
	tdv_sltd_import_stats s0;
	if (delta == NULL || index_path == NULL)
		return TDV_EINVAL;
	if (opts == NULL) {
		memset(&o0, 0, sizeof(o0));
		opts = &o0;
	}
	if (st == NULL)
		st = &s0;
	memset(st, 0, sizeof(*st));
	tdv_sltd *old = NULL;
	int rc = tdv_sltd_open(index_path, &old);
	if (rc != TDV_OK)
		return rc;
	if ((rc = tdv_sltd_verify(old)) != TDV_OK) {
		tdv_sltd_free(&old);
		return rc;
	}
	tdv_sltd_info info;
	tdv_sltd_info_get(old, &info);
	size_t on;
	const struct tdv__sltd_rec *orec = tdv__sltd_records(old, &on);
	const uint32_t *oconf = tdv__sltd_conf(old);

	struct sources src;
	struct vec v;
	memset(&src, 0, sizeof(src));
	memset(&v, 0, sizeof(v));
	struct tdv__sltd_rec *recs = NULL;
	struct conf *conf = NULL, *dconf = NULL;
	uint32_t *map = NULL;
	/* Keep the old source ids: intern the old table first, in order. */
	for (size_t i = 0; i < tdv__sltd_nsources(old); i++) {
		uint32_t id;
		if ((rc = sources_intern(&src, tdv__sltd_source(old, (uint32_t)i), &id)) != TDV_OK)
			goto out;
	}
	long max_days = -1;
	if ((rc = read_csv(delta, true, opts, st, &src, &v, &max_days)) != TDV_OK)
		goto out;
	unsigned long dups = 0;
	size_t dn = sort_unique(&v, &dups);
	if (dn == 0 && !opts->allow_empty) {
		rc = TDV_ESCREEN_CSV;
		goto out;
	}
	size_t cap = on + dn;
	recs = malloc((cap ? cap : 1) * sizeof(*recs));
	map = malloc((on ? on : 1) * sizeof(*map));
	dconf = malloc((dn ? dn : 1) * sizeof(*dconf));
	if (recs == NULL || map == NULL || dconf == NULL) {
		rc = TDV_ENOMEM;
		goto out;
	}
	/* One linear merge of the old records with the sorted delta. */
	size_t i = 0, j = 0, n = 0, ndc = 0;
	while (i < on || j < dn) {
		int c = i == on ? 1 : j == dn ? -1 : cmp_key(&orec[i], &v.v[j].r);
		if (c < 0) {
			map[i++] = (uint32_t)n;
			recs[n++] = orec[i - 1];
			continue;
		}
		if (c == 0) {
			map[i++] = UINT32_MAX; /* replaced or removed */
			if (v.v[j].remove)
				st->removed++;
			else
				st->added++;
		} else if (v.v[j].remove) {
			st->not_found++;
		} else {
			st->added++;
		}
		if (!v.v[j].remove) {
			dconf[ndc].h = tdv__sltd_conf_key(TDV__META_STATE(v.v[j].r.meta), v.v[j].num);
			dconf[ndc].idx = (uint32_t)n;
			ndc++;
			recs[n++] = v.v[j].r;
		}
		j++;
	}
	if (n == 0 && !opts->allow_empty) {
		rc = TDV_ESCREEN_CSV;
		goto out;
	}
	/* The old conf index stays sorted under the index remap; merge it
	 * with the (sorted) conf entries of the added records. */
	if (ndc > 0)
		qsort(dconf, ndc, sizeof(*dconf), cmp_conf);
	conf = malloc((n ? n : 1) * sizeof(*conf));
	if (conf == NULL) {
		rc = TDV_ENOMEM;
		goto out;
	}
	size_t a = 0, b = 0, k = 0;
	while (a < on || b < ndc) {
		struct conf oc = {0, UINT32_MAX};
		while (a < on) {
			const uint32_t *t = oconf + 3 * a;
			if (t[2] < on && map[t[2]] != UINT32_MAX) {
				oc.h = ((uint64_t)t[0] << 32) | t[1];
				oc.idx = map[t[2]];
				break;
			}
			a++;
		}
		bool have_old = a < on;
		if (have_old && (b == ndc || oc.h <= dconf[b].h)) {
			conf[k++] = oc;
			a++;
		} else if (b < ndc) {
			conf[k++] = dconf[b++];
		}
		if (k > n) {
			rc = TDV_ESCREEN_INDEX;
			goto out;
		}
	}
	if (k != n) {
		rc = TDV_ESCREEN_INDEX;
		goto out;
	}
	long days = list_days_for(opts, max_days);
	if (days < tdv__sltd_list_days(old))
		days = tdv__sltd_list_days(old);
	st->version = info.version + 1;
	st->records = n;
	st->duplicates = dups;
	free(v.v);
	v.v = NULL;
	rc = write_index(index_path, st->version, days, &src, recs, n, conf);
out:
	tdv_sltd_free(&old);
	free(v.v);
	free(recs);
	free(conf);
	free(dconf);
	free(map);
	sources_free(&src);
	return rc;
}
