/*
 * Sync over HTTPS with mutual TLS (see src/sync/transport.c). Routes of
 * the central server (one request per connection):
 *
 *   POST /v1/batch          client certificate required: a batch to
 *                           ingest. JSON {"status","inserted","duplicates"
 *                           [,"error","record"]}: 200 stored (or already
 *                           stored), 400 malformed, 403 another
 *                           checkpoint's data, 409 conflict or broken
 *                           chain, 413 too large, 503 store unavailable.
 *   GET  /v1/pull/KIND?since=N   client certificate required: signed
 *                           publications of KIND (sltd, watchlist, trust,
 *                           officers) newer than N (tdv_sync_pull_reply).
 *   POST /v1/enrol          no client certificate yet: {"checkpoint",
 *                           "token","csr"} -> {"certificate","ca",
 *                           "checkpoint":{...}}; the one-time token must
 *                           be valid for that checkpoint and the CSR's
 *                           only name CN = the checkpoint id.
 *   GET  /v1/ca             the sync CA certificate (PEM), for a new
 *                           checkpoint that checks its SHA-256
 *                           fingerprint given out of band.
 *   POST /v1/renew          client certificate required: {"csr"} for a
 *                           new key, same CN -> {"certificate"}.
 *   GET  /v1/whoami         client certificate required: {"checkpoint",
 *                           "serial","not_after_ms"} as the centre sees it.
 *
 * The server serves several connections at once (tdv_sync_server_run:
 * a pool of worker threads, each with its own store connection).
 *
 * Every connection that presents a client certificate is checked against
 * the centre's register (tdv_store_cert_check): a revoked certificate
 * gets 403 {"status":"revoked","error":"certificate ... revoked ..."} on
 * every route, and the refusal is in the server's log.
 *
 * The checkpoint authenticates the server by its certificate (signed by
 * the sync CA, naming the host or address dialled).
 */
#ifndef TDV_SYNC_TRANSPORT_H
#define TDV_SYNC_TRANSPORT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "tdv/buf.h"
#include "tdv/store.h"
#include "tdv/sync.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdv_sync_tls {
	const char *cert_file; /* PEM certificate (chain) of this side; NULL
	                          (client): no client certificate */
	const char *key_file;  /* its PEM private key */
	const char *ca_file;   /* the sync CA both sides trust; NULL (client
	                          only): the server is not verified, for
	                          fetching the CA by fingerprint only */
} tdv_sync_tls;

/*
 * One request (method "GET" or "POST", path starting with "/"); the
 * reply body goes to reply, bounded by reply->max. Codes as for
 * tdv_sync_client_post.
 */
int tdv_sync_client_request(const tdv_sync_tls *tls, const char *host,
    int port, const char *method, const char *path, const char *body,
    size_t len, int timeout_ms, tdv_buf *reply, int *status, char *err,
    size_t errsz);

/*
 * POST one batch. *status is the HTTP status (0 when none came back),
 * reply the body. TDV_EIO when the connection failed or was cut (send
 * again later), TDV_EAUTH when the server's certificate is not trusted,
 * TDV_ECRYPTO when our own certificate or key cannot be loaded. err gets
 * a one-line explanation.
 */
int tdv_sync_client_post(const tdv_sync_tls *tls, const char *host, int port,
    const char *body, size_t len, int timeout_ms, tdv_buf *reply, int *status,
    char *err, size_t errsz);

typedef struct tdv_sync_server tdv_sync_server;

/* Listen on bind_host:port (IPv4; port 0 picks one) for batches to ingest
 * into central. */
int tdv_sync_server_new(const tdv_sync_tls *tls, const char *bind_host,
    int port, tdv_store *central, tdv_sync_server **out, char *err,
    size_t errsz);
int tdv_sync_server_port(const tdv_sync_server *s);

/* Optional parts of the central server. */
typedef struct tdv_sync_server_opts {
	const char *publisher_cert; /* signs the officers publication made */
	const char *publisher_key;  /* when a pull finds the accounts changed */
	const char *ca_cert;        /* enrolment: the sync CA that issues */
	const char *ca_key;         /* checkpoint certificates */
	int cert_days;              /* their validity (0: 730) */
	int keep_versions;          /* officers lists republished on a pull:
	                               versions kept (0: TDV_SYNC_KEEP_VERSIONS,
	                               see tdv_store_pub_prune) */
	/* A request (TLS handshake, headers, body) must have arrived by
	 * grace + its bytes / min_bps after the connection was taken, or the
	 * connection is closed: a client that sends a byte just under every
	 * read timeout cannot hold a worker. 0: 30000 ms and 512 bytes/s
	 * (an 8 MiB batch may take 4.5 hours: posts on poor links halve their
	 * batches long before). */
	int request_grace_ms;
	int request_min_bps;
} tdv_sync_server_opts;
int tdv_sync_server_configure(tdv_sync_server *s,
    const tdv_sync_server_opts *o, char *err, size_t errsz);
void tdv_sync_server_free(tdv_sync_server **s);

typedef struct tdv_sync_served {
	char peer[TDV_ID_MAX + 1]; /* the client certificate's checkpoint id */
	char route[64];            /* "POST /v1/batch", ... ("" if none) */
	tdv_sync_result result;
	char message[240];
} tdv_sync_served;

/*
 * Wait up to wait_ms for one connection and handle it completely (each
 * read and write under a 10 s timeout). TDV_ETIMEOUT when none came; else
 * the ingest result code (or the connection's failure) with *info filled.
 */
int tdv_sync_server_serve_one(tdv_sync_server *s, int wait_ms,
    tdv_sync_served *info);

/*
 * Serving concurrently: a fixed pool of worker threads, each with its
 * OWN store connection (stores[i] is used by worker i only; a store is
 * never shared between threads). The calling thread accepts connections
 * and queues them (at most queue waiting); a worker takes one, does the
 * TLS handshake and the request, and takes the next. A connection that
 * finds every worker busy and the queue full is answered 503
 * {"status":"busy"} with Retry-After by a thread of its own (3 s per
 * read or write; when 16 refusals are already waiting, it is closed
 * without a reply), so the accept loop never waits on a client. A
 * checkpoint treats 503 like a link failure: it sends again later.
 *
 * The workers block the usual asynchronous signals (SIGTERM, SIGINT,
 * SIGHUP, SIGQUIT, SIGUSR1/2, SIGALRM, SIGPIPE), so they reach the
 * calling thread and interrupt its wait; a request in progress is not
 * cut. Returns once *stop is set (checked at least every 250 ms and on
 * every interrupted wait), tdv_sync_server_stop was called, or
 * max_connections were accepted; then no more connections are taken,
 * each worker finishes the connection it is serving (each read and
 * write still under the 10 s timeout) and exits. Connections still
 * queued are closed unserved when stopped (the client sends again
 * later) and served when max_connections was reached.
 *
 * log, if set, is called after every connection (from the worker
 * threads, concurrently: it must be thread-safe) and for each busy
 * refusal (from the calling thread).
 */
#define TDV_SYNC_MAX_WORKERS 64
#define TDV_SYNC_MAX_QUEUE 4096
typedef struct tdv_sync_run_opts {
	int workers;            /* 1..TDV_SYNC_MAX_WORKERS */
	tdv_store *const *stores; /* workers distinct stores (the server's
	                           own may be one of them) */
	int queue;              /* 0: 4 x workers; 1..TDV_SYNC_MAX_QUEUE */
	long max_connections;   /* 0: no limit */
	const volatile sig_atomic_t *stop; /* may be NULL */
	void (*log)(void *arg, int rc, const tdv_sync_served *info);
	void *log_arg;
} tdv_sync_run_opts;
int tdv_sync_server_run(tdv_sync_server *s, const tdv_sync_run_opts *o);

/* Ask tdv_sync_server_run to return (async-signal-safe; any thread). */
void tdv_sync_server_stop(tdv_sync_server *s);

/* Counters of the server (consistent with each other; any thread). */
typedef struct tdv_sync_server_stats {
	long accepted; /* connections queued for a worker */
	long served;   /* connections a worker finished */
	long busy;     /* refused with 503: every worker busy, queue full */
	long dropped;  /* queued but closed unserved at a stop */
	int active;    /* connections being served now */
	int queued;    /* waiting for a worker now */
	int peak_active, peak_queued;
} tdv_sync_server_stats;
void tdv_sync_server_get_stats(tdv_sync_server *s, tdv_sync_server_stats *out);

/* ---- pulls and enrolment over the transport ---- */

/* GET /v1/pull/KIND?since=... and tdv_sync_pull_apply. TDV_OK with res
 * filled; transport codes as tdv_sync_client_post; TDV_EHTTP when the
 * centre refused (err says why); apply codes otherwise. */
int tdv_sync_pull(tdv_store *local, const tdv_sync_tls *tls,
    const char *host, int port, const char *checkpoint, const char *kind,
    const char *lists_dir, int timeout_ms, tdv_sync_pull_result *res,
    char *err, size_t errsz);

/* Certificates of the sync PKI (EC P-256, SHA-256 signatures). Files are
 * written new (never over an existing one), keys with mode 0600. */
int tdv_sync_pki_key_new(const char *key_path);
int tdv_sync_pki_ca_new(const char *key_path, const char *cert_path,
    const char *cn, int days);
/* Certificate for the key in key_path (only its public half is read),
 * subject CN = cn, signed by the CA; server: serverAuth with the SANs in
 * san ("IP:127.0.0.1,DNS:central.example"), else clientAuth. */
int tdv_sync_pki_issue(const char *ca_cert, const char *ca_key,
    const char *key_path, const char *cn, const char *san, bool server,
    int days, const char *cert_path);
/* Certificate request (PEM) for key_path with subject CN = cn. */
int tdv_sync_pki_csr_new(const char *key_path, const char *cn, tdv_buf *pem);
/* SHA-256 of the DER of the first certificate in pem, lowercase hex. */
int tdv_sync_pki_fingerprint(const char *pem, size_t len, char hex[65]);

/* GET /v1/ca without verifying the server, then check the CA's
 * fingerprint (hex, ':' allowed): TDV_EAUTH when it differs. */
int tdv_sync_fetch_ca(const char *host, int port, const char *fingerprint,
    int timeout_ms, tdv_buf *ca_pem, char *err, size_t errsz);

/* POST /v1/enrol (server verified against ca_file, no client cert):
 * cert_pem gets the issued certificate, cp the centre's record of the
 * checkpoint. TDV_EAUTH when the token or request is refused. */
int tdv_sync_enrol(const char *ca_file, const char *host, int port,
    const char *checkpoint, const char *token, const char *csr_pem,
    int timeout_ms, tdv_buf *cert_pem, tdv_checkpoint *cp, char *err,
    size_t errsz);

/*
 * Renew this checkpoint's certificate before it expires: a new key pair
 * (tls->key_file + ".new"), POST /v1/renew authenticated by the current
 * certificate, the new certificate checked (our new key, CN, the CA) and
 * written, then key and certificate switched by rename. The old
 * certificate keeps working until the centre sees the new one used (the
 * first connection with it revokes the old one). renewed gets the new
 * certificate's serial and validity. TDV_EAUTH when refused (revoked,
 * say); on failure the current key and certificate are untouched.
 */
int tdv_sync_renew(const tdv_sync_tls *tls, const char *host, int port,
    const char *checkpoint, int timeout_ms, tdv_cert_rec *renewed, char *err,
    size_t errsz);
/* Serial, CN (into checkpoint), validity and SHA-256 of a PEM
 * certificate file. */
int tdv_sync_pki_cert_info(const char *cert_file, tdv_cert_rec *out);

/* A new one-time enrolment token for checkpoint (printable, 52 chars),
 * valid ttl_s seconds; only its SHA-256 is stored. */
int tdv_sync_token_new(tdv_store *central, const char *checkpoint,
    int64_t ttl_s, char token[64]);

#ifdef __cplusplus
}
#endif
#endif
