/*
 * The virtual ePassport: a contactless eMRTD chip in software, serving a
 * personalised LDS (tdverify personalise) to the real PC/SC stack through
 * Debian's vsmartcard-vpcd driver, or in-process to tdv/chip.h.
 *
 * It speaks ISO 7816-4 and ICAO 9303-11: SELECT (AID, FID, MF), READ
 * BINARY (B0 with SFI or offset, B1 with DO54), GET CHALLENGE, MUTUAL
 * AUTHENTICATE (BAC), MSE:Set AT / GENERAL AUTHENTICATE (PACE GM and Chip
 * Authentication), MSE:Set KAT (CA 3DES), INTERNAL AUTHENTICATE (AA),
 * secure messaging, and a real chip's access rules: only EF.CardAccess is
 * readable before BAC/PACE, DG3/DG4 are refused (EAC), a wrong MAC or an
 * unprotected command ends the session.
 *
 * --clone: the files are copied but the AA and CA private keys are not;
 * the clone answers with keys of its own, so AA and CA fail.
 */
#ifndef TDV_EMU_H
#define TDV_EMU_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdv/chip.h"
#include "tdv/lds.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdv_emu_options {
	bool bac;           /* offer BAC (default true) */
	bool pace;          /* offer PACE when EF.CardAccess exists (true) */
	bool aa;            /* Active Authentication (true when a key exists) */
	bool clone;         /* copied data, no private keys */
	bool extended;      /* extended length APDUs (true) */
	char can[16];       /* Card Access Number ("" = none) */
} tdv_emu_options;

/* Defaults: everything on, CAN "123456". */
void tdv_emu_options_default(tdv_emu_options *o);

typedef struct tdv_emu tdv_emu;

/*
 * A chip serving the files of lds (copied), opened with the MRZ key mrz,
 * with the AA and CA private keys (PEM or DER; NULL when absent).
 */
int tdv_emu_new(tdv_emu **out, const tdv_lds *lds, const tdv_chip_mrz_key *mrz,
    const uint8_t *aa_key, size_t aa_len, const uint8_t *ca_key, size_t ca_len,
    const tdv_emu_options *o);

/* Load a personalised directory: the LDS files, mrz.txt (the access key),
 * aa-key.pem and ca-key.pem when present. */
int tdv_emu_load_dir(tdv_emu **out, const char *dir, const tdv_emu_options *o);

void tdv_emu_free(tdv_emu **e);

/* Power cycle: back to the master file, no access, no SM. */
void tdv_emu_reset(tdv_emu *e);

/* The answer to reset (contactless, T=1; card capabilities announce
 * extended length when enabled). */
size_t tdv_emu_atr(const tdv_emu *e, uint8_t *atr, size_t cap);

/* Process one command APDU; always produces a response (at least a SW). */
int tdv_emu_process(tdv_emu *e, const uint8_t *capdu, size_t clen,
    uint8_t *rapdu, size_t rcap, size_t *rlen);

/* An in-process transport to this chip (the chip must outlive it). */
int tdv_emu_transport(tdv_emu *e, tdv_chip_transport **out);

/* Commands processed since creation. */
unsigned long tdv_emu_apdus(const tdv_emu *e);

/*
 * Serve the chip to a vpcd driver (vsmartcard vpcd protocol: 2-byte
 * big-endian length, then the message; a 1-byte message is a control:
 * 0 power off, 1 power on, 2 reset, 4 get ATR). Connects to host:port
 * (retrying for up to connect_timeout_ms) and serves until the driver
 * closes the connection or *stop becomes non-zero.
 */
int tdv_emu_serve_vpcd(tdv_emu *e, const char *host, int port,
    int connect_timeout_ms, volatile sig_atomic_t *stop);

#ifdef __cplusplus
}
#endif
#endif
