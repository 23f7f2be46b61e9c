/*
 * tdverify check: inspect one document (the tdv_inspection pipeline) and,
 * with --record, store the movement and its audit entry.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_store.h"
#include "tdv/error.h"
#include "tdv/image.h"
#include "tdv/inspect.h"
#include "tdv/inspect_screen.h"
#include "tdv/ocr.h"

static void
check_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify check [--json] [--today YYYY-MM-DD] --mrz TEXT|--mrz-file FILE\n"
	    "                      [--sltd INDEX] [--watchlist CSV]\n"
	    "                      [--no-screening-required] [--require-chip]\n"
	    "                      [--image FILE] [--chip] [--reader R] [--trust DIR]\n"
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
	    "  --chip, --reader, --trust\n"
	    "                    chip evidence: not wired to this command yet; reported\n"
	    "                    as skipped checks (and the verdict is REFER)\n"
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

struct check_opts {
	bool json, record, no_screening, require_chip, chip;
	const char *mrz, *mrz_file, *sltd, *watchlist, *image, *reader, *trust;
	const char *checkpoint, *direction, *officer, *decision, *reason, *db;
	tdv_date today;
};

static int
parse_args(int argc, char **argv, struct check_opts *o)
{
	cli_today(&o->today);
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
		} else if (cli_flag(a, "--trust")) {
			val = &o->trust;
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
	pol.require_chip = o.require_chip || o.chip || o.reader != NULL || o.trust != NULL;
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
	/* Evidence this command cannot take yet is said so, as skipped checks. */
	if (o.chip || o.reader != NULL || o.trust != NULL)
		tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_SKIP,
		    "chip reading is not available in this build", NULL);
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
	tdv_inspection_free(&ins);
	return exit_code;
}
