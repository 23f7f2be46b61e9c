/*
 * PC/SC transport (libpcsclite): list readers, wait for a card, connect
 * T=1 or T=0 and exchange APDUs. On T=0 a 61xx answer is followed by GET
 * RESPONSE and 6Cxx by a repeat with the right Le (ISO 7816-3 §12.2),
 * bounded by the transport's APDU budget.
 */
#include <stdlib.h>
#include <string.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include "chip/chip_internal.h"
#include "tdv/error.h"

struct pcsc {
	SCARDCONTEXT ctx;
	SCARDHANDLE card;
	DWORD proto;
};

#define READERS_MAX 16384

static int
pcsc_err(LONG r)
{
	switch (r) {
	case SCARD_S_SUCCESS:
		return TDV_OK;
	case SCARD_E_TIMEOUT:
		return TDV_ETIMEOUT;
	case SCARD_E_NO_READERS_AVAILABLE:
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_REMOVED_CARD:
		return TDV_ECHIP_NOCARD;
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
		return TDV_ECHIP_TRANSPORT;
	default:
		return TDV_ECHIP_TRANSPORT;
	}
}

/* Reader names as a multi-string (malloc'ed). */
static int
list(SCARDCONTEXT ctx, char **out, DWORD *len)
{
	DWORD n = 0;
	LONG r = SCardListReaders(ctx, NULL, NULL, &n);
	if (r != SCARD_S_SUCCESS)
		return pcsc_err(r);
	if (n == 0 || n > READERS_MAX)
		return TDV_ECHIP_NOCARD;
	char *b = calloc(1, n + 1);
	if (b == NULL)
		return TDV_ENOMEM;
	r = SCardListReaders(ctx, NULL, b, &n);
	if (r != SCARD_S_SUCCESS) {
		free(b);
		return pcsc_err(r);
	}
	*out = b;
	*len = n;
	return TDV_OK;
}

int
tdv_chip_pcsc_list_readers(tdv_buf *out)
{
	SCARDCONTEXT ctx;
	LONG r = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (r != SCARD_S_SUCCESS)
		return pcsc_err(r);
	char *names = NULL;
	DWORD n = 0;
	int rc = list(ctx, &names, &n);
	if (rc == TDV_OK) {
		for (const char *p = names; *p && p < names + n; p += strlen(p) + 1) {
			if ((rc = tdv_buf_puts(out, p)) != TDV_OK ||
			    (rc = tdv_buf_putc(out, '\n')) != TDV_OK)
				break;
		}
	}
	free(names);
	SCardReleaseContext(ctx);
	return rc;
}

static int
pcsc_transmit(void *vp, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
    size_t rcap, size_t *rlen)
{
	struct pcsc *p = vp;
	const SCARD_IO_REQUEST *pci = p->proto == SCARD_PROTOCOL_T0
	    ? SCARD_PCI_T0 : SCARD_PCI_T1;
	DWORD n = (DWORD)rcap;
	LONG r = SCardTransmit(p->card, pci, capdu, (DWORD)clen, NULL, rapdu, &n);
	if (r != SCARD_S_SUCCESS)
		return pcsc_err(r);
	if ((size_t)n > rcap)
		return TDV_ECHIP_TRANSPORT;
	*rlen = n;
	/* T=0 procedure bytes (a T=1 card never sends these) */
	for (int round = 0; round < 8 && p->proto == SCARD_PROTOCOL_T0 && n == 2;
	     round++) {
		uint8_t cmd[5];
		if (rapdu[0] == 0x6C && clen >= 4) {
			memcpy(cmd, capdu, 4);
			cmd[4] = rapdu[1];
		} else if (rapdu[0] == 0x61) {
			cmd[0] = capdu[0] & 0x03;
			cmd[1] = 0xC0;
			cmd[2] = cmd[3] = 0;
			cmd[4] = rapdu[1];
		} else {
			break;
		}
		n = (DWORD)rcap;
		r = SCardTransmit(p->card, pci, cmd, 5, NULL, rapdu, &n);
		if (r != SCARD_S_SUCCESS)
			return pcsc_err(r);
		*rlen = n;
	}
	return TDV_OK;
}

static void
pcsc_close(void *vp)
{
	struct pcsc *p = vp;
	if (p == NULL)
		return;
	SCardDisconnect(p->card, SCARD_RESET_CARD);
	SCardReleaseContext(p->ctx);
	free(p);
}

int
tdv_chip_transport_open_pcsc(tdv_chip_transport **out, const char *reader,
    int timeout_ms)
{
	if (out == NULL || timeout_ms < 0)
		return TDV_EINVAL;
	struct pcsc *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return TDV_ENOMEM;
	LONG r = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
	if (r != SCARD_S_SUCCESS) {
		free(p);
		return pcsc_err(r);
	}
	char *names = NULL;
	DWORD nl = 0;
	int rc = list(p->ctx, &names, &nl);
	if (rc != TDV_OK)
		goto fail;
	/* Candidate readers: the named one, or all of them. */
	SCARD_READERSTATE st[16];
	size_t ns = 0;
	for (const char *q = names; *q && q < names + nl && ns < 16;
	     q += strlen(q) + 1) {
		if (reader != NULL && strcmp(q, reader) != 0)
			continue;
		memset(&st[ns], 0, sizeof(st[ns]));
		st[ns].szReader = q;
		st[ns].dwCurrentState = SCARD_STATE_UNAWARE;
		ns++;
	}
	if (ns == 0) {
		rc = TDV_ENOENT;
		goto fail;
	}
	/* Wait until one of them has a card, up to timeout_ms. */
	const char *use = NULL;
	for (int round = 0; round < 64 && use == NULL; round++) {
		r = SCardGetStatusChange(p->ctx, round == 0 ? 0 : (DWORD)timeout_ms,
		    st, (DWORD)ns);
		if (r == SCARD_E_TIMEOUT && round > 0) {
			rc = TDV_ECHIP_NOCARD;
			goto fail;
		}
		if (r != SCARD_S_SUCCESS && r != SCARD_E_TIMEOUT) {
			rc = pcsc_err(r);
			goto fail;
		}
		for (size_t i = 0; i < ns; i++) {
			if ((st[i].dwEventState & SCARD_STATE_PRESENT) &&
			    !(st[i].dwEventState & SCARD_STATE_MUTE)) {
				use = st[i].szReader;
				break;
			}
			st[i].dwCurrentState = st[i].dwEventState;
		}
		if (use == NULL && timeout_ms == 0) {
			rc = TDV_ECHIP_NOCARD;
			goto fail;
		}
	}
	if (use == NULL) {
		rc = TDV_ECHIP_NOCARD;
		goto fail;
	}
	r = SCardConnect(p->ctx, use, SCARD_SHARE_EXCLUSIVE,
	    SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, &p->card, &p->proto);
	if (r == SCARD_E_SHARING_VIOLATION)
		r = SCardConnect(p->ctx, use, SCARD_SHARE_SHARED,
		    SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, &p->card, &p->proto);
	if (r != SCARD_S_SUCCESS) {
		rc = pcsc_err(r);
		goto fail;
	}
	uint8_t atr[MAX_ATR_SIZE];
	DWORD atrlen = sizeof(atr), state = 0, proto = 0, rnl = 0;
	r = SCardStatus(p->card, NULL, &rnl, &state, &proto, atr, &atrlen);
	if (r != SCARD_S_SUCCESS || atrlen > 36)
		atrlen = 0;
	free(names);
	names = NULL;
	rc = tdv__chip_transport_new(out, pcsc_transmit, pcsc_close, p, atr,
	    atrlen);
	if (rc != TDV_OK) {
		pcsc_close(p);
		return rc;
	}
	return TDV_OK;
fail:
	free(names);
	SCardReleaseContext(p->ctx);
	free(p);
	return rc;
}
