/* Shared by the store commands (check, audit, report, officer,
 * checkpoint, sync): opening the store named by --db. */
#ifndef TDV_CLI_STORE_H
#define TDV_CLI_STORE_H

#include "tdv/store.h"

/* The store used when --db is not given: the checkpoint's embedded
 * SQLite file under var/ (created with the directory when missing). */
#define CLI_DEFAULT_DB "sqlite:var/tdverify.db"

/* Open uri (NULL: CLI_DEFAULT_DB). Prints the reason and returns NULL on
 * failure. */
tdv_store *cli_store_open(const char *uri);

/* Read one line (a password) from stdin into buf without the newline.
 * Returns its length, or -1 with a message when empty or too long. */
long cli_read_secret(char *buf, size_t cap);

#endif
