/*
 * tdverify backup: a consistent online backup of the store — the SQLite
 * backup API for a checkpoint's embedded store (tdv_ops_sqlite_backup),
 * pg_dump's custom format for the central PostgreSQL database.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cli_ops.h"
#include "cli_store.h"
#include "tdv/error.h"
#include "tdv/ops.h"

static void
backup_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify backup [--db sqlite:PATH|postgres:CONNINFO] [--json] FILE\n\n"
	    "Make a consistent online backup of the store into FILE (never\n"
	    "overwritten). SQLite: the SQLite online backup API, one snapshot while\n"
	    "the station keeps recording, checked with integrity_check. PostgreSQL:\n"
	    "pg_dump --format=custom (restore with tdverify restore).\n\n"
	    "options:\n"
	    "  --db URI     store (default " CLI_DEFAULT_DB ")\n"
	    "  --json       one JSON object describing the backup\n\n"
	    "exit status: 0 backup made, 2 usage, input or store error\n");
}

static int
backup_postgres(const char *conninfo, const char *file, bool json)
{
	char part[4200], dbarg[4200], filearg[4200];
	if (snprintf(part, sizeof(part), "%s.part", file) >= (int)sizeof(part) ||
	    snprintf(dbarg, sizeof(dbarg), "--dbname=%s", conninfo) >=
		(int)sizeof(dbarg) ||
	    snprintf(filearg, sizeof(filearg), "--file=%s", part) >=
		(int)sizeof(filearg))
		return cli_error("path or conninfo too long");
	unlink(part);
	const char *argv[] = {"pg_dump", "--format=custom", "--no-password",
	    filearg, dbarg, NULL};
	if (cli_ops_run(argv, false) != 0) {
		unlink(part);
		return CLI_USAGE;
	}
	/* the dump must read back: its table of contents lists the data */
	const char *check[] = {"pg_restore", "--list", part, NULL};
	int ok = cli_ops_run(check, true);
	if (ok != 0) {
		unlink(part);
		return CLI_USAGE;
	}
	if (cli_ops_fsync_rename(part, file) != 0)
		return CLI_USAGE;
	struct stat sb;
	long long bytes = stat(file, &sb) == 0 ? (long long)sb.st_size : -1;
	if (json)
		cli_ops_print_pg_json("backup", file, bytes);
	else
		printf("backup: %s (PostgreSQL, pg_dump custom format, %lld bytes)\n",
		    file, bytes);
	return CLI_OK;
}

int
cmd_backup(int argc, char **argv)
{
	const char *db = NULL, *file = NULL;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (cli_flag(argv[i], "--help") || cli_flag(argv[i], "-h")) {
			backup_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(argv[i], "--json")) {
			json = true;
		} else if (cli_flag(argv[i], "--db")) {
			if (++i >= argc)
				return cli_error("--db needs a value");
			db = argv[i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			backup_usage(stderr);
			return cli_error("unknown option %s", argv[i]);
		} else if (file == NULL) {
			file = argv[i];
		} else {
			return cli_error("one backup file only");
		}
	}
	if (file == NULL) {
		backup_usage(stderr);
		return cli_error("name the backup file");
	}
	if (db == NULL)
		db = CLI_DEFAULT_DB;
	if (strncmp(db, "postgres:", 9) == 0)
		return backup_postgres(db + 9, file, json);
	if (strncmp(db, "sqlite:", 7) != 0)
		return cli_error("--db: expected sqlite:PATH or postgres:CONNINFO");

	tdv_ops_backup_info info;
	char err[512];
	int rc = tdv_ops_sqlite_backup(db + 7, file, 30000, &info, err, sizeof(err));
	if (rc != TDV_OK)
		return cli_error("backup of %s into %s: %s%s%s", db + 7, file,
		    tdv_strerror(rc), err[0] ? ": " : "", err);
	if (json)
		cli_ops_print_info_json("backup", file, &info);
	else
		printf("backup: %s (schema %d, %lld checkpoints, %lld movements, "
		       "%lld audit entries, %lld bytes)\n",
		    file, info.schema_version, (long long)info.checkpoints,
		    (long long)info.movements, (long long)info.audit_entries,
		    (long long)info.bytes);
	return CLI_OK;
}
