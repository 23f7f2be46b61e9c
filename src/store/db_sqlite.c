/*
 * SQLite backend of tdv_store: the embedded store of one checkpoint.
 *
 * Durability: journal_mode=WAL with synchronous=FULL, so a transaction
 * whose COMMIT returned is on disk (the WAL is fsync'd at every commit)
 * and survives a process kill or power loss. Writers take the lock at
 * BEGIN IMMEDIATE; a busy database is waited on for up to 10 s.
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"
#include "tdv/error.h"

#define SQLITE_MAX_COLS 64

static int
sqlite_err(tdv_store *s, int rc)
{
	sqlite3 *db = s->impl;
	tdv__store_set_err(s, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
			return TDV_EEXIST;
		return TDV_ESTORE_CONFLICT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return TDV_EBUSY;
	case SQLITE_NOMEM:
		return TDV_ENOMEM;
	case SQLITE_IOERR:
	case SQLITE_FULL:
		return TDV_EIO;
	case SQLITE_TOOBIG:
		return TDV_ELIMIT;
	case SQLITE_READONLY:
		return TDV_ESTORE_READONLY;
	default:
		return TDV_ESTORE;
	}
}

static int
sqlite_exec(tdv_store *s, const char *sql, const tdv__param *p, int np,
    tdv__row_cb cb, void *ctx, int64_t *changes)
{
	sqlite3 *db = s->impl;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sqlite_err(s, rc);
	for (int i = 0; i < np; i++) {
		char name[16];
		snprintf(name, sizeof(name), "$%d", i + 1);
		int idx = sqlite3_bind_parameter_index(st, name);
		if (idx == 0)
			continue; /* parameter not used by this statement */
		switch (p[i].type) {
		case TDV__P_TEXT:
			rc = p[i].s ? sqlite3_bind_text(st, idx, p[i].s, -1, SQLITE_STATIC)
				    : sqlite3_bind_null(st, idx);
			break;
		case TDV__P_INT:
			rc = sqlite3_bind_int64(st, idx, p[i].i);
			break;
		default:
			rc = sqlite3_bind_null(st, idx);
			break;
		}
		if (rc != SQLITE_OK) {
			rc = sqlite_err(s, rc);
			sqlite3_finalize(st);
			return rc;
		}
	}
	int ret = TDV_OK;
	for (;;) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			ret = sqlite_err(s, rc);
			break;
		}
		if (cb == NULL)
			continue;
		int n = sqlite3_column_count(st);
		if (n > SQLITE_MAX_COLS) {
			ret = TDV_ELIMIT;
			break;
		}
		const char *vals[SQLITE_MAX_COLS];
		size_t lens[SQLITE_MAX_COLS];
		for (int c = 0; c < n; c++) {
			/* text first, then bytes: the documented order that
			 * keeps the pointer valid */
			vals[c] = (const char *)sqlite3_column_text(st, c);
			lens[c] = (size_t)sqlite3_column_bytes(st, c);
			if (sqlite3_column_type(st, c) == SQLITE_NULL)
				vals[c] = NULL;
		}
		int r = cb(ctx, n, vals, lens);
		if (r != 0) {
			ret = r < 0 ? r : TDV_OK;
			break;
		}
	}
	if (ret == TDV_OK && changes != NULL)
		*changes = sqlite3_changes64(db);
	sqlite3_finalize(st);
	return ret;
}

static int
sqlite_script(tdv_store *s, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->impl, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		tdv__store_set_err(s, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return (rc & 0xff) == SQLITE_BUSY ? TDV_EBUSY : TDV_ESTORE;
	}
	return TDV_OK;
}

static void
sqlite_close(tdv_store *s)
{
	if (s->impl != NULL)
		sqlite3_close_v2(s->impl);
	s->impl = NULL;
}

static const tdv__db_ops sqlite_ops = {
	.exec = sqlite_exec,
	.script = sqlite_script,
	.close = sqlite_close,
	.begin_sql = "BEGIN IMMEDIATE",
};

int
tdv__sqlite_open(tdv_store *s, const char *path)
{
	sqlite3 *db = NULL;
	s->ops = &sqlite_ops;
	int rc = sqlite3_open_v2(path, &db,
	    (s->readonly ? SQLITE_OPEN_READONLY
			 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
		SQLITE_OPEN_NOMUTEX,
	    NULL);
	s->impl = db;
	if (rc != SQLITE_OK)
		return sqlite_err(s, rc);
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 10000);
	/* read-only: the file is opened read-only and query_only refuses
	 * writes (SQLITE_READONLY); the journal mode is the writer's */
	if (s->readonly)
		return sqlite_script(s, "PRAGMA query_only=1;"
					"PRAGMA trusted_schema=OFF;");
	/* WAL + FULL: every commit is fsync'd before COMMIT returns. */
	rc = sqlite_script(s, "PRAGMA journal_mode=WAL;"
			      "PRAGMA synchronous=FULL;"
			      "PRAGMA foreign_keys=ON;"
			      "PRAGMA trusted_schema=OFF;");
	if (rc != TDV_OK)
		return rc;
	/* journal_mode is answered, not just set: make sure WAL took. */
	char mode[16] = "";
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		if (t != NULL)
			snprintf(mode, sizeof(mode), "%s", (const char *)t);
	}
	sqlite3_finalize(st);
	/* an in-memory database (tests, fuzzing) has no journal file */
	if (strcmp(mode, "wal") != 0 && strcmp(path, ":memory:") != 0) {
		tdv__store_set_err(s, "could not switch the journal to WAL");
		return TDV_ESTORE;
	}
	return TDV_OK;
}
