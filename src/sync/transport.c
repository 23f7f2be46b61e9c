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
 * one request per connection.
 *
 * (libmicrohttpd in Debian uses GnuTLS and exposes the peer certificate
 * only through GnuTLS calls, which the project does not link; the
 * small server below uses the OpenSSL the project already uses.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
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
	s->keep_versions = TDV_SYNC_KEEP_VERSIONS;
	s->fd = -1;
	s->ctx = make_ctx(tls, true, err, errsz);
	if (s->ctx == NULL) {
		free(s);
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
	    bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s->fd, 16) != 0) {
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
linger_close(int fd)
{
	shutdown(fd, SHUT_WR);
	char sink[16384];
	size_t total = 0;
	for (int i = 0; i < 10 && total < (1u << 20); i++) {
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
	set_timeouts(fd, s->timeout_ms);
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
	X509_free(peer_cert);
	if (ssl != NULL) {
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	linger_close(fd);
	tdv_buf_free(&body);
	tdv_buf_free(&out);
	ERR_clear_error();
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
	if (o->keep_versions < 0)
		return TDV_EINVAL;
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
