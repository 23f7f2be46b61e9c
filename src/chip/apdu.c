/*
 * ISO/IEC 7816-4 §5.1 command and response APDUs: the four cases in
 * short and extended length. Parsing never trusts a length byte: every
 * field is checked against the bytes actually present.
 */
#include <string.h>

#include "tdv/chip.h"
#include "tdv/error.h"

int
tdv_apdu_encode(const tdv_apdu *a, uint8_t *out, size_t cap, size_t *outlen)
{
	if (a == NULL || out == NULL || outlen == NULL)
		return TDV_EINVAL;
	if (a->lc > 65535 || a->le > 65536 || (a->lc > 0 && a->data == NULL))
		return TDV_EINVAL;
	bool ext = a->extended || a->lc > 255 || a->le > 256;
	size_t need = 4 + a->lc;
	if (a->lc > 0)
		need += ext ? 3 : 1;
	if (a->le > 0)
		need += ext ? (a->lc > 0 ? 2 : 3) : 1;
	if (need > cap)
		return TDV_ELIMIT;
	size_t n = 0;
	out[n++] = a->cla;
	out[n++] = a->ins;
	out[n++] = a->p1;
	out[n++] = a->p2;
	if (a->lc > 0) {
		if (ext) {
			out[n++] = 0;
			out[n++] = (uint8_t)(a->lc >> 8);
			out[n++] = (uint8_t)a->lc;
		} else {
			out[n++] = (uint8_t)a->lc;
		}
		memcpy(out + n, a->data, a->lc);
		n += a->lc;
	}
	if (a->le > 0) {
		size_t le = a->le;
		if (ext) {
			if (a->lc == 0)
				out[n++] = 0;
			le = le == 65536 ? 0 : le;
			out[n++] = (uint8_t)(le >> 8);
			out[n++] = (uint8_t)le;
		} else {
			out[n++] = (uint8_t)(le == 256 ? 0 : le);
		}
	}
	*outlen = n;
	return TDV_OK;
}

int
tdv_apdu_parse_command(const uint8_t *in, size_t len, tdv_apdu *a)
{
	if (in == NULL || a == NULL)
		return TDV_EINVAL;
	memset(a, 0, sizeof(*a));
	if (len < 4)
		return TDV_ETRUNCATED;
	a->cla = in[0];
	a->ins = in[1];
	a->p1 = in[2];
	a->p2 = in[3];
	const uint8_t *b = in + 4;
	size_t n = len - 4;
	if (n == 0)
		return TDV_OK; /* case 1 */
	if (n == 1) {         /* case 2 short */
		a->le = b[0] ? b[0] : 256;
		return TDV_OK;
	}
	if (b[0] != 0) { /* short Lc */
		size_t lc = b[0];
		if (n == 1 + lc) { /* case 3 short */
			a->lc = lc;
			a->data = b + 1;
			return TDV_OK;
		}
		if (n == 2 + lc) { /* case 4 short */
			a->lc = lc;
			a->data = b + 1;
			a->le = b[1 + lc] ? b[1 + lc] : 256;
			return TDV_OK;
		}
		return TDV_EPARSE;
	}
	/* b[0] == 0: extended */
	a->extended = true;
	if (n == 3) { /* case 2 extended */
		size_t le = ((size_t)b[1] << 8) | b[2];
		a->le = le ? le : 65536;
		return TDV_OK;
	}
	if (n < 3)
		return TDV_EPARSE;
	size_t lc = ((size_t)b[1] << 8) | b[2];
	if (lc == 0)
		return TDV_EPARSE;
	if (n == 3 + lc) {
		a->lc = lc;
		a->data = b + 3;
		return TDV_OK;
	}
	if (n == 5 + lc) {
		size_t le = ((size_t)b[3 + lc] << 8) | b[4 + lc];
		a->lc = lc;
		a->data = b + 3;
		a->le = le ? le : 65536;
		return TDV_OK;
	}
	return TDV_EPARSE;
}

int
tdv_apdu_parse_response(const uint8_t *in, size_t len, size_t *datalen,
    uint16_t *sw)
{
	if (in == NULL || datalen == NULL || sw == NULL)
		return TDV_EINVAL;
	if (len < 2)
		return TDV_ECHIP_TRANSPORT;
	*datalen = len - 2;
	*sw = (uint16_t)((in[len - 2] << 8) | in[len - 1]);
	return TDV_OK;
}
