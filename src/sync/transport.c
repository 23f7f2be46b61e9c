/*
 * Sync transport: HTTP/1.1 POST of one batch over TLS with mutual
 * authentication (OpenSSL). The central server requires a client
 * certificate signed by the sync CA; the certificate's common name is the
 * checkpoint id, and tdv_sync_ingest refuses a batch of any other
 * checkpoint. The client verifies the server's certificate against the
 * same CA and the host name or address it dialled.
 *
 * Hostile input on both sides is bounded: request and response headers
 * at most 8 KiB, bodies at most TDV_SYNC_MAX_BATCH_BYTES, every socket
 * read and write under a timeout, one request per connection.
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
	if (SSL_CTX_use_certificate_chain_file(ctx, tls->cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, tls->key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, tls->ca_file, NULL) != 1) {
		unsigned long e = ERR_peek_last_error();
		const char *why = e ? ERR_reason_error_string(e) : NULL;
		snprintf(err, errsz, "TLS setup (%s, %s, %s): %s", tls->cert_file,
		    tls->key_file, tls->ca_file, why ? why : "cannot load");
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* mutual: the server demands a client certificate */
	SSL_CTX_set_verify(ctx,
	    server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER,
	    NULL);
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

int
tdv_sync_client_post(const tdv_sync_tls *tls, const char *host, int port,
    const char *body, size_t len, int timeout_ms, tdv_buf *reply, int *status,
    char *err, size_t errsz)
{
	if (tls == NULL || host == NULL || body == NULL || reply == NULL ||
	    status == NULL || port <= 0 || port > 65535 || timeout_ms <= 0)
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
	char head[256];
	snprintf(head, sizeof(head),
	    "POST /v1/batch HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    host, len);
	if (write_all(ssl, head, strlen(head)) != TDV_OK || write_all(ssl, body, len) != TDV_OK) {
		snprintf(err, errsz, "connection lost while sending");
		goto out;
	}
	char hdr[HEADER_MAX];
	if ((rc = read_head(ssl, hdr, sizeof(hdr), reply)) != TDV_OK) {
		snprintf(err, errsz, "connection lost before the reply");
		rc = TDV_EIO;
		goto out;
	}
	if (strncmp(hdr, "HTTP/1.1 ", 9) != 0 || hdr[12] != ' ') {
		snprintf(err, errsz, "not an HTTP reply");
		rc = TDV_EHTTP;
		goto out;
	}
	*status = (hdr[9] - '0') * 100 + (hdr[10] - '0') * 10 + (hdr[11] - '0');
	size_t clen = 0;
	if (content_length(hdr, &clen) != TDV_OK || read_body(ssl, reply, clen) != TDV_OK) {
		snprintf(err, errsz, "reply cut short");
		rc = TDV_EIO;
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

/* ---- server ---- */

struct tdv_sync_server {
	SSL_CTX *ctx;
	int fd;
	int port;
	tdv_store *central;
	int timeout_ms;
};

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
	if ((*sp)->fd >= 0)
		close((*sp)->fd);
	SSL_CTX_free((*sp)->ctx);
	free(*sp);
	*sp = NULL;
}

static void
reply(SSL *ssl, int code, const char *reason, const char *json)
{
	char head[256];
	snprintf(head, sizeof(head),
	    "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n",
	    code, reason, strlen(json));
	if (write_all(ssl, head, strlen(head)) == TDV_OK)
		(void)write_all(ssl, json, strlen(json));
}

static int
http_status_of(int rc, const char **reason)
{
	switch (rc) {
	case TDV_OK:
		*reason = "OK";
		return 200;
	case TDV_ELIMIT:
		*reason = "Payload Too Large";
		return 413;
	case TDV_EFORBIDDEN:
		*reason = "Forbidden";
		return 403;
	case TDV_ESTORE_CONFLICT:
	case TDV_EAUDIT_BROKEN:
		*reason = "Conflict";
		return 409;
	case TDV_EPARSE:
	case TDV_ENOENT:
		*reason = "Bad Request";
		return 400;
	default:
		*reason = "Service Unavailable";
		return 503;
	}
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
	tdv_buf body;
	tdv_buf_init(&body, TDV_SYNC_MAX_BATCH_BYTES);
	int rc = TDV_EIO;
	if (ssl == NULL)
		goto out;
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1) {
		snprintf(info->message, sizeof(info->message), "TLS handshake refused");
		rc = TDV_EAUTH;
		goto out;
	}
	if (peer_id(ssl, info->peer, sizeof(info->peer)) != TDV_OK) {
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
	if (strncmp(hdr, "POST /v1/batch HTTP/1.1\r\n", 25) != 0) {
		reply(ssl, 404, "Not Found", "{\"error\":\"POST /v1/batch only\"}");
		rc = TDV_EHTTP;
		goto out;
	}
	rc = content_length(hdr, &clen);
	if (rc == TDV_OK && clen > TDV_SYNC_MAX_BATCH_BYTES)
		rc = TDV_ELIMIT;
	if (rc != TDV_OK) {
		const char *why = NULL;
		int code = http_status_of(rc == TDV_ELIMIT ? rc : TDV_EPARSE, &why);
		reply(ssl, code, why, rc == TDV_ELIMIT ? "{\"error\":\"batch too large\"}"
							: "{\"error\":\"Content-Length required\"}");
		goto out;
	}
	rc = read_body(ssl, &body, clen);
	if (rc != TDV_OK) {
		snprintf(info->message, sizeof(info->message), "body cut short");
		goto out;
	}
	tdv_sync_result r;
	rc = tdv_sync_ingest(s->central, info->peer, (const char *)body.data, body.len, &r);
	info->result = r;
	const char *why = NULL;
	int code = http_status_of(rc, &why);
	tdv_buf out;
	tdv_buf_init(&out, 4096);
	tdv_json j;
	tdv_json_init(&j, &out);
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
	reply(ssl, code, why, tdv_buf_cstr(&out));
	snprintf(info->message, sizeof(info->message), "%d %s", code,
	    r.message[0] ? r.message : why);
	tdv_buf_free(&out);
out:
	if (ssl != NULL) {
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	close(fd);
	tdv_buf_free(&body);
	ERR_clear_error();
	return rc;
}
