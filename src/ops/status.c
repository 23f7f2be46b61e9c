/*
 * Health of a checkpoint as a store shows it (`tdverify status`, the
 * central receiver's supervisor view and metrics): records held, the sync
 * backlog and the age of the oldest record not yet delivered.
 */
#include <string.h>

#include "ops/ops_int.h"
#include "tdv/error.h"
#include "tdv/ops.h"

struct first_ctx {
	int64_t time_ms;
	int rows;
};

static int
first_movement(void *ctx, const tdv_movement *m)
{
	struct first_ctx *c = ctx;
	c->time_ms = m->time_ms;
	c->rows++;
	return 1;
}

int
tdv_ops_checkpoint_status_get(tdv_store *s, const char *id,
    tdv_ops_checkpoint_status *st)
{
	if (s == NULL || id == NULL || st == NULL)
		return TDV_EINVAL;
	memset(st, 0, sizeof(*st));
	tdv_checkpoint cp;
	int rc = tdv_store_checkpoint_get(s, id, &cp);
	if (rc != TDV_OK)
		return rc;
	memcpy(st->id, cp.id, sizeof(st->id));
	rc = tdv_store_movement_count(s, id, &st->movements);
	if (rc == TDV_OK)
		rc = tdv__ops_last_seq(s, false, id, &st->last_seq,
		    &st->last_movement_ms);
	if (rc == TDV_OK)
		rc = tdv__ops_last_seq(s, true, id, &st->audit_seq, NULL);
	if (rc == TDV_OK)
		rc = tdv_store_sync_cursor_get(s, TDV_OPS_STREAM_MOVEMENTS, id,
		    &st->sent_seq);
	if (rc == TDV_OK)
		rc = tdv_store_sync_cursor_get(s, TDV_OPS_STREAM_AUDIT, id,
		    &st->audit_sent_seq);
	if (rc != TDV_OK)
		return rc;
	st->backlog = st->last_seq > st->sent_seq ? st->last_seq - st->sent_seq : 0;
	if (st->backlog > 0) {
		struct first_ctx c = {0, 0};
		rc = tdv_store_movements_since(s, id, st->sent_seq, 1,
		    first_movement, &c);
		if (rc != TDV_OK)
			return rc;
		st->oldest_unsent_ms = c.rows ? c.time_ms : 0;
	}
	return TDV_OK;
}

static int64_t
age_s(int64_t now_ms, int64_t t_ms)
{
	if (t_ms <= 0)
		return -1;
	return now_ms > t_ms ? (now_ms - t_ms) / 1000 : 0;
}

void
tdv_ops_checkpoint_status_to_json(const tdv_ops_checkpoint_status *st,
    int64_t now_ms, tdv_json *j)
{
	tdv_json_object_begin(j);
	tdv_json_key(j, "checkpoint");
	tdv_json_string(j, st->id);
	tdv_json_key(j, "movements");
	tdv_json_int(j, st->movements);
	tdv_json_key(j, "last_seq");
	tdv_json_int(j, st->last_seq);
	tdv_json_key(j, "sent_seq");
	tdv_json_int(j, st->sent_seq);
	tdv_json_key(j, "backlog");
	tdv_json_int(j, st->backlog);
	tdv_json_key(j, "oldest_unsent_age_s");
	tdv_json_int(j, age_s(now_ms, st->oldest_unsent_ms));
	tdv_json_key(j, "last_movement_age_s");
	tdv_json_int(j, age_s(now_ms, st->last_movement_ms));
	tdv_json_key(j, "audit_seq");
	tdv_json_int(j, st->audit_seq);
	tdv_json_key(j, "audit_sent_seq");
	tdv_json_int(j, st->audit_sent_seq);
	tdv_json_object_end(j);
}
