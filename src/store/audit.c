/*
 * The audit log: append-only, one hash chain per checkpoint ("-" for
 * headquarters' own actions).
 *
 * Entry n carries prev_hash = hash of entry n-1 (64 zeros for n = 1) and
 * hash = SHA-256 over its own fields and prev_hash, each field length-
 * prefixed. The chain's head (last seq and hash) is kept in audit_head,
 * updated in the same transaction, so that cutting entries off the end is
 * seen too; movements name their audit entry, and that entry carries the
 * movement's content hash. The database refuses UPDATE/DELETE of entries
 * by trigger; the chain is what catches whoever goes around the trigger.
 *
 * What a chain cannot prove on its own: an attacker who rewrites the
 * whole store consistently (every hash recomputed). The defence is sync:
 * the entries and hashes are in the central store as soon as they leave.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "tdv/error.h"

static const char ZERO_HASH[65] =
    "0000000000000000000000000000000000000000000000000000000000000000";

#define AUDIT_COLS TDV__AUDIT_COLS
#define AUDIT_NCOLS 9
#define AUDIT_PAGE 2000
#define MAX_CHAINS 100000

static int
entry_hash(const tdv_audit_entry *e, char hex[65])
{
	tdv__hasher *h = tdv__hasher_new();
	if (h == NULL)
		return TDV_ENOMEM;
	tdv__hasher_str(h, "tdv-audit-1");
	tdv__hasher_str(h, e->chain);
	tdv__hasher_i64(h, e->seq);
	tdv__hasher_i64(h, e->time_ms);
	tdv__hasher_str(h, e->actor);
	tdv__hasher_str(h, e->action);
	tdv__hasher_str(h, e->object);
	tdv__hasher_str(h, e->detail);
	tdv__hasher_str(h, e->prev_hash);
	return tdv__hasher_final(&h, hex);
}

static bool
chain_ok(const char *c)
{
	return strcmp(c, "-") == 0 || tdv__id_ok(c);
}

static bool
printable(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);
	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static bool
hex64_ok(const char *h)
{
	if (strnlen(h, 65) != 64)
		return false;
	for (int i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return true;
}

int
tdv__audit_head_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	tdv__audit_head *h = ctx;
	if (n != 2 || tdv__parse_i64(v[0], &h->seq) != TDV_OK ||
	    tdv__copy(h->hash, sizeof(h->hash), v[1], l[1]) != TDV_OK)
		return TDV_ESTORE_SCHEMA;
	h->found = 1;
	return 1;
}

int
tdv__audit_append(tdv_store *s, const char *chain, const char *actor,
    const char *action, const char *object, const char *detail,
    int64_t time_ms, int64_t *seq_out)
{
	tdv_audit_entry e;
	memset(&e, 0, sizeof(e));
	if (chain == NULL)
		chain = "-";
	if (!chain_ok(chain) || (actor != NULL && *actor && !tdv__id_ok(actor)) ||
	    action == NULL || *action == '\0' ||
	    !printable(action, TDV_AUDIT_ACTION_MAX))
		return TDV_EINVAL;
	if (object == NULL)
		object = "";
	if (detail == NULL)
		detail = "";
	if (!printable(object, TDV_AUDIT_OBJECT_MAX) ||
	    !printable(detail, TDV_AUDIT_DETAIL_MAX))
		return TDV_ELIMIT;
	if (s->tx_depth == 0)
		return TDV_EINTERNAL;
	snprintf(e.chain, sizeof(e.chain), "%s", chain);
	snprintf(e.actor, sizeof(e.actor), "%s", actor ? actor : "");
	snprintf(e.action, sizeof(e.action), "%s", action);
	snprintf(e.object, sizeof(e.object), "%s", object);
	snprintf(e.detail, sizeof(e.detail), "%s", detail);
	e.time_ms = time_ms ? time_ms : tdv_store_now_ms();

	/* The UPDATE takes the head's row lock (PostgreSQL) / the write lock
	 * (SQLite), so two writers cannot take the same seq. */
	tdv__audit_head h = {0, "", 0};
	tdv__param ph[] = {TDV__TEXT(chain)};
	int rc = tdv__exec(s,
	    "UPDATE audit_head SET seq = seq + 1 WHERE chain = $1 RETURNING seq, hash",
	    ph, 1, tdv__audit_head_row, &h);
	if (rc != TDV_OK)
		return rc;
	if (!h.found) {
		rc = tdv__exec(s,
		    "INSERT INTO audit_head (chain, seq, hash) VALUES ($1, 1, '')",
		    ph, 1, NULL, NULL);
		if (rc != TDV_OK)
			return rc;
		h.seq = 1;
		memcpy(h.hash, ZERO_HASH, sizeof(h.hash));
	}
	e.seq = h.seq;
	memcpy(e.prev_hash, h.hash, sizeof(e.prev_hash));
	rc = entry_hash(&e, e.hash);
	if (rc != TDV_OK)
		return rc;
	tdv__param p[] = {TDV__TEXT(e.chain), TDV__INT(e.seq), TDV__INT(e.time_ms),
	    TDV__TEXT(e.actor), TDV__TEXT(e.action), TDV__TEXT(e.object),
	    TDV__TEXT(e.detail), TDV__TEXT(e.prev_hash), TDV__TEXT(e.hash)};
	rc = tdv__exec(s,
	    "INSERT INTO audit_entry (" AUDIT_COLS ")"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	    p, AUDIT_NCOLS, NULL, NULL);
	if (rc != TDV_OK)
		return rc;
	tdv__param pu[] = {TDV__TEXT(e.chain), TDV__TEXT(e.hash)};
	rc = tdv__exec(s, "UPDATE audit_head SET hash = $2 WHERE chain = $1", pu, 2,
	    NULL, NULL);
	if (rc == TDV_OK && seq_out != NULL)
		*seq_out = e.seq;
	return rc;
}

int
tdv_store_audit_append(tdv_store *s, const char *chain, const char *actor,
    const char *action, const char *object, const char *detail,
    int64_t *seq_out)
{
	if (s == NULL)
		return TDV_EINVAL;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	rc = tdv__audit_append(s, chain, actor, action, object, detail, 0, seq_out);
	return tdv__tx_end(s, rc);
}

static int
entry_from_row(tdv_audit_entry *e, int n, const char *const *v, const size_t *l)
{
	if (n != AUDIT_NCOLS)
		return TDV_ESTORE_SCHEMA;
	memset(e, 0, sizeof(*e));
	int rc = tdv__copy(e->chain, sizeof(e->chain), v[0], l[0]);
	if (rc == TDV_OK)
		rc = tdv__copy(e->actor, sizeof(e->actor), v[3], l[3]);
	if (rc == TDV_OK)
		rc = tdv__copy(e->action, sizeof(e->action), v[4], l[4]);
	if (rc == TDV_OK)
		rc = tdv__copy(e->object, sizeof(e->object), v[5], l[5]);
	if (rc == TDV_OK)
		rc = tdv__copy(e->detail, sizeof(e->detail), v[6], l[6]);
	if (rc == TDV_OK)
		rc = tdv__copy(e->prev_hash, sizeof(e->prev_hash), v[7], l[7]);
	if (rc == TDV_OK)
		rc = tdv__copy(e->hash, sizeof(e->hash), v[8], l[8]);
	if (rc != TDV_OK)
		return rc;
	if (tdv__parse_i64(v[1], &e->seq) != TDV_OK ||
	    tdv__parse_i64(v[2], &e->time_ms) != TDV_OK)
		return TDV_ESTORE_SCHEMA;
	return TDV_OK;
}

struct page_ctx {
	tdv_audit_entry e;
	tdv_audit_cb cb;
	void *ctx;
	int64_t last;
	int rows;
	int stop;
};

static int
page_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	struct page_ctx *p = ctx;
	int rc = entry_from_row(&p->e, n, v, l);
	if (rc != TDV_OK)
		return rc;
	p->last = p->e.seq;
	p->rows++;
	rc = p->cb(p->ctx, &p->e);
	if (rc != 0)
		p->stop = 1;
	return rc;
}

/* Entries of one chain with seq > after in order, paged; limit <= 0 means
 * all. */
static int
chain_walk(tdv_store *s, const char *chain, int64_t after, int limit,
    tdv_audit_cb cb, void *ctx)
{
	struct page_ctx *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return TDV_ENOMEM;
	p->cb = cb;
	p->ctx = ctx;
	p->last = after;
	int rc = TDV_OK, left = limit;
	for (;;) {
		int page = AUDIT_PAGE;
		if (limit > 0 && left < page)
			page = left;
		p->rows = 0;
		tdv__param pp[] = {TDV__TEXT(chain), TDV__INT(p->last), TDV__INT(page)};
		rc = tdv__exec(s,
		    "SELECT " AUDIT_COLS " FROM audit_entry WHERE chain = $1"
		    " AND seq > $2 ORDER BY seq LIMIT $3",
		    pp, 3, page_row, p);
		if (rc != TDV_OK || p->stop || p->rows < page)
			break;
		if (limit > 0 && (left -= p->rows) <= 0)
			break;
	}
	free(p);
	return rc;
}

int
tdv_store_audit_since(tdv_store *s, const char *chain, int64_t after,
    int limit, tdv_audit_cb cb, void *ctx)
{
	if (s == NULL || cb == NULL || limit <= 0)
		return TDV_EINVAL;
	if (chain == NULL)
		chain = "-";
	if (!chain_ok(chain))
		return TDV_EINVAL;
	return chain_walk(s, chain, after, limit, cb, ctx);
}

/* ---- verification ---- */

struct verify_ctx {
	tdv_audit_report *r;
	int64_t expect;
	char prev[65];
};

/* Record the first problem only. */
static void
broken(tdv_audit_report *r, const char *chain, int64_t seq, const char *msg)
{
	if (!r->intact)
		return;
	r->intact = false;
	snprintf(r->broken_chain, sizeof(r->broken_chain), "%s", chain);
	r->broken_seq = seq;
	snprintf(r->problem, sizeof(r->problem), "%s", msg);
}

static int
verify_entry(void *ctx, const tdv_audit_entry *e)
{
	struct verify_ctx *v = ctx;
	v->r->entries++;
	char h[65], msg[128];
	if (e->seq != v->expect) {
		if (e->seq > v->expect) {
			snprintf(msg, sizeof(msg), "entry missing (the next present is %" PRId64 ")",
			    e->seq);
			broken(v->r, e->chain, v->expect, msg);
		} else {
			snprintf(msg, sizeof(msg), "entry out of order (after %" PRId64 ")",
			    v->expect - 1);
			broken(v->r, e->chain, e->seq, msg);
		}
		return 1;
	}
	if (strcmp(e->prev_hash, v->prev) != 0) {
		snprintf(msg, sizeof(msg),
		    "prev_hash does not match the hash of entry %" PRId64, e->seq - 1);
		broken(v->r, e->chain, e->seq, msg);
		return 1;
	}
	if (entry_hash(e, h) != TDV_OK)
		return TDV_ECRYPTO;
	if (strcmp(h, e->hash) != 0) {
		broken(v->r, e->chain, e->seq,
		    "content does not match its hash (entry edited or moved)");
		return 1;
	}
	memcpy(v->prev, e->hash, sizeof(v->prev));
	v->expect++;
	return 0;
}

struct chain_list {
	char (*ids)[TDV_ID_MAX + 1];
	size_t n, cap;
};

static int
chain_list_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	struct chain_list *c = ctx;
	if (n != 1)
		return TDV_ESTORE_SCHEMA;
	if (c->n == c->cap) {
		if (c->cap >= MAX_CHAINS)
			return TDV_ELIMIT;
		size_t cap = c->cap ? c->cap * 2 : 16;
		void *p = realloc(c->ids, cap * sizeof(*c->ids));
		if (p == NULL)
			return TDV_ENOMEM;
		c->ids = p;
		c->cap = cap;
	}
	int rc = tdv__copy(c->ids[c->n], sizeof(c->ids[0]), v[0], l[0]);
	if (rc != TDV_OK)
		return rc;
	c->n++;
	return 0;
}

static int
verify_movement(void *ctx, const tdv_movement *m, const char *action,
    const char *object, const char *detail)
{
	tdv_audit_report *r = ctx;
	char h[65], want[96], msg[128];
	if (action == NULL) {
		snprintf(msg, sizeof(msg), "audit entry of movement %s is missing", m->id);
		broken(r, m->checkpoint_id, m->audit_seq, msg);
		return 1;
	}
	if (tdv__movement_hash(m, h) != TDV_OK)
		return TDV_ECRYPTO;
	snprintf(want, sizeof(want), "sha256:%s", h);
	if (strcmp(action, "movement.record") != 0 || strcmp(object, m->id) != 0 ||
	    strcmp(detail, want) != 0) {
		snprintf(msg, sizeof(msg),
		    "movement %s (seq %" PRId64 ") does not match its audit entry",
		    m->id, m->seq);
		broken(r, m->checkpoint_id, m->audit_seq, msg);
		return 1;
	}
	return 0;
}

int
tdv_store_audit_verify(tdv_store *s, const char *chain, tdv_audit_report *r)
{
	if (s == NULL || r == NULL || (chain != NULL && !chain_ok(chain)))
		return TDV_EINVAL;
	memset(r, 0, sizeof(*r));
	r->intact = true;
	struct chain_list cl = {NULL, 0, 0};
	int rc;
	if (chain != NULL) {
		const char *v[1] = {chain};
		size_t l[1] = {strlen(chain)};
		rc = chain_list_row(&cl, 1, v, l);
	} else {
		rc = tdv__exec(s,
		    "SELECT chain FROM audit_head UNION SELECT chain FROM audit_entry"
		    " ORDER BY 1",
		    NULL, 0, chain_list_row, &cl);
	}
	for (size_t i = 0; rc == TDV_OK && i < cl.n && r->intact; i++) {
		const char *c = cl.ids[i];
		r->chains++;
		tdv__audit_head h = {0, "", 0};
		tdv__param p[] = {TDV__TEXT(c)};
		rc = tdv__exec(s, "SELECT seq, hash FROM audit_head WHERE chain = $1",
		    p, 1, tdv__audit_head_row, &h);
		if (rc != TDV_OK)
			break;
		struct verify_ctx v = {r, 1, ""};
		memcpy(v.prev, ZERO_HASH, sizeof(v.prev));
		rc = chain_walk(s, c, 0, 0, verify_entry, &v);
		if (rc != TDV_OK || !r->intact)
			break;
		char msg[128];
		if (!h.found && v.expect > 1) {
			broken(r, c, v.expect - 1, "chain head record missing");
		} else if (h.found && h.seq != v.expect - 1) {
			snprintf(msg, sizeof(msg),
			    "entry missing: the chain head is at %" PRId64, h.seq);
			broken(r, c, v.expect, msg);
		} else if (h.found && strcmp(h.hash, v.prev) != 0) {
			broken(r, c, h.seq, "last entry does not match the chain head");
		}
	}
	free(cl.ids);
	if (rc == TDV_OK && r->intact && chain == NULL)
		rc = tdv__movements_all(s, verify_movement, r);
	return rc;
}

/* ---- central import ---- */

struct exists {
	tdv_audit_entry e;
	int found;
};

static int
exists_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	struct exists *x = ctx;
	int rc = entry_from_row(&x->e, n, v, l);
	if (rc != TDV_OK)
		return rc;
	x->found = 1;
	return 1;
}

int
tdv_store_import_audit(tdv_store *s, const tdv_audit_entry *e, bool *inserted)
{
	if (s == NULL || e == NULL || inserted == NULL)
		return TDV_EINVAL;
	*inserted = false;
	if (!chain_ok(e->chain) || strcmp(e->chain, "-") == 0 || e->seq <= 0 ||
	    e->time_ms <= 0 || (e->actor[0] && !tdv__id_ok(e->actor)) ||
	    e->action[0] == '\0' || !printable(e->action, TDV_AUDIT_ACTION_MAX) ||
	    !printable(e->object, TDV_AUDIT_OBJECT_MAX) ||
	    !printable(e->detail, TDV_AUDIT_DETAIL_MAX) || !hex64_ok(e->prev_hash) ||
	    !hex64_ok(e->hash))
		return TDV_EINVAL;
	char h[65];
	int rc = entry_hash(e, h);
	if (rc != TDV_OK)
		return rc;
	if (strcmp(h, e->hash) != 0)
		return TDV_EAUDIT_BROKEN;
	struct exists *x = calloc(1, sizeof(*x));
	if (x == NULL)
		return TDV_ENOMEM;
	rc = tdv__tx_begin(s);
	if (rc != TDV_OK) {
		free(x);
		return rc;
	}
	tdv__param p[] = {TDV__TEXT(e->chain), TDV__INT(e->seq)};
	rc = tdv__exec(s,
	    "SELECT " AUDIT_COLS " FROM audit_entry WHERE chain = $1 AND seq = $2",
	    p, 2, exists_row, x);
	bool found = x->found, same = found && strcmp(x->e.hash, e->hash) == 0;
	free(x);
	if (rc == TDV_OK && found) {
		if (!same)
			rc = TDV_ESTORE_CONFLICT;
		return tdv__tx_end(s, rc);
	}
	/* new entries extend the chain exactly: no gaps, no forks */
	tdv__audit_head hd = {0, "", 0};
	if (rc == TDV_OK)
		rc = tdv__exec(s, "SELECT seq, hash FROM audit_head WHERE chain = $1",
		    p, 1, tdv__audit_head_row, &hd);
	if (rc == TDV_OK) {
		const char *prev = hd.found ? hd.hash : ZERO_HASH;
		int64_t next = hd.found ? hd.seq + 1 : 1;
		if (e->seq != next || strcmp(e->prev_hash, prev) != 0)
			rc = TDV_EAUDIT_BROKEN;
	}
	if (rc == TDV_OK) {
		tdv__param pi[] = {TDV__TEXT(e->chain), TDV__INT(e->seq),
		    TDV__INT(e->time_ms), TDV__TEXT(e->actor), TDV__TEXT(e->action),
		    TDV__TEXT(e->object), TDV__TEXT(e->detail),
		    TDV__TEXT(e->prev_hash), TDV__TEXT(e->hash)};
		rc = tdv__exec(s,
		    "INSERT INTO audit_entry (" AUDIT_COLS ")"
		    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
		    pi, AUDIT_NCOLS, NULL, NULL);
	}
	if (rc == TDV_OK) {
		tdv__param pu[] = {TDV__TEXT(e->chain), TDV__INT(e->seq),
		    TDV__TEXT(e->hash)};
		rc = tdv__exec(s,
		    hd.found ? "UPDATE audit_head SET seq = $2, hash = $3 WHERE chain = $1"
			     : "INSERT INTO audit_head (chain, seq, hash) VALUES ($1, $2, $3)",
		    pu, 3, NULL, NULL);
	}
	rc = tdv__tx_end(s, rc);
	if (rc == TDV_OK)
		*inserted = true;
	return rc;
}

#define AUDIT_BULK_ROWS 200

static int
move_head(tdv_store *s, const char *chain, int found, const tdv_audit_entry *last)
{
	tdv__param pu[] = {TDV__TEXT(chain), TDV__INT(last->seq), TDV__TEXT(last->hash)};
	return tdv__exec(s,
	    found ? "UPDATE audit_head SET seq = $2, hash = $3 WHERE chain = $1"
		  : "INSERT INTO audit_head (chain, seq, hash) VALUES ($1, $2, $3)",
	    pu, 3, NULL, NULL);
}

int
tdv__audit_run_valid(const tdv_audit_entry *es, int n)
{
	if (es == NULL || n <= 0)
		return TDV_EINVAL;
	const char *chain = es[0].chain;
	for (int i = 0; i < n; i++) {
		const tdv_audit_entry *e = &es[i];
		char h[65];
		if (strcmp(e->chain, chain) != 0 || !chain_ok(e->chain) ||
		    strcmp(e->chain, "-") == 0 || e->seq <= 0 || e->time_ms <= 0 ||
		    (e->actor[0] && !tdv__id_ok(e->actor)) || e->action[0] == '\0' ||
		    !printable(e->action, TDV_AUDIT_ACTION_MAX) ||
		    !printable(e->object, TDV_AUDIT_OBJECT_MAX) ||
		    !printable(e->detail, TDV_AUDIT_DETAIL_MAX) || !hex64_ok(e->prev_hash) ||
		    !hex64_ok(e->hash))
			return TDV_EINVAL;
		if (entry_hash(e, h) != TDV_OK || strcmp(h, e->hash) != 0)
			return TDV_EAUDIT_BROKEN;
	}
	return TDV_OK;
}

int
tdv__audit_run_extends(const tdv_audit_entry *es, int n, const tdv__audit_head *hd)
{
	const char *prev = hd->found ? hd->hash : ZERO_HASH;
	int64_t next = hd->found ? hd->seq + 1 : 1;
	for (int i = 0; i < n; i++) {
		if (es[i].seq != next + i || strcmp(es[i].prev_hash, prev) != 0)
			return TDV_EAUDIT_BROKEN;
		prev = es[i].hash;
	}
	return TDV_OK;
}

int
tdv__audit_run_rows(tdv_buf *b, const tdv_audit_entry *es, int n)
{
	int rc = TDV_OK;
	for (int i = 0; rc == TDV_OK && i < n; i++) {
		const tdv_audit_entry *e = &es[i];
		if ((rc = tdv__copy_text(b, e->chain, false)) == TDV_OK &&
		    (rc = tdv__copy_int(b, e->seq, false)) == TDV_OK &&
		    (rc = tdv__copy_int(b, e->time_ms, false)) == TDV_OK &&
		    (rc = tdv__copy_text(b, e->actor, false)) == TDV_OK &&
		    (rc = tdv__copy_text(b, e->action, false)) == TDV_OK &&
		    (rc = tdv__copy_text(b, e->object, false)) == TDV_OK &&
		    (rc = tdv__copy_text(b, e->detail, false)) == TDV_OK &&
		    (rc = tdv__copy_text(b, e->prev_hash, false)) == TDV_OK)
			rc = tdv__copy_text(b, e->hash, true);
	}
	return rc;
}

int
tdv__audit_append_run(tdv_store *s, const tdv_audit_entry *es, int n)
{
	if (s == NULL || es == NULL || n <= 0 || s->tx_depth == 0)
		return TDV_EINVAL;
	const char *chain = es[0].chain;
	int rc = tdv__audit_run_valid(es, n);
	if (rc != TDV_OK)
		return rc;
	/* the run must extend the chain exactly: no gap, no overlap, no fork */
	tdv__audit_head hd = {0, "", 0};
	tdv__param ph[] = {TDV__TEXT(chain)};
	rc = tdv__exec(s, "SELECT seq, hash FROM audit_head WHERE chain = $1", ph, 1,
	    tdv__audit_head_row, &hd);
	if (rc != TDV_OK)
		return rc;
	if ((rc = tdv__audit_run_extends(es, n, &hd)) != TDV_OK)
		return rc;
	if (s->ops->copy_in != NULL) {
		/* PostgreSQL: one COPY for the whole run */
		tdv_buf b;
		tdv_buf_init(&b, (size_t)n * 4096 + 4096);
		rc = tdv__audit_run_rows(&b, es, n);
		if (rc == TDV_OK)
			rc = s->ops->copy_in(s, "audit_entry (" AUDIT_COLS ")",
			    (const char *)b.data, b.len);
		tdv_buf_free(&b);
		return rc == TDV_OK ? move_head(s, chain, hd.found, &es[n - 1]) : rc;
	}
	tdv__param *p = malloc(AUDIT_BULK_ROWS * AUDIT_NCOLS * sizeof(*p));
	char *sql = malloc(16384);
	rc = p && sql ? TDV_OK : TDV_ENOMEM;
	for (int at = 0; rc == TDV_OK && at < n; at += AUDIT_BULK_ROWS) {
		int rows = n - at < AUDIT_BULK_ROWS ? n - at : AUDIT_BULK_ROWS;
		for (int r = 0; r < rows; r++) {
			const tdv_audit_entry *e = &es[at + r];
			tdv__param row[] = {TDV__TEXT(e->chain), TDV__INT(e->seq),
			    TDV__INT(e->time_ms), TDV__TEXT(e->actor), TDV__TEXT(e->action),
			    TDV__TEXT(e->object), TDV__TEXT(e->detail),
			    TDV__TEXT(e->prev_hash), TDV__TEXT(e->hash)};
			memcpy(p + r * AUDIT_NCOLS, row, sizeof(row));
		}
		int w = snprintf(sql, 16384, "INSERT INTO audit_entry (" AUDIT_COLS ") VALUES ");
		rc = tdv__values_list(sql + w, 16384 - (size_t)w, rows, AUDIT_NCOLS);
		if (rc == TDV_OK)
			rc = tdv__exec(s, sql, p, rows * AUDIT_NCOLS, NULL, NULL);
	}
	free(p);
	free(sql);
	return rc == TDV_OK ? move_head(s, chain, hd.found, &es[n - 1]) : rc;
}
