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
			     "SET default_transaction_read_only = on;"
			   : "SET client_min_messages = warning;"
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
	int ret = TDV_OK;
	if (cb != NULL && st == PGRES_TUPLES_OK) {
		int rows = PQntuples(res), n = PQnfields(res);
		if (n > PG_MAX_COLS) {
			PQclear(res);
			return TDV_ELIMIT;
		}
		for (int r = 0; r < rows && ret == TDV_OK; r++) {
			const char *rv[PG_MAX_COLS];
			size_t lens[PG_MAX_COLS];
			for (int f = 0; f < n; f++) {
				rv[f] = PQgetisnull(res, r, f) ? NULL : PQgetvalue(res, r, f);
				lens[f] = (size_t)PQgetlength(res, r, f);
			}
			int x = cb(ctx, n, rv, lens);
			if (x != 0) {
				ret = x < 0 ? x : TDV_OK;
				break;
			}
		}
	}
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

/* COPY ... FROM STDIN in steps: begin, rows as they come (sent at once,
 * so the server works on them while the caller prepares the next), end
 * (or abort: the server then fails the COPY, and the transaction). The
 * server's verdict (a unique violation, a bad row) comes with the end. */
static int
pg_copy_begin(tdv_store *s, const char *target)
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
	return TDV_OK;
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

static int
pg_copy_end(tdv_store *s, bool abort)
{
	PGconn *c = s->impl;
	PGresult *res;
	bool sent = PQputCopyEnd(c, abort ? "refused by the client" : NULL) == 1;
	int rc = TDV_OK;
	while ((res = PQgetResult(c)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == TDV_OK)
			rc = pg_result_err(s, res);
		PQclear(res);
	}
	if (rc == TDV_OK && !sent) {
		tdv__store_set_err(s, PQerrorMessage(c));
		rc = TDV_EIO;
	}
	return abort && rc == TDV_OK ? TDV_ESTORE : rc;
}

/* COPY ... FROM STDIN in one go. */
static int
pg_copy_in(tdv_store *s, const char *target, const char *rows, size_t len)
{
	int rc = pg_copy_begin(s, target);
	if (rc != TDV_OK)
		return rc;
	int put = pg_copy_put(s, rows, len);
	rc = pg_copy_end(s, put != TDV_OK);
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
	.copy_begin = pg_copy_begin,
	.copy_put = pg_copy_put,
	.copy_end = pg_copy_end,
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
