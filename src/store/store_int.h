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

enum { TDV__SCRIPT_STATEMENT = 1, TDV__SCRIPT_COPY, TDV__SCRIPT_END };

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
	/* Statements without parameters sent together (PostgreSQL's simple
	 * query: the server runs them without waiting on the client), read
	 * back one result at a time by script_next, which says in *what
	 * whether a statement has ended, a COPY FROM STDIN waits for its rows
	 * (copy_put any number of times, then copy_done; abort fails the
	 * COPY) or the script is over. After an error the server skips the
	 * rest; script_next reads it away. NULL for SQLite. */
	int (*script_send)(tdv_store *s, const char *sql);
	int (*script_next)(tdv_store *s, tdv__row_cb cb, void *ctx, int *what);
	int (*copy_put)(tdv_store *s, const char *rows, size_t len);
	int (*copy_done)(tdv_store *s, bool abort);
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

/* SHA-256, fetched once (NULL if the provider has none); 32 bytes as
 * lowercase hex. */
const struct evp_md_st *tdv__sha256(void);
void tdv__hex32(const unsigned char md[32], char hex[65]);

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
int tdv__audit_append_run(tdv_store *s, const tdv_audit_entry *es, int n);

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

/* Columns of the two tables sync ingest loads (COPY targets). */
#define TDV__AUDIT_COLS "chain, seq, time_ms, actor, action, object, detail, prev_hash, hash"
#define TDV__MOVEMENT_INSERT_COLS                                              \
	"id, checkpoint_id, seq, time_ms, day, direction, officer_id,"         \
	" document_code, issuing_state, document_number, nationality, surname," \
	" given_names, sex, birth_date, expiry_date, age_band, verdict,"       \
	" decision, reason, fraud_type, checks, audit_seq"

/* The parts of tdv__audit_append_run: every entry well-formed with its
 * hash right (TDV_EINVAL, TDV_EAUDIT_BROKEN); the head of the chain held
 * (a row of "SELECT seq, hash FROM audit_head"); the run extending that
 * head exactly (TDV_EAUDIT_BROKEN); the run's COPY rows. */
typedef struct tdv__audit_head {
	int64_t seq;
	char hash[65];
	int found;
} tdv__audit_head;
int tdv__audit_run_valid(const tdv_audit_entry *es, int n);
int tdv__audit_head_row(void *ctx, int n, const char *const *v, const size_t *l);
int tdv__audit_run_extends(const tdv_audit_entry *es, int n,
    const tdv__audit_head *head);
int tdv__audit_run_rows(tdv_buf *b, const tdv_audit_entry *es, int n);

/*
 * The streamed sync ingest of one batch on PostgreSQL (stream.c): one
 * transaction whose statements go to the server together, so that it
 * never waits on a round trip between them, and whose movement rows
 * stream in while the caller reads the rest of the batch.
 *   open:   sends BEGIN, the lock on the checkpoint's row, its highest
 *           movement seq stored, the chain head, COPY audit_entry, COPY
 *           movement; checks the run of audit entries meanwhile, then that
 *           the checkpoint is registered and the run extends the head;
 *           sends the run (its verdict is read with the first movement rows)
 *   put:    movement COPY rows (tdv__movement_copy_row), any number
 *   close:  the end of the rows, and the server's verdict on all of it
 *   commit: the checkpoint's movement seq and the chain head moved, and
 *           COMMIT, sent together
 *   abandon: whatever is under way is failed and rolled back.
 * Every failure abandons: nothing of the batch stays. The transaction is
 * the store's explicit one (tdv_store_rollback works on it once closed).
 */
typedef struct tdv__stream {
	tdv_store *s;
	int state;
	char peer[TDV_ID_MAX + 1];
	tdv__audit_head head;
	int64_t max_stored; /* highest movement seq stored when it opened */
	int64_t last_seq;   /* the run's last entry */
	char last_hash[65];
} tdv__stream;
int tdv__stream_open(tdv__stream *st, tdv_store *s, const char *peer,
    const tdv_audit_entry *es, int n);
int tdv__stream_put(tdv__stream *st, const tdv_buf *rows);
int tdv__stream_close(tdv__stream *st);
int tdv__stream_commit(tdv__stream *st, int64_t max_seq);
void tdv__stream_abandon(tdv__stream *st);

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
