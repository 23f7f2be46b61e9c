/*
 * Movement ids: ULID layout (48-bit millisecond time, then 80 random bits
 * from libsodium's CSPRNG), written as 26 Crockford base32 characters, so
 * ids sort by time as text and never collide across checkpoints.
 */
#include <sodium.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/store.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int
tdv_ulid_new(int64_t time_ms, char out[TDV_ULID_LEN + 1])
{
	if (time_ms < 0 || (uint64_t)time_ms >= (UINT64_C(1) << 48))
		return TDV_EINVAL;
	unsigned char b[16];
	uint64_t t = (uint64_t)time_ms;
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(t >> (40 - 8 * i));
	randombytes_buf(b + 6, 10);
	/* 128 bits as 26 base32 digits: the first digit holds the top 3 bits */
	for (int i = 0; i < TDV_ULID_LEN; i++) {
		int bit = 128 - 5 * (TDV_ULID_LEN - i); /* may be negative for i = 0 */
		unsigned v = 0;
		for (int k = 0; k < 5; k++) {
			int pos = bit + k;
			v <<= 1;
			if (pos >= 0)
				v |= (unsigned)(b[pos / 8] >> (7 - pos % 8)) & 1u;
		}
		out[i] = crockford[v];
	}
	out[TDV_ULID_LEN] = '\0';
	return TDV_OK;
}
