/*
 * tdverify report: movement statistics between two days, grouped by day,
 * checkpoint, direction, nationality, sex, age band, document type,
 * decision or fraud type; as a table, CSV or NDJSON.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "cli_store.h"
#include "tdv/error.h"
#include "tdv/json.h"

static void
report_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify report --from YYYY-MM-DD --to YYYY-MM-DD [--by KEY[,KEY...]]\n"
	    "                       [--csv | --json] [--officer ID --checkpoint ID] [--db URI]\n\n"
	    "Count movements between two days (inclusive, UTC): total, admitted,\n"
	    "refused, referred and detected frauds, grouped by up to 4 keys:\n"
	    "  day checkpoint direction nationality sex age document decision fraud\n"
	    "(age: 0-17 18-29 30-44 45-59 60+ unknown, on the day of the movement;\n"
	    "fraud: the class of the failing check, e.g. mrz, lost_stolen).\n\n"
	    "options:\n"
	    "  --csv            CSV with a header line\n"
	    "  --json           one JSON object per group\n"
	    "  --officer ID, --checkpoint ID\n"
	    "                   record who viewed the report in that checkpoint's audit log\n"
	    "  --db URI         sqlite:PATH or postgres:CONNINFO (default " CLI_DEFAULT_DB ")\n\n"
	    "exit status: 0 success, 2 usage or store error\n");
}

struct report_ctx {
	int nkeys;
	tdv_stat_key keys[TDV_STAT_MAX_KEYS];
	bool csv, json;
	tdv_buf out;
	int64_t rows;
};

/* CSV field: quoted when it holds a comma, quote or line break. */
static void
csv_field(tdv_buf *b, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		tdv_buf_puts(b, s);
		return;
	}
	tdv_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			tdv_buf_putc(b, '"');
		tdv_buf_putc(b, *s);
	}
	tdv_buf_putc(b, '"');
}

static int
report_row(void *ctx, const tdv_stat_row *r)
{
	struct report_ctx *c = ctx;
	tdv_buf_reset(&c->out);
	if (c->json) {
		tdv_json j;
		tdv_json_init(&j, &c->out);
		tdv_json_object_begin(&j);
		for (int i = 0; i < r->nkeys; i++) {
			tdv_json_key(&j, tdv_stat_key_name(c->keys[i]));
			tdv_json_string(&j, r->keys[i]);
		}
		tdv_json_key(&j, "movements");
		tdv_json_int(&j, r->movements);
		tdv_json_key(&j, "admitted");
		tdv_json_int(&j, r->admitted);
		tdv_json_key(&j, "refused");
		tdv_json_int(&j, r->refused);
		tdv_json_key(&j, "referred");
		tdv_json_int(&j, r->referred);
		tdv_json_key(&j, "frauds");
		tdv_json_int(&j, r->frauds);
		tdv_json_object_end(&j);
		tdv_buf_putc(&c->out, '\n');
	} else if (c->csv) {
		for (int i = 0; i < r->nkeys; i++) {
			csv_field(&c->out, r->keys[i]);
			tdv_buf_putc(&c->out, ',');
		}
		tdv_buf_printf(&c->out, "%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64
		    ",%" PRId64 "\n", r->movements, r->admitted, r->refused, r->referred,
		    r->frauds);
	} else {
		for (int i = 0; i < r->nkeys; i++)
			tdv_buf_printf(&c->out, "%-12s ", r->keys[i][0] ? r->keys[i] : "-");
		tdv_buf_printf(&c->out, "%10" PRId64 " %9" PRId64 " %8" PRId64 " %9" PRId64
		    " %7" PRId64 "\n", r->movements, r->admitted, r->refused, r->referred,
		    r->frauds);
	}
	fwrite(c->out.data, 1, c->out.len, stdout);
	c->rows++;
	return 0;
}

static int
parse_keys(const char *list, struct report_ctx *c)
{
	char buf[256];
	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		return cli_error("--by: too long");
	char *p = buf;
	while (p != NULL && *p != '\0') {
		char *comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		if (c->nkeys >= TDV_STAT_MAX_KEYS)
			return cli_error("--by: at most %d keys", TDV_STAT_MAX_KEYS);
		if (tdv_stat_key_parse(p, &c->keys[c->nkeys]) != TDV_OK)
			return cli_error("--by: unknown key '%s' (day checkpoint direction "
					 "nationality sex age document decision fraud)", p);
		c->nkeys++;
		p = comma ? comma + 1 : NULL;
	}
	return CLI_OK;
}

int
cmd_report(int argc, char **argv)
{
	struct report_ctx c;
	memset(&c, 0, sizeof(c));
	const char *from = NULL, *to = NULL, *db = NULL, *officer = NULL, *cp = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "-h") || cli_flag(a, "--help")) {
			report_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--csv")) {
			c.csv = true;
		} else if (cli_flag(a, "--json")) {
			c.json = true;
		} else if (i + 1 < argc && cli_flag(a, "--from")) {
			from = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--to")) {
			to = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--db")) {
			db = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--officer")) {
			officer = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--checkpoint")) {
			cp = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--by")) {
			if (parse_keys(argv[++i], &c) != CLI_OK)
				return CLI_USAGE;
		} else {
			return cli_error("report: unknown or incomplete option '%s'", a);
		}
	}
	tdv_date d;
	if (from == NULL || to == NULL)
		return cli_error("report: --from and --to are required");
	if (tdv_date_parse_iso(from, &d) != TDV_OK || tdv_date_parse_iso(to, &d) != TDV_OK)
		return cli_error("report: dates must be YYYY-MM-DD");
	if (c.csv && c.json)
		return cli_error("report: --csv or --json, not both");
	if ((officer == NULL) != (cp == NULL))
		return cli_error("report: --officer and --checkpoint go together");
	tdv_store *st = cli_store_open(db);
	if (st == NULL)
		return CLI_USAGE;
	tdv_buf_init(&c.out, 1 << 16);
	int code = CLI_OK;
	if (officer != NULL) {
		char detail[300];
		snprintf(detail, sizeof(detail), "from=%s to=%s", from, to);
		int rc = tdv_store_audit_append(st, cp, officer, "report.view", "", detail,
		    NULL);
		if (rc != TDV_OK) {
			code = cli_error("report: cannot audit the view: %s", tdv_strerror(rc));
			goto out;
		}
	}
	if (c.csv) {
		for (int i = 0; i < c.nkeys; i++)
			printf("%s,", tdv_stat_key_name(c.keys[i]));
		printf("movements,admitted,refused,referred,frauds\n");
	} else if (!c.json) {
		for (int i = 0; i < c.nkeys; i++)
			printf("%-12s ", tdv_stat_key_name(c.keys[i]));
		printf("%10s %9s %8s %9s %7s\n", "movements", "admitted", "refused",
		    "referred", "frauds");
	}
	int rc = tdv_store_stats(st, from, to, c.keys, c.nkeys, report_row, &c);
	if (rc != TDV_OK)
		code = cli_error("report: %s %s", tdv_strerror(rc), tdv_store_errmsg(st));
out:
	tdv_buf_free(&c.out);
	tdv_store_free(&st);
	return code;
}
