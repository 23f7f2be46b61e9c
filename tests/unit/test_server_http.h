/*
 * Test helpers for the station server: a store in a temporary directory
 * with one account per role, a server on a free loopback port, and a
 * minimal HTTP/1.1 client over a socket (one request per connection).
 */
#ifndef TDV_TEST_SERVER_HTTP_H
#define TDV_TEST_SERVER_HTTP_H

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tdv/error.h"
#include "tdv/server.h"
#include "tdv/store.h"

#define TS_CHECKPOINT "T-01"

static const char *const ts_roles[] = {"officer", "examiner", "supervisor",
    "trainer", "trainee", "admin"};
#define TS_NROLES 6

typedef struct ts_station {
	char dir[64];
	tdv_store *store;
	tdv_server *srv;
	int port;
} ts_station;

typedef struct ts_resp {
	int status;
	char cookie[72];   /* value of tdv_session from Set-Cookie, "" if none */
	char set_cookie[300];
	char headers[4096];
	char *body;        /* NUL-terminated */
	size_t body_len;
} ts_resp;

static void
ts_resp_free(ts_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* Password of role r's account "<role>1". */
static void
ts_password(const char *role, char *out, size_t n)
{
	snprintf(out, n, "%s-password-1", role);
}

static int
ts_start(ts_station *st, void (*tune)(tdv_server_config *))
{
	memset(st, 0, sizeof(*st));
	snprintf(st->dir, sizeof(st->dir), "/tmp/tdv-station-XXXXXX");
	if (mkdtemp(st->dir) == NULL)
		return -1;
	char uri[128];
	snprintf(uri, sizeof(uri), "sqlite:%s/station.db", st->dir);
	if (tdv_store_open(uri, &st->store, NULL, 0) != TDV_OK)
		return -1;
	tdv_checkpoint cp = {TS_CHECKPOINT, "Test lane", "UTO"};
	if (tdv_store_checkpoint_put(st->store, &cp) != TDV_OK)
		return -1;
	for (int i = 0; i < TS_NROLES; i++) {
		tdv_officer o;
		memset(&o, 0, sizeof(o));
		snprintf(o.id, sizeof(o.id), "%s1", ts_roles[i]);
		snprintf(o.name, sizeof(o.name), "Test %s", ts_roles[i]);
		tdv_role_parse(ts_roles[i], &o.role);
		o.active = true;
		char pw[64];
		ts_password(ts_roles[i], pw, sizeof(pw));
		if (tdv_store_officer_add(st->store, &o, pw, strlen(pw), NULL,
			TS_CHECKPOINT) != TDV_OK)
			return -1;
	}
	tdv_server_config cfg;
	tdv_server_config_default(&cfg);
	cfg.port = 0;
	cfg.checkpoint_id = TS_CHECKPOINT;
	cfg.cookie_secure = false;
	cfg.today = (tdv_date){2026, 3, 1};
	cfg.login_per_minute = 1000;
	if (tune != NULL)
		tune(&cfg);
	if (tdv_server_new(&cfg, st->store, &st->srv) != TDV_OK ||
	    tdv_server_start(st->srv) != TDV_OK)
		return -1;
	st->port = tdv_server_port(st->srv);
	return 0;
}

static void
ts_stop(ts_station *st)
{
	tdv_server_free(&st->srv);
	tdv_store_free(&st->store);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", st->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", st->dir);
}

/* Send raw bytes (a whole request) on a new connection; read the answer. */
static int
ts_raw(const ts_station *st, const char *head, size_t hlen, const void *body,
    size_t blen, ts_resp *r)
{
	memset(r, 0, sizeof(*r));
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct timeval tv = {20, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)st->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	if (send(fd, head, hlen, MSG_NOSIGNAL) != (ssize_t)hlen) {
		close(fd);
		return -1;
	}
	/* the server may answer (413) before taking the whole body */
	size_t off = 0;
	while (body != NULL && off < blen) {
		ssize_t w = send(fd, (const char *)body + off, blen - off,
		    MSG_NOSIGNAL);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1);
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
		ssize_t got = recv(fd, buf + len, cap - len, 0);
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1) {
		free(buf);
		return -1;
	}
	char *hend = strstr(buf, "\r\n\r\n");
	size_t hl = hend ? (size_t)(hend - buf) : len;
	snprintf(r->headers, sizeof(r->headers), "%.*s", (int)hl, buf);
	char *sc = strstr(r->headers, "\r\nSet-Cookie: ");
	if (sc != NULL) {
		sc += 14;
		size_t k = strcspn(sc, "\r\n");
		snprintf(r->set_cookie, sizeof(r->set_cookie), "%.*s", (int)k, sc);
		if (strncmp(sc, "tdv_session=", 12) == 0) {
			size_t v = strcspn(sc + 12, ";\r\n");
			snprintf(r->cookie, sizeof(r->cookie), "%.*s", (int)v, sc + 12);
		}
	}
	if (hend != NULL) {
		r->body_len = len - hl - 4;
		r->body = malloc(r->body_len + 1);
		memcpy(r->body, hend + 4, r->body_len);
		r->body[r->body_len] = '\0';
	} else {
		r->body = calloc(1, 1);
	}
	free(buf);
	return 0;
}

/*
 * One request. extra: more header lines, each ending "\r\n" (may be
 * NULL). body may be NULL. Returns 0 and fills r, -1 on a socket error.
 */
static int
ts_request(const ts_station *st, const char *method, const char *path,
    const char *extra, const char *ctype, const void *body, size_t blen,
    ts_resp *r)
{
	char head[8192];
	int n = snprintf(head, sizeof(head),
	    "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s",
	    method, path, st->port, extra ? extra : "");
	if (ctype != NULL)
		n += snprintf(head + n, sizeof(head) - (size_t)n,
		    "Content-Type: %s\r\n", ctype);
	if (body != NULL)
		n += snprintf(head + n, sizeof(head) - (size_t)n,
		    "Content-Length: %zu\r\n", blen);
	n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
	return ts_raw(st, head, (size_t)n, body, blen, r);
}

/* A logged-in client. */
typedef struct ts_client {
	char cookie[80];
	char csrf[80];
} ts_client;

static int
ts_login(const ts_station *st, const char *role, ts_client *c)
{
	char pw[64], body[256];
	ts_password(role, pw, sizeof(pw));
	snprintf(body, sizeof(body), "{\"officer\":\"%s1\",\"password\":\"%s\"}",
	    role, pw);
	ts_resp r;
	if (ts_request(st, "POST", "/api/login", NULL, "application/json", body,
		strlen(body), &r) != 0)
		return -1;
	int rc = -1;
	json_t *o = json_loads(r.body, 0, NULL);
	const char *csrf = json_string_value(json_object_get(o, "csrf"));
	if (r.status == 200 && csrf != NULL && r.cookie[0] != '\0') {
		snprintf(c->cookie, sizeof(c->cookie), "%s", r.cookie);
		snprintf(c->csrf, sizeof(c->csrf), "%s", csrf);
		rc = 0;
	}
	json_decref(o);
	ts_resp_free(&r);
	return rc;
}

/* A request as a logged-in client (c may be NULL: no session). */
static int
ts_call(const ts_station *st, const ts_client *c, const char *method,
    const char *path, const char *ctype, const char *body, ts_resp *r)
{
	char extra[512] = "";
	if (c != NULL)
		snprintf(extra, sizeof(extra),
		    "Cookie: tdv_session=%s\r\nX-CSRF-Token: %s\r\n", c->cookie,
		    c->csrf);
	return ts_request(st, method, path, extra, ctype, body,
	    body ? strlen(body) : 0, r);
}

#endif
