/* Internal helpers shared by the LDS parsers (not a public API). */
#ifndef TDV_LDS_INT_H
#define TDV_LDS_INT_H

#include "tdv/lds.h"

/* Read the file's outer TLV and check its tag (TDV_ELDS_TAG otherwise).
 * Bytes after the TLV (padding in some dumps) are ignored. */
int tdv__lds_open(const uint8_t *buf, size_t len, uint32_t tag, tdv_tlv *t);

/* Parse a SET OF SecurityInfo value (the TLV's value bytes). */
int tdv__secinfos_parse_set(const tdv_tlv *set, tdv_secinfos *out);

/* Hash name and digest length for a hash algorithm OID (SHA-1, SHA-2);
 * NULL/0 when unknown. */
const char *tdv__hash_name(const char *oid, size_t *len);



/* The parts of a CMS SignedData (RFC 5652 §5) the LDS needs, located by
 * the TLV reader (no OpenSSL); pointers into the caller's buffer. */
typedef struct tdv__cms {
	char content_type[64];
	const uint8_t *content; /* eContent OCTET STRING value */
	size_t content_len;
	int ncerts;
	const uint8_t *cert;    /* first certificate */
	size_t cert_len;
	int nsigners;
	bool non_canonical;
} tdv__cms;

int tdv__cms_parse(const uint8_t *buf, size_t len, tdv__cms *out);
#endif
