/* tdverify names: score name pairs with the screening matcher. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tdv/buf.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/screen.h"

static void
names_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify names compare [--json] [--threshold T] NAME1 NAME2\n"
	    "       tdverify names compare [--json] [--threshold T] --batch FILE\n"
	    "           (FILE: lines NAME1<TAB>NAME2[<TAB>...]; - for stdin)\n"
	    "       tdverify names romanise [--system icao|bgn|iso9] NAME\n\n"
	    "Names are UTF-8 in Latin, Cyrillic, Greek, Arabic, Thai, Lao,\n"
	    "Devanagari or (common) Han characters, free text or MRZ form\n"
	    "(SURNAME<<GIVEN<NAMES). compare prints the score (0-1), the\n"
	    "decision at the threshold (default %.2f) and which parts matched;\n"
	    "--json gives one object per pair with keys score, match, explanation,\n"
	    "parts, latin. Exit status: 0 match, 1 no match, 2 usage or input error.\n",
	    TDV_NAMES_DEFAULT_THRESHOLD);
}

static int
compare_one(const char *a, const char *b, double threshold, bool json,
    unsigned long line)
{
	tdv_name_result *res = malloc(sizeof(*res));
	if (res == NULL)
		return cli_error("out of memory");
	int rc = tdv_names_compare(a, strlen(a), b, strlen(b), threshold, res);
	if (rc != TDV_OK) {
		free(res);
		if (line)
			return cli_error("line %lu: %s", line, tdv_strerror(rc));
		return cli_error("%s", tdv_strerror(rc));
	}
	tdv_buf out;
	tdv_buf_init(&out, 1 << 16);
	if (json) {
		tdv_json j;
		tdv_json_init(&j, &out);
		tdv_name_result_to_json(res, &j);
	} else {
		tdv_buf_printf(&out, "%.4f %s  [%s | %s]  ", res->score,
		    res->match ? "MATCH" : "no-match", res->latin_a, res->latin_b);
		tdv_name_explain(res, &out);
	}
	printf("%s\n", tdv_buf_cstr(&out));
	tdv_buf_free(&out);
	int r = res->match ? CLI_OK : CLI_INVALID;
	free(res);
	return r;
}

static int
compare_batch(const char *path, double threshold, bool json)
{
	FILE *in = cli_open_input(path);
	if (in == NULL)
		return CLI_USAGE;
	char line[4 * TDV_NAME_MAX_BYTES];
	unsigned long ln = 0;
	int worst = CLI_OK;
	while (fgets(line, sizeof(line), in) != NULL) {
		ln++;
		size_t len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			int ch;
			while ((ch = getc(in)) != EOF && ch != '\n')
				;
			cli_error("line %lu: too long", ln);
			worst = CLI_USAGE;
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		char *tab = strchr(line, '\t');
		if (tab == NULL) {
			cli_error("line %lu: expected NAME1<TAB>NAME2", ln);
			worst = CLI_USAGE;
			continue;
		}
		*tab = '\0';
		char *b = tab + 1;
		b[strcspn(b, "\t")] = '\0';
		int r = compare_one(line, b, threshold, json, ln);
		if (r == CLI_USAGE)
			worst = CLI_USAGE;
		else if (r > worst)
			worst = r;
	}
	if (in != stdin)
		fclose(in);
	return worst;
}

int
cmd_names(int argc, char **argv)
{
	if (argc < 2 || cli_flag(argv[1], "--help") || cli_flag(argv[1], "-h")) {
		names_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1];
	bool json = false;
	double threshold = TDV_NAMES_DEFAULT_THRESHOLD;
	const char *batch = NULL, *system = "icao";
	const char *rest[2];
	int nrest = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "--help") || cli_flag(a, "-h")) {
			names_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--json")) {
			json = true;
		} else if (cli_flag(a, "--threshold") || cli_flag(a, "--batch") ||
		    cli_flag(a, "--system")) {
			if (i + 1 >= argc)
				return cli_error("%s needs a value", a);
			const char *v = argv[++i];
			if (cli_flag(a, "--batch")) {
				batch = v;
			} else if (cli_flag(a, "--system")) {
				system = v;
			} else {
				char *end;
				threshold = strtod(v, &end);
				if (*v == '\0' || *end != '\0' || !(threshold > 0 && threshold <= 1))
					return cli_error("--threshold: expected a number in (0, 1], got '%s'", v);
			}
		} else if (a[0] == '-' && a[1] == '-') {
			return cli_error("names: unknown option '%s'", a);
		} else {
			if (nrest == 2)
				return cli_error("names %s: too many arguments", sub);
			rest[nrest++] = a;
		}
	}
	if (strcmp(sub, "compare") == 0) {
		if (batch != NULL) {
			if (nrest != 0)
				return cli_error("names compare: --batch takes no names");
			return compare_batch(batch, threshold, json);
		}
		if (nrest != 2)
			return cli_error("names compare: two names expected");
		return compare_one(rest[0], rest[1], threshold, json, 0);
	}
	if (strcmp(sub, "romanise") == 0 || strcmp(sub, "romanize") == 0) {
		if (nrest != 1)
			return cli_error("names romanise: one name expected");
		char out[TDV_NAME_MAX_BYTES * 4];
		int rc = tdv_name_romanise(rest[0], strlen(rest[0]), system, out, sizeof(out));
		if (rc == TDV_EINVAL && strcmp(system, "icao") && strcmp(system, "bgn") &&
		    strcmp(system, "iso9"))
			return cli_error("--system: expected icao, bgn or iso9");
		if (rc != TDV_OK)
			return cli_error("%s", tdv_strerror(rc));
		printf("%s\n", out);
		return CLI_OK;
	}
	names_usage(stderr);
	return cli_error("names: unknown subcommand '%s'", sub);
}
