/*
 * Sync batches: built from a checkpoint's store, ingested into the
 * central store (see tdv/sync.h for the format and the guarantees).
 *
 * Ingest reads hostile input: the body is bounded before parsing, jansson
 * parses with duplicate keys refused, every field is type- and
 * length-checked into fixed structures, identities are checked for every
 * record before anything is written, and the writing happens in one
 * transaction that is rolled back on the first refusal.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/sync.h"

/* ---- building ---- */

struct build_ctx {
	tdv_json *j;
	tdv_sync_batch_info *info;
	int max;
	int64_t audit_known; /* highest audit seq sent or in this batch */
};

static int
build_audit(void *ctx, const tdv_audit_entry *e)
{
	struct build_ctx *b = ctx;
	tdv_json *j = b->j;
	tdv_json_object_begin(j);
	tdv_json_key(j, "chain");
	tdv_json_string(j, e->chain);
	tdv_json_key(j, "seq");
	tdv_json_int(j, e->seq);
	tdv_json_key(j, "time_ms");
	tdv_json_int(j, e->time_ms);
	tdv_json_key(j, "actor");
	tdv_json_string(j, e->actor);
	tdv_json_key(j, "action");
	tdv_json_string(j, e->action);
	tdv_json_key(j, "object");
	tdv_json_string(j, e->object);
	tdv_json_key(j, "detail");
	tdv_json_string(j, e->detail);
	tdv_json_key(j, "prev_hash");
	tdv_json_string(j, e->prev_hash);
	tdv_json_key(j, "hash");
	tdv_json_string(j, e->hash);
	tdv_json_object_end(j);
	if (b->info->naudit == 0)
		b->info->audit_first = e->seq;
	b->info->audit_last = e->seq;
	b->info->naudit++;
	b->audit_known = e->seq;
	return tdv_json_error(j);
}

static int
build_movement(void *ctx, const tdv_movement *m)
{
	struct build_ctx *b = ctx;
	/* its audit entry must reach the centre first (same or earlier batch) */
	if (m->audit_seq > b->audit_known)
		return 1;
	tdv_json *j = b->j;
	char sex[2] = {m->sex, '\0'};
	tdv_json_object_begin(j);
	tdv_json_key(j, "id");
	tdv_json_string(j, m->id);
	tdv_json_key(j, "checkpoint");
	tdv_json_string(j, m->checkpoint_id);
	tdv_json_key(j, "seq");
	tdv_json_int(j, m->seq);
	tdv_json_key(j, "time_ms");
	tdv_json_int(j, m->time_ms);
	tdv_json_key(j, "audit_seq");
	tdv_json_int(j, m->audit_seq);
	tdv_json_key(j, "direction");
	tdv_json_string(j, tdv_direction_name(m->direction));
	tdv_json_key(j, "officer");
	tdv_json_string(j, m->officer_id);
	tdv_json_key(j, "document_code");
	tdv_json_string(j, m->document_code);
	tdv_json_key(j, "issuing_state");
	tdv_json_string(j, m->issuing_state);
	tdv_json_key(j, "document_number");
	tdv_json_string(j, m->document_number);
	tdv_json_key(j, "nationality");
	tdv_json_string(j, m->nationality);
	tdv_json_key(j, "surname");
	tdv_json_string(j, m->surname);
	tdv_json_key(j, "given_names");
	tdv_json_string(j, m->given_names);
	tdv_json_key(j, "sex");
	tdv_json_string(j, sex);
	tdv_json_key(j, "birth_date");
	tdv_json_string(j, m->birth_date);
	tdv_json_key(j, "expiry_date");
	tdv_json_string(j, m->expiry_date);
	tdv_json_key(j, "verdict");
	tdv_json_string(j, m->verdict);
	tdv_json_key(j, "decision");
	tdv_json_string(j, tdv_decision_name(m->decision));
	tdv_json_key(j, "reason");
	tdv_json_string(j, m->reason);
	tdv_json_key(j, "fraud_type");
	tdv_json_string(j, m->fraud_type);
	tdv_json_key(j, "checks");
	tdv_json_string(j, m->checks_json);
	tdv_json_object_end(j);
	if (b->info->nmovements == 0)
		b->info->movement_first = m->seq;
	b->info->movement_last = m->seq;
	b->info->nmovements++;
	return tdv_json_error(j);
}

struct ref_build {
	tdv_json *j;
	tdv_sync_batch_info *info;
	int64_t movement_known; /* highest movement seq sent or in this batch */
	bool open;
};

static int
build_referral(void *ctx, const tdv_referral_outcome *r)
{
	struct ref_build *rb = ctx;
	if (r->movement_seq > rb->movement_known)
		return 1;
	tdv_json *j = rb->j;
	if (!rb->open) {
		tdv_json_key(j, "referrals");
		tdv_json_array_begin(j);
		rb->open = true;
	}
	tdv_referral_outcome_json(j, r);
	rb->info->nreferrals++;
	rb->info->referral_last = r->audit_seq;
	return tdv_json_error(j);
}

int
tdv_sync_build_batch(tdv_store *local, const char *checkpoint, int max_records,
    tdv_buf *out, tdv_sync_batch_info *info)
{
	if (local == NULL || out == NULL || info == NULL || !tdv__id_ok(checkpoint) ||
	    max_records <= 0 || max_records > TDV_SYNC_MAX_RECORDS)
		return TDV_EINVAL;
	memset(info, 0, sizeof(*info));
	int64_t acur = 0, mcur = 0;
	int rc = tdv_store_sync_cursor_get(local, "audit", checkpoint, &acur);
	if (rc == TDV_OK)
		rc = tdv_store_sync_cursor_get(local, "movement", checkpoint, &mcur);
	if (rc != TDV_OK)
		return rc;
	tdv_buf_reset(out);
	tdv_json j;
	tdv_json_init(&j, out);
	struct build_ctx b = {&j, info, max_records, acur};
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "v");
	tdv_json_int(&j, 1);
	tdv_json_key(&j, "checkpoint");
	tdv_json_string(&j, checkpoint);
	tdv_json_key(&j, "audit");
	tdv_json_array_begin(&j);
	/* Half the batch for audit entries leaves room for the movements they
	 * record, so both travel together (and ingest takes its bulk path);
	 * when no movement is pending the audit entries may fill it. */
	int64_t mpending = 0;
	tdv__param pp[] = {TDV__TEXT(checkpoint), TDV__INT(mcur)};
	rc = tdv__exec(local,
	    "SELECT COUNT(*) FROM (SELECT 1 FROM movement WHERE checkpoint_id = $1"
	    " AND seq > $2 LIMIT 1) AS pending",
	    pp, 2, tdv__i64_row, &mpending);
	int alimit = mpending > 0 && max_records > 1 ? max_records / 2 : max_records;
	if (rc == TDV_OK)
		rc = tdv_store_audit_since(local, checkpoint, acur, alimit, build_audit, &b);
	tdv_json_array_end(&j);
	tdv_json_key(&j, "movements");
	tdv_json_array_begin(&j);
	if (rc == TDV_OK && max_records - info->naudit > 0)
		rc = tdv_store_movements_since(local, checkpoint, mcur,
		    max_records - info->naudit, build_movement, &b);
	tdv_json_array_end(&j);
	/* format 2: referral outcomes whose audit entry and movement are sent
	 * or in this batch, in audit order (the first one held back holds the
	 * rest, so the cursor never passes an unsent outcome) */
	int64_t rcur = 0;
	if (rc == TDV_OK)
		rc = tdv_store_sync_cursor_get(local, "referral", checkpoint, &rcur);
	struct ref_build rb = {&j, info, info->nmovements ? info->movement_last : mcur, false};
	if (rc == TDV_OK && b.audit_known > rcur)
		rc = tdv_store_referrals_since(local, checkpoint, rcur, b.audit_known,
		    max_records, build_referral, &rb);
	if (rb.open)
		tdv_json_array_end(&j);
	tdv_json_object_end(&j);
	if (rc == TDV_OK)
		rc = tdv_json_error(&j);
	if (rc == TDV_OK && info->nreferrals > 0) {
		/* the header was written as format 1: say 2 */
		if (out->len < 7 || memcmp(out->data, "{\"v\":1,", 7) != 0)
			return TDV_EINTERNAL;
		out->data[5] = '2';
	}
	return rc;
}

int
tdv_sync_ack(tdv_store *local, const char *checkpoint,
    const tdv_sync_batch_info *info)
{
	if (local == NULL || info == NULL || !tdv__id_ok(checkpoint))
		return TDV_EINVAL;
	int rc = tdv__tx_begin(local);
	if (rc != TDV_OK)
		return rc;
	if (info->naudit > 0)
		rc = tdv_store_sync_cursor_set(local, "audit", checkpoint, info->audit_last);
	if (rc == TDV_OK && info->nmovements > 0)
		rc = tdv_store_sync_cursor_set(local, "movement", checkpoint,
		    info->movement_last);
	if (rc == TDV_OK && info->nreferrals > 0)
		rc = tdv_store_sync_cursor_set(local, "referral", checkpoint,
		    info->referral_last);
	return tdv__tx_end(local, rc);
}

struct count_min {
	int64_t count, min;
};

static int
count_min_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	struct count_min *c = ctx;
	if (n != 2 || tdv__parse_i64(v[0], &c->count) != TDV_OK)
		return TDV_ESTORE_SCHEMA;
	c->min = 0;
	if (v[1] != NULL && tdv__parse_i64(v[1], &c->min) != TDV_OK)
		return TDV_ESTORE_SCHEMA;
	return 1;
}

int
tdv_sync_backlog_get(tdv_store *local, const char *checkpoint,
    tdv_sync_backlog *out)
{
	if (local == NULL || out == NULL || !tdv__id_ok(checkpoint))
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	int64_t acur = 0, mcur = 0;
	int rc = tdv_store_sync_cursor_get(local, "audit", checkpoint, &acur);
	if (rc == TDV_OK)
		rc = tdv_store_sync_cursor_get(local, "movement", checkpoint, &mcur);
	struct count_min a = {0, 0}, m = {0, 0};
	if (rc == TDV_OK) {
		tdv__param p[] = {TDV__TEXT(checkpoint), TDV__INT(acur)};
		rc = tdv__exec(local,
		    "SELECT COUNT(*), MIN(time_ms) FROM audit_entry WHERE chain = $1"
		    " AND seq > $2",
		    p, 2, count_min_row, &a);
	}
	if (rc == TDV_OK) {
		tdv__param p[] = {TDV__TEXT(checkpoint), TDV__INT(mcur)};
		rc = tdv__exec(local,
		    "SELECT COUNT(*), MIN(time_ms) FROM movement WHERE checkpoint_id = $1"
		    " AND seq > $2",
		    p, 2, count_min_row, &m);
	}
	if (rc != TDV_OK)
		return rc;
	out->audit_pending = a.count;
	out->movements_pending = m.count;
	out->oldest_pending_ms = a.min;
	if (m.min != 0 && (out->oldest_pending_ms == 0 || m.min < out->oldest_pending_ms))
		out->oldest_pending_ms = m.min;
	return TDV_OK;
}

/* ---- ingest ---- */

static int
get_str(json_t *o, const char *key, char *dst, size_t dstsz)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		return TDV_EPARSE;
	size_t n = json_string_length(v);
	return tdv__copy(dst, dstsz, json_string_value(v), n) == TDV_OK ? TDV_OK
									   : TDV_EPARSE;
}

static int
get_int(json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		return TDV_EPARSE;
	*out = (int64_t)json_integer_value(v);
	return TDV_OK;
}

static int
parse_audit(json_t *o, tdv_audit_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (!json_is_object(o) || json_object_size(o) != 9)
		return TDV_EPARSE;
	if (get_str(o, "chain", e->chain, sizeof(e->chain)) ||
	    get_int(o, "seq", &e->seq) || get_int(o, "time_ms", &e->time_ms) ||
	    get_str(o, "actor", e->actor, sizeof(e->actor)) ||
	    get_str(o, "action", e->action, sizeof(e->action)) ||
	    get_str(o, "object", e->object, sizeof(e->object)) ||
	    get_str(o, "detail", e->detail, sizeof(e->detail)) ||
	    get_str(o, "prev_hash", e->prev_hash, sizeof(e->prev_hash)) ||
	    get_str(o, "hash", e->hash, sizeof(e->hash)))
		return TDV_EPARSE;
	return TDV_OK;
}

static int
parse_movement(json_t *o, tdv_movement *m)
{
	/* every field is written below (checks_json up to its NUL); zeroing
	 * the 16 KiB checks buffer for each record was a tenth of ingest */
	size_t end = offsetof(tdv_movement, checks_json) + sizeof(m->checks_json);
	memset(m, 0, offsetof(tdv_movement, checks_json));
	memset((char *)m + end, 0, sizeof(*m) - end);
	m->checks_json[0] = '\0';
	if (!json_is_object(o) || json_object_size(o) != 21)
		return TDV_EPARSE;
	char dir[8], dec[12], sex[2];
	if (get_str(o, "id", m->id, sizeof(m->id)) ||
	    get_str(o, "checkpoint", m->checkpoint_id, sizeof(m->checkpoint_id)) ||
	    get_int(o, "seq", &m->seq) || get_int(o, "time_ms", &m->time_ms) ||
	    get_int(o, "audit_seq", &m->audit_seq) ||
	    get_str(o, "direction", dir, sizeof(dir)) ||
	    get_str(o, "officer", m->officer_id, sizeof(m->officer_id)) ||
	    get_str(o, "document_code", m->document_code, sizeof(m->document_code)) ||
	    get_str(o, "issuing_state", m->issuing_state, sizeof(m->issuing_state)) ||
	    get_str(o, "document_number", m->document_number,
		sizeof(m->document_number)) ||
	    get_str(o, "nationality", m->nationality, sizeof(m->nationality)) ||
	    get_str(o, "surname", m->surname, sizeof(m->surname)) ||
	    get_str(o, "given_names", m->given_names, sizeof(m->given_names)) ||
	    get_str(o, "sex", sex, sizeof(sex)) ||
	    get_str(o, "birth_date", m->birth_date, sizeof(m->birth_date)) ||
	    get_str(o, "expiry_date", m->expiry_date, sizeof(m->expiry_date)) ||
	    get_str(o, "verdict", m->verdict, sizeof(m->verdict)) ||
	    get_str(o, "decision", dec, sizeof(dec)) ||
	    get_str(o, "reason", m->reason, sizeof(m->reason)) ||
	    get_str(o, "fraud_type", m->fraud_type, sizeof(m->fraud_type)) ||
	    get_str(o, "checks", m->checks_json, sizeof(m->checks_json)))
		return TDV_EPARSE;
	if (tdv_direction_parse(dir, &m->direction) != TDV_OK ||
	    tdv_decision_parse(dec, &m->decision) != TDV_OK || sex[0] == '\0')
		return TDV_EPARSE;
	m->sex = sex[0];
	return TDV_OK;
}

static int
parse_referral(json_t *o, tdv_referral_outcome *r)
{
	memset(r, 0, sizeof(*r));
	if (!json_is_object(o) || json_object_size(o) != 7)
		return TDV_EPARSE;
	char outcome[12];
	if (get_str(o, "movement", r->movement_id, sizeof(r->movement_id)) ||
	    get_str(o, "checkpoint", r->checkpoint_id, sizeof(r->checkpoint_id)) ||
	    get_str(o, "outcome", outcome, sizeof(outcome)) ||
	    get_str(o, "reason", r->reason, sizeof(r->reason)) ||
	    get_str(o, "officer", r->officer_id, sizeof(r->officer_id)) ||
	    get_int(o, "time_ms", &r->time_ms) || get_int(o, "audit_seq", &r->audit_seq))
		return TDV_EPARSE;
	if (tdv_decision_parse(outcome, &r->outcome) != TDV_OK)
		return TDV_EPARSE;
	return TDV_OK;
}

static int
refuse(tdv_sync_result *res, int rc, int index, const char *what)
{
	res->bad_index = index;
	snprintf(res->message, sizeof(res->message), "%s", what);
	return rc;
}

#define CHUNK 80

static const char *
import_error(int rc, bool movement)
{
	if (rc == TDV_EAUDIT_BROKEN)
		return movement ? "movement without its audit entry"
				: "audit entry does not extend the chain";
	if (rc == TDV_ESTORE_CONFLICT || rc == TDV_EEXIST)
		return movement ? "movement differs from the one stored"
				: "audit entry differs from the one stored";
	return movement ? "movement refused" : "audit entry refused";
}

/* Is m's audit entry in this batch's run, naming m? (-1: not in the run) */
static int
linked_in_run(const tdv_movement *m, const tdv_audit_entry *ea, size_t na)
{
	if (na == 0 || m->audit_seq < ea[0].seq || m->audit_seq > ea[na - 1].seq)
		return -1;
	const tdv_audit_entry *e = &ea[m->audit_seq - ea[0].seq];
	char h[65], want[96];
	if (e->seq != m->audit_seq || tdv__movement_hash(m, h) != TDV_OK)
		return 0;
	snprintf(want, sizeof(want), "sha256:%s", h);
	return strcmp(e->action, "movement.record") == 0 && strcmp(e->object, m->id) == 0 &&
	    strcmp(e->detail, want) == 0;
}

/*
 * PostgreSQL, the normal case: every movement of the batch is recorded
 * by an audit entry of the run just appended, and none of their seqs is
 * stored yet: one COPY for all of them (the rows are validated as they
 * are formatted). *done false (nothing written) when the batch is not
 * that case or the backend has no COPY.
 */
static int
ingest_movements_copy(tdv_store *central, json_t *movs, size_t nm,
    const tdv_audit_entry *ea, size_t na, tdv_movement *ms, tdv_sync_result *res,
    int64_t *max_seq, bool *done)
{
	*done = false;
	if (central->ops->copy_in == NULL)
		return TDV_OK;
	tdv_buf rows;
	tdv_buf_init(&rows, TDV_SYNC_MAX_BATCH_BYTES * 2u);
	int rc = TDV_OK;
	bool fast = true;
	int64_t lo = INT64_MAX, hi = 0;
	for (size_t i = 0; fast && rc == TDV_OK && i < nm; i++) {
		tdv_movement *m = &ms[i % CHUNK];
		(void)parse_movement(json_array_get(movs, i), m);
		lo = m->seq < lo ? m->seq : lo;
		hi = m->seq > hi ? m->seq : hi;
		if (linked_in_run(m, ea, na) != 1)
			fast = false;
		else if ((rc = tdv__movement_copy_row(&rows, m)) != TDV_OK)
			refuse(res, rc, (int)(na + i), import_error(rc, true));
	}
	if (rc == TDV_OK && fast) {
		int64_t existing = 0;
		tdv__param p[] = {TDV__TEXT(ms[0].checkpoint_id), TDV__INT(lo),
		    TDV__INT(hi)};
		rc = tdv__exec(central,
		    "SELECT COUNT(*) FROM movement WHERE checkpoint_id = $1"
		    " AND seq >= $2 AND seq <= $3",
		    p, 3, tdv__i64_row, &existing);
		fast = rc == TDV_OK && existing == 0;
	}
	if (rc == TDV_OK && fast) {
		rc = tdv__movements_copy(central, &rows);
		if (rc != TDV_OK) {
			refuse(res, rc, (int)na, import_error(rc, true));
		} else {
			res->inserted += (int)nm;
			*max_seq = hi;
			*done = true;
		}
	}
	tdv_buf_free(&rows);
	return rc;
}

/*
 * Write the (already validated) records inside the open transaction.
 * The normal case, new records extending the chain, goes in as multi-row
 * INSERTs (a few statements per batch); anything else (a resent batch,
 * a conflict) goes record by record so duplicates and conflicts are told
 * apart exactly.
 */
static int
ingest_records(tdv_store *central, json_t *audit, size_t na, json_t *movs,
    size_t nm, tdv_sync_result *res)
{
	int rc = TDV_OK;
	tdv_audit_entry *ea = na ? calloc(na, sizeof(*ea)) : NULL;
	const tdv_audit_entry **pa = na ? calloc(na, sizeof(*pa)) : NULL;
	tdv_movement *ms = calloc(CHUNK, sizeof(*ms));
	const tdv_movement *pm[CHUNK];
	if ((na && (ea == NULL || pa == NULL)) || ms == NULL)
		rc = TDV_ENOMEM;
	for (size_t i = 0; rc == TDV_OK && i < na; i++) {
		(void)parse_audit(json_array_get(audit, i), &ea[i]);
		pa[i] = &ea[i];
	}
	bool run = false;
	if (rc == TDV_OK && na > 0) {
		int r = tdv__audit_append_run(central, pa, (int)na);
		if (r == TDV_OK) {
			run = true;
			res->inserted += (int)na;
		} else if (r != TDV_EAUDIT_BROKEN && r != TDV_EINVAL) {
			rc = refuse(res, r, -1, "central store unavailable");
		}
	}
	for (size_t i = 0; rc == TDV_OK && !run && i < na; i++) {
		bool ins = false;
		rc = tdv_store_import_audit(central, &ea[i], &ins);
		if (rc != TDV_OK)
			refuse(res, rc, (int)i, import_error(rc, false));
		else if (ins)
			res->inserted++;
		else
			res->duplicates++;
	}
	int64_t max_seq = 0;
	bool done = false;
	if (rc == TDV_OK && run && nm > 0)
		rc = ingest_movements_copy(central, movs, nm, ea, na, ms, res, &max_seq,
		    &done);
	for (size_t at = 0; rc == TDV_OK && !done && at < nm; at += CHUNK) {
		size_t rows = nm - at < CHUNK ? nm - at : CHUNK;
		int64_t lo = INT64_MAX, hi = 0;
		bool fast = run;
		for (size_t r = 0; r < rows; r++) {
			(void)parse_movement(json_array_get(movs, at + r), &ms[r]);
			pm[r] = &ms[r];
			lo = ms[r].seq < lo ? ms[r].seq : lo;
			hi = ms[r].seq > hi ? ms[r].seq : hi;
			if (fast && linked_in_run(&ms[r], ea, na) != 1)
				fast = false;
		}
		if (fast) {
			int64_t existing = 0;
			tdv__param p[] = {TDV__TEXT(ms[0].checkpoint_id), TDV__INT(lo),
			    TDV__INT(hi)};
			rc = tdv__exec(central,
			    "SELECT COUNT(*) FROM movement WHERE checkpoint_id = $1"
			    " AND seq >= $2 AND seq <= $3",
			    p, 3, tdv__i64_row, &existing);
			fast = rc == TDV_OK && existing == 0;
		}
		if (rc == TDV_OK && fast) {
			rc = tdv__movements_insert_many(central, pm, (int)rows);
			if (rc != TDV_OK)
				refuse(res, rc, (int)(na + at), import_error(rc, true));
			else
				res->inserted += (int)rows;
			max_seq = hi > max_seq ? hi : max_seq;
			continue;
		}
		for (size_t r = 0; rc == TDV_OK && r < rows; r++) {
			bool ins = false;
			rc = tdv_store_import_movement(central, &ms[r], &ins);
			if (rc != TDV_OK)
				refuse(res, rc, (int)(na + at + r), import_error(rc, true));
			else if (ins)
				res->inserted++;
			else
				res->duplicates++;
		}
	}
	if (rc == TDV_OK && max_seq > 0) {
		tdv__param p[] = {TDV__TEXT(ms[0].checkpoint_id), TDV__INT(max_seq)};
		rc = tdv__exec(central,
		    "UPDATE checkpoint SET movement_seq = $2 WHERE id = $1 AND movement_seq < $2",
		    p, 2, NULL, NULL);
	}
	if (ms != NULL)
		memset(ms, 0, CHUNK * sizeof(*ms));
	free(ms);
	free(ea);
	free(pa);
	return rc;
}

int
tdv_sync_ingest(tdv_store *central, const char *peer, const char *body,
    size_t len, tdv_sync_result *res)
{
	if (central == NULL || body == NULL || res == NULL || !tdv__id_ok(peer))
		return TDV_EINVAL;
	memset(res, 0, sizeof(*res));
	res->bad_index = -1;
	if (len > TDV_SYNC_MAX_BATCH_BYTES)
		return refuse(res, TDV_ELIMIT, -1, "batch larger than the limit");
	json_error_t jerr;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return refuse(res, TDV_EPARSE, -1, "batch is not valid JSON");
	int rc = TDV_OK;
	json_t *audit = json_object_get(root, "audit");
	json_t *movs = json_object_get(root, "movements");
	json_t *cp = json_object_get(root, "checkpoint");
	json_t *v = json_object_get(root, "v");
	json_t *refs = json_object_get(root, "referrals");
	tdv_movement *m = malloc(sizeof(*m));
	tdv_audit_entry e;
	if (m == NULL) {
		json_decref(root);
		return TDV_ENOMEM;
	}
	/* format 1 (checkpoints one version back) and format 2 (+ referrals) */
	if (!json_is_object(root) || !json_is_integer(v) ||
	    !(json_integer_value(v) == 1 ? json_object_size(root) == 4
	      : json_integer_value(v) == 2 ? json_object_size(root) == 5 && json_is_array(refs)
				       : false) ||
	    !json_is_string(cp) || !json_is_array(audit) || !json_is_array(movs)) {
		rc = refuse(res, TDV_EPARSE, -1,
		    "not a version 1 {v, checkpoint, audit, movements} or version 2"
		    " (+ referrals) batch");
		goto out;
	}
	if (strcmp(json_string_value(cp), peer) != 0) {
		rc = refuse(res, TDV_EFORBIDDEN, -1,
		    "batch names another checkpoint than the sender's certificate");
		goto out;
	}
	size_t na = json_array_size(audit), nm = json_array_size(movs);
	size_t nr = json_array_size(refs); /* 0 when not an array (format 1) */
	if (na + nm > TDV_SYNC_MAX_RECORDS || nr > TDV_SYNC_MAX_RECORDS) {
		rc = refuse(res, TDV_ELIMIT, -1, "too many records in one batch");
		goto out;
	}
	res->naudit = (int)na;
	res->nmovements = (int)nm;
	/* everything is checked before anything is written */
	for (size_t i = 0; i < na; i++) {
		if (parse_audit(json_array_get(audit, i), &e) != TDV_OK) {
			rc = refuse(res, TDV_EPARSE, (int)i, "malformed audit entry");
			goto out;
		}
		if (strcmp(e.chain, peer) != 0) {
			rc = refuse(res, TDV_EFORBIDDEN, (int)i,
			    "audit entry of another checkpoint");
			goto out;
		}
	}
	for (size_t i = 0; i < nm; i++) {
		if (parse_movement(json_array_get(movs, i), m) != TDV_OK) {
			rc = refuse(res, TDV_EPARSE, (int)(na + i), "malformed movement");
			goto out;
		}
		if (strcmp(m->checkpoint_id, peer) != 0) {
			rc = refuse(res, TDV_EFORBIDDEN, (int)(na + i),
			    "movement of another checkpoint");
			goto out;
		}
	}
	for (size_t i = 0; i < nr; i++) {
		tdv_referral_outcome r;
		if (parse_referral(json_array_get(refs, i), &r) != TDV_OK) {
			rc = refuse(res, TDV_EPARSE, (int)(na + nm + i), "malformed referral outcome");
			goto out;
		}
		if (strcmp(r.checkpoint_id, peer) != 0) {
			rc = refuse(res, TDV_EFORBIDDEN, (int)(na + nm + i),
			    "referral outcome of another checkpoint");
			goto out;
		}
	}
	tdv_checkpoint known;
	rc = tdv_store_checkpoint_get(central, peer, &known);
	if (rc != TDV_OK) {
		rc = refuse(res, rc, -1,
		    rc == TDV_ENOENT ? "checkpoint not registered centrally"
				     : "central store unavailable");
		goto out;
	}
	rc = tdv_store_begin(central);
	if (rc != TDV_OK) {
		rc = refuse(res, rc, -1, "central store unavailable");
		goto out;
	}
	rc = ingest_records(central, audit, na, movs, nm, res);
	for (size_t i = 0; rc == TDV_OK && i < nr; i++) {
		tdv_referral_outcome r;
		bool ins = false;
		(void)parse_referral(json_array_get(refs, i), &r);
		rc = tdv_store_import_referral(central, &r, &ins);
		if (rc != TDV_OK)
			refuse(res, rc, (int)(na + nm + i),
			    rc == TDV_ESTORE_CONFLICT ? "referral outcome differs from the one stored"
			    : rc == TDV_EAUDIT_BROKEN ? "referral outcome without its audit entry"
			    : rc == TDV_ENOENT	      ? "referral outcome of an unknown movement"
						      : "referral outcome refused");
		else if (ins)
			res->inserted++;
		else
			res->duplicates++;
	}
	if (rc == TDV_OK) {
		rc = tdv_store_commit(central);
		if (rc != TDV_OK)
			refuse(res, rc, -1, "commit failed");
	} else {
		(void)tdv_store_rollback(central);
		res->inserted = res->duplicates = 0;
	}
out:
	memset(m, 0, sizeof(*m));
	free(m);
	json_decref(root);
	return rc;
}
