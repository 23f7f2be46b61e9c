/* Opening the store for the store commands; reading a secret from stdin. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_store.h"
#include "tdv/error.h"

tdv_store *
cli_store_open(const char *uri)
{
	if (uri == NULL) {
		uri = CLI_DEFAULT_DB;
		if (mkdir("var", 0750) != 0 && errno != EEXIST) {
			cli_error("cannot create var/: %s", strerror(errno));
			return NULL;
		}
	}
	tdv_store *s = NULL;
	char err[512];
	int rc = tdv_store_open(uri, &s, err, sizeof(err));
	if (rc != TDV_OK) {
		/* the conninfo may hold a password: name only the backend */
		const char *kind = strncmp(uri, "postgres:", 9) == 0 ? "postgres" : uri;
		cli_error("cannot open store %s: %s%s%s", kind, tdv_strerror(rc),
		    err[0] ? ": " : "", err);
		return NULL;
	}
	return s;
}

long
cli_read_secret(char *buf, size_t cap)
{
	if (fgets(buf, (int)cap, stdin) == NULL) {
		cli_error("expected a password on standard input");
		return -1;
	}
	size_t n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (n + 1 >= cap) {
		cli_error("password too long (at most %zu bytes)", cap - 2);
		return -1;
	}
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (n == 0) {
		cli_error("empty password");
		return -1;
	}
	return (long)n;
}
