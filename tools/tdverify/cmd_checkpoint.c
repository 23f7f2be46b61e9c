/* tdverify checkpoint add|show: register the checkpoints of the store. */
#include <string.h>

#include "cli.h"
#include "cli_store.h"
#include "tdv/error.h"

static void
checkpoint_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify checkpoint add ID --name NAME --country CODE [--db URI]\n"
	    "       tdverify checkpoint show ID [--db URI]\n\n"
	    "Register a checkpoint (ID: 1-32 of A-Z a-z 0-9 _ . -; CODE: the ICAO\n"
	    "code of the state operating it) or show one. Movements can only be\n"
	    "recorded at a registered checkpoint.\n\n"
	    "exit status: 0 success, 2 usage or store error\n");
}

int
cmd_checkpoint(int argc, char **argv)
{
	if (argc < 2 || cli_flag(argv[1], "-h") || cli_flag(argv[1], "--help")) {
		checkpoint_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1], *id = NULL, *name = NULL, *country = NULL, *db = NULL;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "-h") || cli_flag(a, "--help")) {
			checkpoint_usage(stdout);
			return CLI_OK;
		} else if (i + 1 < argc && cli_flag(a, "--name")) {
			name = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--country")) {
			country = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--db")) {
			db = argv[++i];
		} else if (a[0] != '-' && id == NULL) {
			id = a;
		} else {
			return cli_error("checkpoint: unknown or incomplete option '%s'", a);
		}
	}
	if (id == NULL)
		return cli_error("checkpoint %s: which checkpoint (ID)?", sub);
	tdv_checkpoint cp;
	memset(&cp, 0, sizeof(cp));
	if (strcmp(sub, "add") == 0) {
		if (name == NULL || country == NULL)
			return cli_error("checkpoint add: --name and --country are required");
		if (snprintf(cp.id, sizeof(cp.id), "%s", id) >= (int)sizeof(cp.id) ||
		    snprintf(cp.name, sizeof(cp.name), "%s", name) >= (int)sizeof(cp.name) ||
		    snprintf(cp.country, sizeof(cp.country), "%s", country) >=
			(int)sizeof(cp.country))
			return cli_error("checkpoint add: id, name or country too long");
	} else if (strcmp(sub, "show") != 0) {
		return cli_error("checkpoint: unknown subcommand '%s'", sub);
	}
	tdv_store *st = cli_store_open(db);
	if (st == NULL)
		return CLI_USAGE;
	int rc = strcmp(sub, "add") == 0 ? tdv_store_checkpoint_put(st, &cp)
					 : tdv_store_checkpoint_get(st, id, &cp);
	int code = CLI_OK;
	if (rc != TDV_OK)
		code = cli_error("checkpoint %s %s: %s", sub, id, tdv_strerror(rc));
	else if (strcmp(sub, "show") == 0)
		printf("%s  %s  %s\n", cp.id, cp.name, cp.country);
	tdv_store_free(&st);
	return code;
}
