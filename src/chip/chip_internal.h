/* Internal declarations shared by the files of src/chip/. */
#ifndef TDV_CHIP_INTERNAL_H
#define TDV_CHIP_INTERNAL_H

#include <openssl/evp.h>

#include "tdv/chip.h"

struct tdv_chip_transport {
	tdv_chip_transmit_fn fn;
	void (*close)(void *);
	void *ctx;
	uint8_t atr[36];
	size_t atrlen;
	unsigned long count;
	unsigned long budget;
};

struct tdv_chip {
	tdv_chip_transport *t;
	tdv_sm *sm; /* NULL until BAC/PACE succeeded */
	tdv_chip_access access;
	bool extended;   /* card accepts extended Lc/Le */
	unsigned long reads; /* READ BINARY commands sent */
	tdv_chip_progress_fn progress;
	void *progress_arg;
	uint8_t *cbuf;   /* TDV_APDU_MAX: wire command */
	uint8_t *rbuf;   /* TDV_APDU_MAX: wire response */
	uint8_t *pbuf;   /* TDV_APDU_MAX: plaintext response */
};

int tdv__chip_transport_new(tdv_chip_transport **out, tdv_chip_transmit_fn fn,
    void (*close)(void *), void *ctx, const uint8_t *atr, size_t atrlen);

/* Start secure messaging with fresh keys (replaces any previous). */
int tdv__chip_start_sm(tdv_chip *c, tdv_chip_cipher cipher,
    const uint8_t *kenc, const uint8_t *kmac, const uint8_t *ssc);

/* Map a status word to an error code (9000 -> TDV_OK). */
int tdv__chip_sw_error(uint16_t sw);

/* Minimal BER-TLV walking for protocol data objects (7C dynamic
 * authentication data etc.): find a tag among the children of buf. */
int tdv__tlv_find(const uint8_t *buf, size_t len, unsigned tag,
    const uint8_t **val, size_t *vlen);
/* Read one TLV header: tag (up to 2 bytes), length (up to 3 length
 * bytes). *hdr is the header size. */
int tdv__tlv_header(const uint8_t *buf, size_t len, unsigned *tag,
    size_t *vlen, size_t *hdr);
/* Append a TLV (tag 1 or 2 bytes). */
int tdv__tlv_put(tdv_buf *b, unsigned tag, const uint8_t *v, size_t vlen);

/* Load a PEM (or DER) private key; NULL on failure. */
EVP_PKEY *tdv__chip_load_private(const uint8_t *key, size_t keylen);

#endif
