/*
 * Officer accounts: roles and Argon2id password hashes (libsodium
 * crypto_pwhash_str_alg with ARGON2ID13 and the "interactive" limits).
 * The clear-text password is never stored, and every change and every
 * login attempt is written to the audit log.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"
#include "tdv/error.h"

static const char *const role_names[] = {NULL, "officer", "examiner",
    "supervisor", "trainer", "trainee", "admin"};

const char *
tdv_role_name(tdv_role r)
{
	if ((int)r < TDV_ROLE_OFFICER || (int)r > TDV_ROLE_ADMIN)
		return NULL;
	return role_names[r];
}

int
tdv_role_parse(const char *name, tdv_role *out)
{
	for (int r = TDV_ROLE_OFFICER; r <= TDV_ROLE_ADMIN; r++)
		if (name != NULL && strcmp(name, role_names[r]) == 0) {
			*out = (tdv_role)r;
			return TDV_OK;
		}
	return TDV_EINVAL;
}

static int
hash_password(const char *pw, size_t len, char out[crypto_pwhash_STRBYTES])
{
	if (pw == NULL || len == 0 || len > TDV_PASSWORD_MAX)
		return TDV_EINVAL;
	if (crypto_pwhash_str_alg(out, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
		crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return TDV_ENOMEM; /* libsodium fails only when memory is short */
	return TDV_OK;
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

int
tdv_store_officer_add(tdv_store *s, const tdv_officer *o, const char *password,
    size_t password_len, const char *actor, const char *audit_checkpoint)
{
	if (s == NULL || o == NULL || !tdv__id_ok(o->id) || !name_ok(o->name) ||
	    tdv_role_name(o->role) == NULL)
		return TDV_EINVAL;
	char hash[crypto_pwhash_STRBYTES];
	int rc = hash_password(password, password_len, hash);
	if (rc != TDV_OK)
		return rc;
	rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	tdv__param p[] = {TDV__TEXT(o->id), TDV__TEXT(o->name),
	    TDV__TEXT(tdv_role_name(o->role)), TDV__TEXT(hash),
	    TDV__INT(o->active ? 1 : 0), TDV__INT(tdv_store_now_ms())};
	rc = tdv__exec(s,
	    "INSERT INTO officer (id, name, role, password_hash, active, created_ms)"
	    " VALUES ($1, $2, $3, $4, $5, $6)",
	    p, 6, NULL, NULL);
	/* published to every checkpoint until assigned otherwise */
	if (rc == TDV_OK) {
		tdv__param a[] = {TDV__TEXT(o->id), TDV__INT(tdv_store_now_ms())};
		rc = tdv__exec(s,
		    "INSERT INTO officer_checkpoint (officer_id, checkpoint_id, assigned_ms)"
		    " VALUES ($1, '*', $2)",
		    a, 2, NULL, NULL);
	}
	if (rc == TDV_OK) {
		char detail[64];
		snprintf(detail, sizeof(detail), "role=%s", tdv_role_name(o->role));
		rc = tdv__audit_append(s, audit_checkpoint, actor, "officer.add",
		    o->id, detail, 0, NULL);
	}
	sodium_memzero(hash, sizeof(hash));
	return tdv__tx_end(s, rc);
}

int
tdv_store_officer_set_password(tdv_store *s, const char *id,
    const char *password, size_t password_len, const char *actor,
    const char *audit_checkpoint)
{
	if (s == NULL || !tdv__id_ok(id))
		return TDV_EINVAL;
	char hash[crypto_pwhash_STRBYTES];
	int rc = hash_password(password, password_len, hash);
	if (rc != TDV_OK)
		return rc;
	rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	int64_t changed = 0;
	tdv__param p[] = {TDV__TEXT(id), TDV__TEXT(hash)};
	rc = tdv__exec_changes(s, "UPDATE officer SET password_hash = $2 WHERE id = $1",
	    p, 2, &changed);
	if (rc == TDV_OK && changed != 1)
		rc = TDV_ENOENT;
	if (rc == TDV_OK)
		rc = tdv__audit_append(s, audit_checkpoint, actor, "officer.password",
		    id, "", 0, NULL);
	sodium_memzero(hash, sizeof(hash));
	return tdv__tx_end(s, rc);
}

int
tdv_store_officer_set_active(tdv_store *s, const char *id, bool active,
    const char *actor, const char *audit_checkpoint)
{
	if (s == NULL || !tdv__id_ok(id))
		return TDV_EINVAL;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	int64_t changed = 0;
	tdv__param p[] = {TDV__TEXT(id), TDV__INT(active ? 1 : 0)};
	rc = tdv__exec_changes(s, "UPDATE officer SET active = $2 WHERE id = $1", p,
	    2, &changed);
	if (rc == TDV_OK && changed != 1)
		rc = TDV_ENOENT;
	if (rc == TDV_OK)
		rc = tdv__audit_append(s, audit_checkpoint, actor,
		    active ? "officer.enable" : "officer.disable", id, "", 0, NULL);
	return tdv__tx_end(s, rc);
}

struct officer_row {
	tdv_officer *o;
	char hash[crypto_pwhash_STRBYTES];
	int found;
};

static int
officer_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	struct officer_row *r = ctx;
	if (n != 5)
		return TDV_ESTORE_SCHEMA;
	int rc = tdv__copy(r->o->id, sizeof(r->o->id), v[0], l[0]);
	if (rc == TDV_OK)
		rc = tdv__copy(r->o->name, sizeof(r->o->name), v[1], l[1]);
	if (rc == TDV_OK)
		rc = tdv__copy(r->hash, sizeof(r->hash), v[3], l[3]);
	if (rc != TDV_OK)
		return rc;
	if (tdv_role_parse(v[2], &r->o->role) != TDV_OK || v[4] == NULL)
		return TDV_ESTORE_SCHEMA;
	r->o->active = strcmp(v[4], "1") == 0;
	r->found = 1;
	return 1;
}

static int
officer_load(tdv_store *s, const char *id, struct officer_row *r)
{
	tdv__param p[] = {TDV__TEXT(id)};
	int rc = tdv__exec(s,
	    "SELECT id, name, role, password_hash, active FROM officer WHERE id = $1",
	    p, 1, officer_row, r);
	if (rc == TDV_OK && !r->found)
		rc = TDV_ENOENT;
	return rc;
}

int
tdv_store_officer_get(tdv_store *s, const char *id, tdv_officer *out)
{
	if (s == NULL || out == NULL || !tdv__id_ok(id))
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	struct officer_row r = {out, "", 0};
	int rc = officer_load(s, id, &r);
	sodium_memzero(r.hash, sizeof(r.hash));
	return rc;
}

int
tdv_store_officer_authenticate(tdv_store *s, const char *id,
    const char *password, size_t password_len, const char *audit_checkpoint,
    tdv_officer *out)
{
	if (s == NULL || out == NULL || !tdv__id_ok(id) || password == NULL ||
	    password_len > TDV_PASSWORD_MAX)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	struct officer_row r = {out, "", 0};
	int rc = officer_load(s, id, &r);
	if (rc != TDV_OK && rc != TDV_ENOENT)
		return rc;
	bool ok = rc == TDV_OK && out->active &&
	    crypto_pwhash_str_verify(r.hash, password, password_len) == 0;
	sodium_memzero(r.hash, sizeof(r.hash));
	rc = tdv__tx_begin(s);
	if (rc == TDV_OK)
		rc = tdv__tx_end(s, tdv__audit_append(s, audit_checkpoint, id,
		    ok ? "officer.login" : "officer.login_failed", id, "", 0, NULL));
	if (rc != TDV_OK)
		return rc;
	if (!ok) {
		memset(out, 0, sizeof(*out));
		return TDV_EAUTH;
	}
	return TDV_OK;
}

struct officer_list_ctx {
	tdv_officer_cb cb;
	void *ctx;
};

static int
officer_list_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	struct officer_list_ctx *c = ctx;
	tdv_officer o;
	memset(&o, 0, sizeof(o));
	if (n != 4 || v[2] == NULL || v[3] == NULL)
		return TDV_ESTORE_SCHEMA;
	int rc = tdv__copy(o.id, sizeof(o.id), v[0], l[0]);
	if (rc == TDV_OK)
		rc = tdv__copy(o.name, sizeof(o.name), v[1], l[1]);
	if (rc != TDV_OK)
		return rc;
	if (tdv_role_parse(v[2], &o.role) != TDV_OK)
		return TDV_ESTORE_SCHEMA;
	o.active = strcmp(v[3], "1") == 0;
	return c->cb(c->ctx, &o) != 0 ? 1 : 0;
}

int
tdv_store_officer_list(tdv_store *s, tdv_officer_cb cb, void *ctx)
{
	if (s == NULL || cb == NULL)
		return TDV_EINVAL;
	struct officer_list_ctx c = {cb, ctx};
	return tdv__exec(s, "SELECT id, name, role, active FROM officer ORDER BY id", NULL,
	    0, officer_list_row, &c);
}

/* ---- assignment to checkpoints (schema 4) ---- */

int
tdv_store_officer_assign(tdv_store *s, const char *officer, const char *checkpoint,
    bool assign, const char *actor, const char *audit_checkpoint)
{
	if (s == NULL || !tdv__id_ok(officer) || checkpoint == NULL ||
	    (strcmp(checkpoint, "*") != 0 && !tdv__id_ok(checkpoint)))
		return TDV_EINVAL;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	int64_t n = 0;
	tdv__param k[] = {TDV__TEXT(officer)};
	rc = tdv__exec(s, "SELECT COUNT(*) FROM officer WHERE id = $1", k, 1, tdv__i64_row, &n);
	if (rc == TDV_OK && n != 1)
		rc = TDV_ENOENT;
	int64_t changed = 0;
	if (rc == TDV_OK && assign) {
		tdv__param p[] = {TDV__TEXT(officer), TDV__TEXT(checkpoint),
		    TDV__INT(tdv_store_now_ms())};
		rc = tdv__exec(s,
		    "SELECT COUNT(*) FROM officer_checkpoint WHERE officer_id = $1"
		    " AND checkpoint_id = $2",
		    p, 2, tdv__i64_row, &n);
		if (rc == TDV_OK && n == 0) {
			rc = tdv__exec(s,
			    "INSERT INTO officer_checkpoint (officer_id, checkpoint_id, assigned_ms)"
			    " VALUES ($1, $2, $3)",
			    p, 3, NULL, NULL);
			changed = 1;
		}
	} else if (rc == TDV_OK) {
		tdv__param p[] = {TDV__TEXT(officer), TDV__TEXT(checkpoint)};
		rc = tdv__exec_changes(s,
		    "DELETE FROM officer_checkpoint WHERE officer_id = $1 AND checkpoint_id = $2",
		    p, 2, &changed);
	}
	if (rc == TDV_OK && changed > 0) {
		char detail[64];
		snprintf(detail, sizeof(detail), "checkpoint=%s", checkpoint);
		rc = tdv__audit_append(s, audit_checkpoint, actor,
		    assign ? "officer.assign" : "officer.unassign", officer, detail, 0, NULL);
	}
	return tdv__tx_end(s, rc);
}

struct assign_ctx {
	tdv_assign_cb cb;
	void *ctx;
};

static int
assign_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	struct assign_ctx *c = ctx;
	if (n < 1 || v[0] == NULL)
		return TDV_ESTORE_SCHEMA;
	return c->cb(c->ctx, v[0]) != 0 ? 1 : 0;
}

int
tdv_store_officer_assignments(tdv_store *s, const char *officer, tdv_assign_cb cb,
    void *ctx)
{
	if (s == NULL || !tdv__id_ok(officer) || cb == NULL)
		return TDV_EINVAL;
	struct assign_ctx c = {cb, ctx};
	tdv__param p[] = {TDV__TEXT(officer)};
	/* '*' sorts before letters and digits in both databases' C order;
	 * ordered explicitly so as not to depend on the collation */
	return tdv__exec(s,
	    "SELECT checkpoint_id FROM officer_checkpoint WHERE officer_id = $1"
	    " ORDER BY CASE WHEN checkpoint_id = '*' THEN 0 ELSE 1 END, checkpoint_id",
	    p, 1, assign_row, &c);
}
