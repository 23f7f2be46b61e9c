/*
 * Crypto of sync pulls and enrolment (OpenSSL 3, libsodium for base64):
 * digests, signatures of publications, and the small sync PKI (a CA that
 * issues the central server's, the publisher's and each checkpoint's
 * certificate; EC P-256 keys, SHA-256 signatures).
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sync/sync_int.h"
#include "tdv/error.h"

int
tdv__sync_sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return TDV_ECRYPTO;
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	return TDV_OK;
}

int
tdv__sync_b64_encode(const void *p, size_t n, tdv_buf *out)
{
	tdv_buf_reset(out);
	if (n > (SIZE_MAX / 4) * 3 - 3)
		return TDV_ELIMIT;
	size_t need = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	int rc = tdv_buf_reserve(out, need);
	if (rc != TDV_OK)
		return rc;
	sodium_bin2base64((char *)out->data, need, p, n, sodium_base64_VARIANT_ORIGINAL);
	out->len = need - 1;
	return TDV_OK;
}

int
tdv__sync_b64_decode(const char *s, size_t n, tdv_buf *out)
{
	tdv_buf_reset(out);
	size_t cap = n / 4 * 3 + 3;
	int rc = tdv_buf_reserve(out, cap);
	if (rc != TDV_OK)
		return rc;
	size_t bin_len = 0;
	if (sodium_base642bin(out->data, cap, s, n, NULL, &bin_len, NULL,
		sodium_base64_VARIANT_ORIGINAL) != 0)
		return TDV_EPARSE;
	out->len = bin_len;
	out->data[bin_len] = '\0';
	return TDV_OK;
}

int
tdv__sync_read_file(const char *path, size_t max, tdv_buf *out)
{
	tdv_buf_reset(out);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return errno == ENOENT ? TDV_ENOENT : TDV_EIO;
	char chunk[65536];
	int rc = TDV_OK;
	size_t r;
	while (rc == TDV_OK && (r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = out->len + r > max ? TDV_ELIMIT : tdv_buf_append(out, chunk, r);
	if (rc == TDV_OK && ferror(f))
		rc = TDV_EIO;
	fclose(f);
	return rc;
}

static EVP_PKEY *
load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

static X509 *
load_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return x;
}

int
tdv__sync_sign(const char *key_file, const void *msg, size_t n, tdv_buf *sig)
{
	EVP_PKEY *k = load_key(key_file);
	if (k == NULL) {
		ERR_clear_error();
		return TDV_ECRYPTO;
	}
	int rc = TDV_ECRYPTO;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char raw[1024];
	size_t rawlen = sizeof(raw);
	if (md != NULL && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
	    EVP_DigestSign(md, raw, &rawlen, msg, n) == 1)
		rc = tdv__sync_b64_encode(raw, rawlen, sig);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return rc;
}

int
tdv__sync_verify(const char *signer_pem, const char *ca_file, const char *cn,
    const void *msg, size_t n, const char *sig_b64)
{
	if (signer_pem == NULL || ca_file == NULL || sig_b64 == NULL)
		return TDV_EAUTH;
	size_t pemlen = strnlen(signer_pem, 16385);
	if (pemlen > 16384)
		return TDV_EAUTH;
	int rc = TDV_EAUTH;
	BIO *bio = BIO_new_mem_buf(signer_pem, (int)pemlen);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *sctx = X509_STORE_CTX_new();
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	tdv_buf raw;
	tdv_buf_init(&raw, 2048);
	char got[TDV_NAME_MAX + 1];
	if (x == NULL || store == NULL || sctx == NULL || md == NULL)
		goto out;
	if (X509_STORE_load_file(store, ca_file) != 1 ||
	    X509_STORE_CTX_init(sctx, store, x, NULL) != 1 || X509_verify_cert(sctx) != 1)
		goto out;
	int len = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, got,
	    (int)sizeof(got));
	if (len <= 0 || strcmp(got, cn) != 0)
		goto out;
	if (tdv__sync_b64_decode(sig_b64, strnlen(sig_b64, 4096), &raw) != TDV_OK)
		goto out;
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(x)) == 1 &&
	    EVP_DigestVerify(md, raw.data, raw.len, msg, n) == 1)
		rc = TDV_OK;
out:
	tdv_buf_free(&raw);
	EVP_MD_CTX_free(md);
	X509_STORE_CTX_free(sctx);
	X509_STORE_free(store);
	X509_free(x);
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

int
tdv__sync_x509_pem(X509 *x, tdv_buf *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	if (b == NULL || PEM_write_bio_X509(b, x) != 1) {
		BIO_free(b);
		return TDV_ECRYPTO;
	}
	char *p = NULL;
	long n = BIO_get_mem_data(b, &p);
	int rc = n > 0 ? tdv_buf_append(out, p, (size_t)n) : TDV_ECRYPTO;
	BIO_free(b);
	return rc;
}

/* Write text to a new file (never over an existing one). */
int
tdv__sync_write_new(const char *path, const void *p, size_t n, unsigned mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return errno == EEXIST ? TDV_EEXIST : TDV_EIO;
	const char *c = p;
	int rc = TDV_OK;
	while (n > 0 && rc == TDV_OK) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = TDV_EIO;
		else {
			c += w;
			n -= (size_t)w;
		}
	}
	if (rc == TDV_OK && fsync(fd) != 0)
		rc = TDV_EIO;
	if (close(fd) != 0 && rc == TDV_OK)
		rc = TDV_EIO;
	if (rc != TDV_OK)
		unlink(path);
	return rc;
}

static int
write_cert(const char *path, X509 *x)
{
	tdv_buf b;
	tdv_buf_init(&b, 1 << 16);
	int rc = tdv__sync_x509_pem(x, &b);
	if (rc == TDV_OK)
		rc = tdv__sync_write_new(path, b.data, b.len, 0644);
	tdv_buf_free(&b);
	return rc;
}

int
tdv_sync_pki_key_new(const char *key_path)
{
	if (key_path == NULL)
		return TDV_EINVAL;
	EVP_PKEY *k = EVP_EC_gen("P-256");
	if (k == NULL)
		return TDV_ECRYPTO;
	BIO *b = BIO_new(BIO_s_mem());
	int rc = TDV_ECRYPTO;
	if (b != NULL && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1) {
		char *p = NULL;
		long n = BIO_get_mem_data(b, &p);
		rc = n > 0 ? tdv__sync_write_new(key_path, p, (size_t)n, 0600) : TDV_ECRYPTO;
		OPENSSL_cleanse(p, (size_t)(n > 0 ? n : 0));
	}
	BIO_free(b);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return rc;
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (e == NULL)
		return TDV_ECRYPTO;
	int ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok == 1 ? TDV_OK : TDV_ECRYPTO;
}

/* Certificate skeleton: random 128-bit serial, validity, subject CN. */
static X509 *
new_cert(EVP_PKEY *pub, const char *cn, int days)
{
	X509 *x = X509_new();
	BIGNUM *bn = BN_new();
	ASN1_INTEGER *serial = NULL;
	X509_NAME *name = X509_NAME_new();
	bool ok = x != NULL && bn != NULL && name != NULL &&
	    BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
	    (serial = BN_to_ASN1_INTEGER(bn, NULL)) != NULL &&
	    X509_set_version(x, 2) == 1 && X509_set_serialNumber(x, serial) == 1 &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -300) != NULL &&
	    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) != NULL &&
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
		(const unsigned char *)cn, -1, -1, 0) == 1 &&
	    X509_set_subject_name(x, name) == 1 && X509_set_pubkey(x, pub) == 1;
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int
tdv__sync_issue(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *pub, const char *cn,
    const char *san, bool server, int days, X509 **out)
{
	*out = NULL;
	if (cn == NULL || cn[0] == '\0' || strlen(cn) > 64 || days < 1 || days > 3650)
		return TDV_EINVAL;
	X509 *x = new_cert(pub, cn, days);
	if (x == NULL)
		return TDV_ECRYPTO;
	int rc = X509_set_issuer_name(x, X509_get_subject_name(ca)) == 1 ? TDV_OK : TDV_ECRYPTO;
	if (rc == TDV_OK)
		rc = add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE");
	if (rc == TDV_OK)
		rc = add_ext(x, ca, NID_key_usage, "critical,digitalSignature");
	if (rc == TDV_OK)
		rc = add_ext(x, ca, NID_ext_key_usage, server ? "serverAuth" : "clientAuth");
	if (rc == TDV_OK)
		rc = add_ext(x, ca, NID_subject_key_identifier, "hash");
	if (rc == TDV_OK)
		rc = add_ext(x, ca, NID_authority_key_identifier, "keyid:always");
	if (rc == TDV_OK && san != NULL && san[0] != '\0')
		rc = add_ext(x, ca, NID_subject_alt_name, san);
	if (rc == TDV_OK && X509_sign(x, ca_key, EVP_sha256()) <= 0)
		rc = TDV_ECRYPTO;
	if (rc != TDV_OK) {
		X509_free(x);
		ERR_clear_error();
		return rc;
	}
	*out = x;
	return TDV_OK;
}

int
tdv_sync_pki_ca_new(const char *key_path, const char *cert_path, const char *cn, int days)
{
	if (key_path == NULL || cert_path == NULL || cn == NULL || days < 1 || days > 7300)
		return TDV_EINVAL;
	int rc = tdv_sync_pki_key_new(key_path);
	if (rc != TDV_OK)
		return rc;
	EVP_PKEY *k = load_key(key_path);
	X509 *x = k ? new_cert(k, cn, days) : NULL;
	rc = x != NULL && X509_set_issuer_name(x, X509_get_subject_name(x)) == 1 ? TDV_OK
										 : TDV_ECRYPTO;
	if (rc == TDV_OK)
		rc = add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
	if (rc == TDV_OK)
		rc = add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (rc == TDV_OK)
		rc = add_ext(x, x, NID_subject_key_identifier, "hash");
	if (rc == TDV_OK && X509_sign(x, k, EVP_sha256()) <= 0)
		rc = TDV_ECRYPTO;
	if (rc == TDV_OK)
		rc = write_cert(cert_path, x);
	X509_free(x);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return rc;
}

int
tdv_sync_pki_issue(const char *ca_cert, const char *ca_key, const char *key_path,
    const char *cn, const char *san, bool server, int days, const char *cert_path)
{
	if (ca_cert == NULL || ca_key == NULL || key_path == NULL || cert_path == NULL)
		return TDV_EINVAL;
	X509 *ca = load_cert(ca_cert);
	EVP_PKEY *cak = load_key(ca_key);
	EVP_PKEY *k = load_key(key_path);
	X509 *x = NULL;
	int rc = ca && cak && k ? tdv__sync_issue(ca, cak, k, cn, san, server, days, &x)
				: TDV_ECRYPTO;
	if (rc == TDV_OK)
		rc = write_cert(cert_path, x);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return rc;
}

int
tdv_sync_pki_csr_new(const char *key_path, const char *cn, tdv_buf *pem)
{
	if (key_path == NULL || cn == NULL || pem == NULL)
		return TDV_EINVAL;
	EVP_PKEY *k = load_key(key_path);
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	BIO *b = BIO_new(BIO_s_mem());
	int rc = TDV_ECRYPTO;
	if (k && req && name && b &&
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
		(const unsigned char *)cn, -1, -1, 0) == 1 &&
	    X509_REQ_set_subject_name(req, name) == 1 && X509_REQ_set_pubkey(req, k) == 1 &&
	    X509_REQ_sign(req, k, EVP_sha256()) > 0 && PEM_write_bio_X509_REQ(b, req) == 1) {
		char *p = NULL;
		long n = BIO_get_mem_data(b, &p);
		tdv_buf_reset(pem);
		rc = n > 0 ? tdv_buf_append(pem, p, (size_t)n) : TDV_ECRYPTO;
	}
	BIO_free(b);
	X509_NAME_free(name);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return rc;
}

int
tdv_sync_pki_fingerprint(const char *pem, size_t len, char hex[65])
{
	if (pem == NULL || len > (1u << 20))
		return TDV_EINVAL;
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	int rc = TDV_EPARSE;
	unsigned char *der = NULL;
	int n = x ? i2d_X509(x, &der) : -1;
	if (n > 0)
		rc = tdv__sync_sha256_hex(der, (size_t)n, hex);
	OPENSSL_free(der);
	X509_free(x);
	BIO_free(b);
	ERR_clear_error();
	return rc;
}

static int
asn1_time_ms(const ASN1_TIME *t, int64_t *ms)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return TDV_EPARSE;
	time_t v = timegm(&tm);
	if (v == (time_t)-1)
		return TDV_EPARSE;
	*ms = (int64_t)v * 1000;
	return TDV_OK;
}

int
tdv__sync_cert_info(X509 *x, char serial[TDV_CERT_SERIAL_MAX + 1], int64_t *not_before_ms,
    int64_t *not_after_ms, char sha256[65])
{
	if (x == NULL)
		return TDV_EINVAL;
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	int rc = hex != NULL && hex[0] != '-' && strlen(hex) <= TDV_CERT_SERIAL_MAX ? TDV_OK
										 : TDV_EPARSE;
	if (rc == TDV_OK) {
		/* lowercase, no leading zeros (BN_bn2hex pads to whole bytes) */
		const char *h = hex;
		while (h[0] == '0' && h[1] != '\0')
			h++;
		size_t i = 0;
		for (; h[i] != '\0'; i++)
			serial[i] = (char)(h[i] >= 'A' && h[i] <= 'F' ? h[i] - 'A' + 'a' : h[i]);
		serial[i] = '\0';
	}
	OPENSSL_free(hex);
	BN_free(bn);
	if (rc == TDV_OK && not_before_ms != NULL)
		rc = asn1_time_ms(X509_get0_notBefore(x), not_before_ms);
	if (rc == TDV_OK && not_after_ms != NULL)
		rc = asn1_time_ms(X509_get0_notAfter(x), not_after_ms);
	if (rc == TDV_OK && sha256 != NULL) {
		unsigned char *der = NULL;
		int n = i2d_X509(x, &der);
		rc = n > 0 ? tdv__sync_sha256_hex(der, (size_t)n, sha256) : TDV_ECRYPTO;
		OPENSSL_free(der);
	}
	ERR_clear_error();
	return rc;
}

int
tdv_sync_pki_cert_info(const char *cert_file, tdv_cert_rec *out)
{
	if (cert_file == NULL || out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	X509 *x = load_cert(cert_file);
	if (x == NULL) {
		ERR_clear_error();
		return access(cert_file, F_OK) == 0 ? TDV_EPARSE : TDV_ENOENT;
	}
	int rc = tdv__sync_cert_info(x, out->serial, &out->not_before_ms, &out->not_after_ms,
	    out->sha256);
	if (rc == TDV_OK &&
	    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, out->checkpoint,
		(int)sizeof(out->checkpoint)) <= 0)
		out->checkpoint[0] = '\0';
	X509_free(x);
	ERR_clear_error();
	return rc;
}
