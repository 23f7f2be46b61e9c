/*
 * Logical Data Structure of an eMRTD chip (ICAO Doc 9303-10) and the
 * bounded DER/BER-TLV reader it is parsed with.
 *
 * Two layers:
 *  - tdv_tlv / tdv_der_*: one TLV at a time over a caller's buffer, lengths
 *    checked against the buffer before use, multi-byte tags (5F1F, 7F61),
 *    nesting walked with an explicit depth limit (no unbounded recursion).
 *  - tdv_lds_parse_*: one parser per elementary file. Each fills a plain
 *    struct whose pointers point INTO the caller's buffer (keep it alive).
 *
 * tdv_lds is the container for one document's files as read from a chip or
 * a directory (see docs/man/tdverify-personalise.1 for the directory
 * layout). It owns copies of the bytes.
 *
 * Nothing here verifies signatures; that is Passive Authentication
 * (tdv/pa.h). This header has no OpenSSL types.
 */
#ifndef TDV_LDS_H
#define TDV_LDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdv/date.h"
#include "tdv/json.h"
#include "tdv/mrz.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* DER / BER-TLV reader                                                */
/* ------------------------------------------------------------------ */

#define TDV_DER_MAX_DEPTH 64 /* nesting limit of tdv_der_validate() */

/* Reader flags. */
#define TDV_DER_STRICT 0x01 /* reject non-minimal lengths (BER) with TDV_EDER */

/* One TLV. tag is the tag bytes read as a big-endian number (0x30, 0x5F1F,
 * 0x7F61); at most 4 tag bytes. */
typedef struct tdv_tlv {
	uint32_t tag;
	bool constructed;
	bool non_canonical;  /* length not in minimal DER form (BER accepted) */
	const uint8_t *value;
	size_t len;          /* value length */
	const uint8_t *raw;  /* the whole TLV: tag, length and value */
	size_t raw_len;
} tdv_tlv;

/*
 * Read one TLV at the start of buf[0..len). Indefinite lengths are
 * rejected (TDV_EDER); a length past the end of buf gives TDV_ETRUNCATED;
 * lengths over 2^31 give TDV_ELIMIT. Never reads outside buf.
 */
int tdv_tlv_read(const uint8_t *buf, size_t len, unsigned flags, tdv_tlv *out);

/* A cursor over consecutive TLVs (the children of a constructed TLV, or a
 * whole file). */
typedef struct tdv_der {
	const uint8_t *p;
	size_t len;
	size_t off;
	unsigned flags;
} tdv_der;

void tdv_der_init(tdv_der *d, const uint8_t *buf, size_t len, unsigned flags);
/* Cursor over the value of a TLV. */
void tdv_der_enter(tdv_der *d, const tdv_tlv *parent, unsigned flags);
/* Next TLV: TDV_OK, TDV_ENOENT at the end, or a parse error. */
int tdv_der_next(tdv_der *d, tdv_tlv *out);
/* Next TLV, which must carry the given tag (TDV_ELDS_TAG otherwise,
 * TDV_ELDS_MISSING at the end). */
int tdv_der_expect(tdv_der *d, uint32_t tag, tdv_tlv *out);

/*
 * The DER header (tag bytes, minimal definite length) of a TLV whose
 * value is len bytes: its size, and appended to b. Tags of up to 3 bytes,
 * lengths up to 2^24 - 1 (TDV_ELIMIT past that).
 */
size_t tdv_tlv_header_len(uint32_t tag, size_t len);
int tdv_tlv_put_header(tdv_buf *b, uint32_t tag, size_t len);
bool tdv_der_at_end(const tdv_der *d);
/* First sibling with the tag among the TLVs in buf[0..len). TDV_ENOENT
 * when absent. */
int tdv_der_find(const uint8_t *buf, size_t len, uint32_t tag, tdv_tlv *out);

/*
 * Walk the whole TLV tree in buf (every constructed TLV is descended into)
 * with an explicit stack. buf must hold exactly one or more complete TLVs.
 * TDV_EDER_DEPTH past max_depth (<= TDV_DER_MAX_DEPTH). *ntlv (optional)
 * receives the TLV count, *non_canonical (optional) whether any length was
 * not minimal DER.
 */
int tdv_der_validate(const uint8_t *buf, size_t len, unsigned flags,
    int max_depth, size_t *ntlv, bool *non_canonical);

/* Dotted text of an OBJECT IDENTIFIER's value ("2.23.136.1.1.1").
 * TDV_EDER for a malformed OID, TDV_ELIMIT if out is too small. */
int tdv_der_oid_text(const uint8_t *v, size_t len, char *out, size_t outsz);

/* Value of a small non-negative INTEGER TLV (0..LONG_MAX); TDV_ELIMIT for
 * larger or negative ones. */
int tdv_der_small_int(const tdv_tlv *t, long *out);

/* ------------------------------------------------------------------ */
/* Elementary files                                                    */
/* ------------------------------------------------------------------ */

/* Identifiers of the files this module knows. DGn is n (1..16). */
typedef enum tdv_lds_ef {
	TDV_EF_DG1 = 1,
	TDV_EF_DG2 = 2,
	TDV_EF_DG7 = 7,
	TDV_EF_DG11 = 11,
	TDV_EF_DG12 = 12,
	TDV_EF_DG13 = 13,
	TDV_EF_DG14 = 14,
	TDV_EF_DG15 = 15,
	TDV_EF_DG16 = 16,
	TDV_EF_SOD = 17,
	TDV_EF_COM = 18,
	TDV_EF_CARDACCESS = 19,
	TDV_EF_CARDSECURITY = 20,
	TDV_EF_COUNT = 21
} tdv_lds_ef;

#define TDV_LDS_MAX_FILE (1u << 20) /* larger files are refused: TDV_ELIMIT */

/* "DG1".."DG16", "EF.SOD", "EF.COM", "EF.CardAccess", "EF.CardSecurity";
 * NULL for an unknown id. */
const char *tdv_lds_ef_name(int ef);
/* File name in an LDS directory: "DG1.bin".."DG16.bin", "EF.SOD", "EF.COM",
 * "EF.CardAccess", "EF.CardSecurity"; NULL for an unknown id. */
const char *tdv_lds_ef_filename(int ef);
/* ISO 7816-4 file identifier (DGn 0x0100+n, SOD 0x011D, COM 0x011E,
 * CardAccess 0x011C, CardSecurity 0x011D in the master file); -1 if none. */
int tdv_lds_ef_fid(int ef);
/* Short EF identifier (DGn n, SOD 0x1D, COM 0x1E, CardAccess 0x1C,
 * CardSecurity 0x1D); -1 if none. */
int tdv_lds_ef_sfi(int ef);
/* Outer tag of the file (DG1 0x61, DG2 0x75, ..., SOD 0x77, COM 0x60);
 * 0 for files without one (CardAccess, CardSecurity). */
uint32_t tdv_lds_ef_tag(int ef);
/* Data group number (1..16) for a DG tag in EF.COM's tag list; 0 if none. */
int tdv_lds_dg_from_tag(uint32_t tag);

/* EF.COM (9303-10 §4.6.1). */
typedef struct tdv_lds_com {
	char lds_version[5];     /* "0107" (5F01, "aabb" = version aa.bb) */
	char unicode_version[7]; /* "040000" (5F36) */
	int ndgs;
	int dgs[16];             /* data group numbers listed in tag 5C, in order */
} tdv_lds_com;

int tdv_lds_parse_com(const uint8_t *buf, size_t len, tdv_lds_com *out);

/* DG1: the MRZ (tag 5F1F), parsed by the MRZ engine. */
typedef struct tdv_lds_dg1 {
	char mrz_text[3 * TDV_MRZ_LINE_MAX + 4]; /* lines joined with '\n' */
	int mrz_rc;    /* tdv_mrz_parse_text() result; mrz.valid says it all */
	tdv_mrz mrz;
} tdv_lds_dg1;

/* TDV_OK when the TLV structure is right and the MRZ has 88 (TD3),
 * 72 (TD2) or 90 (TD1) characters, even if a check digit is wrong (see
 * out->mrz). `today` as for tdv_mrz_parse(). */
int tdv_lds_parse_dg1(const uint8_t *buf, size_t len, const tdv_date *today,
    tdv_lds_dg1 *out);

/* Image encodings found in DG2/DG7 (by magic bytes). */
typedef enum tdv_lds_image_kind {
	TDV_LDS_IMAGE_UNKNOWN = 0,
	TDV_LDS_IMAGE_JPEG,
	TDV_LDS_IMAGE_JPEG2000, /* JP2 file or J2K codestream */
	TDV_LDS_IMAGE_PNG,
	TDV_LDS_IMAGE_WSQ,
} tdv_lds_image_kind;

const char *tdv_lds_image_kind_name(tdv_lds_image_kind k); /* "jpeg", "jpeg2000"... */
tdv_lds_image_kind tdv_lds_image_detect(const uint8_t *p, size_t len);

/* One face from DG2: the biometric header template (tag A1) and the
 * biometric data block, an ISO/IEC 19794-5 "FAC" record (5F2E; versions
 * "010" = 19794-5:2005 and "030" = 19794-5:2011) or an ISO/IEC 39794-5
 * record (7F2E, DER; the FaceImageDataBlock of the standard's ASN.1
 * module ISO-IEC-39794-5-ed-1-v1). Fields a record does not carry are -1
 * (integers) or "" (text). */
typedef enum tdv_face_format {
	TDV_FACE_ISO19794_5 = 1,
	TDV_FACE_ISO39794_5 = 2,
} tdv_face_format;

#define TDV_FACE_MAX_QUALITY 4
#define TDV_FACE_MAX_LANDMARKS 16

typedef struct tdv_face_quality {
	int organization; /* 39794: algorithm registry organisation; 19794-5:2011: vendor */
	int algorithm;    /* algorithm id */
	int score;        /* 0..100; -1 when the record gives an error instead */
} tdv_face_quality;

typedef struct tdv_face_landmark {
	int kind;  /* 19794-5: landmark/feature point type; 39794-5: 0 MPEG-4
	              feature point, 1 anthropometric, -1 other */
	int code;  /* 19794-5: the point code byte; 39794-5: the MPEG-4 code or
	              the anthropometric point id, -1 when not coded that way */
	int x, y;  /* pixels; -1 when the landmark has no 2D coordinates */
} tdv_face_landmark;

typedef struct tdv_lds_face {
	tdv_face_format format;
	int bdb_format_owner; /* header 87, -1 absent (0x0101 ISO/IEC JTC1 SC37) */
	int bdb_format_type;  /* header 88, -1 absent (0x0008 19794-5) */
	char creation_date[16]; /* header 83, hex of the 7 bytes, "" absent */
	char version[8];      /* 19794-5: "010", "030"; 39794-5: "" (see below) */
	int gender;           /* 19794-5 codes: 0 unspecified, 1 M, 2 F, 0xFF unknown;
	                         39794-5 GenderCode as coded */
	int eye_colour;
	int hair_colour;
	int expression;
	int feature_points;   /* landmarks in the record (may exceed those kept) */
	int face_image_type;  /* 19794-5: 0 basic, 1 full frontal, 2 token frontal..;
	                         39794-5: FaceImageKind2D (0 MRTD, 1 general) */
	int image_data_type;  /* 19794-5 code: 0 JPEG, 1 JPEG 2000 (2011: 1 lossy,
	                         2 lossless); 39794-5 ImageDataFormat code: 2 JPEG,
	                         3 JPEG 2000 lossy, 4 JPEG 2000 lossless */
	int width;
	int height;
	int colour_space;
	int source_type;      /* 19794-5:2005 only */
	/* 39794-5 VersionBlock (generation, year); -1 for 19794-5 */
	int version_generation;
	int version_year;
	int representation_id; /* 39794-5 */
	int lossy_attempts;   /* 39794-5 LossyTransformationAttempts code */
	int subject_height;   /* 39794-5, 19794-5:2011: as coded */
	char capture_date[24]; /* "YYYY[-MM[-DD[Thh[:mm[:ss]]]]]" (39794-5,
	                          19794-5:2011), "" absent */
	int nquality;
	tdv_face_quality quality[TDV_FACE_MAX_QUALITY];
	/* pose: 39794-5 in degrees (-180..180) with uncertainty (0..180, -1
	 * absent); 19794-5 as encoded (0 unspecified, see the standard) */
	bool have_pose;
	int pose_yaw, pose_pitch, pose_roll;
	int pose_yaw_unc, pose_pitch_unc, pose_roll_unc;
	int nlandmarks;       /* kept, <= TDV_FACE_MAX_LANDMARKS */
	tdv_face_landmark landmarks[TDV_FACE_MAX_LANDMARKS];
	const uint8_t *image; /* the encoded image inside buf */
	size_t image_len;
	tdv_lds_image_kind image_kind;
} tdv_lds_face;

#define TDV_LDS_MAX_FACES 4

typedef struct tdv_lds_dg2 {
	int nfaces;
	tdv_lds_face faces[TDV_LDS_MAX_FACES];
} tdv_lds_dg2;

int tdv_lds_parse_dg2(const uint8_t *buf, size_t len, tdv_lds_dg2 *out);

/* DG7: displayed signature or usual mark (tag 5F43 images). */
typedef struct tdv_lds_dg7 {
	int nimages;
	const uint8_t *images[TDV_LDS_MAX_FACES];
	size_t image_lens[TDV_LDS_MAX_FACES];
	tdv_lds_image_kind kinds[TDV_LDS_MAX_FACES];
} tdv_lds_dg7;

int tdv_lds_parse_dg7(const uint8_t *buf, size_t len, tdv_lds_dg7 *out);

/* A text field of DG11/DG12: bytes inside buf (UTF-8 per 9303-10, not
 * NUL-terminated); p NULL when absent. utf8_ok false when not valid UTF-8
 * (callers show it escaped). */
typedef struct tdv_lds_text {
	const uint8_t *p;
	size_t len;
	bool utf8_ok;
} tdv_lds_text;

#define TDV_LDS_MAX_OTHER 8

/* DG11: additional personal details (9303-10 §4.7.11). */
typedef struct tdv_lds_dg11 {
	tdv_lds_text full_name;        /* 5F0E, "SURNAME<<GIVEN<NAMES" */
	tdv_lds_text personal_number;  /* 5F10 */
	tdv_lds_text birth_date;       /* 5F2B, YYYYMMDD (may be BCD in old chips) */
	tdv_lds_text place_of_birth;   /* 5F11 */
	tdv_lds_text address;          /* 5F42 */
	tdv_lds_text telephone;        /* 5F12 */
	tdv_lds_text profession;       /* 5F13 */
	tdv_lds_text title;            /* 5F14 */
	tdv_lds_text summary;          /* 5F15 */
	tdv_lds_text proof_of_citizenship; /* 5F16 (an image) */
	tdv_lds_text other_td_numbers; /* 5F17 */
	tdv_lds_text custody;          /* 5F18 */
	int nother_names;              /* A0 { 02 count, 5F0F name ... } */
	tdv_lds_text other_names[TDV_LDS_MAX_OTHER];
} tdv_lds_dg11;

int tdv_lds_parse_dg11(const uint8_t *buf, size_t len, tdv_lds_dg11 *out);

/* DG12: additional document details (9303-10 §4.7.12). */
typedef struct tdv_lds_dg12 {
	tdv_lds_text issuing_authority; /* 5F19 */
	tdv_lds_text issue_date;        /* 5F26 YYYYMMDD */
	tdv_lds_text endorsements;      /* 5F1B */
	tdv_lds_text tax_exit;          /* 5F1C */
	tdv_lds_text image_front;       /* 5F1D */
	tdv_lds_text image_rear;        /* 5F1E */
	tdv_lds_text personalisation_time;   /* 5F55 yyyymmddhhmmss */
	tdv_lds_text personalisation_device; /* 5F56 */
	int nother_persons;             /* A0 { 02 count, 5F1A name ... } */
	tdv_lds_text other_persons[TDV_LDS_MAX_OTHER];
} tdv_lds_dg12;

int tdv_lds_parse_dg12(const uint8_t *buf, size_t len, tdv_lds_dg12 *out);

/* DG13 (and DG16): national data, kept raw after the outer tag. */
int tdv_lds_parse_raw_dg(const uint8_t *buf, size_t len, uint32_t tag,
    const uint8_t **value, size_t *value_len);

/* ------------------------------------------------------------------ */
/* SecurityInfos: EF.CardAccess, EF.CardSecurity, DG14 (9303-11 §9.2)  */
/* ------------------------------------------------------------------ */

typedef enum tdv_secinfo_kind {
	TDV_SECINFO_OTHER = 0,
	TDV_SECINFO_PACE,         /* PACEInfo */
	TDV_SECINFO_PACE_DOMAIN,  /* PACEDomainParameterInfo */
	TDV_SECINFO_CA,           /* ChipAuthenticationInfo */
	TDV_SECINFO_CA_PUBKEY,    /* ChipAuthenticationPublicKeyInfo */
	TDV_SECINFO_TA,           /* TerminalAuthenticationInfo */
	TDV_SECINFO_AA,           /* ActiveAuthenticationInfo */
} tdv_secinfo_kind;

typedef enum tdv_ka {
	TDV_KA_NONE = 0,
	TDV_KA_DH,
	TDV_KA_ECDH
} tdv_ka;

typedef enum tdv_pace_mapping {
	TDV_MAP_NONE = 0,
	TDV_MAP_GM,   /* generic mapping */
	TDV_MAP_IM,   /* integrated mapping */
	TDV_MAP_CAM   /* chip authentication mapping (ECDH only) */
} tdv_pace_mapping;

typedef enum tdv_sm_cipher {
	TDV_CIPHER_NONE = 0,
	TDV_CIPHER_3DES,    /* 3DES-CBC-CBC */
	TDV_CIPHER_AES128,  /* AES-CBC-CMAC-128 */
	TDV_CIPHER_AES192,
	TDV_CIPHER_AES256
} tdv_sm_cipher;

typedef struct tdv_secinfo {
	tdv_secinfo_kind kind;
	char oid[64];           /* protocol OID, dotted */
	const uint8_t *raw;     /* the whole SecurityInfo SEQUENCE */
	size_t raw_len;
	long version;           /* -1 when absent */
	long parameter_id;      /* PACE standardized domain parameters
	                           (9303-11 §9.5.1: 12 P-256, 13 brainpoolP256r1,
	                           16 brainpoolP384r1 ...); -1 absent */
	long key_id;            /* CA / CA public key / PACE domain: -1 absent */
	tdv_ka agreement;       /* PACE, CA, CA public key */
	tdv_pace_mapping mapping; /* PACE */
	tdv_sm_cipher cipher;   /* PACE, CA */
	/* CA_PUBKEY: SubjectPublicKeyInfo DER (d2i_PUBKEY-ready when its
	 * algorithm is id-ecPublicKey / rsaEncryption / dhpublicnumber);
	 * PACE_DOMAIN: the domain parameters AlgorithmIdentifier DER. */
	const uint8_t *key;
	size_t key_len;
	char sig_alg_oid[64];   /* AA: signatureAlgorithm, dotted; "" absent */
} tdv_secinfo;

#define TDV_SECINFO_MAX 24

typedef struct tdv_secinfos {
	int n;
	tdv_secinfo items[TDV_SECINFO_MAX];
} tdv_secinfos;

/* EF.CardAccess: a DER SET OF SecurityInfo. Unknown protocols are kept
 * as TDV_SECINFO_OTHER. More than TDV_SECINFO_MAX entries: TDV_ELIMIT. */
int tdv_lds_parse_secinfos(const uint8_t *buf, size_t len, tdv_secinfos *out);
/* DG14: tag 6E around the SET OF SecurityInfo. */
int tdv_lds_parse_dg14(const uint8_t *buf, size_t len, tdv_secinfos *out);
/* EF.CardSecurity: CMS SignedData whose content (id-SecurityObject) is
 * the SET OF SecurityInfo. The signature is NOT verified here. */
int tdv_lds_parse_cardsecurity(const uint8_t *buf, size_t len,
    tdv_secinfos *out);
/* First item of a kind, or NULL. */
const tdv_secinfo *tdv_secinfos_find(const tdv_secinfos *s,
    tdv_secinfo_kind kind);
const char *tdv_secinfo_kind_name(tdv_secinfo_kind k); /* "PACEInfo"... */

/* DG15: Active Authentication public key (SubjectPublicKeyInfo). */
typedef enum tdv_key_type {
	TDV_KEY_UNKNOWN = 0,
	TDV_KEY_RSA,
	TDV_KEY_EC,
	TDV_KEY_DH
} tdv_key_type;

typedef struct tdv_lds_dg15 {
	const uint8_t *spki; /* SubjectPublicKeyInfo DER inside buf */
	size_t spki_len;
	tdv_key_type key_type;
	int bits;
	char curve[32];      /* EC: OpenSSL short name ("prime256v1",
	                        "brainpoolP256r1"), "" for explicit params */
} tdv_lds_dg15;

/* TDV_EPARSE when the key does not decode (OpenSSL d2i_PUBKEY). */
int tdv_lds_parse_dg15(const uint8_t *buf, size_t len, tdv_lds_dg15 *out);

/* ------------------------------------------------------------------ */
/* EF.SOD: LDSSecurityObject in CMS SignedData (9303-10 §4.6.2)         */
/* ------------------------------------------------------------------ */

#define TDV_SOD_MAX_HASHES 16

typedef struct tdv_sod_hash {
	int dg;              /* 1..16 */
	const uint8_t *hash; /* inside buf */
	size_t len;
} tdv_sod_hash;

typedef struct tdv_sod {
	const uint8_t *cms;  /* ContentInfo DER (inside tag 77) */
	size_t cms_len;
	char content_type[64]; /* eContentType, "2.23.136.1.1.1" expected */
	const uint8_t *content; /* LDSSecurityObject DER (eContent) */
	size_t content_len;
	int version;         /* LDSSecurityObject version: 0 or 1 */
	char hash_oid[64];   /* hashAlgorithm, dotted */
	const char *hash_name; /* "SHA-256"...; NULL when not SHA-1/2 */
	size_t hash_len;     /* digest length of hash_name; 0 when unknown */
	int nhashes;
	tdv_sod_hash hashes[TDV_SOD_MAX_HASHES];
	char lds_version[5];     /* v1 ldsVersionInfo; "" in v0 */
	char unicode_version[7];
	int ncerts;              /* certificates in SignedData */
	const uint8_t *ds_cert;  /* first certificate DER; NULL when none */
	size_t ds_cert_len;
	int nsigners;            /* SignerInfos */
	bool non_canonical;      /* some length was not minimal DER */
} tdv_sod;

/*
 * Parse EF.SOD structurally (no signature check). More than
 * TDV_SOD_MAX_HASHES DataGroupHash entries or a duplicated DG: TDV_ELIMIT /
 * TDV_EPARSE. A DG number outside 1..16: TDV_EPARSE.
 */
int tdv_lds_parse_sod(const uint8_t *buf, size_t len, tdv_sod *out);
/* The hash value the SOD stores for data group dg, or NULL. */
const tdv_sod_hash *tdv_sod_find(const tdv_sod *s, int dg);

/* ------------------------------------------------------------------ */
/* Images                                                              */
/* ------------------------------------------------------------------ */

#define TDV_LDS_IMAGE_MAX_PIXELS (4096u * 4096u)

/*
 * Decode a JPEG (libjpeg) or JPEG 2000 (libopenjp2) image to 8-bit pixels:
 * *channels is 1 (grey) or 3 (RGB); *pixels is malloc'ed (caller frees).
 * TDV_EIMG_FORMAT for other encodings, TDV_EIMG_TOO_LARGE past
 * TDV_LDS_IMAGE_MAX_PIXELS, TDV_EIMG_CORRUPT when decoding fails.
 */
int tdv_lds_image_decode(const uint8_t *p, size_t len, uint8_t **pixels,
    int *width, int *height, int *channels);

/* ------------------------------------------------------------------ */
/* One document's files                                                */
/* ------------------------------------------------------------------ */

typedef struct tdv_lds tdv_lds;

tdv_lds *tdv_lds_new(void);
/* Frees and sets *lds to NULL; file contents are wiped (personal data). */
void tdv_lds_free(tdv_lds **lds);

/* Store a copy of a file (replacing any previous one). TDV_ELIMIT over
 * TDV_LDS_MAX_FILE; TDV_EINVAL for an unknown ef. */
int tdv_lds_set(tdv_lds *lds, int ef, const uint8_t *data, size_t len);
/* TDV_ENOENT when the file is absent. The pointer stays valid until the
 * file is replaced or the container freed. */
int tdv_lds_get(const tdv_lds *lds, int ef, const uint8_t **data,
    size_t *len);
bool tdv_lds_has(const tdv_lds *lds, int ef);

/*
 * Load every known file from a directory (names as tdv_lds_ef_filename();
 * also accepted: "EF_COM.bin", "EF_SOD.bin", "COM.bin", "SOD.bin",
 * "EF.COM.bin", "EF.SOD.bin", "DGn", "EF_DGn.bin", "CardAccess.bin").
 * Missing files are not an error; a directory with no known file is
 * TDV_ENOENT. Files over the limit: TDV_ELIMIT.
 */
int tdv_lds_load_dir(tdv_lds *lds, const char *dir);
/* Write every file present to dir (created if missing, mode 0700). */
int tdv_lds_save_dir(const tdv_lds *lds, const char *dir);

/* Write a JSON object describing every file present (parsed fields, the
 * SecurityInfos, hashes in hex; no image bytes) — `tdverify lds dump`. */
int tdv_lds_to_json(const tdv_lds *lds, const tdv_date *today, tdv_json *j);

#ifdef __cplusplus
}
#endif
#endif
