/* Shared by the operations commands (backup, restore, status, setup). */
#ifndef TDV_CLI_OPS_H
#define TDV_CLI_OPS_H

#include <stdbool.h>

#include "tdv/ops.h"

/* Run a program (PATH search) and wait; 0 when it exited 0, else -1 with
 * a message. argv ends with NULL. quiet: its stdout goes to /dev/null. */
int cli_ops_run(const char *const argv[], bool quiet);

/* fsync `from`, then give it the name `to` (refused when `to` exists) and
 * drop `from`. 0 or -1 with a message. */
int cli_ops_fsync_rename(const char *from, const char *to);

/* {"<what>":"<file>","backend":"sqlite","schema":N,...} and a newline. */
void cli_ops_print_info_json(const char *what, const char *file,
    const tdv_ops_backup_info *info);

/* {"<what>":"<file>","backend":"postgres",...} and a newline. */
void cli_ops_print_pg_json(const char *what, const char *file, long long bytes);

#endif
