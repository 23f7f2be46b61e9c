/*
 * Sync transport: HTTP/1.1 over TLS (OpenSSL) with a small route table
 * (see tdv/sync_transport.h). Routes that carry a checkpoint's data need
 * a client certificate signed by the sync CA; its common name is the
 * checkpoint id, and the handlers refuse anything of another checkpoint.
 * Only enrolment and the CA certificate are served without one. The
 * client verifies the server's certificate against the same CA and the
 * host name or address it dialled.
 *
 * Hostile input on both sides is bounded: request and response headers
 * at most 8 KiB, a request target of 256 bytes, bodies at most each
 * route's limit (TDV_SYNC_MAX_BATCH_BYTES for batches, 16 KiB for
 * enrolment, none for GET), every socket read and write under a timeout,
 * one request per connection. Several connections are served at once by
 * a fixed pool of worker threads, each with its own store connection
 * (tdv_sync_server_run), behind a bounded queue.
 *
 * (libmicrohttpd in Debian uses GnuTLS and exposes the peer certificate
 * only through GnuTLS calls, which the project does not link; the
 * small server below uses the OpenSSL the project already uses.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "store/store_int.h"
#include "sync/sync_int.h"
#include "tdv/error.h"
#include "tdv/sync_transport.h"

#define HEADER_MAX 8192

/* What changes while the server runs (see sync_int.h): the queue of
 * accepted connections, the counters, the stop request. */
struct fd_ring {
	int *fd;
	int cap, head, len;
};

struct tdv__sync_ctl {
	atomic_int stop;      /* tdv_sync_server_stop (from a signal handler too) */
	int wake[2];          /* self-pipe: stop wakes the accept loop */
	pthread_mutex_t mu;   /* guards everything below */
	pthread_cond_t ready; /* a connection queued for the workers, or closing */
	pthread_cond_t refuse; /* one queued to be told 503, or closing */
	struct fd_ring work;  /* accepted, waiting for a worker */
	struct fd_ring busy;  /* accepted when work was full: to refuse */
	bool closing;         /* nothing more will be queued */
	tdv_sync_server_stats st;
};

static SSL_CTX *
make_ctx(const tdv_sync_tls *tls, bool server, char *err, size_t errsz)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	bool own = server || tls->cert_file != NULL;
	if ((own && (tls->key_file == NULL ||
			SSL_CTX_use_certificate_chain_file(ctx, tls->cert_file) != 1 ||
			SSL_CTX_use_PrivateKey_file(ctx, tls->key_file, SSL_FILETYPE_PEM) != 1 ||
			SSL_CTX_check_private_key(ctx) != 1)) ||
	    ((server || tls->ca_file != NULL) &&
		(tls->ca_file == NULL ||
		    SSL_CTX_load_verify_locations(ctx, tls->ca_file, NULL) != 1))) {
		unsigned long e = ERR_peek_last_error();
		const char *why = e ? ERR_reason_error_string(e) : NULL;
		snprintf(err, errsz, "TLS setup (%s, %s, %s): %s",
		    tls->cert_file ? tls->cert_file : "no certificate",
		    tls->key_file ? tls->key_file : "no key",
		    tls->ca_file ? tls->ca_file : "no CA", why ? why : "cannot load");
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* The server asks for a client certificate and verifies any that is
	 * presented (a bad one ends the handshake); the routes that need an
	 * identity refuse a connection without one. The client verifies the
	 * server unless it has no CA yet (fetching it by fingerprint). */
	SSL_CTX_set_verify(ctx,
	    server || tls->ca_file != NULL ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	return ctx;
}

static void
set_timeouts(int fd, int timeout_ms)
{
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int
write_all(SSL *ssl, const void *p, size_t n)
{
	const unsigned char *c = p;
	while (n > 0) {
		int chunk = n > (1u << 30) ? 1 << 30 : (int)n;
		int w = SSL_write(ssl, c, chunk);
		if (w <= 0)
			return TDV_EIO;
		c += w;
		n -= (size_t)w;
	}
	return TDV_OK;
}

/* Read the header block (up to the blank line) into hdr; whatever of the
 * body came with it is appended to body. */
static int
read_head(SSL *ssl, char *hdr, size_t hdrsz, tdv_buf *body)
{
	size_t used = 0;
	for (;;) {
		if (used + 1 >= hdrsz)
			return TDV_ELIMIT;
		int r = SSL_read(ssl, hdr + used, (int)(hdrsz - 1 - used));
		if (r <= 0)
			return TDV_EIO;
		used += (size_t)r;
		hdr[used] = '\0';
		char *end = strstr(hdr, "\r\n\r\n");
		if (end != NULL) {
			size_t hlen = (size_t)(end - hdr) + 4;
			int rc = tdv_buf_append(body, hdr + hlen, used - hlen);
			hdr[hlen] = '\0';
			return rc;
		}
	}
}

/* Content-Length of a header block: TDV_EPARSE when absent or bad. */
static int
content_length(const char *hdr, size_t *out)
{
	const char *p = hdr;
	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncasecmp(p, "Content-Length:", 15) == 0) {
			p += 15;
			while (*p == ' ' || *p == '\t')
				p++;
			char *end = NULL;
			errno = 0;
			unsigned long long v = strtoull(p, &end, 10);
			if (errno != 0 || end == p || (*end != '\r' && *end != '\n'))
				return TDV_EPARSE;
			*out = (size_t)v;
			if ((unsigned long long)*out != v)
				return TDV_ELIMIT;
			return TDV_OK;
		}
	}
	return TDV_EPARSE;
}

static int
read_body(SSL *ssl, tdv_buf *body, size_t want)
{
	if (want > body->max)
		return TDV_ELIMIT;
	if (body->len > want)
		return TDV_EPARSE; /* more than announced */
	int rc = tdv_buf_reserve(body, want - body->len);
	if (rc != TDV_OK)
		return rc;
	char chunk[16384];
	while (body->len < want) {
		size_t n = want - body->len;
		int r = SSL_read(ssl, chunk, (int)(n < sizeof(chunk) ? n : sizeof(chunk)));
		if (r <= 0)
			return TDV_EIO;
		rc = tdv_buf_append(body, chunk, (size_t)r);
		if (rc != TDV_OK)
			return rc;
	}
	return TDV_OK;
}

/* ---- client ---- */

static int
dial(const char *host, int port, int timeout_ms)
{
	char portstr[8];
	snprintf(portstr, sizeof(portstr), "%d", port);
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, portstr, &hints, &res) != 0)
		return -1;
	int fd = -1;
	for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0)
			continue;
		set_timeouts(fd, timeout_ms);
		if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

static bool
target_ok(const char *path)
{
	size_t n = strnlen(path, 257);
	if (n == 0 || n > 256 || path[0] != '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if (path[i] <= 0x20 || path[i] >= 0x7f)
			return false;
	return true;
}

int
tdv_sync_client_request(const tdv_sync_tls *tls, const char *host, int port,
    const char *method, const char *path, const char *body, size_t len, int timeout_ms,
    tdv_buf *reply, int *status, char *err, size_t errsz)
{
	if (tls == NULL || host == NULL || reply == NULL || status == NULL || port <= 0 ||
	    port > 65535 || timeout_ms <= 0 || method == NULL || path == NULL ||
	    (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0) || !target_ok(path) ||
	    (body == NULL && len > 0) || strnlen(host, 256) > 255)
		return TDV_EINVAL;
	err[0] = '\0';
	*status = 0;
	tdv_buf_reset(reply);
	SSL_CTX *ctx = make_ctx(tls, false, err, errsz);
	if (ctx == NULL)
		return TDV_ECRYPTO;
	int rc = TDV_EIO;
	SSL *ssl = NULL;
	int fd = dial(host, port, timeout_ms);
	if (fd < 0) {
		snprintf(err, errsz, "cannot connect to %s:%d: %s", host, port, strerror(errno));
		goto out;
	}
	ssl = SSL_new(ctx);
	if (ssl == NULL)
		goto out;
	SSL_set_fd(ssl, fd);
	/* the server certificate must name what we dialled */
	X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
	unsigned char addr[16];
	if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1)
		X509_VERIFY_PARAM_set1_ip_asc(vp, host);
	else {
		X509_VERIFY_PARAM_set1_host(vp, host, 0);
		SSL_set_tlsext_host_name(ssl, host);
	}
	if (SSL_connect(ssl) != 1) {
		long v = SSL_get_verify_result(ssl);
		snprintf(err, errsz, "TLS handshake with %s:%d failed%s%s", host, port,
		    v != X509_V_OK ? ": " : "", v != X509_V_OK ? X509_verify_cert_error_string(v) : "");
		rc = v != X509_V_OK ? TDV_EAUTH : TDV_EIO;
		goto out;
	}
	char head[640];
	if (strcmp(method, "POST") == 0)
		snprintf(head, sizeof(head),
		    "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		    path, host, len);
	else
		snprintf(head, sizeof(head),
		    "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host);
	if (write_all(ssl, head, strlen(head)) != TDV_OK ||
	    (len > 0 && write_all(ssl, body, len) != TDV_OK)) {
		snprintf(err, errsz, "connection lost while sending");
		goto out;
	}
	char hdr[HEADER_MAX];
	if ((rc = read_head(ssl, hdr, sizeof(hdr), reply)) != TDV_OK) {
		snprintf(err, errsz, rc == TDV_ELIMIT ? "reply headers too large"
						      : "connection lost before the reply");
		rc = TDV_EIO;
		goto out;
	}
	if (strncmp(hdr, "HTTP/1.1 ", 9) != 0 || hdr[12] != ' ' || hdr[9] < '1' ||
	    hdr[9] > '5' || hdr[10] < '0' || hdr[10] > '9' || hdr[11] < '0' || hdr[11] > '9') {
		snprintf(err, errsz, "not an HTTP reply");
		rc = TDV_EHTTP;
		goto out;
	}
	*status = (hdr[9] - '0') * 100 + (hdr[10] - '0') * 10 + (hdr[11] - '0');
	size_t clen = 0;
	if (content_length(hdr, &clen) != TDV_OK) {
		snprintf(err, errsz, "reply without a length");
		rc = TDV_EIO;
		goto out;
	}
	rc = read_body(ssl, reply, clen);
	if (rc != TDV_OK) {
		snprintf(err, errsz, rc == TDV_ELIMIT ? "reply larger than allowed"
						      : "reply cut short");
		rc = rc == TDV_ELIMIT ? TDV_ELIMIT : TDV_EIO;
		goto out;
	}
	rc = TDV_OK;
out:
	if (ssl != NULL) {
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	if (fd >= 0)
		close(fd);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

int
tdv_sync_client_post(const tdv_sync_tls *tls, const char *host, int port,
    const char *body, size_t len, int timeout_ms, tdv_buf *reply, int *status,
    char *err, size_t errsz)
{
	if (body == NULL)
		return TDV_EINVAL;
	return tdv_sync_client_request(tls, host, port, "POST", "/v1/batch", body, len,
	    timeout_ms, reply, status, err, errsz);
}

/* ---- server ---- */

int
tdv_sync_server_new(const tdv_sync_tls *tls, const char *bind_host, int port,
    tdv_store *central, tdv_sync_server **out, char *err, size_t errsz)
{
	if (tls == NULL || central == NULL || out == NULL || port < 0 || port > 65535)
		return TDV_EINVAL;
	err[0] = '\0';
	tdv_sync_server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return TDV_ENOMEM;
	s->central = central;
	s->timeout_ms = 10000;
	s->request_grace_ms = 30000;
	s->request_min_bps = 512;
	s->keep_versions = TDV_SYNC_KEEP_VERSIONS;
	s->fd = -1;
	s->ctl = calloc(1, sizeof(*s->ctl));
	if (s->ctl == NULL) {
		free(s);
		return TDV_ENOMEM;
	}
	s->ctl->wake[0] = s->ctl->wake[1] = -1;
	atomic_init(&s->ctl->stop, 0);
	if (pthread_mutex_init(&s->ctl->mu, NULL) != 0) {
		free(s->ctl);
		free(s);
		return TDV_ENOMEM;
	}
	if (pthread_cond_init(&s->ctl->ready, NULL) != 0) {
		pthread_mutex_destroy(&s->ctl->mu);
		free(s->ctl);
		free(s);
		return TDV_ENOMEM;
	}
	if (pthread_cond_init(&s->ctl->refuse, NULL) != 0) {
		pthread_cond_destroy(&s->ctl->ready);
		pthread_mutex_destroy(&s->ctl->mu);
		free(s->ctl);
		free(s);
		return TDV_ENOMEM;
	}
	if (pipe(s->ctl->wake) != 0) {
		s->ctl->wake[0] = s->ctl->wake[1] = -1;
		snprintf(err, errsz, "cannot make a pipe: %s", strerror(errno));
		tdv_sync_server_free(&s);
		return TDV_EIO;
	}
	for (int i = 0; i < 2; i++) {
		(void)fcntl(s->ctl->wake[i], F_SETFL, O_NONBLOCK);
		(void)fcntl(s->ctl->wake[i], F_SETFD, FD_CLOEXEC);
	}
	s->ctx = make_ctx(tls, true, err, errsz);
	if (s->ctx == NULL) {
		tdv_sync_server_free(&s);
		return TDV_ECRYPTO;
	}
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, bind_host ? bind_host : "127.0.0.1", &sa.sin_addr) != 1) {
		snprintf(err, errsz, "bind address must be an IPv4 address");
		tdv_sync_server_free(&s);
		return TDV_EINVAL;
	}
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s->fd, 64) != 0) {
		snprintf(err, errsz, "cannot listen on port %d: %s", port, strerror(errno));
		tdv_sync_server_free(&s);
		return TDV_EIO;
	}
	socklen_t sl = sizeof(sa);
	getsockname(s->fd, (struct sockaddr *)&sa, &sl);
	s->port = ntohs(sa.sin_port);
	*out = s;
	return TDV_OK;
}

int
tdv_sync_server_port(const tdv_sync_server *s)
{
	return s ? s->port : -1;
}

void
tdv_sync_server_free(tdv_sync_server **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	tdv_sync_server *s = *sp;
	if (s->fd >= 0)
		close(s->fd);
	if (s->ctl != NULL) {
		for (int i = 0; i < 2; i++)
			if (s->ctl->wake[i] >= 0)
				close(s->ctl->wake[i]);
		pthread_cond_destroy(&s->ctl->refuse);
		pthread_cond_destroy(&s->ctl->ready);
		pthread_mutex_destroy(&s->ctl->mu);
		free(s->ctl);
	}
	SSL_CTX_free(s->ctx);
	free(s->publisher_cert);
	free(s->publisher_key);
	X509_free(s->ca);
	EVP_PKEY_free(s->ca_key);
	free(s->ca_pem);
	free(s);
	*sp = NULL;
}

static void
reply_n(SSL *ssl, int code, const char *reason, const char *ctype, const char *body,
    size_t len)
{
	char head[320];
	snprintf(head, sizeof(head),
	    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n",
	    code, reason, ctype, len);
	if (write_all(ssl, head, strlen(head)) == TDV_OK && len > 0)
		(void)write_all(ssl, body, len);
}

static void
reply(SSL *ssl, int code, const char *reason, const char *json)
{
	reply_n(ssl, code, reason, "application/json", json, strlen(json));
}

static const char *
reason_of(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 431:
		return "Request Header Fields Too Large";
	default:
		return "Service Unavailable";
	}
}

static int
http_status_of(int rc, const char **reason)
{
	int code;
	switch (rc) {
	case TDV_OK:
		code = 200;
		break;
	case TDV_ELIMIT:
		code = 413;
		break;
	case TDV_EFORBIDDEN:
		code = 403;
		break;
	case TDV_ESTORE_CONFLICT:
	case TDV_EAUDIT_BROKEN:
		code = 409;
		break;
	case TDV_EPARSE:
	case TDV_ENOENT:
		code = 400;
		break;
	default:
		code = 503;
	}
	*reason = reason_of(code);
	return code;
}

void
tdv__sync_json_error(tdv_buf *out, const char *status, const char *msg)
{
	tdv_buf_reset(out);
	tdv_json j;
	tdv_json_init(&j, out);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "status");
	tdv_json_string(&j, status);
	tdv_json_key(&j, "error");
	tdv_json_string(&j, msg);
	tdv_json_object_end(&j);
}

/* The checkpoint id the client certificate names (its CN). */
static int
peer_id(SSL *ssl, char *out, size_t outsz)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	if (cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK) {
		X509_free(cert);
		return TDV_EAUTH;
	}
	int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName,
	    out, (int)outsz);
	X509_free(cert);
	if (n <= 0 || (size_t)n >= outsz || !tdv__id_ok(out))
		return TDV_EAUTH;
	return TDV_OK;
}

static int
route_batch(tdv_sync_server *s, const tdv__sync_request *rq, tdv_buf *out, int *code,
    const char **ctype, tdv_sync_served *info)
{
	(void)ctype;
	tdv_sync_result r;
	int rc = tdv_sync_ingest(s->central, rq->peer, rq->body, rq->body_len, &r);
	info->result = r;
	const char *why = NULL;
	*code = http_status_of(rc, &why);
	tdv_json j;
	tdv_json_init(&j, out);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "status");
	tdv_json_string(&j, rc == TDV_OK ? "ok" : tdv_strerror_name(rc));
	tdv_json_key(&j, "inserted");
	tdv_json_int(&j, r.inserted);
	tdv_json_key(&j, "duplicates");
	tdv_json_int(&j, r.duplicates);
	if (rc != TDV_OK) {
		tdv_json_key(&j, "error");
		tdv_json_string(&j, r.message[0] ? r.message : tdv_strerror(rc));
		tdv_json_key(&j, "record");
		tdv_json_int(&j, r.bad_index);
	}
	tdv_json_object_end(&j);
	snprintf(info->message, sizeof(info->message), "%d %s", *code,
	    r.message[0] ? r.message : why);
	return rc;
}

/* The route table. needs_peer: a client certificate naming a checkpoint
 * is required. max_body 0: no body accepted. */
static const struct route {
	const char *method;
	const char *path;
	bool prefix;
	bool needs_peer;
	size_t max_body;
	tdv__sync_route_fn fn;
} routes[] = {
    {"POST", "/v1/batch", false, true, TDV_SYNC_MAX_BATCH_BYTES, route_batch},
    {"GET", "/v1/pull/", true, true, 0, tdv__sync_route_pull},
    {"POST", "/v1/enrol", false, false, 16384, tdv__sync_route_enrol},
    {"GET", "/v1/ca", false, false, 0, tdv__sync_route_ca},
    {"POST", "/v1/renew", false, true, 16384, tdv__sync_route_renew},
    {"GET", "/v1/whoami", false, true, 0, tdv__sync_route_whoami},
};

/* Copy "METHOD TARGET HTTP/1.1" (the first line of hdr) out. */
static int
request_line(const char *hdr, char method[8], char target[257])
{
	const char *eol = strstr(hdr, "\r\n");
	const char *sp1 = eol ? memchr(hdr, ' ', (size_t)(eol - hdr)) : NULL;
	if (sp1 == NULL || sp1 - hdr > 7 || sp1 == hdr)
		return TDV_EPARSE;
	const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (sp2 == NULL || sp2 - sp1 - 1 > 256 || (size_t)(eol - sp2 - 1) != 8 ||
	    memcmp(sp2 + 1, "HTTP/1.1", 8) != 0)
		return TDV_EPARSE;
	memcpy(method, hdr, (size_t)(sp1 - hdr));
	method[sp1 - hdr] = '\0';
	memcpy(target, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	target[sp2 - sp1 - 1] = '\0';
	return target_ok(target) ? TDV_OK : TDV_EPARSE;
}

/* Close after a reply without discarding it: a request body we did not
 * read (refused as too large) would make close() send a reset that can
 * destroy the reply in flight. Stop sending, then read and drop what the
 * client still sends, bounded (1 MiB, 1 s), until it closes. */
static void
linger_close(int fd, int rounds)
{
	shutdown(fd, SHUT_WR);
	char sink[16384];
	size_t total = 0;
	for (int i = 0; i < rounds && total < (1u << 20); i++) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t r = recv(fd, sink, sizeof(sink), 0);
		if (r <= 0)
			break;
		total += (size_t)r;
	}
	close(fd);
}

/* The request's clock: every read of the connection (the TLS handshake's
 * included) goes through this BIO callback, which allows it only until
 * grace + bytes received / min rate after the start, and makes the
 * socket's read timeout no longer than that. */
struct rx_clock {
	int fd;
	bool on, expired;
	int per_read_ms;
	int64_t start_ms, grace_ms, min_bps;
	uint64_t got;
};

static int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long
rx_clock_cb(BIO *b, int oper, const char *argp, size_t len, int argi, long argl, int ret,
    size_t *processed)
{
	(void)argp;
	(void)len;
	(void)argi;
	(void)argl;
	struct rx_clock *k = (struct rx_clock *)BIO_get_callback_arg(b);
	if (k == NULL || !k->on)
		return ret;
	if (oper == BIO_CB_READ) {
		int64_t left = k->start_ms + k->grace_ms +
		    (int64_t)(k->got * 1000 / (uint64_t)k->min_bps) - mono_ms();
		if (left <= 0) {
			k->expired = true;
			return -1; /* the read is not made */
		}
		int64_t t = left < k->per_read_ms ? left : k->per_read_ms;
		struct timeval tv = {(time_t)(t / 1000), (suseconds_t)((t % 1000) * 1000)};
		setsockopt(k->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	} else if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed != NULL) {
		k->got += *processed;
	}
	return ret;
}

/* Serve one accepted connection completely and close it. s is the
 * server or a worker's copy of it (its central is the store used). */
static int
serve_conn(tdv_sync_server *s, int fd, tdv_sync_served *info)
{
	memset(info, 0, sizeof(*info));
	set_timeouts(fd, s->timeout_ms);
	struct rx_clock clk;
	memset(&clk, 0, sizeof(clk));
	SSL *ssl = SSL_new(s->ctx);
	X509 *peer_cert = NULL;
	char peer_serial[TDV_CERT_SERIAL_MAX + 1] = "";
	int64_t peer_not_after = 0;
	tdv_buf body, out;
	tdv_buf_init(&body, TDV_SYNC_MAX_BATCH_BYTES);
	tdv_buf_init(&out, TDV_SYNC_MAX_PULL_BYTES + 4096);
	int rc = TDV_EIO;
	if (ssl == NULL)
		goto out;
	SSL_set_fd(ssl, fd);
	clk = (struct rx_clock){fd, true, false, s->timeout_ms, mono_ms(), s->request_grace_ms,
	    s->request_min_bps, 0};
	BIO_set_callback_arg(SSL_get_rbio(ssl), (char *)&clk);
	BIO_set_callback_ex(SSL_get_rbio(ssl), rx_clock_cb);
	if (SSL_accept(ssl) != 1) {
		snprintf(info->message, sizeof(info->message), "TLS handshake refused");
		rc = TDV_EAUTH;
		goto out;
	}
	bool has_peer = SSL_get0_peer_certificate(ssl) != NULL;
	if (has_peer && (peer_id(ssl, info->peer, sizeof(info->peer)) != TDV_OK ||
			    (peer_cert = SSL_get1_peer_certificate(ssl)) == NULL ||
			    tdv__sync_cert_info(peer_cert, peer_serial, NULL, &peer_not_after, NULL) !=
				TDV_OK)) {
		snprintf(info->message, sizeof(info->message), "client certificate unusable");
		reply(ssl, 403, "Forbidden", "{\"error\":\"client certificate unusable\"}");
		rc = TDV_EAUTH;
		goto out;
	}
	char hdr[HEADER_MAX];
	size_t clen = 0;
	rc = read_head(ssl, hdr, sizeof(hdr), &body);
	if (rc == TDV_ELIMIT) {
		reply(ssl, 431, "Request Header Fields Too Large", "{\"error\":\"headers too large\"}");
		goto out;
	}
	if (rc != TDV_OK) {
		snprintf(info->message, sizeof(info->message), "connection lost in the request");
		goto out;
	}
	char method[8], target[257];
	if (request_line(hdr, method, target) != TDV_OK) {
		reply(ssl, 400, "Bad Request", "{\"error\":\"malformed request line\"}");
		snprintf(info->message, sizeof(info->message), "malformed request line");
		rc = TDV_EHTTP;
		goto out;
	}
	char *query = strchr(target, '?');
	if (query != NULL)
		*query++ = '\0';
	const struct route *rt = NULL;
	bool path_known = false;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]) && rt == NULL; i++) {
		bool match = routes[i].prefix
		    ? strncmp(target, routes[i].path, strlen(routes[i].path)) == 0
		    : strcmp(target, routes[i].path) == 0;
		if (!match)
			continue;
		path_known = true;
		if (strcmp(method, routes[i].method) == 0)
			rt = &routes[i];
	}
	snprintf(info->route, sizeof(info->route), "%.7s %.48s", method, target);
	if (rt == NULL) {
		int code = path_known ? 405 : 404;
		reply(ssl, code, reason_of(code), "{\"error\":\"no such route\"}");
		snprintf(info->message, sizeof(info->message), "%d no such route", code);
		rc = TDV_EHTTP;
		goto out;
	}
	/* revocation: the register is asked at every connection, so a
	 * checkpoint cut off centrally is refused from its next request on */
	if (has_peer) {
		char why[200];
		int64_t not_before = 0;
		(void)tdv__sync_cert_info(peer_cert, peer_serial, &not_before, NULL, NULL);
		int crc = tdv_store_cert_check(s->central, peer_serial, info->peer, not_before, why,
		    sizeof(why));
		if (crc != TDV_OK) {
			tdv_buf_reset(&out);
			tdv__sync_json_error(&out, crc == TDV_ESYNC_REVOKED ? "revoked" : "unavailable",
			    crc == TDV_ESYNC_REVOKED ? why : "revocation status unavailable");
			int code = crc == TDV_ESYNC_REVOKED ? 403 : 503;
			reply_n(ssl, code, reason_of(code), "application/json", (const char *)out.data,
			    out.len);
			snprintf(info->message, sizeof(info->message), "%d refused: %s", code,
			    crc == TDV_ESYNC_REVOKED ? why : tdv_strerror(crc));
			rc = crc == TDV_ESYNC_REVOKED ? crc : TDV_ESTORE;
			goto out;
		}
	}
	if (rt->needs_peer && !has_peer) {
		reply(ssl, 403, "Forbidden", "{\"error\":\"client certificate required\"}");
		snprintf(info->message, sizeof(info->message), "403 no client certificate");
		rc = TDV_EAUTH;
		goto out;
	}
	if (rt->max_body > 0) {
		rc = content_length(hdr, &clen);
		if (rc == TDV_OK && clen > rt->max_body)
			rc = TDV_ELIMIT;
		if (rc != TDV_OK) {
			const char *why = NULL;
			int code = http_status_of(rc == TDV_ELIMIT ? rc : TDV_EPARSE, &why);
			reply(ssl, code, why, rc == TDV_ELIMIT ? "{\"error\":\"body too large\"}"
							    : "{\"error\":\"Content-Length required\"}");
			snprintf(info->message, sizeof(info->message), "%d %s", code, why);
			goto out;
		}
		body.max = rt->max_body;
		rc = read_body(ssl, &body, clen);
		if (rc != TDV_OK) {
			snprintf(info->message, sizeof(info->message), "body cut short");
			goto out;
		}
	} else if (body.len > 0 || (content_length(hdr, &clen) == TDV_OK && clen > 0)) {
		reply(ssl, 400, "Bad Request", "{\"error\":\"no body expected\"}");
		snprintf(info->message, sizeof(info->message), "400 unexpected body");
		rc = TDV_EPARSE;
		goto out;
	}
	clk.on = false; /* the request is in */
	tdv__sync_request rq = {method, target, query ? query : "",
	    has_peer ? info->peer : NULL, has_peer ? peer_serial : NULL, peer_not_after,
	    peer_cert, (const char *)body.data ? (const char *)body.data : "", body.len};
	int code = 503;
	const char *ctype = "application/json";
	rc = rt->fn(s, &rq, &out, &code, &ctype, info);
	reply_n(ssl, code, reason_of(code), ctype, (const char *)out.data, out.len);
	if (info->message[0] == '\0')
		snprintf(info->message, sizeof(info->message), "%d %s", code, reason_of(code));
out:
	if (clk.expired)
		snprintf(info->message, sizeof(info->message),
		    "request too slow: %llu bytes in %lld s, connection closed",
		    (unsigned long long)clk.got, (long long)((mono_ms() - clk.start_ms) / 1000));
	X509_free(peer_cert);
	if (ssl != NULL) {
		clk.on = false;
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	linger_close(fd, 10);
	tdv_buf_free(&body);
	tdv_buf_free(&out);
	ERR_clear_error();
	return rc;
}

int
tdv_sync_server_serve_one(tdv_sync_server *s, int wait_ms, tdv_sync_served *info)
{
	if (s == NULL || info == NULL)
		return TDV_EINVAL;
	memset(info, 0, sizeof(*info));
	struct pollfd pfd = {s->fd, POLLIN, 0};
	int pr = poll(&pfd, 1, wait_ms);
	if (pr == 0)
		return TDV_ETIMEOUT;
	if (pr < 0)
		return errno == EINTR ? TDV_ETIMEOUT : TDV_EIO;
	int fd = accept(s->fd, NULL, NULL);
	if (fd < 0)
		return TDV_ETIMEOUT;
	return serve_conn(s, fd, info);
}

/* ---- the worker pool ---- */

void
tdv_sync_server_stop(tdv_sync_server *s)
{
	if (s == NULL || s->ctl == NULL)
		return;
	/* only async-signal-safe calls here */
	atomic_store(&s->ctl->stop, 1);
	if (s->ctl->wake[1] >= 0) {
		char c = 1;
		ssize_t w = write(s->ctl->wake[1], &c, 1);
		(void)w; /* a full pipe is awake already */
	}
}

void
tdv_sync_server_get_stats(tdv_sync_server *s, tdv_sync_server_stats *out)
{
	if (out == NULL)
		return;
	memset(out, 0, sizeof(*out));
	if (s == NULL || s->ctl == NULL)
		return;
	pthread_mutex_lock(&s->ctl->mu);
	*out = s->ctl->st;
	pthread_mutex_unlock(&s->ctl->mu);
}

static bool
ring_push(struct fd_ring *r, int fd)
{
	if (r->len >= r->cap)
		return false;
	r->fd[(r->head + r->len) % r->cap] = fd;
	r->len++;
	return true;
}

static int
ring_pop(struct fd_ring *r)
{
	if (r->len == 0)
		return -1;
	int fd = r->fd[r->head];
	r->head = (r->head + 1) % r->cap;
	r->len--;
	return fd;
}

/* Close what is left in r (under the lock); how many. */
static long
ring_close_all(struct fd_ring *r)
{
	long n = 0;
	int fd;
	while ((fd = ring_pop(r)) >= 0) {
		close(fd);
		n++;
	}
	return n;
}

struct worker {
	tdv_sync_server view; /* the server with this worker's store */
	struct tdv__sync_ctl *ctl;
	const tdv_sync_run_opts *o;
	pthread_t thread;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct tdv__sync_ctl *c = w->ctl;
	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (c->work.len == 0 && !c->closing)
			pthread_cond_wait(&c->ready, &c->mu);
		int fd = ring_pop(&c->work);
		if (fd < 0) {
			pthread_mutex_unlock(&c->mu);
			break;
		}
		c->st.queued = c->work.len;
		c->st.active++;
		if (c->st.active > c->st.peak_active)
			c->st.peak_active = c->st.active;
		pthread_mutex_unlock(&c->mu);

		tdv_sync_served info;
		int rc = serve_conn(&w->view, fd, &info);
		if (w->o->log != NULL)
			w->o->log(w->o->log_arg, rc, &info);

		pthread_mutex_lock(&c->mu);
		c->st.active--;
		c->st.served++;
		pthread_mutex_unlock(&c->mu);
	}
	return NULL;
}

/* Every worker busy and the queue full: say so (503, Retry-After) and
 * close. Done by a thread of its own, so the accept loop never waits on
 * a client; kept short (3 s per read or write, a short linger). */
#define BUSY_QUEUE 16
static int
refuse_busy(tdv_sync_server *s, int fd, int queued, tdv_sync_served *info)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->route, sizeof(info->route), "-");
	set_timeouts(fd, 3000);
	SSL *ssl = SSL_new(s->ctx);
	int rc = TDV_EBUSY;
	if (ssl != NULL && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1) {
		static const char body[] =
		    "{\"status\":\"busy\",\"error\":\"server busy, try again later\"}";
		char head[320];
		snprintf(head, sizeof(head),
		    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\nRetry-After: 5\r\nConnection: close\r\n\r\n",
		    sizeof(body) - 1);
		if (write_all(ssl, head, strlen(head)) == TDV_OK)
			(void)write_all(ssl, body, sizeof(body) - 1);
		SSL_shutdown(ssl);
	} else
		rc = TDV_EAUTH;
	SSL_free(ssl);
	linger_close(fd, 3);
	ERR_clear_error();
	snprintf(info->message, sizeof(info->message),
	    "503 busy: every worker busy and %d connections waiting%s", queued,
	    rc == TDV_EAUTH ? " (no TLS handshake)" : "");
	return rc;
}

/* OpenSSL fills a certificate's extension cache (key identifiers,
 * purposes) on first use, and the chain check of one handshake can read
 * it while another handshake fills it (ThreadSanitizer saw exactly that
 * on the CA certificate in the shared SSL_CTX). Fill it for every
 * certificate the workers share before they start. */
static void
warm_cert_caches(tdv_sync_server *s)
{
	X509_STORE *store = SSL_CTX_get_cert_store(s->ctx);
	STACK_OF(X509_OBJECT) *objs = store ? X509_STORE_get0_objects(store) : NULL;
	for (int i = 0; objs != NULL && i < sk_X509_OBJECT_num(objs); i++) {
		X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		if (x != NULL)
			(void)X509_check_purpose(x, -1, 0);
	}
	X509 *own = SSL_CTX_get0_certificate(s->ctx);
	if (own != NULL)
		(void)X509_check_purpose(own, -1, 0);
	if (s->ca != NULL)
		(void)X509_check_purpose(s->ca, -1, 0);
	ERR_clear_error();
}

static void *
refuser_main(void *arg)
{
	struct worker *w = arg;
	struct tdv__sync_ctl *c = w->ctl;
	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (c->busy.len == 0 && !c->closing)
			pthread_cond_wait(&c->refuse, &c->mu);
		int fd = c->closing ? -1 : ring_pop(&c->busy);
		int queued = c->work.len;
		pthread_mutex_unlock(&c->mu);
		if (fd < 0)
			break; /* closing: the accept loop closes what is left */
		tdv_sync_served info;
		int rc = refuse_busy(&w->view, fd, queued, &info);
		if (w->o->log != NULL)
			w->o->log(w->o->log_arg, rc, &info);
	}
	return NULL;
}

static bool
stop_asked(tdv_sync_server *s, const tdv_sync_run_opts *o)
{
	return atomic_load(&s->ctl->stop) != 0 || (o->stop != NULL && *o->stop != 0);
}

int
tdv_sync_server_run(tdv_sync_server *s, const tdv_sync_run_opts *o)
{
	if (s == NULL || s->ctl == NULL || o == NULL || o->workers < 1 ||
	    o->workers > TDV_SYNC_MAX_WORKERS || o->stores == NULL || o->queue < 0 ||
	    o->queue > TDV_SYNC_MAX_QUEUE || o->max_connections < 0)
		return TDV_EINVAL;
	for (int i = 0; i < o->workers; i++) {
		if (o->stores[i] == NULL)
			return TDV_EINVAL;
		for (int j = 0; j < i; j++)
			if (o->stores[j] == o->stores[i])
				return TDV_EINVAL; /* a store is never shared */
	}
	struct tdv__sync_ctl *c = s->ctl;
	int qcap = o->queue > 0 ? o->queue : 4 * o->workers;
	/* w[workers] is the thread that answers 503 busy */
	struct worker *w = calloc((size_t)o->workers + 1, sizeof(*w));
	int *queue = calloc((size_t)qcap, sizeof(int));
	int *busyq = calloc(BUSY_QUEUE, sizeof(int));
	if (w == NULL || queue == NULL || busyq == NULL) {
		free(w);
		free(queue);
		free(busyq);
		return TDV_ENOMEM;
	}
	pthread_mutex_lock(&c->mu);
	c->work = (struct fd_ring){queue, qcap, 0, 0};
	c->busy = (struct fd_ring){busyq, BUSY_QUEUE, 0, 0};
	c->closing = false;
	memset(&c->st, 0, sizeof(c->st));
	pthread_mutex_unlock(&c->mu);

	warm_cert_caches(s);
	/* the workers leave the caller's signals to the caller's thread */
	sigset_t block, old;
	sigemptyset(&block);
	int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&block, sigs[i]);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int started = 0, rc = TDV_OK;
	for (; started <= o->workers; started++) {
		bool refuser = started == o->workers;
		w[started].view = *s;
		w[started].view.central = refuser ? NULL : o->stores[started];
		w[started].ctl = c;
		w[started].o = o;
		if (pthread_create(&w[started].thread, NULL, refuser ? refuser_main : worker_main,
			&w[started]) != 0) {
			rc = TDV_ENOMEM;
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	long accepted = 0;
	bool stopped = false;
	while (rc == TDV_OK) {
		if (stop_asked(s, o)) {
			stopped = true;
			break;
		}
		if (o->max_connections > 0 && accepted >= o->max_connections)
			break;
		struct pollfd pfd[2] = {{s->fd, POLLIN, 0}, {c->wake[0], POLLIN, 0}};
		int pr = poll(pfd, 2, 250);
		if (pr <= 0)
			continue; /* timeout, or a signal: look at stop again */
		if (pfd[1].revents != 0) {
			char sink[64];
			while (read(c->wake[0], sink, sizeof(sink)) > 0)
				;
			continue;
		}
		if ((pfd[0].revents & POLLIN) == 0)
			continue;
		int fd = accept(s->fd, NULL, NULL);
		if (fd < 0)
			continue;
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		pthread_mutex_lock(&c->mu);
		int queued = c->work.len;
		bool room = ring_push(&c->work, fd), told = false;
		if (room) {
			c->st.accepted++;
			c->st.queued = c->work.len;
			if (c->work.len > c->st.peak_queued)
				c->st.peak_queued = c->work.len;
			pthread_cond_signal(&c->ready);
		} else {
			c->st.busy++;
			told = ring_push(&c->busy, fd);
			if (told)
				pthread_cond_signal(&c->refuse);
		}
		pthread_mutex_unlock(&c->mu);
		if (room) {
			accepted++;
			continue;
		}
		if (!told) { /* even the refusals are backed up: just close */
			close(fd);
			tdv_sync_served info;
			memset(&info, 0, sizeof(info));
			snprintf(info.route, sizeof(info.route), "-");
			snprintf(info.message, sizeof(info.message),
			    "503 busy: every worker busy and %d connections waiting (closed"
			    " without a reply)",
			    queued);
			if (o->log != NULL)
				o->log(o->log_arg, TDV_EBUSY, &info);
		}
	}

	/* no more connections: the workers finish what they serve (and,
	 * unless stopped, what is queued), then leave */
	pthread_mutex_lock(&c->mu);
	c->closing = true;
	if (stopped)
		c->st.dropped += ring_close_all(&c->work);
	(void)ring_close_all(&c->busy); /* refusals not yet answered */
	c->st.queued = c->work.len;
	pthread_cond_broadcast(&c->ready);
	pthread_cond_broadcast(&c->refuse);
	pthread_mutex_unlock(&c->mu);
	for (int i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);

	pthread_mutex_lock(&c->mu);
	c->st.dropped += ring_close_all(&c->work); /* only when no worker started */
	c->st.queued = 0;
	c->work = (struct fd_ring){NULL, 0, 0, 0};
	c->busy = (struct fd_ring){NULL, 0, 0, 0};
	pthread_mutex_unlock(&c->mu);
	free(queue);
	free(busyq);
	free(w);
	return rc;
}

int
tdv_sync_server_configure(tdv_sync_server *s, const tdv_sync_server_opts *o, char *err,
    size_t errsz)
{
	if (s == NULL || o == NULL)
		return TDV_EINVAL;
	err[0] = '\0';
	if ((o->publisher_cert == NULL) != (o->publisher_key == NULL) ||
	    (o->ca_cert == NULL) != (o->ca_key == NULL) || o->cert_days < 0 ||
	    o->cert_days > 3650)
		return TDV_EINVAL;
	if (o->publisher_cert != NULL) {
		free(s->publisher_cert);
		free(s->publisher_key);
		s->publisher_cert = strdup(o->publisher_cert);
		s->publisher_key = strdup(o->publisher_key);
		if (s->publisher_cert == NULL || s->publisher_key == NULL)
			return TDV_ENOMEM;
	}
	s->cert_days = o->cert_days > 0 ? o->cert_days : 730;
	if (o->keep_versions < 0 || o->request_grace_ms < 0 || o->request_min_bps < 0)
		return TDV_EINVAL;
	s->request_grace_ms = o->request_grace_ms > 0 ? o->request_grace_ms : 30000;
	s->request_min_bps = o->request_min_bps > 0 ? o->request_min_bps : 512;
	s->keep_versions = o->keep_versions > 0 ? o->keep_versions : TDV_SYNC_KEEP_VERSIONS;
	if (o->ca_cert != NULL) {
		tdv_buf pem;
		tdv_buf_init(&pem, 1 << 16);
		int rc = tdv__sync_read_file(o->ca_cert, pem.max, &pem);
		FILE *kf = rc == TDV_OK ? fopen(o->ca_key, "r") : NULL;
		BIO *bio = rc == TDV_OK ? BIO_new_mem_buf(pem.data, (int)pem.len) : NULL;
		X509 *ca = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
		EVP_PKEY *key = kf ? PEM_read_PrivateKey(kf, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
		if (kf != NULL)
			fclose(kf);
		if (ca == NULL || key == NULL || X509_check_private_key(ca, key) != 1) {
			snprintf(err, errsz, "enrolment CA %s / %s cannot be loaded", o->ca_cert,
			    o->ca_key);
			X509_free(ca);
			EVP_PKEY_free(key);
			tdv_buf_free(&pem);
			ERR_clear_error();
			return TDV_ECRYPTO;
		}
		X509_free(s->ca);
		EVP_PKEY_free(s->ca_key);
		free(s->ca_pem);
		s->ca = ca;
		s->ca_key = key;
		s->ca_pem = strdup(tdv_buf_cstr(&pem));
		tdv_buf_free(&pem);
		if (s->ca_pem == NULL)
			return TDV_ENOMEM;
	}
	return TDV_OK;
}
