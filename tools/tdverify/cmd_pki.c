/* tdverify pki: create a test country's PKI (see tdverify-pki(1)). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tdv/error.h"
#include "tdv/pki.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify pki init [--country CODE] [--country2 CC]\n"
	    "                         [--organisation NAME] [--today YYYY-MM-DD] DIR\n\n"
	    "Create a test PKI in DIR: CSCAs (RSA-3072, ECDSA brainpoolP384r1),\n"
	    "Document Signers (rsa, rsa-pss, p256, bp256, bp384, expired, revoked),\n"
	    "CRLs and a signed CSCA master list. Test and training data only.\n");
}

int
cmd_pki(int argc, char **argv)
{
	tdv_pki_options o;
	const char *dir = NULL;
	memset(&o, 0, sizeof(o));
	cli_today(&o.today);
	if (argc < 2 || cli_flag(argv[1], "--help") || cli_flag(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (!cli_flag(argv[1], "init")) {
		usage(stderr);
		return cli_error("pki: unknown subcommand '%s'", argv[1]);
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "--help") || cli_flag(a, "-h")) {
			usage(stdout);
			return CLI_OK;
		}
		bool takes = cli_flag(a, "--country") || cli_flag(a, "--country2") ||
		    cli_flag(a, "--organisation") || cli_flag(a, "--today");
		if (takes && i + 1 >= argc)
			return cli_error("%s needs a value", a);
		if (cli_flag(a, "--country"))
			o.country = argv[++i];
		else if (cli_flag(a, "--country2"))
			o.country2 = argv[++i];
		else if (cli_flag(a, "--organisation"))
			o.organisation = argv[++i];
		else if (cli_flag(a, "--today")) {
			if (cli_parse_today(argv[++i], &o.today) != CLI_OK)
				return CLI_USAGE;
		} else if (a[0] == '-' && a[1] != '\0')
			return cli_error("pki init: unknown option '%s'", a);
		else if (dir == NULL)
			dir = a;
		else
			return cli_error("pki init: one directory only");
	}
	if (dir == NULL) {
		usage(stderr);
		return CLI_USAGE;
	}
	int rc = tdv_pki_init(dir, &o);
	if (rc == TDV_EEXIST)
		return cli_error("%s: already holds a PKI (pki.json)", dir);
	if (rc != TDV_OK)
		return cli_error("pki init %s: %s", dir, tdv_strerror(rc));
	printf("test PKI created in %s\n", dir);
	return CLI_OK;
}
