/*
 * tdv_store: opening a store by URI, transactions, checkpoints, sync
 * cursors, and the small helpers the record files share.
 */
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>

#include "store/store_int.h"
#include "tdv/error.h"

#define URI_MAX 4096

void
tdv__store_set_err(tdv_store *s, const char *msg)
{
	snprintf(s->errmsg, sizeof(s->errmsg), "%s", msg ? msg : "");
	/* backend messages end in a newline; keep one-line messages */
	size_t n = strlen(s->errmsg);
	while (n > 0 && (s->errmsg[n - 1] == '\n' || s->errmsg[n - 1] == '\r'))
		s->errmsg[--n] = '\0';
}

const char *
tdv_store_errmsg(const tdv_store *s)
{
	return s ? s->errmsg : "";
}

tdv_store_backend
tdv_store_backend_of(const tdv_store *s)
{
	return s->backend;
}

int
tdv__exec(tdv_store *s, const char *sql, const tdv__param *p, int np,
    tdv__row_cb cb, void *ctx)
{
	return s->ops->exec(s, sql, p, np, cb, ctx, NULL);
}

int
tdv__exec_changes(tdv_store *s, const char *sql, const tdv__param *p, int np,
    int64_t *changes)
{
	return s->ops->exec(s, sql, p, np, NULL, NULL, changes);
}

static int
refuse_readonly(tdv_store *s)
{
	tdv__store_set_err(s, "the store was opened read-only (?readonly=1): "
			      "writes are refused; write to the primary store");
	return TDV_ESTORE_READONLY;
}

int
tdv__tx_begin(tdv_store *s)
{
	/* every write that is more than one statement starts here; single
	 * statements are refused by the database itself (read-only file,
	 * query_only, default_transaction_read_only) */
	if (s->readonly)
		return refuse_readonly(s);
	if (s->tx_depth == 0) {
		int rc = s->ops->script(s, s->ops->begin_sql);
		if (rc != TDV_OK)
			return rc;
		s->tx_failed = false;
	}
	s->tx_depth++;
	return TDV_OK;
}

int
tdv__tx_end(tdv_store *s, int rc)
{
	if (s->tx_depth <= 0)
		return rc != TDV_OK ? rc : TDV_EINTERNAL;
	if (rc != TDV_OK)
		s->tx_failed = true;
	if (--s->tx_depth > 0)
		return rc;
	if (s->tx_failed) {
		s->tx_failed = false;
		char keep[sizeof(s->errmsg)];
		memcpy(keep, s->errmsg, sizeof(keep));
		(void)s->ops->script(s, "ROLLBACK");
		memcpy(s->errmsg, keep, sizeof(keep));
		return rc != TDV_OK ? rc : TDV_ESTORE;
	}
	int c = s->ops->script(s, "COMMIT");
	if (c != TDV_OK) {
		(void)s->ops->script(s, "ROLLBACK");
		return c;
	}
	return TDV_OK;
}

int
tdv_store_begin(tdv_store *s)
{
	if (s == NULL || s->tx_explicit)
		return TDV_EINVAL;
	int rc = tdv__tx_begin(s);
	if (rc == TDV_OK)
		s->tx_explicit = true;
	return rc;
}

int
tdv_store_commit(tdv_store *s)
{
	if (s == NULL || !s->tx_explicit)
		return TDV_EINVAL;
	s->tx_explicit = false;
	return tdv__tx_end(s, TDV_OK);
}

int
tdv_store_rollback(tdv_store *s)
{
	if (s == NULL || !s->tx_explicit)
		return TDV_EINVAL;
	s->tx_explicit = false;
	int rc = tdv__tx_end(s, TDV_ESTORE);
	return rc == TDV_ESTORE ? TDV_OK : rc;
}

/* "?readonly=1" (either backend) or "?mode=ro" (SQLite) at the end of
 * the URI: strip it and return true. */
static bool
uri_readonly_suffix(char *uri)
{
	static const char *const suffixes[] = {"?readonly=1", "?mode=ro"};
	size_t n = strlen(uri);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t k = strlen(suffixes[i]);
		if (i == 1 && strncmp(uri, "sqlite:", 7) != 0)
			continue;
		if (n > k && strcmp(uri + n - k, suffixes[i]) == 0) {
			uri[n - k] = '\0';
			return true;
		}
	}
	return false;
}

int
tdv_store_open_flags(const char *uri_in, unsigned flags, tdv_store **out,
    char *errbuf, size_t errbufsz)
{
	if (errbuf != NULL && errbufsz > 0)
		errbuf[0] = '\0';
	if (uri_in == NULL || out == NULL ||
	    (flags & ~(unsigned)TDV_STORE_READONLY) != 0)
		return TDV_EINVAL;
	*out = NULL;
	size_t ulen = strnlen(uri_in, URI_MAX + 1);
	if (ulen > URI_MAX)
		return TDV_ELIMIT;
	if (sodium_init() < 0)
		return TDV_ECRYPTO;
	tdv_store *s = calloc(1, sizeof(*s));
	char *uri = malloc(ulen + 1);
	if (s == NULL || uri == NULL) {
		free(s);
		free(uri);
		return TDV_ENOMEM;
	}
	memcpy(uri, uri_in, ulen + 1);
	s->readonly = (flags & TDV_STORE_READONLY) != 0 || uri_readonly_suffix(uri);
	int rc;
	if (strncmp(uri, "sqlite:", 7) == 0) {
		s->backend = TDV_STORE_SQLITE;
		rc = uri[7] ? tdv__sqlite_open(s, uri + 7) : TDV_EINVAL;
	} else if (strncmp(uri, "postgres:", 9) == 0) {
		s->backend = TDV_STORE_POSTGRES;
		rc = tdv__pg_open(s, uri + 9);
	} else {
		tdv__store_set_err(s, "store URI must start with sqlite: or postgres:");
		rc = TDV_EINVAL;
	}
	free(uri);
	if (rc == TDV_OK)
		rc = s->readonly ? tdv__schema_check(s) : tdv__migrate(s, 0);
	if (rc != TDV_OK) {
		if (errbuf != NULL && errbufsz > 0)
			snprintf(errbuf, errbufsz, "%s", s->errmsg);
		tdv_store_free(&s);
		return rc;
	}
	*out = s;
	return TDV_OK;
}

int
tdv_store_open(const char *uri, tdv_store **out, char *errbuf, size_t errbufsz)
{
	return tdv_store_open_flags(uri, 0, out, errbuf, errbufsz);
}

bool
tdv_store_is_readonly(const tdv_store *s)
{
	return s != NULL && s->readonly;
}

void
tdv_store_free(tdv_store **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	tdv_store *s = *sp;
	if (s->ops != NULL && s->impl != NULL) {
		if (s->tx_depth > 0)
			(void)s->ops->script(s, "ROLLBACK");
		s->ops->close(s);
	}
	free(s);
	*sp = NULL;
}

/* ---- helpers ---- */

int
tdv__copy(char *dst, size_t dstsz, const char *val, size_t len)
{
	if (val == NULL)
		len = 0;
	if (len >= dstsz || (val != NULL && memchr(val, '\0', len) != NULL))
		return TDV_ELIMIT;
	if (len > 0)
		memcpy(dst, val, len);
	dst[len] = '\0';
	return TDV_OK;
}

int
tdv__copy_str(char *dst, size_t dstsz, const char *val)
{
	if (val == NULL)
		val = "";
	size_t n = strnlen(val, dstsz);
	if (n >= dstsz)
		return TDV_ELIMIT;
	memcpy(dst, val, n + 1);
	return TDV_OK;
}

int
tdv__parse_i64(const char *val, int64_t *out)
{
	if (val == NULL || *val == '\0')
		return TDV_EPARSE;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0')
		return TDV_EPARSE;
	*out = (int64_t)v;
	return TDV_OK;
}

bool
tdv__id_ok(const char *id)
{
	if (id == NULL)
		return false;
	size_t n = strnlen(id, TDV_ID_MAX + 1);
	if (n == 0 || n > TDV_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* SHA-256 fetched once (the implicit fetch of EVP_sha256() on every
 * init costs more than hashing an audit entry). */
static EVP_MD *sha256_md;
static once_flag sha256_once = ONCE_FLAG_INIT;

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *
tdv__sha256(void)
{
	call_once(&sha256_once, sha256_fetch);
	return sha256_md;
}

void
tdv__hex32(const unsigned char md[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

/* Fields are gathered and digested in large pieces: sync ingest hashes
 * every audit entry it receives. */
struct tdv__hasher {
	EVP_MD_CTX *ctx;
	int err;
	size_t n;
	unsigned char buf[2048];
};

tdv__hasher *
tdv__hasher_new(void)
{
	const EVP_MD *md = tdv__sha256();
	tdv__hasher *h = md != NULL ? malloc(sizeof(*h)) : NULL;
	if (h == NULL)
		return NULL;
	h->err = 0;
	h->n = 0;
	h->ctx = EVP_MD_CTX_new();
	if (h->ctx == NULL || EVP_DigestInit_ex2(h->ctx, md, NULL) != 1) {
		EVP_MD_CTX_free(h->ctx);
		free(h);
		return NULL;
	}
	return h;
}

static void
hasher_put(tdv__hasher *h, const void *p, size_t n)
{
	if (h->n + n > sizeof(h->buf)) {
		if (h->n > 0 && EVP_DigestUpdate(h->ctx, h->buf, h->n) != 1)
			h->err = 1;
		h->n = 0;
		if (n > sizeof(h->buf)) {
			if (EVP_DigestUpdate(h->ctx, p, n) != 1)
				h->err = 1;
			return;
		}
	}
	memcpy(h->buf + h->n, p, n);
	h->n += n;
}

/* Each field is its 8-byte big-endian length then its bytes, so no two
 * different field lists hash the same input. */
void
tdv__hasher_str(tdv__hasher *h, const char *str)
{
	if (str == NULL)
		str = "";
	size_t n = strlen(str);
	unsigned char len[8];
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
	hasher_put(h, len, sizeof(len));
	hasher_put(h, str, n);
}

void
tdv__hasher_i64(tdv__hasher *h, int64_t v)
{
	char t[24];
	snprintf(t, sizeof(t), "%" PRId64, v);
	tdv__hasher_str(h, t);
}

int
tdv__hasher_final(tdv__hasher **hp, char hex[65])
{
	tdv__hasher *h = *hp;
	unsigned char md[32];
	unsigned int mdlen = 0;
	int rc = TDV_OK;
	if (h->err || (h->n > 0 && EVP_DigestUpdate(h->ctx, h->buf, h->n) != 1) ||
	    EVP_DigestFinal_ex(h->ctx, md, &mdlen) != 1 || mdlen != 32)
		rc = TDV_ECRYPTO;
	else
		tdv__hex32(md, hex);
	EVP_MD_CTX_free(h->ctx);
	free(h);
	*hp = NULL;
	return rc;
}

int64_t
tdv_store_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- checkpoints ---- */

static bool
country_ok(const char *c)
{
	size_t n = strnlen(c, 4);
	if (n < 1 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (c[i] < 'A' || c[i] > 'Z')
			return false;
	return true;
}

int
tdv_store_checkpoint_put(tdv_store *s, const tdv_checkpoint *cp)
{
	if (s == NULL || cp == NULL || !tdv__id_ok(cp->id) ||
	    strnlen(cp->name, sizeof(cp->name)) >= sizeof(cp->name) ||
	    !country_ok(cp->country))
		return TDV_EINVAL;
	tdv__param p[] = {TDV__TEXT(cp->id), TDV__TEXT(cp->name),
	    TDV__TEXT(cp->country)};
	return tdv__exec(s,
	    "INSERT INTO checkpoint (id, name, country) VALUES ($1, $2, $3)"
	    " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
	    " country = excluded.country",
	    p, 3, NULL, NULL);
}

static int
checkpoint_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	tdv_checkpoint *cp = ctx;
	if (n != 3)
		return TDV_ESTORE_SCHEMA;
	int rc = tdv__copy(cp->id, sizeof(cp->id), v[0], l[0]);
	if (rc == TDV_OK)
		rc = tdv__copy(cp->name, sizeof(cp->name), v[1], l[1]);
	if (rc == TDV_OK)
		rc = tdv__copy(cp->country, sizeof(cp->country), v[2], l[2]);
	return rc != TDV_OK ? rc : 1;
}

int
tdv_store_checkpoint_get(tdv_store *s, const char *id, tdv_checkpoint *out)
{
	if (s == NULL || out == NULL || !tdv__id_ok(id))
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	tdv__param p[] = {TDV__TEXT(id)};
	int rc = tdv__exec(s, "SELECT id, name, country FROM checkpoint WHERE id = $1",
	    p, 1, checkpoint_row, out);
	if (rc != TDV_OK)
		return rc;
	return out->id[0] ? TDV_OK : TDV_ENOENT;
}

/* ---- sync cursors ---- */

int
tdv__i64_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	if (n < 1)
		return TDV_ESTORE_SCHEMA;
	if (v[0] == NULL)
		return 1;
	return tdv__parse_i64(v[0], ctx) == TDV_OK ? 1 : TDV_ESTORE_SCHEMA;
}

static bool
stream_ok(const char *stream)
{
	return stream != NULL && (strcmp(stream, "movement") == 0 ||
	    strcmp(stream, "audit") == 0 || strcmp(stream, "batch") == 0 ||
	    strcmp(stream, "referral") == 0);
}

int
tdv_store_sync_cursor_get(tdv_store *s, const char *stream,
    const char *checkpoint_id, int64_t *seq)
{
	if (s == NULL || seq == NULL || !stream_ok(stream) ||
	    !tdv__id_ok(checkpoint_id))
		return TDV_EINVAL;
	*seq = 0;
	tdv__param p[] = {TDV__TEXT(stream), TDV__TEXT(checkpoint_id)};
	return tdv__exec(s,
	    "SELECT seq FROM sync_cursor WHERE stream = $1 AND checkpoint_id = $2",
	    p, 2, tdv__i64_row, seq);
}

int
tdv_store_sync_cursor_set(tdv_store *s, const char *stream,
    const char *checkpoint_id, int64_t seq)
{
	if (s == NULL || seq < 0 || !stream_ok(stream) || !tdv__id_ok(checkpoint_id))
		return TDV_EINVAL;
	tdv__param p[] = {TDV__TEXT(stream), TDV__TEXT(checkpoint_id), TDV__INT(seq)};
	return tdv__exec(s,
	    "INSERT INTO sync_cursor (stream, checkpoint_id, seq) VALUES ($1, $2, $3)"
	    " ON CONFLICT (stream, checkpoint_id) DO UPDATE SET seq = excluded.seq",
	    p, 3, NULL, NULL);
}

/* ---- COPY text rows ---- */

int
tdv__copy_text(tdv_buf *b, const char *val, bool last)
{
	const char *p = val != NULL ? val : "";
	int rc = TDV_OK;
	while (rc == TDV_OK && *p != '\0') {
		size_t run = strcspn(p, "\\\t\n\r");
		if (run > 0)
			rc = tdv_buf_append(b, p, run);
		p += run;
		if (rc != TDV_OK || *p == '\0')
			break;
		char esc[2] = {'\\', *p == '\t' ? 't' : *p == '\n' ? 'n' : *p == '\r' ? 'r' : '\\'};
		rc = tdv_buf_append(b, esc, 2);
		p++;
	}
	if (rc == TDV_OK)
		rc = tdv_buf_putc(b, last ? '\n' : '\t');
	return rc;
}

int
tdv__copy_int(tdv_buf *b, int64_t v, bool last)
{
	char t[24];
	snprintf(t, sizeof(t), "%" PRId64, v);
	return tdv__copy_text(b, t, last);
}

/* ---- listing ---- */

struct checkpoint_list_ctx {
	tdv_checkpoint_cb cb;
	void *ctx;
};

static int
checkpoint_list_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	struct checkpoint_list_ctx *c = ctx;
	tdv_checkpoint cp;
	memset(&cp, 0, sizeof(cp));
	int rc = checkpoint_row(&cp, n, v, l);
	if (rc != 1)
		return rc;
	return c->cb(c->ctx, &cp) != 0 ? 1 : 0;
}

int
tdv_store_checkpoint_list(tdv_store *s, tdv_checkpoint_cb cb, void *ctx)
{
	if (s == NULL || cb == NULL)
		return TDV_EINVAL;
	struct checkpoint_list_ctx c = {cb, ctx};
	return tdv__exec(s, "SELECT id, name, country FROM checkpoint ORDER BY id", NULL,
	    0, checkpoint_list_row, &c);
}
