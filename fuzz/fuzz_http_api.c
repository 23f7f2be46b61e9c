/*
 * Fuzz the station's API end to end: a real server (libmicrohttpd, a
 * SQLite store in a temporary directory, one account per role) is started
 * once; each input is one request sent over a socket.
 *
 * Input: byte 0 picks the route, byte 1 the session (none or a role),
 * byte 2 the content type; the rest is the body (POST) or the query
 * string (GET). The server must answer every request with a status below
 * 500 and keep answering.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tdv/error.h"
#include "tdv/server.h"
#include "tdv/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const routes[][2] = {
    {"POST", "/api/login"},
    {"POST", "/api/inspections"},
    {"POST", "/api/inspections/image"},
    {"POST", "/api/decisions"},
    {"GET", "/api/referrals"},
    {"POST", "/api/referrals/01ARZ3NDEKTSV4RRFFQ69G5FAV/decision"},
    {"GET", "/api/movements"},
    {"GET", "/api/stats"},
    {"GET", "/api/stats.csv"},
    {"POST", "/api/officers"},
    {"POST", "/api/officers/officer1"},
    {"POST", "/api/checkpoints"},
    {"POST", "/api/trust"},
    {"POST", "/api/lists/sltd"},
    {"POST", "/api/lists/watchlist"},
    {"GET", "/api/session"},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static const char *const types[] = {"application/json", "image/png",
    "text/csv", "application/octet-stream", "text/plain"};
static const char *const roles[] = {"officer", "examiner", "supervisor", "admin"};

static struct {
	bool up;
	char dir[64];
	tdv_store *store;
	tdv_server *srv;
	int port;
	char cookie[4][72];
	char csrf[4][72];
} F;

static int last_errno;
static double last_seconds;

static void
server_log(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "server: %s\n", line);
}

static int
exchange(const char *head, size_t hlen, const uint8_t *body, size_t blen,
    char *resp, size_t cap)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	last_errno = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		last_errno = errno;
		return -1;
	}
	struct timeval tv = {120, 0}; /* a loaded machine: Argon2 can be slow */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)F.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* libFuzzer's timers interrupt system calls: carry on after EINTR */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int err = errno;
		if (err == EINTR) {
			struct pollfd pfd = {fd, POLLOUT, 0};
			socklen_t el = sizeof(err);
			while (poll(&pfd, 1, 120000) < 0 && errno == EINTR)
				;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
				err = errno;
		}
		if (err != 0) {
			last_errno = err;
			close(fd);
			return -1;
		}
	}
	const char *parts[2] = {head, (const char *)body};
	size_t lens[2] = {hlen, blen};
	for (int k = 0; k < 2; k++) {
		size_t off = 0;
		while (off < lens[k]) {
			ssize_t w = send(fd, parts[k] + off, lens[k] - off, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	size_t len = 0;
	ssize_t got;
	while (len + 1 < cap) {
		got = recv(fd, resp + len, cap - 1 - len, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	if (got < 0)
		last_errno = errno;
	resp[len] = '\0';
	close(fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	last_seconds = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	int status = 0;
	if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	return status;
}

static void
stop(void)
{
	tdv_server_free(&F.srv);
	tdv_store_free(&F.store);
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", F.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", F.dir);
}

static void
start(void)
{
	snprintf(F.dir, sizeof(F.dir), "/tmp/tdv-fuzz-http-XXXXXX");
	if (mkdtemp(F.dir) == NULL)
		abort();
	char uri[128], path[128];
	snprintf(uri, sizeof(uri), "sqlite:%s/s.db", F.dir);
	if (tdv_store_open(uri, &F.store, NULL, 0) != TDV_OK)
		abort();
	tdv_checkpoint cp = {"FZ-1", "fuzz", "UTO"};
	tdv_store_checkpoint_put(F.store, &cp);
	for (size_t i = 0; i < 4; i++) {
		tdv_officer o;
		memset(&o, 0, sizeof(o));
		snprintf(o.id, sizeof(o.id), "%s1", roles[i]);
		snprintf(o.name, sizeof(o.name), "%s", roles[i]);
		tdv_role_parse(roles[i], &o.role);
		o.active = true;
		if (tdv_store_officer_add(F.store, &o, "fuzz-password", 13, NULL,
			"FZ-1") != TDV_OK)
			abort();
	}
	tdv_server_config cfg;
	tdv_server_config_default(&cfg);
	cfg.port = 0;
	cfg.checkpoint_id = "FZ-1";
	cfg.cookie_secure = false;
	cfg.today = (tdv_date){2026, 3, 1};
	cfg.login_per_minute = 1000000;
	cfg.login_max_failures = 1000000;
	snprintf(path, sizeof(path), "%s/sltd.idx", F.dir);
	cfg.sltd_path = path;
	char wpath[128];
	snprintf(wpath, sizeof(wpath), "%s/watch.csv", F.dir);
	cfg.watchlist_path = wpath;
	cfg.trust_dir = F.dir;
	cfg.log = server_log;
	if (tdv_server_new(&cfg, F.store, &F.srv) != TDV_OK ||
	    tdv_server_start(F.srv) != TDV_OK)
		abort();
	F.port = tdv_server_port(F.srv);
	static char resp[1 << 16];
	for (size_t i = 0; i < 4; i++) {
		char body[128], head[512];
		int bn = snprintf(body, sizeof(body),
		    "{\"officer\":\"%s1\",\"password\":\"fuzz-password\"}", roles[i]);
		int hn = snprintf(head, sizeof(head),
		    "POST /api/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		    "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		    bn);
		if (exchange(head, (size_t)hn, (const uint8_t *)body, (size_t)bn,
			resp, sizeof(resp)) != 200)
			abort();
		const char *c = strstr(resp, "tdv_session=");
		const char *b = strstr(resp, "\r\n\r\n");
		json_t *o = b ? json_loads(b + 4, 0, NULL) : NULL;
		const char *t = json_string_value(json_object_get(o, "csrf"));
		if (c == NULL || t == NULL)
			abort();
		snprintf(F.cookie[i], sizeof(F.cookie[i]), "%.64s", c + 12);
		snprintf(F.csrf[i], sizeof(F.csrf[i]), "%s", t);
		json_decref(o);
	}
	atexit(stop);
	F.up = true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3 || size > 70000)
		return 0;
	if (!F.up)
		start();
	const char *method = routes[data[0] % NROUTES][0];
	const char *route = routes[data[0] % NROUTES][1];
	int who = data[1] % 5; /* 0: no session */
	const char *type = types[data[2] % (sizeof(types) / sizeof(types[0]))];
	const uint8_t *rest = data + 3;
	size_t rlen = size - 3;
	bool get = strcmp(method, "GET") == 0;

	char head[4096];
	int n;
	if (get) {
		/* the rest as a query string: printable bytes only, bounded */
		char q[1024];
		size_t k = 0;
		for (size_t i = 0; i < rlen && k < sizeof(q) - 1; i++)
			if (rest[i] > 0x20 && rest[i] < 0x7f && rest[i] != '#')
				q[k++] = (char)rest[i];
		q[k] = '\0';
		n = snprintf(head, sizeof(head), "GET %s?%s HTTP/1.1\r\n", route, q);
	} else {
		n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\n", route);
	}
	n += snprintf(head + n, sizeof(head) - (size_t)n,
	    "Host: x\r\nConnection: close\r\n");
	if (who > 0)
		n += snprintf(head + n, sizeof(head) - (size_t)n,
		    "Cookie: tdv_session=%s\r\nX-CSRF-Token: %s\r\n",
		    F.cookie[who - 1], F.csrf[who - 1]);
	if (!get)
		n += snprintf(head + n, sizeof(head) - (size_t)n,
		    "Content-Type: %s\r\nContent-Length: %zu\r\n", type, rlen);
	n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
	static char resp[1 << 20];
	int status = exchange(head, (size_t)n, get ? NULL : rest, get ? 0 : rlen,
	    resp, sizeof(resp));
	/* no answer, or a server error, on any input is a bug */
	if (status < 200 || status >= 500) {
		fprintf(stderr, "status %d for %s %s after %.1f s (%s)\n%s\n", status,
		    method, route, last_seconds, strerror(last_errno), resp);
		abort();
	}
	return 0;
}
