/*
 * The sync server serving several connections at once
 * (tdv_sync_server_run), in process, real TLS, central store on SQLite
 * (or the central store URI given as argument: sync_concurrent.sh runs
 * it against PostgreSQL too, and drives the CLI's server there):
 *   - a stalled client (TCP only, or TLS with half a request) does not
 *     stop another checkpoint's push while it stays open;
 *   - four checkpoints push at once: every record exactly once, every
 *     chain verifies;
 *   - two pushers of the same checkpoint at once, and one batch posted
 *     over four connections at the same moment: exactly once;
 *   - every worker busy and the queue full: 503 busy, counted;
 *   - a stop lets the request in progress finish (its reply arrives, its
 *     records are stored) and closes a queued connection unserved;
 *   - a checkpoint's officers list republished by four connections at
 *     once: published once per change, one version, none refused;
 *   - a client that sends nothing or trickles its request is closed by
 *     the request's clock; a push at a normal pace goes through.
 *
 * With arguments it is also the record generator of sync_concurrent.sh:
 *   test_sync_concurrent gen URI CHECKPOINT N
 * records N movements (each with its audit entry) of CHECKPOINT into the
 * store URI, 250 per transaction.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tdv/error.h"
#include "tdv/store.h"
#include "tdv/sync.h"
#include "tdv/sync_transport.h"
#include "tdv_test.h"
#include "tdv_test_movement.h"

#define NCP 4
#define PER_CP 300 /* movements per checkpoint (+ their audit entries) */

static char dir[64];
static char central_uri[4096]; /* sqlite:DIR/central.db, or the argument */
static char path_ca[128], path_ca_key[128], path_srv[128], path_srv_key[128];
static char path_cp[NCP][128], path_cp_key[NCP][128];

static int
record_many(tdv_store *s, const char *cp, int n)
{
	tdv_movement *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return TDV_ENOMEM;
	int rc = TDV_OK;
	for (int i = 0; i < n && rc == TDV_OK; i++) {
		if (i % 250 == 0 && (rc = tdv_store_begin(s)) != TDV_OK)
			break;
		tdv_test_movement(m, cp, 'S', 7, i);
		snprintf(m->checks_json, sizeof(m->checks_json),
		    "[{\"id\":\"mrz.check_digits\",\"status\":\"pass\",\"n\":%d}]", i);
		rc = tdv_store_record_movement(s, m);
		if (rc == TDV_OK && (i % 250 == 249 || i == n - 1))
			rc = tdv_store_commit(s);
	}
	if (rc != TDV_OK)
		(void)tdv_store_rollback(s);
	free(m);
	return rc;
}

/* A checkpoint's local store with its officer (and n movements). */
static int
local_setup(const char *uri, const char *cp, int n)
{
	tdv_store *s = NULL;
	int rc = tdv_store_open(uri, &s, NULL, 0);
	if (rc != TDV_OK)
		return rc;
	tdv_checkpoint c;
	memset(&c, 0, sizeof(c));
	snprintf(c.id, sizeof(c.id), "%s", cp);
	snprintf(c.name, sizeof(c.name), "Post %s", cp);
	snprintf(c.country, sizeof(c.country), "UTO");
	rc = tdv_store_checkpoint_put(s, &c);
	tdv_officer o = {"off1", "Officer One", TDV_ROLE_OFFICER, true};
	if (rc == TDV_OK) {
		int orc = tdv_store_officer_add(s, &o, "pw", 2, NULL, cp);
		rc = orc == TDV_EEXIST ? TDV_OK : orc;
	}
	if (rc == TDV_OK && n > 0)
		rc = record_many(s, cp, n);
	tdv_store_free(&s);
	return rc;
}

/* ---- the server in a thread ---- */

struct srv {
	tdv_sync_server *s;
	tdv_store *stores[NCP];
	int workers, queue, port, rc;
	pthread_t thread;
};

static void *
srv_main(void *arg)
{
	struct srv *v = arg;
	tdv_sync_run_opts o = {v->workers, v->stores, v->queue, 0, NULL, NULL, NULL};
	v->rc = tdv_sync_server_run(v->s, &o);
	return NULL;
}

static const tdv_sync_server_opts *srv_opts; /* configure with these, if set */

static void
srv_start(struct srv *v, int workers, int queue)
{
	memset(v, 0, sizeof(*v));
	v->workers = workers;
	v->queue = queue;
	for (int i = 0; i < workers; i++)
		CHECK_INT(tdv_store_open(central_uri, &v->stores[i], NULL, 0), TDV_OK);
	tdv_sync_tls tls = {path_srv, path_srv_key, path_ca};
	char err[256];
	CHECK_INT(tdv_sync_server_new(&tls, "127.0.0.1", 0, v->stores[0], &v->s, err,
		      sizeof(err)),
	    TDV_OK);
	v->port = tdv_sync_server_port(v->s);
	if (srv_opts != NULL)
		CHECK_INT(tdv_sync_server_configure(v->s, srv_opts, err, sizeof(err)), TDV_OK);
	CHECK_INT(pthread_create(&v->thread, NULL, srv_main, v), 0);
}

static void
srv_stop(struct srv *v, tdv_sync_server_stats *st)
{
	tdv_sync_server_stop(v->s);
	pthread_join(v->thread, NULL);
	CHECK_INT(v->rc, TDV_OK);
	tdv_sync_server_get_stats(v->s, st);
	tdv_sync_server_free(&v->s);
	for (int i = 0; i < v->workers; i++)
		tdv_store_free(&v->stores[i]);
}

/* ---- clients ---- */

static int
tcp_open(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct timeval tv = {20, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* A TLS connection with CP1's certificate (handshake done). */
struct tls_conn {
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
};

static bool
tls_open(struct tls_conn *c, int port)
{
	memset(c, 0, sizeof(*c));
	c->fd = tcp_open(port);
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->fd < 0 || c->ctx == NULL ||
	    SSL_CTX_use_certificate_file(c->ctx, path_cp[0], SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(c->ctx, path_cp_key[0], SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_load_verify_locations(c->ctx, path_ca, NULL) != 1)
		return false;
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	c->ssl = SSL_new(c->ctx);
	return c->ssl != NULL && SSL_set_fd(c->ssl, c->fd) == 1 && SSL_connect(c->ssl) == 1;
}

static void
tls_close(struct tls_conn *c)
{
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	ERR_clear_error();
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static bool
tls_write(struct tls_conn *c, const void *p, size_t n)
{
	return SSL_write(c->ssl, p, (int)n) == (int)n;
}

/* The whole reply (until the server closes); its status code. */
static int
tls_read_status(struct tls_conn *c, char *buf, size_t bufsz)
{
	size_t used = 0;
	int r;
	while (used + 1 < bufsz && (r = SSL_read(c->ssl, buf + used, (int)(bufsz - 1 - used))) > 0)
		used += (size_t)r;
	buf[used] = '\0';
	if (used < 12 || strncmp(buf, "HTTP/1.1 ", 9) != 0)
		return 0;
	return (int)strtol(buf + 9, NULL, 10);
}

/* Nothing from the server and not closed by it (yet). */
static bool
still_open(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, 0) == 0;
}

/* The same for a TLS connection (session tickets may be waiting). */
static bool
tls_still_open(struct tls_conn *c)
{
	int fl = fcntl(c->fd, F_GETFL);
	fcntl(c->fd, F_SETFL, fl | O_NONBLOCK);
	char b[64];
	int r = SSL_read(c->ssl, b, sizeof(b));
	bool open = r < 0 && SSL_get_error(c->ssl, r) == SSL_ERROR_WANT_READ;
	fcntl(c->fd, F_SETFL, fl);
	ERR_clear_error();
	return open;
}

/* Push a checkpoint's whole backlog: what the CLI's push does. */
struct pusher {
	const char *cp;
	char uri[128], cert[128], key[128];
	int port, batch;
	int rc, status, batches;
	char err[256];
	pthread_t thread;
};

static void *
push_main(void *arg)
{
	struct pusher *p = arg;
	tdv_store *st = NULL;
	p->rc = tdv_store_open(p->uri, &st, NULL, 0);
	tdv_buf b, reply;
	tdv_buf_init(&b, TDV_SYNC_MAX_BATCH_BYTES);
	tdv_buf_init(&reply, 1 << 16);
	tdv_sync_tls tls = {p->cert, p->key, path_ca};
	while (p->rc == TDV_OK) {
		tdv_sync_batch_info info;
		p->rc = tdv_sync_build_batch(st, p->cp, p->batch, &b, &info);
		if (p->rc != TDV_OK || info.naudit + info.nmovements == 0)
			break;
		p->rc = tdv_sync_client_post(&tls, "127.0.0.1", p->port, (const char *)b.data,
		    b.len, 8000, &reply, &p->status, p->err, sizeof(p->err));
		/* strict: not even a 503 ("send again later") is expected; two
		 * batches of one checkpoint take turns at the centre */
		if (p->rc == TDV_OK && p->status != 200) {
			p->rc = TDV_EHTTP;
			snprintf(p->err, sizeof(p->err), "%s", tdv_buf_cstr(&reply));
		}
		if (p->rc == TDV_OK)
			p->rc = tdv_sync_ack(st, p->cp, &info);
		p->batches++;
	}
	tdv_buf_free(&b);
	tdv_buf_free(&reply);
	tdv_store_free(&st);
	ERR_clear_error();
	return NULL;
}

static void
pusher_init(struct pusher *p, int cpi, int port, int batch)
{
	static const char *const ids[NCP] = {"CP1", "CP2", "CP3", "CP4"};
	memset(p, 0, sizeof(*p));
	p->cp = ids[cpi];
	snprintf(p->uri, sizeof(p->uri), "sqlite:%s/%s.db", dir, ids[cpi]);
	snprintf(p->cert, sizeof(p->cert), "%s", path_cp[cpi]);
	snprintf(p->key, sizeof(p->key), "%s", path_cp_key[cpi]);
	p->port = port;
	p->batch = batch;
}

/* Central holds exactly the checkpoint's records, once, chain intact. */
static void
check_central(const char *cp, int64_t movements)
{
	tdv_store *c = NULL;
	CHECK_INT(tdv_store_open(central_uri, &c, NULL, 0), TDV_OK);
	int64_t n = -1;
	CHECK_INT(tdv_store_movement_count(c, cp, &n), TDV_OK);
	CHECK_INT(n, movements);
	tdv_audit_report ar;
	CHECK_INT(tdv_store_audit_verify(c, cp, &ar), TDV_OK);
	CHECK(ar.intact);
	CHECK_INT(ar.entries, movements + 1); /* + the officer's creation */
	tdv_store_free(&c);
}

/* ---- the cases ---- */

static void
test_stalled_clients_do_not_block(void)
{
	struct srv v;
	srv_start(&v, 3, 0);
	/* one client that connected and sent nothing, one that shook hands
	 * and sent half a request: each holds a worker */
	int stalled = tcp_open(v.port);
	CHECK(stalled >= 0);
	struct tls_conn half;
	CHECK(tls_open(&half, v.port));
	const char *head = "POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Le";
	CHECK(tls_write(&half, head, strlen(head)));
	/* CP1's push goes through meanwhile (client timeout 8 s, below the
	 * server's 10 s read timeout that would free a worker) */
	struct pusher p;
	pusher_init(&p, 0, v.port, 200);
	push_main(&p);
	if (p.rc != TDV_OK)
		fprintf(stderr, "push: %s (HTTP %d): %s\n", tdv_strerror(p.rc), p.status, p.err);
	CHECK_INT(p.rc, TDV_OK);
	CHECK(p.batches >= 3);
	CHECK(still_open(stalled));
	CHECK(tls_still_open(&half));
	check_central("CP1", PER_CP);
	close(stalled);
	tls_close(&half);
	tdv_sync_server_stats st;
	srv_stop(&v, &st);
	CHECK_INT(st.served, p.batches + 2);
	CHECK_INT(st.busy, 0);
}

static void
test_checkpoints_push_at_once(void)
{
	struct srv v;
	srv_start(&v, NCP, 0);
	struct pusher p[NCP];
	for (int i = 1; i < NCP; i++) { /* CP1 is in already */
		pusher_init(&p[i], i, v.port, 100);
		CHECK_INT(pthread_create(&p[i].thread, NULL, push_main, &p[i]), 0);
	}
	/* and a second pusher of CP2 from its own store connection */
	struct pusher twin;
	pusher_init(&twin, 1, v.port, 70);
	CHECK_INT(pthread_create(&twin.thread, NULL, push_main, &twin), 0);
	for (int i = 1; i < NCP; i++) {
		pthread_join(p[i].thread, NULL);
		if (p[i].rc != TDV_OK)
			fprintf(stderr, "%s: %s (HTTP %d): %s\n", p[i].cp, tdv_strerror(p[i].rc),
			    p[i].status, p[i].err);
		CHECK_INT(p[i].rc, TDV_OK);
	}
	pthread_join(twin.thread, NULL);
	if (twin.rc != TDV_OK)
		fprintf(stderr, "twin: %s (HTTP %d): %s\n", tdv_strerror(twin.rc), twin.status,
		    twin.err);
	CHECK_INT(twin.rc, TDV_OK);
	for (int i = 0; i < NCP; i++)
		check_central(i == 0 ? "CP1" : p[i].cp, PER_CP);
	tdv_sync_server_stats st;
	srv_stop(&v, &st);
	CHECK(st.served >= 4 * 3 + 1);
	CHECK_INT(st.dropped, 0);
}

/* One batch posted over several connections at the same moment, a few
 * times: each answered 200, its records stored once in all, the chain
 * intact. */
struct poster {
	const tdv_buf *b;
	const char *cert, *key;
	int port, rc, status, inserted, duplicates;
	pthread_barrier_t *go;
	pthread_t thread;
};

static void *
post_main(void *arg)
{
	struct poster *p = arg;
	tdv_buf reply;
	tdv_buf_init(&reply, 1 << 16);
	tdv_sync_tls tls = {p->cert, p->key, path_ca};
	char err[256];
	pthread_barrier_wait(p->go);
	p->rc = tdv_sync_client_post(&tls, "127.0.0.1", p->port, (const char *)p->b->data,
	    p->b->len, 15000, &reply, &p->status, err, sizeof(err));
	const char *r = tdv_buf_cstr(&reply), *x;
	if ((x = strstr(r, "\"inserted\":")) != NULL)
		p->inserted = (int)strtol(x + 11, NULL, 10);
	if ((x = strstr(r, "\"duplicates\":")) != NULL)
		p->duplicates = (int)strtol(x + 13, NULL, 10);
	if (p->rc != TDV_OK || p->status != 200)
		fprintf(stderr, "post: %s, HTTP %d: %s %s\n", tdv_strerror(p->rc), p->status, err, r);
	tdv_buf_free(&reply);
	ERR_clear_error();
	return NULL;
}

static void
test_same_batch_at_once(void)
{
	enum { NPOST = 4, ROUNDS = 3, MORE = 150 };
	char uri[128];
	snprintf(uri, sizeof(uri), "sqlite:%s/CP3.db", dir);
	tdv_store *l = NULL;
	CHECK_INT(tdv_store_open(uri, &l, NULL, 0), TDV_OK);
	struct srv v;
	srv_start(&v, NPOST, 0);
	tdv_buf b;
	tdv_buf_init(&b, TDV_SYNC_MAX_BATCH_BYTES);
	for (int round = 0; round < ROUNDS; round++) {
		CHECK_INT(record_many(l, "CP3", MORE), TDV_OK);
		tdv_sync_batch_info info;
		CHECK_INT(tdv_sync_build_batch(l, "CP3", 5000, &b, &info), TDV_OK);
		CHECK_INT(info.nmovements, MORE);
		pthread_barrier_t go;
		pthread_barrier_init(&go, NULL, NPOST);
		struct poster p[NPOST];
		for (int i = 0; i < NPOST; i++) {
			p[i] = (struct poster){&b, path_cp[2], path_cp_key[2], v.port, 0, 0, 0, 0, &go,
			    0};
			CHECK_INT(pthread_create(&p[i].thread, NULL, post_main, &p[i]), 0);
		}
		int inserted = 0;
		for (int i = 0; i < NPOST; i++) {
			pthread_join(p[i].thread, NULL);
			CHECK_INT(p[i].rc, TDV_OK);
			CHECK_INT(p[i].status, 200);
			CHECK_INT(p[i].inserted + p[i].duplicates, info.naudit + info.nmovements);
			inserted += p[i].inserted;
		}
		pthread_barrier_destroy(&go);
		CHECK_INT(inserted, info.naudit + info.nmovements);
		CHECK_INT(tdv_sync_ack(l, "CP3", &info), TDV_OK);
		check_central("CP3", PER_CP + (round + 1) * MORE);
	}
	tdv_sync_server_stats st;
	srv_stop(&v, &st);
	CHECK_INT(st.served, NPOST * ROUNDS);
	tdv_buf_free(&b);
	tdv_store_free(&l);
}

static void
test_saturated_is_busy(void)
{
	struct srv v;
	srv_start(&v, 1, 1);
	struct tls_conn hold; /* holds the one worker */
	CHECK(tls_open(&hold, v.port));
	const char *head = "GET /v1/whoami HTTP/1.1\r\n";
	CHECK(tls_write(&hold, head, strlen(head)));
	usleep(200000);
	int waiting = tcp_open(v.port); /* fills the queue */
	CHECK(waiting >= 0);
	usleep(200000);
	struct tls_conn c;
	CHECK(tls_open(&c, v.port));
	char buf[2048];
	CHECK_INT(tls_read_status(&c, buf, sizeof(buf)), 503);
	CHECK(strstr(buf, "Retry-After: 5\r\n") != NULL);
	CHECK(strstr(buf, "\"status\":\"busy\"") != NULL);
	tls_close(&c);
	/* the held request still completes */
	CHECK(tls_write(&hold, "Host: x\r\n\r\n", 11));
	CHECK_INT(tls_read_status(&hold, buf, sizeof(buf)), 200);
	CHECK(strstr(buf, "\"checkpoint\":\"CP1\"") != NULL);
	tls_close(&hold);
	close(waiting);
	tdv_sync_server_stats st;
	srv_stop(&v, &st);
	CHECK_INT(st.busy, 1);
	CHECK_INT(st.accepted, 2);
}

static void
test_stop_finishes_the_request(void)
{
	/* a batch of CP1 records that central does not have yet */
	char uri[128];
	snprintf(uri, sizeof(uri), "sqlite:%s/CP1.db", dir);
	tdv_store *l = NULL;
	CHECK_INT(tdv_store_open(uri, &l, NULL, 0), TDV_OK);
	CHECK_INT(record_many(l, "CP1", 40), TDV_OK);
	tdv_buf b;
	tdv_buf_init(&b, TDV_SYNC_MAX_BATCH_BYTES);
	tdv_sync_batch_info info;
	CHECK_INT(tdv_sync_build_batch(l, "CP1", 500, &b, &info), TDV_OK);
	CHECK_INT(info.nmovements, 40);

	struct srv v;
	srv_start(&v, 1, 0);
	struct tls_conn c;
	CHECK(tls_open(&c, v.port));
	char head[256];
	snprintf(head, sizeof(head),
	    "POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", b.len);
	CHECK(tls_write(&c, head, strlen(head)));
	CHECK(tls_write(&c, b.data, b.len / 2));
	usleep(200000);
	int queued = tcp_open(v.port); /* waits behind it */
	usleep(200000);
	tdv_sync_server_stop(v.s);
	usleep(300000); /* the server is stopping now, the request half read */
	CHECK(tls_write(&c, (const char *)b.data + b.len / 2, b.len - b.len / 2));
	char buf[4096];
	CHECK_INT(tls_read_status(&c, buf, sizeof(buf)), 200);
	CHECK(strstr(buf, "\"inserted\":80") != NULL);
	tls_close(&c);
	tdv_sync_server_stats st;
	srv_stop(&v, &st);
	CHECK_INT(st.served, 1);
	CHECK_INT(st.dropped, 1);
	char sink[16];
	CHECK_INT(recv(queued, sink, sizeof(sink), 0), 0); /* closed unserved */
	close(queued);
	CHECK_INT(tdv_sync_ack(l, "CP1", &info), TDV_OK);
	check_central("CP1", PER_CP + 40);
	tdv_buf_free(&b);
	tdv_store_free(&l);
}

/* Two or more pulls of one checkpoint at once find its officers list
 * stale together (two server workers): the list is published once per
 * change, under one version, and none of them is refused. */
struct pub_arg {
	tdv_store *s;
	pthread_barrier_t *bar;
	const char *cert, *key;
	int rc;
	bool published;
	int64_t version;
};

static void *
pub_thread(void *a)
{
	struct pub_arg *p = a;
	char err[256];
	pthread_barrier_wait(p->bar);
	p->rc = tdv_sync_publish_officers_for(p->s, "CP1", p->cert, p->key, &p->published,
	    &p->version, err, sizeof(err));
	return NULL;
}

static void
test_officers_list_published_once(void)
{
	char cert[128], key[128];
	snprintf(cert, sizeof(cert), "%s/publisher.crt", dir);
	snprintf(key, sizeof(key), "%s/publisher.key", dir);
	CHECK_INT(tdv_sync_pki_key_new(key), TDV_OK);
	CHECK_INT(tdv_sync_pki_issue(path_ca, path_ca_key, key, TDV_SYNC_PUBLISHER_CN, NULL, false,
		      2, cert),
	    TDV_OK);
	enum { N = 4 };
	struct pub_arg a[N];
	memset(a, 0, sizeof(a));
	for (int i = 0; i < N; i++)
		CHECK_INT(tdv_store_open(central_uri, &a[i].s, NULL, 0), TDV_OK);
	int64_t last = 0;
	for (int round = 0; round < 6 && tdv_test_failures == 0; round++) {
		tdv_officer o;
		memset(&o, 0, sizeof(o));
		snprintf(o.id, sizeof(o.id), "pub%d", round);
		snprintf(o.name, sizeof(o.name), "Officer %d", round);
		o.role = TDV_ROLE_OFFICER;
		o.active = true;
		CHECK_INT(tdv_store_officer_add(a[0].s, &o, "pw", 2, NULL, NULL), TDV_OK);
		pthread_barrier_t bar;
		pthread_barrier_init(&bar, NULL, N);
		pthread_t t[N];
		for (int i = 0; i < N; i++) {
			a[i].bar = &bar;
			a[i].cert = cert;
			a[i].key = key;
			pthread_create(&t[i], NULL, pub_thread, &a[i]);
		}
		int published = 0;
		for (int i = 0; i < N; i++) {
			pthread_join(t[i], NULL);
			CHECK_INT(a[i].rc, TDV_OK);
			published += a[i].published;
			CHECK(a[i].version == a[0].version);
		}
		pthread_barrier_destroy(&bar);
		CHECK_INT(published, 1);
		CHECK(a[0].version > last);
		last = a[0].version;
	}
	for (int i = 0; i < N; i++)
		tdv_store_free(&a[i].s);
}

/* A client that sends nothing, and one that trickles its request a byte
 * every 200 ms (under every read timeout), are closed once they fall
 * behind the request's clock (here 1 s + 4096 bytes/s: the handshake
 * itself is about 3 KB); a push on the same
 * server goes through. */
static void
test_slow_requests_are_closed(void)
{
	tdv_sync_server_opts o;
	memset(&o, 0, sizeof(o));
	o.request_grace_ms = 1000;
	o.request_min_bps = 4096;
	srv_opts = &o;
	struct srv v;
	srv_start(&v, 3, 0);
	srv_opts = NULL;
	int idle = tcp_open(v.port);
	CHECK(idle >= 0);
	struct tls_conn slow;
	CHECK(tls_open(&slow, v.port));
	const char *head = "POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n";
	bool slow_closed = false;
	for (size_t i = 0; i < strlen(head) && !slow_closed; i++) {
		usleep(200000);
		slow_closed = !tls_write(&slow, head + i, 1) || !tls_still_open(&slow);
	}
	/* 9 s of trickling at most; the clock closes it after about 2 s */
	CHECK(slow_closed);
	CHECK(!still_open(idle));
	tls_close(&slow);
	close(idle);
	/* a request at a normal pace */
	char uri[128];
	snprintf(uri, sizeof(uri), "sqlite:%s/CP4.db", dir);
	tdv_store *l = NULL;
	CHECK_INT(tdv_store_open(uri, &l, NULL, 0), TDV_OK);
	CHECK_INT(record_many(l, "CP4", 40), TDV_OK);
	tdv_store_free(&l);
	struct pusher p;
	pusher_init(&p, 3, v.port, 500);
	push_main(&p);
	CHECK_INT(p.rc, TDV_OK);
	CHECK(p.batches >= 1);
	tdv_sync_server_stats st;
	srv_stop(&v, &st);
}

static int
gen_main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: test_sync_concurrent [CENTRAL-URI | gen URI CHECKPOINT N]\n");
		return 2;
	}
	char *end = NULL;
	long n = strtol(argv[4], &end, 10);
	if (end == argv[4] || *end != '\0' || n < 0 || n > 10000000) {
		fprintf(stderr, "gen: bad count '%s'\n", argv[4]);
		return 2;
	}
	int rc = local_setup(argv[2], argv[3], (int)n);
	if (rc != TDV_OK) {
		fprintf(stderr, "gen: %s\n", tdv_strerror(rc));
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "gen") == 0)
		return gen_main(argc, argv);
	if (argc > 1) /* a central store to use instead of SQLite */
		snprintf(central_uri, sizeof(central_uri), "%s", argv[1]);
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/tdv-syncc.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path_ca, sizeof(path_ca), "%s/ca.crt", dir);
	snprintf(path_ca_key, sizeof(path_ca_key), "%s/ca.key", dir);
	snprintf(path_srv, sizeof(path_srv), "%s/central.crt", dir);
	snprintf(path_srv_key, sizeof(path_srv_key), "%s/central.key", dir);
	CHECK_INT(tdv_sync_pki_ca_new(path_ca_key, path_ca, "test sync CA", 2), TDV_OK);
	CHECK_INT(tdv_sync_pki_key_new(path_srv_key), TDV_OK);
	CHECK_INT(tdv_sync_pki_issue(path_ca, path_ca_key, path_srv_key, "central",
		      "IP:127.0.0.1", true, 2, path_srv),
	    TDV_OK);
	if (central_uri[0] == '\0')
		snprintf(central_uri, sizeof(central_uri), "sqlite:%s/central.db", dir);
	tdv_store *c = NULL;
	CHECK_INT(tdv_store_open(central_uri, &c, NULL, 0), TDV_OK);
	for (int i = 0; i < NCP; i++) {
		char id[8];
		snprintf(id, sizeof(id), "CP%d", i + 1);
		snprintf(path_cp[i], sizeof(path_cp[i]), "%s/%s.crt", dir, id);
		snprintf(path_cp_key[i], sizeof(path_cp_key[i]), "%s/%s.key", dir, id);
		CHECK_INT(tdv_sync_pki_key_new(path_cp_key[i]), TDV_OK);
		CHECK_INT(tdv_sync_pki_issue(path_ca, path_ca_key, path_cp_key[i], id, NULL, false,
			      2, path_cp[i]),
		    TDV_OK);
		tdv_checkpoint cp;
		memset(&cp, 0, sizeof(cp));
		snprintf(cp.id, sizeof(cp.id), "%s", id);
		snprintf(cp.name, sizeof(cp.name), "Post %s", id);
		snprintf(cp.country, sizeof(cp.country), "UTO");
		CHECK_INT(tdv_store_checkpoint_put(c, &cp), TDV_OK);
		char luri[128];
		snprintf(luri, sizeof(luri), "sqlite:%s/%s.db", dir, id);
		CHECK_INT(local_setup(luri, id, PER_CP), TDV_OK);
	}
	tdv_store_free(&c);
	if (tdv_test_failures == 0) {
		RUN(test_stalled_clients_do_not_block);
		RUN(test_checkpoints_push_at_once);
		RUN(test_same_batch_at_once);
		RUN(test_saturated_is_busy);
		RUN(test_stop_finishes_the_request);
		RUN(test_officers_list_published_once);
		RUN(test_slow_requests_are_closed);
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	TEST_EXIT();
}
