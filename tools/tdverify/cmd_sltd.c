/* tdverify sltd: lost, stolen and revoked travel document lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tdv/buf.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/screen.h"

#define SLTD_DEFAULT_MAX_AGE 2 /* days: the list is refreshed daily */

static void
sltd_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify sltd import --index FILE [--list-date YYYY-MM-DD] [--allow-empty] [--json] CSV\n"
	    "       tdverify sltd update --index FILE [--list-date YYYY-MM-DD] [--json] DELTA.csv\n"
	    "       tdverify sltd lookup --index FILE [--today D] [--max-age DAYS] [--json] STATE NUMBER\n"
	    "       tdverify sltd lookup --index FILE [...] --batch FILE   (lines STATE,NUMBER; - for stdin)\n"
	    "       tdverify sltd stats  --index FILE [--verify] [--today D] [--max-age DAYS] [--json]\n\n"
	    "CSV columns: issuing_state,document_number,document_type,status,date_reported,source\n"
	    "  status: lost, stolen, revoked, invalidated; date: YYYY-MM-DD.\n"
	    "DELTA rows: add,<the six columns>  or  remove,issuing_state,document_number\n"
	    "lookup exits 1 when the document is listed (exact or possible hit), 0 when not.\n");
}

struct err_ctx {
	bool json;
	unsigned long shown;
};

static void
on_row_error(void *ctx, unsigned long line, int code, const char *msg)
{
	struct err_ctx *e = ctx;
	if (e->shown++ < 1000)
		fprintf(stderr, "tdverify: line %lu: %s: %s\n", line, tdv_strerror(code), msg);
	else if (e->shown == 1001)
		fprintf(stderr, "tdverify: more rejected lines not shown\n");
}

static void
print_stats_json(const char *op, const char *index, const tdv_sltd_import_stats *st)
{
	tdv_buf b;
	tdv_json j;
	tdv_buf_init(&b, 4096);
	tdv_json_init(&j, &b);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "operation");
	tdv_json_string(&j, op);
	tdv_json_key(&j, "index");
	tdv_json_string(&j, index);
	tdv_json_key(&j, "version");
	tdv_json_int(&j, (int64_t)st->version);
	tdv_json_key(&j, "records");
	tdv_json_int(&j, (int64_t)st->records);
	tdv_json_key(&j, "lines");
	tdv_json_int(&j, (int64_t)st->lines);
	tdv_json_key(&j, "accepted");
	tdv_json_int(&j, (int64_t)st->accepted);
	tdv_json_key(&j, "rejected");
	tdv_json_int(&j, (int64_t)st->rejected);
	tdv_json_key(&j, "duplicates");
	tdv_json_int(&j, (int64_t)st->duplicates);
	if (strcmp(op, "update") == 0) {
		tdv_json_key(&j, "added");
		tdv_json_int(&j, (int64_t)st->added);
		tdv_json_key(&j, "removed");
		tdv_json_int(&j, (int64_t)st->removed);
		tdv_json_key(&j, "not_found");
		tdv_json_int(&j, (int64_t)st->not_found);
	}
	tdv_json_object_end(&j);
	printf("%s\n", tdv_buf_cstr(&b));
	tdv_buf_free(&b);
}

static int
do_import(bool update, const char *index, const char *input,
    const tdv_sltd_import_opts *opts, bool json)
{
	FILE *in = cli_open_input(input);
	if (in == NULL)
		return CLI_USAGE;
	struct err_ctx ec = {json, 0};
	tdv_sltd_import_opts o = *opts;
	o.on_error = on_row_error;
	o.ctx = &ec;
	tdv_sltd_import_stats st;
	int rc = update ? tdv_sltd_update(index, in, &o, &st) :
	    tdv_sltd_import(in, index, &o, &st);
	if (in != stdin)
		fclose(in);
	if (rc != TDV_OK) {
		if (rc == TDV_ESCREEN_CSV && st.accepted == 0)
			return cli_error("%s: no valid records (%lu lines rejected); "
			    "the previous list version is unchanged", input, st.rejected);
		return cli_error("%s %s: %s; the previous list version is unchanged",
		    update ? "update" : "import", index, tdv_strerror(rc));
	}
	if (json) {
		print_stats_json(update ? "update" : "import", index, &st);
	} else if (update) {
		printf("%s: version %llu, %llu records (%lu added/replaced, %lu removed, "
		    "%lu removals not found, %lu lines rejected)\n", index,
		    (unsigned long long)st.version, (unsigned long long)st.records,
		    st.added, st.removed, st.not_found, st.rejected);
	} else {
		printf("%s: version %llu, %llu records (%lu lines, %lu rejected, "
		    "%lu duplicates)\n", index, (unsigned long long)st.version,
		    (unsigned long long)st.records, st.lines, st.rejected, st.duplicates);
	}
	return st.rejected ? CLI_INVALID : CLI_OK;
}

static void
list_json(tdv_json *j, const tdv_sltd *idx, const tdv_date *today, int max_age)
{
	tdv_sltd_info info;
	tdv_sltd_info_get(idx, &info);
	long age = 0;
	bool stale = tdv_sltd_check_fresh(idx, today, max_age, &age) == TDV_ESCREEN_STALE;
	char d[11];
	tdv_date_format_iso(&info.list_date, d);
	tdv_json_key(j, "list");
	tdv_json_object_begin(j);
	tdv_json_key(j, "version");
	tdv_json_int(j, (int64_t)info.version);
	tdv_json_key(j, "list_date");
	tdv_json_string(j, d);
	tdv_json_key(j, "age_days");
	tdv_json_int(j, age);
	tdv_json_key(j, "stale");
	tdv_json_bool(j, stale);
	tdv_json_object_end(j);
}

static int
lookup_one(const tdv_sltd *idx, const char *state, const char *number,
    const tdv_date *today, int max_age, bool json)
{
	tdv_sltd_hit hits[16];
	size_t n = 0;
	int rc = tdv_sltd_lookup(idx, state, number, hits, 16, &n);
	if (rc != TDV_OK) {
		cli_error("%s %s: %s", state, number, tdv_strerror(rc));
		return CLI_USAGE;
	}
	bool exact = n > 0 && hits[0].exact;
	if (json) {
		tdv_buf b;
		tdv_json j;
		tdv_buf_init(&b, 65536);
		tdv_json_init(&j, &b);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "issuing_state");
		tdv_json_string(&j, state);
		tdv_json_key(&j, "document_number");
		tdv_json_string(&j, number);
		tdv_json_key(&j, "result");
		tdv_json_string(&j, exact ? "hit" : n > 0 ? "possible" : "clear");
		tdv_json_key(&j, "hits");
		tdv_json_array_begin(&j);
		for (size_t i = 0; i < n; i++) {
			char d[11];
			tdv_date_format_iso(&hits[i].rec.reported, d);
			tdv_json_object_begin(&j);
			tdv_json_key(&j, "match");
			tdv_json_string(&j, hits[i].exact ? "exact" : "confusable");
			tdv_json_key(&j, "issuing_state");
			tdv_json_string(&j, hits[i].rec.issuing_state);
			tdv_json_key(&j, "document_number");
			tdv_json_string(&j, hits[i].rec.document_number);
			tdv_json_key(&j, "document_type");
			tdv_json_string_or_null(&j, hits[i].rec.document_type);
			tdv_json_key(&j, "status");
			tdv_json_string(&j, tdv_sltd_status_name(hits[i].rec.status));
			tdv_json_key(&j, "date_reported");
			tdv_json_string(&j, d);
			tdv_json_key(&j, "source");
			tdv_json_string(&j, hits[i].rec.source);
			tdv_json_object_end(&j);
		}
		tdv_json_array_end(&j);
		list_json(&j, idx, today, max_age);
		tdv_json_object_end(&j);
		printf("%s\n", tdv_buf_cstr(&b));
		tdv_buf_free(&b);
	} else {
		if (n == 0)
			printf("%s %s: not listed\n", state, number);
		for (size_t i = 0; i < n; i++) {
			char d[11];
			tdv_date_format_iso(&hits[i].rec.reported, d);
			printf("%s %s: %s %s %s %s reported %s by %s\n", state, number,
			    hits[i].exact ? "HIT" : "POSSIBLE (OCR-confusable)",
			    hits[i].rec.issuing_state, hits[i].rec.document_number,
			    tdv_sltd_status_name(hits[i].rec.status), d,
			    hits[i].rec.source);
		}
	}
	return n > 0 ? CLI_INVALID : CLI_OK;
}

static int
warn_stale(const tdv_sltd *idx, const tdv_date *today, int max_age)
{
	long age = 0;
	if (tdv_sltd_check_fresh(idx, today, max_age, &age) == TDV_ESCREEN_STALE) {
		fprintf(stderr, "tdverify: WARNING: the list is stale: %ld days old "
		    "(limit %d days); refresh it with 'tdverify sltd update'\n", age, max_age);
		return 1;
	}
	return 0;
}

static int
do_lookup(const char *index, int argc, char **argv, const char *batch,
    const tdv_date *today, int max_age, bool json)
{
	tdv_sltd *idx = NULL;
	int rc = tdv_sltd_open(index, &idx);
	if (rc != TDV_OK)
		return cli_error("%s: %s", index, tdv_strerror(rc));
	warn_stale(idx, today, max_age);
	int worst = CLI_OK;
	if (batch != NULL) {
		FILE *in = cli_open_input(batch);
		if (in == NULL) {
			tdv_sltd_free(&idx);
			return CLI_USAGE;
		}
		char line[256];
		unsigned long ln = 0;
		while (fgets(line, sizeof(line), in) != NULL) {
			ln++;
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] == '\0' || line[0] == '#')
				continue;
			char *comma = strchr(line, ',');
			if (comma == NULL) {
				cli_error("%s:%lu: expected STATE,NUMBER", batch, ln);
				worst = CLI_USAGE;
				continue;
			}
			*comma = '\0';
			int r = lookup_one(idx, line, comma + 1, today, max_age, json);
			if (r > worst)
				worst = r;
		}
		if (in != stdin)
			fclose(in);
	} else {
		if (argc != 2) {
			tdv_sltd_free(&idx);
			sltd_usage(stderr);
			return CLI_USAGE;
		}
		worst = lookup_one(idx, argv[0], argv[1], today, max_age, json);
	}
	tdv_sltd_free(&idx);
	return worst;
}

static int
do_stats(const char *index, bool verify, const tdv_date *today, int max_age,
    bool json)
{
	tdv_sltd *idx = NULL;
	int rc = tdv_sltd_open(index, &idx);
	if (rc != TDV_OK)
		return cli_error("%s: %s", index, tdv_strerror(rc));
	int vrc = verify ? tdv_sltd_verify(idx) : TDV_OK;
	tdv_sltd_info info;
	tdv_sltd_info_get(idx, &info);
	long age = 0;
	bool stale = tdv_sltd_check_fresh(idx, today, max_age, &age) == TDV_ESCREEN_STALE;
	char d[11], created[32];
	tdv_date_format_iso(&info.list_date, d);
	time_t ct = (time_t)info.created;
	struct tm tm;
	gmtime_r(&ct, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (json) {
		tdv_buf b;
		tdv_json j;
		tdv_buf_init(&b, 4096);
		tdv_json_init(&j, &b);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "index");
		tdv_json_string(&j, index);
		tdv_json_key(&j, "version");
		tdv_json_int(&j, (int64_t)info.version);
		tdv_json_key(&j, "records");
		tdv_json_int(&j, (int64_t)info.nrecords);
		tdv_json_key(&j, "sources");
		tdv_json_int(&j, info.nsources);
		tdv_json_key(&j, "file_bytes");
		tdv_json_int(&j, (int64_t)info.file_bytes);
		tdv_json_key(&j, "bytes_per_record");
		tdv_json_double(&j, info.bytes_per_record);
		tdv_json_key(&j, "created");
		tdv_json_string(&j, created);
		tdv_json_key(&j, "list_date");
		tdv_json_string(&j, d);
		tdv_json_key(&j, "age_days");
		tdv_json_int(&j, age);
		tdv_json_key(&j, "stale");
		tdv_json_bool(&j, stale);
		if (verify) {
			tdv_json_key(&j, "verified");
			tdv_json_bool(&j, vrc == TDV_OK);
		}
		tdv_json_object_end(&j);
		printf("%s\n", tdv_buf_cstr(&b));
		tdv_buf_free(&b);
	} else {
		printf("index:      %s\nversion:    %llu\nrecords:    %llu\nsources:    %u\n"
		       "file:       %llu bytes (%.1f bytes/record)\ncreated:    %s\n"
		       "list date:  %s (%ld days old%s)\n",
		    index, (unsigned long long)info.version,
		    (unsigned long long)info.nrecords, info.nsources,
		    (unsigned long long)info.file_bytes, info.bytes_per_record, created,
		    d, age, stale ? ", STALE" : "");
		if (verify)
			printf("verified:   %s\n", vrc == TDV_OK ? "yes (SHA-256 and order)" : "NO");
	}
	tdv_sltd_free(&idx);
	if (vrc != TDV_OK)
		return cli_error("%s: %s", index, tdv_strerror(vrc));
	return stale ? CLI_INVALID : CLI_OK;
}

int
cmd_sltd(int argc, char **argv)
{
	if (argc < 2 || cli_flag(argv[1], "--help") || cli_flag(argv[1], "-h")) {
		sltd_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1];
	const char *index = NULL, *batch = NULL;
	bool json = false, verify = false;
	int max_age = SLTD_DEFAULT_MAX_AGE;
	tdv_date today;
	cli_today(&today);
	tdv_sltd_import_opts opts;
	memset(&opts, 0, sizeof(opts));
	char *rest[8];
	int nrest = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "--help") || cli_flag(a, "-h")) {
			sltd_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--json")) {
			json = true;
		} else if (cli_flag(a, "--verify")) {
			verify = true;
		} else if (cli_flag(a, "--allow-empty")) {
			opts.allow_empty = true;
		} else if (cli_flag(a, "--index") || cli_flag(a, "-i") ||
		    cli_flag(a, "--batch") || cli_flag(a, "--list-date") ||
		    cli_flag(a, "--today") || cli_flag(a, "--max-age")) {
			if (i + 1 >= argc)
				return cli_error("%s needs a value", a);
			const char *v = argv[++i];
			if (cli_flag(a, "--index") || cli_flag(a, "-i")) {
				index = v;
			} else if (cli_flag(a, "--batch")) {
				batch = v;
			} else if (cli_flag(a, "--list-date")) {
				if (tdv_date_parse_iso(v, &opts.list_date) != TDV_OK)
					return cli_error("--list-date: expected YYYY-MM-DD, got '%s'", v);
			} else if (cli_flag(a, "--today")) {
				if (cli_parse_today(v, &today) != CLI_OK)
					return CLI_USAGE;
			} else {
				char *end;
				long n = strtol(v, &end, 10);
				if (*v == '\0' || *end != '\0' || n < 0 || n > 36500)
					return cli_error("--max-age: expected days 0-36500, got '%s'", v);
				max_age = (int)n;
			}
		} else if (a[0] == '-' && a[1] != '\0') {
			return cli_error("sltd: unknown option '%s'", a);
		} else {
			if (nrest == 8)
				return cli_error("sltd: too many arguments");
			rest[nrest++] = argv[i];
		}
	}
	if (index == NULL)
		return cli_error("sltd %s: --index FILE is required", sub);
	if (strcmp(sub, "import") == 0 || strcmp(sub, "update") == 0) {
		if (nrest != 1)
			return cli_error("sltd %s: one input file expected", sub);
		return do_import(strcmp(sub, "update") == 0, index, rest[0], &opts, json);
	}
	if (strcmp(sub, "lookup") == 0)
		return do_lookup(index, nrest, rest, batch, &today, max_age, json);
	if (strcmp(sub, "stats") == 0) {
		if (nrest != 0)
			return cli_error("sltd stats: unexpected argument '%s'", rest[0]);
		return do_stats(index, verify, &today, max_age, json);
	}
	sltd_usage(stderr);
	return cli_error("sltd: unknown subcommand '%s'", sub);
}
