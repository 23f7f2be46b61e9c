/*
 * tdverify check: inspect one document (the tdv_inspection pipeline) and,
 * with --record, store the movement and its audit entry.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_store.h"
#include <errno.h>
#include <sys/stat.h>

#include "tdv/chip.h"
#include "tdv/error.h"
#include "tdv/image.h"
#include "tdv/inspect.h"
#include "tdv/inspect_pa.h"
#include "tdv/inspect_screen.h"
#include "tdv/lds.h"
#include "tdv/ocr.h"
#include "tdv/pa.h"

static void
check_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify check [--json] [--today YYYY-MM-DD] --mrz TEXT|--mrz-file FILE\n"
	    "                      [--sltd INDEX] [--watchlist CSV]\n"
	    "                      [--no-screening-required] [--require-chip]\n"
	    "                      [--image FILE] [--chip [--reader R] [--can CAN] [--bac]\n"
	    "                       [--timeout S] --trust DIR|--masterlist FILE [--crl FILE]]\n"
	    "                      [--record --checkpoint ID --direction entry|exit\n"
	    "                       --officer ID [--decision admitted|refused|referred]\n"
	    "                       [--reason TEXT]] [--db sqlite:PATH|postgres:CONNINFO]\n\n"
	    "Run every check on one document and give the verdict PASS, REFER or\n"
	    "FAIL with the reason for each check. Checks whose evidence or module is\n"
	    "missing are listed as skipped, never as passed.\n\n"
	    "options:\n"
	    "  --mrz TEXT        the MRZ, lines separated by '|' or newlines\n"
	    "  --mrz-file FILE   read the MRZ from FILE ('-' for stdin)\n"
	    "  --sltd INDEX      lost/stolen index (tdverify sltd import) to screen against\n"
	    "  --watchlist CSV   watchlist of persons (tdverify watchlist format)\n"
	    "  --no-screening-required  a skipped screening does not force REFER\n"
	    "  --require-chip    a skipped chip check forces REFER\n"
	    "  --image FILE      photo or scan of the data page (PNG/JPEG): the MRZ is\n"
	    "                    read from it (or compared with the typed one)\n"
	    "  --chip            read the chip over PC/SC: BAC or PACE with the MRZ\n"
	    "                    (typed or read from --image), EF.COM, EF.SOD and the\n"
	    "                    data groups, Active and Chip Authentication, Passive\n"
	    "                    Authentication; a chip that cannot be read or opened\n"
	    "                    makes the verdict REFER\n"
	    "  --reader R        PC/SC reader (default: the first with a card; implies --chip)\n"
	    "  --can CAN         open the chip with PACE and the Card Access Number\n"
	    "  --bac             use BAC even when the chip offers PACE\n"
	    "  --timeout S       wait S seconds for a card (default 10)\n"
	    "  --trust DIR|FILE  CSCA certificates, master lists and CRLs (repeatable)\n"
	    "  --masterlist FILE an ICAO CSCA master list (repeatable)\n"
	    "  --crl FILE        a CRL (repeatable)\n"
	    "  --record          store the movement (needs --checkpoint, --direction,\n"
	    "                    --officer; the officer must be an active account)\n"
	    "  --decision D      the officer's decision; default from the verdict\n"
	    "                    (PASS admitted, REFER referred, FAIL refused)\n"
	    "  --reason TEXT     reason for the decision (default: the first failed\n"
	    "                    or doubtful check)\n"
	    "  --db URI          store (default " CLI_DEFAULT_DB ")\n"
	    "  --json            one JSON object (NDJSON)\n"
	    "  --today DATE      inspection day (default: today, UTC)\n\n"
	    "exit status: 0 PASS, 1 REFER or FAIL, 2 usage, input or store error\n");
}

#define CHECK_MAX_TRUST 16

struct check_opts {
	bool json, record, no_screening, require_chip, chip, bac;
	const char *mrz, *mrz_file, *sltd, *watchlist, *image, *reader, *can;
	const char *checkpoint, *direction, *officer, *decision, *reason, *db;
	/* trust sources in command-line order: --trust, --masterlist, --crl */
	int ntrust;
	const char *trust[CHECK_MAX_TRUST];
	bool trust_is_crl[CHECK_MAX_TRUST];
	int timeout;
	tdv_date today;
};

static int
parse_args(int argc, char **argv, struct check_opts *o)
{
	cli_today(&o->today);
	o->timeout = 10;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **val = NULL;
		if (cli_flag(a, "-h") || cli_flag(a, "--help")) {
			check_usage(stdout);
			return -1;
		} else if (cli_flag(a, "--json")) {
			o->json = true;
		} else if (cli_flag(a, "--record")) {
			o->record = true;
		} else if (cli_flag(a, "--no-screening-required")) {
			o->no_screening = true;
		} else if (cli_flag(a, "--require-chip")) {
			o->require_chip = true;
		} else if (cli_flag(a, "--chip")) {
			o->chip = true;
		} else if (cli_flag(a, "--bac")) {
			o->bac = true;
		} else if (cli_flag(a, "--trust") || cli_flag(a, "--masterlist") ||
		    cli_flag(a, "--crl")) {
			if (i + 1 >= argc)
				return cli_error("%s needs a value", a);
			if (o->ntrust >= CHECK_MAX_TRUST)
				return cli_error("check: at most %d --trust/--masterlist/--crl",
				    CHECK_MAX_TRUST);
			o->trust_is_crl[o->ntrust] = cli_flag(a, "--crl");
			o->trust[o->ntrust++] = argv[++i];
		} else if (cli_flag(a, "--timeout")) {
			if (i + 1 >= argc)
				return cli_error("--timeout needs a value");
			char *end = NULL;
			errno = 0;
			long v = strtol(argv[++i], &end, 10);
			if (errno != 0 || end == argv[i] || *end != '\0' || v < 0 || v > 3600)
				return cli_error("--timeout: 0..3600 seconds");
			o->timeout = (int)v;
		} else if (cli_flag(a, "--today")) {
			if (i + 1 >= argc)
				return cli_error("--today needs a value");
			if (cli_parse_today(argv[++i], &o->today) != CLI_OK)
				return CLI_USAGE;
		} else if (cli_flag(a, "--mrz")) {
			val = &o->mrz;
		} else if (cli_flag(a, "--mrz-file")) {
			val = &o->mrz_file;
		} else if (cli_flag(a, "--sltd")) {
			val = &o->sltd;
		} else if (cli_flag(a, "--watchlist")) {
			val = &o->watchlist;
		} else if (cli_flag(a, "--image")) {
			val = &o->image;
		} else if (cli_flag(a, "--reader")) {
			val = &o->reader;
		} else if (cli_flag(a, "--can")) {
			val = &o->can;
		} else if (cli_flag(a, "--checkpoint")) {
			val = &o->checkpoint;
		} else if (cli_flag(a, "--direction")) {
			val = &o->direction;
		} else if (cli_flag(a, "--officer")) {
			val = &o->officer;
		} else if (cli_flag(a, "--decision")) {
			val = &o->decision;
		} else if (cli_flag(a, "--reason")) {
			val = &o->reason;
		} else if (cli_flag(a, "--db")) {
			val = &o->db;
		} else {
			return cli_error("check: unknown option '%s' (try --help)", a);
		}
		if (val != NULL) {
			if (i + 1 >= argc)
				return cli_error("%s needs a value", a);
			*val = argv[++i];
		}
	}
	if (o->mrz != NULL && o->mrz_file != NULL)
		return cli_error("check: give --mrz or --mrz-file, not both");
	if (o->reader != NULL || o->can != NULL || o->bac)
		o->chip = true;
	if (o->ntrust > 0 && !o->chip)
		return cli_error("check: --trust/--masterlist/--crl need --chip");
	bool anchor = false;
	for (int i = 0; i < o->ntrust; i++)
		anchor = anchor || !o->trust_is_crl[i];
	if (o->chip && !anchor)
		return cli_error("check --chip needs --trust DIR or --masterlist FILE "
				 "(the CSCAs Passive Authentication checks against)");
	if (o->record && (o->checkpoint == NULL || o->direction == NULL ||
			     o->officer == NULL))
		return cli_error("check --record needs --checkpoint, --direction and --officer");
	return CLI_OK;
}

/* Read at most cap-1 bytes of an MRZ file; more is an input error. */
static int
read_mrz_file(const char *path, char *buf, size_t cap, size_t *len)
{
	FILE *f = cli_open_input(path);
	if (f == NULL)
		return CLI_USAGE;
	size_t n = fread(buf, 1, cap, f);
	bool err = ferror(f) != 0;
	if (f != stdin)
		fclose(f);
	if (err)
		return cli_error("%s: read error", path);
	/* trailing newlines and blanks are not part of the MRZ */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	if (n >= cap)
		return cli_error("%s: too long for an MRZ", path);
	buf[n] = '\0';
	*len = n;
	return CLI_OK;
}

/*
 * The MRZ read from the data-page image: the evidence when nothing was
 * typed, else compared with what was typed (image.mrz).
 */
static int
read_image(const struct check_opts *o, tdv_inspection *ins, bool typed)
{
	tdv_image *img = NULL;
	int rc = tdv_image_read_file(o->image, NULL, 1, &img);
	if (rc != TDV_OK)
		return cli_error("%s: %s", o->image, tdv_strerror(rc));
	tdv_ocr_result *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		tdv_image_free(&img);
		return cli_error("out of memory");
	}
	rc = tdv_ocr_read(img, &o->today, r);
	tdv_image_free(&img);
	int code = CLI_OK;
	if (rc == TDV_EOCR_NOMRZ) {
		tdv_inspection_add_check(ins, "image.mrz", TDV_INSPECT_WARN,
		    "no MRZ found in the image", NULL);
	} else if (rc != TDV_OK) {
		code = cli_error("%s: %s", o->image, tdv_strerror(rc));
	} else if (!typed) {
		tdv_inspection_set_mrz(ins, &r->mrz, TDV_EVIDENCE_OCR);
		tdv_inspection_add_check(ins, "image.mrz", TDV_INSPECT_PASS,
		    r->mrz.ncorrections ? "MRZ read from the image (OCR corrections by check digit)"
					: "MRZ read from the image",
		    NULL);
	} else {
		const tdv_mrz *t = tdv_inspection_mrz(ins);
		bool same = t != NULL && t->nlines == r->mrz.nlines;
		for (int i = 0; same && i < t->nlines && i < TDV_MRZ_MAX_LINES; i++)
			same = strcmp(t->lines[i], r->mrz.lines[i]) == 0;
		tdv_inspection_add_check(ins, "image.mrz", same ? TDV_INSPECT_PASS : TDV_INSPECT_WARN,
		    same ? "MRZ in the image equals the typed MRZ"
			 : "MRZ in the image differs from the typed MRZ", NULL);
	}
	memset(r, 0, sizeof(*r));
	free(r);
	return code;
}

/* Load the CSCAs, master lists and CRLs given; a source that does not
 * load is a usage error (a station must not inspect against half a
 * trust store without saying so). */
static int
load_trust(const struct check_opts *o, tdv_trust **out)
{
	tdv_trust *t = tdv_trust_new();
	if (t == NULL)
		return cli_error("out of memory");
	for (int i = 0; i < o->ntrust; i++) {
		struct stat st;
		int bad = 0, rc;
		if (stat(o->trust[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc = tdv_trust_load_dir(t, o->trust[i], &bad);
		else
			rc = tdv_trust_load_file(t, o->trust[i]);
		if (rc != TDV_OK) {
			tdv_trust_free(&t);
			return cli_error("%s: %s", o->trust[i], tdv_strerror(rc));
		}
		if (bad > 0)
			fprintf(stderr, "tdverify: %s: %d file(s) skipped "
					"(not a certificate, CRL or master list)\n",
			    o->trust[i], bad);
	}
	if (tdv_trust_csca_count(t) == 0) {
		tdv_trust_free(&t);
		return cli_error("check --chip: no CSCA certificate in --trust/--masterlist");
	}
	*out = t;
	return CLI_OK;
}

static const char *
access_name(tdv_chip_access a)
{
	return a == TDV_CHIP_ACCESS_PACE ? "PACE" : a == TDV_CHIP_ACCESS_BAC ? "BAC" : "none";
}

/* chip.aa_ca from the chip module's AA and CA results. */
static void
add_aa_ca(tdv_inspection *ins, const tdv_chip_report *rep)
{
	int rcs[2] = {rep->aa_rc, rep->ca_rc};
	const char *names[2] = {"Active Authentication", "Chip Authentication"};
	char msg[TDV_CHECK_MSG_MAX + 1];
	size_t n = 0;
	int passed = 0, failed = 0, broken = 0;
	msg[0] = '\0';
	for (int i = 0; i < 2; i++) {
		const char *what;
		if (rcs[i] == TDV_OK) {
			what = "passed";
			passed++;
		} else if (rcs[i] == TDV_ENOENT) {
			what = "not offered by the chip";
		} else if (rcs[i] == TDV_EUNSUPPORTED) {
			what = "protocol not supported here";
		} else if (rcs[i] == TDV_ECHIP_AUTH) {
			what = "FAILED: the chip cannot prove it holds the key (clone?)";
			failed++;
		} else {
			what = tdv_strerror(rcs[i]);
			broken++;
		}
		int k = snprintf(msg + n, sizeof(msg) - n, "%s%s %s", i ? "; " : "",
		    names[i], what);
		if (k > 0 && (size_t)k < sizeof(msg) - n)
			n += (size_t)k;
	}
	if (failed > 0)
		tdv_inspection_add_check(ins, "chip.aa_ca", TDV_INSPECT_FAIL, msg, "chip_clone");
	else if (broken > 0)
		tdv_inspection_add_check(ins, "chip.aa_ca", TDV_INSPECT_WARN, msg, NULL);
	else if (passed > 0)
		tdv_inspection_add_check(ins, "chip.aa_ca", TDV_INSPECT_PASS, msg, NULL);
	else
		tdv_inspection_add_check(ins, "chip.aa_ca", TDV_INSPECT_SKIP, msg, NULL);
}

/*
 * The chip as evidence: open it over PC/SC with BAC/PACE (the MRZ of the
 * inspection, or --can), read it as the chip module does (EF.COM, EF.SOD,
 * the data groups, AA with DG15, CA with DG14), then Passive
 * Authentication against the trust store with the printed MRZ.
 * A chip that cannot be reached or opened is a warning (REFER) with the
 * reason; the reading itself failing is not a usage error.
 */
static int
read_chip(const struct check_opts *o, tdv_inspection *ins, const tdv_trust *trust)
{
	const tdv_mrz *m = tdv_inspection_mrz(ins);
	tdv_chip_mrz_key key;
	bool have_key = m != NULL && tdv_chip_mrz_key_from_mrz(&key, m) == TDV_OK;
	if (!have_key && o->can == NULL) {
		tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_WARN,
		    "chip not read: no readable MRZ to open it with (BAC/PACE need the "
		    "document number, birth and expiry dates) and no --can", NULL);
		return CLI_OK;
	}
	tdv_chip_transport *t = NULL;
	tdv_chip *c = NULL;
	tdv_lds *lds = tdv_lds_new();
	if (lds == NULL)
		return cli_error("out of memory");
	char msg[TDV_CHECK_MSG_MAX + 1];
	int rc = tdv_chip_transport_open_pcsc(&t, o->reader, o->timeout * 1000);
	if (rc != TDV_OK) {
		snprintf(msg, sizeof(msg), "chip not read: %s%s%.200s%s", tdv_strerror(rc),
		    o->reader ? " (reader " : "", o->reader ? o->reader : "",
		    o->reader ? ")" : "");
		tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_WARN, msg, NULL);
		tdv_lds_free(&lds);
		return CLI_OK;
	}
	tdv_chip_report rep;
	memset(&rep, 0, sizeof(rep));
	rc = tdv_chip_new(&c, t);
	if (rc == TDV_OK) {
		tdv_chip_read_options ro = {.mrz = have_key ? &key : NULL, .can = o->can,
		    .no_pace = o->bac};
		rc = tdv_chip_read_document(c, &ro, lds, &rep);
	}
	tdv_chip_free(&c);
	tdv_chip_transport_free(&t);
	memset(&key, 0, sizeof(key));
	if (rc == TDV_ECHIP_AUTH) {
		tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_WARN,
		    o->can ? "chip not read: access control (PACE) failed with the CAN given"
			   : "chip not read: access control (BAC/PACE) failed with the printed "
			     "MRZ: mistyped or misread MRZ, or a chip that does not belong to "
			     "this data page",
		    NULL);
		tdv_lds_free(&lds);
		return CLI_OK;
	}
	if (rc != TDV_OK) {
		snprintf(msg, sizeof(msg), "chip not read: %s", tdv_strerror(rc));
		tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_WARN, msg, NULL);
		tdv_lds_free(&lds);
		return CLI_OK;
	}

	size_t n = (size_t)snprintf(msg, sizeof(msg), "read with %s: %d files, %zu bytes, %lu APDUs",
	    access_name(rep.access), rep.nfiles, rep.bytes, rep.apdus);
	for (int i = 0; i < rep.nskipped && n < sizeof(msg); i++) {
		int k = snprintf(msg + n, sizeof(msg) - n, "%s%s not read (%s)",
		    i ? ", " : "; ", tdv_lds_ef_name(rep.skipped[i]),
		    tdv_strerror(rep.skipped_rc[i]));
		if (k < 0)
			break;
		n += (size_t)k;
	}
	tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_PASS, msg, NULL);
	add_aa_ca(ins, &rep);

	/* DG1 as evidence of its own (chip.dg1_match names the differing field) */
	const uint8_t *d;
	size_t dlen = 0;
	if (tdv_lds_get(lds, TDV_EF_DG1, &d, &dlen) == TDV_OK) {
		tdv_lds_dg1 *dg1 = calloc(1, sizeof(*dg1));
		if (dg1 == NULL) {
			tdv_lds_free(&lds);
			return cli_error("out of memory");
		}
		if (tdv_lds_parse_dg1(d, dlen, &o->today, dg1) == TDV_OK)
			tdv_inspection_set_chip_dg1(ins, &dg1->mrz);
		memset(dg1, 0, sizeof(*dg1));
		free(dg1);
	}

	/* Passive Authentication with the printed MRZ */
	char printed[3 * (TDV_MRZ_LINE_MAX + 1) + 1];
	size_t plen = 0;
	for (int i = 0; m != NULL && i < m->nlines && i < TDV_MRZ_MAX_LINES; i++) {
		size_t l = strnlen(m->lines[i], sizeof(m->lines[i]));
		if (plen + l + 2 > sizeof(printed))
			break;
		if (i > 0)
			printed[plen++] = '\n';
		memcpy(printed + plen, m->lines[i], l);
		plen += l;
	}
	printed[plen] = '\0';
	tdv_pa_result *pa = calloc(1, sizeof(*pa));
	if (pa == NULL) {
		tdv_lds_free(&lds);
		return cli_error("out of memory");
	}
	tdv_pa_options po = {.today = o->today, .printed_mrz = plen ? printed : NULL,
	    .printed_mrz_len = plen};
	rc = tdv_pa_verify(trust, lds, &po, pa);
	tdv_lds_free(&lds);
	if (rc == TDV_OK)
		rc = tdv_inspection_add_pa(ins, pa);
	memset(pa, 0, sizeof(*pa));
	free(pa);
	if (rc != TDV_OK)
		return cli_error("passive authentication: %s", tdv_strerror(rc));
	return CLI_OK;
}

static int
record(const struct check_opts *o, const tdv_inspection *ins, tdv_movement *m)
{
	memset(m, 0, sizeof(*m));
	if (snprintf(m->checkpoint_id, sizeof(m->checkpoint_id), "%s", o->checkpoint) >=
		(int)sizeof(m->checkpoint_id) ||
	    snprintf(m->officer_id, sizeof(m->officer_id), "%s", o->officer) >=
		(int)sizeof(m->officer_id))
		return cli_error("--checkpoint/--officer: id too long");
	if (tdv_direction_parse(o->direction, &m->direction) != TDV_OK)
		return cli_error("--direction: expected entry or exit, got '%s'", o->direction);
	tdv_verdict v = tdv_inspection_verdict(ins);
	if (o->decision != NULL) {
		if (tdv_decision_parse(o->decision, &m->decision) != TDV_OK)
			return cli_error("--decision: expected admitted, refused or referred");
	} else {
		m->decision = v == TDV_VERDICT_PASS ? TDV_DECISION_ADMITTED
		    : v == TDV_VERDICT_FAIL	    ? TDV_DECISION_REFUSED
						    : TDV_DECISION_REFERRED;
	}
	int rc = tdv_inspection_to_movement(ins, m);
	if (rc != TDV_OK)
		return cli_error("cannot record: %s", tdv_strerror(rc));
	if (o->reason != NULL) {
		if (snprintf(m->reason, sizeof(m->reason), "%s", o->reason) >=
		    (int)sizeof(m->reason))
			return cli_error("--reason: at most %d bytes", TDV_REASON_MAX);
	} else {
		for (int i = 0; i < tdv_inspection_ncheck(ins); i++) {
			const tdv_inspect_check *c = tdv_inspection_check(ins, i);
			if (c->status == TDV_INSPECT_FAIL ||
			    (v == TDV_VERDICT_REFER && c->status != TDV_INSPECT_PASS)) {
				snprintf(m->reason, sizeof(m->reason), "%s: %.200s", c->id,
				    c->message);
				break;
			}
		}
	}
	tdv_store *st = cli_store_open(o->db);
	if (st == NULL)
		return CLI_USAGE;
	rc = tdv_store_record_movement(st, m);
	if (rc != TDV_OK) {
		cli_error("cannot record the movement: %s%s%s", tdv_strerror(rc),
		    *tdv_store_errmsg(st) ? ": " : "", tdv_store_errmsg(st));
		if (rc == TDV_EAUTH)
			cli_error("officer '%s' is not an active account", o->officer);
		else if (rc == TDV_ENOENT)
			cli_error("checkpoint '%s' is not registered (tdverify checkpoint add)",
			    o->checkpoint);
		tdv_store_free(&st);
		return CLI_USAGE;
	}
	tdv_store_free(&st);
	return CLI_OK;
}

int
cmd_check(int argc, char **argv)
{
	struct check_opts o;
	memset(&o, 0, sizeof(o));
	int rc = parse_args(argc, argv, &o);
	if (rc < 0)
		return CLI_OK;
	if (rc != CLI_OK)
		return rc;

	char text[512];
	size_t len = 0;
	if (o.mrz_file != NULL) {
		if ((rc = read_mrz_file(o.mrz_file, text, sizeof(text), &len)) != CLI_OK)
			return rc;
	} else if (o.mrz != NULL) {
		len = strlen(o.mrz);
		if (len >= sizeof(text))
			return cli_error("--mrz: too long for an MRZ");
		memcpy(text, o.mrz, len + 1);
	} else if (o.image == NULL) {
		return cli_error("check: give the document's MRZ (--mrz, --mrz-file or --image)");
	}

	tdv_inspection *ins = NULL;
	tdv_sltd *sltd = NULL;
	tdv_watchlist *wl = NULL;
	tdv_trust *trust = NULL;
	tdv_movement *m = NULL;
	int exit_code = CLI_USAGE;
	if (tdv_inspection_new(&ins) != TDV_OK) {
		cli_error("out of memory");
		goto out;
	}
	tdv_inspect_policy pol;
	tdv_inspect_policy_default(&pol);
	pol.require_screening = !o.no_screening;
	/* asking for the chip and not getting it is a reason to refer */
	pol.require_chip = o.require_chip || o.chip;
	tdv_inspection_set_policy(ins, &pol);
	tdv_inspection_set_today(ins, &o.today);
	if (o.mrz != NULL || o.mrz_file != NULL) {
		rc = tdv_inspection_set_mrz_text(ins, text, len, TDV_EVIDENCE_TYPED);
		if (rc != TDV_OK) {
			cli_error("MRZ: %s", tdv_strerror(rc));
			goto out;
		}
	}
	if (o.image != NULL && read_image(&o, ins, o.mrz != NULL || o.mrz_file != NULL) != CLI_OK)
		goto out;
	if (o.chip) {
		if (load_trust(&o, &trust) != CLI_OK || read_chip(&o, ins, trust) != CLI_OK)
			goto out;
	}
	if (o.sltd != NULL) {
		rc = tdv_sltd_open(o.sltd, &sltd);
		if (rc != TDV_OK) {
			cli_error("%s: %s", o.sltd, tdv_strerror(rc));
			goto out;
		}
		tdv_inspection_set_sltd(ins, sltd);
	}
	if (o.watchlist != NULL) {
		FILE *f = cli_open_input(o.watchlist);
		if (f == NULL)
			goto out;
		tdv_watch_stats ws;
		rc = tdv_watchlist_load_csv(f, 0, NULL, NULL, &wl, &ws);
		if (f != stdin)
			fclose(f);
		if (rc != TDV_OK) {
			cli_error("%s: %s", o.watchlist, tdv_strerror(rc));
			goto out;
		}
		if (ws.rejected > 0)
			fprintf(stderr, "tdverify: %s: %lu malformed rows skipped\n", o.watchlist,
			    ws.rejected);
		tdv_inspection_set_watchlist(ins, wl);
	}
	if (tdv_inspection_run(ins) != TDV_OK) {
		cli_error("inspection failed");
		goto out;
	}
	if (o.record) {
		m = calloc(1, sizeof(*m));
		if (m == NULL || record(&o, ins, m) != CLI_OK)
			goto out;
	}

	tdv_buf out;
	tdv_buf_init(&out, 1 << 20);
	if (o.json) {
		tdv_json j;
		tdv_json_init(&j, &out);
		/* the inspection object, with the movement when recorded */
		tdv_json_object_begin(&j);
		tdv_inspection_json_members(ins, &j);
		if (m != NULL) {
			tdv_json_key(&j, "movement");
			tdv_json_object_begin(&j);
			tdv_json_key(&j, "id");
			tdv_json_string(&j, m->id);
			tdv_json_key(&j, "checkpoint");
			tdv_json_string(&j, m->checkpoint_id);
			tdv_json_key(&j, "seq");
			tdv_json_int(&j, m->seq);
			tdv_json_key(&j, "decision");
			tdv_json_string(&j, tdv_decision_name(m->decision));
			tdv_json_object_end(&j);
		}
		tdv_json_object_end(&j);
		tdv_buf_putc(&out, '\n');
	} else {
		tdv_inspection_report(ins, &out);
		if (m != NULL)
			tdv_buf_printf(&out, "recorded: movement %s, %s #%lld, %s\n", m->id,
			    m->checkpoint_id, (long long)m->seq,
			    tdv_decision_name(m->decision));
	}
	fwrite(out.data, 1, out.len, stdout);
	tdv_buf_free(&out);
	exit_code = tdv_inspection_verdict(ins) == TDV_VERDICT_PASS ? CLI_OK : CLI_INVALID;
out:
	if (m != NULL) {
		memset(m, 0, sizeof(*m));
		free(m);
	}
	tdv_sltd_free(&sltd);
	tdv_watchlist_free(&wl);
	tdv_trust_free(&trust);
	tdv_inspection_free(&ins);
	return exit_code;
}
