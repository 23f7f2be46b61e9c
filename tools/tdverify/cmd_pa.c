/* tdverify pa: Passive Authentication of LDS directories (tdverify-pa(1)). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/pa.h"

#define MRZ_FILE_MAX 512

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify pa [--json] --trust DIR|FILE [--masterlist FILE]\n"
	    "         [--crl FILE|DIR] [--mrz TEXT | --mrz-file FILE]\n"
	    "         [--today YYYY-MM-DD] LDSDIR...\n\n"
	    "Passive Authentication (ICAO 9303-11 5.1) of each LDS directory.\n"
	    "--trust, --masterlist and --crl may be repeated; at least one of\n"
	    "--trust or --masterlist is needed. --mrz is the printed MRZ (lines\n"
	    "separated by '|' or newlines); without it each directory's mrz.txt\n"
	    "is used when present. Exit 0 when every document passes, 1 when\n"
	    "some fails, 2 on usage or input errors.\n");
}

static bool
is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
read_mrz(const char *path, char *out, size_t outsz, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return errno == ENOENT ? TDV_ENOENT : TDV_EIO;
	size_t n = fread(out, 1, outsz - 1, f);
	bool more = fgetc(f) != EOF;
	fclose(f);
	if (more)
		return TDV_ELIMIT;
	out[n] = '\0';
	*len = n;
	return TDV_OK;
}

int
cmd_pa(int argc, char **argv)
{
	bool json = false;
	const char *mrz = NULL, *mrzfile = NULL;
	tdv_date today;
	int ndirs = 0, ntrust = 0;
	cli_today(&today);
	tdv_trust *trust = tdv_trust_new();
	if (trust == NULL)
		return cli_error("out of memory");
	int rc = CLI_OK;
	for (int i = 1; rc == CLI_OK && i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "--help") || cli_flag(a, "-h")) {
			usage(stdout);
			tdv_trust_free(&trust);
			return CLI_OK;
		}
		if (cli_flag(a, "--json")) {
			json = true;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0') {
			ndirs++;
			continue;
		}
		if (i + 1 >= argc) {
			rc = cli_error("%s needs a value", a);
			break;
		}
		const char *v = argv[++i];
		int e = TDV_OK;
		if (cli_flag(a, "--trust")) {
			int bad = 0;
			e = is_dir(v) ? tdv_trust_load_dir(trust, v, &bad) :
			    tdv_trust_load_file(trust, v);
			if (bad > 0)
				fprintf(stderr, "tdverify: %s: %d file(s) skipped "
				    "(not a certificate, CRL or master list)\n", v, bad);
			ntrust++;
		} else if (cli_flag(a, "--masterlist")) {
			e = tdv_trust_load_file(trust, v);
			ntrust++;
		} else if (cli_flag(a, "--crl")) {
			int bad = 0;
			e = is_dir(v) ? tdv_trust_load_dir(trust, v, &bad) :
			    tdv_trust_load_file(trust, v);
		} else if (cli_flag(a, "--mrz")) {
			mrz = v;
		} else if (cli_flag(a, "--mrz-file")) {
			mrzfile = v;
		} else if (cli_flag(a, "--today")) {
			if (cli_parse_today(v, &today) != CLI_OK)
				rc = CLI_USAGE;
		} else {
			rc = cli_error("pa: unknown option '%s'", a);
		}
		if (rc == CLI_OK && e != TDV_OK)
			rc = cli_error("%s: %s", v, tdv_strerror(e));
	}
	if (rc == CLI_OK && (ndirs == 0 || ntrust == 0)) {
		usage(stderr);
		rc = CLI_USAGE;
	}
	char mrzbuf[MRZ_FILE_MAX];
	size_t mrzlen = 0;
	if (rc == CLI_OK && mrzfile != NULL) {
		int e = read_mrz(mrzfile, mrzbuf, sizeof(mrzbuf), &mrzlen);
		if (e != TDV_OK)
			rc = cli_error("%s: %s", mrzfile, tdv_strerror(e));
		else
			mrz = mrzbuf;
	} else if (mrz != NULL) {
		mrzlen = strlen(mrz);
	}
	int worst = CLI_OK;
	for (int i = 1; rc == CLI_OK && i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "--json"))
			continue;
		if (a[0] == '-' && a[1] != '\0') {
			i++;
			continue;
		}
		tdv_lds *lds = tdv_lds_new();
		if (lds == NULL) {
			rc = cli_error("out of memory");
			break;
		}
		int e = tdv_lds_load_dir(lds, a);
		if (e != TDV_OK) {
			rc = cli_error("%s: cannot load LDS files: %s", a,
			    tdv_strerror(e));
			tdv_lds_free(&lds);
			break;
		}
		tdv_pa_options o;
		memset(&o, 0, sizeof(o));
		o.today = today;
		char dirmrz[MRZ_FILE_MAX];
		size_t dirmrzlen = 0;
		if (mrz != NULL) {
			o.printed_mrz = mrz;
			o.printed_mrz_len = mrzlen;
		} else {
			char path[4096];
			snprintf(path, sizeof(path), "%s/mrz.txt", a);
			if (read_mrz(path, dirmrz, sizeof(dirmrz), &dirmrzlen) ==
			    TDV_OK) {
				o.printed_mrz = dirmrz;
				o.printed_mrz_len = dirmrzlen;
			}
		}
		tdv_pa_result r;
		e = tdv_pa_verify(trust, lds, &o, &r);
		tdv_lds_free(&lds);
		if (e != TDV_OK) {
			rc = cli_error("%s: %s", a, tdv_strerror(e));
			break;
		}
		tdv_buf out;
		tdv_buf_init(&out, 1u << 20);
		if (json) {
			tdv_json j;
			tdv_json_init(&j, &out);
			tdv_json_object_begin(&j);
			tdv_json_key(&j, "file");
			tdv_json_string(&j, a);
			tdv_json_key(&j, "pa");
			tdv_pa_to_json(&r, &j);
			tdv_json_object_end(&j);
			tdv_buf_putc(&out, '\n');
		} else {
			tdv_buf_printf(&out, "%s:\n", a);
			tdv_pa_report(&r, &out);
		}
		fwrite(out.data, 1, out.len, stdout);
		tdv_buf_free(&out);
		if (r.verdict == TDV_PA_FAIL)
			worst = CLI_INVALID;
	}
	tdv_trust_free(&trust);
	return rc != CLI_OK ? rc : worst;
}
