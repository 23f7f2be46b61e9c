/*
 * Internal to src/store/: the backend interface that SQLite and PostgreSQL
 * implement, and helpers shared by the record files.
 *
 * SQL is written once, with PostgreSQL-style numbered parameters ($1, $2);
 * the SQLite backend binds them by name (SQLite accepts "$1" as a named
 * parameter). Parameters and results travel as text (integers formatted
 * and parsed with range checks), which both backends accept for every
 * column type used in the schema.
 */
#ifndef TDV_STORE_INT_H
#define TDV_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdv/store.h"

enum { TDV__P_TEXT = 1, TDV__P_INT, TDV__P_NULL };

typedef struct tdv__param {
	int type;
	const char *s; /* TDV__P_TEXT: NUL-terminated */
	int64_t i;     /* TDV__P_INT */
} tdv__param;

#define TDV__TEXT(x) ((tdv__param){TDV__P_TEXT, (x), 0})
#define TDV__INT(x) ((tdv__param){TDV__P_INT, NULL, (int64_t)(x)})

/* One result row: vals[i] is NULL for SQL NULL, else NUL-terminated text
 * of lens[i] bytes. Return nonzero to stop (that value is returned by
 * exec when negative; a positive value stops quietly). */
typedef int (*tdv__row_cb)(void *ctx, int ncols, const char *const *vals,
    const size_t *lens);

typedef struct tdv__db_ops {
	/* One statement with parameters; rows go to cb (may be NULL).
	 * *changes gets the number of rows changed (may be NULL). */
	int (*exec)(tdv_store *s, const char *sql, const tdv__param *p, int np,
	    tdv__row_cb cb, void *ctx, int64_t *changes);
	/* Several statements, no parameters (DDL). */
	int (*script)(tdv_store *s, const char *sql);
	void (*close)(tdv_store *s);
	/* Bulk load: COPY target FROM STDIN, rows in PostgreSQL's text
	 * format (tdv__copy_text/_int). NULL when the backend has none
	 * (SQLite: multi-row INSERTs instead). */
	int (*copy_in)(tdv_store *s, const char *target, const char *rows,
	    size_t len);
	/* The same in steps (NULL with copy_in): rows sent as they are
	 * ready; copy_end(abort) makes the server fail the COPY. */
	int (*copy_begin)(tdv_store *s, const char *target);
	int (*copy_put)(tdv_store *s, const char *rows, size_t len);
	int (*copy_end)(tdv_store *s, bool abort);
	const char *begin_sql; /* "BEGIN IMMEDIATE" / "BEGIN" */
} tdv__db_ops;

struct tdv_store {
	tdv_store_backend backend;
	const tdv__db_ops *ops;
	void *impl;       /* sqlite3 * or PGconn * */
	int tx_depth;     /* nesting of tdv__tx_begin */
	bool tx_failed;   /* a nested part failed: roll back at the top */
	bool tx_explicit; /* opened by tdv_store_begin */
	bool readonly;    /* opened with TDV_STORE_READONLY: writes refused */
	char errmsg[512];
};

/* Backend constructors: fill s->impl and s->ops. */
int tdv__sqlite_open(tdv_store *s, const char *path);
int tdv__pg_open(tdv_store *s, const char *conninfo);

/* Record the backend's message in s->errmsg. */
void tdv__store_set_err(tdv_store *s, const char *msg);

/* Shorthands over s->ops. */
int tdv__exec(tdv_store *s, const char *sql, const tdv__param *p, int np,
    tdv__row_cb cb, void *ctx);
int tdv__exec_changes(tdv_store *s, const char *sql, const tdv__param *p,
    int np, int64_t *changes);

/* Transactions that nest: the outermost begin/end pair really begins and
 * commits; any end with rc != TDV_OK makes the whole thing roll back.
 * tdv__tx_end returns rc, or the commit error. */
int tdv__tx_begin(tdv_store *s);
int tdv__tx_end(tdv_store *s, int rc);

/* Copy a database or caller value into a fixed field: TDV_ELIMIT when it
 * does not fit (never truncates). val NULL copies "". */
int tdv__copy(char *dst, size_t dstsz, const char *val, size_t len);
/* Copy a NUL-terminated caller string (checked against dstsz). */
int tdv__copy_str(char *dst, size_t dstsz, const char *val);
/* Parse a decimal int64 from a row value: TDV_EPARSE when not one. */
int tdv__parse_i64(const char *val, int64_t *out);

/* Row callback storing the first column (an integer) into *(int64_t *)ctx;
 * leaves it unchanged for NULL. Stops after one row. */
int tdv__i64_row(void *ctx, int n, const char *const *v, const size_t *l);

/* Ids of checkpoints and officers: 1..TDV_ID_MAX of [A-Za-z0-9_.-]. */
bool tdv__id_ok(const char *id);

/* SHA-256 of length-prefixed fields, as 64 lowercase hex digits. */
typedef struct tdv__hasher tdv__hasher;
tdv__hasher *tdv__hasher_new(void);
void tdv__hasher_str(tdv__hasher *h, const char *s);
void tdv__hasher_i64(tdv__hasher *h, int64_t v);
int tdv__hasher_final(tdv__hasher **h, char hex[65]);

/* Content hash of a movement (everything but audit_seq). */
int tdv__movement_hash(const tdv_movement *m, char hex[65]);

/* Append an audit entry within the current transaction (s must be in one).
 * Checks the chain/actor/action/object/detail limits. */
int tdv__audit_append(tdv_store *s, const char *chain, const char *actor,
    const char *action, const char *object, const char *detail,
    int64_t time_ms, int64_t *seq_out);

/* Walk every movement (for audit verify) in (checkpoint, seq) order,
 * paging so that memory stays bounded. */
typedef int (*tdv__movement_audit_cb)(void *ctx, const tdv_movement *m,
    const char *audit_action, const char *audit_object,
    const char *audit_detail); /* NULL when the audit entry is missing */
int tdv__movements_all(tdv_store *s, tdv__movement_audit_cb cb, void *ctx);

/* "($1, ..., $cols), ($cols+1, ...)" for a multi-row VALUES list. */
int tdv__values_list(char *out, size_t outsz, int rows, int cols);

/* Bulk paths of sync ingest (inside the caller's transaction): insert
 * movements already checked to be new, each validated; insert a run of
 * audit entries that extends the chain held here (checked: hashes, links,
 * the head) and move the head once. */
int tdv__movements_insert_many(tdv_store *s, const tdv_movement *const *ms, int n);
int tdv__audit_append_run(tdv_store *s, const tdv_audit_entry *const *es, int n);

/* Rows for ops->copy_in: one field in COPY text format (backslash, tab,
 * newline and carriage return escaped), followed by a tab, or by a
 * newline when last. */
int tdv__copy_text(tdv_buf *b, const char *val, bool last);
int tdv__copy_int(tdv_buf *b, int64_t v, bool last);

/* Sync ingest on a backend with copy_in: append the COPY row of a
 * movement already checked to be new (validated here; checks_checked:
 * the caller has already checked checks_json to be a JSON array as
 * strictly as jansson does, so it is not parsed again), then load all
 * appended rows at once. */
int tdv__movement_copy_row(tdv_buf *b, const tdv_movement *m, bool checks_checked);
int tdv__movements_copy(tdv_store *s, const tdv_buf *rows);
/* The same streamed: begin, send rows (any number of times), end; end
 * with abort true fails the COPY and with it the transaction. */
int tdv__movements_copy_begin(tdv_store *s);
int tdv__movements_copy_put(tdv_store *s, const tdv_buf *rows);
int tdv__movements_copy_end(tdv_store *s, bool abort);

/* Movement rows for the other record files: the column list (to SELECT),
 * its count, and the loader of one row; text field check. */
const char *tdv__movement_cols(void);
int tdv__movement_ncols(void);
int tdv__movement_from_row(tdv_movement *m, int n, const char *const *v,
    const size_t *l);
bool tdv__text_ok(const char *s, size_t sz);

/* Apply pending migrations (up to `upto`; 0: all). */
int tdv__migrate(tdv_store *s, int upto);
/* Read-only open: the schema version must be this library's. */
int tdv__schema_check(tdv_store *s);

#endif
