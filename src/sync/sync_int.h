/* Internal to src/sync/: the central server's state shared by the
 * transport and the route handlers, and crypto helpers. */
#ifndef TDV_SYNC_INT_H
#define TDV_SYNC_INT_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

#include "tdv/buf.h"
#include "tdv/store.h"
#include "tdv/sync.h"
#include "tdv/sync_transport.h"

/* The route handlers get a worker's copy of the server: the same fields,
 * but central is that worker's own store connection. Everything else in
 * it is read-only while serving (several workers read it at once);
 * state that changes while serving lives behind ctl (transport.c). */
struct tdv__sync_ctl;
struct tdv_sync_server {
	void *ctx; /* SSL_CTX * (shared: SSL objects are made per connection) */
	int fd;
	int port;
	tdv_store *central;
	int timeout_ms;
	int request_grace_ms; /* a request must arrive within this ... */
	int request_min_bps;  /* ... plus its bytes at this rate */
	char *publisher_cert; /* paths (copies) */
	char *publisher_key;
	X509 *ca;             /* enrolment: NULL when not configured */
	EVP_PKEY *ca_key;
	char *ca_pem;         /* the CA certificate served at /v1/ca */
	int cert_days;
	int keep_versions;
	struct tdv__sync_ctl *ctl; /* queue, counters, stop (transport.c) */
};

/* A request as the route handlers see it. */
typedef struct tdv__sync_request {
	const char *method;
	const char *path;  /* without the query */
	const char *query; /* after '?', or "" */
	const char *peer;  /* client certificate's checkpoint id, or NULL */
	const char *peer_serial;   /* its serial (lowercase hex), or NULL */
	int64_t peer_not_after_ms; /* its expiry */
	X509 *peer_cert;           /* the certificate itself, or NULL */
	const char *body;
	size_t body_len;
} tdv__sync_request;

/* Route handlers: fill out (JSON or PEM text), *code, *ctype; return the
 * library code for the log. */
typedef int (*tdv__sync_route_fn)(tdv_sync_server *s,
    const tdv__sync_request *rq, tdv_buf *out, int *code, const char **ctype,
    tdv_sync_served *info);

int tdv__sync_route_pull(tdv_sync_server *s, const tdv__sync_request *rq,
    tdv_buf *out, int *code, const char **ctype, tdv_sync_served *info);
int tdv__sync_route_enrol(tdv_sync_server *s, const tdv__sync_request *rq,
    tdv_buf *out, int *code, const char **ctype, tdv_sync_served *info);
int tdv__sync_route_ca(tdv_sync_server *s, const tdv__sync_request *rq,
    tdv_buf *out, int *code, const char **ctype, tdv_sync_served *info);

/* {"error":msg} into out. */
void tdv__sync_json_error(tdv_buf *out, const char *status, const char *msg);

/* SHA-256 as 64 lowercase hex digits. */
int tdv__sync_sha256_hex(const void *p, size_t n, char hex[65]);

/* Base64 (standard, padded) of p into out (reset first). */
int tdv__sync_b64_encode(const void *p, size_t n, tdv_buf *out);
/* Decode into out (reset first); TDV_EPARSE when not base64. */
int tdv__sync_b64_decode(const char *s, size_t n, tdv_buf *out);

/* Write a new file (O_EXCL, fsync'd; removed again on failure). */
int tdv__sync_write_new(const char *path, const void *p, size_t n, unsigned mode);

/* Read a whole file, at most max bytes. */
int tdv__sync_read_file(const char *path, size_t max, tdv_buf *out);

/* Sign msg with the PEM key in key_file (SHA-256); base64 into sig. */
int tdv__sync_sign(const char *key_file, const void *msg, size_t n, tdv_buf *sig);
/* The signer certificate (PEM) must chain to ca_file and have
 * CN = cn; the signature (base64) must verify. TDV_EAUTH otherwise. */
int tdv__sync_verify(const char *signer_pem, const char *ca_file,
    const char *cn, const void *msg, size_t n, const char *sig_b64);

/* Issue a certificate for pub signed by ca/ca_key. */
int tdv__sync_issue(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *pub, const char *cn,
    const char *san, bool server, int days, X509 **out);
/* Serial (lowercase hex), validity (ms since the epoch) and SHA-256 of
 * the DER of a certificate; any output may be NULL. */
int tdv__sync_cert_info(X509 *x, char serial[TDV_CERT_SERIAL_MAX + 1],
    int64_t *not_before_ms, int64_t *not_after_ms, char sha256[65]);
/* Checks of a certificate request from checkpoint cp (enrolment and
 * renewal): PEM, self-signed, EC >= 256 or RSA >= 2048 bits, subject
 * exactly CN = cp. TDV_EPARSE (unreadable) or TDV_EFORBIDDEN (names or
 * key not allowed); *req and *pub are the caller's to free on TDV_OK. */
int tdv__sync_csr_check(const char *csr, const char *cp, X509_REQ **req,
    EVP_PKEY **pub);
/* Issue a checkpoint certificate for pub and register it (replaces: the
 * serial a renewal replaces, or NULL); PEM into pem. */
int tdv__sync_issue_checkpoint(tdv_sync_server *s, EVP_PKEY *pub, const char *cp,
    const char *replaces, tdv_buf *pem, char fp[65]);
/* Renewal and identity routes (enrol.c). */
int tdv__sync_route_renew(tdv_sync_server *s, const tdv__sync_request *rq,
    tdv_buf *out, int *code, const char **ctype, tdv_sync_served *info);
int tdv__sync_route_whoami(tdv_sync_server *s, const tdv__sync_request *rq,
    tdv_buf *out, int *code, const char **ctype, tdv_sync_served *info);

/* X509 as PEM text into out (appended). */
int tdv__sync_x509_pem(X509 *x, tdv_buf *out);

#endif
