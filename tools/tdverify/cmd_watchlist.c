/* tdverify watchlist: import a watchlist of persons and screen travellers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tdv/buf.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/mrz.h"
#include "tdv/screen.h"

#define WL_FILE_MAX (512u << 20) /* 512 MiB of CSV */
#define WL_HEADER "# tdverify watchlist v1"

static void
wl_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify watchlist import --out FILE [--threshold T] [--json] CSV\n"
	    "       tdverify watchlist match --list FILE [--threshold T] [--max-age DAYS] [--json]\n"
	    "           [--dob YYYY[-MM[-DD]]] [--nationality CODE] [--sex M|F|X]\n"
	    "           [--document NUMBER] NAME\n"
	    "       tdverify watchlist match --list FILE [...] --mrz FILE   (one MRZ; - for stdin)\n"
	    "       tdverify watchlist stats --list FILE [--max-age DAYS] [--json]\n\n"
	    "CSV columns: id,names,birth_date,nationality,sex,documents,reason,action\n"
	    "  names and documents: several separated by '|'; names in any supported\n"
	    "  script (Latin, Cyrillic, Greek, Arabic, Thai, Lao, Devanagari, common Han).\n"
	    "import checks every row (bad rows reported with their line numbers and left\n"
	    "out), romanises and indexes the names and writes a compiled list to FILE\n"
	    "(version + 1; a new file renamed over the old one, so a failed import\n"
	    "leaves the previous list). match and stats map the compiled file (a CSV\n"
	    "list is also accepted by match); a list older than --max-age days\n"
	    "(default 2) is reported as stale. match exits 1 when the traveller is on the\n"
	    "list (a hit at or above the threshold), 0 when not.\n");
}

struct rej {
	unsigned long *lines;
	size_t n, cap;
};

static void
on_row_error(void *ctx, unsigned long line, int code, const char *msg)
{
	struct rej *r = ctx;
	if (r->n < 1000)
		fprintf(stderr, "tdverify: line %lu: %s: %s\n", line, tdv_strerror(code), msg);
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 64;
		unsigned long *p = realloc(r->lines, nc * sizeof(*p));
		if (p == NULL)
			return;
		r->lines = p;
		r->cap = nc;
	}
	r->lines[r->n++] = line;
}

static int
slurp(const char *path, tdv_buf *b)
{
	FILE *in = cli_open_input(path);
	if (in == NULL)
		return CLI_USAGE;
	char chunk[65536];
	size_t n;
	int rc = CLI_OK;
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		if (tdv_buf_append(b, chunk, n) != TDV_OK) {
			rc = cli_error("%s: larger than %u bytes", path, WL_FILE_MAX);
			break;
		}
	if (ferror(in))
		rc = cli_error("%s: read error", path);
	if (in != stdin)
		fclose(in);
	return rc;
}

static double
header_threshold(const char *data, size_t len)
{
	if (len < sizeof(WL_HEADER) || memcmp(data, WL_HEADER, sizeof(WL_HEADER) - 1) != 0)
		return 0;
	const char *t = strstr(data, "threshold=");
	const char *nl = memchr(data, '\n', len);
	if (t == NULL || (nl != NULL && t > nl))
		return 0;
	double v = strtod(t + 10, NULL);
	return v > 0 && v <= 1 ? v : 0;
}

static int
do_import(const char *input, const char *out, double threshold, bool json)
{
	tdv_buf b;
	tdv_buf_init(&b, WL_FILE_MAX);
	int rc = slurp(input, &b);
	if (rc != CLI_OK) {
		tdv_buf_free(&b);
		return rc;
	}
	struct rej rej = {NULL, 0, 0};
	tdv_watch_stats st;
	tdv_watchlist *wl = NULL;
	FILE *mem = fmemopen(b.data ? (void *)b.data : (void *)"", b.len, "r");
	int lrc = mem ? tdv_watchlist_load_csv(mem, threshold, on_row_error, &rej, &wl, &st) : TDV_ENOMEM;
	if (mem)
		fclose(mem);
	if (lrc != TDV_OK) {
		tdv_buf_free(&b);
		free(rej.lines);
		return cli_error("%s: %s; the previous list (if any) is unchanged", input,
		    lrc == TDV_ESCREEN_CSV ? "no valid entries" : tdv_strerror(lrc));
	}
	uint64_t version = 0;
	int src = tdv_watchlist_save(wl, out, &version);
	if (src != TDV_OK) {
		tdv_watchlist_free(&wl);
		tdv_buf_free(&b);
		free(rej.lines);
		return cli_error("%s: cannot write the compiled list: %s; the previous list (if any) is unchanged",
		    out, tdv_strerror(src));
	}
	if (json) {
		tdv_buf jb;
		tdv_json j;
		tdv_buf_init(&jb, 8192);
		tdv_json_init(&j, &jb);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "operation");
		tdv_json_string(&j, "import");
		tdv_json_key(&j, "list");
		tdv_json_string(&j, out);
		tdv_json_key(&j, "version");
		tdv_json_int(&j, (int64_t)version);
		tdv_json_key(&j, "entries");
		tdv_json_int(&j, (int64_t)tdv_watchlist_size(wl));
		tdv_json_key(&j, "names");
		tdv_json_int(&j, (int64_t)st.names);
		tdv_json_key(&j, "lines");
		tdv_json_int(&j, (int64_t)st.lines);
		tdv_json_key(&j, "rejected");
		tdv_json_int(&j, (int64_t)st.rejected);
		tdv_json_key(&j, "threshold");
		tdv_json_double(&j, tdv_watchlist_threshold(wl));
		tdv_json_object_end(&j);
		printf("%s\n", tdv_buf_cstr(&jb));
		tdv_buf_free(&jb);
	} else
		printf("%s: version %llu, %zu entries, %lu names and aliases (%lu lines, %lu rejected), "
		       "threshold %.2f\n", out, (unsigned long long)version, tdv_watchlist_size(wl),
		    st.names, st.lines, st.rejected, tdv_watchlist_threshold(wl));
	tdv_watchlist_free(&wl);
	tdv_buf_free(&b);
	free(rej.lines);
	return st.rejected ? CLI_INVALID : CLI_OK;
}

static int
parse_dob(const char *s, tdv_date *d)
{
	memset(d, 0, sizeof(*d));
	size_t n = strlen(s);
	char full[11];
	if (n == 4 || n == 7) {
		snprintf(full, sizeof(full), "%s%s", s, n == 4 ? "-01-01" : "-01");
		if (tdv_date_parse_iso(full, d) != TDV_OK)
			return -1;
		if (n == 4)
			d->month = 0;
		d->day = 0;
		return 0;
	}
	return tdv_date_parse_iso(s, d) == TDV_OK ? 0 : -1;
}

/* A compiled list (mapped) or a CSV list (parsed and indexed here). */
static int
load_list(const char *list, double threshold, tdv_watchlist **wl)
{
	char magic[8] = {0};
	size_t got = 0;
	FILE *f = strcmp(list, "-") == 0 ? NULL : fopen(list, "rb");
	if (f != NULL) {
		got = fread(magic, 1, sizeof(magic), f);
		fclose(f);
	}
	if (got >= 4 && memcmp(magic, "TDVW", 4) == 0) {
		int rc = tdv_watchlist_open(list, wl);
		/* A file of an older (or newer) format says so. */
		if (rc == TDV_ESCREEN_INDEX && got == 8 && memcmp(magic, "TDVWLST", 7) == 0 &&
		    magic[7] >= '1' && magic[7] <= '9' && magic[7] - '0' != TDV_WATCHLIST_FORMAT)
			return cli_error("%s: compiled watchlist of format %c; this tdverify reads format %d: import the list again",
			    list, magic[7], TDV_WATCHLIST_FORMAT);
		if (rc != TDV_OK)
			return cli_error("%s: %s", list, rc == TDV_ESCREEN_INDEX ?
			    "compiled watchlist truncated, damaged or of another version; import the list again" :
			    tdv_strerror(rc));
		if (threshold > 0)
			tdv_watchlist_set_threshold(*wl, threshold);
		return CLI_OK;
	}
	tdv_buf b;
	tdv_buf_init(&b, WL_FILE_MAX);
	int rc = slurp(list, &b);
	if (rc != CLI_OK) {
		tdv_buf_free(&b);
		return rc;
	}
	if (threshold <= 0)
		threshold = header_threshold((const char *)b.data, b.len);
	struct rej rej = {NULL, 0, 0};
	FILE *mem = fmemopen(b.data ? (void *)b.data : (void *)"", b.len, "r");
	int lrc = mem ? tdv_watchlist_load_csv(mem, threshold, on_row_error, &rej, wl, NULL) : TDV_ENOMEM;
	if (mem)
		fclose(mem);
	tdv_buf_free(&b);
	free(rej.lines);
	if (lrc != TDV_OK)
		return cli_error("%s: %s", list, lrc == TDV_ESCREEN_CSV ? "no valid entries" : tdv_strerror(lrc));
	return CLI_OK;
}

static void
info_json(tdv_json *j, const tdv_watchlist *wl, int max_age)
{
	tdv_watchlist_info info;
	tdv_watchlist_info_get(wl, &info);
	long age = 0;
	bool stale = tdv_watchlist_check_fresh(wl, (int64_t)time(NULL), max_age, &age) ==
	    TDV_ESCREEN_STALE;
	tdv_json_key(j, "list_version");
	tdv_json_int(j, (int64_t)info.version);
	tdv_json_key(j, "list_created");
	tdv_json_int(j, info.created);
	tdv_json_key(j, "list_age_days");
	tdv_json_int(j, age);
	tdv_json_key(j, "stale");
	tdv_json_bool(j, stale);
}

static void
warn_stale(const tdv_watchlist *wl, int max_age)
{
	long age = 0;
	if (tdv_watchlist_check_fresh(wl, (int64_t)time(NULL), max_age, &age) == TDV_ESCREEN_STALE)
		fprintf(stderr, "tdverify: WARNING: the watchlist is stale: imported %ld days ago "
		    "(limit %d days); import a current list\n", age, max_age);
}

static int
do_stats(const char *list, int max_age, bool json)
{
	tdv_watchlist *wl = NULL;
	int rc = load_list(list, 0, &wl);
	if (rc != CLI_OK)
		return rc;
	tdv_watchlist_info info;
	tdv_watchlist_info_get(wl, &info);
	long age = 0;
	bool stale = tdv_watchlist_check_fresh(wl, (int64_t)time(NULL), max_age, &age) ==
	    TDV_ESCREEN_STALE;
	if (json) {
		tdv_buf jb;
		tdv_json j;
		tdv_buf_init(&jb, 8192);
		tdv_json_init(&j, &jb);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "list");
		tdv_json_string(&j, list);
		info_json(&j, wl, max_age);
		tdv_json_key(&j, "entries");
		tdv_json_int(&j, (int64_t)info.entries);
		tdv_json_key(&j, "names");
		tdv_json_int(&j, (int64_t)info.names);
		tdv_json_key(&j, "distinct_names");
		tdv_json_int(&j, (int64_t)info.forms);
		tdv_json_key(&j, "threshold");
		tdv_json_double(&j, info.threshold);
		tdv_json_key(&j, "file_bytes");
		tdv_json_int(&j, (int64_t)info.file_bytes);
		tdv_json_object_end(&j);
		printf("%s\n", tdv_buf_cstr(&jb));
		tdv_buf_free(&jb);
	} else {
		printf("%s: version %llu, imported %ld days ago%s; %zu entries, %zu names and "
		    "aliases (%zu distinct romanised), threshold %.2f, %llu bytes\n",
		    list, (unsigned long long)info.version, age, stale ? " (STALE)" : "",
		    info.entries, info.names, info.forms, info.threshold,
		    (unsigned long long)info.file_bytes);
	}
	tdv_watchlist_free(&wl);
	return stale ? CLI_INVALID : CLI_OK;
}

static int
do_match(const char *list, double threshold, int max_age, bool json, tdv_traveller *t)
{
	tdv_watchlist *wl = NULL;
	int lrc = load_list(list, threshold, &wl);
	if (lrc != CLI_OK)
		return lrc;
	warn_stale(wl, max_age);
	tdv_watch_hit *hits = calloc(10, sizeof(*hits));
	size_t n = 0;
	int mrc = hits ? tdv_watchlist_match(wl, t, hits, 10, &n) : TDV_ENOMEM;
	if (mrc != TDV_OK) {
		free(hits);
		tdv_watchlist_free(&wl);
		return cli_error("%s: %s", t->name, tdv_strerror(mrc));
	}
	tdv_buf out;
	tdv_buf_init(&out, 1 << 20);
	if (json) {
		tdv_json j;
		tdv_json_init(&j, &out);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "name");
		tdv_json_string(&j, t->name);
		tdv_json_key(&j, "result");
		tdv_json_string(&j, n ? "hit" : "clear");
		tdv_json_key(&j, "threshold");
		tdv_json_double(&j, tdv_watchlist_threshold(wl));
		info_json(&j, wl, max_age);
		tdv_json_key(&j, "hits");
		tdv_json_array_begin(&j);
		for (size_t i = 0; i < n; i++) {
			tdv_json_object_begin(&j);
			tdv_json_key(&j, "id");
			tdv_json_string(&j, hits[i].id);
			tdv_json_key(&j, "score");
			tdv_json_double(&j, (double)(long)(hits[i].score * 10000 + 0.5) / 10000.0);
			tdv_json_key(&j, "name_score");
			tdv_json_double(&j, (double)(long)(hits[i].name_score * 10000 + 0.5) / 10000.0);
			tdv_json_key(&j, "matched_name");
			tdv_json_string(&j, hits[i].matched_name);
			tdv_json_key(&j, "evidence");
			tdv_json_string(&j, hits[i].evidence);
			tdv_json_key(&j, "reason");
			tdv_json_string(&j, hits[i].reason);
			tdv_json_key(&j, "action");
			tdv_json_string(&j, hits[i].action);
			tdv_json_key(&j, "name_match");
			tdv_name_result_to_json(&hits[i].detail, &j);
			tdv_json_object_end(&j);
		}
		tdv_json_array_end(&j);
		tdv_json_object_end(&j);
	} else {
		if (n == 0)
			tdv_buf_printf(&out, "%s: not on the list", t->name);
		for (size_t i = 0; i < n; i++) {
			tdv_buf_printf(&out, "%sHIT %s score %.3f (name %.3f%s%s) %s; reason: %s; action: %s\n  ",
			    i ? "\n" : "", hits[i].id, hits[i].score, hits[i].name_score,
			    hits[i].evidence[0] ? "; " : "", hits[i].evidence,
			    hits[i].matched_name, hits[i].reason, hits[i].action);
			tdv_name_explain(&hits[i].detail, &out);
		}
	}
	printf("%s\n", tdv_buf_cstr(&out));
	tdv_buf_free(&out);
	free(hits);
	tdv_watchlist_free(&wl);
	return n ? CLI_INVALID : CLI_OK;
}

int
cmd_watchlist(int argc, char **argv)
{
	if (argc < 2 || cli_flag(argv[1], "--help") || cli_flag(argv[1], "-h")) {
		wl_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1], *out = NULL, *list = NULL, *mrzfile = NULL;
	const char *rest[2];
	int nrest = 0;
	bool json = false;
	double threshold = 0;
	int max_age = 2;
	tdv_traveller t;
	memset(&t, 0, sizeof(t));
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "--help") || cli_flag(a, "-h")) {
			wl_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--json")) {
			json = true;
		} else if (cli_flag(a, "--out") || cli_flag(a, "--list") ||
		    cli_flag(a, "--threshold") || cli_flag(a, "--dob") ||
		    cli_flag(a, "--nationality") || cli_flag(a, "--sex") ||
		    cli_flag(a, "--document") || cli_flag(a, "--mrz") ||
		    cli_flag(a, "--max-age")) {
			if (i + 1 >= argc)
				return cli_error("%s needs a value", a);
			const char *v = argv[++i];
			if (cli_flag(a, "--out")) {
				out = v;
			} else if (cli_flag(a, "--list")) {
				list = v;
			} else if (cli_flag(a, "--mrz")) {
				mrzfile = v;
			} else if (cli_flag(a, "--max-age")) {
				char *end;
				long d = strtol(v, &end, 10);
				if (*v == '\0' || *end != '\0' || d < 0 || d > 36500)
					return cli_error("--max-age: expected a number of days, got '%s'", v);
				max_age = (int)d;
			} else if (cli_flag(a, "--threshold")) {
				char *end;
				threshold = strtod(v, &end);
				if (*v == '\0' || *end != '\0' || !(threshold > 0 && threshold <= 1))
					return cli_error("--threshold: expected a number in (0, 1], got '%s'", v);
			} else if (cli_flag(a, "--dob")) {
				if (parse_dob(v, &t.birth) != 0)
					return cli_error("--dob: expected YYYY, YYYY-MM or YYYY-MM-DD, got '%s'", v);
			} else if (cli_flag(a, "--nationality")) {
				t.nationality = v;
			} else if (cli_flag(a, "--sex")) {
				if (strlen(v) != 1 || strchr("MFX", v[0]) == NULL)
					return cli_error("--sex: expected M, F or X");
				t.sex = v[0];
			} else {
				t.document_number = v;
			}
		} else if (a[0] == '-' && a[1] == '-') {
			return cli_error("watchlist: unknown option '%s'", a);
		} else {
			if (nrest == 2)
				return cli_error("watchlist %s: too many arguments", sub);
			rest[nrest++] = a;
		}
	}
	if (strcmp(sub, "import") == 0) {
		if (out == NULL || nrest != 1)
			return cli_error("watchlist import: --out FILE and one CSV file expected");
		return do_import(rest[0], out, threshold, json);
	}
	if (strcmp(sub, "stats") == 0) {
		if (list == NULL || nrest != 0)
			return cli_error("watchlist stats: --list FILE expected");
		return do_stats(list, max_age, json);
	}
	if (strcmp(sub, "match") == 0) {
		if (list == NULL)
			return cli_error("watchlist match: --list FILE is required");
		char name[2 * TDV_MRZ_LINE_MAX + 4];
		tdv_mrz m;
		if (mrzfile != NULL) {
			tdv_buf b;
			tdv_buf_init(&b, 4096);
			int rc = slurp(mrzfile, &b);
			if (rc != CLI_OK) {
				tdv_buf_free(&b);
				return rc;
			}
			tdv_date today;
			cli_today(&today);
			tdv_mrz_parse_text(tdv_buf_cstr(&b), b.len, &today, &m);
			tdv_buf_free(&b);
			if (m.format == TDV_MRZ_UNKNOWN || m.surname[0] == '\0')
				return cli_error("%s: no MRZ name found", mrzfile);
			/* MRZ form keeps the surname/given split and the
			 * truncation signal (a full field). */
			snprintf(name, sizeof(name), "%s<<%s", m.surname, m.given_names);
			for (char *c = name; *c; c++)
				if (*c == ' ')
					*c = '<';
			t.name = name;
			if (t.birth.year == 0 && m.birth_date.year != 0)
				t.birth = m.birth_date;
			if (t.nationality == NULL)
				t.nationality = m.nationality;
			if (t.sex == 0 && (m.sex == 'M' || m.sex == 'F'))
				t.sex = m.sex;
			if (t.document_number == NULL)
				t.document_number = m.document_number;
		} else {
			if (nrest != 1)
				return cli_error("watchlist match: one NAME (or --mrz FILE) expected");
			t.name = rest[0];
		}
		return do_match(list, threshold, max_age, json, &t);
	}
	wl_usage(stderr);
	return cli_error("watchlist: unknown subcommand '%s'", sub);
}
