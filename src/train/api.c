/*
 * The training routes of the station's JSON API, independent of the HTTP
 * server: the server authenticates, then forwards the method, path, query,
 * the session's officer id and the body. Access rules (trainers only for
 * building sets and keys; the attempt's own trainee for answers, submission
 * and inspection; the cascade for feedback and records) are enforced in
 * the tdv_train_db calls and here, never left to the page.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train_int.h"
#include "tdv/error.h"
#include "tdv/store.h"
#include "tdv/train.h"

#define MAXSEG 8
#define SEGLEN 64

static int
reply_error(tdv_train_api_response *r, int status, const char *code,
    const char *msg)
{
	tdv_buf_reset(&r->body);
	r->status = status;
	r->content_type = "application/json";
	tdv_json j;
	tdv_json_init(&j, &r->body);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "error");
	tdv_json_string(&j, code);
	tdv_json_key(&j, "message");
	tdv_json_string(&j, msg);
	tdv_json_object_end(&j);
	return TDV_OK;
}

static int
reply_rc(tdv_train_api_response *r, int rc)
{
	switch (rc) {
	case TDV_EPERM:
		return reply_error(r, 403, "forbidden", "not allowed");
	case TDV_ENOENT:
		return reply_error(r, 404, "not_found", "no such record");
	case TDV_EINVAL:
	case TDV_ELIMIT:
	case TDV_EEXIST:
	case TDV_EDATE:
	case TDV_ETRAIN:
		return reply_error(r, 400, "bad_request", tdv_strerror(rc));
	default:
		return reply_error(r, 500, "internal", tdv_strerror(rc));
	}
}

static int
split(const char *path, char seg[MAXSEG][SEGLEN], int *n)
{
	*n = 0;
	const char *p = path;
	while (*p == '/')
		p++;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (*n >= MAXSEG || l == 0 || l >= SEGLEN)
			return TDV_EINVAL;
		memcpy(seg[*n], p, l);
		seg[*n][l] = '\0';
		/* no traversal and nothing outside a plain id or file name */
		for (size_t i = 0; i < l; i++) {
			char c = seg[*n][i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '-' || c == '_' ||
				c == '.'))
				return TDV_EINVAL;
		}
		if (strcmp(seg[*n], "..") == 0 || strcmp(seg[*n], ".") == 0)
			return TDV_EINVAL;
		(*n)++;
		p += l;
		if (*p == '/')
			p++;
	}
	return TDV_OK;
}

/* Value of key in "a=1&b=2" (exact, no decoding: values are ids). */
static bool
query_get(const char *q, const char *key, char *out, size_t outsz)
{
	size_t kl = strlen(key);
	while (q && *q) {
		const char *e = strchr(q, '&');
		size_t l = e ? (size_t)(e - q) : strlen(q);
		if (l > kl && strncmp(q, key, kl) == 0 && q[kl] == '=') {
			size_t vl = l - kl - 1;
			if (vl >= outsz)
				return false;
			memcpy(out, q + kl + 1, vl);
			out[vl] = '\0';
			return true;
		}
		q = e ? e + 1 : NULL;
	}
	return false;
}

static bool
is_trainer(tdv_train_db *db, const char *id)
{
	tdv_train_person p;
	return tdv_train_db_person_get(db, id, &p) == TDV_OK &&
	    (p.role == TDV_TRAIN_TRAINER || p.role == TDV_TRAIN_MASTER);
}

static long
jint(json_t *o, const char *k, long def)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (long)json_integer_value(v) : def;
}

static int
post_set(const tdv_train_api_config *cfg, const char *actor, json_t *b,
    tdv_train_api_response *r)
{
	if (!is_trainer(cfg->db, actor))
		return reply_error(r, 403, "forbidden", "trainers build sets");
	const char *title = json_string_value(json_object_get(b, "title"));
	if (title == NULL || title[0] == '\0' || strlen(title) > 200)
		return reply_error(r, 400, "bad_request", "title required");
	tdv_train_build_opts o;
	memset(&o, 0, sizeof(o));
	o.today = cfg->today;
	o.pki_dir = cfg->pki_dir;
	o.level = TDV_TRAIN_FIRST_LINE;
	const char *lv = json_string_value(json_object_get(b, "level"));
	if (lv && tdv_train_level_parse(lv, &o.level) != TDV_OK)
		return reply_error(r, 400, "bad_request", "level");
	long seed = jint(b, "seed", (long)(tdv_store_now_ms() & 0x7fffffff));
	long limit = jint(b, "limit_seconds", 0);
	long ndocs = jint(b, "docs", 10);
	if (seed < 0 || limit < 0 || limit > 3600)
		return reply_error(r, 400, "bad_request", "seed or limit");
	o.seed = (uint64_t)seed;
	tdv_train_defects key[TDV_TRAIN_MAX_DOCS];
	json_t *k = json_object_get(b, "key");
	if (json_is_array(k)) {
		ndocs = (long)json_array_size(k);
		if (ndocs < 1 || ndocs > TDV_TRAIN_MAX_DOCS)
			return reply_error(r, 400, "bad_request", "key size");
		for (long i = 0; i < ndocs; i++) {
			const char *s = json_string_value(
			    json_array_get(k, (size_t)i));
			if (s == NULL || tdv_train_defects_parse(s, &key[i]))
				return reply_error(r, 400, "bad_request",
				    "unknown defect in key");
		}
		o.key = key;
	} else if (ndocs < 1 || ndocs > TDV_TRAIN_MAX_DOCS) {
		return reply_error(r, 400, "bad_request", "docs 1..100");
	}
	o.ndocs = (int)ndocs;
	char uid[TDV_ULID_LEN + 1], dir[TDV__TRAIN_PATH_MAX];
	o.out_dir = dir; /* filled in below */
	int rc = tdv_ulid_new(tdv_store_now_ms(), uid);
	if (rc != TDV_OK ||
	    (rc = tdv__train_path(dir, sizeof(dir), "%s/set-%s", cfg->sets_dir,
		 uid)) != TDV_OK ||
	    (rc = tdv__train_mkdir(cfg->sets_dir)) != TDV_OK ||
	    (rc = tdv_train_build_set(&o, NULL)) != TDV_OK)
		return reply_rc(r, rc);
	char id[TDV_TRAIN_SETID_LEN + 1];
	if ((rc = tdv_train_db_set_add(cfg->db, dir, title, o.level,
		 limit * 1000, actor, id)) != TDV_OK)
		return reply_rc(r, rc);
	r->status = 201;
	return tdv_buf_printf(&r->body, "{\"id\":\"%s\",\"documents\":%d}", id,
	    o.ndocs);
}

/* Check the actor is the attempt's trainee, and find doc n's files. */
static int
attempt_doc(const tdv_train_api_config *cfg, const char *attempt,
    const char *actor, int n, char *dir, size_t dirsz, int *idx)
{
	char set[TDV_TRAIN_SETID_LEN + 1];
	int rc = tdv__train_db_attempt_owner(cfg->db, attempt, actor, set);
	if (rc != TDV_OK)
		return rc;
	return tdv__train_db_doc_source(cfg->db, set, n, dir, dirsz, idx);
}

static int
post_answer(const tdv_train_api_config *cfg, const char *attempt,
    const char *actor, json_t *b, tdv_train_api_response *r)
{
	tdv_train_response a;
	memset(&a, 0, sizeof(a));
	const char *d = json_string_value(json_object_get(b, "decision"));
	long doc = jint(b, "doc", -1), ms = jint(b, "time_ms", 0);
	if (d == NULL || tdv_train_decision_parse(d, &a.decision) != TDV_OK ||
	    doc < 0 || doc >= TDV_TRAIN_MAX_DOCS || ms < 0 || ms > 86400000)
		return reply_error(r, 400, "bad_request",
		    "doc, decision (admit, refuse, refer) and time_ms");
	a.time_ms = ms;
	json_t *names = json_object_get(b, "defects");
	if (names != NULL && !json_is_array(names))
		return reply_error(r, 400, "bad_request", "defects: array");
	for (size_t i = 0; names && i < json_array_size(names); i++) {
		tdv_train_defect x;
		const char *s = json_string_value(json_array_get(names, i));
		if (s == NULL || tdv_train_defect_parse(s, &x) != TDV_OK)
			return reply_error(r, 400, "bad_request",
			    "unknown defect");
		a.named |= 1u << x;
	}
	const char *reason = json_string_value(json_object_get(b, "reason"));
	if (reason != NULL) {
		if (strlen(reason) > TDV_TRAIN_REASON_MAX)
			return reply_error(r, 400, "bad_request", "reason");
		snprintf(a.reason, sizeof(a.reason), "%s", reason);
	}
	int rc = tdv_train_db_answer(cfg->db, attempt, actor, (int)doc, &a);
	if (rc != TDV_OK)
		return reply_rc(r, rc);
	return tdv_buf_puts(&r->body, "{\"ok\":true}");
}

static int
serve_file(const char *dir, int idx, const char *name,
    tdv_train_api_response *r)
{
	char path[TDV__TRAIN_PATH_MAX];
	int rc = tdv__train_path(path, sizeof(path), "%s/doc-%02d/%s", dir,
	    idx + 1, name);
	if (rc != TDV_OK)
		return reply_rc(r, rc);
	tdv_buf f;
	if ((rc = tdv__train_read(path, TDV__TRAIN_FILE_MAX, &f)) != TDV_OK)
		return reply_rc(r, rc);
	rc = tdv_buf_append(&r->body, f.data, f.len);
	tdv_buf_free(&f);
	r->content_type = strstr(name, ".png") ? "image/png" : "image/jpeg";
	return rc;
}

static int
route(const tdv_train_api_config *cfg, const char *method, char seg[][SEGLEN],
    int n, const char *query, const char *actor, json_t *body,
    tdv_train_api_response *r)
{
	bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
	tdv_json j;
	tdv_json_init(&j, &r->body);
	char q[64];
	int rc;
	const char *cp = query_get(query, "checkpoint", q, sizeof(q)) ? q : NULL;
	char cpbuf[64];
	if (cp) {
		snprintf(cpbuf, sizeof(cpbuf), "%s", q);
		cp = cpbuf;
	}
	bool csv = query_get(query, "csv", q, sizeof(q)) && strcmp(q, "1") == 0;

	if (n == 1 && strcmp(seg[0], "sets") == 0 && post)
		return post_set(cfg, actor, body, r);
	if (n == 2 && strcmp(seg[0], "sets") == 0 && get) {
		bool answers = query_get(query, "answers", q, sizeof(q)) &&
		    strcmp(q, "1") == 0;
		rc = tdv_train_db_set_json(cfg->db, seg[1], actor, answers, &j);
		return rc == TDV_OK ? TDV_OK : reply_rc(r, rc);
	}
	if (n == 5 && strcmp(seg[0], "sets") == 0 && strcmp(seg[2], "docs") == 0 &&
	    get) {
		/* only the page and the printed photo: never the chip's keys,
		 * the lists or the key */
		if (strcmp(seg[4], "page.png") != 0 &&
		    strcmp(seg[4], "portrait.jpg") != 0)
			return reply_error(r, 404, "not_found", "no such file");
		tdv_train_person p;
		if (tdv_train_db_person_get(cfg->db, actor, &p) != TDV_OK)
			return reply_error(r, 403, "forbidden", "not in training");
		char *end;
		long d = strtol(seg[3], &end, 10);
		char dir[TDV__TRAIN_PATH_MAX];
		int idx;
		if (*end || d < 0 || d >= TDV_TRAIN_MAX_DOCS)
			return reply_error(r, 400, "bad_request", "document");
		if ((rc = tdv__train_db_doc_source(cfg->db, seg[1], (int)d, dir,
			 sizeof(dir), &idx)) != TDV_OK)
			return reply_rc(r, rc);
		return serve_file(dir, idx, seg[4], r);
	}
	if (n == 1 && strcmp(seg[0], "attempts") == 0 && post) {
		const char *set = json_string_value(json_object_get(body, "set"));
		const char *course = json_string_value(json_object_get(body,
		    "course"));
		const char *trainer = json_string_value(json_object_get(body,
		    "trainer"));
		tdv_train_course c = TDV_TRAIN_EXERCISE;
		if (set == NULL ||
		    (course && tdv_train_course_parse(course, &c) != TDV_OK) ||
		    c == TDV_TRAIN_DRILL)
			return reply_error(r, 400, "bad_request", "set, course");
		char id[TDV_TRAIN_SETID_LEN + 1];
		if ((rc = tdv_train_db_attempt_start(cfg->db, set, actor, trainer,
			 c, &cfg->today, id)) != TDV_OK)
			return reply_rc(r, rc);
		r->status = 201;
		return tdv_buf_printf(&r->body, "{\"attempt\":\"%s\"}", id);
	}
	if (n == 3 && strcmp(seg[0], "attempts") == 0 && post &&
	    strcmp(seg[2], "answers") == 0)
		return post_answer(cfg, seg[1], actor, body, r);
	if (n == 4 && strcmp(seg[0], "attempts") == 0 && post &&
	    strcmp(seg[2], "inspect") == 0) {
		char *end;
		long d = strtol(seg[3], &end, 10);
		char dir[TDV__TRAIN_PATH_MAX];
		int idx;
		if (*end || d < 0 || d >= TDV_TRAIN_MAX_DOCS)
			return reply_error(r, 400, "bad_request", "document");
		if ((rc = attempt_doc(cfg, seg[1], actor, (int)d, dir,
			 sizeof(dir), &idx)) != TDV_OK)
			return reply_rc(r, rc);
		rc = tdv_train_inspect_doc(dir, idx, &cfg->today, &r->body, NULL,
		    NULL);
		return rc == TDV_OK ? TDV_OK : reply_rc(r, rc);
	}
	if (n == 3 && strcmp(seg[0], "attempts") == 0 && post &&
	    strcmp(seg[2], "submit") == 0) {
		rc = tdv_train_db_submit(cfg->db, seg[1], actor, &cfg->today, &j,
		    NULL);
		if (rc != TDV_OK)
			return reply_rc(r, rc);
		/* the result for the station's audit chain (headquarters) */
		tdv_buf res;
		tdv_buf_init(&res, TDV_TRAIN_RESULT_MAX);
		if (tdv_train_db_result_json(cfg->db, seg[1], &res) == TDV_OK &&
		    res.len <= TDV_TRAIN_RESULT_MAX) {
			memcpy(r->result_json, res.data, res.len);
			r->result_json[res.len] = '\0';
			snprintf(r->result_attempt, sizeof(r->result_attempt),
			    "%s", seg[1]);
		}
		tdv_buf_free(&res);
		return TDV_OK;
	}
	if (n == 3 && strcmp(seg[0], "attempts") == 0 && get &&
	    strcmp(seg[2], "feedback") == 0) {
		rc = tdv_train_db_feedback(cfg->db, seg[1], actor, &j);
		return rc == TDV_OK ? TDV_OK : reply_rc(r, rc);
	}
	if (n == 1 && strcmp(seg[0], "drill") == 0 && post) {
		char set[TDV_TRAIN_SETID_LEN + 1], att[TDV_TRAIN_SETID_LEN + 1];
		if ((rc = tdv_train_db_drill(cfg->db, actor, &cfg->today, 0, set,
			 att)) != TDV_OK)
			return reply_rc(r, rc);
		r->status = 201;
		return tdv_buf_printf(&r->body,
		    "{\"set\":\"%s\",\"attempt\":\"%s\"}", set, att);
	}
	if (n == 2 && strcmp(seg[0], "reports") == 0 && get) {
		if (strcmp(seg[1], "due") == 0)
			rc = tdv_train_db_report_due(cfg->db, actor, cp,
			    &cfg->today, csv, &r->body);
		else if (strcmp(seg[1], "rates") == 0 && is_trainer(cfg->db,
			     actor))
			rc = tdv_train_db_report_rates(cfg->db, cp, csv,
			    &r->body);
		else if (strcmp(seg[1], "rates") == 0)
			rc = TDV_EPERM;
		else if (strcmp(seg[1], "skills") == 0 && cfg->store == NULL)
			rc = TDV_ENOENT;
		else if (strcmp(seg[1], "skills") == 0 &&
		    (cfg->actor_supervisor || is_trainer(cfg->db, actor))) {
			long months = 12, warn = 30;
			const char *cps[1] = {cfg->checkpoint};
			if ((rc = tdv_train_db_config_get(cfg->db,
				 "refresher_months", &months)) == TDV_OK &&
			    (rc = tdv_train_db_config_get(cfg->db, "warn_days",
				 &warn)) == TDV_OK)
				rc = tdv_train_central_report(cfg->store, cps, 1,
				    &cfg->today, (int)months, (int)warn, csv,
				    &r->body);
		} else if (strcmp(seg[1], "skills") == 0)
			rc = TDV_EPERM;
		else
			rc = TDV_ENOENT;
		if (rc != TDV_OK)
			return reply_rc(r, rc);
		if (csv)
			r->content_type = "text/csv";
		return TDV_OK;
	}
	if (n == 2 && strcmp(seg[0], "records") == 0 && get) {
		rc = tdv_train_db_report_officer(cfg->db, actor, seg[1],
		    &cfg->today, &j);
		return rc == TDV_OK ? TDV_OK : reply_rc(r, rc);
	}
	if (n == 2 && strcmp(seg[0], "certificates") == 0 && get) {
		char trainee[TDV_TRAIN_ID_MAX + 1];
		bool yes = false;
		if ((rc = tdv__train_db_attempt_trainee(cfg->db, seg[1],
			 trainee)) != TDV_OK ||
		    (rc = tdv_train_db_can_see(cfg->db, actor, trainee, &yes)) !=
			TDV_OK)
			return reply_rc(r, rc);
		if (!yes)
			return reply_rc(r, TDV_EPERM);
		if ((rc = tdv_train_db_certificate(cfg->db, seg[1], &r->body)) !=
		    TDV_OK)
			return reply_rc(r, rc);
		r->content_type = "text/html; charset=utf-8";
		return TDV_OK;
	}
	return reply_error(r, (get || post) ? 404 : 405, "not_found",
	    "no such training route");
}

int
tdv_train_api_handle(const tdv_train_api_config *cfg, const char *method,
    const char *path, const char *query, const char *actor, const char *body,
    size_t body_len, tdv_train_api_response *resp)
{
	if (resp == NULL)
		return TDV_EINVAL;
	tdv_buf_init(&resp->body, TDV__TRAIN_FILE_MAX);
	resp->status = 200;
	resp->content_type = "application/json";
	resp->result_attempt[0] = '\0';
	resp->result_json[0] = '\0';
	if (cfg == NULL || cfg->db == NULL || method == NULL || path == NULL ||
	    actor == NULL || cfg->sets_dir == NULL || cfg->pki_dir == NULL)
		return TDV_EINVAL;
	if (strncmp(path, "/api/train/", 11) != 0)
		return reply_error(resp, 404, "not_found", "not a training route");
	if (actor[0] == '\0' || strlen(actor) > TDV_TRAIN_ID_MAX)
		return reply_error(resp, 403, "forbidden", "no session");
	char seg[MAXSEG][SEGLEN];
	int n;
	if (split(path + 11, seg, &n) != TDV_OK || n == 0)
		return reply_error(resp, 400, "bad_request", "bad path");
	json_t *j = NULL;
	if (strcmp(method, "POST") == 0) {
		if (body_len > TDV_TRAIN_API_BODY_MAX)
			return reply_error(resp, 400, "bad_request",
			    "body too large");
		json_error_t err;
		j = body_len ? json_loadb(body, body_len, 0, &err) :
			       json_object();
		if (!json_is_object(j)) {
			json_decref(j);
			return reply_error(resp, 400, "bad_request",
			    "body must be a JSON object");
		}
	}
	int rc = route(cfg, method, seg, n, query ? query : "", actor, j, resp);
	json_decref(j);
	if (rc != TDV_OK)
		return reply_rc(resp, rc);
	return TDV_OK;
}
