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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "sync/batch_parse.h"
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

int
tdv_sync_next_batch_size(int size, int min, int max, bool full, int64_t took_ms,
    int timeout_ms)
{
	if (min < 1)
		min = 1;
	if (max < min)
		max = min;
	size = size < min ? min : size > max ? max : size;
	if (full && took_ms < 2000 && took_ms < timeout_ms / 4)
		return size > max / 2 ? max : size * 2;
	if (took_ms > timeout_ms / 2)
		return size / 2 < min ? min : size / 2;
	return size;
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

/*
 * The strict parser (batch_parse.c) hands every record over as it is
 * read; identities and counts are checked there and audit entries kept.
 * Everything is written in one transaction that commits only when the
 * whole body has been read and found well-formed and every record
 * accepted; any refusal rolls it back, so nothing is half-written.
 *
 * PostgreSQL, the normal case (a run of new audit entries extending the
 * chain held centrally, then movements each recorded by an entry of that
 * run naming its hash, none of their seqs stored yet): when the audit
 * array has been read, the transaction opens, the run goes in by one COPY
 * and a COPY of the movements starts; each movement is formatted straight
 * into its COPY row as it is read and the rows are sent as they fill, so
 * the server stores them while the rest of the body is read; the
 * statements go to the server together (store/stream.c), so that it waits
 * on no round trip between them, and the checkpoint's row is locked first,
 * so that two batches of one checkpoint take turns. A movement
 * that is not of that case, a refusal or a failed COPY abandons this
 * (rolled back) and the batch goes the general way below.
 *
 * The general way, after the whole body was read: the run of audit entries
 * and the movements each in one statement when they extend what is
 * stored, anything else (resends, conflicts, gaps) record by record, the
 * movements then read again from the body; the exact refusal is named.
 */

struct ingest {
	tdv_store *central;
	const char *peer;
	tdv_sync_result *res;
	tdv__batch_parser bp;
	tdv_audit_entry *ea;
	size_t na, ea_cap;
	bool audit_done; /* the audit array has ended */
	size_t *moff;    /* byte offset of each movement in the body */
	size_t nm, moff_cap;
	bool copy;       /* every movement so far is in rows */
	tdv_buf rows;
	int64_t lo, hi;  /* movement seqs */
	bool streaming;  /* the streamed transaction is under way */
	tdv__stream st;
	tdv_referral_outcome *rs;
	size_t nr, rs_cap;
};

static int
refuse(tdv_sync_result *res, int rc, int index, const char *what)
{
	res->bad_index = index;
	snprintf(res->message, sizeof(res->message), "%s", what);
	return rc;
}

static int
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return TDV_OK;
	size_t n = *cap ? *cap * 2 : 64;
	while (n < need)
		n *= 2;
	if (n > TDV_SYNC_MAX_RECORDS + 1)
		n = TDV_SYNC_MAX_RECORDS + 1;
	void *q = realloc(*p, n * elem);
	if (q == NULL)
		return TDV_ENOMEM;
	*p = q;
	*cap = n;
	return TDV_OK;
}

static int
on_checkpoint(void *ctx, const char *id, size_t len)
{
	struct ingest *in = ctx;
	(void)len;
	if (id == NULL || strcmp(id, in->peer) != 0)
		return refuse(in->res, TDV_EFORBIDDEN, -1,
		    "batch names another checkpoint than the sender's certificate");
	return TDV_OK;
}

static int
too_many(struct ingest *in)
{
	return refuse(in->res, TDV_ELIMIT, -1, "too many records in one batch");
}

static int
on_audit(void *ctx, size_t i, const tdv_audit_entry *e)
{
	struct ingest *in = ctx;
	if (in->na + in->nm >= TDV_SYNC_MAX_RECORDS)
		return too_many(in);
	if (strcmp(e->chain, in->peer) != 0)
		return refuse(in->res, TDV_EFORBIDDEN, (int)i, "audit entry of another checkpoint");
	if (grow((void **)&in->ea, &in->ea_cap, in->na + 1, sizeof(*in->ea)) != TDV_OK)
		return refuse(in->res, TDV_ENOMEM, -1, "out of memory");
	in->ea[in->na++] = *e;
	return TDV_OK;
}

/* Is m's audit entry in this batch's run, naming m? (-1: not in the run) */
static int
linked_in_run(const tdv_movement *m, const tdv_audit_entry *ea, size_t na)
{
	if (na == 0 || m->audit_seq < ea[0].seq || m->audit_seq > ea[na - 1].seq)
		return -1;
	const tdv_audit_entry *e = &ea[m->audit_seq - ea[0].seq];
	char h[65];
	if (e->seq != m->audit_seq || strcmp(e->action, "movement.record") != 0 ||
	    strcmp(e->object, m->id) != 0 || strncmp(e->detail, "sha256:", 7) != 0 ||
	    tdv__movement_hash(m, h) != TDV_OK)
		return 0;
	return strcmp(e->detail + 7, h) == 0;
}

#define STREAM_CHUNK (64u << 10) /* rows sent to the server at a time */

/* Leave the streamed attempt: nothing of it stays (rolled back). */
static void
stream_abandon(struct ingest *in)
{
	if (in->streaming)
		tdv__stream_abandon(&in->st);
	in->streaming = false;
	in->copy = false;
}

/* The audit array is read: the streamed transaction starts (the run goes
 * in, the movement COPY opens). Any failure here only means the general
 * way, which names what is wrong. */
static void
stream_start(struct ingest *in)
{
	int rc = tdv__stream_open(&in->st, in->central, in->peer, in->ea, (int)in->na);
	in->streaming = rc == TDV_OK;
	if (rc != TDV_OK)
		in->copy = false;
}

static int
on_movement(void *ctx, size_t i, size_t off, tdv_movement *m)
{
	struct ingest *in = ctx;
	if (in->na + in->nm >= TDV_SYNC_MAX_RECORDS)
		return too_many(in);
	if (strcmp(m->checkpoint_id, in->peer) != 0)
		return refuse(in->res, TDV_EFORBIDDEN, (int)(in->na + i),
		    "movement of another checkpoint");
	if (grow((void **)&in->moff, &in->moff_cap, in->nm + 1, sizeof(*in->moff)) != TDV_OK)
		return refuse(in->res, TDV_ENOMEM, -1, "out of memory");
	in->moff[in->nm++] = off;
	in->lo = m->seq < in->lo ? m->seq : in->lo;
	in->hi = m->seq > in->hi ? m->seq : in->hi;
	/* the COPY row, while this is the normal case: any movement that is
	 * not (or does not validate) sends the batch the record-by-record
	 * way, which names the refusal exactly */
	if (in->copy && (!in->audit_done || linked_in_run(m, in->ea, in->na) != 1 ||
			    (in->streaming && m->seq <= in->st.max_stored) ||
			    tdv__movement_copy_row(&in->rows, m, true) != TDV_OK))
		in->copy = false;
	if (in->streaming && !in->copy) {
		stream_abandon(in);
	} else if (in->streaming && in->rows.len >= STREAM_CHUNK) {
		if (tdv__stream_put(&in->st, &in->rows) != TDV_OK)
			in->streaming = in->copy = false; /* abandoned */
		tdv_buf_reset(&in->rows);
	}
	return TDV_OK;
}

static int
on_referral(void *ctx, size_t i, const tdv_referral_outcome *r)
{
	struct ingest *in = ctx;
	if (in->nr >= TDV_SYNC_MAX_RECORDS)
		return too_many(in);
	if (strcmp(r->checkpoint_id, in->peer) != 0)
		return refuse(in->res, TDV_EFORBIDDEN, (int)(in->na + in->nm + i),
		    "referral outcome of another checkpoint");
	if (grow((void **)&in->rs, &in->rs_cap, in->nr + 1, sizeof(*in->rs)) != TDV_OK)
		return refuse(in->res, TDV_ENOMEM, -1, "out of memory");
	in->rs[in->nr++] = *r;
	return TDV_OK;
}

static int
on_section_end(void *ctx, int section, size_t n)
{
	struct ingest *in = ctx;
	(void)n;
	if (section == TDV__SEC_AUDIT) {
		in->audit_done = true;
		if (in->copy && in->na > 0 && in->nm == 0 &&
		    in->central->ops->script_send != NULL)
			stream_start(in);
	}
	return TDV_OK;
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

/* Movements record by record (or, on SQLite, in multi-row INSERTs where
 * they extend the run), read again from the body. */
static int
ingest_movements_each(struct ingest *in, const char *body, size_t len, bool run,
    int64_t *max_seq)
{
	tdv_store *central = in->central;
	tdv_sync_result *res = in->res;
	size_t na = in->na, nm = in->nm;
	int rc = TDV_OK;
	tdv_movement *ms = calloc(CHUNK, sizeof(*ms));
	const tdv_movement *pm[CHUNK];
	if (ms == NULL)
		return refuse(res, TDV_ENOMEM, -1, "out of memory");
	for (size_t at = 0; rc == TDV_OK && at < nm; at += CHUNK) {
		size_t rows = nm - at < CHUNK ? nm - at : CHUNK;
		int64_t lo = INT64_MAX, hi = 0;
		bool fast = run;
		for (size_t r = 0; rc == TDV_OK && r < rows; r++) {
			rc = tdv__batch_movement_at(&in->bp, body, len, in->moff[at + r], &ms[r]);
			if (rc != TDV_OK) {
				refuse(res, rc, (int)(na + at + r), "malformed movement");
				break;
			}
			pm[r] = &ms[r];
			lo = ms[r].seq < lo ? ms[r].seq : lo;
			hi = ms[r].seq > hi ? ms[r].seq : hi;
			if (fast && linked_in_run(&ms[r], in->ea, na) != 1)
				fast = false;
		}
		if (rc == TDV_OK && fast) {
			int64_t existing = 0;
			tdv__param p[] = {TDV__TEXT(in->peer), TDV__INT(lo), TDV__INT(hi)};
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
			*max_seq = hi > *max_seq ? hi : *max_seq;
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
	memset(ms, 0, CHUNK * sizeof(*ms));
	free(ms);
	return rc;
}

/* Write the records (read and checked) inside the open transaction;
 * streamed: the audit run and the movements are in already, and the
 * checkpoint's movement seq moves with the commit. */
static int
ingest_records(struct ingest *in, const char *body, size_t len, bool streamed)
{
	tdv_store *central = in->central;
	tdv_sync_result *res = in->res;
	size_t na = in->na, nm = in->nm;
	int rc = TDV_OK;
	int64_t max_seq = 0;
	if (streamed) {
		res->inserted += (int)(na + nm);
		max_seq = nm > 0 ? in->hi : 0;
		goto movements_done;
	}
	bool run = false;
	if (na > 0) {
		int r = tdv__audit_append_run(central, in->ea, (int)na);
		if (r == TDV_OK) {
			run = true;
			res->inserted += (int)na;
		} else if (r != TDV_EAUDIT_BROKEN && r != TDV_EINVAL) {
			rc = refuse(res, r, -1, "central store unavailable");
		}
	}
	for (size_t i = 0; rc == TDV_OK && !run && i < na; i++) {
		bool ins = false;
		rc = tdv_store_import_audit(central, &in->ea[i], &ins);
		if (rc != TDV_OK)
			refuse(res, rc, (int)i, import_error(rc, false));
		else if (ins)
			res->inserted++;
		else
			res->duplicates++;
	}
	bool done = false;
	if (rc == TDV_OK && run && in->copy && nm > 0) {
		/* PostgreSQL, the normal case: one COPY for all the movements,
		 * unless one of their seqs is stored already (a resend) */
		int64_t existing = 0;
		tdv__param p[] = {TDV__TEXT(in->peer), TDV__INT(in->lo), TDV__INT(in->hi)};
		rc = tdv__exec(central,
		    "SELECT COUNT(*) FROM movement WHERE checkpoint_id = $1"
		    " AND seq >= $2 AND seq <= $3",
		    p, 3, tdv__i64_row, &existing);
		if (rc != TDV_OK) {
			refuse(res, rc, -1, "central store unavailable");
		} else if (existing == 0) {
			rc = tdv__movements_copy(central, &in->rows);
			if (rc != TDV_OK) {
				refuse(res, rc, (int)na, import_error(rc, true));
			} else {
				res->inserted += (int)nm;
				max_seq = in->hi;
				done = true;
			}
		}
	}
	if (rc == TDV_OK && !done && nm > 0)
		rc = ingest_movements_each(in, body, len, run, &max_seq);
movements_done:
	if (rc == TDV_OK && max_seq > 0 && !streamed) {
		tdv__param p[] = {TDV__TEXT(in->peer), TDV__INT(max_seq)};
		rc = tdv__exec(central,
		    "UPDATE checkpoint SET movement_seq = $2 WHERE id = $1 AND movement_seq < $2",
		    p, 2, NULL, NULL);
	}
	for (size_t i = 0; rc == TDV_OK && i < in->nr; i++) {
		bool ins = false;
		rc = tdv_store_import_referral(central, &in->rs[i], &ins);
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
	return rc;
}

static void
ingest_free(struct ingest *in)
{
	if (in->ea != NULL)
		memset(in->ea, 0, in->na * sizeof(*in->ea));
	free(in->ea);
	free(in->moff);
	if (in->rs != NULL)
		memset(in->rs, 0, in->nr * sizeof(*in->rs));
	free(in->rs);
	tdv_buf_free(&in->rows);
	tdv__batch_parser_free(&in->bp);
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
	struct ingest in;
	memset(&in, 0, sizeof(in));
	in.central = central;
	in.peer = peer;
	in.res = res;
	in.copy = central->ops->copy_in != NULL;
	in.lo = INT64_MAX;
	tdv_buf_init(&in.rows, TDV_SYNC_MAX_BATCH_BYTES * 2u);
	if (tdv__batch_parser_init(&in.bp) != TDV_OK) {
		ingest_free(&in);
		return refuse(res, TDV_ENOMEM, -1, "out of memory");
	}
	/* everything is read and checked before anything is written */
	const tdv__batch_sink sink = {&in, on_checkpoint, on_audit, on_movement,
	    on_referral, on_section_end};
	tdv__batch_error perr;
	int rc = tdv__batch_parse(&in.bp, body, len, &sink, &perr);
	bool streamed = false;
	if (rc == TDV_OK && in.streaming) {
		/* the last rows, then the server's verdict on all of it (on
		 * failure abandoned: the general way names what is wrong) */
		in.streaming = false;
		streamed = tdv__stream_put(&in.st, &in.rows) == TDV_OK &&
		    tdv__stream_close(&in.st) == TDV_OK;
	} else if (in.streaming) {
		stream_abandon(&in);
	}
	if (rc != TDV_OK) {
		if (perr.what != NULL) { /* the parser's own refusal */
			int idx = -1;
			if (perr.section != 0 && strcmp(perr.what, "batch is not valid JSON") != 0)
				idx = (int)(perr.section == TDV__SEC_AUDIT ? perr.index
				    : perr.section == TDV__SEC_MOVEMENTS ? in.na + perr.index
									 : in.na + in.nm + perr.index);
			res->bad_index = idx;
			snprintf(res->message, sizeof(res->message), "%s (at byte %zu)", perr.what,
			    perr.offset);
		}
		res->inserted = res->duplicates = 0;
		ingest_free(&in);
		return rc;
	}
	res->naudit = (int)in.na;
	res->nmovements = (int)in.nm;
	if (!streamed) {
		tdv_checkpoint known;
		rc = tdv_store_checkpoint_get(central, peer, &known);
		if (rc != TDV_OK) {
			rc = refuse(res, rc, -1,
			    rc == TDV_ENOENT ? "checkpoint not registered centrally"
					     : "central store unavailable");
			goto out;
		}
		rc = tdv_store_begin(central);
		if (rc == TDV_OK && tdv_store_backend_of(central) == TDV_STORE_POSTGRES) {
			/* batches of one checkpoint take turns (as streamed) */
			tdv__param p[] = {TDV__TEXT(peer)};
			rc = tdv__exec(central, "SELECT 1 FROM checkpoint WHERE id = $1 FOR UPDATE",
			    p, 1, NULL, NULL);
			if (rc != TDV_OK)
				(void)tdv_store_rollback(central);
		}
		if (rc != TDV_OK) {
			rc = refuse(res, rc, -1, "central store unavailable");
			goto out;
		}
	}
	rc = ingest_records(&in, body, len, streamed);
	if (rc == TDV_OK) {
		rc = streamed ? tdv__stream_commit(&in.st, in.nm > 0 ? in.hi : 0)
			      : tdv_store_commit(central);
		if (rc != TDV_OK)
			refuse(res, rc, -1, "commit failed");
	} else {
		(void)tdv_store_rollback(central);
		res->inserted = res->duplicates = 0;
	}
out:
	ingest_free(&in);
	return rc;
}
