/*
 * Fuzz secure messaging unwrap, both directions, 3DES and AES (ICAO
 * 9303-11 §9.8). byte 0: bit 0 cipher (3DES/AES-128), bits 1-2 mode:
 *   0 host unwraps the input as a protected response
 *   1 card unwraps the input as a protected command
 *   2 the input is the DO area of a response whose MAC is made valid
 *     here, so decryption and padding checks are reached
 *   3 round trip: wrap the input as response data, unwrap, compare
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tdv/chip.h"
#include "tdv/error.h"

static const uint8_t kenc[16] = {0x97, 0x9E, 0xC1, 0x3B, 0x1C, 0xBF, 0xE9,
    0xDC, 0xD0, 0x1A, 0xB0, 0xFE, 0xD3, 0x07, 0xEA, 0xE5};
static const uint8_t kmac[16] = {0xF1, 0xCB, 0x1F, 0x1F, 0xB5, 0xAD, 0xF2,
    0x08, 0x80, 0x6B, 0x89, 0xDC, 0x57, 0x9D, 0xC1, 0xF8};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[TDV_APDU_MAX], buf[TDV_APDU_MAX], tmp[TDV_APDU_MAX];
	if (size < 1 || size > 70000)
		return 0;
	tdv_chip_cipher c = (data[0] & 1) ? TDV_CIPHER_AES128 : TDV_CIPHER_3DES;
	int mode = (data[0] >> 1) & 3;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	tdv_sm *sm = NULL;
	if (tdv_sm_new(&sm, c, kenc, kmac, NULL) != TDV_OK)
		return 0;
	size_t dl = 0;
	uint16_t sw = 0;
	if (mode == 0) {
		(void)tdv_sm_unwrap_response(sm, p, n, out, sizeof(out), &dl, &sw);
	} else if (mode == 1) {
		tdv_apdu a;
		(void)tdv_sm_unwrap_command(sm, p, n, &a, buf, sizeof(buf));
	} else if (mode == 2 && n + 32 < sizeof(tmp)) {
		/* DOs || 8E 08 MAC(SSC+1 || pad(DOs)) || 90 00 */
		size_t bl = tdv_chip_cipher_blocklen(c), sl = bl;
		uint8_t ssc[16] = {0};
		ssc[sl - 1] = 1;
		memcpy(tmp, ssc, sl);
		memcpy(tmp + sl, p, n);
		size_t ml = tdv_chip_pad(tmp, sl + n, bl, tmp);
		uint8_t mac[8];
		if (tdv_chip_mac(c, kmac, tmp, ml, mac) == TDV_OK) {
			memcpy(buf, p, n);
			buf[n] = 0x8E;
			buf[n + 1] = 0x08;
			memcpy(buf + n + 2, mac, 8);
			buf[n + 10] = 0x90;
			buf[n + 11] = 0x00;
			(void)tdv_sm_unwrap_response(sm, buf, n + 12, out, sizeof(out),
			    &dl, &sw);
		}
	} else if (mode == 3 && n <= 60000) {
		tdv_sm *card = NULL;
		size_t wl = 0;
		if (tdv_sm_new(&card, c, kenc, kmac, NULL) == TDV_OK &&
		    tdv_sm_wrap_response(card, p, n, 0x9000, buf, sizeof(buf), &wl) ==
			TDV_OK) {
			if (tdv_sm_unwrap_response(sm, buf, wl, out, sizeof(out), &dl,
				&sw) != TDV_OK ||
			    dl != n || sw != 0x9000 || (n && memcmp(out, p, n) != 0))
				abort(); /* round trip must be exact */
		}
		tdv_sm_free(&card);
	}
	tdv_sm_free(&sm);
	return 0;
}
