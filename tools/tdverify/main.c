/* tdverify: command-line entry point; dispatches to one file per command. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "tdv/error.h"

struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
};

static const struct command commands[] = {
	{"mrz", cmd_mrz, "parse, check, correct and generate machine readable zones"},
	{"sltd", cmd_sltd, "lost, stolen and revoked document lists: import, update, lookup, stats"},
	{"names", cmd_names, "compare and romanise personal names (screening matcher)"},
	{"watchlist", cmd_watchlist, "watchlist of persons: import (check) and match travellers"},
	{"chip", cmd_chip, "read an ePassport chip over PC/SC (BAC, PACE, AA, CA), verify it"},
	{"emulate", cmd_emulate, "serve a personalised passport as a virtual chip via vpcd"},
	{"pki", cmd_pki, "create a test country's PKI (CSCA, Document Signers, CRL, master list)"},
	{"personalise", cmd_personalise, "build a test passport's chip data (LDS), optionally defective"},
	{"pa", cmd_pa, "Passive Authentication of chip data against CSCAs and CRLs"},
	{"lds", cmd_lds, "dump the files of a chip's LDS (EF.COM, EF.SOD, DGs, CardAccess)"},
	{"check", cmd_check, "inspect a document: every check and a PASS/REFER/FAIL verdict"},
	{"audit", cmd_audit, "verify the hash-chained audit log, list its entries"},
	{"report", cmd_report, "movement statistics by day, checkpoint, nationality, ..."},
	{"officer", cmd_officer, "officer accounts: add, password, enable/disable, login"},
	{"checkpoint", cmd_checkpoint, "register checkpoints in the store"},
	{"referral", cmd_referral, "outcome of secondary inspection; movements by document"},
	{"sync", cmd_sync, "forward records to the central store (HTTPS, mutual TLS); serve it"},
	{"setup", cmd_setup, "set up the centre (CA, admin), enrolment tokens, enrol a checkpoint"},
	{"backup", cmd_backup, "consistent online backup of the store (SQLite backup API, pg_dump)"},
	{"restore", cmd_restore, "check a backup and bring it back; catch up from headquarters"},
	{"status", cmd_status, "version, store size, sync backlog, age of lists (text, JSON, Prometheus)"},
	{"specimen", cmd_specimen, "render specimen data-page images with a known MRZ"},
	{"ocr", cmd_ocr, "read the MRZ from photos or scans of data pages"},
	{"serve", cmd_serve, "run the checkpoint station: web interface and JSON API"},
	{"train", cmd_train, "training: exercise sets with known defects, scores, drills, records"},
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: tdverify <command> [options] [files]\n\n"
		   "Travel document verification (ICAO Doc 9303).\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'tdverify <command> --help' for a command's options; "
		   "man tdverify-<command> for details.\n");
}

int
cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("tdverify: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_USAGE;
}

void
cli_today(tdv_date *out)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
}

int
cli_parse_today(const char *arg, tdv_date *out)
{
	if (tdv_date_parse_iso(arg, out) != TDV_OK)
		return cli_error("--today: expected a date YYYY-MM-DD, got '%s'", arg);
	return CLI_OK;
}

bool
cli_flag(const char *arg, const char *name)
{
	return strcmp(arg, name) == 0;
}

FILE *
cli_open_input(const char *path)
{
	if (strcmp(path, "-") == 0)
		return stdin;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		cli_error("%s: cannot open: %s", path, strerror(errno));
	return f;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (cli_flag(argv[1], "--help") || cli_flag(argv[1], "-h") ||
	    cli_flag(argv[1], "help")) {
		usage(stdout);
		return CLI_OK;
	}
	if (cli_flag(argv[1], "--version")) {
		printf("tdverify %s\n", TDV_VERSION);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	cli_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return CLI_USAGE;
}
