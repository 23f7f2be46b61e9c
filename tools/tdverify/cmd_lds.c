/* tdverify lds dump: show the files of an LDS directory. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/lds.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: tdverify lds dump [--today YYYY-MM-DD] LDSDIR...\n\n"
	    "Parse every LDS file of each directory (EF.COM, EF.SOD, DG1, DG2,\n"
	    "DG7, DG11, DG12, DG14, DG15, EF.CardAccess, EF.CardSecurity) and\n"
	    "print one JSON object per directory. Exit 1 when a file does not\n"
	    "parse, 2 on usage errors.\n");
}

int
cmd_lds(int argc, char **argv)
{
	tdv_date today;
	int worst = CLI_OK, ndirs = 0;
	cli_today(&today);
	if (argc < 2 || cli_flag(argv[1], "--help") || cli_flag(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (!cli_flag(argv[1], "dump"))
		return cli_error("lds: unknown subcommand '%s'", argv[1]);
	for (int i = 2; i < argc; i++) {
		if (cli_flag(argv[i], "--today")) {
			if (i + 1 >= argc)
				return cli_error("--today needs a value");
			if (cli_parse_today(argv[++i], &today) != CLI_OK)
				return CLI_USAGE;
		} else if (cli_flag(argv[i], "--json")) {
			continue; /* output is always JSON */
		} else if (argv[i][0] == '-') {
			return cli_error("lds dump: unknown option '%s'", argv[i]);
		}
	}
	for (int i = 2; i < argc; i++) {
		if (cli_flag(argv[i], "--today")) {
			i++;
			continue;
		}
		if (argv[i][0] == '-')
			continue;
		ndirs++;
		tdv_lds *lds = tdv_lds_new();
		if (lds == NULL)
			return cli_error("out of memory");
		int rc = tdv_lds_load_dir(lds, argv[i]);
		if (rc != TDV_OK) {
			tdv_lds_free(&lds);
			return cli_error("%s: %s", argv[i], tdv_strerror(rc));
		}
		tdv_buf out;
		tdv_json j;
		tdv_buf_init(&out, 1u << 20);
		tdv_json_init(&j, &out);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "dir");
		tdv_json_string(&j, argv[i]);
		tdv_json_key(&j, "files");
		rc = tdv_lds_to_json(lds, &today, &j);
		tdv_json_object_end(&j);
		tdv_buf_putc(&out, '\n');
		if (rc != TDV_OK)
			worst = cli_error("%s: %s", argv[i], tdv_strerror(rc));
		else
			fwrite(out.data, 1, out.len, stdout);
		if (strstr(tdv_buf_cstr(&out), "\"error\":") != NULL &&
		    worst == CLI_OK)
			worst = CLI_INVALID;
		tdv_buf_free(&out);
		tdv_lds_free(&lds);
	}
	if (ndirs == 0) {
		usage(stderr);
		return CLI_USAGE;
	}
	return worst;
}
