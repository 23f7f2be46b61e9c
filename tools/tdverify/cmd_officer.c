/*
 * tdverify officer add|passwd|enable|disable|show|login: officer accounts
 * in the store. Passwords are read from standard input (never from the
 * command line, where other users could see them) and stored as Argon2id
 * hashes; every change is audited.
 */
#include <sodium.h>
#include <string.h>

#include "cli.h"
#include "cli_store.h"
#include "tdv/error.h"
#include "tdv/json.h"

static void
officer_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify officer add ID --name NAME --role ROLE [--by ID] [--checkpoint ID] [--db URI]\n"
	    "       tdverify officer passwd ID [--by ID] [--checkpoint ID] [--db URI]\n"
	    "       tdverify officer enable|disable ID [--by ID] [--checkpoint ID] [--db URI]\n"
	    "       tdverify officer assign|unassign ID (CHECKPOINT... | --all) [--by ID] [--db URI]\n"
	    "       tdverify officer show ID [--json] [--db URI]\n"
	    "       tdverify officer login ID [--checkpoint ID] [--db URI]\n\n"
	    "Officer accounts. ROLE is officer, examiner, supervisor, trainer,\n"
	    "trainee or admin. add, passwd and login read the password from the\n"
	    "first line of standard input. --by names the officer making the\n"
	    "change and --checkpoint the audit chain it is written to ('-' by\n"
	    "default: headquarters).\n\n"
	    "assign/unassign choose the checkpoints an account is published to\n"
	    "(tdverify sync pull): the listed checkpoint ids, or --all for every\n"
	    "checkpoint. A new account goes to all of them until unassigned\n"
	    "('officer unassign ID --all' then 'officer assign ID CP1'); a\n"
	    "checkpoint disables, at its next pull, an account no longer\n"
	    "published to it.\n\n"
	    "exit status: 0 success, 1 login refused, 2 usage or store error\n");
}

struct assigned {
	tdv_buf *b;
	int n;
};

static int
assigned_one(void *ctx, const char *checkpoint)
{
	struct assigned *a = ctx;
	if (a->n++ > 0)
		tdv_buf_putc(a->b, ' ');
	tdv_buf_puts(a->b, strcmp(checkpoint, "*") == 0 ? "all" : checkpoint);
	return 0;
}

/* "assigned: all CP1" (or {"assigned":"all CP1"}) */
static int
print_assignments(tdv_store *st, const char *id, bool json)
{
	tdv_buf b;
	tdv_buf_init(&b, 1 << 16);
	struct assigned a = {&b, 0};
	int rc = tdv_store_officer_assignments(st, id, assigned_one, &a);
	int code = CLI_OK;
	if (rc != TDV_OK)
		code = cli_error("officer show %s: %s", id, tdv_strerror(rc));
	else if (json)
		printf("{\"id\":\"%s\",\"assigned\":\"%s\"}\n", id, a.n ? tdv_buf_cstr(&b) : "");
	else
		printf("assigned: %s\n", a.n ? tdv_buf_cstr(&b) : "none (published to no checkpoint)");
	tdv_buf_free(&b);
	return code;
}

static int
officer_assign(const char *sub, const char *id, bool all, const char *const *targets,
    int ntargets, const char *by, const char *cp, const char *db, bool json)
{
	bool assign = strcmp(sub, "assign") == 0;
	tdv_store *st = cli_store_open(db);
	if (st == NULL)
		return CLI_USAGE;
	/* all of them or none */
	int rc = tdv_store_begin(st);
	for (int i = 0; rc == TDV_OK && i < (all ? 1 : ntargets); i++) {
		const char *t = all ? "*" : targets[i];
		tdv_checkpoint c;
		if (!all && tdv_store_checkpoint_get(st, t, &c) != TDV_OK) {
			fprintf(stderr, "tdverify: officer %s: checkpoint '%s' is not registered\n", sub,
			    t);
			rc = TDV_ENOENT;
			break;
		}
		rc = tdv_store_officer_assign(st, id, t, assign, by, cp);
	}
	if (rc == TDV_OK)
		rc = tdv_store_commit(st);
	else
		(void)tdv_store_rollback(st);
	int code = CLI_OK;
	if (rc != TDV_OK)
		code = cli_error("officer %s %s: %s%s%s", sub, id, tdv_strerror(rc),
		    *tdv_store_errmsg(st) ? ": " : "", tdv_store_errmsg(st));
	else
		code = print_assignments(st, id, json);
	tdv_store_free(&st);
	return code;
}

int
cmd_officer(int argc, char **argv)
{
	if (argc < 2 || cli_flag(argv[1], "-h") || cli_flag(argv[1], "--help")) {
		officer_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1], *id = NULL, *name = NULL, *role = NULL;
	const char *by = NULL, *cp = NULL, *db = NULL;
	const char *targets[64];
	int ntargets = 0;
	bool json = false, all = false;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "-h") || cli_flag(a, "--help")) {
			officer_usage(stdout);
			return CLI_OK;
		} else if (cli_flag(a, "--json")) {
			json = true;
		} else if (cli_flag(a, "--all")) {
			all = true;
		} else if (i + 1 < argc && cli_flag(a, "--name")) {
			name = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--role")) {
			role = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--by")) {
			by = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--checkpoint")) {
			cp = argv[++i];
		} else if (i + 1 < argc && cli_flag(a, "--db")) {
			db = argv[++i];
		} else if (a[0] != '-' && id == NULL) {
			id = a;
		} else if (a[0] != '-' && ntargets < 64 &&
		    (strcmp(sub, "assign") == 0 || strcmp(sub, "unassign") == 0)) {
			targets[ntargets++] = a;
		} else {
			return cli_error("officer: unknown or incomplete option '%s'", a);
		}
	}
	if (id == NULL)
		return cli_error("officer %s: which officer (ID)?", sub);
	if (strcmp(sub, "assign") == 0 || strcmp(sub, "unassign") == 0) {
		if (all == (ntargets > 0))
			return cli_error("officer %s: name the checkpoints, or --all", sub);
		return officer_assign(sub, id, all, targets, ntargets, by, cp, db, json);
	}
	tdv_officer o;
	memset(&o, 0, sizeof(o));
	if (strcmp(sub, "add") == 0) {
		if (name == NULL || role == NULL)
			return cli_error("officer add: --name and --role are required");
		if (tdv_role_parse(role, &o.role) != TDV_OK)
			return cli_error("--role: officer, examiner, supervisor, trainer, "
					 "trainee or admin");
		if (snprintf(o.id, sizeof(o.id), "%s", id) >= (int)sizeof(o.id) ||
		    snprintf(o.name, sizeof(o.name), "%s", name) >= (int)sizeof(o.name))
			return cli_error("officer add: id or name too long");
		o.active = true;
	} else if (strcmp(sub, "passwd") && strcmp(sub, "enable") &&
		   strcmp(sub, "disable") && strcmp(sub, "show") && strcmp(sub, "login")) {
		return cli_error("officer: unknown subcommand '%s'", sub);
	}
	char pw[TDV_PASSWORD_MAX + 2];
	long pwlen = 0;
	if (strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0 ||
	    strcmp(sub, "login") == 0) {
		pwlen = cli_read_secret(pw, sizeof(pw));
		if (pwlen < 0)
			return CLI_USAGE;
	}
	tdv_store *st = cli_store_open(db);
	if (st == NULL) {
		sodium_memzero(pw, sizeof(pw));
		return CLI_USAGE;
	}
	int rc, code = CLI_OK;
	if (strcmp(sub, "add") == 0)
		rc = tdv_store_officer_add(st, &o, pw, (size_t)pwlen, by, cp);
	else if (strcmp(sub, "passwd") == 0)
		rc = tdv_store_officer_set_password(st, id, pw, (size_t)pwlen, by, cp);
	else if (strcmp(sub, "enable") == 0 || strcmp(sub, "disable") == 0)
		rc = tdv_store_officer_set_active(st, id, strcmp(sub, "enable") == 0, by, cp);
	else if (strcmp(sub, "login") == 0)
		rc = tdv_store_officer_authenticate(st, id, pw, (size_t)pwlen, cp, &o);
	else
		rc = tdv_store_officer_get(st, id, &o);
	sodium_memzero(pw, sizeof(pw));
	if (rc == TDV_EAUTH) {
		fprintf(stderr, "tdverify: login refused\n");
		code = CLI_INVALID;
	} else if (rc != TDV_OK) {
		code = cli_error("officer %s %s: %s%s%s", sub, id, tdv_strerror(rc),
		    *tdv_store_errmsg(st) ? ": " : "", tdv_store_errmsg(st));
	} else if (strcmp(sub, "show") == 0 || strcmp(sub, "login") == 0) {
		if (json) {
			tdv_buf b;
			tdv_buf_init(&b, 4096);
			tdv_json j;
			tdv_json_init(&j, &b);
			tdv_json_object_begin(&j);
			tdv_json_key(&j, "id");
			tdv_json_string(&j, o.id);
			tdv_json_key(&j, "name");
			tdv_json_string(&j, o.name);
			tdv_json_key(&j, "role");
			tdv_json_string(&j, tdv_role_name(o.role));
			tdv_json_key(&j, "active");
			tdv_json_bool(&j, o.active);
			tdv_json_object_end(&j);
			tdv_buf_putc(&b, '\n');
			fwrite(b.data, 1, b.len, stdout);
			tdv_buf_free(&b);
		} else {
			printf("%s  %s  %s  %s\n", o.id, o.name, tdv_role_name(o.role),
			    o.active ? "active" : "disabled");
		}
		if (strcmp(sub, "show") == 0)
			code = print_assignments(st, id, json);
	}
	tdv_store_free(&st);
	return code;
}
