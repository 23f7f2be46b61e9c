/* UTF-8 decoding and validation (RFC 3629: no overlongs, no surrogates). */
#ifndef TDV_UTF8_H
#define TDV_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Decode one code point from s (n bytes available). Returns its length in
 * bytes (1..4), or TDV_EUTF8 for an invalid or truncated sequence. */
int tdv_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Encode cp into out (at least 4 bytes); returns the length, or TDV_EUTF8. */
int tdv_utf8_encode(uint32_t cp, char out[4]);

/* True when the n bytes at s are entirely valid UTF-8. */
bool tdv_utf8_valid(const char *s, size_t n);

#ifdef __cplusplus
}
#endif
#endif
