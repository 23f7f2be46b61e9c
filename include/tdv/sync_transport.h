/*
 * Sync over HTTPS with mutual TLS (see src/sync/transport.c): the
 * checkpoint POSTs a batch to /v1/batch; the central server authenticates
 * the checkpoint by its client certificate (CN = checkpoint id, signed by
 * the sync CA) and answers with JSON {"status","inserted","duplicates"
 * [,"error","record"]}: 200 stored (or already stored), 400 malformed,
 * 403 another checkpoint's data, 409 conflict or broken chain, 413 too
 * large, 503 central store unavailable.
 */
#ifndef TDV_SYNC_TRANSPORT_H
#define TDV_SYNC_TRANSPORT_H

#include <stddef.h>

#include "tdv/buf.h"
#include "tdv/store.h"
#include "tdv/sync.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdv_sync_tls {
	const char *cert_file; /* PEM certificate (chain) of this side */
	const char *key_file;  /* its PEM private key */
	const char *ca_file;   /* the sync CA both sides trust */
} tdv_sync_tls;

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
void tdv_sync_server_free(tdv_sync_server **s);

typedef struct tdv_sync_served {
	char peer[TDV_ID_MAX + 1]; /* the client certificate's checkpoint id */
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

#ifdef __cplusplus
}
#endif
#endif
