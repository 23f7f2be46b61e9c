/*
 * The APDU transport: one interface, two backends (PC/SC in pcsc.c and
 * an in-process callback here). The transport counts APDUs and enforces a
 * budget, so that a card that never stops answering ends the session.
 */
#include <stdlib.h>
#include <string.h>

#include "chip/chip_internal.h"
#include "tdv/error.h"

#define DEFAULT_BUDGET 100000UL

int
tdv__chip_transport_new(tdv_chip_transport **out, tdv_chip_transmit_fn fn,
    void (*close)(void *), void *ctx, const uint8_t *atr, size_t atrlen)
{
	if (out == NULL || fn == NULL || atrlen > sizeof((*out)->atr))
		return TDV_EINVAL;
	tdv_chip_transport *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return TDV_ENOMEM;
	t->fn = fn;
	t->close = close;
	t->ctx = ctx;
	t->budget = DEFAULT_BUDGET;
	if (atr != NULL && atrlen > 0) {
		memcpy(t->atr, atr, atrlen);
		t->atrlen = atrlen;
	}
	*out = t;
	return TDV_OK;
}

int
tdv_chip_transport_new_callback(tdv_chip_transport **out,
    tdv_chip_transmit_fn fn, void *ctx, const uint8_t *atr, size_t atrlen)
{
	return tdv__chip_transport_new(out, fn, NULL, ctx, atr, atrlen);
}

int
tdv_chip_transmit(tdv_chip_transport *t, const uint8_t *capdu, size_t clen,
    uint8_t *rapdu, size_t rcap, size_t *rlen)
{
	if (t == NULL || capdu == NULL || rapdu == NULL || rlen == NULL)
		return TDV_EINVAL;
	if (t->count >= t->budget)
		return TDV_ELIMIT;
	t->count++;
	*rlen = 0;
	int rc = t->fn(t->ctx, capdu, clen, rapdu, rcap, rlen);
	if (rc != TDV_OK)
		return rc;
	if (*rlen > rcap)
		return TDV_ECHIP_TRANSPORT;
	if (*rlen < 2)
		return TDV_ECHIP_TRANSPORT;
	return TDV_OK;
}

const uint8_t *
tdv_chip_transport_atr(const tdv_chip_transport *t, size_t *len)
{
	*len = t ? t->atrlen : 0;
	return t ? t->atr : NULL;
}

/*
 * Walk the ATR to its historical bytes (ISO 7816-3 §8.2) and look for the
 * card capabilities compact-TLV object (tag 7, ISO 7816-4 §8.1.1.2.7): its
 * third byte, bit b7 (0x40), announces extended Lc and Le fields.
 */
bool
tdv_chip_transport_extended(const tdv_chip_transport *t)
{
	if (t == NULL || t->atrlen < 2)
		return false;
	const uint8_t *a = t->atr;
	size_t n = t->atrlen, i = 1;
	size_t k = a[1] & 0x0F; /* number of historical bytes */
	uint8_t y = (uint8_t)(a[1] >> 4);
	i = 2;
	for (;;) {
		int cnt = ((y & 1) != 0) + ((y & 2) != 0) + ((y & 4) != 0);
		if (i + (size_t)cnt > n)
			return false;
		i += (size_t)cnt;
		if ((y & 8) == 0)
			break;
		if (i >= n)
			return false;
		y = (uint8_t)(a[i] >> 4);
		i++;
	}
	if (i + k > n || k < 1)
		return false;
	const uint8_t *h = a + i;
	if (h[0] != 0x80)
		return false; /* only the compact-TLV category is parsed */
	for (size_t j = 1; j < k;) {
		uint8_t tag = (uint8_t)(h[j] >> 4), l = (uint8_t)(h[j] & 0x0F);
		if (j + 1 + l > k)
			return false;
		if (tag == 7 && l >= 3)
			return (h[j + 3] & 0x40) != 0;
		j += 1 + (size_t)l;
	}
	return false;
}

unsigned long
tdv_chip_transport_apdus(const tdv_chip_transport *t)
{
	return t ? t->count : 0;
}

void
tdv_chip_transport_set_budget(tdv_chip_transport *t, unsigned long max)
{
	if (t != NULL)
		t->budget = max;
}

void
tdv_chip_transport_free(tdv_chip_transport **tp)
{
	if (tp == NULL || *tp == NULL)
		return;
	tdv_chip_transport *t = *tp;
	if (t->close != NULL)
		t->close(t->ctx);
	free(t);
	*tp = NULL;
}
