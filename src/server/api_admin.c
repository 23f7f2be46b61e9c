/*
 * API for the administrator: officer accounts and roles, checkpoints, the
 * trust store (CSCA certificates, master lists, CRLs) and the screening
 * lists. Uploads are validated by the module that will use them before
 * anything is written, and written by replacing the file whole.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server_int.h"
#include "tdv/error.h"

static void
officer_json(tdv_json *j, const tdv_officer *o)
{
	tdv_json_object_begin(j);
	tdv_json_key(j, "id");
	tdv_json_string(j, o->id);
	tdv_json_key(j, "name");
	tdv_json_string(j, o->name);
	tdv_json_key(j, "role");
	tdv_json_string(j, tdv_role_name(o->role));
	tdv_json_key(j, "active");
	tdv_json_bool(j, o->active);
	tdv_json_object_end(j);
}

int
tdv__api_officers_list(srv_ctx *c)
{
	tdv_server *s = c->srv;
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "officers");
	tdv_json_array_begin(&j);
	pthread_mutex_lock(&s->store_mu);
	pthread_mutex_lock(&s->idx_mu);
	for (size_t i = 0; i < s->nofficers; i++) {
		tdv_officer o;
		if (tdv_store_officer_get(s->store, s->officer_ids[i], &o) == TDV_OK)
			officer_json(&j, &o);
	}
	pthread_mutex_unlock(&s->idx_mu);
	pthread_mutex_unlock(&s->store_mu);
	tdv_json_array_end(&j);
	tdv_json_object_end(&j);
	return TDV_OK;
}

static bool
id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > TDV_ID_MAX)
		return false;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789_.-") == n;
}

int
tdv__api_officer_add(srv_ctx *c)
{
	tdv_server *s = c->srv;
	json_t *o = tdv__srv_body_json(c);
	if (o == NULL)
		return TDV_OK;
	bool bad = false;
	const char *id = tdv__srv_jstr(o, "id", TDV_ID_MAX, &bad);
	const char *name = tdv__srv_jstr(o, "name", TDV_NAME_MAX, &bad);
	const char *role = tdv__srv_jstr(o, "role", 16, &bad);
	const char *pw = tdv__srv_jstr(o, "password", TDV_PASSWORD_MAX, &bad);
	tdv_officer off;
	memset(&off, 0, sizeof(off));
	if (bad || !id_ok(id) || name == NULL || name[0] == '\0' || role == NULL ||
	    tdv_role_parse(role, &off.role) != TDV_OK || pw == NULL ||
	    strlen(pw) < 10) {
		json_decref(o);
		return tdv__srv_error(c, 400, "bad_request",
		    "id ([A-Za-z0-9_.-], at most 32), name (at most 96 bytes), "
		    "role and password (at least 10 characters) are required");
	}
	snprintf(off.id, sizeof(off.id), "%s", id);
	snprintf(off.name, sizeof(off.name), "%s", name);
	off.active = true;
	pthread_mutex_lock(&s->store_mu);
	int rc = tdv_store_officer_add(s->store, &off, pw, strlen(pw),
	    c->sess.officer, s->checkpoint);
	pthread_mutex_unlock(&s->store_mu);
	json_decref(o);
	if (rc == TDV_EEXIST)
		return tdv__srv_error(c, 409, "exists", "this officer id is taken");
	if (rc == TDV_ELIMIT || rc == TDV_EINVAL || rc == TDV_EUTF8)
		return tdv__srv_error(c, 400, "bad_request", tdv_strerror(rc));
	if (rc != TDV_OK)
		return rc;
	pthread_mutex_lock(&s->idx_mu);
	tdv__srv_id_add(&s->officer_ids, &s->nofficers, off.id);
	pthread_mutex_unlock(&s->idx_mu);
	tdv_json j;
	tdv__srv_json(c, &j);
	c->status = 201;
	officer_json(&j, &off);
	return TDV_OK;
}

int
tdv__api_officer_update(srv_ctx *c)
{
	tdv_server *s = c->srv;
	json_t *o = tdv__srv_body_json(c);
	if (o == NULL)
		return TDV_OK;
	bool bad = false;
	json_t *active = json_object_get(o, "active");
	const char *pw = tdv__srv_jstr(o, "password", TDV_PASSWORD_MAX, &bad);
	if (bad || (active != NULL && !json_is_boolean(active)) ||
	    (pw != NULL && strlen(pw) < 10) || (active == NULL && pw == NULL)) {
		json_decref(o);
		return tdv__srv_error(c, 400, "bad_request",
		    "active (true/false) and/or password (at least 10 characters)");
	}
	if (active != NULL && !json_is_true(active) &&
	    strcmp(c->arg, c->sess.officer) == 0) {
		json_decref(o);
		return tdv__srv_error(c, 409, "conflict",
		    "an administrator cannot disable their own account");
	}
	int rc = TDV_OK;
	pthread_mutex_lock(&s->store_mu);
	if (active != NULL)
		rc = tdv_store_officer_set_active(s->store, c->arg,
		    json_is_true(active), c->sess.officer, s->checkpoint);
	if (rc == TDV_OK && pw != NULL)
		rc = tdv_store_officer_set_password(s->store, c->arg, pw,
		    strlen(pw), c->sess.officer, s->checkpoint);
	tdv_officer off;
	if (rc == TDV_OK)
		rc = tdv_store_officer_get(s->store, c->arg, &off);
	pthread_mutex_unlock(&s->store_mu);
	json_decref(o);
	if (rc == TDV_ENOENT)
		return tdv__srv_error(c, 404, "not_found", "no such officer");
	if (rc != TDV_OK)
		return rc;
	/* a disabled account, or a new password, ends the sessions it has */
	if (!off.active || pw != NULL)
		tdv__srv_session_destroy_officer(s, off.id);
	tdv_json j;
	tdv__srv_json(c, &j);
	officer_json(&j, &off);
	return TDV_OK;
}

int
tdv__api_checkpoints_list(srv_ctx *c)
{
	tdv_server *s = c->srv;
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "checkpoints");
	tdv_json_array_begin(&j);
	pthread_mutex_lock(&s->store_mu);
	pthread_mutex_lock(&s->idx_mu);
	for (size_t i = 0; i < s->ncp; i++) {
		tdv_checkpoint cp;
		if (tdv_store_checkpoint_get(s->store, s->cp_ids[i], &cp) != TDV_OK)
			continue;
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "id");
		tdv_json_string(&j, cp.id);
		tdv_json_key(&j, "name");
		tdv_json_string(&j, cp.name);
		tdv_json_key(&j, "country");
		tdv_json_string(&j, cp.country);
		tdv_json_key(&j, "this_station");
		tdv_json_bool(&j, strcmp(cp.id, s->checkpoint) == 0);
		tdv_json_object_end(&j);
	}
	pthread_mutex_unlock(&s->idx_mu);
	pthread_mutex_unlock(&s->store_mu);
	tdv_json_array_end(&j);
	tdv_json_object_end(&j);
	return TDV_OK;
}

int
tdv__api_checkpoint_put(srv_ctx *c)
{
	tdv_server *s = c->srv;
	json_t *o = tdv__srv_body_json(c);
	if (o == NULL)
		return TDV_OK;
	bool bad = false;
	const char *id = tdv__srv_jstr(o, "id", TDV_ID_MAX, &bad);
	const char *name = tdv__srv_jstr(o, "name", TDV_NAME_MAX, &bad);
	const char *country = tdv__srv_jstr(o, "country", 3, &bad);
	if (bad || !id_ok(id) || name == NULL || name[0] == '\0' ||
	    country == NULL || strlen(country) == 0 ||
	    strspn(country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(country)) {
		json_decref(o);
		return tdv__srv_error(c, 400, "bad_request",
		    "id, name and country (ICAO code, capitals) are required");
	}
	tdv_checkpoint cp;
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.id, sizeof(cp.id), "%s", id);
	snprintf(cp.name, sizeof(cp.name), "%s", name);
	snprintf(cp.country, sizeof(cp.country), "%s", country);
	json_decref(o);
	pthread_mutex_lock(&s->store_mu);
	int rc = tdv_store_checkpoint_put(s->store, &cp);
	pthread_mutex_unlock(&s->store_mu);
	if (rc == TDV_ELIMIT || rc == TDV_EINVAL || rc == TDV_EUTF8)
		return tdv__srv_error(c, 400, "bad_request", tdv_strerror(rc));
	if (rc != TDV_OK)
		return rc;
	tdv__srv_audit(s, c->sess.officer, "checkpoint.put", cp.id, "");
	pthread_mutex_lock(&s->idx_mu);
	tdv__srv_id_add(&s->cp_ids, &s->ncp, cp.id);
	pthread_mutex_unlock(&s->idx_mu);
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "id");
	tdv_json_string(&j, cp.id);
	tdv_json_key(&j, "name");
	tdv_json_string(&j, cp.name);
	tdv_json_key(&j, "country");
	tdv_json_string(&j, cp.country);
	tdv_json_object_end(&j);
	return TDV_OK;
}

int
tdv__api_trust_get(srv_ctx *c)
{
	tdv_server *s = c->srv;
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	pthread_rwlock_rdlock(&s->res_lock);
	tdv_json_key(&j, "configured");
	tdv_json_bool(&j, s->cfg.trust_dir != NULL);
	tdv_json_key(&j, "cscas");
	tdv_json_int(&j, s->trust ? tdv_trust_csca_count(s->trust) : 0);
	tdv_json_key(&j, "crls");
	tdv_json_int(&j, s->trust ? tdv_trust_crl_count(s->trust) : 0);
	pthread_rwlock_unlock(&s->res_lock);
	tdv_json_object_end(&j);
	return TDV_OK;
}

/* Write data to path via a temporary file and rename. */
static int
write_replace(const char *path, const uint8_t *data, size_t len)
{
	char tmp[600];
	if (data == NULL || len == 0)
		return TDV_EINVAL;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return TDV_ELIMIT;
	FILE *f = fopen(tmp, "wb");
	if (f == NULL)
		return TDV_EIO;
	bool ok = fwrite(data, 1, len, f) == len;
	ok = fflush(f) == 0 && ok;
	ok = fsync(fileno(f)) == 0 && ok;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return TDV_EIO;
	}
	return TDV_OK;
}

int
tdv__api_trust_upload(srv_ctx *c)
{
	tdv_server *s = c->srv;
	const char *name = tdv__srv_query(c, "name");
	size_t n = strlen(name);
	const char *dot = strrchr(name, '.');
	if (s->cfg.trust_dir == NULL)
		return tdv__srv_error(c, 409, "conflict", "no trust store directory");
	if (n == 0 || n > 64 || name[0] == '.' || dot == NULL ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.-") != n ||
	    (strcmp(dot, ".pem") != 0 && strcmp(dot, ".crt") != 0 &&
		strcmp(dot, ".cer") != 0 && strcmp(dot, ".der") != 0 &&
		strcmp(dot, ".crl") != 0 && strcmp(dot, ".ml") != 0))
		return tdv__srv_error(c, 400, "bad_request",
		    "name: a file name ending .pem .crt .cer .der (CSCA), .crl "
		    "or .ml (master list)");
	/* validate with the module before writing anything */
	tdv_trust *t = tdv_trust_new();
	if (t == NULL)
		return TDV_ENOMEM;
	int added = 0, rc;
	if (strcmp(dot, ".crl") == 0)
		rc = tdv_trust_add_crl(t, c->body.data, c->body.len);
	else if (strcmp(dot, ".ml") == 0)
		rc = tdv_trust_add_masterlist(t, c->body.data, c->body.len, &added);
	else
		rc = tdv_trust_add_cert(t, c->body.data, c->body.len, &added);
	tdv_trust_free(&t);
	if (rc != TDV_OK)
		return tdv__srv_error(c, 422, "bad_trust_file", tdv_strerror(rc));
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", s->cfg.trust_dir, name);
	if ((rc = write_replace(path, c->body.data, c->body.len)) != TDV_OK)
		return rc;
	if ((rc = tdv__srv_trust_reload(s)) != TDV_OK)
		return rc;
	tdv__srv_audit(s, c->sess.officer, "trust.upload", name, "");
	return tdv__api_trust_get(c);
}

int
tdv__api_sltd_upload(srv_ctx *c)
{
	tdv_server *s = c->srv;
	if (s->cfg.sltd_path == NULL)
		return tdv__srv_error(c, 409, "conflict", "no lost/stolen index path");
	if (c->body.len == 0)
		return tdv__srv_error(c, 400, "bad_request", "an empty list");
	FILE *f = fmemopen(c->body.data, c->body.len, "r");
	if (f == NULL)
		return TDV_EIO;
	tdv_sltd_import_opts o;
	memset(&o, 0, sizeof(o));
	tdv_sltd_import_stats st;
	memset(&st, 0, sizeof(st));
	int rc = tdv_sltd_import(f, s->cfg.sltd_path, &o, &st);
	fclose(f);
	if (rc == TDV_ESCREEN_CSV || rc == TDV_EPARSE || rc == TDV_ELIMIT ||
	    rc == TDV_EINVAL)
		return tdv__srv_error(c, 422, "bad_list", tdv_strerror(rc));
	if (rc != TDV_OK || (rc = tdv__srv_sltd_reopen(s)) != TDV_OK)
		return rc;
	char detail[96];
	snprintf(detail, sizeof(detail), "records=%llu rejected=%lu",
	    (unsigned long long)st.records, st.rejected);
	tdv__srv_audit(s, c->sess.officer, "sltd.import", "", detail);
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "records");
	tdv_json_int(&j, (int64_t)st.records);
	tdv_json_key(&j, "rejected");
	tdv_json_int(&j, (int64_t)st.rejected);
	tdv_json_key(&j, "version");
	tdv_json_int(&j, (int64_t)st.version);
	tdv_json_object_end(&j);
	return TDV_OK;
}

int
tdv__api_watchlist_upload(srv_ctx *c)
{
	tdv_server *s = c->srv;
	if (s->cfg.watchlist_path == NULL)
		return tdv__srv_error(c, 409, "conflict", "no watchlist path");
	/* an empty body must not fall back to reloading (and then erasing)
	 * the current file (found by fuzz_http_api) */
	if (c->body.len == 0)
		return tdv__srv_error(c, 400, "bad_request", "an empty list");
	char msg[200] = "";
	int rc = tdv__srv_watchlist_reload(s, (const char *)c->body.data,
	    c->body.len, msg, sizeof(msg));
	if (rc == TDV_ENOMEM)
		return rc;
	if (rc != TDV_OK)
		return tdv__srv_error(c, 422, "bad_list",
		    msg[0] ? msg : tdv_strerror(rc));
	if ((rc = write_replace(s->cfg.watchlist_path, c->body.data,
		 c->body.len)) != TDV_OK)
		return rc;
	tdv__srv_audit(s, c->sess.officer, "watchlist.load", "", msg);
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "entries");
	pthread_rwlock_rdlock(&s->res_lock);
	tdv_json_int(&j, (int64_t)tdv_watchlist_size(s->watchlist));
	pthread_rwlock_unlock(&s->res_lock);
	tdv_json_key(&j, "warning");
	tdv_json_string(&j, msg);
	tdv_json_object_end(&j);
	return TDV_OK;
}
