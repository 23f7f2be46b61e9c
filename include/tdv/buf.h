/*
 * tdv_buf: a growable byte buffer with a hard maximum size.
 *
 * Every buffer fed from outside input is bounded: appending past `max`
 * fails with TDV_ELIMIT and leaves the buffer unchanged. The contents are
 * always NUL-terminated (the terminator is not counted in len), so text
 * can be handed to C string functions.
 */
#ifndef TDV_BUF_H
#define TDV_BUF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdv_buf {
	uint8_t *data; /* NULL until the first append */
	size_t len;    /* bytes in use */
	size_t cap;    /* bytes allocated (excluding the terminator) */
	size_t max;    /* hard limit on len */
} tdv_buf;

/* Initialise an empty buffer that may grow to max bytes. Never fails. */
void tdv_buf_init(tdv_buf *b, size_t max);

/* Append n bytes. TDV_ELIMIT past max, TDV_ENOMEM on allocation failure. */
int tdv_buf_append(tdv_buf *b, const void *p, size_t n);

/* Append a NUL-terminated string. */
int tdv_buf_puts(tdv_buf *b, const char *s);

/* Append one byte. */
int tdv_buf_putc(tdv_buf *b, int c);

/* Append printf-formatted text (bounded by max like any append). */
int tdv_buf_printf(tdv_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reserve room for n more bytes without changing len. */
int tdv_buf_reserve(tdv_buf *b, size_t n);

/* Forget the contents, keep the allocation. */
void tdv_buf_reset(tdv_buf *b);

/* Contents as a C string ("" when empty); valid until the next append. */
const char *tdv_buf_cstr(const tdv_buf *b);

/* Free the storage; the contents are wiped first (they may be personal
 * data). The buffer is left empty and reusable with the same max. */
void tdv_buf_free(tdv_buf *b);

#ifdef __cplusplus
}
#endif
#endif
