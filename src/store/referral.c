/*
 * Referral outcomes (schema 3): the decision taken after secondary
 * inspection of a referred traveller, kept on the movement row (the
 * movement's own content and hash are unchanged) with an audit entry of
 * its own naming the hash of the outcome; and the lookup of movements by
 * document.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "tdv/error.h"

#define REFERRAL_COLS                                                          \
	"id, checkpoint_id, seq, referral_outcome, referral_reason,"           \
	" referral_officer, referral_time_ms, referral_audit_seq"

static int
referral_hash(const tdv_referral_outcome *r, char hex[65])
{
	tdv__hasher *h = tdv__hasher_new();
	if (h == NULL)
		return TDV_ENOMEM;
	tdv__hasher_str(h, "tdv-referral-1");
	tdv__hasher_str(h, r->movement_id);
	tdv__hasher_str(h, r->checkpoint_id);
	tdv__hasher_str(h, tdv_decision_name(r->outcome));
	tdv__hasher_str(h, r->reason);
	tdv__hasher_str(h, r->officer_id);
	tdv__hasher_i64(h, r->time_ms);
	return tdv__hasher_final(&h, hex);
}

static bool
ulid_ok(const char *id)
{
	if (strnlen(id, TDV_ULID_LEN + 1) != TDV_ULID_LEN)
		return false;
	for (int i = 0; i < TDV_ULID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'A' && id[i] <= 'Z')))
			return false;
	return true;
}

static bool
outcome_fields_ok(const tdv_referral_outcome *r)
{
	return ulid_ok(r->movement_id) &&
	    (r->outcome == TDV_DECISION_ADMITTED || r->outcome == TDV_DECISION_REFUSED) &&
	    tdv__text_ok(r->reason, sizeof(r->reason)) && tdv__id_ok(r->officer_id) &&
	    r->time_ms > 0;
}

/* Row of REFERRAL_COLS (+ decision as column 8 when asked). */
struct ref_row {
	tdv_referral_outcome *r;
	char decision[16];
	int found;
};

static int
ref_from_row(tdv_referral_outcome *r, int n, const char *const *v, const size_t *l)
{
	if (n < 8)
		return TDV_ESTORE_SCHEMA;
	memset(r, 0, sizeof(*r));
	int rc = tdv__copy(r->movement_id, sizeof(r->movement_id), v[0], l[0]);
	if (rc == TDV_OK)
		rc = tdv__copy(r->checkpoint_id, sizeof(r->checkpoint_id), v[1], l[1]);
	if (rc == TDV_OK)
		rc = tdv__copy(r->reason, sizeof(r->reason), v[4], l[4]);
	if (rc == TDV_OK)
		rc = tdv__copy(r->officer_id, sizeof(r->officer_id), v[5], l[5]);
	if (rc != TDV_OK)
		return rc;
	if (tdv__parse_i64(v[2], &r->movement_seq) != TDV_OK ||
	    tdv__parse_i64(v[6], &r->time_ms) != TDV_OK ||
	    tdv__parse_i64(v[7], &r->audit_seq) != TDV_OK || v[3] == NULL)
		return TDV_ESTORE_SCHEMA;
	r->outcome = 0;
	if (v[3][0] != '\0' && tdv_decision_parse(v[3], &r->outcome) != TDV_OK)
		return TDV_ESTORE_SCHEMA;
	return TDV_OK;
}

static int
ref_row_cb(void *ctx, int n, const char *const *v, const size_t *l)
{
	struct ref_row *rr = ctx;
	int rc = ref_from_row(rr->r, n, v, l);
	if (rc != TDV_OK)
		return rc;
	if (n > 8 && tdv__copy(rr->decision, sizeof(rr->decision), v[8], l[8]) != TDV_OK)
		return TDV_ESTORE_SCHEMA;
	rr->found = 1;
	return 1;
}

static int
load(tdv_store *s, const char *movement_id, struct ref_row *rr)
{
	tdv__param p[] = {TDV__TEXT(movement_id)};
	return tdv__exec(s, "SELECT " REFERRAL_COLS ", decision FROM movement WHERE id = $1",
	    p, 1, ref_row_cb, rr);
}

static int
write_outcome(tdv_store *s, const tdv_referral_outcome *r)
{
	tdv__param p[] = {TDV__TEXT(r->movement_id), TDV__TEXT(tdv_decision_name(r->outcome)),
	    TDV__TEXT(r->reason), TDV__TEXT(r->officer_id), TDV__INT(r->time_ms),
	    TDV__INT(r->audit_seq)};
	int64_t changed = 0;
	int rc = tdv__exec_changes(s,
	    "UPDATE movement SET referral_outcome = $2, referral_reason = $3,"
	    " referral_officer = $4, referral_time_ms = $5, referral_audit_seq = $6"
	    " WHERE id = $1 AND referral_outcome = ''",
	    p, 6, &changed);
	return rc == TDV_OK && changed != 1 ? TDV_ESTORE_CONFLICT : rc;
}

int
tdv_store_referral_record(tdv_store *s, tdv_referral_outcome *r)
{
	if (s == NULL || r == NULL)
		return TDV_EINVAL;
	if (r->time_ms == 0)
		r->time_ms = tdv_store_now_ms();
	if (!outcome_fields_ok(r))
		return TDV_EINVAL;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	tdv_referral_outcome cur;
	struct ref_row rr = {&cur, "", 0};
	rc = load(s, r->movement_id, &rr);
	if (rc == TDV_OK && !rr.found)
		rc = TDV_ENOENT;
	if (rc == TDV_OK && strcmp(rr.decision, "referred") != 0)
		rc = TDV_EINVAL;
	if (rc == TDV_OK && cur.outcome != 0)
		rc = TDV_EEXIST;
	if (rc == TDV_OK) {
		int64_t active = -1;
		tdv__param po[] = {TDV__TEXT(r->officer_id)};
		rc = tdv__exec(s, "SELECT active FROM officer WHERE id = $1", po, 1,
		    tdv__i64_row, &active);
		if (rc == TDV_OK && active != 1)
			rc = TDV_EAUTH;
	}
	char hash[65], detail[96];
	if (rc == TDV_OK) {
		memcpy(r->checkpoint_id, cur.checkpoint_id, sizeof(r->checkpoint_id));
		r->movement_seq = cur.movement_seq;
		rc = referral_hash(r, hash);
	}
	if (rc == TDV_OK) {
		snprintf(detail, sizeof(detail), "sha256:%s", hash);
		rc = tdv__audit_append(s, r->checkpoint_id, r->officer_id, "movement.referral",
		    r->movement_id, detail, r->time_ms, &r->audit_seq);
	}
	if (rc == TDV_OK)
		rc = write_outcome(s, r);
	return tdv__tx_end(s, rc);
}

int
tdv_store_referral_get(tdv_store *s, const char *movement_id, tdv_referral_outcome *out)
{
	if (s == NULL || out == NULL || movement_id == NULL || !ulid_ok(movement_id))
		return TDV_EINVAL;
	struct ref_row rr = {out, "", 0};
	int rc = load(s, movement_id, &rr);
	if (rc == TDV_OK && (!rr.found || out->outcome == 0))
		rc = TDV_ENOENT;
	return rc;
}

struct since_ctx {
	tdv_referral_cb cb;
	void *ctx;
};

static int
since_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	struct since_ctx *c = ctx;
	tdv_referral_outcome r;
	int rc = ref_from_row(&r, n, v, l);
	if (rc != TDV_OK)
		return rc;
	return c->cb(c->ctx, &r) != 0 ? 1 : 0;
}

int
tdv_store_referrals_since(tdv_store *s, const char *checkpoint_id, int64_t after,
    int64_t upto, int limit, tdv_referral_cb cb, void *ctx)
{
	if (s == NULL || cb == NULL || !tdv__id_ok(checkpoint_id) || limit <= 0)
		return TDV_EINVAL;
	struct since_ctx c = {cb, ctx};
	tdv__param p[] = {TDV__TEXT(checkpoint_id), TDV__INT(after), TDV__INT(upto),
	    TDV__INT(limit)};
	return tdv__exec(s,
	    "SELECT " REFERRAL_COLS " FROM movement WHERE checkpoint_id = $1"
	    " AND referral_audit_seq > $2 AND referral_audit_seq <= $3"
	    " ORDER BY referral_audit_seq LIMIT $4",
	    p, 4, since_row, &c);
}

struct audit_link {
	char action[TDV_AUDIT_ACTION_MAX + 1];
	char object[TDV_AUDIT_OBJECT_MAX + 1];
	char detail[TDV_AUDIT_DETAIL_MAX + 1];
	int found;
};

static int
audit_link_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	struct audit_link *a = ctx;
	if (n != 3 || tdv__copy(a->action, sizeof(a->action), v[0], l[0]) != TDV_OK ||
	    tdv__copy(a->object, sizeof(a->object), v[1], l[1]) != TDV_OK ||
	    tdv__copy(a->detail, sizeof(a->detail), v[2], l[2]) != TDV_OK)
		return TDV_ESTORE_SCHEMA;
	a->found = 1;
	return 1;
}

int
tdv_store_import_referral(tdv_store *s, const tdv_referral_outcome *r, bool *inserted)
{
	if (s == NULL || r == NULL || inserted == NULL || !outcome_fields_ok(r) ||
	    !tdv__id_ok(r->checkpoint_id) || r->audit_seq <= 0)
		return TDV_EINVAL;
	*inserted = false;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	tdv_referral_outcome cur;
	struct ref_row rr = {&cur, "", 0};
	rc = load(s, r->movement_id, &rr);
	if (rc == TDV_OK && !rr.found)
		rc = TDV_ENOENT;
	if (rc == TDV_OK && (strcmp(cur.checkpoint_id, r->checkpoint_id) != 0 ||
				strcmp(rr.decision, "referred") != 0))
		rc = TDV_ESTORE_CONFLICT;
	bool same = false;
	if (rc == TDV_OK && cur.outcome != 0) {
		same = cur.outcome == r->outcome && strcmp(cur.reason, r->reason) == 0 &&
		    strcmp(cur.officer_id, r->officer_id) == 0 && cur.time_ms == r->time_ms &&
		    cur.audit_seq == r->audit_seq;
		if (!same)
			rc = TDV_ESTORE_CONFLICT;
	}
	if (rc == TDV_OK && !same) {
		/* its audit entry must be here already and name this outcome */
		struct audit_link a = {"", "", "", 0};
		tdv__param p[] = {TDV__TEXT(r->checkpoint_id), TDV__INT(r->audit_seq)};
		rc = tdv__exec(s,
		    "SELECT action, object, detail FROM audit_entry WHERE chain = $1 AND seq = $2",
		    p, 2, audit_link_row, &a);
		char hash[65], want[96];
		if (rc == TDV_OK)
			rc = referral_hash(r, hash);
		if (rc == TDV_OK) {
			snprintf(want, sizeof(want), "sha256:%s", hash);
			if (!a.found || strcmp(a.action, "movement.referral") != 0 ||
			    strcmp(a.object, r->movement_id) != 0 || strcmp(a.detail, want) != 0)
				rc = TDV_EAUDIT_BROKEN;
		}
		if (rc == TDV_OK)
			rc = write_outcome(s, r);
		if (rc == TDV_OK)
			*inserted = true;
	}
	return tdv__tx_end(s, rc);
}

/* ---- movements by document ---- */

struct doc_ctx {
	tdv_movement_ref_cb cb;
	void *ctx;
	tdv_movement *m;
	int ncols;
};

static int
doc_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	struct doc_ctx *c = ctx;
	if (n != c->ncols + 8)
		return TDV_ESTORE_SCHEMA;
	int rc = tdv__movement_from_row(c->m, c->ncols, v, l);
	tdv_referral_outcome r;
	if (rc == TDV_OK)
		rc = ref_from_row(&r, 8, v + c->ncols, l + c->ncols);
	if (rc != TDV_OK)
		return rc;
	return c->cb(c->ctx, c->m, r.outcome != 0 ? &r : NULL) != 0 ? 1 : 0;
}

int
tdv_store_movements_by_document(tdv_store *s, const char *issuing_state,
    const char *document_number, int limit, const char *reader,
    const char *audit_checkpoint, tdv_movement_ref_cb cb, void *ctx)
{
	if (s == NULL || cb == NULL || issuing_state == NULL || document_number == NULL ||
	    limit <= 0 || limit > 1000 || !tdv__id_ok(reader) ||
	    strnlen(issuing_state, 4) > 3 || strnlen(document_number, 32) >= 32 ||
	    document_number[0] == '\0' || !tdv__text_ok(document_number, 32) ||
	    !tdv__text_ok(issuing_state, 4))
		return TDV_EINVAL;
	char sql[1024];
	snprintf(sql, sizeof(sql),
	    "SELECT %s, " REFERRAL_COLS " FROM movement WHERE issuing_state = $1"
	    " AND document_number = $2 ORDER BY time_ms DESC, id DESC LIMIT $3",
	    tdv__movement_cols());
	tdv_movement *m = malloc(sizeof(*m));
	if (m == NULL)
		return TDV_ENOMEM;
	int rc = tdv__tx_begin(s);
	if (rc == TDV_OK) {
		/* looking a traveller up is a read of personal data: audited */
		char detail[64];
		snprintf(detail, sizeof(detail), "%s %s", issuing_state, document_number);
		rc = tdv__audit_append(s, audit_checkpoint, reader, "movement.by_document", "",
		    detail, 0, NULL);
		struct doc_ctx c = {cb, ctx, m, tdv__movement_ncols()};
		tdv__param p[] = {TDV__TEXT(issuing_state), TDV__TEXT(document_number),
		    TDV__INT(limit)};
		if (rc == TDV_OK)
			rc = tdv__exec(s, sql, p, 3, doc_row, &c);
		rc = tdv__tx_end(s, rc);
	}
	memset(m, 0, sizeof(*m));
	free(m);
	return rc;
}

void
tdv_referral_outcome_json(tdv_json *j, const tdv_referral_outcome *r)
{
	tdv_json_object_begin(j);
	tdv_json_key(j, "movement");
	tdv_json_string(j, r->movement_id);
	tdv_json_key(j, "checkpoint");
	tdv_json_string(j, r->checkpoint_id);
	tdv_json_key(j, "outcome");
	tdv_json_string(j, tdv_decision_name(r->outcome));
	tdv_json_key(j, "reason");
	tdv_json_string(j, r->reason);
	tdv_json_key(j, "officer");
	tdv_json_string(j, r->officer_id);
	tdv_json_key(j, "time_ms");
	tdv_json_int(j, r->time_ms);
	tdv_json_key(j, "audit_seq");
	tdv_json_int(j, r->audit_seq);
	tdv_json_object_end(j);
}
