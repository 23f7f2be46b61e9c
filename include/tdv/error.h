/*
 * tdverify error codes: one table, generating both the enum and the names.
 *
 * Every library call returns TDV_OK (0) or one of the negative codes below.
 * Each module owns a block of one hundred codes; append new codes at the end
 * of the module's block and never renumber (codes appear in logs and JSON).
 */
#ifndef TDV_ERROR_H
#define TDV_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, message) */
#define TDV_ERROR_TABLE(X)                                                     \
	X(TDV_OK, 0, "success")                                                \
	/* core: -1 .. -99 */                                                  \
	X(TDV_EINVAL, -1, "invalid argument")                                  \
	X(TDV_ENOMEM, -2, "out of memory")                                     \
	X(TDV_ELIMIT, -3, "input exceeds a size or count limit")               \
	X(TDV_EIO, -4, "input/output error")                                   \
	X(TDV_ENOENT, -5, "not found")                                         \
	X(TDV_EUNSUPPORTED, -6, "not supported")                               \
	X(TDV_EINTERNAL, -7, "internal error")                                 \
	X(TDV_EPARSE, -8, "malformed input")                                   \
	X(TDV_EUTF8, -9, "invalid UTF-8")                                      \
	X(TDV_ETRUNCATED, -10, "input truncated")                              \
	X(TDV_EEXIST, -11, "already exists")                                   \
	X(TDV_ETIMEOUT, -12, "timed out")                                      \
	X(TDV_EPERM, -13, "permission denied")                                 \
	X(TDV_ECRYPTO, -14, "cryptographic operation failed")                  \
	X(TDV_EDATE, -15, "invalid date")                                      \
	X(TDV_EBUSY, -16, "resource busy")                                     \
	/* mrz: -100 .. -199 */                                                \
	X(TDV_EMRZ_FORMAT, -100, "unrecognised MRZ format")                    \
	X(TDV_EMRZ_CHARSET, -101, "character outside the MRZ set A-Z 0-9 <")   \
	X(TDV_EMRZ_CHECKDIGIT, -102, "MRZ check digit mismatch")               \
	X(TDV_EMRZ_DATE, -103, "MRZ date is not a calendar date")              \
	X(TDV_EMRZ_COUNTRY, -104, "unknown issuing state or nationality code") \
	X(TDV_EMRZ_AMBIGUOUS, -105, "MRZ correction is ambiguous")             \
	X(TDV_EMRZ_UNCORRECTABLE, -106, "MRZ cannot be corrected")             \
	X(TDV_EMRZ_FIELD, -107, "invalid MRZ field value")                     \
	X(TDV_EMRZ_TOOLONG, -108, "value too long for the MRZ field")          \
	X(TDV_EMRZ_SEX, -109, "invalid sex code")                              \
	X(TDV_EMRZ_DOCCODE, -110, "invalid document code")                     \
	X(TDV_EMRZ_FILLER, -111, "misplaced filler character")                 \
	/* ocr / images: -200 .. -299 */                                       \
	X(TDV_EIMG_FORMAT, -200, "unsupported image format")                   \
	X(TDV_EIMG_TOO_LARGE, -201, "image dimensions exceed the limit")       \
	X(TDV_EIMG_CORRUPT, -202, "corrupt image data")                        \
	X(TDV_EOCR_NOMRZ, -203, "no MRZ found")                                \
	X(TDV_EFONT, -204, "font could not be loaded")                         \
	/* lds / DER: -300 .. -399 */                                          \
	X(TDV_EDER, -300, "malformed DER/BER TLV")                             \
	X(TDV_EDER_DEPTH, -301, "TLV nesting too deep")                        \
	X(TDV_ELDS_TAG, -302, "unexpected LDS tag")                            \
	X(TDV_ELDS_MISSING, -303, "required LDS element missing")              \
	/* passive authentication / trust: -400 .. -499 */                     \
	X(TDV_EPA_SIGNATURE, -400, "signature verification failed")            \
	X(TDV_EPA_CHAIN, -401, "certificate chain not trusted")                \
	X(TDV_EPA_REVOKED, -402, "certificate revoked")                        \
	X(TDV_EPA_HASH, -403, "data group hash mismatch")                      \
	X(TDV_ETRUST, -404, "trust store error")                               \
	/* chip: -500 .. -599 */                                               \
	X(TDV_ECHIP_SW, -500, "card returned an error status word")            \
	X(TDV_ECHIP_SM, -501, "secure messaging error")                        \
	X(TDV_ECHIP_AUTH, -502, "chip authentication failed")                  \
	X(TDV_ECHIP_TRANSPORT, -503, "card transport error")                   \
	X(TDV_ECHIP_NOCARD, -504, "no card present")                           \
	/* screening: -600 .. -699 */                                          \
	X(TDV_ESCREEN_INDEX, -600, "screening index corrupt or unreadable")    \
	X(TDV_ESCREEN_CSV, -601, "malformed list record")                      \
	X(TDV_ESCREEN_STALE, -602, "screening list is stale")                  \
	/* store and sync: -700 .. -799 */                                     \
	X(TDV_ESTORE, -700, "storage error")                                   \
	X(TDV_ESTORE_SCHEMA, -701, "storage schema mismatch")                  \
	X(TDV_ESTORE_CONFLICT, -702, "conflicting record")                     \
	X(TDV_EAUDIT_BROKEN, -703, "audit chain broken")                       \
	X(TDV_ESYNC, -704, "synchronisation error")                            \
	X(TDV_ESTORE_READONLY, -705, "store opened read-only")                 \
	X(TDV_ESYNC_REVOKED, -706, "checkpoint certificate revoked")           \
	/* server: -800 .. -899 */                                             \
	X(TDV_EHTTP, -800, "HTTP error")                                       \
	X(TDV_EAUTH, -801, "authentication failed")                            \
	X(TDV_EFORBIDDEN, -802, "forbidden")                                   \
	/* training: -900 .. -999 */                                           \
	X(TDV_ETRAIN, -900, "training data error")

typedef enum tdv_error {
#define TDV__ERR_ENUM(name, value, msg) name = (value),
	TDV_ERROR_TABLE(TDV__ERR_ENUM)
#undef TDV__ERR_ENUM
} tdv_error;

/* Human-readable message for an error code; never NULL. */
const char *tdv_strerror(int code);

/* Symbolic name of an error code ("TDV_EMRZ_FORMAT"); never NULL. */
const char *tdv_strerror_name(int code);

#ifdef __cplusplus
}
#endif
#endif
