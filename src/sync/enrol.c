/*
 * Enrolment of a checkpoint and the client side of pulls.
 *
 * A new checkpoint makes its key pair locally (the private key never
 * leaves it), sends a certificate request with a one-time token to
 * POST /v1/enrol over server-authenticated TLS, and receives a
 * certificate signed by the sync CA with CN = its id. The centre checks,
 * before it consumes the token, that the request is well formed, signed
 * by its own key, and names only the checkpoint the token was issued
 * for; the token (stored as its SHA-256) is then used up in one
 * conditional UPDATE, so it works once, before it expires, for that
 * checkpoint only.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_int.h"
#include "sync/sync_int.h"
#include "tdv/error.h"
#include "tdv/json.h"

#define CSR_MAX 8192
#define TOKEN_PREFIX "tdv1-"

int
tdv_sync_token_new(tdv_store *central, const char *checkpoint, int64_t ttl_s,
    char token[64])
{
	if (central == NULL || !tdv__id_ok(checkpoint) || ttl_s < 1 || ttl_s > 30 * 86400)
		return TDV_EINVAL;
	unsigned char rnd[30];
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return TDV_ECRYPTO;
	/* base32 (RFC 4648 alphabet, no padding): 240 bits -> 48 chars */
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t o = 0;
	memcpy(token, TOKEN_PREFIX, strlen(TOKEN_PREFIX));
	o = strlen(TOKEN_PREFIX);
	for (size_t i = 0; i < sizeof(rnd); i += 5) {
		uint64_t v = 0;
		for (size_t k = 0; k < 5; k++)
			v = v << 8 | rnd[i + k];
		for (int k = 7; k >= 0; k--)
			token[o++] = b32[(v >> (5 * k)) & 31];
	}
	token[o] = '\0';
	OPENSSL_cleanse(rnd, sizeof(rnd));
	char hash[65];
	int rc = tdv__sync_sha256_hex(token, o, hash);
	if (rc == TDV_OK)
		rc = tdv_store_enrol_token_add(central, hash, checkpoint,
		    tdv_store_now_ms() + ttl_s * 1000);
	return rc;
}

static bool
token_ok(const char *t)
{
	size_t n = strnlen(t, 64);
	if (n < 20 || n >= 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (t[i] <= 0x20 || t[i] >= 0x7f)
			return false;
	return true;
}

static int
refuse(tdv_buf *out, int *code, int http, const char *msg, tdv_sync_served *info,
    const char *who, int rc)
{
	*code = http;
	tdv__sync_json_error(out, http == 403 ? "refused" : "bad_request", msg);
	snprintf(info->message, sizeof(info->message), "%d enrol %s: %s", http, who, msg);
	return rc;
}

int
tdv__sync_csr_check(const char *csr, const char *cp, X509_REQ **reqp, EVP_PKEY **pubp)
{
	*reqp = NULL;
	*pubp = NULL;
	if (csr == NULL || strlen(csr) > CSR_MAX || !tdv__id_ok(cp))
		return TDV_EPARSE;
	BIO *b = BIO_new_mem_buf(csr, (int)strlen(csr));
	X509_REQ *req = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	EVP_PKEY *pub = req ? X509_REQ_get_pubkey(req) : NULL;
	int rc = TDV_OK;
	if (req == NULL || pub == NULL || X509_REQ_verify(req, pub) != 1) {
		rc = TDV_EPARSE;
	} else {
		/* the key: EC P-256/P-384 or RSA of at least 2048 bits */
		int bits = EVP_PKEY_get_bits(pub);
		bool key_ok = (EVP_PKEY_is_a(pub, "EC") && bits >= 256) ||
		    (EVP_PKEY_is_a(pub, "RSA") && bits >= 2048);
		/* the request must name exactly the checkpoint, nothing else */
		X509_NAME *subj = X509_REQ_get_subject_name(req);
		char cn[TDV_ID_MAX + 2] = "";
		int cnlen = X509_NAME_get_text_by_NID(subj, NID_commonName, cn, (int)sizeof(cn));
		if (!key_ok || X509_NAME_entry_count(subj) != 1 || cnlen <= 0 || strcmp(cn, cp) != 0)
			rc = TDV_EFORBIDDEN;
	}
	ERR_clear_error();
	if (rc != TDV_OK) {
		EVP_PKEY_free(pub);
		X509_REQ_free(req);
		return rc;
	}
	*reqp = req;
	*pubp = pub;
	return TDV_OK;
}

int
tdv__sync_issue_checkpoint(tdv_sync_server *s, EVP_PKEY *pub, const char *cp,
    const char *replaces, tdv_buf *pem, char fp[65])
{
	X509 *cert = NULL;
	tdv_cert_rec rec;
	memset(&rec, 0, sizeof(rec));
	int rc = tdv__sync_issue(s->ca, s->ca_key, pub, cp, NULL, false, s->cert_days, &cert);
	if (rc == TDV_OK)
		rc = tdv__sync_cert_info(cert, rec.serial, &rec.not_before_ms, &rec.not_after_ms,
		    rec.sha256);
	if (rc == TDV_OK) {
		snprintf(rec.checkpoint, sizeof(rec.checkpoint), "%s", cp);
		snprintf(rec.replaces, sizeof(rec.replaces), "%s", replaces ? replaces : "");
		memcpy(fp, rec.sha256, 65);
		rc = tdv__sync_x509_pem(cert, pem);
	}
	/* registered before it is handed out: a certificate the register
	 * does not hold is never issued */
	if (rc == TDV_OK)
		rc = tdv_store_cert_add(s->central, &rec);
	X509_free(cert);
	return rc;
}

/* 503 when a certificate could not be issued (enrolment or renewal). */
static void
not_issued(tdv_buf *out, int *code, tdv_sync_served *info, const char *route,
    const char *who, int rc)
{
	*code = 503;
	tdv__sync_json_error(out, tdv_strerror_name(rc), "certificate not issued");
	snprintf(info->message, sizeof(info->message), "503 %s %s: %s", route, who,
	    tdv_strerror(rc));
}

/* The head of a reply carrying a new certificate: {"status":"ok",
 * "certificate":PEM ... (the caller adds its members and ends it). */
static void
issued_reply_begin(tdv_json *j, tdv_buf *out, const tdv_buf *pem)
{
	tdv_buf_reset(out);
	tdv_json_init(j, out);
	tdv_json_object_begin(j);
	tdv_json_key(j, "status");
	tdv_json_string(j, "ok");
	tdv_json_key(j, "certificate");
	tdv_json_string(j, tdv_buf_cstr(pem));
}

int
tdv__sync_route_enrol(tdv_sync_server *s, const tdv__sync_request *rq, tdv_buf *out,
    int *code, const char **ctype, tdv_sync_served *info)
{
	(void)ctype;
	if (s->ca == NULL || s->ca_key == NULL) {
		*code = 404;
		tdv__sync_json_error(out, "not_found", "enrolment is not enabled on this server");
		return TDV_ENOENT;
	}
	json_error_t jerr;
	json_t *root = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *jcp = json_object_get(root, "checkpoint"), *jtok = json_object_get(root, "token"),
	       *jcsr = json_object_get(root, "csr");
	if (!json_is_string(jcp) || !json_is_string(jtok) || !json_is_string(jcsr) ||
	    json_object_size(root) != 3) {
		json_decref(root);
		return refuse(out, code, 400, "expected {checkpoint, token, csr}", info, "?",
		    TDV_EPARSE);
	}
	const char *cp = json_string_value(jcp), *tok = json_string_value(jtok),
		   *csr = json_string_value(jcsr);
	char who[TDV_ID_MAX + 1] = "?";
	if (tdv__id_ok(cp))
		snprintf(who, sizeof(who), "%s", cp);
	int rc = TDV_OK;
	X509_REQ *req = NULL;
	EVP_PKEY *pub = NULL;
	if (!tdv__id_ok(cp) || !token_ok(tok) || strlen(csr) > CSR_MAX) {
		rc = refuse(out, code, 400, "malformed checkpoint id, token or request", info, who,
		    TDV_EPARSE);
		goto done;
	}
	rc = tdv__sync_csr_check(csr, cp, &req, &pub);
	if (rc != TDV_OK) {
		rc = rc == TDV_EFORBIDDEN
		    ? refuse(out, code, 403, "the request must carry only CN = the checkpoint id",
			  info, who, TDV_EFORBIDDEN)
		    : refuse(out, code, 400, "certificate request unreadable or not self-signed",
			  info, who, TDV_EPARSE);
		goto done;
	}
	char hash[65];
	rc = tdv__sync_sha256_hex(tok, strlen(tok), hash);
	tdv_checkpoint rec;
	memset(&rec, 0, sizeof(rec));
	if (rc == TDV_OK)
		rc = tdv_store_enrol_token_use(s->central, hash, cp, tdv_store_now_ms());
	if (rc == TDV_EAUTH) {
		(void)tdv_store_audit_append(s->central, NULL, "sync", "checkpoint.enrol_refused",
		    cp, "unknown, used, expired or another checkpoint's token", NULL);
		rc = refuse(out, code, 403, "token not valid for this checkpoint", info, who,
		    TDV_EAUTH);
		goto done;
	}
	if (rc == TDV_OK && tdv_store_checkpoint_get(s->central, cp, &rec) != TDV_OK)
		snprintf(rec.id, sizeof(rec.id), "%s", cp);
	tdv_buf pem;
	tdv_buf_init(&pem, 1 << 16);
	char fp[65] = "";
	if (rc == TDV_OK)
		rc = tdv__sync_issue_checkpoint(s, pub, cp, NULL, &pem, fp);
	if (rc == TDV_OK) {
		char detail[128];
		snprintf(detail, sizeof(detail), "certificate sha256=%s", fp);
		rc = tdv_store_audit_append(s->central, NULL, "sync", "checkpoint.enrol", cp,
		    detail, NULL);
	}
	if (rc != TDV_OK) {
		tdv_buf_free(&pem);
		not_issued(out, code, info, "enrol", who, rc);
		goto done;
	}
	tdv_json j;
	issued_reply_begin(&j, out, &pem);
	tdv_json_key(&j, "ca");
	tdv_json_string(&j, s->ca_pem);
	tdv_json_key(&j, "checkpoint");
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "id");
	tdv_json_string(&j, rec.id);
	tdv_json_key(&j, "name");
	tdv_json_string(&j, rec.name);
	tdv_json_key(&j, "country");
	tdv_json_string(&j, rec.country);
	tdv_json_object_end(&j);
	tdv_json_object_end(&j);
	tdv_buf_free(&pem);
	*code = 200;
	snprintf(info->message, sizeof(info->message), "200 enrolled %s", cp);
	snprintf(info->peer, sizeof(info->peer), "%s", cp);
done:
	EVP_PKEY_free(pub);
	X509_REQ_free(req);
	json_decref(root);
	ERR_clear_error();
	return rc;
}

int
tdv__sync_route_ca(tdv_sync_server *s, const tdv__sync_request *rq, tdv_buf *out,
    int *code, const char **ctype, tdv_sync_served *info)
{
	(void)rq;
	(void)info;
	if (s->ca_pem == NULL) {
		*code = 404;
		tdv__sync_json_error(out, "not_found", "no CA configured");
		return TDV_ENOENT;
	}
	*code = 200;
	*ctype = "application/x-pem-file";
	return tdv_buf_puts(out, s->ca_pem);
}

int
tdv__sync_route_renew(tdv_sync_server *s, const tdv__sync_request *rq, tdv_buf *out,
    int *code, const char **ctype, tdv_sync_served *info)
{
	(void)ctype;
	const char *cp = rq->peer;
	if (s->ca == NULL || s->ca_key == NULL) {
		*code = 404;
		tdv__sync_json_error(out, "not_found", "renewal is not enabled on this server");
		return TDV_ENOENT;
	}
	json_error_t jerr;
	json_t *root = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *jcsr = json_object_get(root, "csr");
	X509_REQ *req = NULL;
	EVP_PKEY *pub = NULL;
	int rc;
	if (!json_is_string(jcsr) || json_object_size(root) != 1 || rq->peer_cert == NULL ||
	    rq->peer_serial == NULL) {
		rc = refuse(out, code, 400, "expected {csr}", info, cp, TDV_EPARSE);
		goto done;
	}
	rc = tdv__sync_csr_check(json_string_value(jcsr), cp, &req, &pub);
	if (rc != TDV_OK) {
		rc = rc == TDV_EFORBIDDEN
		    ? refuse(out, code, 403, "the request must carry only CN = the checkpoint id",
			  info, cp, TDV_EFORBIDDEN)
		    : refuse(out, code, 400, "certificate request unreadable or not self-signed",
			  info, cp, TDV_EPARSE);
		goto done;
	}
	/* renewal rotates the key */
	if (EVP_PKEY_eq(pub, X509_get0_pubkey(rq->peer_cert)) == 1) {
		rc = refuse(out, code, 403, "renewal needs a new key pair", info, cp,
		    TDV_EFORBIDDEN);
		goto done;
	}
	tdv_buf pem;
	tdv_buf_init(&pem, 1 << 16);
	char fp[65] = "";
	rc = tdv__sync_issue_checkpoint(s, pub, cp, rq->peer_serial, &pem, fp);
	if (rc != TDV_OK) {
		tdv_buf_free(&pem);
		not_issued(out, code, info, "renew", cp, rc);
		goto done;
	}
	tdv_json j;
	issued_reply_begin(&j, out, &pem);
	tdv_json_object_end(&j);
	tdv_buf_free(&pem);
	*code = 200;
	snprintf(info->message, sizeof(info->message), "200 renewed %s (replaces %.40s)", cp,
	    rq->peer_serial);
done:
	EVP_PKEY_free(pub);
	X509_REQ_free(req);
	json_decref(root);
	ERR_clear_error();
	return rc;
}

int
tdv__sync_route_whoami(tdv_sync_server *s, const tdv__sync_request *rq, tdv_buf *out,
    int *code, const char **ctype, tdv_sync_served *info)
{
	(void)s;
	(void)ctype;
	(void)info;
	tdv_json j;
	tdv_buf_reset(out);
	tdv_json_init(&j, out);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "checkpoint");
	tdv_json_string(&j, rq->peer);
	tdv_json_key(&j, "serial");
	tdv_json_string(&j, rq->peer_serial ? rq->peer_serial : "");
	tdv_json_key(&j, "not_after_ms");
	tdv_json_int(&j, rq->peer_not_after_ms);
	tdv_json_object_end(&j);
	*code = 200;
	return tdv_json_error(&j);
}

/* ---- client side ---- */

int
tdv_sync_fetch_ca(const char *host, int port, const char *fingerprint, int timeout_ms,
    tdv_buf *ca_pem, char *err, size_t errsz)
{
	if (fingerprint == NULL || ca_pem == NULL)
		return TDV_EINVAL;
	char want[65];
	size_t w = 0;
	for (const char *p = fingerprint; *p != '\0'; p++) {
		char c = *p;
		if (c == ':')
			continue;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (w >= 64 || !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			snprintf(err, errsz, "fingerprint must be 64 hex digits (SHA-256)");
			return TDV_EINVAL;
		}
		want[w++] = c;
	}
	want[w] = '\0';
	if (w != 64) {
		snprintf(err, errsz, "fingerprint must be 64 hex digits (SHA-256)");
		return TDV_EINVAL;
	}
	tdv_sync_tls none = {NULL, NULL, NULL};
	int status = 0;
	tdv_buf_reset(ca_pem);
	ca_pem->max = ca_pem->max < 65536 ? ca_pem->max : 65536;
	int rc = tdv_sync_client_request(&none, host, port, "GET", "/v1/ca", NULL, 0, timeout_ms,
	    ca_pem, &status, err, errsz);
	if (rc != TDV_OK)
		return rc;
	if (status != 200) {
		snprintf(err, errsz, "centre gave HTTP %d for its CA", status);
		return TDV_EHTTP;
	}
	char got[65];
	if (tdv_sync_pki_fingerprint((const char *)ca_pem->data, ca_pem->len, got) != TDV_OK ||
	    strcmp(got, want) != 0) {
		snprintf(err, errsz, "the CA the centre sent has fingerprint %s, not the one given",
		    got[0] ? got : "(unreadable)");
		tdv_buf_reset(ca_pem);
		return TDV_EAUTH;
	}
	return TDV_OK;
}

/* A certificate received from the centre: for the key of csr_pem, CN =
 * checkpoint, chaining to the CA for client authentication. */
static int
issued_ok(const tdv_buf *cert_pem, const char *csr_pem, const char *checkpoint,
    const char *ca_file)
{
	BIO *b = BIO_new_mem_buf(cert_pem->data, (int)cert_pem->len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO *rb = BIO_new_mem_buf(csr_pem, (int)strlen(csr_pem));
	X509_REQ *req = rb ? PEM_read_bio_X509_REQ(rb, NULL, NULL, NULL) : NULL;
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *sctx = X509_STORE_CTX_new();
	char cn[TDV_ID_MAX + 2] = "";
	bool ok = x && req && store && sctx &&
	    EVP_PKEY_eq(X509_get0_pubkey(x), X509_REQ_get0_pubkey(req)) == 1 &&
	    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
		(int)sizeof(cn)) > 0 &&
	    strcmp(cn, checkpoint) == 0 && X509_STORE_load_file(store, ca_file) == 1 &&
	    X509_STORE_CTX_init(sctx, store, x, NULL) == 1 &&
	    X509_STORE_CTX_set_purpose(sctx, X509_PURPOSE_SSL_CLIENT) == 1 &&
	    X509_verify_cert(sctx) == 1;
	X509_STORE_CTX_free(sctx);
	X509_STORE_free(store);
	X509_REQ_free(req);
	BIO_free(rb);
	X509_free(x);
	BIO_free(b);
	ERR_clear_error();
	return ok ? TDV_OK : TDV_EAUTH;
}

int
tdv_sync_enrol(const char *ca_file, const char *host, int port, const char *checkpoint,
    const char *token, const char *csr_pem, int timeout_ms, tdv_buf *cert_pem,
    tdv_checkpoint *cp, char *err, size_t errsz)
{
	if (ca_file == NULL || !tdv__id_ok(checkpoint) || token == NULL || csr_pem == NULL ||
	    cert_pem == NULL || cp == NULL)
		return TDV_EINVAL;
	memset(cp, 0, sizeof(*cp));
	tdv_buf body, reply;
	tdv_buf_init(&body, 32768);
	tdv_buf_init(&reply, 1 << 17);
	tdv_json j;
	tdv_json_init(&j, &body);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "checkpoint");
	tdv_json_string(&j, checkpoint);
	tdv_json_key(&j, "token");
	tdv_json_string(&j, token);
	tdv_json_key(&j, "csr");
	tdv_json_string(&j, csr_pem);
	tdv_json_object_end(&j);
	int rc = tdv_json_error(&j);
	tdv_sync_tls tls = {NULL, NULL, ca_file};
	int status = 0;
	if (rc == TDV_OK)
		rc = tdv_sync_client_request(&tls, host, port, "POST", "/v1/enrol",
		    (const char *)body.data, body.len, timeout_ms, &reply, &status, err, errsz);
	json_t *root = NULL;
	if (rc == TDV_OK) {
		json_error_t jerr;
		root = json_loadb((const char *)reply.data, reply.len, JSON_REJECT_DUPLICATES, &jerr);
		if (status != 200) {
			const char *why = json_string_value(json_object_get(root, "error"));
			snprintf(err, errsz, "enrolment refused (HTTP %d): %s", status,
			    why ? why : "no reason given");
			rc = status == 403 ? TDV_EAUTH : TDV_EHTTP;
		}
	}
	if (rc == TDV_OK) {
		const char *cert = json_string_value(json_object_get(root, "certificate"));
		json_t *rec = json_object_get(root, "checkpoint");
		const char *id = json_string_value(json_object_get(rec, "id")),
			   *name = json_string_value(json_object_get(rec, "name")),
			   *country = json_string_value(json_object_get(rec, "country"));
		if (cert == NULL || id == NULL || name == NULL || country == NULL ||
		    strcmp(id, checkpoint) != 0 ||
		    tdv__copy_str(cp->id, sizeof(cp->id), id) != TDV_OK ||
		    tdv__copy_str(cp->name, sizeof(cp->name), name) != TDV_OK ||
		    tdv__copy_str(cp->country, sizeof(cp->country), country) != TDV_OK) {
			snprintf(err, errsz, "enrolment reply malformed");
			rc = TDV_EPARSE;
		} else {
			tdv_buf_reset(cert_pem);
			rc = tdv_buf_puts(cert_pem, cert);
		}
	}
	/* the certificate must be for our key's request, CN = us, from the CA */
	if (rc == TDV_OK && issued_ok(cert_pem, csr_pem, checkpoint, ca_file) != TDV_OK) {
		snprintf(err, errsz, "the certificate received is not ours or not from the CA");
		rc = TDV_EAUTH;
	}
	json_decref(root);
	tdv_buf_free(&body);
	tdv_buf_free(&reply);
	return rc;
}

int
tdv_sync_pull(tdv_store *local, const tdv_sync_tls *tls, const char *host, int port,
    const char *checkpoint, const char *kind, const char *lists_dir, int timeout_ms,
    tdv_sync_pull_result *res, char *err, size_t errsz)
{
	if (local == NULL || tls == NULL || tls->ca_file == NULL || tls->cert_file == NULL ||
	    kind == NULL || res == NULL)
		return TDV_EINVAL;
	memset(res, 0, sizeof(*res));
	int64_t since = 0;
	int rc = tdv_sync_pull_since(local, kind, lists_dir, &since);
	if (rc != TDV_OK) {
		snprintf(err, errsz, "cannot read the pull state: %s", tdv_strerror(rc));
		return rc;
	}
	char path[96];
	snprintf(path, sizeof(path), "/v1/pull/%s?since=%lld", kind, (long long)since);
	tdv_buf reply;
	tdv_buf_init(&reply, TDV_SYNC_MAX_PULL_BYTES);
	int status = 0;
	rc = tdv_sync_client_request(tls, host, port, "GET", path, NULL, 0, timeout_ms, &reply,
	    &status, err, errsz);
	if (rc == TDV_OK && status != 200) {
		snprintf(err, errsz, "pull of %s refused (HTTP %d): %.150s", kind, status,
		    tdv_buf_cstr(&reply));
		rc = TDV_EHTTP;
	}
	if (rc == TDV_OK)
		rc = tdv_sync_pull_apply(local, checkpoint, kind, tdv_buf_cstr(&reply),
		    reply.len, tls->ca_file, lists_dir, res, err, errsz);
	tdv_buf_free(&reply);
	return rc;
}

/* ---- renewal (checkpoint side) ---- */

static int
fsync_parent(const char *path)
{
	char d[4096];
	if ((size_t)snprintf(d, sizeof(d), "%s", path) >= sizeof(d))
		return TDV_ELIMIT;
	char *slash = strrchr(d, '/');
	if (slash == NULL)
		snprintf(d, sizeof(d), ".");
	else if (slash == d)
		d[1] = '\0';
	else
		*slash = '\0';
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return TDV_EIO;
	int rc = fsync(fd) == 0 ? TDV_OK : TDV_EIO;
	close(fd);
	return rc;
}

/* Does the certificate in cert_path carry the public key of key_path? */
static bool
cert_matches_key(const char *cert_path, const char *key_path)
{
	FILE *cf = fopen(cert_path, "r");
	X509 *x = cf ? PEM_read_X509(cf, NULL, NULL, NULL) : NULL;
	if (cf != NULL)
		fclose(cf);
	FILE *kf = fopen(key_path, "r");
	EVP_PKEY *k = kf ? PEM_read_PrivateKey(kf, NULL, NULL, NULL) : NULL;
	if (kf != NULL)
		fclose(kf);
	bool ok = x && k && X509_check_private_key(x, k) == 1;
	X509_free(x);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return ok;
}

int
tdv_sync_renew(const tdv_sync_tls *tls, const char *host, int port, const char *checkpoint,
    int timeout_ms, tdv_cert_rec *renewed, char *err, size_t errsz)
{
	if (tls == NULL || tls->cert_file == NULL || tls->key_file == NULL ||
	    tls->ca_file == NULL || !tdv__id_ok(checkpoint) || renewed == NULL)
		return TDV_EINVAL;
	memset(renewed, 0, sizeof(*renewed));
	err[0] = '\0';
	char key_new[4096], crt_new[4096];
	if ((size_t)snprintf(key_new, sizeof(key_new), "%s.new", tls->key_file) >= sizeof(key_new) ||
	    (size_t)snprintf(crt_new, sizeof(crt_new), "%s.new", tls->cert_file) >= sizeof(crt_new))
		return TDV_ELIMIT;
	/* an earlier renewal stopped between switching the key and the
	 * certificate: finish it */
	if (access(key_new, F_OK) != 0 && access(crt_new, F_OK) == 0 &&
	    cert_matches_key(crt_new, tls->key_file)) {
		if (rename(crt_new, tls->cert_file) != 0 || fsync_parent(tls->cert_file) != TDV_OK) {
			snprintf(err, errsz, "cannot finish the interrupted renewal (%s)", crt_new);
			return TDV_EIO;
		}
		snprintf(err, errsz, "finished an interrupted renewal");
		return tdv_sync_pki_cert_info(tls->cert_file, renewed);
	}
	unlink(key_new); /* left by a renewal whose reply never came */
	unlink(crt_new);
	tdv_buf csr, body, reply, pem;
	tdv_buf_init(&csr, 16384);
	tdv_buf_init(&body, 32768);
	tdv_buf_init(&reply, 1 << 17);
	tdv_buf_init(&pem, 1 << 16);
	json_t *root = NULL;
	int status = 0;
	int rc = tdv_sync_pki_key_new(key_new);
	if (rc != TDV_OK)
		snprintf(err, errsz, "cannot make the new key %s", key_new);
	if (rc == TDV_OK)
		rc = tdv_sync_pki_csr_new(key_new, checkpoint, &csr);
	if (rc == TDV_OK) {
		tdv_json j;
		tdv_json_init(&j, &body);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "csr");
		tdv_json_string(&j, tdv_buf_cstr(&csr));
		tdv_json_object_end(&j);
		rc = tdv_json_error(&j);
	}
	if (rc == TDV_OK)
		rc = tdv_sync_client_request(tls, host, port, "POST", "/v1/renew",
		    (const char *)body.data, body.len, timeout_ms, &reply, &status, err, errsz);
	if (rc == TDV_OK) {
		json_error_t jerr;
		root = json_loadb((const char *)reply.data, reply.len, JSON_REJECT_DUPLICATES, &jerr);
		const char *cert = json_string_value(json_object_get(root, "certificate"));
		if (status != 200) {
			const char *why = json_string_value(json_object_get(root, "error"));
			snprintf(err, errsz, "renewal refused (HTTP %d): %s", status,
			    why ? why : "no reason given");
			rc = status == 403 ? TDV_EAUTH : TDV_EHTTP;
		} else if (cert == NULL) {
			snprintf(err, errsz, "renewal reply malformed");
			rc = TDV_EPARSE;
		} else {
			rc = tdv_buf_puts(&pem, cert);
		}
	}
	if (rc == TDV_OK &&
	    issued_ok(&pem, tdv_buf_cstr(&csr), checkpoint, tls->ca_file) != TDV_OK) {
		snprintf(err, errsz, "the certificate received is not ours or not from the CA");
		rc = TDV_EAUTH;
	}
	if (rc == TDV_OK && (rc = tdv__sync_write_new(crt_new, pem.data, pem.len, 0644)) != TDV_OK)
		snprintf(err, errsz, "cannot write %s", crt_new);
	/* switch: key first, then the certificate (an interruption between
	 * the two is finished by the next renewal, see above) */
	if (rc == TDV_OK && (rename(key_new, tls->key_file) != 0 ||
				rename(crt_new, tls->cert_file) != 0 ||
				fsync_parent(tls->cert_file) != TDV_OK)) {
		snprintf(err, errsz, "cannot switch to the new key and certificate");
		rc = TDV_EIO;
	}
	if (rc == TDV_OK)
		rc = tdv_sync_pki_cert_info(tls->cert_file, renewed);
	else if (access(key_new, F_OK) == 0) {
		unlink(key_new);
		unlink(crt_new);
	}
	json_decref(root);
	tdv_buf_free(&csr);
	tdv_buf_free(&body);
	tdv_buf_free(&reply);
	tdv_buf_free(&pem);
	return rc;
}
