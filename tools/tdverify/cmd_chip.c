/*
 * tdverify chip readers|read: read an eMRTD chip over PC/SC.
 *
 * read opens the chip with PACE when EF.CardAccess offers it (BAC
 * otherwise), reads EF.COM, EF.SOD and every data group present, runs
 * Active and Chip Authentication, optionally writes the files and runs
 * Passive Authentication with the MRZ comparison.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tdv/chip.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/lds.h"
#include "tdv/mrz.h"
#include "tdv/pa.h"

static void
chip_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify chip readers\n"
	    "       tdverify chip read [--json] (--mrz MRZ | --can NNNNNN) [--reader NAME]\n"
	    "                          [--out DIR] [--verify --trust DIR [--crl FILE]]\n"
	    "                          [--today YYYY-MM-DD] [--timeout SECONDS] [--bac]\n\n"
	    "readers  list the PC/SC readers\n"
	    "read     read a passport chip: PACE when EF.CardAccess offers it, else BAC;\n"
	    "         EF.COM, EF.SOD and every data group; Active Authentication (DG15)\n"
	    "         and Chip Authentication (DG14) for clone detection.\n\n"
	    "options:\n"
	    "  --mrz MRZ         the printed MRZ (lines separated by '|' or newlines):\n"
	    "                    the BAC/PACE key and the DG1 comparison\n"
	    "  --can NNNNNN      Card Access Number (PACE)\n"
	    "  --reader NAME     PC/SC reader (default: the first with a card)\n"
	    "  --out DIR         write the files read (tdverify lds / pa layout)\n"
	    "  --verify          Passive Authentication and verdict (needs --trust)\n"
	    "  --trust DIR       CSCA certificates, master lists and CRLs\n"
	    "  --crl FILE        an extra CRL\n"
	    "  --today DATE      verification date (default: today, UTC)\n"
	    "  --timeout SECONDS wait this long for a card (default 10)\n"
	    "  --bac             use BAC even when PACE is offered\n"
	    "  --json            one JSON object (NDJSON)\n"
	    "  -h, --help        this text\n\n"
	    "exit status: 0 chip read (and valid with --verify), 1 invalid or a\n"
	    "clone (AA/CA failed), 2 usage, reader or card error\n");
}

static int
cmd_readers(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (cli_flag(argv[i], "-h") || cli_flag(argv[i], "--help")) {
			chip_usage(stdout);
			return CLI_OK;
		}
		return cli_error("chip readers: unknown option '%s'", argv[i]);
	}
	tdv_buf b;
	tdv_buf_init(&b, 1 << 16);
	int rc = tdv_chip_pcsc_list_readers(&b);
	if (rc == TDV_ECHIP_NOCARD) {
		tdv_buf_free(&b);
		fprintf(stderr, "tdverify: no PC/SC readers\n");
		return CLI_INVALID;
	}
	if (rc != TDV_OK) {
		tdv_buf_free(&b);
		return cli_error("chip readers: %s (is pcscd running?)",
		    tdv_strerror(rc));
	}
	fwrite(b.data, 1, b.len, stdout);
	tdv_buf_free(&b);
	return CLI_OK;
}

struct progress {
	bool on;
	const char *last;
};

static void
show_progress(void *arg, const char *step, size_t done, size_t total)
{
	struct progress *p = arg;
	if (!p->on)
		return;
	if (strcmp(step, "read") == 0 && total > 0)
		fprintf(stderr, "\r%-14s %7zu/%zu bytes", p->last ? p->last : "",
		    done, total);
	else {
		fprintf(stderr, "\r%-40s\r%s", "", step);
		p->last = step;
	}
}

static const char *
auth_status(int rc)
{
	if (rc == TDV_OK)
		return "pass";
	if (rc == TDV_ENOENT || rc == TDV_EUNSUPPORTED)
		return "skip";
	return "fail";
}

static const char *
auth_message(int rc, const char *what)
{
	static char m[160];
	if (rc == TDV_OK)
		snprintf(m, sizeof(m), "%s: the chip proved it holds its private key",
		    what);
	else if (rc == TDV_ENOENT)
		snprintf(m, sizeof(m), "%s: not offered by this chip", what);
	else if (rc == TDV_EUNSUPPORTED)
		snprintf(m, sizeof(m), "%s: protocol not supported here", what);
	else if (rc == TDV_ECHIP_AUTH)
		snprintf(m, sizeof(m),
		    "%s FAILED: the chip cannot prove its key (possible clone)", what);
	else
		snprintf(m, sizeof(m), "%s could not run: %s", what, tdv_strerror(rc));
	return m;
}

static const char *
access_name(tdv_chip_access a)
{
	return a == TDV_CHIP_ACCESS_PACE ? "PACE"
	    : a == TDV_CHIP_ACCESS_BAC ? "BAC" : "none";
}

struct read_opts {
	const char *mrz_text, *can, *reader, *out, *trust, *crl, *today_arg;
	bool json, verify, bac;
	int timeout;
};

static int
do_read(struct read_opts *o)
{
	tdv_date today;
	tdv_chip_mrz_key key;
	tdv_mrz m;
	char mrzbuf[256];
	if (o->today_arg != NULL) {
		if (cli_parse_today(o->today_arg, &today) != CLI_OK)
			return CLI_USAGE;
	} else {
		cli_today(&today);
	}
	if (o->mrz_text == NULL && o->can == NULL)
		return cli_error("chip read: --mrz or --can is required");
	if (o->verify && o->trust == NULL)
		return cli_error("chip read: --verify needs --trust DIR");
	if (o->mrz_text != NULL) {
		size_t n = strlen(o->mrz_text);
		if (n >= sizeof(mrzbuf))
			return cli_error("chip read: --mrz is too long");
		memcpy(mrzbuf, o->mrz_text, n + 1);
		(void)tdv_mrz_parse_text(mrzbuf, n, &today, &m);
		if (tdv_chip_mrz_key_from_mrz(&key, &m) != TDV_OK)
			return cli_error("chip read: --mrz: not a machine readable zone");
	}
	tdv_trust *trust = NULL;
	if (o->verify) {
		int bad = 0;
		trust = tdv_trust_new();
		if (trust == NULL)
			return cli_error("out of memory");
		int rc = tdv_trust_load_dir(trust, o->trust, &bad);
		if (rc == TDV_OK && o->crl != NULL)
			rc = tdv_trust_load_file(trust, o->crl);
		if (rc != TDV_OK) {
			tdv_trust_free(&trust);
			return cli_error("chip read: trust store: %s", tdv_strerror(rc));
		}
	}

	tdv_chip_transport *t = NULL;
	tdv_chip *c = NULL;
	tdv_lds *lds = tdv_lds_new();
	struct progress prog = {.on = isatty(2) && !o->json};
	int rc = lds ? tdv_chip_transport_open_pcsc(&t, o->reader, o->timeout * 1000)
		     : TDV_ENOMEM;
	if (rc != TDV_OK) {
		tdv_lds_free(&lds);
		tdv_trust_free(&trust);
		return cli_error("chip read: %s%s", tdv_strerror(rc),
		    rc == TDV_ECHIP_TRANSPORT ? " (is pcscd running?)" : "");
	}
	rc = tdv_chip_new(&c, t);
	tdv_chip_report rep;
	memset(&rep, 0, sizeof(rep));
	if (rc == TDV_OK) {
		tdv_chip_set_progress(c, show_progress, &prog);
		tdv_chip_read_options ro = {.mrz = o->mrz_text ? &key : NULL,
		    .can = o->can, .no_pace = o->bac};
		rc = tdv_chip_read_document(c, &ro, lds, &rep);
	}
	if (prog.on)
		fprintf(stderr, "\r%-40s\r", "");
	tdv_chip_free(&c);
	tdv_chip_transport_free(&t);
	if (rc != TDV_OK) {
		tdv_lds_free(&lds);
		tdv_trust_free(&trust);
		if (rc == TDV_ECHIP_AUTH) {
			fprintf(stderr, "tdverify: chip read: access control failed "
					"(wrong MRZ or CAN?)\n");
			return CLI_INVALID;
		}
		return cli_error("chip read: %s", tdv_strerror(rc));
	}
	if (o->out != NULL && (rc = tdv_lds_save_dir(lds, o->out)) != TDV_OK) {
		tdv_lds_free(&lds);
		tdv_trust_free(&trust);
		return cli_error("chip read: --out %s: %s", o->out, tdv_strerror(rc));
	}

	tdv_pa_result pa;
	bool have_pa = false;
	if (o->verify) {
		tdv_pa_options po = {.today = today, .printed_mrz = o->mrz_text,
		    .printed_mrz_len = o->mrz_text ? strlen(o->mrz_text) : 0};
		rc = tdv_pa_verify(trust, lds, &po, &pa);
		if (rc != TDV_OK) {
			tdv_lds_free(&lds);
			tdv_trust_free(&trust);
			return cli_error("chip read: passive authentication: %s",
			    tdv_strerror(rc));
		}
		have_pa = true;
	}
	bool clone = rep.aa_rc != TDV_OK && rep.aa_rc != TDV_ENOENT &&
	    rep.aa_rc != TDV_EUNSUPPORTED;
	clone = clone || (rep.ca_rc != TDV_OK && rep.ca_rc != TDV_ENOENT &&
			     rep.ca_rc != TDV_EUNSUPPORTED);
	bool valid = !clone && (!have_pa || pa.verdict != TDV_PA_FAIL);
	const char *verdict = !valid ? "fail"
	    : (have_pa && pa.verdict == TDV_PA_PASS_WARN) ? "warn" : "pass";

	tdv_buf out;
	tdv_buf_init(&out, 1 << 20);
	if (o->json) {
		tdv_json j;
		tdv_json_init(&j, &out);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "access");
		tdv_json_string(&j, access_name(rep.access));
		if (rep.access == TDV_CHIP_ACCESS_PACE) {
			tdv_json_key(&j, "pace_oid");
			tdv_json_string(&j, rep.pace_oid);
			tdv_json_key(&j, "pace_parameter_id");
			tdv_json_int(&j, rep.pace_parameter_id);
		}
		tdv_json_key(&j, "files");
		tdv_json_array_begin(&j);
		for (int i = 0; i < rep.nfiles; i++) {
			const uint8_t *d;
			size_t l = 0;
			(void)tdv_lds_get(lds, rep.files[i], &d, &l);
			tdv_json_object_begin(&j);
			tdv_json_key(&j, "name");
			tdv_json_string(&j, tdv_lds_ef_name(rep.files[i]));
			tdv_json_key(&j, "bytes");
			tdv_json_int(&j, (int64_t)l);
			tdv_json_object_end(&j);
		}
		tdv_json_array_end(&j);
		tdv_json_key(&j, "not_read");
		tdv_json_array_begin(&j);
		for (int i = 0; i < rep.nskipped; i++) {
			tdv_json_object_begin(&j);
			tdv_json_key(&j, "name");
			tdv_json_string(&j, tdv_lds_ef_name(rep.skipped[i]));
			tdv_json_key(&j, "reason");
			tdv_json_string(&j, tdv_strerror(rep.skipped_rc[i]));
			tdv_json_object_end(&j);
		}
		tdv_json_array_end(&j);
		tdv_json_key(&j, "aa");
		tdv_json_string(&j, auth_status(rep.aa_rc));
		tdv_json_key(&j, "ca");
		tdv_json_string(&j, auth_status(rep.ca_rc));
		tdv_json_key(&j, "apdus");
		tdv_json_int(&j, (int64_t)rep.apdus);
		tdv_json_key(&j, "read_apdus");
		tdv_json_int(&j, (int64_t)rep.read_apdus);
		tdv_json_key(&j, "bytes");
		tdv_json_int(&j, (int64_t)rep.bytes);
		if (have_pa) {
			tdv_json_key(&j, "pa");
			tdv_pa_to_json(&pa, &j);
		}
		tdv_json_key(&j, "verdict");
		tdv_json_string(&j, verdict);
		tdv_json_object_end(&j);
		tdv_buf_putc(&out, '\n');
	} else {
		tdv_buf_printf(&out, "Access control: %s", access_name(rep.access));
		if (rep.access == TDV_CHIP_ACCESS_PACE)
			tdv_buf_printf(&out, " (%s, parameters %d)", rep.pace_oid,
			    rep.pace_parameter_id);
		tdv_buf_printf(&out, "\nFiles read (%zu bytes, %lu APDUs, %lu READ BINARY):\n",
		    rep.bytes, rep.apdus, rep.read_apdus);
		for (int i = 0; i < rep.nfiles; i++) {
			const uint8_t *d;
			size_t l = 0;
			(void)tdv_lds_get(lds, rep.files[i], &d, &l);
			tdv_buf_printf(&out, "  %-14s %7zu bytes\n",
			    tdv_lds_ef_name(rep.files[i]), l);
		}
		for (int i = 0; i < rep.nskipped; i++)
			tdv_buf_printf(&out, "  %-14s not read: %s\n",
			    tdv_lds_ef_name(rep.skipped[i]),
			    tdv_strerror(rep.skipped_rc[i]));
		tdv_buf_printf(&out, "[%s] chip.aa  %s\n", auth_status(rep.aa_rc),
		    auth_message(rep.aa_rc, "Active Authentication"));
		tdv_buf_printf(&out, "[%s] chip.ca  %s\n", auth_status(rep.ca_rc),
		    auth_message(rep.ca_rc, "Chip Authentication"));
		if (have_pa)
			tdv_pa_report(&pa, &out);
		tdv_buf_printf(&out, "Verdict: %s\n", verdict);
	}
	fwrite(out.data, 1, out.len, stdout);
	tdv_buf_free(&out);
	tdv_lds_free(&lds);
	tdv_trust_free(&trust);
	return valid ? CLI_OK : CLI_INVALID;
}

static int
cmd_read(int argc, char **argv)
{
	struct read_opts o = {.timeout = 10};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **val = NULL;
		if (cli_flag(a, "-h") || cli_flag(a, "--help")) {
			chip_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--json")) {
			o.json = true;
		} else if (cli_flag(a, "--verify")) {
			o.verify = true;
		} else if (cli_flag(a, "--bac")) {
			o.bac = true;
		} else if (cli_flag(a, "--mrz")) {
			val = &o.mrz_text;
		} else if (cli_flag(a, "--can")) {
			val = &o.can;
		} else if (cli_flag(a, "--reader")) {
			val = &o.reader;
		} else if (cli_flag(a, "--out")) {
			val = &o.out;
		} else if (cli_flag(a, "--trust")) {
			val = &o.trust;
		} else if (cli_flag(a, "--crl")) {
			val = &o.crl;
		} else if (cli_flag(a, "--today")) {
			val = &o.today_arg;
		} else if (cli_flag(a, "--timeout")) {
			if (i + 1 >= argc)
				return cli_error("chip read: --timeout needs a value");
			char *end = NULL;
			errno = 0;
			long v = strtol(argv[++i], &end, 10);
			if (errno != 0 || end == argv[i] || *end != '\0' || v < 0 ||
			    v > 3600)
				return cli_error("chip read: --timeout: 0..3600 seconds");
			o.timeout = (int)v;
			continue;
		} else {
			return cli_error("chip read: unknown option '%s'", a);
		}
		if (val != NULL) {
			if (i + 1 >= argc)
				return cli_error("chip read: %s needs a value", a);
			*val = argv[++i];
		}
	}
	return do_read(&o);
}

int
cmd_chip(int argc, char **argv)
{
	if (argc < 2) {
		chip_usage(stderr);
		return CLI_USAGE;
	}
	if (cli_flag(argv[1], "-h") || cli_flag(argv[1], "--help")) {
		chip_usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "readers") == 0)
		return cmd_readers(argc - 1, argv + 1);
	if (strcmp(argv[1], "read") == 0)
		return cmd_read(argc - 1, argv + 1);
	cli_error("chip: unknown subcommand '%s'", argv[1]);
	chip_usage(stderr);
	return CLI_USAGE;
}
