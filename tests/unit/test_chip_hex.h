/* Hex helpers for the chip tests (worked examples are quoted in hex). */
#ifndef TDV_TEST_CHIP_HEX_H
#define TDV_TEST_CHIP_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Decode hex, skipping spaces; returns the byte count (0 on error). */
static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (; *s; s++) {
		int v;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n >= cap)
				return 0;
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

/* True when the n bytes equal the hex string. */
static int
eqhex(const uint8_t *p, size_t n, const char *hex)
{
	uint8_t want[1024];
	size_t wl = unhex(hex, want, sizeof(want));
	return wl == n && memcmp(p, want, n) == 0;
}

#endif
