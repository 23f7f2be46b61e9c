/*
 * tdv_ops backup and restore: online backups taken while another process
 * records movements as fast as it can are consistent snapshots (every
 * acknowledged movement before the backup started is in it, sequence
 * numbers contiguous, the audit chain intact); a checkpoint restored from
 * an old backup and caught up from headquarters continues its sequence
 * and syncs again without a record lost or duplicated; damaged backups
 * are refused.
 *
 * "Headquarters" here is a second store (SQLite by default, PostgreSQL
 * when a URI is given as argv[1]); forwarding uses the store's own import
 * calls, as sync ingest does.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tdv/error.h"
#include "tdv/ops.h"
#include "tdv/store.h"
#include "tdv_test.h"
#include "tdv_test_movement.h"

#define CP "CP-OPS"

static char dir[256];

static void
path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void
fill(tdv_movement *m, int i)
{
	tdv_test_movement(m, CP, 'D', 8, i);
}

static tdv_store *
open_store(const char *uri)
{
	tdv_store *s = NULL;
	char err[256];
	int rc = tdv_store_open(uri, &s, err, sizeof(err));
	if (rc != TDV_OK)
		fprintf(stderr, "open %s: %s: %s\n", uri, tdv_strerror(rc), err);
	return s;
}

/* The checkpoint and its officer. At headquarters (central) the officer
 * is added in the central chain "-": the checkpoint's own chain there is
 * only ever fed by the checkpoint. */
static void
setup_store(tdv_store *s, bool central)
{
	tdv_checkpoint cp = {CP, "Ops test", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(s, &cp), TDV_OK);
	tdv_officer o = {"off1", "One", TDV_ROLE_OFFICER, true};
	int rc = tdv_store_officer_add(s, &o, "pw", 2, NULL, central ? NULL : CP);
	CHECK(rc == TDV_OK || rc == TDV_EEXIST);
}

static void
setup_checkpoint(tdv_store *s)
{
	setup_store(s, false);
}

static int
record(tdv_store *s, int from, int to)
{
	tdv_movement *m = malloc(sizeof(*m));
	int rc = m ? TDV_OK : TDV_ENOMEM;
	for (int i = from; rc == TDV_OK && i <= to; i++) {
		fill(m, i);
		rc = tdv_store_record_movement(s, m);
	}
	free(m);
	return rc;
}

/* Movement seqs of the checkpoint: contiguous 1..count, none twice. */
struct seq_ctx {
	int64_t expect;
	int bad;
};

static int
seq_row(void *ctx, const tdv_movement *m)
{
	struct seq_ctx *c = ctx;
	if (m->seq != c->expect + 1)
		c->bad++;
	c->expect = m->seq;
	return 0;
}

static int64_t
check_contiguous(tdv_store *s)
{
	struct seq_ctx c = {0, 0};
	CHECK_INT(tdv_store_movements_since(s, CP, 0, 1000000, seq_row, &c), TDV_OK);
	CHECK_INT(c.bad, 0);
	int64_t n = -1;
	CHECK_INT(tdv_store_movement_count(s, CP, &n), TDV_OK);
	CHECK_INT(n, c.expect);
	tdv_audit_report r;
	CHECK_INT(tdv_store_audit_verify(s, NULL, &r), TDV_OK);
	CHECK(r.intact);
	if (!r.intact)
		fprintf(stderr, "audit broken: %s #%lld: %s\n", r.broken_chain,
		    (long long)r.broken_seq, r.problem);
	return c.expect;
}

/* ---- forwarding to headquarters with the import calls, as sync does ---- */

struct fwd {
	tdv_store *central;
	int64_t last;
	int rc;
};

static int
fwd_audit(void *ctx, const tdv_audit_entry *e)
{
	struct fwd *f = ctx;
	bool ins;
	f->rc = tdv_store_import_audit(f->central, e, &ins);
	f->last = e->seq;
	return f->rc != TDV_OK;
}

static int
fwd_movement(void *ctx, const tdv_movement *m)
{
	struct fwd *f = ctx;
	bool ins;
	f->rc = tdv_store_import_movement(f->central, m, &ins);
	f->last = m->seq;
	return f->rc != TDV_OK;
}

/* Send everything after the cursors; returns the first import error. */
static int
forward(tdv_store *local, tdv_store *central)
{
	int64_t ca = 0, cm = 0;
	CHECK_INT(tdv_store_sync_cursor_get(local, TDV_OPS_STREAM_AUDIT, CP, &ca), TDV_OK);
	CHECK_INT(tdv_store_sync_cursor_get(local, TDV_OPS_STREAM_MOVEMENTS, CP, &cm),
	    TDV_OK);
	struct fwd fa = {central, ca, TDV_OK}, fm = {central, cm, TDV_OK};
	int rc = tdv_store_audit_since(local, CP, ca, 1000000, fwd_audit, &fa);
	if (rc == TDV_OK)
		rc = fa.rc;
	if (rc == TDV_OK)
		rc = tdv_store_movements_since(local, CP, cm, 1000000, fwd_movement, &fm);
	if (rc == TDV_OK)
		rc = fm.rc;
	if (rc == TDV_OK) {
		CHECK_INT(tdv_store_sync_cursor_set(local, TDV_OPS_STREAM_AUDIT, CP,
			      fa.last), TDV_OK);
		CHECK_INT(tdv_store_sync_cursor_set(local, TDV_OPS_STREAM_MOVEMENTS, CP,
			      fm.last), TDV_OK);
	}
	return rc;
}

/* ---- tests ---- */

static void
test_ops_backup_during_writes_is_consistent(void)
{
	char db[512], uri[600];
	path_in(db, sizeof(db), "live.db");
	snprintf(uri, sizeof(uri), "sqlite:%s", db);
	tdv_store *s = open_store(uri);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	setup_checkpoint(s);
	CHECK_INT(record(s, 1, 20), TDV_OK);
	tdv_store_free(&s);

	int p[2];
	CHECK_INT(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) { /* writer: record and report each acknowledged seq */
		close(p[0]);
		tdv_store *w = open_store(uri);
		tdv_movement *m = malloc(sizeof(*m));
		if (w == NULL || m == NULL)
			_exit(3);
		for (int i = 21;; i++) {
			fill(m, i);
			if (tdv_store_record_movement(w, m) != TDV_OK)
				_exit(4);
			int64_t seq = m->seq;
			if (write(p[1], &seq, sizeof(seq)) != sizeof(seq))
				_exit(5);
		}
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	int64_t acked = 20;
	for (int k = 0; k < 6; k++) {
		usleep(150000);
		int64_t seq;
		while (read(p[0], &seq, sizeof(seq)) == sizeof(seq))
			acked = seq;
		char b[512];
		char name[32];
		snprintf(name, sizeof(name), "backup-%d.db", k);
		path_in(b, sizeof(b), name);
		tdv_ops_backup_info info;
		char err[256];
		int rc = tdv_ops_sqlite_backup(db, b, 10000, &info, err, sizeof(err));
		CHECK_INT(rc, TDV_OK);
		if (rc != TDV_OK) {
			fprintf(stderr, "backup: %s\n", err);
			continue;
		}
		/* every movement acknowledged before the backup began is in it */
		CHECK(info.movements >= acked);
		char buri[600];
		snprintf(buri, sizeof(buri), "sqlite:%s", b);
		tdv_store *bs = open_store(buri);
		CHECK(bs != NULL);
		if (bs != NULL) {
			CHECK_INT(check_contiguous(bs), info.movements);
			tdv_store_free(&bs);
		}
		printf("  backup %d: %lld movements (>= %lld acknowledged before)\n", k,
		    (long long)info.movements, (long long)acked);
		/* never overwritten */
		CHECK_INT(tdv_ops_sqlite_backup(db, b, 1000, NULL, NULL, 0), TDV_EEXIST);
	}
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	close(p[0]);
	CHECK(WIFSIGNALED(st)); /* the writer never failed */
}

static void
test_ops_restore_resumes_sync_without_loss_or_duplicates(const char *central_uri)
{
	char db[512], uri[600], bk[512];
	path_in(db, sizeof(db), "cp.db");
	path_in(bk, sizeof(bk), "cp-backup.db");
	snprintf(uri, sizeof(uri), "sqlite:%s", db);
	tdv_store *local = open_store(uri), *central = open_store(central_uri);
	CHECK(local != NULL && central != NULL);
	if (local == NULL || central == NULL)
		goto out;
	setup_checkpoint(local);
	setup_store(central, true);

	CHECK_INT(record(local, 1, 10), TDV_OK);
	CHECK_INT(forward(local, central), TDV_OK);
	CHECK_INT(tdv_ops_sqlite_backup(db, bk, 10000, NULL, NULL, 0), TDV_OK);
	CHECK_INT(record(local, 11, 20), TDV_OK);
	CHECK_INT(forward(local, central), TDV_OK); /* headquarters has 1..20 */
	tdv_store_free(&local);

	/* the disk dies: the station is rebuilt and the backup restored */
	unlink(db);
	char wal[600];
	snprintf(wal, sizeof(wal), "%s-wal", db);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", db);
	unlink(wal);
	tdv_ops_backup_info info;
	CHECK_INT(tdv_ops_sqlite_restore(bk, db, 10000, &info, NULL, 0), TDV_OK);
	CHECK_INT(info.movements, 10);
	local = open_store(uri);
	CHECK(local != NULL);
	if (local == NULL)
		goto out;
	CHECK_INT(check_contiguous(local), 10);

	tdv_ops_resume_report r;
	CHECK_INT(tdv_ops_resume_from(local, central, CP, &r), TDV_OK);
	CHECK_INT(r.local_movement_seq, 10);
	CHECK_INT(r.central_movement_seq, 20);
	CHECK_INT(r.movements_imported, 10);
	CHECK(r.audit_imported >= 10);
	CHECK_INT(check_contiguous(local), 20);
	/* a second catch-up finds nothing to do */
	CHECK_INT(tdv_ops_resume_from(local, central, CP, &r), TDV_OK);
	CHECK_INT(r.movements_imported + r.audit_imported, 0);

	/* new records continue after 20 and sync cleanly: the restored
	 * cursor is old, so 1..20 are offered again and found identical */
	CHECK_INT(record(local, 21, 25), TDV_OK);
	CHECK_INT(forward(local, central), TDV_OK);
	CHECK_INT(check_contiguous(central), 25);
	CHECK_INT(check_contiguous(local), 25);
	tdv_ops_checkpoint_status st;
	CHECK_INT(tdv_ops_checkpoint_status_get(local, CP, &st), TDV_OK);
	CHECK_INT(st.backlog, 0);
	CHECK_INT(st.last_seq, 25);
out:
	tdv_store_free(&local);
	tdv_store_free(&central);
}

/* Without the catch-up, the restored checkpoint would reuse seq 11 for a
 * new traveller: headquarters refuses it as a conflict rather than
 * silently keeping two different movements under one number. */
static void
test_ops_restore_without_catch_up_is_refused_by_central(void)
{
	char db[512], uri[600], bk[512], curi[600], cdb[512];
	path_in(db, sizeof(db), "cp2.db");
	path_in(bk, sizeof(bk), "cp2-backup.db");
	path_in(cdb, sizeof(cdb), "central2.db");
	snprintf(uri, sizeof(uri), "sqlite:%s", db);
	snprintf(curi, sizeof(curi), "sqlite:%s", cdb);
	tdv_store *local = open_store(uri), *central = open_store(curi);
	CHECK(local != NULL && central != NULL);
	if (local == NULL || central == NULL)
		goto out;
	setup_checkpoint(local);
	setup_store(central, true);
	CHECK_INT(record(local, 1, 10), TDV_OK);
	CHECK_INT(tdv_ops_sqlite_backup(db, bk, 10000, NULL, NULL, 0), TDV_OK);
	CHECK_INT(record(local, 11, 12), TDV_OK);
	CHECK_INT(forward(local, central), TDV_OK);
	tdv_store_free(&local);
	CHECK_INT(tdv_ops_sqlite_restore(bk, db, 10000, NULL, NULL, 0), TDV_OK);
	local = open_store(uri);
	if (local == NULL)
		goto out;
	CHECK_INT(record(local, 100, 100), TDV_OK);
	int rc = forward(local, central);
	CHECK(rc == TDV_ESTORE_CONFLICT || rc == TDV_EAUDIT_BROKEN);
	int64_t n = 0;
	CHECK_INT(tdv_store_movement_count(central, CP, &n), TDV_OK);
	CHECK_INT(n, 12);
out:
	tdv_store_free(&local);
	tdv_store_free(&central);
}

static void
test_ops_damaged_backup_is_refused(void)
{
	char db[512], uri[600], bk[512], junk[512];
	path_in(db, sizeof(db), "dmg.db");
	path_in(bk, sizeof(bk), "dmg-backup.db");
	path_in(junk, sizeof(junk), "junk.db");
	snprintf(uri, sizeof(uri), "sqlite:%s", db);
	tdv_store *s = open_store(uri);
	if (s == NULL)
		return;
	setup_checkpoint(s);
	CHECK_INT(record(s, 1, 200), TDV_OK);
	tdv_store_free(&s);
	CHECK_INT(tdv_ops_sqlite_backup(db, bk, 10000, NULL, NULL, 0), TDV_OK);
	CHECK_INT(tdv_ops_sqlite_verify(bk, NULL, NULL, 0), TDV_OK);

	/* flip bytes in the middle of the file */
	int fd = open(bk, O_RDWR);
	CHECK(fd >= 0);
	struct stat sb;
	fstat(fd, &sb);
	char garbage[4096];
	memset(garbage, 0x5a, sizeof(garbage));
	CHECK(pwrite(fd, garbage, sizeof(garbage), sb.st_size / 2) ==
	    (ssize_t)sizeof(garbage));
	close(fd);
	char err[256];
	CHECK_INT(tdv_ops_sqlite_verify(bk, NULL, err, sizeof(err)), TDV_EPARSE);
	CHECK_INT(tdv_ops_sqlite_restore(bk, db, 1000, NULL, NULL, 0), TDV_EPARSE);
	/* the live store was not touched by the refused restore */
	s = open_store(uri);
	if (s != NULL) {
		CHECK_INT(check_contiguous(s), 200);
		tdv_store_free(&s);
	}
	/* not a database at all; a missing one; a store that does not exist */
	FILE *f = fopen(junk, "w");
	if (f != NULL) {
		fputs("this is not a database\n", f);
		fclose(f);
	}
	CHECK_INT(tdv_ops_sqlite_verify(junk, NULL, NULL, 0), TDV_EPARSE);
	path_in(junk, sizeof(junk), "missing.db");
	CHECK_INT(tdv_ops_sqlite_verify(junk, NULL, NULL, 0), TDV_ENOENT);
	CHECK_INT(tdv_ops_sqlite_backup(junk, bk, 1000, NULL, NULL, 0), TDV_ENOENT);
	CHECK_INT(tdv_ops_sqlite_backup(NULL, bk, 1000, NULL, NULL, 0), TDV_EINVAL);
}

int
main(int argc, char **argv)
{
	snprintf(dir, sizeof(dir), "/tmp/tdv-ops.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	char central[600];
	if (argc > 1)
		snprintf(central, sizeof(central), "%s", argv[1]);
	else
		snprintf(central, sizeof(central), "sqlite:%s/central.db", dir);
	RUN(test_ops_backup_during_writes_is_consistent);
	printf("central store: %s\n", strncmp(central, "postgres:", 9) == 0
	    ? "postgres" : "sqlite");
	test_ops_restore_resumes_sync_without_loss_or_duplicates(central);
	printf("%s test_ops_restore_resumes_sync_without_loss_or_duplicates\n",
	    tdv_test_failures ? "FAIL" : "ok  ");
	RUN(test_ops_restore_without_catch_up_is_refused_by_central);
	RUN(test_ops_damaged_backup_is_refused);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (tdv_test_failures == 0 && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	TEST_EXIT();
}
