/* tdverify personalise: build a test passport's LDS (tdverify-personalise(1)). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "tdv/error.h"
#include "tdv/pki.h"

#define PHOTO_MAX (1u << 20)

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify personalise --pki DIR --person FILE.json --out DIR\n"
	    "         [--ds rsa|rsa-pss|p256|bp256|bp384] [--photo IMAGE]\n"
	    "         [--aa ec|rsa] [--sod-version 0|1] [--defect NAME]\n"
	    "         [--today YYYY-MM-DD]\n\n"
	    "defects: tampered-dg1 tampered-dg2 dg1-mrz-mismatch bad-sod-signature\n"
	    "         unknown-csca expired-ds revoked-ds wrong-hash-algorithm\n"
	    "         missing-dg-in-sod country-mismatch\n");
}

static const char *
jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int
jdate(json_t *o, const char *k, tdv_date *d, bool required)
{
	const char *s = jstr(o, k);
	memset(d, 0, sizeof(*d));
	if (s == NULL)
		return required ? cli_error("person: '%s' (YYYY-MM-DD) is required",
		    k) : CLI_OK;
	if (tdv_date_parse_iso(s, d) != TDV_OK)
		return cli_error("person: '%s' is not a date YYYY-MM-DD: '%s'", k, s);
	return CLI_OK;
}

static int
read_photo(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return cli_error("%s: cannot open: %s", path, strerror(errno));
	uint8_t *b = malloc(PHOTO_MAX + 1);
	if (b == NULL) {
		fclose(f);
		return cli_error("out of memory");
	}
	size_t n = fread(b, 1, PHOTO_MAX + 1, f);
	fclose(f);
	if (n > PHOTO_MAX) {
		free(b);
		return cli_error("%s: photo larger than %u bytes", path, PHOTO_MAX);
	}
	*out = b;
	*len = n;
	return CLI_OK;
}

int
cmd_personalise(int argc, char **argv)
{
	const char *pki = NULL, *person = NULL, *outdir = NULL, *photo = NULL;
	tdv_personalise_options o;
	memset(&o, 0, sizeof(o));
	cli_today(&o.today);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "--help") || cli_flag(a, "-h")) {
			usage(stdout);
			return CLI_OK;
		}
		if (a[0] != '-')
			return cli_error("personalise: unexpected argument '%s'", a);
		if (i + 1 >= argc)
			return cli_error("%s needs a value", a);
		const char *v = argv[++i];
		if (cli_flag(a, "--pki"))
			pki = v;
		else if (cli_flag(a, "--person"))
			person = v;
		else if (cli_flag(a, "--out"))
			outdir = v;
		else if (cli_flag(a, "--photo"))
			photo = v;
		else if (cli_flag(a, "--ds"))
			o.ds = v;
		else if (cli_flag(a, "--aa")) {
			if (strcmp(v, "ec") != 0 && strcmp(v, "rsa") != 0)
				return cli_error("--aa: ec or rsa");
			o.aa_rsa = strcmp(v, "rsa") == 0;
		} else if (cli_flag(a, "--sod-version")) {
			if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
				return cli_error("--sod-version: 0 or 1");
			o.sod_version = v[0] - '0';
		} else if (cli_flag(a, "--defect")) {
			if (tdv_defect_from_name(v, &o.defect) != TDV_OK)
				return cli_error("unknown defect '%s' (see --help)", v);
		} else if (cli_flag(a, "--today")) {
			if (cli_parse_today(v, &o.today) != CLI_OK)
				return CLI_USAGE;
		} else
			return cli_error("personalise: unknown option '%s'", a);
	}
	if (pki == NULL || person == NULL || outdir == NULL) {
		usage(stderr);
		return CLI_USAGE;
	}
	static const char *const dsnames[] = {"rsa", "rsa-pss", "p256", "bp256",
	    "bp384"};
	bool dsok = o.ds == NULL;
	for (size_t i = 0; !dsok && i < sizeof(dsnames) / sizeof(dsnames[0]); i++)
		dsok = strcmp(o.ds, dsnames[i]) == 0;
	if (!dsok)
		return cli_error("--ds: one of rsa rsa-pss p256 bp256 bp384");

	json_error_t jerr;
	json_t *j = json_load_file(person, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		return cli_error("%s: not a JSON object (line %d: %s)", person,
		    jerr.line, jerr.text);
	}
	tdv_person p;
	memset(&p, 0, sizeof(p));
	p.surname = jstr(j, "surname");
	p.given_names = jstr(j, "given_names");
	p.document_number = jstr(j, "document_number");
	p.issuing_state = jstr(j, "issuing_state");
	p.nationality = jstr(j, "nationality");
	p.personal_number = jstr(j, "personal_number");
	p.place_of_birth = jstr(j, "place_of_birth");
	p.address = jstr(j, "address");
	p.telephone = jstr(j, "telephone");
	p.profession = jstr(j, "profession");
	p.issuing_authority = jstr(j, "issuing_authority");
	const char *sex = jstr(j, "sex");
	p.sex = sex && (sex[0] == 'M' || sex[0] == 'F') && !sex[1] ? sex[0] : 'X';
	int rc = CLI_OK;
	if (p.surname == NULL || p.document_number == NULL)
		rc = cli_error("person: 'surname' and 'document_number' are required");
	if (rc == CLI_OK)
		rc = jdate(j, "birth_date", &p.birth_date, true);
	if (rc == CLI_OK)
		rc = jdate(j, "expiry_date", &p.expiry_date, true);
	if (rc == CLI_OK)
		rc = jdate(j, "issue_date", &p.issue_date, false);
	uint8_t *img = NULL;
	char photopath[4096];
	if (rc == CLI_OK && photo == NULL && jstr(j, "photo") != NULL) {
		/* relative to the JSON file's directory */
		const char *ph = jstr(j, "photo");
		const char *slash = strrchr(person, '/');
		if (ph[0] == '/' || slash == NULL)
			snprintf(photopath, sizeof(photopath), "%s", ph);
		else
			snprintf(photopath, sizeof(photopath), "%.*s/%s",
			    (int)(slash - person), person, ph);
		photo = photopath;
	}
	if (rc == CLI_OK && photo != NULL)
		rc = read_photo(photo, &img, &p.photo_len);
	p.photo = img;
	tdv_issued doc;
	memset(&doc, 0, sizeof(doc));
	if (rc == CLI_OK) {
		int e = tdv_personalise_build(pki, &p, &o, &doc);
		if (e != TDV_OK)
			rc = cli_error("personalise: %s%s", tdv_strerror(e),
			    e == TDV_ENOENT ? " (is --pki a directory made by "
			    "'tdverify pki init'?)" : "");
	}
	if (rc == CLI_OK) {
		int e = tdv_issued_save(&doc, &o, outdir);
		if (e != TDV_OK)
			rc = cli_error("%s: cannot write: %s", outdir, tdv_strerror(e));
		else
			printf("%s: personalised (%s%s%s)\n", outdir, doc.ds_name,
			    o.defect ? ", defect " : "",
			    o.defect ? tdv_defect_name(o.defect) : "");
	}
	tdv_issued_free(&doc);
	free(img);
	json_decref(j);
	return rc;
}
