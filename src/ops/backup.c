/*
 * Online backup and restore of a checkpoint's embedded SQLite store with
 * SQLite's backup API (https://sqlite.org/backup.html): one
 * sqlite3_backup_step(-1) copies every page inside a single read
 * transaction, so the copy is one consistent snapshot; in WAL mode the
 * station's writers are not held up while it is taken.
 *
 * A backup is written beside its final name, made self-contained (rollback
 * journal instead of WAL), checked, fsync'd and only then renamed into
 * place: a crash leaves either no backup or a whole one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tdv/error.h"
#include "tdv/ops.h"

#define OPS_PATH_MAX 4096

static void
set_err(char *errbuf, size_t errbufsz, const char *what, sqlite3 *db)
{
	if (errbuf == NULL || errbufsz == 0)
		return;
	snprintf(errbuf, errbufsz, "%s%s%s", what, db ? ": " : "",
	    db ? sqlite3_errmsg(db) : "");
}

static int
path_ok(const char *p)
{
	return p != NULL && p[0] != '\0' && strnlen(p, OPS_PATH_MAX) < OPS_PATH_MAX;
}

/* fsync a file, then the directory holding it (so a rename is durable). */
static int
sync_path(const char *path, bool dir_too)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return TDV_EIO;
	int rc = fsync(fd) == 0 ? TDV_OK : TDV_EIO;
	close(fd);
	if (rc != TDV_OK || !dir_too)
		return rc;
	char dir[OPS_PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return TDV_EIO;
	rc = fsync(fd) == 0 ? TDV_OK : TDV_EIO;
	close(fd);
	return rc;
}

static int
one_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return TDV_ESTORE;
	int rc = TDV_ESTORE;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = TDV_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* integrity_check must answer exactly one row "ok". */
static int
integrity_ok(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) !=
	    SQLITE_OK)
		return TDV_EPARSE;
	int rc = TDV_EPARSE;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		if (v != NULL && strcmp((const char *)v, "ok") == 0 &&
		    sqlite3_step(st) == SQLITE_DONE)
			rc = TDV_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Counts read straight from the file: opening it as a tdv_store would run
 * migrations on it, and a backup must stay exactly as it was taken. */
static int
describe(sqlite3 *db, const char *path, tdv_ops_backup_info *info)
{
	tdv_ops_backup_info i;
	memset(&i, 0, sizeof(i));
	int64_t v = 0;
	if (one_int(db, "SELECT MAX(version) FROM schema_migration", &v) != TDV_OK ||
	    v <= 0 || v > INT_MAX)
		return TDV_ESTORE_SCHEMA;
	i.schema_version = (int)v;
	if (i.schema_version > TDV_STORE_SCHEMA_VERSION)
		return TDV_ESTORE_SCHEMA;
	if (one_int(db, "SELECT COUNT(*) FROM checkpoint", &i.checkpoints) != TDV_OK ||
	    one_int(db, "SELECT COUNT(*) FROM movement", &i.movements) != TDV_OK ||
	    one_int(db, "SELECT COUNT(*) FROM audit_entry", &i.audit_entries) != TDV_OK)
		return TDV_ESTORE_SCHEMA;
	struct stat sb;
	if (stat(path, &sb) == 0)
		i.bytes = (int64_t)sb.st_size;
	if (info != NULL)
		*info = i;
	return TDV_OK;
}

/* Copy every page of src into dst in one step, retrying while locked. */
static int
copy_pages(sqlite3 *dst, sqlite3 *src, int busy_ms)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL)
		return TDV_ESTORE;
	int waited = 0, rc;
	for (;;) {
		rc = sqlite3_backup_step(b, -1);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		if (waited >= busy_ms)
			break;
		sqlite3_sleep(20);
		waited += 20;
	}
	int fin = sqlite3_backup_finish(b);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return TDV_EBUSY;
	if (rc != SQLITE_DONE || fin != SQLITE_OK)
		return TDV_ESTORE;
	return TDV_OK;
}

int
tdv_ops_sqlite_backup(const char *db_path, const char *backup_path, int busy_ms,
    tdv_ops_backup_info *info, char *errbuf, size_t errbufsz)
{
	if (errbuf != NULL && errbufsz > 0)
		errbuf[0] = '\0';
	if (!path_ok(db_path) || !path_ok(backup_path) || busy_ms < 0)
		return TDV_EINVAL;
	struct stat sb;
	if (stat(db_path, &sb) != 0)
		return TDV_ENOENT;
	if (lstat(backup_path, &sb) == 0)
		return TDV_EEXIST;
	char part[OPS_PATH_MAX + 8];
	int n = snprintf(part, sizeof(part), "%s.part", backup_path);
	if (n < 0 || (size_t)n >= sizeof(part))
		return TDV_ELIMIT;
	unlink(part); /* a leftover of an interrupted backup */

	sqlite3 *src = NULL, *dst = NULL;
	int rc = TDV_OK;
	if (sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		set_err(errbuf, errbufsz, "cannot open the store", src);
		rc = TDV_ESTORE;
		goto out;
	}
	sqlite3_busy_timeout(src, busy_ms);
	if (sqlite3_open_v2(part, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
		NULL) != SQLITE_OK) {
		set_err(errbuf, errbufsz, "cannot create the backup", dst);
		rc = TDV_EIO;
		goto out;
	}
	rc = copy_pages(dst, src, busy_ms);
	if (rc != TDV_OK) {
		set_err(errbuf, errbufsz, "backup failed", dst);
		goto out;
	}
	/* one self-contained file: no -wal beside it to lose in a copy */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		set_err(errbuf, errbufsz, "backup journal mode", dst);
		rc = TDV_ESTORE;
		goto out;
	}
	rc = integrity_ok(dst);
	if (rc != TDV_OK) {
		set_err(errbuf, errbufsz, "backup failed its integrity check", NULL);
		goto out;
	}
	rc = describe(dst, part, info);
	if (rc != TDV_OK) {
		set_err(errbuf, errbufsz, "the store holds no tdverify records", NULL);
		goto out;
	}
out:
	if (dst != NULL && sqlite3_close(dst) != SQLITE_OK && rc == TDV_OK)
		rc = TDV_ESTORE;
	sqlite3_close(src);
	if (rc == TDV_OK)
		rc = sync_path(part, false);
	if (rc == TDV_OK) {
		/* link() refuses to replace a backup that appeared meanwhile */
		if (link(part, backup_path) != 0)
			rc = errno == EEXIST ? TDV_EEXIST : TDV_EIO;
	}
	unlink(part);
	if (rc == TDV_OK)
		rc = sync_path(backup_path, true);
	if (rc == TDV_OK && info != NULL && stat(backup_path, &sb) == 0)
		info->bytes = (int64_t)sb.st_size;
	return rc;
}

int
tdv_ops_sqlite_verify(const char *backup_path, tdv_ops_backup_info *info,
    char *errbuf, size_t errbufsz)
{
	if (errbuf != NULL && errbufsz > 0)
		errbuf[0] = '\0';
	if (!path_ok(backup_path))
		return TDV_EINVAL;
	struct stat sb;
	if (stat(backup_path, &sb) != 0)
		return TDV_ENOENT;
	sqlite3 *db = NULL;
	/* immutable: no journal, -wal or -shm is read or created beside it */
	char uri[OPS_PATH_MAX + 32];
	int n = snprintf(uri, sizeof(uri), "file:%s?mode=ro&immutable=1", backup_path);
	if (n < 0 || (size_t)n >= sizeof(uri) || strpbrk(backup_path, "?#%") != NULL)
		return TDV_EINVAL;
	int rc = TDV_OK;
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) !=
	    SQLITE_OK) {
		set_err(errbuf, errbufsz, "cannot open the backup", db);
		rc = TDV_EPARSE;
	}
	if (rc == TDV_OK) {
		rc = integrity_ok(db);
		if (rc != TDV_OK)
			set_err(errbuf, errbufsz,
			    "not an intact SQLite database", NULL);
	}
	if (rc == TDV_OK) {
		rc = describe(db, backup_path, info);
		if (rc != TDV_OK)
			set_err(errbuf, errbufsz,
			    "no tdverify store of a schema this version reads", NULL);
	}
	sqlite3_close(db);
	return rc;
}

int
tdv_ops_sqlite_restore(const char *backup_path, const char *db_path,
    int busy_ms, tdv_ops_backup_info *info, char *errbuf, size_t errbufsz)
{
	if (!path_ok(db_path) || busy_ms < 0)
		return TDV_EINVAL;
	tdv_ops_backup_info bi;
	int rc = tdv_ops_sqlite_verify(backup_path, &bi, errbuf, errbufsz);
	if (rc != TDV_OK)
		return rc;
	sqlite3 *src = NULL, *dst = NULL;
	if (sqlite3_open_v2(backup_path, &src, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		set_err(errbuf, errbufsz, "cannot open the backup", src);
		rc = TDV_EPARSE;
		goto out;
	}
	if (sqlite3_open_v2(db_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
		NULL) != SQLITE_OK) {
		set_err(errbuf, errbufsz, "cannot open the store", dst);
		rc = TDV_ESTORE;
		goto out;
	}
	sqlite3_busy_timeout(dst, busy_ms);
	rc = copy_pages(dst, src, busy_ms);
	if (rc != TDV_OK) {
		set_err(errbuf, errbufsz, "restore failed", dst);
		goto out;
	}
	/* back to the store's own journal mode; tdv_store_open keeps it */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) !=
		SQLITE_OK ||
	    sqlite3_wal_checkpoint_v2(dst, NULL, SQLITE_CHECKPOINT_FULL, NULL,
		NULL) != SQLITE_OK) {
		set_err(errbuf, errbufsz, "restore journal", dst);
		rc = TDV_ESTORE;
		goto out;
	}
	rc = integrity_ok(dst) == TDV_OK ? TDV_OK : TDV_ESTORE;
	if (rc != TDV_OK)
		set_err(errbuf, errbufsz, "restored store failed its integrity check",
		    NULL);
out:
	if (dst != NULL && sqlite3_close(dst) != SQLITE_OK && rc == TDV_OK)
		rc = TDV_ESTORE;
	sqlite3_close(src);
	if (rc == TDV_OK)
		rc = sync_path(db_path, true);
	if (rc == TDV_OK && info != NULL)
		*info = bi;
	return rc;
}
