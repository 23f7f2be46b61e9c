/* Internal interface between the trust store and Passive Authentication. */
#ifndef TDV_PA_INT_H
#define TDV_PA_INT_H

#include <pthread.h>

#include <openssl/x509.h>

#include "tdv/pa.h"

#define TDV__DS_CACHE 64

struct tdv_trust {
	X509 **cscas;
	bool *self_signed; /* per CSCA: issuer name = subject, own key verifies */
	int ncscas, capcscas;
	X509_CRL **crls;
	int *crl_issuer; /* index into cscas of the CSCA that signed it, -1 */
	int ncrls, capcrls;
	/* decoded Document Signer certificates, by exact DER: the same DS
	 * signs thousands of documents and OpenSSL 3 decoding is costly */
	pthread_mutex_t cache_lock;
	struct tdv__dscache {
		uint8_t *der;
		size_t len;
		X509 *x;
	} cache[TDV__DS_CACHE];
	int ncache, cache_next;
};

/*
 * Find the CSCA that issued cert: subject name equal to cert's issuer and
 * a key that verifies cert's signature. Returns the CSCA, or NULL; when
 * NULL, *name_match tells whether some CSCA had the right name but the
 * wrong key. *idx receives the index.
 */
X509 *tdv__trust_find_issuer(const tdv_trust *t, X509 *cert, bool *name_match,
    int *idx);

/* Longest CSCA path followed from a certificate in the store up to a
 * self-signed CSCA (link certificates of a CSCA key rollover). */
#define TDV__CHAIN_MAX 8

typedef enum tdv__chain_end {
	TDV__CHAIN_ANCHOR = 0, /* reached a self-signed CSCA */
	TDV__CHAIN_NO_ISSUER,  /* no certificate in the store issued the last one */
	TDV__CHAIN_LOOP,       /* the issuers lead back to a certificate on the path */
	TDV__CHAIN_TOO_LONG,   /* more than TDV__CHAIN_MAX certificates */
} tdv__chain_end;

/*
 * From CSCA number idx, follow issuers inside the store (name and key,
 * each certificate at most once) until a self-signed CSCA. path receives
 * the indices (path[0] = idx), *npath their number (<= TDV__CHAIN_MAX).
 */
tdv__chain_end tdv__trust_chain(const tdv_trust *t, int idx,
    int path[TDV__CHAIN_MAX], int *npath);

/* The verified CRL of CSCA number idx, or NULL. */
X509_CRL *tdv__trust_crl_of(const tdv_trust *t, int idx);

/* The decoded certificate for der[0..len) (a new reference, X509_free
 * it), from the cache or decoded and cached; NULL when it does not
 * decode. The trust store is logically const: only the cache changes. */
X509 *tdv__trust_cert_cached(const tdv_trust *t, const uint8_t *der,
    size_t len);

#endif
