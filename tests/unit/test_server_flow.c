/*
 * One lane's work through the API: an officer inspects a genuine, an
 * expired, a stolen and a watched traveller's passport (typed MRZ, real
 * screening lists), admits, refuses and refers; the examiner sees the
 * referral, reads the movement (audited) and decides it; the supervisor
 * sees everything counted; the audit chain is intact and names the
 * reads; a trainee's inspection is never recorded.
 */
#include "tdv_test.h"
#include "test_server_http.h"
#include "tdv/mrz.h"
#include "tdv/screen.h"

static ts_station st;
static char sltd_path[128], watch_path[128];
static char mrz_genuine[128], mrz_expired[128], mrz_stolen[128], mrz_watched[128];

static void
gen(char *out, size_t n, const char *surname, const char *given,
    const char *number, int expiry_year, char sex, int birth_year)
{
	tdv_mrz_input in;
	memset(&in, 0, sizeof(in));
	in.format = TDV_MRZ_TD3;
	in.issuing_state = "UTO";
	in.nationality = "UTO";
	in.surname = surname;
	in.given_names = given;
	in.document_number = number;
	in.birth_date = (tdv_date){birth_year, 4, 4};
	in.expiry_date = (tdv_date){expiry_year, 4, 15};
	in.sex = sex;
	tdv_date today = {2026, 3, 1};
	tdv_mrz m;
	CHECK_INT(tdv_mrz_generate(&in, &today, &m), TDV_OK);
	/* as JSON text: the newline escaped */
	snprintf(out, n, "%s\\n%s", m.lines[0], m.lines[1]);
}

static void
tune(tdv_server_config *cfg)
{
	cfg->sltd_path = sltd_path;
	cfg->watchlist_path = watch_path;
}

static void
prepare_lists(const char *dir)
{
	snprintf(sltd_path, sizeof(sltd_path), "%s/sltd.idx", dir);
	snprintf(watch_path, sizeof(watch_path), "%s/watch.csv", dir);
	const char csv[] = "UTO,UT7000003,P,stolen,2026-02-20,TEST\n"
			   "UTO,UT7999999,P,lost,2026-02-21,TEST\n";
	FILE *f = fmemopen((void *)csv, sizeof(csv) - 1, "r");
	tdv_sltd_import_opts o;
	memset(&o, 0, sizeof(o));
	o.list_date = (tdv_date){2026, 3, 1};
	tdv_sltd_import_stats s;
	CHECK_INT(tdv_sltd_import(f, sltd_path, &o, &s), TDV_OK);
	fclose(f);
	f = fopen(watch_path, "w");
	fputs("id,names,birth_date,nationality,sex,document_numbers,reason,action\n"
	      "W-1,PETROV<<IVAN|Иван Петров,1970,UTO,M,,test entry,refer\n", f);
	fclose(f);
}

static json_t *
post(const ts_client *c, const char *path, const char *body, int want)
{
	ts_resp r;
	CHECK_INT(ts_call(&st, c, "POST", path, "application/json", body, &r), 0);
	if (r.status != want)
		fprintf(stderr, "POST %s: %d %s\n", path, r.status, r.body);
	CHECK_INT(r.status, want);
	json_t *o = json_loads(r.body, 0, NULL);
	ts_resp_free(&r);
	return o;
}

static json_t *
get(const ts_client *c, const char *path, int want)
{
	ts_resp r;
	CHECK_INT(ts_call(&st, c, "GET", path, NULL, NULL, &r), 0);
	CHECK_INT(r.status, want);
	json_t *o = json_loads(r.body, 0, NULL);
	ts_resp_free(&r);
	return o;
}

static const char *
jstr(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

/* The status of check id in an inspection answer. */
static const char *
check_status(json_t *ins, const char *id)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(ins, "checks"), i, c)
	    if (strcmp(jstr(c, "id"), id) == 0) return jstr(c, "status");
	return "";
}

static json_t *
inspect(const ts_client *c, const char *mrz)
{
	char body[300];
	snprintf(body, sizeof(body), "{\"mrz\":\"%s\"}", mrz);
	return post(c, "/api/inspections", body, 200);
}

static char referral_id[32];

static void
test_server_officer_inspects_and_decides(void)
{
	ts_client off;
	CHECK_INT(ts_login(&st, "officer", &off), 0);

	json_t *a = inspect(&off, mrz_genuine);
	CHECK_STR(jstr(a, "verdict"), "PASS");
	CHECK_STR(check_status(a, "screen.sltd"), "pass");
	CHECK_STR(check_status(a, "screen.watchlist"), "pass");
	CHECK_STR(check_status(a, "chip.read"), "skip");
	char body[256];
	snprintf(body, sizeof(body),
	    "{\"inspection\":\"%s\",\"decision\":\"admit\",\"direction\":\"entry\"}",
	    jstr(a, "id"));
	json_t *d = post(&off, "/api/decisions", body, 200);
	CHECK_STR(jstr(json_object_get(d, "movement"), "decision"), "admitted");
	json_decref(d);
	/* the same inspection cannot be decided twice */
	json_decref(post(&off, "/api/decisions", body, 404));
	json_decref(a);

	/* second passage: the previous movement is shown */
	a = inspect(&off, mrz_genuine);
	CHECK_INT((long long)json_array_size(json_object_get(a, "previous")), 1);
	json_decref(a);

	a = inspect(&off, mrz_expired);
	CHECK_STR(jstr(a, "verdict"), "FAIL");
	CHECK_STR(check_status(a, "document.expiry"), "fail");
	/* a refusal needs a reason */
	snprintf(body, sizeof(body),
	    "{\"inspection\":\"%s\",\"decision\":\"refuse\",\"direction\":\"entry\"}",
	    jstr(a, "id"));
	json_decref(post(&off, "/api/decisions", body, 400));
	snprintf(body, sizeof(body),
	    "{\"inspection\":\"%s\",\"decision\":\"refuse\",\"direction\":\"entry\","
	    "\"reason\":\"passport expired\"}",
	    jstr(a, "id"));
	json_decref(post(&off, "/api/decisions", body, 200));
	json_decref(a);

	a = inspect(&off, mrz_stolen);
	CHECK_STR(jstr(a, "verdict"), "FAIL");
	CHECK_STR(check_status(a, "screen.sltd"), "fail");
	CHECK_STR(jstr(a, "fraud_class"), "lost_stolen");
	json_decref(a);

	a = inspect(&off, mrz_watched);
	CHECK_STR(jstr(a, "verdict"), "REFER");
	CHECK_STR(check_status(a, "screen.watchlist"), "warn");
	snprintf(body, sizeof(body),
	    "{\"inspection\":\"%s\",\"decision\":\"refer\",\"direction\":\"entry\"}",
	    jstr(a, "id"));
	d = post(&off, "/api/decisions", body, 200);
	snprintf(referral_id, sizeof(referral_id), "%s",
	    jstr(json_object_get(d, "movement"), "id"));
	CHECK(strlen(referral_id) == 26);
	json_decref(d);
	json_decref(a);

	/* another officer cannot decide this officer's inspection */
	a = inspect(&off, mrz_genuine);
	ts_client ex;
	CHECK_INT(ts_login(&st, "examiner", &ex), 0);
	snprintf(body, sizeof(body),
	    "{\"inspection\":\"%s\",\"decision\":\"admit\",\"direction\":\"exit\"}",
	    jstr(a, "id"));
	json_decref(post(&ex, "/api/decisions", body, 404));
	json_decref(a);
}

static void
test_server_examiner_decides_referral(void)
{
	ts_client ex;
	CHECK_INT(ts_login(&st, "examiner", &ex), 0);
	json_t *q = get(&ex, "/api/referrals", 200);
	json_t *list = json_object_get(q, "referrals");
	CHECK_INT((long long)json_array_size(list), 1);
	CHECK_STR(jstr(json_array_get(list, 0), "id"), referral_id);
	CHECK_STR(jstr(json_array_get(list, 0), "surname"), "PETROV");
	json_decref(q);

	char path[128];
	snprintf(path, sizeof(path), "/api/movements/%s", referral_id);
	json_t *m = get(&ex, path, 200);
	CHECK_STR(jstr(json_object_get(m, "movement"), "verdict"), "REFER");
	CHECK((long long)json_array_size(json_object_get(m, "checks")) >= 12);
	json_decref(m);

	snprintf(path, sizeof(path), "/api/referrals/%s/decision", referral_id);
	json_decref(post(&ex, path, "{\"decision\":\"refuse\"}", 400));
	json_decref(post(&ex, path,
	    "{\"decision\":\"refuse\",\"notes\":\"identity confirmed: watchlist <b>hit</b>\"}",
	    200));
	json_decref(post(&ex, path, "{\"decision\":\"admit\"}", 409));
	q = get(&ex, "/api/referrals", 200);
	CHECK_INT((long long)json_array_size(json_object_get(q, "referrals")), 0);
	json_decref(q);
	q = get(&ex, "/api/referrals?all=1", 200);
	json_t *sec = json_object_get(json_array_get(json_object_get(q, "referrals"), 0),
	    "secondary");
	CHECK_STR(jstr(sec, "outcome"), "refused");
	CHECK_STR(jstr(sec, "notes"), "identity confirmed: watchlist <b>hit</b>");
	json_decref(q);
}

static void
test_server_supervisor_sees_counts(void)
{
	ts_client sup;
	CHECK_INT(ts_login(&st, "supervisor", &sup), 0);
	json_t *s = get(&sup, "/api/stats?from=2026-01-01&to=2099-12-31", 200);
	json_t *row = json_array_get(json_object_get(s, "rows"), 0);
	CHECK_INT(json_integer_value(json_object_get(row, "movements")), 3);
	CHECK_INT(json_integer_value(json_object_get(row, "admitted")), 1);
	CHECK_INT(json_integer_value(json_object_get(row, "refused")), 1);
	CHECK_INT(json_integer_value(json_object_get(row, "referred")), 1);
	json_t *sec = json_object_get(s, "secondary");
	CHECK_INT(json_integer_value(json_object_get(sec, "refused")), 1);
	CHECK_INT(json_integer_value(json_object_get(sec, "pending")), 0);
	json_decref(s);
	s = get(&sup, "/api/stats?from=2026-01-01&to=2099-12-31&by=nationality,decision", 200);
	CHECK_INT((long long)json_array_size(json_object_get(s, "rows")), 3);
	json_decref(s);
	s = get(&sup, "/api/stats?from=2026-01-01&to=2099-12-31&by=age_band,document_type,fraud_type,sex", 200);
	CHECK((long long)json_array_size(json_object_get(s, "rows")) >= 1);
	CHECK_STR(json_string_value(json_array_get(json_object_get(s, "by"), 0)), "age");
	json_decref(s);
	json_decref(get(&sup, "/api/stats?by=shoe_size", 400));
	json_decref(get(&sup, "/api/stats?from=2026-02-30", 400));

	ts_resp r;
	CHECK_INT(ts_call(&st, &sup, "GET",
	    "/api/stats.csv?from=2026-01-01&to=2099-12-31&by=decision", NULL, NULL, &r), 0);
	CHECK_INT(r.status, 200);
	CHECK(strstr(r.headers, "Content-Type: text/csv") != NULL);
	CHECK(strstr(r.headers, "Content-Disposition: attachment") != NULL);
	CHECK(strstr(r.body, "decision,movements,admitted,refused,referred,frauds\n") == r.body);
	CHECK(strstr(r.body, "\"referred\",1,0,0,1,") != NULL);
	ts_resp_free(&r);

	json_t *l = get(&sup, "/api/lists", 200);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(l, "sltd"), "records")), 2);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(l, "watchlist"), "entries")), 1);
	json_decref(l);
	json_t *sy = get(&sup, "/api/sync", 200);
	json_t *cp = json_array_get(json_object_get(sy, "checkpoints"), 0);
	CHECK_STR(jstr(cp, "id"), TS_CHECKPOINT);
	CHECK_INT(json_integer_value(json_object_get(cp, "backlog")), 3);
	json_decref(sy);
}

struct audit_seen {
	int inspections, reads, decides, logins;
};

static int
on_audit(void *ctx, const tdv_audit_entry *e)
{
	struct audit_seen *a = ctx;
	a->inspections += strcmp(e->action, "inspection.run") == 0;
	a->reads += strcmp(e->action, "movement.read") == 0;
	a->decides += strcmp(e->action, "referral.decide") == 0;
	a->logins += strcmp(e->action, "officer.login") == 0;
	return 0;
}

static void
test_server_audit_records_personal_data_access(void)
{
	ts_client sup;
	CHECK_INT(ts_login(&st, "supervisor", &sup), 0);
	/* the audit queue is written in batches: wait for it */
	usleep(300 * 1000);
	json_t *v = get(&sup, "/api/audit/verify", 200);
	CHECK(json_is_true(json_object_get(v, "intact")));
	json_decref(v);
	struct audit_seen a = {0, 0, 0, 0};
	tdv_store *s = NULL;
	char uri[128];
	snprintf(uri, sizeof(uri), "sqlite:%s/station.db", st.dir);
	CHECK_INT(tdv_store_open(uri, &s, NULL, 0), TDV_OK);
	CHECK_INT(tdv_store_audit_since(s, TS_CHECKPOINT, 0, 100000, on_audit, &a), TDV_OK);
	tdv_store_free(&s);
	CHECK_INT(a.inspections, 6);
	CHECK(a.reads >= 1);
	CHECK_INT(a.decides, 1);
	CHECK(a.logins >= 4);
}

static void
test_server_trainee_inspection_not_recorded(void)
{
	ts_client tr;
	CHECK_INT(ts_login(&st, "trainee", &tr), 0);
	json_t *a = inspect(&tr, mrz_genuine);
	CHECK(json_is_false(json_object_get(a, "live")));
	char body[256];
	snprintf(body, sizeof(body),
	    "{\"inspection\":\"%s\",\"decision\":\"admit\",\"direction\":\"entry\"}",
	    jstr(a, "id"));
	json_decref(post(&tr, "/api/decisions", body, 403));
	json_decref(a);
}

int
main(void)
{
	char dir[] = "/tmp/tdv-lists-XXXXXX";
	if (mkdtemp(dir) == NULL)
		return 1;
	prepare_lists(dir);
	gen(mrz_genuine, sizeof(mrz_genuine), "ERIKSSON", "ANNA MARIA", "UT7000001", 2031, 'F', 1974);
	gen(mrz_expired, sizeof(mrz_expired), "MARTIN", "LUCA", "UT7000002", 2025, 'M', 1981);
	gen(mrz_stolen, sizeof(mrz_stolen), "OKAFOR", "GRACE", "UT7000003", 2030, 'F', 1990);
	gen(mrz_watched, sizeof(mrz_watched), "PETROV", "IVAN", "UT7000006", 2030, 'M', 1970);
	if (ts_start(&st, tune) != 0) {
		fprintf(stderr, "cannot start the station\n");
		return 1;
	}
	RUN(test_server_officer_inspects_and_decides);
	RUN(test_server_examiner_decides_referral);
	RUN(test_server_supervisor_sees_counts);
	RUN(test_server_audit_records_personal_data_access);
	RUN(test_server_trainee_inspection_not_recorded);
	ts_stop(&st);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	TEST_EXIT();
}
