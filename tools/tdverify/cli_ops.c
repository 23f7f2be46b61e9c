/* Helpers shared by tdverify backup, restore, status and setup: running
 * the PostgreSQL tools, durable renames, JSON output. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#include "cli_ops.h"
#include "tdv/buf.h"
#include "tdv/json.h"

extern char **environ;

int
cli_ops_run(const char *const argv[], bool quiet)
{
	pid_t pid;
	posix_spawn_file_actions_t fa;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return cli_error("out of memory"), -1;
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
		    O_WRONLY, 0);
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
	    environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		cli_error("cannot run %s: %s", argv[0], strerror(rc));
		return -1;
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			cli_error("waiting for %s: %s", argv[0], strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		cli_error("%s failed (status %d)", argv[0],
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}

int
cli_ops_fsync_rename(const char *from, const char *to)
{
	int fd = open(from, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		if (fd >= 0)
			close(fd);
		return cli_error("%s: %s", from, strerror(errno)), -1;
	}
	close(fd);
	if (link(from, to) != 0) {
		cli_error("%s: %s", to, strerror(errno));
		unlink(from);
		return -1;
	}
	unlink(from);
	return 0;
}

void
cli_ops_print_info_json(const char *what, const char *file,
    const tdv_ops_backup_info *info)
{
	tdv_buf b;
	tdv_buf_init(&b, 1 << 16);
	tdv_json j;
	tdv_json_init(&j, &b);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, what);
	tdv_json_string(&j, file);
	tdv_json_key(&j, "backend");
	tdv_json_string(&j, "sqlite");
	tdv_json_key(&j, "schema");
	tdv_json_int(&j, info->schema_version);
	tdv_json_key(&j, "checkpoints");
	tdv_json_int(&j, info->checkpoints);
	tdv_json_key(&j, "movements");
	tdv_json_int(&j, info->movements);
	tdv_json_key(&j, "audit_entries");
	tdv_json_int(&j, info->audit_entries);
	tdv_json_key(&j, "bytes");
	tdv_json_int(&j, info->bytes);
	tdv_json_object_end(&j);
	if (tdv_json_error(&j) == 0)
		printf("%s\n", tdv_buf_cstr(&b));
	tdv_buf_free(&b);
}

void
cli_ops_print_pg_json(const char *what, const char *file, long long bytes)
{
	tdv_buf b;
	tdv_buf_init(&b, 1 << 16);
	tdv_json j;
	tdv_json_init(&j, &b);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, what);
	tdv_json_string(&j, file);
	tdv_json_key(&j, "backend");
	tdv_json_string(&j, "postgres");
	tdv_json_key(&j, "format");
	tdv_json_string(&j, "pg_dump-custom");
	tdv_json_key(&j, "bytes");
	tdv_json_int(&j, bytes);
	tdv_json_object_end(&j);
	if (tdv_json_error(&j) == 0)
		printf("%s\n", tdv_buf_cstr(&b));
	tdv_buf_free(&b);
}
