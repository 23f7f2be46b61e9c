/*
 * The streamed sync ingest of one batch on PostgreSQL (see store_int.h).
 *
 * Why a script: a batch of 500 records is a few milliseconds of server
 * work, and on a loaded host every round trip between client and server
 * costs a few hundred microseconds of scheduling. Sent one statement at a
 * time, BEGIN, the checks, two COPYs, two updates and COMMIT waited on
 * ten of them. Here the server gets them in two scripts (the simple query
 * protocol runs each script's statements one after the other without
 * waiting on the client) and the client reads the results as it needs
 * them: the only waits left are for the chain head (the run must extend
 * it before it is sent), for the server's verdict on the rows, and for
 * the commit.
 *
 * Identifiers in the scripts are checkpoint ids ([A-Za-z0-9_.-], checked)
 * and hex hashes, quoted all the same; numbers are formatted here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "tdv/error.h"

enum {
	ST_NONE,	  /* nothing under way */
	ST_SENT,	  /* the opening script sent, results unread */
	ST_AUDIT_COPY,	  /* the audit COPY takes rows */
	ST_AUDIT_SENT,	  /* the run sent; its verdict unread */
	ST_MOVEMENT_COPY, /* the movement COPY takes rows */
	ST_IDLE,	  /* all read; the transaction open */
};

/* 'text', quotes doubled (standard_conforming_strings is on for every
 * session: backslashes are plain characters). */
static int
quote(tdv_buf *b, const char *v)
{
	int rc = tdv_buf_putc(b, '\'');
	for (; rc == TDV_OK && *v; v++)
		rc = *v == '\'' ? tdv_buf_puts(b, "''") : tdv_buf_putc(b, *v);
	return rc == TDV_OK ? tdv_buf_putc(b, '\'') : rc;
}

/* The next result, which must be of kind want. */
static int
expect(tdv__stream *st, int want, tdv__row_cb cb, void *ctx)
{
	int what = 0;
	int rc = st->s->ops->script_next(st->s, cb, ctx, &what);
	if (rc != TDV_OK)
		return rc;
	if (what != want) {
		tdv__store_set_err(st->s, "unexpected result in the ingest script");
		return TDV_ESTORE;
	}
	return TDV_OK;
}

void
tdv__stream_abandon(tdv__stream *st)
{
	tdv_store *s = st->s;
	if (s == NULL || st->state == ST_NONE)
		return;
	/* read what is left of the script, failing any COPY that waits for
	 * rows (an error result makes script_next read the rest itself) */
	if (st->state == ST_AUDIT_COPY || st->state == ST_MOVEMENT_COPY)
		(void)s->ops->copy_done(s, true);
	if (st->state != ST_IDLE) {
		int what = 0;
		while (s->ops->script_next(s, NULL, NULL, &what) == TDV_OK &&
		    what != TDV__SCRIPT_END)
			if (what == TDV__SCRIPT_COPY && s->ops->copy_done(s, true) != TDV_OK)
				break;
	}
	st->state = ST_NONE;
	(void)tdv_store_rollback(s);
}

static int
fail(tdv__stream *st, int rc)
{
	tdv__stream_abandon(st);
	return rc;
}

int
tdv__stream_open(tdv__stream *st, tdv_store *s, const char *peer,
    const tdv_audit_entry *es, int n)
{
	memset(st, 0, sizeof(*st));
	if (s == NULL || s->ops->script_send == NULL || s->readonly || s->tx_depth != 0 ||
	    es == NULL || n <= 0 || !tdv__id_ok(peer) || strcmp(es[0].chain, peer) != 0)
		return TDV_EINVAL;
	int rc;
	memcpy(st->peer, peer, strlen(peer) + 1);
	st->last_seq = es[n - 1].seq;
	memcpy(st->last_hash, es[n - 1].hash, sizeof(st->last_hash));

	/* the checkpoint's row is locked first, so two batches of one
	 * checkpoint (a retry racing its first attempt) take turns; what is
	 * read after the lock is what the other one committed */
	tdv_buf sql;
	tdv_buf_init(&sql, 4096);
	if ((rc = tdv_buf_puts(&sql, s->ops->begin_sql)) == TDV_OK &&
	    (rc = tdv_buf_puts(&sql, "; SELECT 1 FROM checkpoint WHERE id = ")) == TDV_OK &&
	    (rc = quote(&sql, peer)) == TDV_OK &&
	    (rc = tdv_buf_puts(&sql, " FOR UPDATE; SELECT MAX(seq) FROM movement"
				     " WHERE checkpoint_id = ")) == TDV_OK &&
	    (rc = quote(&sql, peer)) == TDV_OK &&
	    (rc = tdv_buf_puts(&sql, "; SELECT seq, hash FROM audit_head WHERE chain = ")) ==
		TDV_OK &&
	    (rc = quote(&sql, peer)) == TDV_OK)
		rc = tdv_buf_puts(&sql, "; COPY audit_entry (" TDV__AUDIT_COLS ") FROM STDIN"
					"; COPY movement (" TDV__MOVEMENT_INSERT_COLS
					") FROM STDIN");
	if (rc == TDV_OK)
		rc = s->ops->script_send(s, tdv_buf_cstr(&sql));
	tdv_buf_free(&sql);
	if (rc != TDV_OK)
		return rc;
	st->s = s;
	st->state = ST_SENT;
	s->tx_depth = 1;
	s->tx_failed = false;
	s->tx_explicit = true;

	/* the entries checked while the server works */
	if ((rc = tdv__audit_run_valid(es, n)) != TDV_OK)
		return fail(st, rc);
	int64_t registered = 0; /* the locked row's 1, if there is one */
	if ((rc = expect(st, TDV__SCRIPT_STATEMENT, NULL, NULL)) != TDV_OK ||
	    (rc = expect(st, TDV__SCRIPT_STATEMENT, tdv__i64_row, &registered)) != TDV_OK ||
	    (rc = expect(st, TDV__SCRIPT_STATEMENT, tdv__i64_row, &st->max_stored)) !=
		TDV_OK ||
	    (rc = expect(st, TDV__SCRIPT_STATEMENT, tdv__audit_head_row, &st->head)) !=
		TDV_OK)
		return fail(st, rc);
	if (registered != 1)
		return fail(st, TDV_ENOENT);
	if ((rc = tdv__audit_run_extends(es, n, &st->head)) != TDV_OK)
		return fail(st, rc);
	if ((rc = expect(st, TDV__SCRIPT_COPY, NULL, NULL)) != TDV_OK)
		return fail(st, rc);
	st->state = ST_AUDIT_COPY;
	tdv_buf rows;
	tdv_buf_init(&rows, (size_t)n * 4096 + 4096);
	rc = tdv__audit_run_rows(&rows, es, n);
	if (rc == TDV_OK)
		rc = s->ops->copy_put(s, (const char *)rows.data, rows.len);
	tdv_buf_free(&rows);
	if (rc == TDV_OK)
		rc = s->ops->copy_done(s, false);
	if (rc != TDV_OK)
		return fail(st, rc);
	/* the server stores the run while the caller reads on */
	st->state = ST_AUDIT_SENT;
	return TDV_OK;
}

/* The run's verdict, and the movement COPY open. */
static int
movements_open(tdv__stream *st)
{
	int rc;
	if ((rc = expect(st, TDV__SCRIPT_STATEMENT, NULL, NULL)) != TDV_OK ||
	    (rc = expect(st, TDV__SCRIPT_COPY, NULL, NULL)) != TDV_OK)
		return fail(st, rc);
	st->state = ST_MOVEMENT_COPY;
	return TDV_OK;
}

int
tdv__stream_put(tdv__stream *st, const tdv_buf *rows)
{
	int rc;
	if (st->state == ST_AUDIT_SENT && (rc = movements_open(st)) != TDV_OK)
		return rc;
	if (st->state != ST_MOVEMENT_COPY)
		return TDV_EINVAL;
	if (rows->len == 0)
		return TDV_OK;
	rc = st->s->ops->copy_put(st->s, (const char *)rows->data, rows->len);
	return rc == TDV_OK ? TDV_OK : fail(st, rc);
}

int
tdv__stream_close(tdv__stream *st)
{
	int rc;
	if (st->state == ST_AUDIT_SENT && (rc = movements_open(st)) != TDV_OK)
		return rc;
	if (st->state != ST_MOVEMENT_COPY)
		return TDV_EINVAL;
	if ((rc = st->s->ops->copy_done(st->s, false)) != TDV_OK)
		return fail(st, rc);
	st->state = ST_AUDIT_SENT; /* results unread: failing means reading them */
	if ((rc = expect(st, TDV__SCRIPT_STATEMENT, NULL, NULL)) != TDV_OK ||
	    (rc = expect(st, TDV__SCRIPT_END, NULL, NULL)) != TDV_OK)
		return fail(st, rc);
	st->state = ST_IDLE;
	return TDV_OK;
}

int
tdv__stream_commit(tdv__stream *st, int64_t max_seq)
{
	tdv_store *s = st->s;
	if (s == NULL || st->state != ST_IDLE || !s->tx_explicit || s->tx_depth != 1)
		return TDV_EINVAL;
	tdv_buf sql;
	tdv_buf_init(&sql, 4096);
	int rc = TDV_OK;
	if (max_seq > 0 &&
	    (rc = tdv_buf_printf(&sql, "UPDATE checkpoint SET movement_seq = %" PRId64
				 " WHERE movement_seq < %" PRId64 " AND id = ",
		 max_seq, max_seq)) == TDV_OK &&
	    (rc = quote(&sql, st->peer)) == TDV_OK)
		rc = tdv_buf_puts(&sql, "; ");
	if (rc == TDV_OK && st->head.found) {
		if ((rc = tdv_buf_printf(&sql, "UPDATE audit_head SET seq = %" PRId64 ", hash = ",
			 st->last_seq)) == TDV_OK &&
		    (rc = quote(&sql, st->last_hash)) == TDV_OK &&
		    (rc = tdv_buf_puts(&sql, " WHERE chain = ")) == TDV_OK)
			rc = quote(&sql, st->peer);
	} else if (rc == TDV_OK) {
		if ((rc = tdv_buf_puts(&sql, "INSERT INTO audit_head (chain, seq, hash) VALUES (")) ==
			TDV_OK &&
		    (rc = quote(&sql, st->peer)) == TDV_OK &&
		    (rc = tdv_buf_printf(&sql, ", %" PRId64 ", ", st->last_seq)) == TDV_OK &&
		    (rc = quote(&sql, st->last_hash)) == TDV_OK)
			rc = tdv_buf_puts(&sql, ")");
	}
	if (rc == TDV_OK)
		rc = tdv_buf_puts(&sql, "; COMMIT");
	if (rc == TDV_OK)
		rc = s->ops->script_send(s, tdv_buf_cstr(&sql));
	tdv_buf_free(&sql);
	if (rc != TDV_OK)
		return fail(st, rc);
	/* every statement's result, then the end: an error anywhere means the
	 * server skipped the rest, COMMIT included */
	int what = 0;
	while ((rc = s->ops->script_next(s, NULL, NULL, &what)) == TDV_OK &&
	    what == TDV__SCRIPT_STATEMENT)
		;
	if (rc == TDV_OK && what != TDV__SCRIPT_END)
		rc = TDV_ESTORE;
	st->state = ST_IDLE;
	if (rc != TDV_OK)
		return fail(st, rc);
	st->state = ST_NONE;
	s->tx_depth = 0;
	s->tx_explicit = false;
	return TDV_OK;
}
