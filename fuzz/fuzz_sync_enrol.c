/*
 * libFuzzer target for the central server's certificate routes: the body
 * of POST /v1/enrol (JSON with a checkpoint id, a one-time token and a
 * PEM certificate request, from anyone) and of POST /v1/renew (JSON with
 * a PEM certificate request, from a checkpoint presenting its current
 * certificate). Byte 0 bit 0 picks the route, the rest is the body.
 *
 * The sync CA, a checkpoint certificate (the renewing peer) and one
 * enrolment token for CP1 are made once in a temporary directory; the
 * central store is an in-memory SQLite database. Whatever the body, the
 * route must answer with a status and never issue a certificate for
 * another name than the checkpoint's: every certificate registered is
 * checked to name CP1.
 *
 * Run: fuzz_sync_enrol -max_total_time=600 fuzz/corpus/sync_enrol
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"
#include "sync/sync_int.h"
#include "tdv/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the token the seeds carry: its SHA-256 is registered for CP1 */
#define FUZZ_TOKEN "tdv1-FUZZFUZZFUZZFUZZFUZZFUZZFUZZFUZZFUZZFUZZFUZZFUZZ"

static struct tdv_sync_server srv;
static X509 *peer;
static char peer_serial[TDV_CERT_SERIAL_MAX + 1];
static char dir[64] = "/tmp/tdv-fuzz-enrol.XXXXXX";

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
cleanup(void)
{
	tdv_store_free(&srv.central);
	X509_free(srv.ca);
	EVP_PKEY_free(srv.ca_key);
	free(srv.ca_pem);
	X509_free(peer);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
setup(void)
{
	char ca[128], cakey[128], key[128], crt[128];
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
	snprintf(cakey, sizeof(cakey), "%s/ca.key", dir);
	snprintf(key, sizeof(key), "%s/cp1.key", dir);
	snprintf(crt, sizeof(crt), "%s/cp1.crt", dir);
	if (tdv_sync_pki_ca_new(cakey, ca, "fuzz sync CA", 30) != TDV_OK ||
	    tdv_sync_pki_key_new(key) != TDV_OK ||
	    tdv_sync_pki_issue(ca, cakey, key, "CP1", NULL, false, 30, crt) != TDV_OK)
		abort();
	FILE *f = fopen(ca, "r"), *k = fopen(cakey, "r"), *c = fopen(crt, "r");
	if (f == NULL || k == NULL || c == NULL)
		abort();
	srv.ca = PEM_read_X509(f, NULL, NULL, NULL);
	srv.ca_key = PEM_read_PrivateKey(k, NULL, NULL, NULL);
	peer = PEM_read_X509(c, NULL, NULL, NULL);
	fclose(f);
	fclose(k);
	fclose(c);
	srv.ca_pem = strdup("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
	srv.cert_days = 30;
	if (srv.ca == NULL || srv.ca_key == NULL || peer == NULL || srv.ca_pem == NULL ||
	    tdv__sync_cert_info(peer, peer_serial, NULL, NULL, NULL) != TDV_OK ||
	    tdv_store_open("sqlite::memory:", &srv.central, NULL, 0) != TDV_OK)
		abort();
	char hash[65];
	tdv_checkpoint cp = {"CP1", "One", "UTO"};
	if (tdv_store_checkpoint_put(srv.central, &cp) != TDV_OK ||
	    tdv__sync_sha256_hex(FUZZ_TOKEN, strlen(FUZZ_TOKEN), hash) != TDV_OK ||
	    tdv_store_enrol_token_add(srv.central, hash, "CP1", INT64_MAX / 2) != TDV_OK)
		abort();
	atexit(cleanup);
}

static int
only_cp1(void *ctx, const tdv_cert_rec *c)
{
	(void)ctx;
	if (strcmp(c->checkpoint, "CP1") != 0 || c->not_after_ms <= c->not_before_ms)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1 || size > 32768)
		return 0;
	bool renew = data[0] & 1;
	tdv__sync_request rq;
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.path = renew ? "/v1/renew" : "/v1/enrol";
	rq.query = "";
	rq.peer = renew ? "CP1" : NULL;
	rq.peer_serial = renew ? peer_serial : NULL;
	rq.peer_cert = renew ? peer : NULL;
	rq.body = (const char *)data + 1;
	rq.body_len = size - 1;
	tdv_buf out;
	tdv_buf_init(&out, 1 << 20);
	int code = 0;
	const char *ctype = "application/json";
	tdv_sync_served info;
	memset(&info, 0, sizeof(info));
	int rc = renew ? tdv__sync_route_renew(&srv, &rq, &out, &code, &ctype, &info)
		       : tdv__sync_route_enrol(&srv, &rq, &out, &code, &ctype, &info);
	if ((rc == TDV_OK) != (code == 200) || code < 200 || code > 599 || out.len == 0)
		abort();
	tdv_buf_free(&out);
	if (rc == TDV_OK && tdv_store_cert_list(srv.central, NULL, only_cp1, NULL) != TDV_OK)
		abort();
	return 0;
}
