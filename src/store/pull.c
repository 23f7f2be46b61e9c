/*
 * Store functions of sync pulls and enrolment: signed publications of the
 * lists the centre hands out, what a checkpoint last pulled, the officer
 * accounts with their hashes, and one-time enrolment tokens.
 *
 * These tables belong to sync and are created on first use (IF NOT
 * EXISTS, under the same advisory lock as the migrations on PostgreSQL),
 * so the numbered schema migrations are left alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "tdv/error.h"

static const char pull_schema[] =
    "CREATE TABLE IF NOT EXISTS sync_pub ("
    " kind TEXT NOT NULL,"
    " version BIGINT NOT NULL,"
    " type TEXT NOT NULL CHECK (type IN ('full','delta')),"
    " base BIGINT NOT NULL,"
    " sha256 TEXT NOT NULL,"
    " published_ms BIGINT NOT NULL,"
    " signature TEXT NOT NULL,"
    " signer TEXT NOT NULL,"
    " data TEXT NOT NULL,"
    " PRIMARY KEY (kind, version));"
    "CREATE TABLE IF NOT EXISTS sync_pull_state ("
    " kind TEXT PRIMARY KEY,"
    " version BIGINT NOT NULL,"
    " sha256 TEXT NOT NULL,"
    " published_ms BIGINT NOT NULL,"
    " pulled_ms BIGINT NOT NULL,"
    " local_version BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sync_enrol_token ("
    " token_hash TEXT PRIMARY KEY,"
    " checkpoint_id TEXT NOT NULL,"
    " created_ms BIGINT NOT NULL,"
    " expires_ms BIGINT NOT NULL,"
    " used_ms BIGINT);";

/* Create the tables when missing; the caller's transaction is open. */
static int
ensure_schema(tdv_store *s)
{
	int rc = TDV_OK;
	if (s->backend == TDV_STORE_POSTGRES)
		rc = tdv__exec(s, "SELECT pg_advisory_xact_lock(7303)", NULL, 0, NULL, NULL);
	if (rc == TDV_OK)
		rc = s->ops->script(s, pull_schema);
	return rc;
}

/* "officers@ID": the officer accounts published for one checkpoint */
static bool
kind_ok(const char *k)
{
	return k != NULL && (strcmp(k, "sltd") == 0 || strcmp(k, "watchlist") == 0 ||
	    strcmp(k, "trust") == 0 || strcmp(k, "officers") == 0 ||
	    (strncmp(k, "officers@", 9) == 0 && tdv__id_ok(k + 9)));
}

static bool
hex64_ok(const char *h)
{
	if (h == NULL || strlen(h) != 64)
		return false;
	for (int i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return true;
}

int
tdv_store_pub_add(tdv_store *s, const tdv_pub *p)
{
	if (s == NULL || p == NULL || !kind_ok(p->kind) || p->version < 1 ||
	    (strcmp(p->type, "full") != 0 && strcmp(p->type, "delta") != 0) ||
	    !hex64_ok(p->sha256) || p->signature == NULL || p->signer == NULL ||
	    p->data == NULL)
		return TDV_EINVAL;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	rc = ensure_schema(s);
	int64_t latest = 0;
	if (rc == TDV_OK) {
		tdv__param k[] = {TDV__TEXT(p->kind)};
		rc = tdv__exec(s, "SELECT COALESCE(MAX(version), 0) FROM sync_pub WHERE kind = $1",
		    k, 1, tdv__i64_row, &latest);
	}
	/* a checkpoint's own officers list continues the numbering of the
	 * list it replaces, so its first version may start higher */
	if (rc == TDV_OK && (strncmp(p->kind, "officers@", 9) == 0 ? p->version <= latest
								   : p->version != latest + 1))
		rc = TDV_ESTORE_CONFLICT;
	if (rc == TDV_OK) {
		tdv__param q[] = {TDV__TEXT(p->kind), TDV__INT(p->version), TDV__TEXT(p->type),
		    TDV__INT(p->base), TDV__TEXT(p->sha256), TDV__INT(p->published_ms),
		    TDV__TEXT(p->signature), TDV__TEXT(p->signer), TDV__TEXT(p->data)};
		rc = tdv__exec(s,
		    "INSERT INTO sync_pub (kind, version, type, base, sha256, published_ms,"
		    " signature, signer, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
		    q, 9, NULL, NULL);
	}
	return tdv__tx_end(s, rc);
}

struct pub_ctx {
	tdv_pub_cb cb;
	void *ctx;
	tdv_pub *meta; /* latest: fill this instead */
	int64_t *version;
};

static int
pub_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	struct pub_ctx *c = ctx;
	if (n < 6)
		return TDV_ESTORE;
	tdv_pub p;
	memset(&p, 0, sizeof(p));
	if (tdv__copy_str(p.kind, sizeof(p.kind), v[0]) != TDV_OK ||
	    tdv__parse_i64(v[1], &p.version) != TDV_OK ||
	    tdv__copy_str(p.type, sizeof(p.type), v[2]) != TDV_OK ||
	    tdv__parse_i64(v[3], &p.base) != TDV_OK ||
	    tdv__copy_str(p.sha256, sizeof(p.sha256), v[4]) != TDV_OK ||
	    tdv__parse_i64(v[5], &p.published_ms) != TDV_OK)
		return TDV_ESTORE;
	if (c->meta != NULL) {
		*c->meta = p;
		*c->version = p.version;
		return 1;
	}
	if (n < 9 || v[6] == NULL || v[7] == NULL || v[8] == NULL)
		return TDV_ESTORE;
	p.signature = v[6];
	p.signer = v[7];
	p.data = v[8];
	return c->cb(c->ctx, &p);
}

int
tdv_store_pub_latest(tdv_store *s, const char *kind, int64_t *version, tdv_pub *meta)
{
	if (s == NULL || !kind_ok(kind) || version == NULL)
		return TDV_EINVAL;
	tdv_pub scratch;
	*version = 0;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	rc = ensure_schema(s);
	if (rc == TDV_OK) {
		struct pub_ctx c = {NULL, NULL, meta ? meta : &scratch, version};
		tdv__param k[] = {TDV__TEXT(kind)};
		rc = tdv__exec(s,
		    "SELECT kind, version, type, base, sha256, published_ms FROM sync_pub"
		    " WHERE kind = $1 ORDER BY version DESC LIMIT 1",
		    k, 1, pub_row, &c);
	}
	return tdv__tx_end(s, rc);
}

int
tdv_store_pub_latest_full(tdv_store *s, const char *kind, int64_t *version)
{
	if (s == NULL || !kind_ok(kind) || version == NULL)
		return TDV_EINVAL;
	*version = 0;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	rc = ensure_schema(s);
	if (rc == TDV_OK) {
		tdv__param k[] = {TDV__TEXT(kind)};
		rc = tdv__exec(s,
		    "SELECT COALESCE(MAX(version), 0) FROM sync_pub WHERE kind = $1 AND type = 'full'",
		    k, 1, tdv__i64_row, version);
	}
	return tdv__tx_end(s, rc);
}

int
tdv_store_pub_prune(tdv_store *s, const char *kind, int keep, int64_t *deleted)
{
	if (s == NULL || keep < 1 || (kind != NULL && !kind_ok(kind)))
		return TDV_EINVAL;
	int64_t n = 0;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	rc = ensure_schema(s);
	if (rc == TDV_OK) {
		tdv__param p[] = {TDV__INT(keep), TDV__TEXT(kind ? kind : "")};
		rc = tdv__exec_changes(s,
		    "DELETE FROM sync_pub WHERE ($2 = '' OR kind = $2)"
		    " AND version <= (SELECT MAX(p.version) FROM sync_pub p"
		    "  WHERE p.kind = sync_pub.kind) - $1"
		    " AND version < (SELECT COALESCE(MAX(f.version), 0) FROM sync_pub f"
		    "  WHERE f.kind = sync_pub.kind AND f.type = 'full')",
		    p, 2, &n);
	}
	if (rc == TDV_OK && n > 0) {
		char detail[96];
		snprintf(detail, sizeof(detail), "kept the last %d versions and the latest full"
		    " one on; deleted %lld", keep, (long long)n);
		rc = tdv__audit_append(s, NULL, "sync", "sync.prune", kind ? kind : "*", detail, 0,
		    NULL);
	}
	if (rc == TDV_OK && deleted != NULL)
		*deleted = n;
	return tdv__tx_end(s, rc);
}

int
tdv_store_pub_since(tdv_store *s, const char *kind, int64_t after, tdv_pub_cb cb,
    void *ctx)
{
	if (s == NULL || !kind_ok(kind) || cb == NULL)
		return TDV_EINVAL;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	rc = ensure_schema(s);
	if (rc == TDV_OK) {
		struct pub_ctx c = {cb, ctx, NULL, NULL};
		tdv__param k[] = {TDV__TEXT(kind), TDV__INT(after)};
		rc = tdv__exec(s,
		    "SELECT kind, version, type, base, sha256, published_ms, signature, signer,"
		    " data FROM sync_pub WHERE kind = $1 AND version > $2 ORDER BY version",
		    k, 2, pub_row, &c);
	}
	return tdv__tx_end(s, rc);
}

static int
state_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	tdv_pull_state *st = ctx;
	if (n < 5 || tdv__parse_i64(v[0], &st->version) != TDV_OK ||
	    tdv__copy_str(st->sha256, sizeof(st->sha256), v[1]) != TDV_OK ||
	    tdv__parse_i64(v[2], &st->published_ms) != TDV_OK ||
	    tdv__parse_i64(v[3], &st->pulled_ms) != TDV_OK ||
	    tdv__parse_i64(v[4], &st->local_version) != TDV_OK)
		return TDV_ESTORE;
	return 1;
}

int
tdv_store_pull_state_get(tdv_store *s, const char *kind, tdv_pull_state *out)
{
	if (s == NULL || !kind_ok(kind) || out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	rc = ensure_schema(s);
	if (rc == TDV_OK) {
		tdv__param k[] = {TDV__TEXT(kind)};
		rc = tdv__exec(s,
		    "SELECT version, sha256, published_ms, pulled_ms, local_version"
		    " FROM sync_pull_state WHERE kind = $1",
		    k, 1, state_row, out);
	}
	return tdv__tx_end(s, rc);
}

int
tdv_store_pull_state_set(tdv_store *s, const char *kind, const tdv_pull_state *st)
{
	if (s == NULL || !kind_ok(kind) || st == NULL || !hex64_ok(st->sha256))
		return TDV_EINVAL;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	rc = ensure_schema(s);
	tdv__param k[] = {TDV__TEXT(kind)};
	if (rc == TDV_OK)
		rc = tdv__exec(s, "DELETE FROM sync_pull_state WHERE kind = $1", k, 1, NULL, NULL);
	if (rc == TDV_OK) {
		tdv__param p[] = {TDV__TEXT(kind), TDV__INT(st->version), TDV__TEXT(st->sha256),
		    TDV__INT(st->published_ms), TDV__INT(st->pulled_ms),
		    TDV__INT(st->local_version)};
		rc = tdv__exec(s,
		    "INSERT INTO sync_pull_state (kind, version, sha256, published_ms, pulled_ms,"
		    " local_version) VALUES ($1, $2, $3, $4, $5, $6)",
		    p, 6, NULL, NULL);
	}
	return tdv__tx_end(s, rc);
}

/* ---- officers ---- */

struct off_ctx {
	tdv_officer_hash_cb cb;
	void *ctx;
};

static int
officer_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	struct off_ctx *c = ctx;
	tdv_officer o;
	memset(&o, 0, sizeof(o));
	int64_t active = 0;
	if (n < 5 || v[3] == NULL || tdv__copy_str(o.id, sizeof(o.id), v[0]) != TDV_OK ||
	    tdv__copy_str(o.name, sizeof(o.name), v[1]) != TDV_OK ||
	    tdv_role_parse(v[2], &o.role) != TDV_OK || tdv__parse_i64(v[4], &active) != TDV_OK)
		return TDV_ESTORE;
	o.active = active != 0;
	return c->cb(c->ctx, &o, v[3]);
}

int
tdv_store_officer_export(tdv_store *s, tdv_officer_hash_cb cb, void *ctx)
{
	if (s == NULL || cb == NULL)
		return TDV_EINVAL;
	struct off_ctx c = {cb, ctx};
	return tdv__exec(s,
	    "SELECT id, name, role, password_hash, active FROM officer ORDER BY id", NULL, 0,
	    officer_row, &c);
}

int
tdv_store_officer_export_for(tdv_store *s, const char *checkpoint, tdv_officer_hash_cb cb,
    void *ctx)
{
	if (s == NULL || cb == NULL || !tdv__id_ok(checkpoint))
		return TDV_EINVAL;
	struct off_ctx c = {cb, ctx};
	tdv__param p[] = {TDV__TEXT(checkpoint)};
	return tdv__exec(s,
	    "SELECT id, name, role, password_hash, active FROM officer o WHERE EXISTS"
	    " (SELECT 1 FROM officer_checkpoint a WHERE a.officer_id = o.id"
	    " AND a.checkpoint_id IN ($1, '*')) ORDER BY id",
	    p, 1, officer_row, &c);
}

static bool
hash_ok(const char *h)
{
	if (h == NULL || strncmp(h, "$argon2id$", 10) != 0)
		return false;
	size_t n = strnlen(h, 200);
	if (n >= 200)
		return false;
	for (size_t i = 0; i < n; i++)
		if (h[i] <= 0x20 || h[i] >= 0x7f)
			return false;
	return true;
}

static bool
name_ok(const char *n)
{
	size_t len = strnlen(n, TDV_NAME_MAX + 1);
	if (len == 0 || len > TDV_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)n[i] < 0x20 || n[i] == 0x7f)
			return false;
	return true;
}

struct cur_officer {
	char name[TDV_NAME_MAX + 1];
	char role[16];
	char hash[200];
	int64_t active;
	bool found;
};

static int
cur_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	struct cur_officer *c = ctx;
	if (n < 4 || tdv__copy_str(c->name, sizeof(c->name), v[0]) != TDV_OK ||
	    tdv__copy_str(c->role, sizeof(c->role), v[1]) != TDV_OK ||
	    tdv__copy_str(c->hash, sizeof(c->hash), v[2]) != TDV_OK ||
	    tdv__parse_i64(v[3], &c->active) != TDV_OK)
		return TDV_ESTORE;
	c->found = true;
	return 1;
}

struct id_list {
	char (*ids)[TDV_ID_MAX + 1];
	size_t n, cap;
	int rc;
};

static int
id_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	struct id_list *a = ctx;
	if (n < 1)
		return TDV_ESTORE;
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 64;
		if (nc > 1000000)
			return TDV_ELIMIT;
		void *p = realloc(a->ids, nc * sizeof(*a->ids));
		if (p == NULL)
			return TDV_ENOMEM;
		a->ids = p;
		a->cap = nc;
	}
	if (tdv__copy_str(a->ids[a->n], sizeof(a->ids[0]), v[0]) != TDV_OK)
		return TDV_ESTORE;
	a->n++;
	return 0;
}

int
tdv_store_officers_replace(tdv_store *s, const tdv_officer *list,
    const char *const *hashes, size_t n, const char *audit_checkpoint, int *changed)
{
	if (s == NULL || (n > 0 && (list == NULL || hashes == NULL)) || changed == NULL)
		return TDV_EINVAL;
	*changed = 0;
	for (size_t i = 0; i < n; i++)
		if (!tdv__id_ok(list[i].id) || !name_ok(list[i].name) ||
		    tdv_role_name(list[i].role) == NULL || !hash_ok(hashes[i]))
			return TDV_EINVAL;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	for (size_t i = 0; i < n && rc == TDV_OK; i++) {
		const tdv_officer *o = &list[i];
		struct cur_officer cur;
		memset(&cur, 0, sizeof(cur));
		tdv__param k[] = {TDV__TEXT(o->id)};
		rc = tdv__exec(s, "SELECT name, role, password_hash, active FROM officer WHERE id = $1",
		    k, 1, cur_row, &cur);
		if (rc != TDV_OK)
			break;
		const char *role = tdv_role_name(o->role);
		tdv__param p[] = {TDV__TEXT(o->id), TDV__TEXT(o->name), TDV__TEXT(role),
		    TDV__TEXT(hashes[i]), TDV__INT(o->active ? 1 : 0), TDV__INT(tdv_store_now_ms())};
		char detail[96];
		if (!cur.found) {
			rc = tdv__exec(s,
			    "INSERT INTO officer (id, name, role, password_hash, active, created_ms)"
			    " VALUES ($1, $2, $3, $4, $5, $6)",
			    p, 6, NULL, NULL);
			snprintf(detail, sizeof(detail), "added role=%s active=%d", role, o->active);
		} else if (strcmp(cur.name, o->name) != 0 || strcmp(cur.role, role) != 0 ||
		    strcmp(cur.hash, hashes[i]) != 0 || (cur.active != 0) != o->active) {
			rc = tdv__exec(s,
			    "UPDATE officer SET name = $2, role = $3, password_hash = $4, active = $5"
			    " WHERE id = $1",
			    p, 5, NULL, NULL);
			snprintf(detail, sizeof(detail), "updated role=%s active=%d%s", role,
			    o->active, strcmp(cur.hash, hashes[i]) != 0 ? " password" : "");
		} else {
			continue;
		}
		if (rc == TDV_OK)
			rc = tdv__audit_append(s, audit_checkpoint, "sync", "officer.sync", o->id,
			    detail, 0, NULL);
		if (rc == TDV_OK)
			(*changed)++;
	}
	/* accounts the centre does not list are disabled (never deleted:
	 * movements name them) */
	struct id_list ids = {NULL, 0, 0, TDV_OK};
	if (rc == TDV_OK)
		rc = tdv__exec(s, "SELECT id FROM officer WHERE active <> 0 ORDER BY id", NULL, 0,
		    id_row, &ids);
	for (size_t i = 0; i < ids.n && rc == TDV_OK; i++) {
		bool listed = false;
		for (size_t j = 0; j < n && !listed; j++)
			listed = strcmp(ids.ids[i], list[j].id) == 0;
		if (listed)
			continue;
		tdv__param k[] = {TDV__TEXT(ids.ids[i])};
		rc = tdv__exec(s, "UPDATE officer SET active = 0 WHERE id = $1", k, 1, NULL, NULL);
		if (rc == TDV_OK)
			rc = tdv__audit_append(s, audit_checkpoint, "sync", "officer.sync",
			    ids.ids[i], "disabled: not listed by the centre", 0, NULL);
		if (rc == TDV_OK)
			(*changed)++;
	}
	free(ids.ids);
	return tdv__tx_end(s, rc);
}

/* ---- enrolment tokens ---- */

int
tdv_store_enrol_token_add(tdv_store *s, const char *token_sha256,
    const char *checkpoint_id, int64_t expires_ms)
{
	if (s == NULL || !hex64_ok(token_sha256) || !tdv__id_ok(checkpoint_id))
		return TDV_EINVAL;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	rc = ensure_schema(s);
	if (rc == TDV_OK) {
		tdv__param p[] = {TDV__TEXT(token_sha256), TDV__TEXT(checkpoint_id),
		    TDV__INT(tdv_store_now_ms()), TDV__INT(expires_ms)};
		rc = tdv__exec(s,
		    "INSERT INTO sync_enrol_token (token_hash, checkpoint_id, created_ms, expires_ms)"
		    " VALUES ($1, $2, $3, $4)",
		    p, 4, NULL, NULL);
	}
	if (rc == TDV_OK)
		rc = tdv__audit_append(s, NULL, "setup", "enrol.token", checkpoint_id, "issued", 0,
		    NULL);
	return tdv__tx_end(s, rc);
}

int
tdv_store_enrol_token_use(tdv_store *s, const char *token_sha256,
    const char *checkpoint_id, int64_t now_ms)
{
	if (s == NULL || !hex64_ok(token_sha256) || !tdv__id_ok(checkpoint_id))
		return TDV_EAUTH;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	rc = ensure_schema(s);
	int64_t changed = 0;
	if (rc == TDV_OK) {
		tdv__param p[] = {TDV__TEXT(token_sha256), TDV__TEXT(checkpoint_id),
		    TDV__INT(now_ms)};
		rc = tdv__exec_changes(s,
		    "UPDATE sync_enrol_token SET used_ms = $3 WHERE token_hash = $1"
		    " AND checkpoint_id = $2 AND used_ms IS NULL AND expires_ms > $3",
		    p, 3, &changed);
	}
	if (rc == TDV_OK && changed != 1)
		rc = TDV_EAUTH;
	return tdv__tx_end(s, rc);
}
