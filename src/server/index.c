/*
 * The station's memory of its movements (the referral queue, a
 * traveller's previous movements) and the audit queue.
 *
 * The store is the record; this index is rebuilt from it at start
 * (movements of every checkpoint, then the audit chains for referral
 * outcomes and officer accounts) and kept up to date as the station
 * writes. Secondary-inspection outcomes are audit entries
 * "referral.decide" naming the referred movement: the movement itself is
 * never rewritten.
 *
 * Audit entries for reads and inspections are queued and written by one
 * thread in batches (one transaction per batch), so the officer's lane
 * does not wait for an fsync per inspection; decisions and movements are
 * written synchronously by their handlers.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server_int.h"
#include "tdv/error.h"

void
tdv__srv_id_add(char (**ids)[TDV_ID_MAX + 1], size_t *n, const char *id)
{
	if (id == NULL || id[0] == '\0' || strlen(id) > TDV_ID_MAX ||
	    *n >= SRV_IDS_MAX)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*ids)[i], id) == 0)
			return;
	if (*ids == NULL) {
		*ids = calloc(SRV_IDS_MAX, sizeof(**ids));
		if (*ids == NULL)
			return;
	}
	snprintf((*ids)[*n], sizeof((*ids)[*n]), "%s", id);
	(*n)++;
}

static void
mv_from(srv_mv *v, const tdv_movement *m)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->id, sizeof(v->id), "%s", m->id);
	snprintf(v->checkpoint, sizeof(v->checkpoint), "%s", m->checkpoint_id);
	v->seq = m->seq;
	v->time_ms = m->time_ms;
	v->direction = m->direction;
	v->decision = m->decision;
	snprintf(v->officer, sizeof(v->officer), "%s", m->officer_id);
	snprintf(v->state, sizeof(v->state), "%s", m->issuing_state);
	snprintf(v->number, sizeof(v->number), "%s", m->document_number);
	snprintf(v->nationality, sizeof(v->nationality), "%s", m->nationality);
	snprintf(v->surname, sizeof(v->surname), "%s", m->surname);
	snprintf(v->given, sizeof(v->given), "%s", m->given_names);
	snprintf(v->verdict, sizeof(v->verdict), "%s", m->verdict);
	snprintf(v->fraud, sizeof(v->fraud), "%s", m->fraud_type);
	snprintf(v->reason, sizeof(v->reason), "%s", m->reason);
}

/* caller holds idx_mu */
static int
index_push(tdv_server *s, const tdv_movement *m)
{
	if (s->nmv >= SRV_INDEX_MAX)
		return TDV_ELIMIT;
	if (s->nmv == s->capmv) {
		size_t cap = s->capmv ? s->capmv * 2 : 256;
		srv_mv *p = realloc(s->mv, cap * sizeof(*p));
		if (p == NULL)
			return TDV_ENOMEM;
		s->mv = p;
		s->capmv = cap;
	}
	mv_from(&s->mv[s->nmv++], m);
	return TDV_OK;
}

int
tdv__srv_index_add(tdv_server *s, const tdv_movement *m)
{
	pthread_mutex_lock(&s->idx_mu);
	int rc = index_push(s, m);
	pthread_mutex_unlock(&s->idx_mu);
	return rc;
}

int
tdv__srv_index_outcome(tdv_server *s, const char *movement_id, int decision,
    const char *by, int64_t when_ms, const char *notes)
{
	int rc = TDV_ENOENT;
	pthread_mutex_lock(&s->idx_mu);
	for (size_t i = s->nmv; i-- > 0;) {
		srv_mv *v = &s->mv[i];
		if (strcmp(v->id, movement_id) != 0)
			continue;
		v->outcome = decision;
		snprintf(v->outcome_by, sizeof(v->outcome_by), "%s", by);
		v->outcome_ms = when_ms;
		snprintf(v->outcome_notes, sizeof(v->outcome_notes), "%s",
		    notes ? notes : "");
		rc = TDV_OK;
		break;
	}
	pthread_mutex_unlock(&s->idx_mu);
	return rc;
}

static int
load_movement(void *ctx, const tdv_movement *m)
{
	tdv_server *s = ctx;
	return index_push(s, m) != TDV_OK;
}

static int
load_checkpoint_row(void *ctx, const tdv_stat_row *row)
{
	tdv_server *s = ctx;
	if (row->nkeys == 1 && row->keys[0] != NULL)
		tdv__srv_id_add(&s->cp_ids, &s->ncp, row->keys[0]);
	return 0;
}

struct audit_scan {
	tdv_server *s;
	int64_t last;
	int n;
};

static int
scan_audit(void *ctx, const tdv_audit_entry *e)
{
	struct audit_scan *a = ctx;
	tdv_server *s = a->s;
	a->last = e->seq;
	a->n++;
	if (strcmp(e->action, "officer.add") == 0) {
		tdv__srv_id_add(&s->officer_ids, &s->nofficers, e->object);
	} else if (strcmp(e->action, "checkpoint.put") == 0) {
		tdv__srv_id_add(&s->cp_ids, &s->ncp, e->object);
	} else if (strcmp(e->action, "referral.decide") == 0) {
		json_error_t err;
		json_t *d = json_loads(e->detail, 0, &err);
		const char *dec = d ? json_string_value(json_object_get(d, "decision")) : NULL;
		const char *notes = d ? json_string_value(json_object_get(d, "notes")) : NULL;
		tdv_decision dv;
		if (dec != NULL && tdv_decision_parse(dec, &dv) == TDV_OK)
			tdv__srv_index_outcome(s, e->object, (int)dv, e->actor,
			    e->time_ms, notes);
		json_decref(d);
	}
	return 0;
}

static int
scan_chain(tdv_server *s, const char *chain)
{
	struct audit_scan a = {s, 0, 0};
	for (;;) {
		a.n = 0;
		int rc = tdv_store_audit_since(s->store, chain, a.last, 5000,
		    scan_audit, &a);
		if (rc != TDV_OK)
			return rc;
		if (a.n < 5000)
			return TDV_OK;
	}
}

int
tdv__srv_index_load(tdv_server *s)
{
	tdv_stat_key key = TDV_STAT_CHECKPOINT;
	int rc = tdv_store_stats(s->store, "1900-01-01", "2999-12-31", &key, 1,
	    load_checkpoint_row, s);
	if (rc != TDV_OK)
		return rc;
	tdv__srv_id_add(&s->cp_ids, &s->ncp, s->checkpoint);
	size_t ncp = s->ncp;
	for (size_t i = 0; i < ncp; i++) {
		int64_t after = 0;
		for (;;) {
			size_t before = s->nmv;
			rc = tdv_store_movements_since(s->store, s->cp_ids[i], after,
			    5000, load_movement, s);
			if (rc != TDV_OK)
				return rc;
			if (s->nmv == before)
				break;
			after = s->mv[s->nmv - 1].seq;
			if (s->nmv - before < 5000)
				break;
		}
	}
	/* the audit chains: "-" (headquarters) and every checkpoint's */
	if ((rc = scan_chain(s, "-")) != TDV_OK)
		return rc;
	for (size_t i = 0; i < s->ncp; i++)
		if ((rc = scan_chain(s, s->cp_ids[i])) != TDV_OK)
			return rc;
	return TDV_OK;
}

void
tdv__srv_index_free(tdv_server *s)
{
	free(s->mv);
	s->mv = NULL;
	s->nmv = s->capmv = 0;
	free(s->officer_ids);
	s->officer_ids = NULL;
	free(s->cp_ids);
	s->cp_ids = NULL;
}

static void
time_iso(int64_t ms, char out[25])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 25, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
tdv__srv_mv_to_json(const srv_mv *m, tdv_json *j)
{
	char t[25];
	tdv_json_object_begin(j);
	tdv_json_key(j, "id");
	tdv_json_string(j, m->id);
	tdv_json_key(j, "checkpoint");
	tdv_json_string(j, m->checkpoint);
	tdv_json_key(j, "seq");
	tdv_json_int(j, m->seq);
	time_iso(m->time_ms, t);
	tdv_json_key(j, "time");
	tdv_json_string(j, t);
	tdv_json_key(j, "direction");
	tdv_json_string(j, tdv_direction_name(m->direction));
	tdv_json_key(j, "decision");
	tdv_json_string(j, tdv_decision_name(m->decision));
	tdv_json_key(j, "officer");
	tdv_json_string(j, m->officer);
	tdv_json_key(j, "issuing_state");
	tdv_json_string(j, m->state);
	tdv_json_key(j, "document_number");
	tdv_json_string(j, m->number);
	tdv_json_key(j, "nationality");
	tdv_json_string(j, m->nationality);
	tdv_json_key(j, "surname");
	tdv_json_string(j, m->surname);
	tdv_json_key(j, "given_names");
	tdv_json_string(j, m->given);
	tdv_json_key(j, "verdict");
	tdv_json_string(j, m->verdict);
	tdv_json_key(j, "fraud_type");
	tdv_json_string(j, m->fraud);
	tdv_json_key(j, "reason");
	tdv_json_string(j, m->reason);
	if (m->decision == TDV_DECISION_REFERRED) {
		tdv_json_key(j, "secondary");
		tdv_json_object_begin(j);
		tdv_json_key(j, "outcome");
		if (m->outcome == 0)
			tdv_json_string(j, "pending");
		else
			tdv_json_string(j, tdv_decision_name((tdv_decision)m->outcome));
		if (m->outcome != 0) {
			tdv_json_key(j, "by");
			tdv_json_string(j, m->outcome_by);
			time_iso(m->outcome_ms, t);
			tdv_json_key(j, "time");
			tdv_json_string(j, t);
			tdv_json_key(j, "notes");
			tdv_json_string(j, m->outcome_notes);
		}
		tdv_json_object_end(j);
	}
	tdv_json_object_end(j);
}

/* ---- audit queue ---- */

/* The store refuses control characters in audit fields; any that
 * came from outside (a fuzzed document number, a CSV line) is replaced,
 * so one odd entry never costs its batch. */
static void
printable_copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
	for (char *p = dst; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

void
tdv__srv_audit(tdv_server *s, const char *actor, const char *action,
    const char *object, const char *detail)
{
	pthread_mutex_lock(&s->aq_mu);
	while (s->aq_running && !s->aq_stop && s->aq_len >= SRV_AUDIT_QUEUE_MAX)
		pthread_cond_wait(&s->aq_cv, &s->aq_mu);
	if (s->aq_len < SRV_AUDIT_QUEUE_MAX && s->aq != NULL) {
		srv_audit_item *it = &s->aq[s->aq_len++];
		printable_copy(it->actor, sizeof(it->actor), actor);
		printable_copy(it->action, sizeof(it->action), action);
		printable_copy(it->object, sizeof(it->object), object);
		printable_copy(it->detail, sizeof(it->detail), detail);
		pthread_cond_broadcast(&s->aq_cv);
	} else {
		s->audit_dropped++;
	}
	pthread_mutex_unlock(&s->aq_mu);
}

static void
flush_batch(tdv_server *s, srv_audit_item *batch, size_t n)
{
	pthread_mutex_lock(&s->store_mu);
	int rc = tdv_store_begin(s->store);
	for (size_t i = 0; rc == TDV_OK && i < n; i++)
		rc = tdv_store_audit_append(s->store, s->checkpoint,
		    batch[i].actor, batch[i].action, batch[i].object,
		    batch[i].detail, NULL);
	if (rc == TDV_OK)
		rc = tdv_store_commit(s->store);
	else
		tdv_store_rollback(s->store);
	/* a refused entry must not cost the others: one by one */
	for (size_t i = 0; rc != TDV_OK && i < n; i++) {
		int r1 = tdv_store_audit_append(s->store, s->checkpoint,
		    batch[i].actor, batch[i].action, batch[i].object,
		    batch[i].detail, NULL);
		if (r1 != TDV_OK)
			tdv__srv_log(s, "audit: entry %s by %s not written: %s",
			    batch[i].action, batch[i].actor, tdv_strerror(r1));
	}
	pthread_mutex_unlock(&s->store_mu);
}

static void *
audit_thread(void *arg)
{
	tdv_server *s = arg;
	srv_audit_item *batch = malloc(SRV_AUDIT_QUEUE_MAX * sizeof(*batch));
	if (batch == NULL)
		return NULL;
	pthread_mutex_lock(&s->aq_mu);
	for (;;) {
		while (s->aq_len == 0 && !s->aq_stop)
			pthread_cond_wait(&s->aq_cv, &s->aq_mu);
		if (s->aq_len == 0 && s->aq_stop)
			break;
		/* let a batch gather for a moment (one fsync for many) */
		if (!s->aq_stop && s->aq_len < 256) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&s->aq_cv, &s->aq_mu, &ts);
		}
		size_t n = s->aq_len;
		memcpy(batch, s->aq, n * sizeof(*batch));
		s->aq_len = 0;
		pthread_cond_broadcast(&s->aq_cv);
		pthread_mutex_unlock(&s->aq_mu);
		flush_batch(s, batch, n);
		pthread_mutex_lock(&s->aq_mu);
	}
	pthread_mutex_unlock(&s->aq_mu);
	free(batch);
	return NULL;
}

int
tdv__srv_audit_start(tdv_server *s)
{
	if (s->aq == NULL) {
		s->aq = malloc(SRV_AUDIT_QUEUE_MAX * sizeof(*s->aq));
		if (s->aq == NULL)
			return TDV_ENOMEM;
	}
	s->aq_stop = false;
	if (pthread_create(&s->aq_thread, NULL, audit_thread, s) != 0)
		return TDV_ENOMEM;
	s->aq_running = true;
	return TDV_OK;
}

void
tdv__srv_audit_stop(tdv_server *s)
{
	if (!s->aq_running)
		return;
	pthread_mutex_lock(&s->aq_mu);
	s->aq_stop = true;
	pthread_cond_broadcast(&s->aq_cv);
	pthread_mutex_unlock(&s->aq_mu);
	pthread_join(s->aq_thread, NULL);
	s->aq_running = false;
}
