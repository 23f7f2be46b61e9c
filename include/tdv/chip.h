/*
 * tdverify chip access: talking to an eMRTD contactless chip.
 *
 *   transport   PC/SC (libpcsclite) or in-process (a callback, used with
 *               the emulator in tests and benchmarks)
 *   APDU        ISO 7816-4 command/response encoding, short and extended
 *   SM          secure messaging, ICAO 9303-11 §9.8 (3DES and AES)
 *   BAC         ICAO 9303-11 §4.3 (keys from the MRZ, §9.7)
 *   PACE        ICAO 9303-11 §4.4, Generic Mapping on ECDH and DH
 *   AA / CA     ICAO 9303-11 §6.1 Active Authentication, §6.2 Chip
 *               Authentication
 *   reader      tdv_chip_session: open a chip with BAC or PACE, read LDS
 *               files with as few APDUs as the card allows
 *
 * Every response from the card is hostile input: lengths are checked
 * against the bytes actually received, files are capped (TDV_CHIP_FILE_MAX),
 * and every exchange has an APDU budget so a card that never stops
 * answering ends with TDV_ELIMIT.
 *
 * Card-side helpers (tdv_sm_unwrap_command, tdv_sm_wrap_response,
 * tdv_apdu_parse_command) are public because the virtual ePassport
 * (tdv/emu.h) shares the same code paths.
 */
#ifndef TDV_CHIP_H
#define TDV_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdv/buf.h"
#include "tdv/lds.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest command or response APDU on the wire (extended length:
 * 4 header + 3 Lc + 65535 data + 3 Le; responses 65536 + SW). */
#define TDV_APDU_MAX 65544
/* No LDS file on a real chip is larger; a card claiming more is refused. */
#define TDV_CHIP_FILE_MAX (1024 * 1024)

/* ---------------------------------------------------------------- APDUs */

/* A command APDU. data/lc is the command data; le is the expected
 * response length: 0 = no Le field; 1..65536 (256 in a short APDU and
 * 65536 in an extended one are encoded as 00 / 0000). */
typedef struct tdv_apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t lc;
	size_t le;
	bool extended; /* force extended encoding (chosen anyway when needed) */
} tdv_apdu;

/* Encode a command APDU (ISO 7816-4 §5.1, cases 1-4, short or extended).
 * TDV_EINVAL when lc > 65535 or le > 65536; TDV_ELIMIT when cap is short. */
int tdv_apdu_encode(const tdv_apdu *a, uint8_t *out, size_t cap,
    size_t *outlen);

/* Parse a command APDU (card side). *a->data points into in. */
int tdv_apdu_parse_command(const uint8_t *in, size_t len, tdv_apdu *a);

/* Split a response APDU into data and status word. TDV_ECHIP_TRANSPORT
 * when shorter than the two SW bytes. */
int tdv_apdu_parse_response(const uint8_t *in, size_t len, size_t *datalen,
    uint16_t *sw);

/* ------------------------------------------------------------ transport */

typedef struct tdv_chip_transport tdv_chip_transport;

/* One exchange: send capdu, receive at most rcap bytes (data + SW).
 * Returns TDV_OK or a negative code. */
typedef int (*tdv_chip_transmit_fn)(void *ctx, const uint8_t *capdu,
    size_t clen, uint8_t *rapdu, size_t rcap, size_t *rlen);

/* In-process transport over a callback (the emulator, a scripted card in
 * tests). atr may be NULL. ctx is not owned. */
int tdv_chip_transport_new_callback(tdv_chip_transport **out,
    tdv_chip_transmit_fn fn, void *ctx, const uint8_t *atr, size_t atrlen);

/* PC/SC transport: connect to the named reader (NULL: the first reader
 * with a card), waiting up to timeout_ms for a card. T=1 or T=0. */
int tdv_chip_transport_open_pcsc(tdv_chip_transport **out, const char *reader,
    int timeout_ms);

/* List PC/SC reader names into out, one per line. */
int tdv_chip_pcsc_list_readers(tdv_buf *out);

/* Exchange one APDU (raw bytes). Counts APDUs; enforces the budget. */
int tdv_chip_transmit(tdv_chip_transport *t, const uint8_t *capdu, size_t clen,
    uint8_t *rapdu, size_t rcap, size_t *rlen);

/* The card's answer to reset (may be empty). */
const uint8_t *tdv_chip_transport_atr(const tdv_chip_transport *t, size_t *len);
/* True when the ATR's card capabilities announce extended Lc/Le
 * (ISO 7816-4 §8.1.1.2.7, third software function byte, b7). */
bool tdv_chip_transport_extended(const tdv_chip_transport *t);
/* Number of APDUs exchanged so far. */
unsigned long tdv_chip_transport_apdus(const tdv_chip_transport *t);
/* Maximum number of APDUs before TDV_ELIMIT (default 100000). */
void tdv_chip_transport_set_budget(tdv_chip_transport *t, unsigned long max);
void tdv_chip_transport_free(tdv_chip_transport **t);

/* ------------------------------------------------------ crypto helpers */

/* The secure messaging ciphers are tdv_sm_cipher of tdv/lds.h (the
 * SecurityInfos name them): TDV_CIPHER_3DES (two-key 3DES CBC, retail MAC),
 * TDV_CIPHER_AES128/192/256 (AES CBC, CMAC truncated to 8 bytes). */
typedef tdv_sm_cipher tdv_chip_cipher;

/* Key length in bytes (16, 16, 24, 32); block size (8 or 16). */
size_t tdv_chip_cipher_keylen(tdv_chip_cipher c);
size_t tdv_chip_cipher_blocklen(tdv_chip_cipher c);

/* ICAO 9303-11 §9.7.1 key derivation: KDF(K, counter). 3DES keys get odd
 * DES parity. out receives tdv_chip_cipher_keylen(c) bytes. */
int tdv_chip_kdf(tdv_chip_cipher c, const uint8_t *secret, size_t slen,
    uint32_t counter, uint8_t *out);

/* CBC without padding; len a multiple of the block size. iv NULL = 0. */
int tdv_chip_cbc(tdv_chip_cipher c, const uint8_t *key, const uint8_t *iv,
    bool encrypt, const uint8_t *in, size_t len, uint8_t *out);

/* 8-byte MAC: retail MAC (ISO 9797-1 alg. 3, DES) over in, which the
 * caller has padded, for 3DES; AES-CMAC truncated to 8 bytes for AES. */
int tdv_chip_mac(tdv_chip_cipher c, const uint8_t *key, const uint8_t *in,
    size_t len, uint8_t out[8]);

/* ISO 9797-1 padding method 2 into out (room for len + block). Returns
 * the padded length. */
size_t tdv_chip_pad(const uint8_t *in, size_t len, size_t block, uint8_t *out);

/* --------------------------------------------------- secure messaging */

typedef struct tdv_sm tdv_sm;

int tdv_sm_new(tdv_sm **out, tdv_chip_cipher c, const uint8_t *kenc,
    const uint8_t *kmac, const uint8_t *ssc);
/* Replace keys and SSC (Chip Authentication key switch). */
int tdv_sm_rekey(tdv_sm *sm, tdv_chip_cipher c, const uint8_t *kenc,
    const uint8_t *kmac, const uint8_t *ssc);
void tdv_sm_free(tdv_sm **sm);
tdv_chip_cipher tdv_sm_get_cipher(const tdv_sm *sm);
/* Current SSC (8 bytes for 3DES, 16 for AES). */
const uint8_t *tdv_sm_ssc(const tdv_sm *sm, size_t *len);

/* Host: protect a command (ICAO 9303-11 §9.8.4). Increments the SSC. */
int tdv_sm_wrap_command(tdv_sm *sm, const tdv_apdu *in, uint8_t *out,
    size_t cap, size_t *outlen);
/* Host: verify and decrypt a protected response. Increments the SSC.
 * On success data[0..*dlen) is the plaintext and *sw the protected SW.
 * TDV_ECHIP_SM on a bad MAC, missing DO99/DO8E, bad padding. */
int tdv_sm_unwrap_response(tdv_sm *sm, const uint8_t *resp, size_t len,
    uint8_t *data, size_t cap, size_t *dlen, uint16_t *sw);
/* Card: verify and decrypt a protected command into *out (data stored in
 * buf). Increments the SSC. */
int tdv_sm_unwrap_command(tdv_sm *sm, const uint8_t *capdu, size_t len,
    tdv_apdu *out, uint8_t *buf, size_t cap);
/* Card: protect a response (data + SW). Increments the SSC. */
int tdv_sm_wrap_response(tdv_sm *sm, const uint8_t *data, size_t dlen,
    uint16_t sw, uint8_t *out, size_t cap, size_t *outlen);

/* ------------------------------------------------------------- BAC */

/* MRZ information for BAC/PACE: document number (as printed, up to 20
 * characters incl. overflow), birth and expiry dates YYMMDD. */
typedef struct tdv_chip_mrz_key {
	char document_number[24];
	char birth_date[7];
	char expiry_date[7];
} tdv_chip_mrz_key;

/* Fill a key from the three fields; check digits are computed here.
 * TDV_EINVAL on characters outside the MRZ set. */
int tdv_chip_mrz_key_set(tdv_chip_mrz_key *k, const char *document_number,
    const char *birth_date, const char *expiry_date);

/* The key from a parsed MRZ (tdv/mrz.h): document number (overflow
 * included), birth and expiry dates as printed. The MRZ need not be
 * valid, but the three fields must be readable. */
int tdv_chip_mrz_key_from_mrz(tdv_chip_mrz_key *k, const tdv_mrz *m);

/* ICAO 9303-11 §9.7.2: "MRZ_information" (number+cd, birth+cd, expiry+cd)
 * written NUL-terminated into out (>= 44 bytes). */
int tdv_chip_mrz_information(const tdv_chip_mrz_key *k, char *out, size_t cap);

/* BAC basic access keys: Kseed = SHA-1(MRZ_information)[0..16],
 * Kenc = KDF(Kseed,1), Kmac = KDF(Kseed,2). */
int tdv_bac_keys(const tdv_chip_mrz_key *k, uint8_t kseed[16],
    uint8_t kenc[16], uint8_t kmac[16]);

/* Host side of BAC mutual authentication (ICAO 9303-11 §4.3.3) once the
 * challenge RND.IC is known. rnd_ifd and k_ifd are the terminal's random
 * values (tests pass the worked example's; NULL = random). Builds the
 * 40-byte MUTUAL AUTHENTICATE data into cmd. */
int tdv_bac_host_command(const uint8_t kenc[16], const uint8_t kmac[16],
    const uint8_t rnd_ic[8], const uint8_t rnd_ifd[8], const uint8_t k_ifd[16],
    uint8_t cmd[40]);
/* Verify the card's 40-byte answer, derive session keys and the SSC. */
int tdv_bac_host_finish(const uint8_t kenc[16], const uint8_t kmac[16],
    const uint8_t rnd_ic[8], const uint8_t rnd_ifd[8], const uint8_t k_ifd[16],
    const uint8_t *resp, size_t resplen, uint8_t ks_enc[16],
    uint8_t ks_mac[16], uint8_t ssc[8]);
/* Card side: check the terminal's command and answer it. k_ic NULL =
 * random. */
int tdv_bac_card_respond(const uint8_t kenc[16], const uint8_t kmac[16],
    const uint8_t rnd_ic[8], const uint8_t k_ic[16], const uint8_t *cmd,
    size_t cmdlen, uint8_t resp[40], uint8_t ks_enc[16], uint8_t ks_mac[16],
    uint8_t ssc[8]);

/* ------------------------------------------------------------- PACE */

typedef enum tdv_pace_password {
	TDV_PACE_MRZ = 1, /* password reference 01 */
	TDV_PACE_CAN = 2, /* password reference 02 */
} tdv_pace_password;

/* A PACE protocol: the OID's last two arcs and the domain parameters. */
typedef struct tdv_pace_proto {
	uint8_t oid[10];      /* 04 00 7F 00 07 02 02 04 xx yy */
	bool ecdh;            /* xx = 02 (ECDH GM), 01 (DH GM), 04 (ECDH IM) */
	bool integrated;      /* Integrated Mapping (ECDH, AES-128 only) */
	tdv_chip_cipher cipher;
	int parameter_id;     /* 9303-11 §9.5.1 standardized domain params */
} tdv_pace_proto;

/* Look a PACE OID up (DER content bytes). TDV_EUNSUPPORTED for mappings
 * and parameter ids not implemented (Integrated/Chip Auth. Mapping). */
int tdv_pace_proto_from_oid(const uint8_t *oid, size_t len, int parameter_id,
    tdv_pace_proto *out);
/* Is this standardized domain parameter id supported? (0-2 DH, 8-18 EC
 * curves available in OpenSSL). */
bool tdv_pace_parameter_supported(int parameter_id);

/* K from the password: SHA-1(MRZ_information) for MRZ, the ASCII CAN for
 * CAN. out >= 20 bytes; *outlen set. */
int tdv_pace_password_key(tdv_pace_password type, const tdv_chip_mrz_key *mrz,
    const char *can, uint8_t *out, size_t *outlen);

/* One side of a PACE generic mapping run, at the level of the worked
 * example: each step takes and gives public values in the wire encoding
 * (EC: uncompressed point 04||X||Y; DH: big-endian, length of p). */
typedef struct tdv_pace_ctx tdv_pace_ctx;

int tdv_pace_ctx_new(tdv_pace_ctx **out, const tdv_pace_proto *p);
void tdv_pace_ctx_free(tdv_pace_ctx **c);
/* Integrated Mapping (§4.4.3.3.2, Appendix B): G~ = f_G(R_p(s, t)) with
 * the chip's nonce s and the terminal's nonce t (block size each). */
int tdv_pace_map_integrated(tdv_pace_ctx *c, const uint8_t *s, size_t slen,
    const uint8_t *t, size_t tlen);
/* Mapping key pair: priv NULL = random; the public key into pub. */
int tdv_pace_map_keypair(tdv_pace_ctx *c, const uint8_t *priv, size_t privlen,
    tdv_buf *pub);
/* Generic mapping: G~ = s*G + x*PK_other (EC) or g^s * PK_other^x (DH). */
int tdv_pace_map(tdv_pace_ctx *c, const uint8_t *s, size_t slen,
    const uint8_t *other_pub, size_t other_len);
/* The mapped generator (same encoding as public keys). */
int tdv_pace_mapped_generator(tdv_pace_ctx *c, tdv_buf *out);
/* Ephemeral key pair on the mapped generator. */
int tdv_pace_eph_keypair(tdv_pace_ctx *c, const uint8_t *priv, size_t privlen,
    tdv_buf *pub);
/* Shared secret K (EC: x-coordinate; DH: the value, length of p), and
 * the session keys KSenc = KDF(K,1), KSmac = KDF(K,2). Rejects the peer's
 * key when it equals ours (9303-11 §4.4.3.4.2). */
int tdv_pace_agree(tdv_pace_ctx *c, const uint8_t *other_pub, size_t other_len,
    tdv_buf *shared, uint8_t *ks_enc, uint8_t *ks_mac);
/* Authentication token over a public key (9303-11 §4.4.3.5). */
int tdv_pace_token(const tdv_pace_proto *p, const uint8_t *ks_mac,
    const uint8_t *pub, size_t publen, uint8_t token[8]);
/* Nonce encryption/decryption with Kpi = KDF(K, 3) (CBC, IV 0). */
int tdv_pace_nonce_crypt(const tdv_pace_proto *p, const uint8_t *pw_key,
    size_t pw_len, bool encrypt, const uint8_t *in, size_t len, uint8_t *out);

/* ------------------------------------------------------- chip session */

typedef struct tdv_chip tdv_chip;

typedef enum tdv_chip_access {
	TDV_CHIP_ACCESS_NONE = 0,
	TDV_CHIP_ACCESS_BAC,
	TDV_CHIP_ACCESS_PACE,
} tdv_chip_access;

/* Progress callback (may be NULL): a short step name and file sizes. */
typedef void (*tdv_chip_progress_fn)(void *arg, const char *step,
    size_t done, size_t total);

int tdv_chip_new(tdv_chip **out, tdv_chip_transport *t);
void tdv_chip_free(tdv_chip **c);
void tdv_chip_set_progress(tdv_chip *c, tdv_chip_progress_fn fn, void *arg);

/* Read EF.CardAccess (SFI 1C) in the clear: TDV_ENOENT when absent. */
int tdv_chip_read_card_access(tdv_chip *c, tdv_buf *out);

/* SELECT the eMRTD application (A0 00 00 02 47 10 01). */
int tdv_chip_select_applet(tdv_chip *c);

/* BAC with MRZ keys; on success secure messaging is on. */
int tdv_chip_bac(tdv_chip *c, const tdv_chip_mrz_key *k);

/* PACE with the given protocol; mrz or can per type. On success secure
 * messaging is on and the applet is selected. */
int tdv_chip_pace(tdv_chip *c, const tdv_pace_proto *p, tdv_pace_password type,
    const tdv_chip_mrz_key *mrz, const char *can);

tdv_chip_access tdv_chip_access_used(const tdv_chip *c);

/* Read one EF by its short file identifier (1..31) into out (bounded by
 * TDV_CHIP_FILE_MAX). The first READ BINARY asks for the largest chunk the
 * card accepts; the TLV header in it gives the file size; the rest follows
 * in the largest chunks. TDV_ENOENT when the file is absent (6A82),
 * TDV_EPERM when access is denied (6982). */
int tdv_chip_read_ef(tdv_chip *c, uint8_t sfi, tdv_buf *out);

/* Send a command through secure messaging (when on) and return data/SW. */
int tdv_chip_command(tdv_chip *c, const tdv_apdu *a, uint8_t *resp,
    size_t rcap, size_t *rlen, uint16_t *sw);

/* Largest plaintext chunk per READ BINARY under the current settings. */
size_t tdv_chip_max_read(const tdv_chip *c);

/* Active Authentication (9303-11 §6.1): INTERNAL AUTHENTICATE with a
 * random challenge, verified with the DG15 public key (DER
 * SubjectPublicKeyInfo). RSA: ISO 9796-2 scheme 1; EC: plain ECDSA with
 * hash_nid (0 = by key size). TDV_ECHIP_AUTH when the signature fails. */
int tdv_chip_active_auth(tdv_chip *c, const uint8_t *spki, size_t spkilen,
    int hash_nid);

/* Chip Authentication (9303-11 §6.2) with the chip's static public key
 * from DG14 (DER SubjectPublicKeyInfo) and the CA protocol cipher;
 * key_id < 0 when DG14 gives none. On success secure messaging uses the
 * new keys; a chip without the private key fails with TDV_ECHIP_AUTH on
 * the next protected response (the key switch is verified by reading
 * the first bytes of EF.COM under the new keys). */
int tdv_chip_chip_auth(tdv_chip *c, const uint8_t *spki, size_t spkilen,
    tdv_chip_cipher cipher, long key_id);

/* Chip side of Chip Authentication: with the chip's static private key
 * (PEM or DER) and the terminal's ephemeral public key (wire encoding),
 * the new session keys. */
int tdv_ca_card_derive(const uint8_t *key, size_t keylen, const uint8_t *eph,
    size_t ephlen, tdv_chip_cipher cipher, uint8_t *ks_enc, uint8_t *ks_mac);

/* Verify an ISO 9796-2 scheme 1 / ECDSA AA signature (exposed for tests). */
int tdv_aa_verify(const uint8_t *spki, size_t spkilen, int hash_nid,
    const uint8_t *challenge, size_t clen, const uint8_t *sig, size_t siglen);
/* Hash for an AA ECDSA signature from DG14's ActiveAuthenticationInfo
 * signatureAlgorithm (dotted, ecdsa-plain-SHAxxx of BSI TR-03111); 0 when
 * unknown or NULL. */
int tdv_aa_hash_nid(const char *sig_alg_oid);

/* Produce one (card side, emulator). key is a PEM or DER private key. */
int tdv_aa_sign(const uint8_t *key, size_t keylen, int hash_nid,
    const uint8_t *challenge, size_t clen, tdv_buf *sig);

/* ------------------------------------------------- reading a document */

typedef struct tdv_chip_read_options {
	const tdv_chip_mrz_key *mrz; /* MRZ key (BAC, PACE-MRZ); may be NULL */
	const char *can;             /* CAN (PACE only); may be NULL */
	bool no_pace;                /* use BAC even when PACE is offered */
	bool no_aa, no_ca;           /* skip Active / Chip Authentication */
} tdv_chip_read_options;

/* What happened; *_rc: TDV_OK passed, TDV_ENOENT not offered by the chip
 * (or skipped), TDV_ECHIP_AUTH failed, another code when it could not
 * run. */
typedef struct tdv_chip_report {
	tdv_chip_access access;
	char pace_oid[32];       /* dotted, when PACE was used */
	int pace_parameter_id;
	int aa_rc;
	int ca_rc;
	int nfiles;              /* files read */
	int files[TDV_EF_COUNT]; /* their tdv_lds_ef ids, in reading order */
	int nskipped;            /* listed in EF.COM but refused/absent */
	int skipped[TDV_EF_COUNT];
	int skipped_rc[TDV_EF_COUNT];
	size_t bytes;            /* file bytes read */
	unsigned long apdus;     /* APDUs exchanged in total */
	unsigned long read_apdus; /* READ BINARY commands */
	size_t max_read;         /* bytes per READ BINARY used */
} tdv_chip_report;

/*
 * Read a whole document: PACE when EF.CardAccess offers a supported
 * PACEInfo (else BAC), EF.COM, EF.SOD and every data group EF.COM lists
 * (DG3/DG4 are EAC-protected and skipped), then AA (DG15) and CA (DG14).
 * Files go into out. Fails only when access control fails or a file
 * cannot be read for another reason than absence/permission; AA/CA
 * results are in the report.
 */
int tdv_chip_read_document(tdv_chip *c, const tdv_chip_read_options *o,
    tdv_lds *out, tdv_chip_report *rep);

#ifdef __cplusplus
}
#endif
#endif
