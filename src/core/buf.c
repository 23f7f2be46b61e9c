/* Bounded growable buffer (see include/tdv/buf.h). */
#include "tdv/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tdv/error.h"

void
tdv_buf_init(tdv_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

int
tdv_buf_reserve(tdv_buf *b, size_t n)
{
	if (n > b->max || b->len > b->max - n)
		return TDV_ELIMIT;
	size_t need = b->len + n;
	if (need <= b->cap && b->data != NULL)
		return TDV_OK;
	size_t ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (ncap > b->max)
		ncap = b->max;
	uint8_t *p = malloc(ncap + 1);
	if (p == NULL)
		return TDV_ENOMEM;
	if (b->data != NULL) {
		memcpy(p, b->data, b->len);
		OPENSSL_cleanse(b->data, b->cap + 1);
		free(b->data);
	}
	p[b->len] = '\0';
	b->data = p;
	b->cap = ncap;
	return TDV_OK;
}

int
tdv_buf_append(tdv_buf *b, const void *p, size_t n)
{
	int rc = tdv_buf_reserve(b, n);
	if (rc != TDV_OK)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return TDV_OK;
}

int
tdv_buf_puts(tdv_buf *b, const char *s)
{
	return tdv_buf_append(b, s, strlen(s));
}

int
tdv_buf_putc(tdv_buf *b, int c)
{
	unsigned char ch = (unsigned char)c;
	return tdv_buf_append(b, &ch, 1);
}

int
tdv_buf_printf(tdv_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return TDV_EINVAL;
	if ((size_t)n < sizeof(small))
		return tdv_buf_append(b, small, (size_t)n);
	int rc = tdv_buf_reserve(b, (size_t)n);
	if (rc != TDV_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return TDV_OK;
}

void
tdv_buf_reset(tdv_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

const char *
tdv_buf_cstr(const tdv_buf *b)
{
	return b->data != NULL ? (const char *)b->data : "";
}

void
tdv_buf_free(tdv_buf *b)
{
	if (b->data != NULL) {
		OPENSSL_cleanse(b->data, b->cap + 1);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
