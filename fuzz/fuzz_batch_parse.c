/*
 * libFuzzer target for the strict sync batch parser (src/sync/batch_parse.c),
 * cross-checked against jansson on every input:
 *  - tdv__json_check(any top-level) accepts exactly what
 *    json_loadb(JSON_REJECT_DUPLICATES) accepts;
 *  - tdv__batch_parse accepts exactly the batches that jansson plus the
 *    shape checks of the former jansson-based ingest accepted (format 1
 *    and 2, exact keys, types, field sizes, direction/decision/sex, checks
 *    a JSON array), and hands over the same values, record by record;
 *  - each movement read again at its offset (the slow path) is the same.
 * Any disagreement aborts. One deliberate difference: input with a NUL
 * byte is always refused by the new parser (jansson accepts "[1<NUL>]").
 *
 * Run: build-fuzz/fuzz/fuzz_batch_parse -max_total_time=600 fuzz/corpus/batch_parse
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sync/batch_parse.h"
#include "tdv/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the reference: jansson, as ingest used it ---- */

static int
get_str(json_t *o, const char *key, char *dst, size_t dstsz)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		return -1;
	size_t n = json_string_length(v);
	if (n >= dstsz || memchr(json_string_value(v), '\0', n) != NULL)
		return -1;
	memcpy(dst, json_string_value(v), n);
	dst[n] = '\0';
	return 0;
}

static int
get_int(json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		return -1;
	*out = (int64_t)json_integer_value(v);
	return 0;
}

static int
ref_audit(json_t *o, tdv_audit_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (!json_is_object(o) || json_object_size(o) != 9)
		return -1;
	if (get_str(o, "chain", e->chain, sizeof(e->chain)) ||
	    get_int(o, "seq", &e->seq) || get_int(o, "time_ms", &e->time_ms) ||
	    get_str(o, "actor", e->actor, sizeof(e->actor)) ||
	    get_str(o, "action", e->action, sizeof(e->action)) ||
	    get_str(o, "object", e->object, sizeof(e->object)) ||
	    get_str(o, "detail", e->detail, sizeof(e->detail)) ||
	    get_str(o, "prev_hash", e->prev_hash, sizeof(e->prev_hash)) ||
	    get_str(o, "hash", e->hash, sizeof(e->hash)))
		return -1;
	return 0;
}

static int
ref_movement(json_t *o, tdv_movement *m)
{
	memset(m, 0, sizeof(*m));
	if (!json_is_object(o) || json_object_size(o) != 21)
		return -1;
	char dir[8], dec[12], sex[2];
	if (get_str(o, "id", m->id, sizeof(m->id)) ||
	    get_str(o, "checkpoint", m->checkpoint_id, sizeof(m->checkpoint_id)) ||
	    get_int(o, "seq", &m->seq) || get_int(o, "time_ms", &m->time_ms) ||
	    get_int(o, "audit_seq", &m->audit_seq) ||
	    get_str(o, "direction", dir, sizeof(dir)) ||
	    get_str(o, "officer", m->officer_id, sizeof(m->officer_id)) ||
	    get_str(o, "document_code", m->document_code, sizeof(m->document_code)) ||
	    get_str(o, "issuing_state", m->issuing_state, sizeof(m->issuing_state)) ||
	    get_str(o, "document_number", m->document_number, sizeof(m->document_number)) ||
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
		return -1;
	if (tdv_direction_parse(dir, &m->direction) != TDV_OK ||
	    tdv_decision_parse(dec, &m->decision) != TDV_OK || sex[0] == '\0')
		return -1;
	m->sex = sex[0];
	json_error_t err;
	json_t *c = json_loadb(m->checks_json, strlen(m->checks_json),
	    JSON_REJECT_DUPLICATES, &err);
	bool arr = c != NULL && json_is_array(c);
	json_decref(c);
	return arr ? 0 : -1;
}

static int
ref_referral(json_t *o, tdv_referral_outcome *r)
{
	memset(r, 0, sizeof(*r));
	if (!json_is_object(o) || json_object_size(o) != 7)
		return -1;
	char outcome[12];
	if (get_str(o, "movement", r->movement_id, sizeof(r->movement_id)) ||
	    get_str(o, "checkpoint", r->checkpoint_id, sizeof(r->checkpoint_id)) ||
	    get_str(o, "outcome", outcome, sizeof(outcome)) ||
	    get_str(o, "reason", r->reason, sizeof(r->reason)) ||
	    get_str(o, "officer", r->officer_id, sizeof(r->officer_id)) ||
	    get_int(o, "time_ms", &r->time_ms) || get_int(o, "audit_seq", &r->audit_seq))
		return -1;
	return tdv_decision_parse(outcome, &r->outcome) == TDV_OK ? 0 : -1;
}

/* The whole batch by the reference; root kept for the record compare. */
static json_t *
ref_batch(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL)
		return NULL;
	json_t *v = json_object_get(root, "v"), *refs = json_object_get(root, "referrals");
	json_t *audit = json_object_get(root, "audit"), *movs = json_object_get(root, "movements");
	if (!json_is_object(root) || !json_is_integer(v) ||
	    !(json_integer_value(v) == 1 ? json_object_size(root) == 4
	      : json_integer_value(v) == 2 ? json_object_size(root) == 5 && json_is_array(refs)
				       : false) ||
	    !json_is_string(json_object_get(root, "checkpoint")) || !json_is_array(audit) ||
	    !json_is_array(movs))
		goto bad;
	tdv_audit_entry e;
	static tdv_movement m;
	tdv_referral_outcome r;
	for (size_t i = 0; i < json_array_size(audit); i++)
		if (ref_audit(json_array_get(audit, i), &e) != 0)
			goto bad;
	for (size_t i = 0; i < json_array_size(movs); i++)
		if (ref_movement(json_array_get(movs, i), &m) != 0)
			goto bad;
	for (size_t i = 0; i < json_array_size(refs); i++)
		if (ref_referral(json_array_get(refs, i), &r) != 0)
			goto bad;
	return root;
bad:
	json_decref(root);
	return NULL;
}

/* ---- the new parser, compared record by record ---- */

struct cmp {
	json_t *root; /* NULL: the reference refused (then nothing may pass) */
	const uint8_t *data;
	size_t size;
	size_t na, nm, nr;
	tdv__batch_parser *bp;
};

static tdv_movement ref_m, again_m;

static void
same_movement(const tdv_movement *a, const tdv_movement *b)
{
	if (strcmp(a->id, b->id) || strcmp(a->checkpoint_id, b->checkpoint_id) ||
	    a->seq != b->seq || a->time_ms != b->time_ms || a->audit_seq != b->audit_seq ||
	    a->direction != b->direction || strcmp(a->officer_id, b->officer_id) ||
	    strcmp(a->document_code, b->document_code) ||
	    strcmp(a->issuing_state, b->issuing_state) ||
	    strcmp(a->document_number, b->document_number) ||
	    strcmp(a->nationality, b->nationality) || strcmp(a->surname, b->surname) ||
	    strcmp(a->given_names, b->given_names) || a->sex != b->sex ||
	    strcmp(a->birth_date, b->birth_date) || strcmp(a->expiry_date, b->expiry_date) ||
	    strcmp(a->verdict, b->verdict) || a->decision != b->decision ||
	    strcmp(a->reason, b->reason) || strcmp(a->fraud_type, b->fraud_type) ||
	    strcmp(a->checks_json, b->checks_json))
		abort();
}

static int
c_checkpoint(void *ctx, const char *id, size_t len)
{
	struct cmp *c = ctx;
	if (c->root == NULL)
		return TDV_OK; /* may still be refused later */
	json_t *cp = json_object_get(c->root, "checkpoint");
	if (id == NULL ? json_string_length(cp) <= TDV_ID_MAX
		       : len != json_string_length(cp) || strcmp(id, json_string_value(cp)) != 0)
		abort();
	return TDV_OK;
}

static int
c_audit(void *ctx, size_t i, const tdv_audit_entry *e)
{
	struct cmp *c = ctx;
	if (i != c->na++)
		abort();
	if (c->root == NULL)
		return TDV_OK;
	tdv_audit_entry r;
	if (ref_audit(json_array_get(json_object_get(c->root, "audit"), i), &r) != 0 ||
	    strcmp(r.chain, e->chain) || r.seq != e->seq || r.time_ms != e->time_ms ||
	    strcmp(r.actor, e->actor) || strcmp(r.action, e->action) ||
	    strcmp(r.object, e->object) || strcmp(r.detail, e->detail) ||
	    strcmp(r.prev_hash, e->prev_hash) || strcmp(r.hash, e->hash))
		abort();
	return TDV_OK;
}

static int
c_movement(void *ctx, size_t i, size_t off, tdv_movement *m)
{
	struct cmp *c = ctx;
	if (i != c->nm++ || off >= c->size || c->data[off] != '{')
		abort();
	/* read again at its offset: the same movement */
	if (tdv__batch_movement_at(c->bp, (const char *)c->data, c->size, off, &again_m) != TDV_OK)
		abort();
	same_movement(m, &again_m);
	if (c->root == NULL)
		return TDV_OK;
	if (ref_movement(json_array_get(json_object_get(c->root, "movements"), i), &ref_m) != 0)
		abort();
	same_movement(m, &ref_m);
	return TDV_OK;
}

static int
c_referral(void *ctx, size_t i, const tdv_referral_outcome *x)
{
	struct cmp *c = ctx;
	if (i != c->nr++)
		abort();
	if (c->root == NULL)
		return TDV_OK;
	tdv_referral_outcome r;
	if (ref_referral(json_array_get(json_object_get(c->root, "referrals"), i), &r) != 0 ||
	    strcmp(r.movement_id, x->movement_id) || strcmp(r.checkpoint_id, x->checkpoint_id) ||
	    r.outcome != x->outcome || strcmp(r.reason, x->reason) ||
	    strcmp(r.officer_id, x->officer_id) || r.time_ms != x->time_ms ||
	    r.audit_seq != x->audit_seq)
		abort();
	return TDV_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the nested-JSON checker against jansson, on the raw bytes */
	static tdv__jscratch js;
	if (memchr(data, '\0', size) != NULL) {
		/* A NUL byte is never valid JSON (RFC 8259), and the new parser
		 * refuses it everywhere. jansson drops a NUL that ends a number
		 * or a literal (it accepts "[1<NUL>]": its stream unget loses
		 * the byte), so here only the refusal is checked. */
		tdv__batch_parser bp0;
		tdv__batch_error e0;
		const tdv__batch_sink none = {NULL, NULL, NULL, NULL, NULL, NULL};
		if (tdv__json_check((const char *)data, size, false, &js) == TDV_OK ||
		    tdv__batch_parser_init(&bp0) != TDV_OK ||
		    tdv__batch_parse(&bp0, (const char *)data, size, &none, &e0) == TDV_OK)
			abort();
		tdv__batch_parser_free(&bp0);
		return 0;
	}
	json_error_t err;
	json_t *any = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	int ck = tdv__json_check((const char *)data, size, false, &js);
	if ((any != NULL) != (ck == TDV_OK))
		abort();
	int cka = tdv__json_check((const char *)data, size, true, &js);
	if ((any != NULL && json_is_array(any)) != (cka == TDV_OK))
		abort();
	json_decref(any);

	/* the batch parser against the reference */
	tdv__batch_parser bp;
	if (tdv__batch_parser_init(&bp) != TDV_OK)
		abort();
	struct cmp c = {ref_batch(data, size), data, size, 0, 0, 0, &bp};
	const tdv__batch_sink sink = {&c, c_checkpoint, c_audit, c_movement, c_referral, NULL};
	tdv__batch_error perr;
	int rc = tdv__batch_parse(&bp, (const char *)data, size, &sink, &perr);
	if ((rc == TDV_OK) != (c.root != NULL))
		abort();
	if (rc == TDV_OK) {
		json_t *v = json_object_get(c.root, "v");
		if (bp.version != (int)json_integer_value(v) ||
		    c.na != json_array_size(json_object_get(c.root, "audit")) ||
		    c.nm != json_array_size(json_object_get(c.root, "movements")) ||
		    c.nr != json_array_size(json_object_get(c.root, "referrals")))
			abort();
	} else if (perr.what == NULL || perr.offset > size) {
		abort(); /* every refusal says what and where */
	}
	json_decref(c.root);
	tdv__batch_parser_free(&bp);
	return 0;
}
