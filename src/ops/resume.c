/*
 * Catching a restored checkpoint up with headquarters, and the chain and
 * sequence heads both that and `tdverify status` need — all through the
 * public tdv_store interface.
 *
 * A checkpoint's movement and audit sequence numbers are contiguous from
 * 1 (tdv_store_record_movement, tdv_store_audit_append), on the
 * checkpoint and, once delivered, on the central store: the highest one
 * is found with O(log n) probes instead of a scan.
 */
#include <string.h>

#include "ops/ops_int.h"
#include "tdv/error.h"
#include "tdv/ops.h"

struct last_ctx {
	int64_t seq;
	int64_t time_ms;
	int rows;
};

static int
movement_seen(void *ctx, const tdv_movement *m)
{
	struct last_ctx *c = ctx;
	c->seq = m->seq;
	c->time_ms = m->time_ms;
	c->rows++;
	return 0;
}

static int
audit_seen(void *ctx, const tdv_audit_entry *e)
{
	struct last_ctx *c = ctx;
	c->seq = e->seq;
	c->time_ms = e->time_ms;
	c->rows++;
	return 0;
}

/* Is there a record with seq > after? (and which is the first) */
static int
probe(tdv_store *s, bool audit, const char *id, int64_t after,
    struct last_ctx *c)
{
	memset(c, 0, sizeof(*c));
	if (audit)
		return tdv_store_audit_since(s, id, after, 1, audit_seen, c);
	return tdv_store_movements_since(s, id, after, 1, movement_seen, c);
}

int
tdv__ops_last_seq(tdv_store *s, bool audit, const char *id, int64_t *seq,
    int64_t *time_ms)
{
	struct last_ctx c;
	/* gallop: the first power of two with nothing after it */
	int64_t lo = 0, hi = 1;
	int rc;
	for (;;) {
		rc = probe(s, audit, id, hi - 1, &c);
		if (rc != TDV_OK)
			return rc;
		if (c.rows == 0)
			break;
		lo = hi - 1;
		if (hi > INT64_MAX / 4)
			return TDV_ELIMIT;
		hi *= 2;
	}
	/* invariant: something after lo (or lo == 0), nothing after hi - 1 */
	int64_t a = lo, b = hi - 1;
	while (a < b) {
		int64_t mid = a + (b - a + 1) / 2;
		rc = probe(s, audit, id, mid - 1, &c);
		if (rc != TDV_OK)
			return rc;
		if (c.rows > 0)
			a = mid;
		else
			b = mid - 1;
	}
	/* a is the highest seq present when seqs are contiguous; page on
	 * from it so that a gap never hides later records */
	int64_t last = 0, last_ms = 0;
	int64_t after = a > 0 ? a - 1 : 0;
	for (;;) {
		rc = probe(s, audit, id, after, &c);
		if (rc != TDV_OK)
			return rc;
		if (c.rows == 0)
			break;
		last = c.seq;
		last_ms = c.time_ms;
		after = c.seq;
	}
	*seq = last;
	if (time_ms != NULL)
		*time_ms = last_ms;
	return TDV_OK;
}

struct import_ctx {
	tdv_store *local;
	int64_t count; /* inserted */
	int64_t last;  /* last seq seen */
	int rows;      /* rows seen in this page */
	int rc;
};

static int
import_audit(void *ctx, const tdv_audit_entry *e)
{
	struct import_ctx *c = ctx;
	bool inserted = false;
	c->last = e->seq;
	c->rows++;
	c->rc = tdv_store_import_audit(c->local, e, &inserted);
	if (c->rc != TDV_OK)
		return 1;
	if (inserted)
		c->count++;
	return 0;
}

static int
import_movement(void *ctx, const tdv_movement *m)
{
	struct import_ctx *c = ctx;
	bool inserted = false;
	c->last = m->seq;
	c->rows++;
	c->rc = tdv_store_import_movement(c->local, m, &inserted);
	if (c->rc != TDV_OK)
		return 1;
	if (inserted)
		c->count++;
	return 0;
}

#define RESUME_PAGE 500

int
tdv_ops_resume_from(tdv_store *local, tdv_store *central,
    const char *checkpoint_id, tdv_ops_resume_report *r)
{
	if (local == NULL || central == NULL || checkpoint_id == NULL || r == NULL)
		return TDV_EINVAL;
	memset(r, 0, sizeof(*r));
	tdv_checkpoint cp;
	int rc = tdv_store_checkpoint_get(local, checkpoint_id, &cp);
	if (rc != TDV_OK)
		return rc;
	rc = tdv__ops_last_seq(local, true, checkpoint_id, &r->local_audit_seq, NULL);
	if (rc == TDV_OK)
		rc = tdv__ops_last_seq(local, false, checkpoint_id,
		    &r->local_movement_seq, NULL);
	if (rc == TDV_OK)
		rc = tdv__ops_last_seq(central, true, checkpoint_id,
		    &r->central_audit_seq, NULL);
	if (rc == TDV_OK)
		rc = tdv__ops_last_seq(central, false, checkpoint_id,
		    &r->central_movement_seq, NULL);
	if (rc != TDV_OK)
		return rc;

	rc = tdv_store_begin(local);
	if (rc != TDV_OK)
		return rc;
	struct import_ctx ia = {local, 0, r->local_audit_seq, 0, TDV_OK};
	while (rc == TDV_OK && ia.last < r->central_audit_seq) {
		ia.rows = 0;
		rc = tdv_store_audit_since(central, checkpoint_id, ia.last,
		    RESUME_PAGE, import_audit, &ia);
		if (rc == TDV_OK)
			rc = ia.rc;
		if (ia.rows == 0)
			break;
	}
	struct import_ctx im = {local, 0, r->local_movement_seq, 0, TDV_OK};
	while (rc == TDV_OK && im.last < r->central_movement_seq) {
		im.rows = 0;
		rc = tdv_store_movements_since(central, checkpoint_id, im.last,
		    RESUME_PAGE, import_movement, &im);
		if (rc == TDV_OK)
			rc = im.rc;
		if (im.rows == 0)
			break;
	}
	if (rc != TDV_OK) {
		tdv_store_rollback(local);
		return rc;
	}
	rc = tdv_store_commit(local);
	if (rc == TDV_OK) {
		r->audit_imported = ia.count;
		r->movements_imported = im.count;
	}
	return rc;
}
