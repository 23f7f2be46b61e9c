/*
 * tdverify train: exercise sets on specimen documents with known
 * defects, the same inspection pipeline as live work, answers, scores,
 * practice drills and training records (tdv/train.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "tdv/error.h"
#include "tdv/store.h"
#include "tdv/train.h"

#define TRAIN_DEFAULT_DB "var/tdverify-train.db"
#define MAXOPT 16

static void
train_usage(FILE *f)
{
	fprintf(f,
	    "usage: tdverify train <action> [options]\n\n"
	    "Exercise sets:\n"
	    "  build --pki DIR --out DIR [--docs N] [--level first-line|second-line]\n"
	    "        [--key 'genuine;expired;chip-dg1,watchlist;...'] [--seed N] [--dpi N]\n"
	    "  inspect SETDIR [--doc N] [--json]      run the live pipeline on the documents\n"
	    "Training database (--db PATH, default " TRAIN_DEFAULT_DB "):\n"
	    "  person ID --name N --checkpoint CP --role trainee|trainer|master-trainer\n"
	    "        [--trainer ID] [--level first-line|second-line]\n"
	    "  set-add SETDIR --title T --by TRAINER [--level L] [--limit-seconds N]\n"
	    "  set-show SETID --as ID [--answers]\n"
	    "  start SETID --trainee ID [--trainer ID] [--course induction|refresher|exercise]\n"
	    "  answer ATTEMPT --as ID --doc N --decision admit|refuse|refer\n"
	    "        [--defects a,b] [--time-ms N] [--reason TEXT]\n"
	    "  submit ATTEMPT --as ID [--json]        score it; feedback follows\n"
	    "        [--store STORE-URI --checkpoint CP]  and put the result in CP's\n"
	    "        audit chain (train.result) for sync push to carry to headquarters\n"
	    "  feedback ATTEMPT --as ID\n"
	    "  drill OFFICER [--size N]               today's practice drill\n"
	    "  due --as ID [--checkpoint CP] [--csv]  refresher due/overdue\n"
	    "  rates [--checkpoint CP] [--csv]        detection and pass rates by month\n"
	    "  record OFFICER --as ID                 an officer's training record\n"
	    "  certificate ATTEMPT > cert.html        printable certificate\n"
	    "  config refresher_months|pass_mark|warn_days VALUE\n"
	    "Headquarters (results that stations put in their audit chains, synced):\n"
	    "  report --db STORE-URI --checkpoint CP[,CP..] [--refresher-months N]\n"
	    "        [--warn-days N] [--csv]     per officer and per post, from the\n"
	    "        train.result audit entries (STORE-URI sqlite:PATH|postgres:CONNINFO)\n\n"
	    "common: --today YYYY-MM-DD, --db PATH, --json\n"
	    "exit status: 0 success (inspect: every document PASS), 1 some document\n"
	    "REFER/FAIL or a score below the pass mark, 2 usage, input or permission error\n");
}

struct opts {
	int npos;
	const char *pos[4];
	int n;
	const char *key[MAXOPT], *val[MAXOPT];
	bool json, csv, answers;
	tdv_date today;
};

static const char *
opt(const struct opts *o, const char *k)
{
	for (int i = 0; i < o->n; i++)
		if (strcmp(o->key[i], k) == 0)
			return o->val[i];
	return NULL;
}

/* Every option that takes a value; anything else is a usage error (a
 * mistyped option must not be ignored). */
static const char *const known_opts[] = {"as", "by", "checkpoint", "course",
    "db", "decision", "defects", "doc", "docs", "dpi", "key", "level",
    "limit-seconds", "name", "out", "pki", "reason", "refresher-months",
    "role", "seed", "size", "store", "time-ms", "title", "trainee", "trainer",
    "warn-days"};

static bool
known_opt(const char *k)
{
	for (size_t i = 0; i < sizeof(known_opts) / sizeof(known_opts[0]); i++)
		if (strcmp(known_opts[i], k) == 0)
			return true;
	return false;
}

static int
parse(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	cli_today(&o->today);
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (cli_flag(a, "--help") || cli_flag(a, "-h")) {
			train_usage(stdout);
			return -1;
		} else if (cli_flag(a, "--json")) {
			o->json = true;
		} else if (cli_flag(a, "--csv")) {
			o->csv = true;
		} else if (cli_flag(a, "--answers")) {
			o->answers = true;
		} else if (strncmp(a, "--", 2) == 0 && a[2] != '\0') {
			if (i + 1 >= argc)
				return cli_error("%s needs a value", a);
			if (cli_flag(a, "--today")) {
				if (cli_parse_today(argv[++i], &o->today) != CLI_OK)
					return CLI_USAGE;
				continue;
			}
			if (!known_opt(a + 2))
				return cli_error("train: unknown option '%s'", a);
			if (o->n >= MAXOPT)
				return cli_error("train: too many options");
			o->key[o->n] = a + 2;
			o->val[o->n++] = argv[++i];
		} else {
			if (o->npos >= 4)
				return cli_error("train: unexpected '%s'", a);
			o->pos[o->npos++] = a;
		}
	}
	return CLI_OK;
}

static int
num(const char *s, long lo, long hi, long *out, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return cli_error("%s: expected a number %ld..%ld, got '%s'", what,
		    lo, hi, s);
	*out = v;
	return CLI_OK;
}

static int
lib_error(const char *what, int rc, tdv_train_db *db)
{
	const char *m = db ? tdv_train_db_errmsg(db) : "";
	if (rc == TDV_EPERM)
		return cli_error("%s: permission denied", what);
	return cli_error("%s: %s%s%s", what, tdv_strerror(rc), m[0] ? ": " : "",
	    m);
}

static int
train_build(const struct opts *o)
{
	tdv_train_build_opts b;
	memset(&b, 0, sizeof(b));
	b.pki_dir = opt(o, "pki");
	b.out_dir = opt(o, "out");
	if (b.pki_dir == NULL || b.out_dir == NULL)
		return cli_error("train build needs --pki DIR and --out DIR");
	b.today = o->today;
	b.level = TDV_TRAIN_FIRST_LINE;
	long v = 0;
	if (opt(o, "level") &&
	    tdv_train_level_parse(opt(o, "level"), &b.level) != TDV_OK)
		return cli_error("--level: first-line or second-line");
	b.ndocs = 10;
	if (opt(o, "docs")) {
		if (num(opt(o, "docs"), 1, TDV_TRAIN_MAX_DOCS, &v, "--docs"))
			return CLI_USAGE;
		b.ndocs = (int)v;
	}
	if (opt(o, "seed")) {
		if (num(opt(o, "seed"), 0, 2147483647L, &v, "--seed"))
			return CLI_USAGE;
		b.seed = (uint64_t)v;
	}
	if (opt(o, "dpi")) {
		if (num(opt(o, "dpi"), 100, 600, &v, "--dpi"))
			return CLI_USAGE;
		b.dpi = (int)v;
	}
	tdv_train_defects key[TDV_TRAIN_MAX_DOCS];
	const char *ks = opt(o, "key");
	if (ks != NULL) {
		/* documents separated by ';', defects of one by ',' */
		int n = 0;
		const char *p = ks;
		while (n < TDV_TRAIN_MAX_DOCS) {
			const char *e = strchr(p, ';');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			char one[260];
			if (l >= sizeof(one))
				return cli_error("--key: entry too long");
			memcpy(one, p, l);
			one[l] = '\0';
			if (tdv_train_defects_parse(one, &key[n]) != TDV_OK)
				return cli_error("--key: unknown defect in '%s'",
				    one);
			n++;
			if (e == NULL)
				break;
			p = e + 1;
		}
		b.ndocs = n;
		b.key = key;
	}
	int rc = tdv_train_build_set(&b, key);
	if (rc != TDV_OK)
		return lib_error("train build", rc, NULL);
	printf("%s: %d documents (%s); key in %s/answers.json\n", b.out_dir,
	    b.ndocs, tdv_train_level_name(b.level), b.out_dir);
	return CLI_OK;
}

static int
train_inspect(const struct opts *o)
{
	if (o->npos != 1)
		return cli_error("train inspect SETDIR");
	const char *dir = o->pos[0];
	tdv_train_defects key[TDV_TRAIN_MAX_DOCS];
	int n = 0, rc = tdv_train_read_key(dir, key, TDV_TRAIN_MAX_DOCS, &n);
	if (rc != TDV_OK)
		return lib_error("train inspect", rc, NULL);
	int from = 0, to = n;
	long v = 0;
	if (opt(o, "doc")) {
		if (num(opt(o, "doc"), 1, n, &v, "--doc"))
			return CLI_USAGE;
		from = (int)v - 1;
		to = from + 1;
	}
	int status = CLI_OK;
	for (int i = from; i < to; i++) {
		tdv_buf b;
		tdv_buf_init(&b, 1u << 20);
		int verdict = 0;
		tdv_train_defects caught = 0;
		rc = tdv_train_inspect_doc(dir, i, &o->today, &b, &verdict,
		    &caught);
		if (rc != TDV_OK) {
			tdv_buf_free(&b);
			return lib_error("train inspect", rc, NULL);
		}
		char kn[400], cn[400];
		tdv_train_defects_format(key[i], kn, sizeof(kn));
		tdv_train_defects_format(caught, cn, sizeof(cn));
		if (o->json)
			printf("%s\n", tdv_buf_cstr(&b));
		else
			printf("doc-%02d %-5s defects=%s caught=%s\n", i + 1,
			    verdict == 0 ? "PASS" : verdict == 1 ? "REFER" :
								   "FAIL",
			    kn, cn);
		if (verdict != 0)
			status = CLI_INVALID;
		tdv_buf_free(&b);
	}
	return status;
}

static int
print_json_buf(tdv_buf *b)
{
	printf("%s\n", tdv_buf_cstr(b));
	tdv_buf_free(b);
	return CLI_OK;
}

/* submit --store URI --checkpoint CP: the result into the checkpoint's
 * audit chain, as the station does, for the sync to carry it. */
static int
result_to_store(tdv_train_db *db, const struct opts *o, const char *attempt,
    const char *as)
{
	const char *uri = opt(o, "store"), *cp = opt(o, "checkpoint");
	if (cp == NULL)
		return cli_error("train submit: --store needs --checkpoint CP");
	tdv_buf r;
	tdv_buf_init(&r, TDV_TRAIN_RESULT_MAX);
	int rc = tdv_train_db_result_json(db, attempt, &r);
	if (rc != TDV_OK) {
		tdv_buf_free(&r);
		return lib_error("train submit: result", rc, db);
	}
	char err[256] = "";
	tdv_store *st = NULL;
	if ((rc = tdv_store_open(uri, &st, err, sizeof(err))) == TDV_OK)
		rc = tdv_store_audit_append(st, cp, as, TDV_TRAIN_RESULT_ACTION,
		    attempt, tdv_buf_cstr(&r), NULL);
	if (rc != TDV_OK && st != NULL)
		snprintf(err, sizeof(err), "%s", tdv_store_errmsg(st));
	tdv_store_free(&st);
	tdv_buf_free(&r);
	if (rc != TDV_OK)
		return cli_error("train submit: the result was scored but not "
				 "written to the store: %s%s%s",
		    tdv_strerror(rc), err[0] ? ": " : "", err);
	return CLI_OK;
}

static int
train_db_action(const char *action, const struct opts *o)
{
	const char *path = opt(o, "db") ? opt(o, "db") : TRAIN_DEFAULT_DB;
	if (!opt(o, "db"))
		(void)mkdir("var", 0755);
	tdv_train_db *db = NULL;
	int rc = tdv_train_db_open(path, &db);
	if (rc != TDV_OK)
		return cli_error("%s: %s", path, tdv_strerror(rc));
	int status = CLI_OK;
	tdv_buf b;
	tdv_buf_init(&b, 64u << 20);
	tdv_json j;
	tdv_json_init(&j, &b);
	const char *as = opt(o, "as");
	long v = 0;
	char id[TDV_TRAIN_SETID_LEN + 1], id2[TDV_TRAIN_SETID_LEN + 1];

	if (strcmp(action, "person") == 0) {
		tdv_train_person p;
		memset(&p, 0, sizeof(p));
		p.level = TDV_TRAIN_FIRST_LINE;
		if (o->npos != 1 || !opt(o, "name") || !opt(o, "checkpoint") ||
		    !opt(o, "role") ||
		    tdv_train_role_parse(opt(o, "role"), &p.role) != TDV_OK ||
		    (opt(o, "level") &&
			tdv_train_level_parse(opt(o, "level"), &p.level)) ||
		    strlen(o->pos[0]) >= sizeof(p.id) ||
		    strlen(opt(o, "name")) >= sizeof(p.name) ||
		    strlen(opt(o, "checkpoint")) >= sizeof(p.checkpoint) ||
		    (opt(o, "trainer") &&
			strlen(opt(o, "trainer")) >= sizeof(p.trainer))) {
			status = cli_error("train person ID --name N --checkpoint "
					   "CP --role R [--trainer T]");
			goto out;
		}
		snprintf(p.id, sizeof(p.id), "%s", o->pos[0]);
		snprintf(p.name, sizeof(p.name), "%s", opt(o, "name"));
		snprintf(p.checkpoint, sizeof(p.checkpoint), "%s",
		    opt(o, "checkpoint"));
		snprintf(p.trainer, sizeof(p.trainer), "%s",
		    opt(o, "trainer") ? opt(o, "trainer") : "");
		if ((rc = tdv_train_db_person_add(db, &p)) != TDV_OK)
			status = lib_error("train person", rc, db);
	} else if (strcmp(action, "set-add") == 0) {
		tdv_train_level level = TDV_TRAIN_FIRST_LINE;
		long limit = 0;
		if (o->npos != 1 || !opt(o, "title") || !opt(o, "by") ||
		    (opt(o, "level") &&
			tdv_train_level_parse(opt(o, "level"), &level)) ||
		    (opt(o, "limit-seconds") &&
			num(opt(o, "limit-seconds"), 0, 3600, &limit,
			    "--limit-seconds"))) {
			status = cli_error("train set-add SETDIR --title T --by "
					   "TRAINER");
			goto out;
		}
		if ((rc = tdv_train_db_set_add(db, o->pos[0], opt(o, "title"),
			 level, limit * 1000, opt(o, "by"), id)) != TDV_OK)
			status = lib_error("train set-add", rc, db);
		else
			printf("%s\n", id);
	} else if (strcmp(action, "set-show") == 0) {
		if (o->npos != 1 || as == NULL) {
			status = cli_error("train set-show SETID --as ID");
			goto out;
		}
		if ((rc = tdv_train_db_set_json(db, o->pos[0], as, o->answers,
			 &j)) != TDV_OK)
			status = lib_error("train set-show", rc, db);
		else
			print_json_buf(&b);
	} else if (strcmp(action, "start") == 0) {
		tdv_train_course c = TDV_TRAIN_EXERCISE;
		if (o->npos != 1 || !opt(o, "trainee") ||
		    (opt(o, "course") &&
			tdv_train_course_parse(opt(o, "course"), &c))) {
			status = cli_error("train start SETID --trainee ID");
			goto out;
		}
		if ((rc = tdv_train_db_attempt_start(db, o->pos[0],
			 opt(o, "trainee"), opt(o, "trainer"), c, &o->today,
			 id)) != TDV_OK)
			status = lib_error("train start", rc, db);
		else
			printf("%s\n", id);
	} else if (strcmp(action, "answer") == 0) {
		tdv_train_response r;
		memset(&r, 0, sizeof(r));
		long doc = 0;
		if (o->npos != 1 || as == NULL || !opt(o, "doc") ||
		    !opt(o, "decision") ||
		    num(opt(o, "doc"), 1, TDV_TRAIN_MAX_DOCS, &doc, "--doc") ||
		    tdv_train_decision_parse(opt(o, "decision"), &r.decision) ||
		    (opt(o, "defects") &&
			tdv_train_defects_parse(opt(o, "defects"), &r.named)) ||
		    (opt(o, "time-ms") &&
			num(opt(o, "time-ms"), 0, 86400000, &v, "--time-ms")) ||
		    (opt(o, "reason") &&
			strlen(opt(o, "reason")) > TDV_TRAIN_REASON_MAX)) {
			status = cli_error("train answer ATTEMPT --as ID --doc N "
					   "--decision D [--defects a,b]");
			goto out;
		}
		r.time_ms = opt(o, "time-ms") ? v : 0;
		snprintf(r.reason, sizeof(r.reason), "%s",
		    opt(o, "reason") ? opt(o, "reason") : "");
		if ((rc = tdv_train_db_answer(db, o->pos[0], as, (int)doc - 1,
			 &r)) != TDV_OK)
			status = lib_error("train answer", rc, db);
	} else if (strcmp(action, "submit") == 0 ||
	    strcmp(action, "feedback") == 0) {
		if (o->npos != 1 || as == NULL) {
			status = cli_error("train %s ATTEMPT --as ID", action);
			goto out;
		}
		tdv_train_score sc;
		memset(&sc, 0, sizeof(sc));
		rc = action[0] == 's' ?
		    tdv_train_db_submit(db, o->pos[0], as, &o->today, &j, &sc) :
		    tdv_train_db_feedback(db, o->pos[0], as, &j);
		if (rc != TDV_OK) {
			status = lib_error(action, rc, db);
			goto out;
		}
		printf("%s\n", tdv_buf_cstr(&b));
		if (action[0] == 's' && opt(o, "store") != NULL &&
		    (status = result_to_store(db, o, o->pos[0], as)) != CLI_OK)
			goto out;
		if (action[0] == 's' && !sc.passed)
			status = CLI_INVALID;
	} else if (strcmp(action, "drill") == 0) {
		long size = 0;
		if (o->npos != 1 || (opt(o, "size") &&
			num(opt(o, "size"), 2, TDV_TRAIN_DRILL_MAX, &size,
			    "--size"))) {
			status = cli_error("train drill OFFICER [--size N]");
			goto out;
		}
		if ((rc = tdv_train_db_drill(db, o->pos[0], &o->today,
			 (int)size, id, id2)) != TDV_OK)
			status = lib_error("train drill", rc, db);
		else
			printf("{\"set\":\"%s\",\"attempt\":\"%s\"}\n", id, id2);
	} else if (strcmp(action, "due") == 0) {
		if (as == NULL) {
			status = cli_error("train due --as ID");
			goto out;
		}
		if ((rc = tdv_train_db_report_due(db, as, opt(o, "checkpoint"),
			 &o->today, o->csv, &b)) != TDV_OK)
			status = lib_error("train due", rc, db);
		else
			fputs(tdv_buf_cstr(&b), stdout);
		if (!o->csv && rc == TDV_OK)
			putchar('\n');
	} else if (strcmp(action, "rates") == 0) {
		if ((rc = tdv_train_db_report_rates(db, opt(o, "checkpoint"),
			 o->csv, &b)) != TDV_OK)
			status = lib_error("train rates", rc, db);
		else
			fputs(tdv_buf_cstr(&b), stdout);
		if (!o->csv && rc == TDV_OK)
			putchar('\n');
	} else if (strcmp(action, "record") == 0) {
		if (o->npos != 1 || as == NULL) {
			status = cli_error("train record OFFICER --as ID");
			goto out;
		}
		if ((rc = tdv_train_db_report_officer(db, as, o->pos[0],
			 &o->today, &j)) != TDV_OK)
			status = lib_error("train record", rc, db);
		else
			printf("%s\n", tdv_buf_cstr(&b));
	} else if (strcmp(action, "certificate") == 0) {
		if (o->npos != 1) {
			status = cli_error("train certificate ATTEMPT");
			goto out;
		}
		if ((rc = tdv_train_db_certificate(db, o->pos[0], &b)) != TDV_OK)
			status = lib_error("train certificate", rc, db);
		else
			fputs(tdv_buf_cstr(&b), stdout);
	} else if (strcmp(action, "config") == 0) {
		if (o->npos != 2 || num(o->pos[1], 0, 1000, &v, "value")) {
			status = cli_error("train config KEY VALUE");
			goto out;
		}
		if ((rc = tdv_train_db_config_set(db, o->pos[0], v)) != TDV_OK)
			status = lib_error("train config", rc, db);
	} else {
		status = cli_error("train: unknown action '%s' (try --help)",
		    action);
	}
out:
	tdv_buf_free(&b);
	tdv_train_db_free(&db);
	return status;
}

/* Headquarters' report from the synced audit entries of the posts. */
static int
train_report(const struct opts *o)
{
	const char *uri = opt(o, "db"), *cps = opt(o, "checkpoint");
	if (uri == NULL || cps == NULL)
		return cli_error("train report: --db STORE-URI and --checkpoint "
				 "CP[,CP..] are required");
	if (strncmp(uri, "sqlite:", 7) != 0 && strncmp(uri, "postgres:", 9) != 0)
		return cli_error("train report: --db takes a store URI "
				 "(sqlite:PATH or postgres:CONNINFO)");
	long months = 12, warn = 30;
	if (opt(o, "refresher-months") &&
	    num(opt(o, "refresher-months"), 1, 120, &months,
		"--refresher-months") != CLI_OK)
		return CLI_USAGE;
	if (opt(o, "warn-days") &&
	    num(opt(o, "warn-days"), 0, 365, &warn, "--warn-days") != CLI_OK)
		return CLI_USAGE;
	char list[1024];
	if (strlen(cps) >= sizeof(list))
		return cli_error("train report: --checkpoint list too long");
	snprintf(list, sizeof(list), "%s", cps);
	const char *cp[64];
	int n = 0;
	for (char *p = list; *p != '\0';) {
		char *comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		if (*p != '\0') {
			if (n == 64)
				return cli_error("train report: at most 64 "
						 "checkpoints");
			cp[n++] = p;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (n == 0)
		return cli_error("train report: no checkpoint named");
	char err[256] = "";
	tdv_store *st = NULL;
	int rc = tdv_store_open(uri, &st, err, sizeof(err));
	if (rc != TDV_OK)
		return cli_error("train report: %s: %s%s%s", uri[0] == 'p' ?
			"postgres" : uri, tdv_strerror(rc), err[0] ? ": " : "",
		    err);
	tdv_buf b;
	tdv_buf_init(&b, 64u << 20);
	rc = tdv_train_central_report(st, cp, n, &o->today, (int)months,
	    (int)warn, o->csv, &b);
	tdv_store_free(&st);
	if (rc != TDV_OK) {
		tdv_buf_free(&b);
		return cli_error("train report: %s", tdv_strerror(rc));
	}
	if (o->csv) {
		fwrite(b.data, 1, b.len, stdout);
		tdv_buf_free(&b);
		return CLI_OK;
	}
	return print_json_buf(&b);
}

int
cmd_train(int argc, char **argv)
{
	if (argc < 2) {
		train_usage(stderr);
		return CLI_USAGE;
	}
	if (cli_flag(argv[1], "--help") || cli_flag(argv[1], "-h")) {
		train_usage(stdout);
		return CLI_OK;
	}
	struct opts o;
	int rc = parse(argc, argv, &o);
	if (rc == -1)
		return CLI_OK;
	if (rc != CLI_OK)
		return rc;
	if (strcmp(argv[1], "build") == 0)
		return train_build(&o);
	if (strcmp(argv[1], "inspect") == 0)
		return train_inspect(&o);
	if (strcmp(argv[1], "report") == 0)
		return train_report(&o);
	return train_db_action(argv[1], &o);
}
