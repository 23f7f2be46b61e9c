/*
 * tdverify status: the health of a checkpoint or of headquarters —
 * version, store and schema, store size, and for each checkpoint the
 * records held, the sync backlog and the age of the oldest unsent record,
 * and the age of the lists and trust store in use. Human text, one JSON
 * object (--json) or Prometheus text exposition (--metrics).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "cli_ops.h"
#include "cli_store.h"
#include "tdv/buf.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/ops.h"

#define STATUS_MAX_CHECKPOINTS 4096
#define STATUS_MAX_FILES 16

static void
status_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify status [--db sqlite:PATH|postgres:CONNINFO] [--checkpoint ID]...\n"
	    "                       [--sltd INDEX] [--trust DIR] [--json|--metrics]\n\n"
	    "Show version, store, schema and size, and for each checkpoint the\n"
	    "movements held, the sync backlog (recorded but not yet delivered to\n"
	    "headquarters) and the age of the oldest unsent movement; with --sltd and\n"
	    "--trust the age of the list and of the trust store. Without --checkpoint:\n"
	    "every checkpoint with movements in the store (headquarters: all of them).\n\n"
	    "options:\n"
	    "  --db URI         store (default " CLI_DEFAULT_DB ")\n"
	    "  --checkpoint ID  this checkpoint (repeatable)\n"
	    "  --sltd FILE      lost/stolen index in use: its age\n"
	    "  --trust DIR      trust store in use: age of its newest file\n"
	    "  --json           one JSON object\n"
	    "  --metrics        Prometheus text exposition format\n\n"
	    "exit status: 0 shown, 2 usage or store error\n");
}

struct ids {
	char (*id)[TDV_ID_MAX + 1];
	int n;
	int rc;
};

static int
collect_checkpoint(void *ctx, const tdv_stat_row *row)
{
	struct ids *c = ctx;
	if (row->nkeys < 1 || row->keys[0] == NULL)
		return 0;
	if (c->n >= STATUS_MAX_CHECKPOINTS) {
		c->rc = TDV_ELIMIT;
		return 1;
	}
	snprintf(c->id[c->n++], TDV_ID_MAX + 1, "%s", row->keys[0]);
	return 0;
}

/* Newest modification time (s) of a file, or of the files in a directory. */
static long long
newest_mtime(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return -1;
	long long t = (long long)sb.st_mtime;
	if (!S_ISDIR(sb.st_mode))
		return t;
	DIR *d = opendir(path);
	if (d == NULL)
		return t;
	struct dirent *e;
	char p[4200];
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", path, e->d_name) >= (int)sizeof(p))
			continue;
		if (stat(p, &sb) == 0 && (long long)sb.st_mtime > t)
			t = (long long)sb.st_mtime;
	}
	closedir(d);
	return t;
}

static long long
file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

struct list_age {
	const char *name, *path;
	long long age_s;
};

static void
age_text(long long s, char *out, size_t n)
{
	if (s < 0)
		snprintf(out, n, "never");
	else if (s < 120)
		snprintf(out, n, "%llds", s);
	else if (s < 7200)
		snprintf(out, n, "%lldmin", s / 60);
	else if (s < 172800)
		snprintf(out, n, "%lldh", s / 3600);
	else
		snprintf(out, n, "%lldd", s / 86400);
}

int
cmd_status(int argc, char **argv)
{
	const char *db = NULL;
	bool json = false, metrics = false;
	static char want[64][TDV_ID_MAX + 1];
	int nwant = 0;
	struct list_age lists[STATUS_MAX_FILES];
	int nlists = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "--help") || cli_flag(a, "-h")) {
			status_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--json")) {
			json = true;
		} else if (cli_flag(a, "--metrics")) {
			metrics = true;
		} else if (cli_flag(a, "--db") || cli_flag(a, "--checkpoint") ||
		    cli_flag(a, "--sltd") || cli_flag(a, "--trust")) {
			if (++i >= argc)
				return cli_error("%s needs a value", a);
			if (cli_flag(a, "--db")) {
				db = argv[i];
			} else if (cli_flag(a, "--checkpoint")) {
				if (nwant >= 64)
					return cli_error("at most 64 --checkpoint");
				if (strlen(argv[i]) > TDV_ID_MAX)
					return cli_error("--checkpoint: id too long");
				snprintf(want[nwant++], TDV_ID_MAX + 1, "%s", argv[i]);
			} else {
				if (nlists >= STATUS_MAX_FILES)
					return cli_error("too many --sltd/--trust");
				lists[nlists].name = cli_flag(a, "--sltd") ? "sltd" : "trust";
				lists[nlists++].path = argv[i];
			}
		} else {
			status_usage(stderr);
			return cli_error("unknown argument %s", a);
		}
	}
	if (json && metrics)
		return cli_error("--json or --metrics, not both");
	tdv_store *s = cli_store_open(db);
	if (s == NULL)
		return CLI_USAGE;
	const char *uri = db ? db : CLI_DEFAULT_DB;
	bool sqlite = tdv_store_backend_of(s) == TDV_STORE_SQLITE;
	long long size = -1;
	if (sqlite) {
		char wal[4200];
		size = file_size(uri + 7);
		if (snprintf(wal, sizeof(wal), "%s-wal", uri + 7) < (int)sizeof(wal))
			size += file_size(wal);
	}
	int schema = 0;
	int rc = tdv_store_schema_version(s, &schema);

	struct ids ids = {NULL, 0, TDV_OK};
	ids.id = calloc(STATUS_MAX_CHECKPOINTS, sizeof(*ids.id));
	if (ids.id == NULL) {
		tdv_store_free(&s);
		return cli_error("out of memory");
	}
	if (rc == TDV_OK && nwant > 0) {
		for (int i = 0; i < nwant; i++)
			memcpy(ids.id[ids.n++], want[i], sizeof(want[i]));
	} else if (rc == TDV_OK) {
		tdv_stat_key k = TDV_STAT_CHECKPOINT;
		rc = tdv_store_stats(s, "1970-01-01", "9999-12-31", &k, 1,
		    collect_checkpoint, &ids);
		if (rc == TDV_OK)
			rc = ids.rc;
	}
	tdv_ops_checkpoint_status *st = NULL;
	if (rc == TDV_OK && ids.n > 0) {
		st = calloc((size_t)ids.n, sizeof(*st));
		if (st == NULL)
			rc = TDV_ENOMEM;
	}
	for (int i = 0; rc == TDV_OK && i < ids.n; i++)
		rc = tdv_ops_checkpoint_status_get(s, ids.id[i], &st[i]);
	if (rc != TDV_OK) {
		cli_error("status: %s%s%s", tdv_strerror(rc),
		    tdv_store_errmsg(s)[0] ? ": " : "", tdv_store_errmsg(s));
		free(st);
		free(ids.id);
		tdv_store_free(&s);
		return CLI_USAGE;
	}
	tdv_store_free(&s);
	int64_t now = tdv_store_now_ms();
	for (int i = 0; i < nlists; i++) {
		long long t = newest_mtime(lists[i].path);
		lists[i].age_s = t < 0 ? -1 : (long long)(now / 1000) - t;
		if (lists[i].age_s < -1)
			lists[i].age_s = 0;
	}

	if (metrics) {
		printf("# HELP tdverify_info tdverify version and store schema.\n"
		       "# TYPE tdverify_info gauge\n"
		       "tdverify_info{version=\"%s\",backend=\"%s\",schema=\"%d\"} 1\n",
		    TDV_VERSION, sqlite ? "sqlite" : "postgres", schema);
		if (size >= 0)
			printf("# HELP tdverify_store_bytes Size of the store files.\n"
			       "# TYPE tdverify_store_bytes gauge\n"
			       "tdverify_store_bytes %lld\n", size);
		static const char *const names[][2] = {
		    {"movements", "Movements held."},
		    {"sync_backlog", "Movements recorded but not yet delivered."},
		    {"oldest_unsent_age_seconds", "Age of the oldest undelivered movement."},
		    {"last_movement_age_seconds", "Age of the newest movement."},
		    {"audit_seq", "Head of the checkpoint's audit chain."},
		};
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			printf("# HELP tdverify_checkpoint_%s %s\n"
			       "# TYPE tdverify_checkpoint_%s gauge\n",
			    names[k][0], names[k][1], names[k][0]);
			for (int i = 0; i < ids.n; i++) {
				long long v = 0;
				switch (k) {
				case 0: v = st[i].movements; break;
				case 1: v = st[i].backlog; break;
				case 2: v = st[i].oldest_unsent_ms ? (now - st[i].oldest_unsent_ms) / 1000 : 0; break;
				case 3: v = st[i].last_movement_ms ? (now - st[i].last_movement_ms) / 1000 : -1; break;
				default: v = st[i].audit_seq; break;
				}
				printf("tdverify_checkpoint_%s{checkpoint=\"%s\"} %lld\n",
				    names[k][0], st[i].id, v);
			}
		}
		if (nlists > 0)
			printf("# HELP tdverify_list_age_seconds Age of a list or trust store in use.\n"
			       "# TYPE tdverify_list_age_seconds gauge\n");
		for (int i = 0; i < nlists; i++)
			printf("tdverify_list_age_seconds{list=\"%s\"} %lld\n",
			    lists[i].name, lists[i].age_s);
	} else if (json) {
		tdv_buf b;
		tdv_buf_init(&b, 1 << 22);
		tdv_json j;
		tdv_json_init(&j, &b);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "version");
		tdv_json_string(&j, TDV_VERSION);
		tdv_json_key(&j, "backend");
		tdv_json_string(&j, sqlite ? "sqlite" : "postgres");
		tdv_json_key(&j, "schema");
		tdv_json_int(&j, schema);
		tdv_json_key(&j, "store_bytes");
		if (size >= 0)
			tdv_json_int(&j, size);
		else
			tdv_json_null(&j);
		tdv_json_key(&j, "checkpoints");
		tdv_json_array_begin(&j);
		for (int i = 0; i < ids.n; i++)
			tdv_ops_checkpoint_status_to_json(&st[i], now, &j);
		tdv_json_array_end(&j);
		tdv_json_key(&j, "lists");
		tdv_json_object_begin(&j);
		for (int i = 0; i < nlists; i++) {
			tdv_json_key(&j, lists[i].name);
			tdv_json_object_begin(&j);
			tdv_json_key(&j, "path");
			tdv_json_string(&j, lists[i].path);
			tdv_json_key(&j, "age_s");
			tdv_json_int(&j, lists[i].age_s);
			tdv_json_object_end(&j);
		}
		tdv_json_object_end(&j);
		tdv_json_object_end(&j);
		if (tdv_json_error(&j) == 0)
			printf("%s\n", tdv_buf_cstr(&b));
		tdv_buf_free(&b);
	} else {
		char age[32];
		printf("tdverify %s, store %s (schema %d)", TDV_VERSION,
		    sqlite ? "sqlite" : "postgres", schema);
		if (size >= 0)
			printf(", %lld bytes", size);
		printf("\n");
		if (ids.n == 0)
			printf("no checkpoint has movements in this store\n");
		for (int i = 0; i < ids.n; i++) {
			age_text(st[i].oldest_unsent_ms
				? (now - st[i].oldest_unsent_ms) / 1000 : -1,
			    age, sizeof(age));
			printf("checkpoint %-12s movements %lld (seq %lld), sent to %lld, "
			       "backlog %lld%s%s%s\n",
			    st[i].id, (long long)st[i].movements,
			    (long long)st[i].last_seq, (long long)st[i].sent_seq,
			    (long long)st[i].backlog,
			    st[i].backlog ? " (oldest unsent " : "",
			    st[i].backlog ? age : "", st[i].backlog ? " old)" : "");
		}
		for (int i = 0; i < nlists; i++) {
			age_text(lists[i].age_s, age, sizeof(age));
			printf("%-5s %s: %s%s\n", lists[i].name, lists[i].path, age,
			    lists[i].age_s < 0 ? " (missing)" : " old");
		}
	}
	free(st);
	free(ids.id);
	return CLI_OK;
}
