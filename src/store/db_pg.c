/*
 * PostgreSQL backend of tdv_store (libpq): headquarters' central store.
 *
 * Statements go through PQexecParams with text parameters and text
 * results. Notices are swallowed (the library never prints). A connection
 * found broken outside a transaction is reset once before the next
 * statement, so a central server survives a database restart.
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "tdv/error.h"

#define PG_MAX_PARAMS 2048 /* multi-row inserts of sync ingest */
#define PG_MAX_COLS 64

static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
pg_result_err(tdv_store *s, PGresult *res)
{
	PGconn *c = s->impl;
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c);
	tdv__store_set_err(s, msg && *msg ? msg : PQerrorMessage(c));
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (PQstatus(c) != CONNECTION_OK)
		return TDV_EIO;
	if (state == NULL)
		return TDV_ESTORE;
	if (strcmp(state, "23505") == 0)
		return TDV_EEXIST;
	if (strncmp(state, "23", 2) == 0)
		return TDV_ESTORE_CONFLICT;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		return TDV_EBUSY;
	if (strcmp(state, "54000") == 0 || strcmp(state, "22001") == 0)
		return TDV_ELIMIT;
	/* read_only_sql_transaction: a read-only open, or a hot standby */
	if (strcmp(state, "25006") == 0)
		return TDV_ESTORE_READONLY;
	return TDV_ESTORE;
}

/* Session settings, applied at connection and after every reset:
 * read-only opens have the server itself refuse every write of the
 * session (SQLSTATE 25006), on a hot standby as on a primary. */
static const char *
pg_session_sql(const tdv_store *s)
{
	return s->readonly ? "SET client_min_messages = warning;"
			     "SET standard_conforming_strings = on;"
			     "SET default_transaction_read_only = on;"
			   : "SET client_min_messages = warning;"
			     "SET standard_conforming_strings = on;"
			     "SET synchronous_commit = on;";
}

static void
pg_maybe_reset(tdv_store *s)
{
	PGconn *c = s->impl;
	if (PQstatus(c) != CONNECTION_OK && s->tx_depth == 0) {
		PQreset(c);
		if (PQstatus(c) == CONNECTION_OK) {
			PQsetNoticeProcessor(c, pg_notice, NULL);
			PQclear(PQexec(c, pg_session_sql(s)));
		}
	}
}

/* Hand the rows of a result to cb (a nonzero return stops: > 0 fine,
 * < 0 an error code). */
static int
pg_rows(PGresult *res, tdv__row_cb cb, void *ctx)
{
	int rows = PQntuples(res), n = PQnfields(res);
	if (n > PG_MAX_COLS)
		return TDV_ELIMIT;
	for (int r = 0; r < rows; r++) {
		const char *rv[PG_MAX_COLS];
		size_t lens[PG_MAX_COLS];
		for (int f = 0; f < n; f++) {
			rv[f] = PQgetisnull(res, r, f) ? NULL : PQgetvalue(res, r, f);
			lens[f] = (size_t)PQgetlength(res, r, f);
		}
		int x = cb(ctx, n, rv, lens);
		if (x != 0)
			return x < 0 ? x : TDV_OK;
	}
	return TDV_OK;
}

static int
pg_exec(tdv_store *s, const char *sql, const tdv__param *p, int np,
    tdv__row_cb cb, void *ctx, int64_t *changes)
{
	PGconn *c = s->impl;
	if (np > PG_MAX_PARAMS)
		return TDV_ELIMIT;
	pg_maybe_reset(s);
	char (*ints)[24] = np ? malloc((size_t)np * sizeof(*ints)) : NULL;
	const char **vals = np ? malloc((size_t)np * sizeof(*vals)) : NULL;
	if (np && (ints == NULL || vals == NULL)) {
		free(ints);
		free(vals);
		return TDV_ENOMEM;
	}
	for (int i = 0; i < np; i++) {
		switch (p[i].type) {
		case TDV__P_TEXT:
			vals[i] = p[i].s;
			break;
		case TDV__P_INT:
			snprintf(ints[i], sizeof(ints[i]), "%" PRId64, p[i].i);
			vals[i] = ints[i];
			break;
		default:
			vals[i] = NULL;
			break;
		}
	}
	PGresult *res = PQexecParams(c, sql, np, NULL, np ? vals : NULL, NULL,
	    NULL, 0);
	free(ints);
	free(vals);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		int rc = pg_result_err(s, res);
		PQclear(res);
		return rc;
	}
	int ret = cb != NULL && st == PGRES_TUPLES_OK ? pg_rows(res, cb, ctx) : TDV_OK;
	if (ret == TDV_OK && changes != NULL) {
		const char *t = PQcmdTuples(res);
		int64_t v = 0;
		if (t != NULL && *t != '\0' && tdv__parse_i64(t, &v) != TDV_OK)
			v = 0;
		*changes = v;
	}
	PQclear(res);
	return ret;
}

static int
pg_script(tdv_store *s, const char *sql)
{
	pg_maybe_reset(s);
	PGresult *res = PQexec(s->impl, sql);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	int rc = TDV_OK;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = pg_result_err(s, res);
	PQclear(res);
	return rc;
}

/* Statements sent together (the simple query protocol: the server runs
 * one after the other without waiting on the client), their results read
 * one at a time. A COPY FROM STDIN among them stops the server until its
 * rows have come (copy_put, copy_done). After a failed statement the
 * server skips the rest: what is left is read and dropped here, so the
 * connection is ready for the next statement (a ROLLBACK). */
static int
pg_script_send(tdv_store *s, const char *sql)
{
	pg_maybe_reset(s);
	if (PQsendQuery(s->impl, sql) != 1) {
		tdv__store_set_err(s, PQerrorMessage(s->impl));
		return TDV_EIO;
	}
	return TDV_OK;
}

static void
pg_drain(PGconn *c)
{
	PGresult *res;
	while ((res = PQgetResult(c)) != NULL) {
		ExecStatusType st = PQresultStatus(res);
		PQclear(res);
		if (st == PGRES_COPY_IN && PQputCopyEnd(c, "abandoned by the client") != 1)
			break;
		if (st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH)
			break; /* never sent by this library */
	}
}

static int
pg_script_next(tdv_store *s, tdv__row_cb cb, void *ctx, int *what)
{
	PGconn *c = s->impl;
	PGresult *res = PQgetResult(c);
	if (res == NULL) {
		*what = TDV__SCRIPT_END;
		if (PQstatus(c) != CONNECTION_OK) {
			tdv__store_set_err(s, PQerrorMessage(c));
			return TDV_EIO;
		}
		return TDV_OK;
	}
	ExecStatusType st = PQresultStatus(res);
	int rc = TDV_OK;
	if (st == PGRES_COPY_IN) {
		*what = TDV__SCRIPT_COPY;
	} else if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		*what = TDV__SCRIPT_STATEMENT;
		if (cb != NULL && st == PGRES_TUPLES_OK)
			rc = pg_rows(res, cb, ctx);
	} else {
		rc = pg_result_err(s, res);
	}
	PQclear(res);
	if (rc != TDV_OK)
		pg_drain(c);
	return rc;
}

static int
pg_copy_put(tdv_store *s, const char *rows, size_t len)
{
	PGconn *c = s->impl;
	for (size_t off = 0; off < len; off += 1u << 18) {
		size_t n = len - off < (1u << 18) ? len - off : (1u << 18);
		if (PQputCopyData(c, rows + off, (int)n) != 1) {
			tdv__store_set_err(s, PQerrorMessage(c));
			return TDV_EIO;
		}
	}
	return TDV_OK;
}

/* The end of a COPY's rows (abort: the server fails the COPY, and with it
 * the transaction); its verdict is the next result. */
static int
pg_copy_done(tdv_store *s, bool abort)
{
	if (PQputCopyEnd(s->impl, abort ? "refused by the client" : NULL) != 1) {
		tdv__store_set_err(s, PQerrorMessage(s->impl));
		return TDV_EIO;
	}
	return TDV_OK;
}

/* COPY ... FROM STDIN in one go. The server's verdict on the rows (a
 * unique violation, a bad row) comes after the end. */
static int
pg_copy_in(tdv_store *s, const char *target, const char *rows, size_t len)
{
	PGconn *c = s->impl;
	char sql[1024];
	int w = snprintf(sql, sizeof(sql), "COPY %s FROM STDIN", target);
	if (w < 0 || (size_t)w >= sizeof(sql))
		return TDV_ELIMIT;
	pg_maybe_reset(s);
	PGresult *res = PQexec(c, sql);
	if (res == NULL || PQresultStatus(res) != PGRES_COPY_IN) {
		int rc = pg_result_err(s, res);
		PQclear(res);
		return rc;
	}
	PQclear(res);
	int put = pg_copy_put(s, rows, len);
	int rc = pg_copy_done(s, put != TDV_OK);
	while ((res = PQgetResult(c)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == TDV_OK)
			rc = pg_result_err(s, res);
		PQclear(res);
	}
	return put != TDV_OK ? put : rc;
}

static void
pg_close(tdv_store *s)
{
	if (s->impl != NULL)
		PQfinish(s->impl);
	s->impl = NULL;
}

static const tdv__db_ops pg_ops = {
	.exec = pg_exec,
	.script = pg_script,
	.close = pg_close,
	.copy_in = pg_copy_in,
	.script_send = pg_script_send,
	.script_next = pg_script_next,
	.copy_put = pg_copy_put,
	.copy_done = pg_copy_done,
	.begin_sql = "BEGIN",
};

int
tdv__pg_open(tdv_store *s, const char *conninfo)
{
	s->ops = &pg_ops;
	PGconn *c = PQconnectdb(conninfo);
	s->impl = c;
	if (c == NULL)
		return TDV_ENOMEM;
	if (PQstatus(c) != CONNECTION_OK) {
		tdv__store_set_err(s, PQerrorMessage(c));
		return TDV_EIO;
	}
	PQsetNoticeProcessor(c, pg_notice, NULL);
	return pg_script(s, pg_session_sql(s));
}
