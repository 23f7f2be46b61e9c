/*
 * Durability: a writer process records movements into a SQLite store as
 * fast as it can and reports each id on a pipe once the record call has
 * returned TDV_OK; it is killed with SIGKILL at a random moment, 20 times
 * over (each time restarting on the same file). Afterwards every
 * acknowledged movement is present, no movement is duplicated, each
 * checkpoint's sequence has no gaps, and the audit chain verifies.
 *
 * With a postgres: URI argument the same runs against PostgreSQL
 * (tests/scripts/store_pg.sh passes one).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store_int.h"
#include "tdv/error.h"
#include "tdv/store.h"
#include "tdv_test.h"
#include "tdv_test_movement.h"

#define KILLS 20
#define MAX_ACKED 200000

static char uri[4096];

static void
fill(tdv_movement *m, int i)
{
	tdv_test_movement(m, "CP-DUR", 'D', 8, i);
}

/* The child: record until killed; write each acknowledged id + '\n'. */
static void
writer(int fd, int round)
{
	tdv_store *s = NULL;
	if (tdv_store_open(uri, &s, NULL, 0) != TDV_OK)
		_exit(3);
	tdv_movement *m = malloc(sizeof(*m));
	if (m == NULL)
		_exit(4);
	for (int i = 0;; i++) {
		fill(m, round * 1000000 + i);
		int rc = tdv_store_record_movement(s, m);
		if (rc != TDV_OK)
			_exit(5);
		char line[TDV_ULID_LEN + 2];
		memcpy(line, m->id, TDV_ULID_LEN);
		line[TDV_ULID_LEN] = '\n';
		if (write(fd, line, TDV_ULID_LEN + 1) != TDV_ULID_LEN + 1)
			_exit(6);
	}
}

static char (*acked)[TDV_ULID_LEN + 1];
static size_t nacked;

static void
collect(int fd)
{
	char buf[4096];
	static char part[TDV_ULID_LEN + 2];
	static size_t plen;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				if (plen == TDV_ULID_LEN && nacked < MAX_ACKED) {
					memcpy(acked[nacked], part, TDV_ULID_LEN);
					acked[nacked][TDV_ULID_LEN] = '\0';
					nacked++;
				}
				plen = 0;
			} else if (plen < TDV_ULID_LEN + 1) {
				part[plen++] = buf[i];
			}
		}
	}
	plen = 0; /* a line cut by the kill was not acknowledged */
}

struct seen {
	int64_t count, distinct, min_seq, max_seq;
};

static int
seen_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	struct seen *s = ctx;
	if (n != 4)
		return TDV_ESTORE_SCHEMA;
	if (tdv__parse_i64(v[0], &s->count) || tdv__parse_i64(v[1], &s->distinct) ||
	    tdv__parse_i64(v[2], &s->min_seq) || tdv__parse_i64(v[3], &s->max_seq))
		return TDV_ESTORE_SCHEMA;
	return 1;
}

static void
test_store_survives_sigkill(void)
{
	tdv_store *s = NULL;
	CHECK_INT(tdv_store_open(uri, &s, NULL, 0), TDV_OK);
	if (s == NULL)
		return;
	tdv_checkpoint cp = {"CP-DUR", "Durability", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(s, &cp), TDV_OK);
	tdv_officer o = {"off1", "One", TDV_ROLE_OFFICER, true};
	int rc = tdv_store_officer_add(s, &o, "pw", 2, NULL, "CP-DUR");
	CHECK(rc == TDV_OK || rc == TDV_EEXIST);
	tdv_store_free(&s);

	acked = calloc(MAX_ACKED, sizeof(*acked));
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	int clean_exits = 0;
	for (int k = 0; k < KILLS; k++) {
		int p[2];
		CHECK_INT(pipe(p), 0);
		pid_t pid = fork();
		if (pid == 0) {
			close(p[0]);
			writer(p[1], k);
		}
		close(p[1]);
		/* kill somewhere between 30 and 400 ms in, mid-write most times */
		struct timespec ts = {0, (30 + rand() % 370) * 1000000L};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		collect(p[0]);
		close(p[0]);
		int status = 0;
		waitpid(pid, &status, 0);
		if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
			fprintf(stderr, "  writer ended by itself (status %d)\n", status);
			clean_exits++;
		}
	}
	CHECK_INT(clean_exits, 0);
	printf("  %d kills, %zu movements acknowledged\n", KILLS, nacked);
	CHECK(nacked > 0);

	CHECK_INT(tdv_store_open(uri, &s, NULL, 0), TDV_OK);
	if (s == NULL)
		return;
	/* every acknowledged movement is there */
	size_t missing = 0;
	for (size_t i = 0; i < nacked; i++) {
		int64_t n = 0;
		tdv__param q[] = {TDV__TEXT(acked[i])};
		CHECK_INT(tdv__exec(s, "SELECT COUNT(*) FROM movement WHERE id = $1", q, 1,
			      tdv__i64_row, &n),
		    TDV_OK);
		if (n != 1)
			missing++;
	}
	CHECK_INT(missing, 0);
	/* nothing duplicated, no gaps in the sequence */
	struct seen sn = {0, 0, 0, 0};
	CHECK_INT(tdv__exec(s,
		      "SELECT COUNT(*), COUNT(DISTINCT document_number), MIN(seq),"
		      " MAX(seq) FROM movement WHERE checkpoint_id = 'CP-DUR'",
		      NULL, 0, seen_row, &sn),
	    TDV_OK);
	CHECK_INT(sn.count, sn.distinct);
	CHECK_INT(sn.min_seq, 1);
	CHECK_INT(sn.max_seq, sn.count);
	CHECK((size_t)sn.count >= nacked);
	CHECK((size_t)sn.count <= nacked + KILLS); /* at most one unacked per kill */
	tdv_audit_report r;
	CHECK_INT(tdv_store_audit_verify(s, NULL, &r), TDV_OK);
	if (!r.intact)
		fprintf(stderr, "  audit broken: %s %" PRId64 " %s\n", r.broken_chain,
		    r.broken_seq, r.problem);
	CHECK(r.intact);
	CHECK(r.entries >= sn.count);
	tdv_store_free(&s);
	free(acked);
}

int
main(int argc, char **argv)
{
	char dir[64] = "/tmp/tdv-durability.XXXXXX";
	if (mkdtemp(dir) == NULL)
		return 1;
	if (argc > 1)
		snprintf(uri, sizeof(uri), "%s", argv[1]);
	else
		snprintf(uri, sizeof(uri), "sqlite:%s/store.db", dir);
	printf("backend: %s\n", strncmp(uri, "postgres:", 9) == 0 ? "postgres" : "sqlite");
	RUN(test_store_survives_sigkill);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	TEST_EXIT();
}
