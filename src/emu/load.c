/*
 * Loading a personalised passport directory for the virtual ePassport
 * (layout: docs/man/tdverify-personalise.1): the LDS files, mrz.txt (the
 * printed MRZ: it gives the BAC and PACE-MRZ key), and the AA / CA
 * private keys aa-key.pem and ca-key.pem when present.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "emu/emu_internal.h"
#include "tdv/error.h"
#include "tdv/mrz.h"

#define KEYFILE_MAX 65536

/* Read a small file into b; TDV_ENOENT when it does not exist. */
static int
slurp(const char *dir, const char *name, tdv_buf *b)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return TDV_ELIMIT;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return errno == ENOENT ? TDV_ENOENT : TDV_EIO;
	uint8_t chunk[4096];
	size_t got;
	int rc = TDV_OK;
	while (rc == TDV_OK && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = tdv_buf_append(b, chunk, got);
	if (rc == TDV_OK && ferror(f))
		rc = TDV_EIO;
	fclose(f);
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return rc;
}

int
tdv_emu_load_dir(tdv_emu **out, const char *dir, const tdv_emu_options *o)
{
	if (out == NULL || dir == NULL)
		return TDV_EINVAL;
	tdv_lds *lds = tdv_lds_new();
	tdv_buf mrz, aa, ca;
	tdv_buf_init(&mrz, 1024);
	tdv_buf_init(&aa, KEYFILE_MAX);
	tdv_buf_init(&ca, KEYFILE_MAX);
	tdv_mrz m;
	tdv_chip_mrz_key key;
	int rc = lds ? tdv_lds_load_dir(lds, dir) : TDV_ENOMEM;
	if (rc != TDV_OK)
		goto out;
	if ((rc = slurp(dir, "mrz.txt", &mrz)) != TDV_OK)
		goto out;
	/* The day only decides expiry and centuries; the key uses the
	 * printed YYMMDD fields as they are. */
	tdv_date today = {2000, 1, 1};
	(void)tdv_mrz_parse_text((const char *)mrz.data, mrz.len, &today, &m);
	if ((rc = tdv_chip_mrz_key_from_mrz(&key, &m)) != TDV_OK) {
		rc = TDV_EMRZ_FORMAT;
		goto out;
	}
	rc = slurp(dir, "aa-key.pem", &aa);
	if (rc != TDV_OK && rc != TDV_ENOENT)
		goto out;
	rc = slurp(dir, "ca-key.pem", &ca);
	if (rc != TDV_OK && rc != TDV_ENOENT)
		goto out;
	rc = tdv_emu_new(out, lds, &key, aa.len ? aa.data : NULL, aa.len,
	    ca.len ? ca.data : NULL, ca.len, o);
out:
	OPENSSL_cleanse(&key, sizeof(key));
	tdv_buf_free(&mrz);
	tdv_buf_free(&aa);
	tdv_buf_free(&ca);
	tdv_lds_free(&lds);
	return rc;
}
