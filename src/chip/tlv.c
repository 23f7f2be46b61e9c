/*
 * BER-TLV helpers for protocol data objects inside APDUs (ISO 7816-4 §5.2
 * and §10: secure messaging DOs 87/97/99/8E, dynamic authentication data
 * 7C). Not an LDS parser: LDS files are parsed by src/lds/.
 * Lengths are at most three bytes (82 xx xx); anything longer or running
 * past the buffer is TDV_EPARSE.
 */
#include "chip/chip_internal.h"
#include "tdv/error.h"

int
tdv__tlv_header(const uint8_t *buf, size_t len, unsigned *tag, size_t *vlen,
    size_t *hdr)
{
	size_t i = 0;
	if (len < 2)
		return TDV_EPARSE;
	unsigned t = buf[i++];
	if ((t & 0x1F) == 0x1F) {
		if (i >= len || (buf[i] & 0x80) != 0)
			return TDV_EPARSE; /* tags of more than two bytes */
		t = (t << 8) | buf[i++];
	}
	if (i >= len)
		return TDV_EPARSE;
	size_t l = buf[i++];
	if (l == 0x81) {
		if (i + 1 > len)
			return TDV_EPARSE;
		l = buf[i++];
	} else if (l == 0x82) {
		if (i + 2 > len)
			return TDV_EPARSE;
		l = ((size_t)buf[i] << 8) | buf[i + 1];
		i += 2;
	} else if (l == 0x83) {
		if (i + 3 > len)
			return TDV_EPARSE;
		l = ((size_t)buf[i] << 16) | ((size_t)buf[i + 1] << 8) | buf[i + 2];
		i += 3;
	} else if (l > 0x7F) {
		return TDV_EPARSE;
	}
	*tag = t;
	*vlen = l;
	*hdr = i;
	return TDV_OK;
}

int
tdv__tlv_find(const uint8_t *buf, size_t len, unsigned tag,
    const uint8_t **val, size_t *vlen)
{
	size_t off = 0;
	while (off < len) {
		unsigned t;
		size_t l, h;
		int rc = tdv__tlv_header(buf + off, len - off, &t, &l, &h);
		if (rc != TDV_OK)
			return rc;
		if (l > len - off - h)
			return TDV_EPARSE;
		if (t == tag) {
			*val = buf + off + h;
			*vlen = l;
			return TDV_OK;
		}
		off += h + l;
	}
	return TDV_ENOENT;
}

int
tdv__tlv_put(tdv_buf *b, unsigned tag, const uint8_t *v, size_t vlen)
{
	uint8_t h[6];
	size_t n = 0;
	if (tag > 0xFF)
		h[n++] = (uint8_t)(tag >> 8);
	h[n++] = (uint8_t)tag;
	if (vlen < 0x80) {
		h[n++] = (uint8_t)vlen;
	} else if (vlen <= 0xFF) {
		h[n++] = 0x81;
		h[n++] = (uint8_t)vlen;
	} else if (vlen <= 0xFFFF) {
		h[n++] = 0x82;
		h[n++] = (uint8_t)(vlen >> 8);
		h[n++] = (uint8_t)vlen;
	} else {
		return TDV_ELIMIT;
	}
	int rc = tdv_buf_append(b, h, n);
	if (rc == TDV_OK && vlen > 0)
		rc = tdv_buf_append(b, v, vlen);
	return rc;
}
