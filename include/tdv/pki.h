/*
 * Issuing side, for tests and training only: a test country's PKI (CSCA,
 * Document Signers, CRL, CSCA master list; ICAO 9303-12) and the
 * personalisation of a passport chip's LDS for a generated person
 * (ICAO 9303-10), optionally with a deliberate defect that Passive
 * Authentication must catch.
 *
 * PKI directory layout (stable; `tdverify pki init`, tdverify-pki(1)):
 *   csca/csca-rsa.pem     CSCA, RSA-3072, sha256WithRSAEncryption
 *   csca/csca-ec.pem      CSCA, ECDSA brainpoolP384r1, ecdsa-with-SHA384
 *   ds/ds-<name>.pem      Document Signers: rsa, rsa-pss (under csca-rsa);
 *                         p256, bp256, bp384 (under csca-ec); expired and
 *                         revoked (RSA-2048 under csca-rsa)
 *   ds/mls.pem            Master List Signer (under csca-rsa)
 *   crl/csca-rsa.crl      DER CRLs; csca-rsa's lists ds-revoked
 *   crl/csca-ec.crl
 *   masterlist.ml         CMS-signed CscaMasterList with both CSCAs
 *   private/<name>.key    PKCS#8 PEM private keys (mode 0600)
 *   pki.json              country and what was made
 *
 * All keys and signatures are made by OpenSSL.
 */
#ifndef TDV_PKI_H
#define TDV_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdv/buf.h"
#include "tdv/date.h"
#include "tdv/lds.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdv_pki_options {
	const char *country;  /* ICAO code, default "UTO" */
	const char *country2; /* X.509 countryName, default from
	                         tdv_pa_country_alpha2() ("UT" for UTO) */
	const char *organisation; /* default "Utopia Test PKI" */
	tdv_date today;       /* validity periods are set around this day */
} tdv_pki_options;

/* Create a PKI in dir (created; must not already hold one: TDV_EEXIST). */
int tdv_pki_init(const char *dir, const tdv_pki_options *opt);

typedef enum tdv_defect {
	TDV_DEFECT_NONE = 0,
	TDV_DEFECT_TAMPERED_DG1,
	TDV_DEFECT_TAMPERED_DG2,
	TDV_DEFECT_DG1_MRZ_MISMATCH,
	TDV_DEFECT_BAD_SOD_SIGNATURE,
	TDV_DEFECT_UNKNOWN_CSCA,
	TDV_DEFECT_EXPIRED_DS,
	TDV_DEFECT_REVOKED_DS,
	TDV_DEFECT_WRONG_HASH_ALGORITHM,
	TDV_DEFECT_MISSING_DG_IN_SOD,
	TDV_DEFECT_COUNTRY_MISMATCH,
	TDV_DEFECT_COUNT
} tdv_defect;

/* "tampered-dg1"...; NULL out of range. */
const char *tdv_defect_name(tdv_defect d);
/* The check id of tdv_pa_verify() that must fail for the defect. */
const char *tdv_defect_check_id(tdv_defect d);
/* TDV_EINVAL for an unknown name. */
int tdv_defect_from_name(const char *name, tdv_defect *out);

/* The holder and document (strings UTF-8; NULL or "" for absent). */
typedef struct tdv_person {
	const char *surname;
	const char *given_names;
	const char *document_number;
	const char *issuing_state;   /* default "UTO" */
	const char *nationality;     /* default "UTO" */
	tdv_date birth_date;
	tdv_date expiry_date;
	tdv_date issue_date;         /* DG12; year 0: absent */
	char sex;                    /* 'M', 'F', 'X' */
	const char *personal_number;
	const char *place_of_birth;
	const char *address;
	const char *telephone;
	const char *profession;
	const char *issuing_authority;
	const uint8_t *photo;        /* JPEG or JPEG 2000; NULL: synthetic */
	size_t photo_len;
} tdv_person;

typedef struct tdv_personalise_options {
	const char *ds;       /* "rsa" (default), "rsa-pss", "p256", "bp256",
	                         "bp384" */
	bool aa_rsa;          /* DG15 RSA-2048 instead of ECDSA P-256 */
	tdv_defect defect;
	int sod_version;      /* 0 (default) or 1 */
	tdv_date today;       /* signing day */
} tdv_personalise_options;

/* A personalised document in memory. */
typedef struct tdv_issued {
	tdv_lds *lds;
	char printed_mrz[3 * 45];   /* the data page's MRZ, lines joined '\n' */
	tdv_buf aa_key_pem;         /* PKCS#8 */
	tdv_buf ca_key_pem;         /* PKCS#8 */
	tdv_buf ds_cert_pem;
	char ds_name[16];
} tdv_issued;

/* Build the LDS. *out is initialised here; free with tdv_issued_free(). */
int tdv_personalise_build(const char *pki_dir, const tdv_person *p,
    const tdv_personalise_options *o, tdv_issued *out);
/* Write the output directory (docs/man/tdverify-personalise.1 layout). */
int tdv_issued_save(const tdv_issued *doc, const tdv_personalise_options *o,
    const char *dir);
/* Frees everything; private keys are wiped. */
void tdv_issued_free(tdv_issued *doc);

/* A synthetic grey portrait (JPEG, 8-bit) of width x height with texture
 * from seed; quality 1..100. No real face: shapes and noise. */
int tdv_issue_portrait(unsigned seed, int width, int height, int quality,
    tdv_buf *out);

#ifdef __cplusplus
}
#endif
#endif
