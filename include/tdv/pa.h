/*
 * Passive Authentication (ICAO 9303-11 §5.1; check order after BSI
 * TR-03135-2) and the trust store it verifies against: CSCA certificates
 * (PEM/DER files, directories, ICAO CSCA master lists) and CRLs.
 *
 * All cryptography is OpenSSL 3 (CMS, X.509, digests). The result is an
 * ordered list of checks, each with an id, a status and a message an
 * officer can read, and an overall verdict. A document that fails gives
 * TDV_OK and a failing verdict: error codes are kept for bad arguments
 * and resource failures.
 */
#ifndef TDV_PA_H
#define TDV_PA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdv/buf.h"
#include "tdv/date.h"
#include "tdv/json.h"
#include "tdv/lds.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Trust store                                                         */
/* ------------------------------------------------------------------ */

typedef struct tdv_trust tdv_trust;

#define TDV_TRUST_MAX_CERTS 4096
#define TDV_TRUST_MAX_CRLS 1024
#define TDV_TRUST_MAX_FILE (8u << 20)

tdv_trust *tdv_trust_new(void);
void tdv_trust_free(tdv_trust **t);

/* Add CSCA certificate(s): one DER certificate, or PEM text with one or
 * more certificates. TDV_EPARSE when nothing decodes. *added (optional)
 * receives the number added (duplicates are counted once). */
int tdv_trust_add_cert(tdv_trust *t, const uint8_t *data, size_t len,
    int *added);
/* Add a CRL (DER or PEM). Its signature is checked against the CSCA when
 * it is used, not here. */
int tdv_trust_add_crl(tdv_trust *t, const uint8_t *data, size_t len);

/*
 * Add the CSCA certificates of an ICAO CSCA master list (9303-12 §9:
 * CMS SignedData, eContentType id-icao-cscaMasterList 2.23.136.1.1.2,
 * CscaMasterList { version, certList SET OF Certificate }). The CMS
 * signature is verified with the Master List Signer certificate it
 * carries, and that certificate must be issued by a CSCA in the list
 * itself or already in the store: TDV_EPA_SIGNATURE / TDV_EPA_CHAIN
 * otherwise, and nothing is added.
 */
int tdv_trust_add_masterlist(tdv_trust *t, const uint8_t *data, size_t len,
    int *added);

/* Load one file by its content: master list (CMS), CRL or certificate. */
int tdv_trust_load_file(tdv_trust *t, const char *path);
/* Load every *.pem *.crt *.cer *.der (certificates), *.crl and *.ml /
 * *.ldif-free master list files of a directory (not recursive). Files
 * that do not decode are counted in *bad (optional) and skipped. */
int tdv_trust_load_dir(tdv_trust *t, const char *dir, int *bad);

int tdv_trust_csca_count(const tdv_trust *t);
int tdv_trust_crl_count(const tdv_trust *t);

/* ------------------------------------------------------------------ */
/* Passive Authentication                                              */
/* ------------------------------------------------------------------ */

typedef enum tdv_check_status {
	TDV_CHECK_PASS = 0,
	TDV_CHECK_FAIL,
	TDV_CHECK_WARN,
	TDV_CHECK_SKIP,
} tdv_check_status;

/* "pass", "fail", "warn", "skip". */
const char *tdv_check_status_name(tdv_check_status s);

/*
 * Check ids, in the order they are reported:
 *   sod.parse           EF.SOD present and well formed
 *   sod.signature       CMS signature over the LDSSecurityObject, by the
 *                       Document Signer certificate it carries
 *   ds.encoding         DS certificate is canonical DER (warn otherwise)
 *   ds.chain            DS certificate signed by a CSCA in the trust store;
 *                       a CSCA that is a link certificate (key rollover)
 *                       is followed to a self-signed CSCA in the store (at
 *                       most 8 deep, each certificate once; no root, a
 *                       loop or a longer path: warn)
 *   ds.validity         SOD signed within the DS certificate's validity
 *   csca.validity       CSCA valid when the DS certificate was issued
 *   ds.revocation       DS certificate not on the CSCA's CRL
 *   sod.hash_algorithm  SOD hash algorithm known and consistent with the
 *                       stored hash lengths
 *   sod.dg_list         SOD data groups match EF.COM's list and the files
 *   dgN.hash            one per data group (N = 1..16), in DG order
 *   dg1.mrz             DG1 MRZ equals the printed MRZ (skip without one)
 *   country             DG1 issuing state vs DS and CSCA country
 *   card_security       EF.CardSecurity (when present): one signer, CMS
 *                       signature, signer chains to a trusted CSCA (the
 *                       SOD's own DS: covered by the ds.* checks)
 */
#define TDV_PA_MAX_CHECKS 32

typedef struct tdv_pa_check {
	char id[24];
	tdv_check_status status;
	char message[320];
} tdv_pa_check;

typedef enum tdv_pa_verdict {
	TDV_PA_PASS = 0,      /* every check passed or was skipped */
	TDV_PA_PASS_WARN,     /* no failure, some warnings */
	TDV_PA_FAIL,          /* at least one check failed */
} tdv_pa_verdict;

const char *tdv_pa_verdict_name(tdv_pa_verdict v); /* "pass" "warn" "fail" */

typedef struct tdv_pa_result {
	tdv_pa_verdict verdict;
	int nchecks;
	tdv_pa_check checks[TDV_PA_MAX_CHECKS];
	/* evidence for the examiner ("" when unknown) */
	char ds_subject[256];
	char ds_issuer[256];
	char ds_serial[80];
	char ds_not_before[11];
	char ds_not_after[11];
	char csca_subject[256];
	char signing_time[21];     /* YYYY-MM-DDTHH:MM:SSZ */
	char signature_algorithm[32]; /* "RSA", "RSA-PSS", "ECDSA" */
	char hash_algorithm[16];   /* SOD's: "SHA-256" */
	char issuing_state[4];     /* from DG1 */
	char document_number[32];  /* from DG1 */
} tdv_pa_result;

typedef struct tdv_pa_options {
	tdv_date today;           /* required: the verification date */
	const char *printed_mrz;  /* MRZ read from the data page, lines
	                             separated by '\n' or '|'; NULL skips dg1.mrz */
	size_t printed_mrz_len;
} tdv_pa_options;

/*
 * Run Passive Authentication of the files in lds against trust.
 * Always fills *out (check list and verdict) and returns TDV_OK unless
 * an argument is invalid (TDV_EINVAL) or memory runs out (TDV_ENOMEM).
 * Never trusts a length it has not checked; never stops on the first
 * failure (every check is reported).
 */
int tdv_pa_verify(const tdv_trust *trust, const tdv_lds *lds,
    const tdv_pa_options *opt, tdv_pa_result *out);

/* The check with that id, or NULL. */
const tdv_pa_check *tdv_pa_find(const tdv_pa_result *r, const char *id);

/* One JSON object: {"verdict":..,"checks":[{"id","status","message"}],
 * "ds":{..},...} (`tdverify pa --json`). */
void tdv_pa_to_json(const tdv_pa_result *r, tdv_json *j);
/* A report an officer reads, one line per check. */
int tdv_pa_report(const tdv_pa_result *r, tdv_buf *out);

/* ISO 3166-1 alpha-2 code for an ICAO 9303-3 alpha-3 / special code
 * ("UTO" -> "UT" for the test state; "D" -> "DE"); NULL when none. */
const char *tdv_pa_country_alpha2(const char *alpha3);

#ifdef __cplusplus
}
#endif
#endif
