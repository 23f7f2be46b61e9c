/*
 * tdverify mrz parse|generate: the MRZ engine from the command line.
 *
 * parse streams its input: documents are read one at a time with bounded
 * line buffers, so a 1 MB line or a million documents use constant memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/mrz.h"

#define KEEP 64 /* characters of a line kept; longer lines are not MRZ lines */

static void
mrz_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify mrz parse [--json] [--correct] [--today YYYY-MM-DD] [FILE|-]\n"
	    "       tdverify mrz generate [--json] [--today YYYY-MM-DD] FILE|-\n\n"
	    "parse     read machine readable zones (ICAO 9303 TD1, TD2, TD3, MRV-A,\n"
	    "          MRV-B, French ID): one document's lines on consecutive lines,\n"
	    "          documents separated by a blank line, or one document per\n"
	    "          line with its lines joined by '|'. Checks every check digit,\n"
	    "          date and code.\n"
	    "generate  read JSON objects (one per line) with the parse field names\n"
	    "          and print correct MRZ lines.\n\n"
	    "options:\n"
	    "  --json        one JSON object per document per line (NDJSON)\n"
	    "  --correct     correct OCR misreads using check digits (parse)\n"
	    "  --today DATE  reference date for expiry and two-digit years\n"
	    "  -h, --help    this text\n\n"
	    "exit status: 0 all documents valid, 1 some invalid, 2 usage or input error\n");
}

struct doc {
	int n;
	char line[TDV_MRZ_MAX_LINES + 1][KEEP + 1];
	size_t len[TDV_MRZ_MAX_LINES + 1];
	size_t lineno; /* input line where the document starts */
};

struct parse_opts {
	bool json, correct;
	tdv_date today;
	size_t ndocs, ninvalid;
	tdv_buf out;
	bool progress;
};

static void
emit(struct parse_opts *o, tdv_mrz *m, size_t lineno)
{
	tdv_buf_reset(&o->out);
	if (o->json) {
		tdv_json j;
		tdv_json_init(&j, &o->out);
		tdv_mrz_to_json(m, &j);
		tdv_buf_putc(&o->out, '\n');
	} else {
		tdv_buf_printf(&o->out, "Document %zu (input line %zu)\n", o->ndocs + 1,
		    lineno);
		tdv_mrz_report(m, &o->out);
		tdv_buf_putc(&o->out, '\n');
	}
	fwrite(o->out.data, 1, o->out.len, stdout);
	o->ndocs++;
	if (!m->valid)
		o->ninvalid++;
	if (o->progress && o->ndocs % 10000 == 0)
		fprintf(stderr, "\r%zu documents read", o->ndocs);
}

static void
flush_doc(struct parse_opts *o, struct doc *d)
{
	if (d->n == 0)
		return;
	tdv_mrz m;
	for (int i = 0; i < d->n; i++)
		if (d->len[i] > KEEP || d->n > TDV_MRZ_MAX_LINES) {
			memset(&m, 0, sizeof(m));
			m.nerrors = 1;
			m.errors[0].code = TDV_EMRZ_FORMAT;
			snprintf(m.errors[0].field, sizeof(m.errors[0].field), "mrz");
			if (d->n > TDV_MRZ_MAX_LINES)
				snprintf(m.errors[0].message, sizeof(m.errors[0].message),
				    "more than 3 lines: an MRZ has 2 or 3 lines");
			else
				snprintf(m.errors[0].message, sizeof(m.errors[0].message),
				    "line %d is %zu characters long: MRZ lines have 30, 36 or 44",
				    i + 1, d->len[i]);
			emit(o, &m, d->lineno);
			d->n = 0;
			return;
		}
	const char *ptrs[TDV_MRZ_MAX_LINES];
	for (int i = 0; i < d->n; i++)
		ptrs[i] = d->line[i];
	if (o->correct)
		tdv_mrz_correct(ptrs, d->len, d->n, &o->today, &m);
	else
		tdv_mrz_parse(ptrs, d->len, d->n, &o->today, &m);
	emit(o, &m, d->lineno);
	d->n = 0;
}

static bool
complete(const struct doc *d)
{
	if (d->n == 2 && d->len[0] == d->len[1] && (d->len[0] == 44 || d->len[0] == 36))
		return true;
	return d->n == 3;
}

static void
add_line(struct parse_opts *o, struct doc *d, const char *s, size_t n,
    size_t lineno)
{
	if (d->n == 0)
		d->lineno = lineno;
	if (d->n <= TDV_MRZ_MAX_LINES) {
		size_t c = n > KEEP ? KEEP : n;
		memcpy(d->line[d->n], s, c);
		d->line[d->n][c] = '\0';
		d->len[d->n] = n;
	}
	d->n++;
	if (complete(d))
		flush_doc(o, d);
}

/* Read one line into buf (at most cap bytes kept); returns the full length,
 * or -1 at end of input. Never stores more than cap bytes. */
static long long
read_line(FILE *f, char *buf, size_t cap, size_t *kept)
{
	long long n = 0;
	size_t k = 0;
	int c;
	while ((c = getc(f)) != EOF) {
		if (c == '\n')
			break;
		if (k < cap)
			buf[k++] = (char)c;
		n++;
	}
	*kept = k;
	if (c == EOF && n == 0)
		return -1;
	return n;
}

static int
parse_stream(FILE *f, struct parse_opts *o)
{
	struct doc d = {0};
	char buf[KEEP * 4 + 4];
	size_t lineno = 0, kept;
	long long n;
	while ((n = read_line(f, buf, sizeof(buf), &kept)) >= 0) {
		lineno++;
		size_t len = (size_t)n;
		/* trailing CR and spaces are tolerated */
		while (kept > 0 && len == kept &&
		    (buf[kept - 1] == '\r' || buf[kept - 1] == ' ' || buf[kept - 1] == '\t'))
			kept--, len--;
		if (len == 0) {
			flush_doc(o, &d);
			continue;
		}
		if (len == kept && memchr(buf, '|', kept) != NULL) {
			flush_doc(o, &d);
			size_t s = 0;
			for (size_t i = 0; i <= kept; i++)
				if (i == kept || buf[i] == '|') {
					add_line(o, &d, buf + s, i - s, lineno);
					if (d.n == 0 && i < kept) /* flushed early: extra parts */
						d.lineno = lineno;
					s = i + 1;
				}
			flush_doc(o, &d);
			continue;
		}
		add_line(o, &d, buf, len, lineno);
	}
	flush_doc(o, &d);
	if (ferror(f))
		return cli_error("read error: %s", strerror(errno));
	return CLI_OK;
}

static int
mrz_parse(int argc, char **argv)
{
	struct parse_opts o = {0};
	const char *path = "-";
	int nfiles = 0;
	cli_today(&o.today);
	for (int i = 1; i < argc; i++) {
		if (cli_flag(argv[i], "--json"))
			o.json = true;
		else if (cli_flag(argv[i], "--correct"))
			o.correct = true;
		else if (cli_flag(argv[i], "--today")) {
			if (++i >= argc)
				return cli_error("--today needs a date YYYY-MM-DD");
			if (cli_parse_today(argv[i], &o.today) != CLI_OK)
				return CLI_USAGE;
		} else if (cli_flag(argv[i], "--help") || cli_flag(argv[i], "-h")) {
			mrz_usage(stdout);
			return CLI_OK;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_error("mrz parse: unknown option '%s'", argv[i]);
		else {
			path = argv[i];
			nfiles++;
		}
	}
	if (nfiles > 1)
		return cli_error("mrz parse: one input file at a time");
	FILE *f = cli_open_input(path);
	if (f == NULL)
		return CLI_USAGE;
	tdv_buf_init(&o.out, 1 << 16);
	o.progress = isatty(STDERR_FILENO) && !isatty(STDIN_FILENO);
	int rc = parse_stream(f, &o);
	if (f != stdin)
		fclose(f);
	tdv_buf_free(&o.out);
	if (o.progress && o.ndocs >= 10000)
		fprintf(stderr, "\r%zu documents read\n", o.ndocs);
	if (rc != CLI_OK)
		return rc;
	if (o.ndocs == 0)
		return cli_error("no MRZ in input");
	return o.ninvalid ? CLI_INVALID : CLI_OK;
}

/* --- generate ------------------------------------------------------- */

static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int
jdate(json_t *o, const char *key, tdv_date *d)
{
	memset(d, 0, sizeof(*d));
	const char *s = jstr(o, key);
	if (s == NULL || *s == '\0')
		return TDV_OK;
	return tdv_date_parse_iso(s, d);
}

static tdv_mrz_format
format_from_name(const char *s)
{
	static const struct {
		const char *name;
		tdv_mrz_format f;
	} names[] = {{"TD1", TDV_MRZ_TD1}, {"TD2", TDV_MRZ_TD2}, {"TD3", TDV_MRZ_TD3},
	    {"MRVA", TDV_MRZ_MRVA}, {"MRVB", TDV_MRZ_MRVB}, {"FRA_ID", TDV_MRZ_FRA_ID}};
	if (s == NULL)
		return TDV_MRZ_TD3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].f;
	return TDV_MRZ_UNKNOWN;
}

static int
generate_one(json_t *obj, const tdv_date *today, bool json, size_t lineno,
    tdv_buf *out)
{
	tdv_mrz_input in = {0};
	in.format = format_from_name(jstr(obj, "format"));
	if (in.format == TDV_MRZ_UNKNOWN) {
		cli_error("line %zu: unknown format '%s'", lineno, jstr(obj, "format"));
		return CLI_INVALID;
	}
	in.document_code = jstr(obj, "document_code");
	in.issuing_state = jstr(obj, "issuing_state");
	in.surname = jstr(obj, "surname");
	in.given_names = jstr(obj, "given_names");
	in.document_number = jstr(obj, "document_number");
	in.nationality = jstr(obj, "nationality");
	in.optional_data = jstr(obj, "optional_data");
	in.optional_data_2 = jstr(obj, "optional_data_2");
	const char *sex = jstr(obj, "sex");
	in.sex = sex && *sex ? sex[0] : '<';
	if (jdate(obj, "birth_date", &in.birth_date) != TDV_OK ||
	    jdate(obj, "expiry_date", &in.expiry_date) != TDV_OK) {
		cli_error("line %zu: dates must be YYYY-MM-DD calendar dates", lineno);
		return CLI_INVALID;
	}
	tdv_mrz m;
	int rc = tdv_mrz_generate(&in, today, &m);
	if (rc != TDV_OK) {
		cli_error("line %zu: cannot generate: %s", lineno, tdv_strerror(rc));
		return CLI_INVALID;
	}
	tdv_buf_reset(out);
	if (json) {
		tdv_json j;
		tdv_json_init(&j, out);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "lines");
		tdv_json_array_begin(&j);
		for (int i = 0; i < m.nlines; i++)
			tdv_json_string(&j, m.lines[i]);
		tdv_json_array_end(&j);
		tdv_mrz_json_members(&m, &j);
		tdv_json_object_end(&j);
		tdv_buf_putc(out, '\n');
	} else {
		for (int i = 0; i < m.nlines; i++)
			tdv_buf_printf(out, "%s\n", m.lines[i]);
		tdv_buf_putc(out, '\n');
	}
	fwrite(out->data, 1, out->len, stdout);
	return CLI_OK;
}

static int
mrz_generate(int argc, char **argv)
{
	bool json = false;
	const char *path = NULL;
	tdv_date today;
	cli_today(&today);
	for (int i = 1; i < argc; i++) {
		if (cli_flag(argv[i], "--json"))
			json = true;
		else if (cli_flag(argv[i], "--today")) {
			if (++i >= argc)
				return cli_error("--today needs a date YYYY-MM-DD");
			if (cli_parse_today(argv[i], &today) != CLI_OK)
				return CLI_USAGE;
		} else if (cli_flag(argv[i], "--help") || cli_flag(argv[i], "-h")) {
			mrz_usage(stdout);
			return CLI_OK;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_error("mrz generate: unknown option '%s'", argv[i]);
		else if (path != NULL)
			return cli_error("mrz generate: one input file at a time");
		else
			path = argv[i];
	}
	if (path == NULL)
		return cli_error("mrz generate: give a JSON file, or - for stdin");
	FILE *f = cli_open_input(path);
	if (f == NULL)
		return CLI_USAGE;
	tdv_buf out;
	tdv_buf_init(&out, 1 << 16);
	char *line = NULL;
	size_t cap = 0, lineno = 0, ndocs = 0;
	ssize_t n;
	int status = CLI_OK;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (n > 1 << 20) {
			status = cli_error("line %zu: longer than 1 MiB", lineno);
			break;
		}
		json_error_t err;
		json_t *v = json_loadb(line, (size_t)n, 0, &err);
		if (v == NULL) {
			bool blank = strspn(line, " \t\r\n") == (size_t)n;
			if (!blank) {
				cli_error("line %zu: invalid JSON: %s", lineno, err.text);
				status = CLI_USAGE;
			}
			continue;
		}
		size_t count = json_is_array(v) ? json_array_size(v) : 1;
		for (size_t k = 0; k < count; k++) {
			json_t *obj = json_is_array(v) ? json_array_get(v, k) : v;
			if (!json_is_object(obj)) {
				cli_error("line %zu: expected a JSON object", lineno);
				status = CLI_USAGE;
				continue;
			}
			int r = generate_one(obj, &today, json, lineno, &out);
			if (r != CLI_OK && status == CLI_OK)
				status = r;
			ndocs++;
		}
		json_decref(v);
	}
	free(line);
	tdv_buf_free(&out);
	if (f != stdin)
		fclose(f);
	if (ndocs == 0 && status == CLI_OK)
		return cli_error("no JSON objects in input");
	return status;
}

int
cmd_mrz(int argc, char **argv)
{
	if (argc < 2 || cli_flag(argv[1], "--help") || cli_flag(argv[1], "-h")) {
		mrz_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "parse") == 0)
		return mrz_parse(argc - 1, argv + 1);
	if (strcmp(argv[1], "generate") == 0)
		return mrz_generate(argc - 1, argv + 1);
	cli_error("mrz: unknown subcommand '%s' (parse, generate)", argv[1]);
	return CLI_USAGE;
}
