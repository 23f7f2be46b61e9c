/* Internal helpers of the issuing side (test PKI, personalisation). */
#ifndef TDV_ISSUE_INT_H
#define TDV_ISSUE_INT_H

#include <stdbool.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tdv/pki.h"

/* DER writer: append one TLV (tag up to 3 bytes as a number: 0x5F1F). */
int tdv__derw(tdv_buf *b, uint32_t tag, const void *v, size_t len);
/* Wrap the contents of inner as the value of one TLV appended to b. */
int tdv__derw_wrap(tdv_buf *b, uint32_t tag, const tdv_buf *inner);
int tdv__derw_int(tdv_buf *b, long v);
/* OID from dotted text. */
int tdv__derw_oid(tdv_buf *b, const char *dotted);
/* SET OF: elements sorted as DER requires (X.690 §11.6). */
int tdv__derw_set_of(tdv_buf *b, tdv_buf *elems, int n);

/* Key generation: "rsa2048", "rsa3072", "prime256v1", "brainpoolP256r1",
 * "brainpoolP384r1". */
EVP_PKEY *tdv__keygen(const char *kind);
int tdv__write_file(const char *path, const void *p, size_t len, int mode);
int tdv__read_file(const char *path, size_t max, tdv_buf *out);
int tdv__pem_key(EVP_PKEY *k, tdv_buf *out);
int tdv__pem_cert(X509 *x, tdv_buf *out);
EVP_PKEY *tdv__load_key(const char *path);
X509 *tdv__load_cert(const char *path);

/* Certificate for subject key `key` issued by (issuer_cert, issuer_key);
 * issuer_cert NULL = self-signed. Validity in days relative to t0. kind:
 * 'c' CSCA, 'd' Document Signer, 'm' Master List Signer. */
X509 *tdv__make_cert(char kind, const char *c2, const char *org,
    const char *cn, long serial, EVP_PKEY *key, X509 *issuer_cert,
    EVP_PKEY *issuer_key, time_t t0, long from_days, long to_days);
/* The digest a signer key uses: SHA-384 for brainpoolP384r1, else SHA-256 */
const EVP_MD *tdv__md_for(EVP_PKEY *k);

/* EF.SOD (tag 77, CMS SignedData) over an LDSSecurityObject DER, signed
 * by ds/key (RSA-PSS when pss), signingTime t0, DS certificate included. */
int tdv__sign_sod(const tdv_buf *lso, X509 *ds, EVP_PKEY *key, bool pss,
    time_t t0, tdv_buf *out);

#endif
