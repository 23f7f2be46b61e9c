/*
 * tdv_ops: operating a checkpoint's and headquarters' stores — online
 * backup and restore of the embedded SQLite store, catching a restored
 * checkpoint up with headquarters, and the health figures `tdverify
 * status` shows.
 *
 * The SQLite backup uses SQLite's online backup API in one step (a single
 * read transaction: a consistent snapshot, while the station, which
 * writes in WAL mode, keeps recording). The central PostgreSQL database
 * is backed up with pg_dump's custom format by the CLI (the library runs
 * no programs).
 */
#ifndef TDV_OPS_H
#define TDV_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdv/json.h"
#include "tdv/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a backup file holds, read back from the file itself. */
typedef struct tdv_ops_backup_info {
	int64_t bytes;         /* size of the backup file */
	int schema_version;    /* tdv_store schema of the records */
	int64_t checkpoints;
	int64_t movements;
	int64_t audit_entries;
} tdv_ops_backup_info;

/*
 * Copy the SQLite store at db_path into a new file backup_path: the
 * online backup API in one step (a consistent snapshot even while another
 * process records), written to backup_path".part", switched to a
 * rollback journal (one self-contained file), checked with
 * PRAGMA integrity_check, fsync'd and renamed into place. TDV_EEXIST
 * when backup_path exists (a backup is never overwritten); TDV_ENOENT
 * when db_path does not exist; TDV_EBUSY when the store stayed locked
 * for busy_ms. info (may be NULL) describes the backup made. errbuf (may
 * be NULL) receives SQLite's message on failure.
 */
int tdv_ops_sqlite_backup(const char *db_path, const char *backup_path,
    int busy_ms, tdv_ops_backup_info *info, char *errbuf, size_t errbufsz);

/*
 * Check a backup file without changing it: SQLite's integrity_check and a
 * tdv_store schema no newer than this library's; fills info. TDV_EPARSE
 * when the file is not an intact SQLite database, TDV_ESTORE_SCHEMA when
 * it holds no tdv_store or a newer one.
 */
int tdv_ops_sqlite_verify(const char *backup_path, tdv_ops_backup_info *info,
    char *errbuf, size_t errbufsz);

/*
 * Bring a backup back as the store at db_path (created when missing):
 * verified first (tdv_ops_sqlite_verify), then copied page by page into
 * db_path in one write transaction of the online backup API, so a reader
 * sees either the old store or the restored one, never a mixture. The
 * station should be stopped (its open sessions would see records vanish).
 */
int tdv_ops_sqlite_restore(const char *backup_path, const char *db_path,
    int busy_ms, tdv_ops_backup_info *info, char *errbuf, size_t errbufsz);

/* What tdv_ops_resume_from did. */
typedef struct tdv_ops_resume_report {
	int64_t local_audit_seq;     /* audit chain head after the restore */
	int64_t local_movement_seq;  /* highest movement seq after the restore */
	int64_t audit_imported;      /* entries brought back from central */
	int64_t movements_imported;
	int64_t central_audit_seq;   /* central's head of the checkpoint's chain */
	int64_t central_movement_seq;
} tdv_ops_resume_report;

/*
 * After a restore: bring back from the central store the checkpoint's own
 * audit entries and movements that it had forwarded after the backup was
 * made, so that the checkpoint's sequence numbers continue after them
 * (new records never reuse a number headquarters already holds) and
 * nothing it recorded and delivered is missing locally. Audit entries
 * first (each must extend the local chain exactly: a backup whose chain
 * has forked from central's is refused with TDV_EAUDIT_BROKEN), then
 * movements, all in one local transaction. Records the restored store has
 * that central lacks are left for sync to send (idempotently).
 */
int tdv_ops_resume_from(tdv_store *local, tdv_store *central,
    const char *checkpoint_id, tdv_ops_resume_report *report);

/* Sync stream names used for the cursors (tdv_store_sync_cursor_get). */
#define TDV_OPS_STREAM_MOVEMENTS "movement"
#define TDV_OPS_STREAM_AUDIT "audit"

/* Health of one checkpoint as its store shows it. */
typedef struct tdv_ops_checkpoint_status {
	char id[TDV_ID_MAX + 1];
	int64_t movements;        /* movements held */
	int64_t last_seq;         /* highest movement seq */
	int64_t sent_seq;         /* sync cursor: delivered up to this seq */
	int64_t backlog;          /* last_seq - sent_seq (>= 0) */
	int64_t oldest_unsent_ms; /* time of the first unsent movement, 0: none */
	int64_t last_movement_ms; /* time of the newest movement, 0: none */
	int64_t audit_seq;        /* audit chain head */
	int64_t audit_sent_seq;
} tdv_ops_checkpoint_status;

/*
 * Fill *st for checkpoint `id` of store s. Reads only (no audit entry is
 * written). TDV_ENOENT when the checkpoint is unknown.
 */
int tdv_ops_checkpoint_status_get(tdv_store *s, const char *id,
    tdv_ops_checkpoint_status *st);

/* Write st as a JSON object (ages relative to now_ms). */
void tdv_ops_checkpoint_status_to_json(const tdv_ops_checkpoint_status *st,
    int64_t now_ms, tdv_json *j);

#ifdef __cplusplus
}
#endif
#endif
