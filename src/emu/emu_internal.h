/* Internal state of the virtual ePassport (src/emu/). */
#ifndef TDV_EMU_INTERNAL_H
#define TDV_EMU_INTERNAL_H

#include "chip/chip_internal.h"
#include "tdv/emu.h"

struct tdv_emu {
	tdv_emu_options opt;
	tdv_lds *lds;             /* the files served */
	tdv_chip_mrz_key mrz;     /* BAC / PACE-MRZ key */
	tdv_buf aa_key, ca_key;   /* PEM private keys (empty when absent) */
	tdv_secinfos card_access; /* PACEInfos offered */
	tdv_secinfos dg14;        /* CA and AA infos */
	bool pace_ok;
	int aa_hash;              /* NID for ECDSA AA, 0 by key size */

	/* session */
	bool in_applet;
	int cur_ef;
	tdv_chip_access access;
	tdv_chip_access pending_access;
	tdv_sm *sm;
	tdv_sm *pending_sm;       /* takes over after the current response */
	uint8_t rnd_ic[8];
	bool have_challenge;

	/* PACE in progress */
	int pace_step;            /* 0 none, 1..4 next GENERAL AUTHENTICATE */
	tdv_pace_proto pace_proto;
	tdv_pace_password pace_pw;
	tdv_pace_ctx *pace;
	uint8_t pace_s[16];
	size_t pace_slen;
	uint8_t pace_ksenc[32], pace_ksmac[32];
	uint8_t pace_ifd_pub[1024], pace_ic_pub[1024];
	size_t pace_ifd_len, pace_ic_len;

	/* Chip Authentication (AES: after MSE:Set AT) */
	bool ca_set;
	tdv_chip_cipher ca_cipher;

	uint8_t *wbuf;            /* response plaintext */
	uint8_t *ibuf;            /* unwrapped command data */
	unsigned long apdus;
};

#endif
