/*
 * tdverify audit verify|list: prove the audit log's hash chains intact or
 * name the first broken entry; list entries.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_store.h"
#include "tdv/error.h"
#include "tdv/json.h"

static void
audit_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify audit verify [--json] [--chain ID] [--db URI]\n"
	    "       tdverify audit list [--json] [--chain ID] [--after SEQ] [--limit N] [--db URI]\n\n"
	    "verify  recompute every hash chain of the audit log (one per checkpoint,\n"
	    "        '-' for headquarters) and every movement's link to its entry;\n"
	    "        says 'intact' or names the first broken entry (chain and seq)\n"
	    "list    print the entries of one chain (default '-')\n\n"
	    "options:\n"
	    "  --chain ID   only this chain\n"
	    "  --db URI     sqlite:PATH or postgres:CONNINFO (default " CLI_DEFAULT_DB ")\n"
	    "  --json       one JSON object per line\n\n"
	    "exit status: 0 intact, 1 broken, 2 usage or store error\n");
}

static int
parse_i64_arg(const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || v < lo || v > hi)
		return cli_error("%s: expected a number %" PRId64 "..%" PRId64, opt, lo, hi);
	*out = v;
	return CLI_OK;
}

struct list_ctx {
	bool json;
	tdv_buf out;
};

static int
list_entry(void *ctx, const tdv_audit_entry *e)
{
	struct list_ctx *c = ctx;
	tdv_buf_reset(&c->out);
	if (c->json) {
		tdv_json j;
		tdv_json_init(&j, &c->out);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "chain");
		tdv_json_string(&j, e->chain);
		tdv_json_key(&j, "seq");
		tdv_json_int(&j, e->seq);
		tdv_json_key(&j, "time_ms");
		tdv_json_int(&j, e->time_ms);
		tdv_json_key(&j, "actor");
		tdv_json_string(&j, e->actor);
		tdv_json_key(&j, "action");
		tdv_json_string(&j, e->action);
		tdv_json_key(&j, "object");
		tdv_json_string(&j, e->object);
		tdv_json_key(&j, "detail");
		tdv_json_string(&j, e->detail);
		tdv_json_key(&j, "hash");
		tdv_json_string(&j, e->hash);
		tdv_json_object_end(&j);
		tdv_buf_putc(&c->out, '\n');
	} else {
		tdv_buf_printf(&c->out, "%s #%" PRId64 " %" PRId64 " %-10s %-18s %s %s\n",
		    e->chain, e->seq, e->time_ms, e->actor[0] ? e->actor : "-", e->action,
		    e->object, e->detail);
	}
	fwrite(c->out.data, 1, c->out.len, stdout);
	return 0;
}

int
cmd_audit(int argc, char **argv)
{
	if (argc < 2 || cli_flag(argv[1], "-h") || cli_flag(argv[1], "--help")) {
		audit_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1], *db = NULL, *chain = NULL;
	bool json = false;
	int64_t after = 0, limit = 1000;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "-h") || cli_flag(a, "--help")) {
			audit_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--json")) {
			json = true;
		} else if (i + 1 < argc && cli_flag(a, "--db")) {
			db = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--chain")) {
			chain = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--after")) {
			if (parse_i64_arg(a, argv[++i], 0, INT64_MAX, &after) != CLI_OK)
				return CLI_USAGE;
		} else if (i + 1 < argc && cli_flag(a, "--limit")) {
			if (parse_i64_arg(a, argv[++i], 1, 1000000, &limit) != CLI_OK)
				return CLI_USAGE;
		} else {
			return cli_error("audit: unknown or incomplete option '%s'", a);
		}
	}
	if (strcmp(sub, "verify") != 0 && strcmp(sub, "list") != 0)
		return cli_error("audit: unknown subcommand '%s' (verify, list)", sub);
	tdv_store *st = cli_store_open(db);
	if (st == NULL)
		return CLI_USAGE;
	int rc, code = CLI_OK;
	if (strcmp(sub, "list") == 0) {
		struct list_ctx c = {json, {0}};
		tdv_buf_init(&c.out, 1 << 16);
		rc = tdv_store_audit_since(st, chain, after, (int)limit, list_entry, &c);
		tdv_buf_free(&c.out);
		if (rc != TDV_OK)
			code = cli_error("audit list: %s %s", tdv_strerror(rc), tdv_store_errmsg(st));
		tdv_store_free(&st);
		return code;
	}
	tdv_audit_report r;
	rc = tdv_store_audit_verify(st, chain, &r);
	if (rc != TDV_OK) {
		code = cli_error("audit verify: %s %s", tdv_strerror(rc), tdv_store_errmsg(st));
		tdv_store_free(&st);
		return code;
	}
	if (json) {
		tdv_buf b;
		tdv_buf_init(&b, 4096);
		tdv_json j;
		tdv_json_init(&j, &b);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "intact");
		tdv_json_bool(&j, r.intact);
		tdv_json_key(&j, "chains");
		tdv_json_int(&j, r.chains);
		tdv_json_key(&j, "entries");
		tdv_json_int(&j, r.entries);
		if (!r.intact) {
			tdv_json_key(&j, "broken_chain");
			tdv_json_string(&j, r.broken_chain);
			tdv_json_key(&j, "broken_seq");
			tdv_json_int(&j, r.broken_seq);
			tdv_json_key(&j, "problem");
			tdv_json_string(&j, r.problem);
		}
		tdv_json_object_end(&j);
		tdv_buf_putc(&b, '\n');
		fwrite(b.data, 1, b.len, stdout);
		tdv_buf_free(&b);
	} else if (r.intact) {
		printf("audit log intact: %" PRId64 " entries in %" PRId64 " chain%s\n",
		    r.entries, r.chains, r.chains == 1 ? "" : "s");
	} else {
		printf("audit log BROKEN: chain %s entry %" PRId64 ": %s\n", r.broken_chain,
		    r.broken_seq, r.problem);
	}
	tdv_store_free(&st);
	return r.intact ? CLI_OK : CLI_INVALID;
}
