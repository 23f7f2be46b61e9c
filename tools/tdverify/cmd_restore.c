/*
 * tdverify restore: bring a backup made by `tdverify backup` back — the
 * SQLite online backup API into the checkpoint's store, or pg_restore of
 * a pg_dump custom-format file into the central database — and, on a
 * checkpoint, catch up with headquarters (--resume-from) so that sync
 * resumes without losing or duplicating records.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_ops.h"
#include "cli_store.h"
#include "tdv/error.h"
#include "tdv/ops.h"

static void
restore_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify restore [--db sqlite:PATH|postgres:CONNINFO] [--verify-only]\n"
	    "                        [--resume-from postgres:CONNINFO --checkpoint ID]\n"
	    "                        [--json] FILE\n\n"
	    "Check a backup made by tdverify backup and bring it back as the store.\n"
	    "Stop the station (and the sync daemon) first.\n\n"
	    "options:\n"
	    "  --db URI           store to restore into (default " CLI_DEFAULT_DB ")\n"
	    "  --verify-only      check the backup (SQLite integrity, schema, counts);\n"
	    "                     change nothing\n"
	    "  --resume-from URI  after restoring a checkpoint, bring back from the\n"
	    "                     central store the checkpoint's own records it had\n"
	    "                     delivered after the backup, so that its sequence\n"
	    "                     numbers continue after them\n"
	    "  --checkpoint ID    the checkpoint (with --resume-from)\n"
	    "  --json             one JSON object\n\n"
	    "exit status: 0 restored (or backup intact), 1 backup damaged,\n"
	    "2 usage or store error\n");
}

static int
restore_postgres(const char *conninfo, const char *file, bool verify_only,
    bool json)
{
	char dbarg[4200];
	if (snprintf(dbarg, sizeof(dbarg), "--dbname=%s", conninfo) >=
	    (int)sizeof(dbarg))
		return cli_error("conninfo too long");
	const char *list[] = {"pg_restore", "--list", file, NULL};
	const char *run[] = {"pg_restore", "--clean", "--if-exists",
	    "--single-transaction", "--exit-on-error", "--no-owner",
	    "--no-password", dbarg, file, NULL};
	int rc = cli_ops_run(list, true);
	if (rc != 0)
		return CLI_INVALID;
	if (!verify_only && cli_ops_run(run, false) != 0)
		return CLI_USAGE;
	struct stat sb;
	long long bytes = stat(file, &sb) == 0 ? (long long)sb.st_size : -1;
	if (json)
		cli_ops_print_pg_json(verify_only ? "verified" : "restored", file, bytes);
	else
		printf("%s: %s (PostgreSQL, pg_dump custom format)\n",
		    verify_only ? "intact" : "restored", file);
	return CLI_OK;
}

static int
resume(const char *db, const char *central_uri, const char *checkpoint, bool json)
{
	tdv_store *local = cli_store_open(db);
	if (local == NULL)
		return CLI_USAGE;
	tdv_store *central = cli_store_open(central_uri);
	if (central == NULL) {
		tdv_store_free(&local);
		return CLI_USAGE;
	}
	tdv_ops_resume_report r;
	int rc = tdv_ops_resume_from(local, central, checkpoint, &r);
	if (rc != TDV_OK)
		cli_error("catching up checkpoint %s from the central store: %s%s%s",
		    checkpoint, tdv_strerror(rc), tdv_store_errmsg(local)[0] ? ": " : "",
		    tdv_store_errmsg(local));
	tdv_store_free(&central);
	tdv_store_free(&local);
	if (rc != TDV_OK)
		return CLI_USAGE;
	if (json)
		printf("{\"resumed\":true,\"audit_imported\":%lld,\"movements_imported\":%lld,"
		       "\"audit_seq\":%lld,\"movement_seq\":%lld}\n",
		    (long long)r.audit_imported, (long long)r.movements_imported,
		    (long long)(r.local_audit_seq + r.audit_imported),
		    (long long)(r.local_movement_seq + r.movements_imported));
	else
		printf("caught up from the central store: %lld audit entries and "
		       "%lld movements brought back (movement seq %lld -> %lld)\n",
		    (long long)r.audit_imported, (long long)r.movements_imported,
		    (long long)r.local_movement_seq,
		    (long long)(r.local_movement_seq + r.movements_imported));
	return CLI_OK;
}

int
cmd_restore(int argc, char **argv)
{
	const char *db = NULL, *file = NULL, *central = NULL, *checkpoint = NULL;
	bool json = false, verify_only = false;
	for (int i = 1; i < argc; i++) {
		const char **val = NULL;
		if (cli_flag(argv[i], "--help") || cli_flag(argv[i], "-h")) {
			restore_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(argv[i], "--json")) {
			json = true;
		} else if (cli_flag(argv[i], "--verify-only")) {
			verify_only = true;
		} else if (cli_flag(argv[i], "--db")) {
			val = &db;
		} else if (cli_flag(argv[i], "--resume-from")) {
			val = &central;
		} else if (cli_flag(argv[i], "--checkpoint")) {
			val = &checkpoint;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			restore_usage(stderr);
			return cli_error("unknown option %s", argv[i]);
		} else if (file == NULL) {
			file = argv[i];
		} else {
			return cli_error("one backup file only");
		}
		if (val != NULL) {
			if (++i >= argc)
				return cli_error("%s needs a value", argv[i - 1]);
			*val = argv[i];
		}
	}
	if (file == NULL) {
		restore_usage(stderr);
		return cli_error("name the backup file");
	}
	if ((central == NULL) != (checkpoint == NULL))
		return cli_error("--resume-from and --checkpoint go together");
	if (db == NULL)
		db = CLI_DEFAULT_DB;
	if (strncmp(db, "postgres:", 9) == 0) {
		if (central != NULL)
			return cli_error("--resume-from is for a checkpoint's SQLite store");
		return restore_postgres(db + 9, file, verify_only, json);
	}
	if (strncmp(db, "sqlite:", 7) != 0)
		return cli_error("--db: expected sqlite:PATH or postgres:CONNINFO");

	tdv_ops_backup_info info;
	char err[512];
	int rc = verify_only ? tdv_ops_sqlite_verify(file, &info, err, sizeof(err))
			     : tdv_ops_sqlite_restore(file, db + 7, 30000, &info, err,
				   sizeof(err));
	if (rc != TDV_OK) {
		cli_error("%s %s: %s%s%s", verify_only ? "checking" : "restoring", file,
		    tdv_strerror(rc), err[0] ? ": " : "", err);
		return rc == TDV_EPARSE || rc == TDV_ESTORE_SCHEMA ? CLI_INVALID
								  : CLI_USAGE;
	}
	if (json)
		cli_ops_print_info_json(verify_only ? "verified" : "restored", file, &info);
	else
		printf("%s: %s (schema %d, %lld checkpoints, %lld movements, "
		       "%lld audit entries)\n",
		    verify_only ? "intact" : "restored", file, info.schema_version,
		    (long long)info.checkpoints, (long long)info.movements,
		    (long long)info.audit_entries);
	if (verify_only || central == NULL)
		return CLI_OK;
	return resume(db, central, checkpoint, json);
}
