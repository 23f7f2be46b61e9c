/*
 * tdverify referral: the outcome of secondary inspection of a referred
 * traveller (record, show), and the movements of one document (find).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_store.h"
#include "tdv/error.h"
#include "tdv/json.h"

static void
referral_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify referral record MOVEMENT-ID --outcome admitted|refused\n"
	    "                                --officer ID [--reason TEXT] [--json] [--db URI]\n"
	    "       tdverify referral show MOVEMENT-ID [--json] [--db URI]\n"
	    "       tdverify referral find --state CODE --number DOCNO --officer ID\n"
	    "                              --checkpoint ID [--limit N] [--json] [--db URI]\n\n"
	    "record  the decision taken after secondary inspection of a movement that\n"
	    "        was recorded as referred: who took it, when and why. Once per\n"
	    "        movement, at the checkpoint that recorded it; audited\n"
	    "        (movement.referral) and sent to the centre by `tdverify sync`.\n"
	    "show    the outcome recorded for a movement.\n"
	    "find    the movements of one document (issuing state + number), newest\n"
	    "        first, with their outcomes; the lookup is audited as a read of\n"
	    "        personal data by --officer in --checkpoint's chain.\n\n"
	    "exit status: 0 success, 1 no such movement/outcome or refused (already\n"
	    "decided, not referred), 2 usage or store error\n");
}

static void
print_outcome(const tdv_referral_outcome *r, bool json)
{
	if (json) {
		tdv_buf b;
		tdv_buf_init(&b, 1 << 16);
		tdv_json j;
		tdv_json_init(&j, &b);
		tdv_referral_outcome_json(&j, r);
		printf("%s\n", tdv_buf_cstr(&b));
		tdv_buf_free(&b);
		return;
	}
	printf("movement %s (%s #%" PRId64 "): %s by %s, audit #%" PRId64 "%s%s\n",
	    r->movement_id, r->checkpoint_id, r->movement_seq,
	    tdv_decision_name(r->outcome), r->officer_id, r->audit_seq,
	    r->reason[0] ? ": " : "", r->reason);
}

struct find_ctx {
	bool json;
	int n;
};

static int
find_row(void *ctx, const tdv_movement *m, const tdv_referral_outcome *r)
{
	struct find_ctx *c = ctx;
	c->n++;
	if (c->json) {
		tdv_buf b;
		tdv_buf_init(&b, 1 << 20);
		tdv_json j;
		tdv_json_init(&j, &b);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "movement");
		tdv_movement_to_json(m, &j);
		tdv_json_key(&j, "referral");
		if (r != NULL)
			tdv_referral_outcome_json(&j, r);
		else
			tdv_json_null(&j);
		tdv_json_object_end(&j);
		printf("%s\n", tdv_buf_cstr(&b));
		tdv_buf_free(&b);
		return 0;
	}
	printf("%s %s #%" PRId64 " %-5s %s %s %s/%s %-8s%s%s\n", m->id, m->checkpoint_id,
	    m->seq, tdv_direction_name(m->direction), m->issuing_state, m->document_number,
	    m->surname, m->given_names, tdv_decision_name(m->decision),
	    r != NULL ? " -> " : "", r != NULL ? tdv_decision_name(r->outcome) : "");
	return 0;
}

int
cmd_referral(int argc, char **argv)
{
	if (argc < 2 || cli_flag(argv[1], "-h") || cli_flag(argv[1], "--help")) {
		referral_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1], *id = NULL, *db = NULL, *outcome = NULL, *officer = NULL;
	const char *reason = "", *state = NULL, *number = NULL, *cp = NULL;
	int limit = 100;
	bool json = false;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "-h") || cli_flag(a, "--help")) {
			referral_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--json")) {
			json = true;
		} else if (i + 1 < argc && cli_flag(a, "--db")) {
			db = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--outcome")) {
			outcome = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--officer")) {
			officer = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--reason")) {
			reason = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--state")) {
			state = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--number")) {
			number = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--checkpoint")) {
			cp = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--limit")) {
			const char *v = argv[++i];
			char *end = NULL;
			long n = strtol(v, &end, 10);
			if (end == v || *end != '\0' || n < 1 || n > 1000)
				return cli_error("referral: --limit takes 1..1000");
			limit = (int)n;
		} else if (a[0] != '-' && id == NULL) {
			id = a;
		} else {
			return cli_error("referral: unknown or incomplete option '%s' (try --help)", a);
		}
	}
	bool rec = strcmp(sub, "record") == 0, show = strcmp(sub, "show") == 0;
	bool find = strcmp(sub, "find") == 0;
	if (!rec && !show && !find)
		return cli_error("referral: unknown subcommand '%s' (record, show, find)", sub);
	if ((rec || show) && id == NULL)
		return cli_error("referral %s: MOVEMENT-ID is required", sub);
	tdv_referral_outcome r;
	memset(&r, 0, sizeof(r));
	if (rec) {
		if (outcome == NULL || officer == NULL)
			return cli_error("referral record: --outcome and --officer are required");
		if (tdv_decision_parse(outcome, &r.outcome) != TDV_OK ||
		    r.outcome == TDV_DECISION_REFERRED)
			return cli_error("referral record: --outcome is admitted or refused");
		if (snprintf(r.movement_id, sizeof(r.movement_id), "%s", id) >=
			(int)sizeof(r.movement_id) ||
		    snprintf(r.officer_id, sizeof(r.officer_id), "%s", officer) >=
			(int)sizeof(r.officer_id) ||
		    snprintf(r.reason, sizeof(r.reason), "%s", reason) >= (int)sizeof(r.reason))
			return cli_error("referral record: a value is too long");
	}
	if (find && (state == NULL || number == NULL || officer == NULL || cp == NULL))
		return cli_error("referral find: --state, --number, --officer and --checkpoint"
				 " are required");
	tdv_store *st = cli_store_open(db);
	if (st == NULL)
		return CLI_USAGE;
	int code = CLI_OK, rc;
	if (rec) {
		rc = tdv_store_referral_record(st, &r);
		const char *why = rc == TDV_ENOENT ? "no such movement"
		    : rc == TDV_EEXIST		   ? "it already has an outcome"
		    : rc == TDV_EINVAL		   ? "it was not referred, or a field is invalid"
		    : rc == TDV_EAUTH		   ? "officer unknown or disabled"
						   : NULL;
		if (rc == TDV_OK)
			print_outcome(&r, json);
		else if (why != NULL) {
			cli_error("referral record %s: %s", id, why);
			code = CLI_INVALID;
		} else
			code = cli_error("referral record: %s%s%s", tdv_strerror(rc),
			    tdv_store_errmsg(st)[0] ? ": " : "", tdv_store_errmsg(st));
	} else if (show) {
		rc = tdv_store_referral_get(st, id, &r);
		if (rc == TDV_OK)
			print_outcome(&r, json);
		else if (rc == TDV_ENOENT || rc == TDV_EINVAL) {
			cli_error("referral show: no outcome for %s", id);
			code = CLI_INVALID;
		}
		else
			code = cli_error("referral show: %s", tdv_strerror(rc));
	} else {
		struct find_ctx c = {json, 0};
		rc = tdv_store_movements_by_document(st, state, number, limit, officer, cp,
		    find_row, &c);
		if (rc != TDV_OK)
			code = cli_error("referral find: %s%s%s", tdv_strerror(rc),
			    tdv_store_errmsg(st)[0] ? ": " : "", tdv_store_errmsg(st));
		else if (c.n == 0)
			code = CLI_INVALID;
	}
	tdv_store_free(&st);
	return code;
}
