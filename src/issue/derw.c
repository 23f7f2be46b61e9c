/*
 * A small DER writer for the LDS files personalisation builds
 * (X.690 §8/§10: definite minimal lengths, SET OF sorted).
 */
#include <stdlib.h>
#include <string.h>

#include "issue_int.h"
#include "tdv/error.h"
#include "tdv/lds.h"

int
tdv__derw(tdv_buf *b, uint32_t tag, const void *v, size_t len)
{
	int rc = tdv_tlv_put_header(b, tag, len);
	if (rc == TDV_OK && len > 0)
		rc = tdv_buf_append(b, v, len);
	return rc;
}

int
tdv__derw_wrap(tdv_buf *b, uint32_t tag, const tdv_buf *inner)
{
	return tdv__derw(b, tag, inner->data, inner->len);
}

int
tdv__derw_int(tdv_buf *b, long v)
{
	uint8_t d[sizeof(long) + 1];
	size_t n = 0;
	if (v < 0)
		return TDV_EINVAL;
	unsigned long u = (unsigned long)v;
	do {
		d[sizeof(d) - 1 - n++] = (uint8_t)(u & 0xFF);
		u >>= 8;
	} while (u != 0);
	if (d[sizeof(d) - n] & 0x80)
		d[sizeof(d) - 1 - n++] = 0;
	return tdv__derw(b, 0x02, d + sizeof(d) - n, n);
}

int
tdv__derw_oid(tdv_buf *b, const char *dotted)
{
	uint8_t out[64];
	size_t n = 0;
	unsigned long arcs[20];
	int na = 0;
	const char *s = dotted;
	while (*s && na < 20) {
		char *end;
		arcs[na++] = strtoul(s, &end, 10);
		if (end == s)
			return TDV_EINVAL;
		s = *end == '.' ? end + 1 : end;
		if (*end != '.' && *end != '\0')
			return TDV_EINVAL;
	}
	if (na < 2)
		return TDV_EINVAL;
	for (int i = 1; i < na; i++) {
		unsigned long v = i == 1 ? arcs[0] * 40 + arcs[1] : arcs[i];
		uint8_t tmp[10];
		int k = 0;
		do {
			tmp[k++] = (uint8_t)(v & 0x7F);
			v >>= 7;
		} while (v != 0);
		if (n + (size_t)k > sizeof(out))
			return TDV_ELIMIT;
		while (k > 0) {
			k--;
			out[n++] = (uint8_t)(tmp[k] | (k ? 0x80 : 0));
		}
		if (i == 1)
			continue;
	}
	return tdv__derw(b, 0x06, out, n);
}

static int
cmp_elem(const void *a, const void *b)
{
	const tdv_buf *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->data, y->data, n);
	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

int
tdv__derw_set_of(tdv_buf *b, tdv_buf *elems, int n)
{
	tdv_buf all;
	int rc = TDV_OK;
	qsort(elems, (size_t)n, sizeof(*elems), cmp_elem);
	tdv_buf_init(&all, 1u << 24);
	for (int i = 0; rc == TDV_OK && i < n; i++)
		rc = tdv_buf_append(&all, elems[i].data, elems[i].len);
	if (rc == TDV_OK)
		rc = tdv__derw_wrap(b, 0x31, &all);
	tdv_buf_free(&all);
	return rc;
}
