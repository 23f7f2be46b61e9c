/*
 * Bounded DER/BER-TLV reader (ITU-T X.690 §8.1; ISO/IEC 7816-4 §5.2 for
 * the multi-byte application tags the LDS uses, ICAO 9303-10 §4.5).
 *
 * Every length is checked against the bytes that remain before it is
 * used; nesting is walked with an explicit stack, never by recursion.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/lds.h"

#define DER_MAX_LEN 0x7FFFFFFFu

int
tdv_tlv_read(const uint8_t *buf, size_t len, unsigned flags, tdv_tlv *out)
{
	size_t off = 0;
	uint32_t tag;
	size_t vlen;
	bool noncanon = false;

	if (buf == NULL || out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	if (len < 2)
		return len == 0 ? TDV_ETRUNCATED : TDV_ETRUNCATED;
	tag = buf[off++];
	if ((tag & 0x1F) == 0x1F) {
		/* high tag number form: up to three more bytes, bit 8 = more */
		int n = 0;
		for (;;) {
			if (off >= len)
				return TDV_ETRUNCATED;
			if (n == 3)
				return TDV_EDER;
			uint8_t b = buf[off++];
			tag = (tag << 8) | b;
			n++;
			if ((b & 0x80) == 0)
				break;
		}
	}
	if (off >= len)
		return TDV_ETRUNCATED;
	uint8_t l0 = buf[off++];
	if (l0 < 0x80) {
		vlen = l0;
	} else if (l0 == 0x80) {
		return TDV_EDER; /* indefinite length: not DER, not used by the LDS */
	} else {
		size_t nb = l0 & 0x7Fu;
		if (nb > 4)
			return TDV_ELIMIT;
		if (len - off < nb)
			return TDV_ETRUNCATED;
		vlen = 0;
		for (size_t i = 0; i < nb; i++)
			vlen = (vlen << 8) | buf[off++];
		if (vlen > DER_MAX_LEN)
			return TDV_ELIMIT;
		/* minimal form: short form when < 128, no leading zero byte */
		if (vlen < 0x80 || buf[off - nb] == 0)
			noncanon = true;
	}
	if (noncanon && (flags & TDV_DER_STRICT))
		return TDV_EDER;
	if (vlen > len - off)
		return TDV_ETRUNCATED;

	uint8_t first = buf[0];
	out->tag = tag;
	out->constructed = (first & 0x20) != 0;
	out->non_canonical = noncanon;
	out->value = buf + off;
	out->len = vlen;
	out->raw = buf;
	out->raw_len = off + vlen;
	return TDV_OK;
}

void
tdv_der_init(tdv_der *d, const uint8_t *buf, size_t len, unsigned flags)
{
	d->p = buf;
	d->len = buf == NULL ? 0 : len;
	d->off = 0;
	d->flags = flags;
}

void
tdv_der_enter(tdv_der *d, const tdv_tlv *parent, unsigned flags)
{
	tdv_der_init(d, parent->value, parent->len, flags);
}

bool
tdv_der_at_end(const tdv_der *d)
{
	return d->off >= d->len;
}

int
tdv_der_next(tdv_der *d, tdv_tlv *out)
{
	if (d->off >= d->len)
		return TDV_ENOENT;
	int rc = tdv_tlv_read(d->p + d->off, d->len - d->off, d->flags, out);
	if (rc != TDV_OK)
		return rc;
	d->off += out->raw_len;
	return TDV_OK;
}

int
tdv_der_expect(tdv_der *d, uint32_t tag, tdv_tlv *out)
{
	int rc = tdv_der_next(d, out);
	if (rc == TDV_ENOENT)
		return TDV_ELDS_MISSING;
	if (rc != TDV_OK)
		return rc;
	return out->tag == tag ? TDV_OK : TDV_ELDS_TAG;
}

int
tdv_der_find(const uint8_t *buf, size_t len, uint32_t tag, tdv_tlv *out)
{
	tdv_der d;
	int rc;
	tdv_der_init(&d, buf, len, 0);
	while ((rc = tdv_der_next(&d, out)) == TDV_OK)
		if (out->tag == tag)
			return TDV_OK;
	return rc;
}

int
tdv_der_validate(const uint8_t *buf, size_t len, unsigned flags,
    int max_depth, size_t *ntlv, bool *non_canonical)
{
	size_t ends[TDV_DER_MAX_DEPTH + 1];
	int depth = 0;
	size_t off = 0, count = 0;
	bool nc = false;

	if (buf == NULL && len != 0)
		return TDV_EINVAL;
	if (max_depth < 1 || max_depth > TDV_DER_MAX_DEPTH)
		max_depth = TDV_DER_MAX_DEPTH;
	if (len == 0)
		return TDV_ETRUNCATED;
	ends[0] = len;
	while (off < len) {
		/* close every level that ends here */
		while (depth > 0 && off == ends[depth])
			depth--;
		if (off >= ends[depth])
			break;
		tdv_tlv t;
		int rc = tdv_tlv_read(buf + off, ends[depth] - off, flags, &t);
		if (rc != TDV_OK)
			return rc;
		count++;
		nc = nc || t.non_canonical;
		size_t hdr = t.raw_len - t.len;
		if (t.constructed && t.len > 0) {
			if (depth + 1 > max_depth)
				return TDV_EDER_DEPTH;
			depth++;
			ends[depth] = off + t.raw_len;
			off += hdr;
		} else {
			off += t.raw_len;
		}
	}
	if (ntlv != NULL)
		*ntlv = count;
	if (non_canonical != NULL)
		*non_canonical = nc;
	return TDV_OK;
}

int
tdv_der_oid_text(const uint8_t *v, size_t len, char *out, size_t outsz)
{
	size_t o = 0;
	uint64_t arc = 0;
	bool first = true;
	int arcbytes = 0;

	if (out == NULL || outsz == 0)
		return TDV_EINVAL;
	out[0] = '\0';
	if (v == NULL || len == 0 || len > 64)
		return TDV_EDER;
	if (v[len - 1] & 0x80)
		return TDV_EDER; /* last arc unterminated */
	for (size_t i = 0; i < len; i++) {
		if (arcbytes == 0 && v[i] == 0x80)
			return TDV_EDER; /* non-minimal arc encoding */
		if (++arcbytes > 9)
			return TDV_ELIMIT;
		arc = (arc << 7) | (v[i] & 0x7Fu);
		if (v[i] & 0x80)
			continue;
		int n;
		if (first) {
			unsigned long a = arc < 40 ? 0 : arc < 80 ? 1 : 2;
			n = snprintf(out + o, outsz - o, "%lu.%llu", a,
			    (unsigned long long)(arc - a * 40));
			first = false;
		} else {
			n = snprintf(out + o, outsz - o, ".%llu",
			    (unsigned long long)arc);
		}
		if (n < 0 || (size_t)n >= outsz - o) {
			out[0] = '\0';
			return TDV_ELIMIT;
		}
		o += (size_t)n;
		arc = 0;
		arcbytes = 0;
	}
	return TDV_OK;
}

int
tdv_der_small_int(const tdv_tlv *t, long *out)
{
	if (t == NULL || out == NULL)
		return TDV_EINVAL;
	if (t->tag != 0x02 || t->len == 0)
		return TDV_EDER;
	if (t->value[0] & 0x80)
		return TDV_ELIMIT; /* negative */
	size_t i = 0;
	while (i + 1 < t->len && t->value[i] == 0)
		i++;
	if (t->len - i > sizeof(long) - 1)
		return TDV_ELIMIT;
	long v = 0;
	for (; i < t->len; i++)
		v = (v << 8) | t->value[i];
	*out = v;
	return TDV_OK;
}

static size_t
header_encode(uint32_t tag, size_t len, uint8_t h[8])
{
	size_t n = 0;
	if (tag > 0xFFFF)
		h[n++] = (uint8_t)(tag >> 16);
	if (tag > 0xFF)
		h[n++] = (uint8_t)(tag >> 8);
	h[n++] = (uint8_t)tag;
	if (len < 0x80) {
		h[n++] = (uint8_t)len;
		return n;
	}
	size_t k = len <= 0xFF ? 1 : len <= 0xFFFF ? 2 : 3;
	h[n++] = (uint8_t)(0x80 | k);
	while (k-- > 0)
		h[n++] = (uint8_t)(len >> (8 * k));
	return n;
}

size_t
tdv_tlv_header_len(uint32_t tag, size_t len)
{
	uint8_t h[8];
	return header_encode(tag, len, h);
}

int
tdv_tlv_put_header(tdv_buf *b, uint32_t tag, size_t len)
{
	uint8_t h[8];
	if (tag > 0xFFFFFF || len > 0xFFFFFF)
		return TDV_ELIMIT;
	return tdv_buf_append(b, h, header_encode(tag, len, h));
}
