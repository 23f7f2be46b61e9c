/*
 * API for the second line and the supervisor: the referral queue and its
 * decisions, one movement in full (audited by the store as a read of
 * personal data), statistics (JSON and CSV), sync state, list ages and
 * the audit chain check.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server_int.h"
#include "tdv/error.h"

#define QUEUE_MAX 500

int
tdv__api_referrals(srv_ctx *c)
{
	tdv_server *s = c->srv;
	bool all = strcmp(tdv__srv_query(c, "all"), "1") == 0;
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "referrals");
	tdv_json_array_begin(&j);
	int n = 0;
	pthread_mutex_lock(&s->idx_mu);
	for (size_t i = 0; i < s->nmv && n < QUEUE_MAX; i++) {
		const srv_mv *v = &s->mv[i];
		if (v->decision != TDV_DECISION_REFERRED || (!all && v->outcome != 0))
			continue;
		tdv__srv_mv_to_json(v, &j);
		n++;
	}
	pthread_mutex_unlock(&s->idx_mu);
	tdv_json_array_end(&j);
	tdv_json_object_end(&j);
	char detail[32];
	snprintf(detail, sizeof(detail), "entries=%d", n);
	tdv__srv_audit(s, c->sess.officer, "referral.list", "", detail);
	return TDV_OK;
}

int
tdv__api_movements_recent(srv_ctx *c)
{
	tdv_server *s = c->srv;
	const char *l = tdv__srv_query(c, "limit");
	long limit = 50;
	if (l[0] != '\0') {
		char *end;
		limit = strtol(l, &end, 10);
		if (*end != '\0' || limit < 1 || limit > 500)
			return tdv__srv_error(c, 400, "bad_request",
			    "limit: 1 to 500");
	}
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "movements");
	tdv_json_array_begin(&j);
	long n = 0;
	pthread_mutex_lock(&s->idx_mu);
	for (size_t i = s->nmv; i-- > 0 && n < limit; n++)
		tdv__srv_mv_to_json(&s->mv[i], &j);
	pthread_mutex_unlock(&s->idx_mu);
	tdv_json_array_end(&j);
	tdv_json_object_end(&j);
	char detail[32];
	snprintf(detail, sizeof(detail), "entries=%ld", n);
	tdv__srv_audit(s, c->sess.officer, "movement.list", "", detail);
	return TDV_OK;
}

static void
checks_json(const char *text, tdv_json *j)
{
	json_error_t err;
	json_t *a = json_loads(text, 0, &err);
	tdv_json_array_begin(j);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		tdv_json_object_begin(j);
		const char *key;
		json_t *val;
		json_object_foreach(v, key, val)
		{
			if (!json_is_string(val))
				continue;
			tdv_json_key(j, key);
			tdv_json_string(j, json_string_value(val));
		}
		tdv_json_object_end(j);
	}
	json_decref(a);
	tdv_json_array_end(j);
}

int
tdv__api_movement_get(srv_ctx *c)
{
	tdv_server *s = c->srv;
	if (strlen(c->arg) != TDV_ULID_LEN)
		return tdv__srv_error(c, 404, "not_found", "no such movement");
	tdv_movement *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return TDV_ENOMEM;
	pthread_mutex_lock(&s->store_mu);
	int rc = tdv_store_movement_get(s->store, c->arg, c->sess.officer,
	    s->checkpoint, m);
	pthread_mutex_unlock(&s->store_mu);
	if (rc == TDV_ENOENT || rc == TDV_EINVAL) {
		free(m);
		return tdv__srv_error(c, 404, "not_found", "no such movement");
	}
	if (rc != TDV_OK) {
		free(m);
		return rc;
	}
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "movement");
	tdv_movement_to_json(m, &j);
	tdv_json_key(&j, "checks");
	checks_json(m->checks_json, &j);
	pthread_mutex_lock(&s->idx_mu);
	for (size_t i = s->nmv; i-- > 0;) {
		if (strcmp(s->mv[i].id, m->id) == 0) {
			tdv_json_key(&j, "summary");
			tdv__srv_mv_to_json(&s->mv[i], &j);
			break;
		}
	}
	pthread_mutex_unlock(&s->idx_mu);
	tdv_json_object_end(&j);
	memset(m, 0, sizeof(*m));
	free(m);
	return TDV_OK;
}

int
tdv__api_referral_decide(srv_ctx *c)
{
	tdv_server *s = c->srv;
	json_t *o = tdv__srv_body_json(c);
	if (o == NULL)
		return TDV_OK;
	bool bad = false;
	const char *dec = tdv__srv_jstr(o, "decision", 16, &bad);
	const char *notes = tdv__srv_jstr(o, "notes", SRV_NOTES_MAX, &bad);
	tdv_decision d = 0;
	if (dec != NULL && strcmp(dec, "admit") == 0)
		d = TDV_DECISION_ADMITTED;
	else if (dec != NULL && strcmp(dec, "refuse") == 0)
		d = TDV_DECISION_REFUSED;
	else if (dec != NULL)
		tdv_decision_parse(dec, &d);
	if (bad || (d != TDV_DECISION_ADMITTED && d != TDV_DECISION_REFUSED)) {
		json_decref(o);
		return tdv__srv_error(c, 400, "bad_request",
		    "decision: admit or refuse; notes: at most 500 bytes");
	}
	if (d == TDV_DECISION_REFUSED && (notes == NULL || notes[0] == '\0')) {
		json_decref(o);
		return tdv__srv_error(c, 400, "reason_required",
		    "a refusal needs notes giving the reason");
	}
	/* the referral must exist and still be open */
	int state = -1;
	pthread_mutex_lock(&s->idx_mu);
	for (size_t i = s->nmv; i-- > 0;) {
		if (strcmp(s->mv[i].id, c->arg) == 0) {
			state = s->mv[i].decision != TDV_DECISION_REFERRED ? 2
			    : s->mv[i].outcome != 0			  ? 1
									  : 0;
			break;
		}
	}
	pthread_mutex_unlock(&s->idx_mu);
	if (state != 0) {
		json_decref(o);
		return state < 0 ? tdv__srv_error(c, 404, "not_found",
				       "no such referral")
				 : tdv__srv_error(c, 409, "conflict",
				       state == 1 ? "this referral is already decided"
						  : "this movement was not referred");
	}
	tdv_buf detail;
	tdv_buf_init(&detail, TDV_AUDIT_DETAIL_MAX);
	tdv_json dj;
	tdv_json_init(&dj, &detail);
	tdv_json_object_begin(&dj);
	tdv_json_key(&dj, "decision");
	tdv_json_string(&dj, tdv_decision_name(d));
	tdv_json_key(&dj, "notes");
	tdv_json_string(&dj, notes ? notes : "");
	tdv_json_object_end(&dj);
	int rc = tdv_json_error(&dj);
	if (rc != TDV_OK) {
		tdv_buf_free(&detail);
		json_decref(o);
		return tdv__srv_error(c, 400, "bad_request", "notes too long");
	}
	pthread_mutex_lock(&s->store_mu);
	rc = tdv_store_audit_append(s->store, s->checkpoint, c->sess.officer,
	    "referral.decide", c->arg, tdv_buf_cstr(&detail), NULL);
	pthread_mutex_unlock(&s->store_mu);
	tdv_buf_free(&detail);
	if (rc == TDV_OK)
		tdv__srv_index_outcome(s, c->arg, (int)d, c->sess.officer,
		    tdv__srv_now_ms(), notes);
	json_decref(o);
	if (rc != TDV_OK)
		return rc;
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "referral");
	tdv_json_string(&j, c->arg);
	tdv_json_key(&j, "outcome");
	tdv_json_string(&j, tdv_decision_name(d));
	tdv_json_object_end(&j);
	return TDV_OK;
}

/* ---- statistics ---- */

struct stats_req {
	char from[11], to[11];
	tdv_stat_key keys[TDV_STAT_MAX_KEYS];
	int nkeys;
};

static int
stats_args(srv_ctx *c, struct stats_req *r)
{
	tdv_date today, d;
	tdv__srv_today(c->srv, &today);
	const char *from = tdv__srv_query(c, "from");
	const char *to = tdv__srv_query(c, "to");
	const char *by = tdv__srv_query(c, "by");
	if (to[0] != '\0') {
		if (tdv_date_parse_iso(to, &d) != TDV_OK)
			return TDV_EINVAL;
		snprintf(r->to, sizeof(r->to), "%s", to);
	} else {
		tdv_date_format_iso(&today, r->to);
	}
	if (from[0] != '\0') {
		if (tdv_date_parse_iso(from, &d) != TDV_OK)
			return TDV_EINVAL;
		snprintf(r->from, sizeof(r->from), "%s", from);
	} else {
		/* the last 30 days */
		time_t t = (time_t)(tdv_date_to_days(&today) - 29) * 86400;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(r->from, sizeof(r->from), "%Y-%m-%d", &tm);
	}
	r->nkeys = 0;
	if (strlen(by) > 200)
		return TDV_EINVAL;
	char list[201];
	snprintf(list, sizeof(list), "%s", by);
	char *p = list;
	while (*p != '\0') {
		char *comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		/* the dashboard's longer names for the store's keys */
		const char *k = strcmp(p, "age_band") == 0 ? "age"
		    : strcmp(p, "document_type") == 0	 ? "document"
		    : strcmp(p, "fraud_type") == 0	 ? "fraud"
							 : p;
		if (r->nkeys >= TDV_STAT_MAX_KEYS ||
		    tdv_stat_key_parse(k, &r->keys[r->nkeys]) != TDV_OK)
			return TDV_EINVAL;
		r->nkeys++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return TDV_OK;
}

static int
stats_row_json(void *ctx, const tdv_stat_row *row)
{
	tdv_json *j = ctx;
	tdv_json_object_begin(j);
	tdv_json_key(j, "keys");
	tdv_json_array_begin(j);
	for (int i = 0; i < row->nkeys; i++)
		tdv_json_string(j, row->keys[i] ? row->keys[i] : "");
	tdv_json_array_end(j);
	tdv_json_key(j, "movements");
	tdv_json_int(j, row->movements);
	tdv_json_key(j, "admitted");
	tdv_json_int(j, row->admitted);
	tdv_json_key(j, "refused");
	tdv_json_int(j, row->refused);
	tdv_json_key(j, "referred");
	tdv_json_int(j, row->referred);
	tdv_json_key(j, "frauds");
	tdv_json_int(j, row->frauds);
	tdv_json_object_end(j);
	return tdv_json_error(j) != TDV_OK;
}

int
tdv__api_stats(srv_ctx *c)
{
	tdv_server *s = c->srv;
	struct stats_req r;
	if (stats_args(c, &r) != TDV_OK)
		return tdv__srv_error(c, 400, "bad_request",
		    "from/to: YYYY-MM-DD; by: up to 4 of day, checkpoint, "
		    "direction, nationality, sex, age (age_band), document "
		    "(document_type), decision, fraud (fraud_type)");
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "from");
	tdv_json_string(&j, r.from);
	tdv_json_key(&j, "to");
	tdv_json_string(&j, r.to);
	tdv_json_key(&j, "by");
	tdv_json_array_begin(&j);
	for (int i = 0; i < r.nkeys; i++)
		tdv_json_string(&j, tdv_stat_key_name(r.keys[i]));
	tdv_json_array_end(&j);
	tdv_json_key(&j, "rows");
	tdv_json_array_begin(&j);
	pthread_mutex_lock(&s->store_mu);
	int rc = tdv_store_stats(s->store, r.from, r.to, r.keys, r.nkeys,
	    stats_row_json, &j);
	pthread_mutex_unlock(&s->store_mu);
	if (rc != TDV_OK)
		return rc;
	tdv_json_array_end(&j);
	/* secondary inspection outcomes (referrals of the period) */
	int64_t pending = 0, admitted = 0, refused = 0;
	pthread_mutex_lock(&s->idx_mu);
	for (size_t i = 0; i < s->nmv; i++) {
		const srv_mv *v = &s->mv[i];
		if (v->decision != TDV_DECISION_REFERRED)
			continue;
		time_t t = (time_t)(v->time_ms / 1000);
		struct tm tm;
		char day[11];
		gmtime_r(&t, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		if (strcmp(day, r.from) < 0 || strcmp(day, r.to) > 0)
			continue;
		if (v->outcome == 0)
			pending++;
		else if (v->outcome == TDV_DECISION_ADMITTED)
			admitted++;
		else
			refused++;
	}
	pthread_mutex_unlock(&s->idx_mu);
	tdv_json_key(&j, "secondary");
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "pending");
	tdv_json_int(&j, pending);
	tdv_json_key(&j, "admitted");
	tdv_json_int(&j, admitted);
	tdv_json_key(&j, "refused");
	tdv_json_int(&j, refused);
	tdv_json_object_end(&j);
	tdv_json_object_end(&j);
	return tdv_json_error(&j);
}

/* CSV field: quoted, quotes doubled, and a leading = + - @ neutralised
 * so a spreadsheet does not run it as a formula. */
static void
csv_field(tdv_buf *b, const char *v, bool last)
{
	tdv_buf_putc(b, '"');
	if (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')
		tdv_buf_putc(b, '\'');
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			tdv_buf_putc(b, '"');
		tdv_buf_putc(b, *p);
	}
	tdv_buf_putc(b, '"');
	tdv_buf_putc(b, last ? '\n' : ',');
}

static int
stats_row_csv(void *ctx, const tdv_stat_row *row)
{
	tdv_buf *b = ctx;
	for (int i = 0; i < row->nkeys; i++)
		csv_field(b, row->keys[i] ? row->keys[i] : "", false);
	return tdv_buf_printf(b, "%lld,%lld,%lld,%lld,%lld\n",
	    (long long)row->movements, (long long)row->admitted,
	    (long long)row->refused, (long long)row->referred,
	    (long long)row->frauds) != TDV_OK;
}

int
tdv__api_stats_csv(srv_ctx *c)
{
	tdv_server *s = c->srv;
	struct stats_req r;
	if (stats_args(c, &r) != TDV_OK)
		return tdv__srv_error(c, 400, "bad_request", "bad from/to/by");
	tdv_buf_reset(&c->out);
	for (int i = 0; i < r.nkeys; i++)
		tdv_buf_printf(&c->out, "%s,", tdv_stat_key_name(r.keys[i]));
	tdv_buf_puts(&c->out, "movements,admitted,refused,referred,frauds\n");
	pthread_mutex_lock(&s->store_mu);
	int rc = tdv_store_stats(s->store, r.from, r.to, r.keys, r.nkeys,
	    stats_row_csv, &c->out);
	pthread_mutex_unlock(&s->store_mu);
	if (rc != TDV_OK)
		return rc;
	c->ctype = "text/csv; charset=utf-8";
	snprintf(c->disposition, sizeof(c->disposition),
	    "attachment; filename=\"tdverify-stats-%s-%s.csv\"", r.from, r.to);
	return TDV_OK;
}

int
tdv__api_sync(srv_ctx *c)
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
		int64_t count = 0, sent = 0, last = 0;
		tdv_store_movement_count(s->store, s->cp_ids[i], &count);
		tdv_store_sync_cursor_get(s->store, "movement", s->cp_ids[i], &sent);
		for (size_t k = 0; k < s->nmv; k++)
			if (strcmp(s->mv[k].checkpoint, s->cp_ids[i]) == 0 &&
			    s->mv[k].seq > last)
				last = s->mv[k].seq;
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "id");
		tdv_json_string(&j, s->cp_ids[i]);
		tdv_json_key(&j, "movements");
		tdv_json_int(&j, count);
		tdv_json_key(&j, "last_seq");
		tdv_json_int(&j, last);
		tdv_json_key(&j, "sent_seq");
		tdv_json_int(&j, sent);
		tdv_json_key(&j, "backlog");
		tdv_json_int(&j, last > sent ? last - sent : 0);
		tdv_json_key(&j, "last_contact");
		tdv_json_null(&j); /* the store keeps no contact time yet */
		tdv_json_object_end(&j);
	}
	pthread_mutex_unlock(&s->idx_mu);
	pthread_mutex_unlock(&s->store_mu);
	tdv_json_array_end(&j);
	tdv_json_object_end(&j);
	return TDV_OK;
}

int
tdv__api_lists(srv_ctx *c)
{
	tdv_server *s = c->srv;
	tdv_date today;
	tdv__srv_today(s, &today);
	tdv__srv_lists_refresh(s);
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	pthread_rwlock_rdlock(&s->res_lock);
	tdv_json_key(&j, "sltd");
	if (s->sltd != NULL) {
		tdv_sltd_info info;
		tdv_sltd_info_get(s->sltd, &info);
		char day[11];
		tdv_date_format_iso(&info.list_date, day);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "version");
		tdv_json_int(&j, (int64_t)info.version);
		tdv_json_key(&j, "records");
		tdv_json_int(&j, (int64_t)info.nrecords);
		tdv_json_key(&j, "list_date");
		tdv_json_string(&j, day);
		tdv_json_key(&j, "age_days");
		tdv_json_int(&j, tdv_date_to_days(&today) -
			tdv_date_to_days(&info.list_date));
		tdv_json_object_end(&j);
	} else {
		tdv_json_null(&j);
	}
	tdv_json_key(&j, "watchlist");
	if (s->watchlist != NULL) {
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "entries");
		tdv_json_int(&j, (int64_t)tdv_watchlist_size(s->watchlist));
		tdv_watchlist_info wi;
		tdv_watchlist_info_get(s->watchlist, &wi);
		tdv_json_key(&j, "version"); /* of the compiled list; 0: in memory */
		tdv_json_int(&j, (int64_t)wi.version);
		tdv_json_key(&j, "age_days");
		tdv_json_int(&j, (tdv__srv_now_ms() - s->watchlist_loaded_ms) /
			86400000);
		tdv_json_object_end(&j);
	} else {
		tdv_json_null(&j);
	}
	tdv_json_key(&j, "trust");
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "cscas");
	tdv_json_int(&j, s->trust ? tdv_trust_csca_count(s->trust) : 0);
	tdv_json_key(&j, "crls");
	tdv_json_int(&j, s->trust ? tdv_trust_crl_count(s->trust) : 0);
	tdv_json_object_end(&j);
	pthread_rwlock_unlock(&s->res_lock);
	tdv_json_object_end(&j);
	return TDV_OK;
}

int
tdv__api_audit_verify(srv_ctx *c)
{
	tdv_server *s = c->srv;
	tdv_audit_report rep;
	memset(&rep, 0, sizeof(rep));
	pthread_mutex_lock(&s->store_mu);
	int rc = tdv_store_audit_verify(s->store, NULL, &rep);
	pthread_mutex_unlock(&s->store_mu);
	if (rc != TDV_OK)
		return rc;
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "intact");
	tdv_json_bool(&j, rep.intact);
	tdv_json_key(&j, "chains");
	tdv_json_int(&j, rep.chains);
	tdv_json_key(&j, "entries");
	tdv_json_int(&j, rep.entries);
	if (!rep.intact) {
		tdv_json_key(&j, "broken_chain");
		tdv_json_string(&j, rep.broken_chain);
		tdv_json_key(&j, "broken_seq");
		tdv_json_int(&j, rep.broken_seq);
		tdv_json_key(&j, "problem");
		tdv_json_string(&j, rep.problem);
	}
	tdv_json_object_end(&j);
	return TDV_OK;
}

/* /api/train/...: forwarded to the training module with the session's
 * officer as the actor (the body never names who acts). */
int
tdv__api_train(srv_ctx *c)
{
	tdv_server *s = c->srv;
	if (s->train == NULL)
		return tdv__srv_error(c, 404, "not_found",
		    "training is not configured on this station");
	const char *q = strchr(c->url, '?');
	tdv_train_api_config tc;
	memset(&tc, 0, sizeof(tc));
	tc.db = s->train;
	tc.sets_dir = s->cfg.train_sets_dir;
	tc.pki_dir = s->cfg.train_pki_dir;
	tdv__srv_today(s, &tc.today);
	tc.store = s->store;
	tc.checkpoint = s->checkpoint;
	tc.actor_supervisor = c->sess.role == TDV_ROLE_SUPERVISOR;
	/* the skills report reads the store: hold it too (order: train_mu,
	 * then store_mu; nothing takes them the other way round) */
	bool reads_store = strncmp(c->url, "/api/train/reports/skills", 25) == 0;
	/* libmicrohttpd gives the path without the query: rebuild it */
	char query[512] = "";
	const char *keys[] = {"answers", "csv", "checkpoint"};
	size_t ql = 0;
	for (size_t i = 0; q == NULL && i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = tdv__srv_query(c, keys[i]);
		if (v[0] == '\0')
			continue;
		int w = snprintf(query + ql, sizeof(query) - ql, "%s%s=%s",
		    ql ? "&" : "", keys[i], v);
		if (w < 0 || (size_t)w >= sizeof(query) - ql)
			return tdv__srv_error(c, 400, "bad_request", "query too long");
		ql += (size_t)w;
	}
	tdv_train_api_response r;
	memset(&r, 0, sizeof(r));
	pthread_mutex_lock(&s->train_mu);
	if (reads_store)
		pthread_mutex_lock(&s->store_mu);
	else
		tc.store = NULL;
	int rc = tdv_train_api_handle(&tc, c->method, c->url, query,
	    c->sess.officer, (const char *)c->body.data, c->body.len, &r);
	if (reads_store)
		pthread_mutex_unlock(&s->store_mu);
	pthread_mutex_unlock(&s->train_mu);
	if (rc != TDV_OK) {
		tdv_buf_free(&r.body);
		return rc;
	}
	/* a submitted result goes into this checkpoint's audit chain, written
	 * now (not queued): the audit sync carries it to headquarters */
	if (r.result_attempt[0] != '\0') {
		pthread_mutex_lock(&s->store_mu);
		int arc = tdv_store_audit_append(s->store, s->checkpoint,
		    c->sess.officer, TDV_TRAIN_RESULT_ACTION, r.result_attempt,
		    r.result_json, NULL);
		pthread_mutex_unlock(&s->store_mu);
		if (arc != TDV_OK)
			tdv__srv_log(s, "training result %s not in the audit "
			    "chain: %s", r.result_attempt, tdv_strerror(arc));
	}
	c->status = r.status;
	tdv_buf_reset(&c->out);
	rc = tdv_buf_append(&c->out, r.body.data, r.body.len);
	tdv_buf_free(&r.body);
	c->ctype = r.content_type && strncmp(r.content_type, "text/html", 9) == 0
	    ? "text/html; charset=utf-8"
	    : r.content_type && strncmp(r.content_type, "text/csv", 8) == 0
	    ? "text/csv; charset=utf-8"
	    : r.content_type && strncmp(r.content_type, "image/", 6) == 0
	    ? r.content_type
	    : "application/json; charset=utf-8";
	char detail[64];
	snprintf(detail, sizeof(detail), "%s status=%d", c->method, r.status);
	tdv__srv_audit(s, c->sess.officer, "train.api", "", detail);
	return rc;
}
