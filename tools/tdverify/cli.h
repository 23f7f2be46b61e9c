/* Shared declarations for the tdverify CLI (one file per subcommand). */
#ifndef TDV_CLI_H
#define TDV_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "tdv/date.h"

/* Exit statuses (DESIGN.md "CLI conventions"). */
#define CLI_OK 0      /* every document valid */
#define CLI_INVALID 1 /* some document invalid */
#define CLI_USAGE 2   /* usage or input error */

/* Subcommands: argv[0] is the subcommand name. */
int cmd_mrz(int argc, char **argv);
int cmd_sltd(int argc, char **argv);
int cmd_names(int argc, char **argv);
int cmd_watchlist(int argc, char **argv);
int cmd_chip(int argc, char **argv);
int cmd_emulate(int argc, char **argv);
int cmd_pki(int argc, char **argv);
int cmd_personalise(int argc, char **argv);
int cmd_pa(int argc, char **argv);
int cmd_lds(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_officer(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_referral(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_setup(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_specimen(int argc, char **argv);
int cmd_ocr(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_train(int argc, char **argv);

/* Print "tdverify: <msg>" to stderr; returns CLI_USAGE. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Today's date (UTC), or the --today value if one was given. */
int cli_parse_today(const char *arg, tdv_date *out);
void cli_today(tdv_date *out);

/* True when argv[i] equals name; for options that take a value, stores the
 * next argument in *val (error when missing). */
bool cli_flag(const char *arg, const char *name);

/* Open a named file, or stdin for "-". NULL with a message on error. */
FILE *cli_open_input(const char *path);

#endif
