/*
 * Training database: the cascade, answer secrecy (no key and no feedback
 * for a trainee before submission, nobody answers or submits for someone
 * else), scoring on submission, records, due dates and drills from the
 * bank. The set directory holds only answers.json here; building real
 * documents is tested by tests/scripts/train_defects.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tdv/error.h"
#include "tdv/store.h"
#include "tdv/train.h"
#include "tdv_test.h"

static char dir[256], dbpath[300], setdir[300];
/* anna's failed and passed inductions (first test), for the second */
static char att_fail[TDV_TRAIN_SETID_LEN + 1], att_pass[TDV_TRAIN_SETID_LEN + 1];

static void
person(tdv_train_db *db, const char *id, tdv_train_role role,
    const char *trainer, int expect)
{
	tdv_train_person p;
	memset(&p, 0, sizeof(p));
	snprintf(p.id, sizeof(p.id), "%s", id);
	snprintf(p.name, sizeof(p.name), "Officer %s", id);
	snprintf(p.checkpoint, sizeof(p.checkpoint), "CP1");
	p.role = role;
	p.level = TDV_TRAIN_FIRST_LINE;
	snprintf(p.trainer, sizeof(p.trainer), "%s", trainer ? trainer : "");
	CHECK_INT(tdv_train_db_person_add(db, &p), expect);
}

static const char *const key_json =
    "{\"key\":[\"genuine\",\"expired\",\"watchlist\",\"genuine\","
    "\"mrz-check-digit,lost-stolen\"]}\n";

static tdv_train_response
R(tdv_train_decision d, const char *named, int64_t ms)
{
	tdv_train_response r;
	memset(&r, 0, sizeof(r));
	r.decision = d;
	CHECK_INT(tdv_train_defects_parse(named, &r.named), TDV_OK);
	r.time_ms = ms;
	return r;
}

static void
test_train_db_cascade_and_secrecy(void)
{
	tdv_train_db *db = NULL;
	CHECK_INT(tdv_train_db_open(dbpath, &db), TDV_OK);
	person(db, "master", TDV_TRAIN_MASTER, NULL, TDV_OK);
	person(db, "trainer1", TDV_TRAIN_TRAINER, "master", TDV_OK);
	person(db, "trainer2", TDV_TRAIN_TRAINER, "master", TDV_OK);
	person(db, "anna", TDV_TRAIN_TRAINEE, "trainer1", TDV_OK);
	person(db, "bert", TDV_TRAIN_TRAINEE, "trainer2", TDV_OK);
	/* cascade rules */
	person(db, "anna", TDV_TRAIN_TRAINEE, "trainer1", TDV_EEXIST);
	person(db, "x1", TDV_TRAIN_TRAINEE, "anna", TDV_EINVAL);
	person(db, "x2", TDV_TRAIN_TRAINER, "trainer1", TDV_EINVAL);
	person(db, "x3", TDV_TRAIN_TRAINEE, NULL, TDV_EINVAL);
	person(db, "x4", TDV_TRAIN_TRAINEE, "nobody", TDV_ENOENT);
	person(db, "bad id!", TDV_TRAIN_TRAINEE, "trainer1", TDV_EINVAL);
	bool yes;
	CHECK_INT(tdv_train_db_can_see(db, "trainer1", "anna", &yes), TDV_OK);
	CHECK(yes);
	CHECK_INT(tdv_train_db_can_see(db, "master", "anna", &yes), TDV_OK);
	CHECK(yes);
	CHECK_INT(tdv_train_db_can_see(db, "trainer2", "anna", &yes), TDV_OK);
	CHECK(!yes);
	CHECK_INT(tdv_train_db_can_see(db, "bert", "anna", &yes), TDV_OK);
	CHECK(!yes);

	char set[TDV_TRAIN_SETID_LEN + 1], att[TDV_TRAIN_SETID_LEN + 1];
	/* a trainee cannot register sets */
	CHECK_INT(tdv_train_db_set_add(db, setdir, "Induction A",
		      TDV_TRAIN_FIRST_LINE, 0, "anna", set), TDV_EPERM);
	CHECK_INT(tdv_train_db_set_add(db, setdir, "Induction A",
		      TDV_TRAIN_FIRST_LINE, 60000, "trainer1", set), TDV_OK);

	tdv_buf b;
	tdv_buf_init(&b, 1 << 20);
	tdv_json j;
	/* the trainee's view has no defects; asking for the key is refused */
	tdv_json_init(&j, &b);
	CHECK_INT(tdv_train_db_set_json(db, set, "anna", false, &j), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "defects") == NULL);
	CHECK(strstr(tdv_buf_cstr(&b), "expired") == NULL);
	tdv_buf_reset(&b);
	tdv_json_init(&j, &b);
	CHECK_INT(tdv_train_db_set_json(db, set, "anna", true, &j), TDV_EPERM);
	tdv_buf_reset(&b);
	tdv_json_init(&j, &b);
	CHECK_INT(tdv_train_db_set_json(db, set, "trainer1", true, &j), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "mrz-check-digit,lost-stolen") != NULL);

	tdv_date day = {2026, 3, 10};
	/* trainer2 is not anna's trainer */
	CHECK_INT(tdv_train_db_attempt_start(db, set, "anna", "trainer2",
		      TDV_TRAIN_INDUCTION, &day, att), TDV_EPERM);
	CHECK_INT(tdv_train_db_attempt_start(db, set, "anna", NULL,
		      TDV_TRAIN_INDUCTION, &day, att), TDV_OK);

	tdv_train_response r[5] = {
	    R(TDV_TRAIN_ADMIT, "", 10000),
	    R(TDV_TRAIN_REFUSE, "expired", 20000),
	    R(TDV_TRAIN_ADMIT, "", 15000),             /* missed watchlist */
	    R(TDV_TRAIN_REFER, "", 30000),             /* false alarm */
	    R(TDV_TRAIN_REFUSE, "mrz-check-digit,lost-stolen", 70000), /* late */
	};
	/* nobody answers for anna */
	CHECK_INT(tdv_train_db_answer(db, att, "bert", 0, &r[0]), TDV_EPERM);
	CHECK_INT(tdv_train_db_answer(db, att, "trainer1", 0, &r[0]), TDV_EPERM);
	CHECK_INT(tdv_train_db_answer(db, att, "anna", 5, &r[0]), TDV_EINVAL);
	CHECK_INT(tdv_train_db_answer(db, att, "anna", -1, &r[0]), TDV_EINVAL);
	for (int i = 0; i < 5; i++)
		CHECK_INT(tdv_train_db_answer(db, att, "anna", i, &r[i]), TDV_OK);
	/* no feedback before submission, for anyone */
	tdv_buf_reset(&b);
	tdv_json_init(&j, &b);
	CHECK_INT(tdv_train_db_feedback(db, att, "anna", &j), TDV_EPERM);
	CHECK_INT(tdv_train_db_feedback(db, att, "trainer1", &j), TDV_EPERM);
	/* nor a submission by someone else */
	tdv_train_score sc;
	CHECK_INT(tdv_train_db_submit(db, att, "bert", &day, NULL, &sc),
	    TDV_EPERM);
	tdv_buf_reset(&b);
	tdv_json_init(&j, &b);
	CHECK_INT(tdv_train_db_submit(db, att, "anna", &day, &j, &sc), TDV_OK);
	memcpy(att_fail, att, sizeof(att_fail));
	/* 1 + 1 + 0 + 0 + 0 (over the 60 s limit) = 2 of 5 */
	CHECK(sc.percent > 39.99 && sc.percent < 40.01);
	CHECK(!sc.passed);
	CHECK_INT(sc.false_alarms, 1);
	CHECK_INT(sc.overtime, 1);
	CHECK(strstr(tdv_buf_cstr(&b), "\"check\":\"screen.watchlist\"") !=
	    NULL);
	/* closed: no second submission, no new answers */
	CHECK_INT(tdv_train_db_submit(db, att, "anna", &day, NULL, &sc),
	    TDV_EPERM);
	CHECK_INT(tdv_train_db_answer(db, att, "anna", 0, &r[0]), TDV_EPERM);
	/* feedback now for anna and her trainers, not for others */
	tdv_buf_reset(&b);
	tdv_json_init(&j, &b);
	CHECK_INT(tdv_train_db_feedback(db, att, "master", &j), TDV_OK);
	CHECK_INT(tdv_train_db_feedback(db, att, "trainer2", &j), TDV_EPERM);
	CHECK_INT(tdv_train_db_feedback(db, att, "bert", &j), TDV_EPERM);
	/* no certificate for a failed course */
	tdv_buf_reset(&b);
	CHECK_INT(tdv_train_db_certificate(db, att, &b), TDV_ENOENT);

	/* a second attempt, passed: certificate and a due date */
	CHECK_INT(tdv_train_db_attempt_start(db, set, "anna", "trainer1",
		      TDV_TRAIN_INDUCTION, &day, att), TDV_OK);
	r[2] = R(TDV_TRAIN_REFUSE, "watchlist", 9000);
	r[3] = R(TDV_TRAIN_ADMIT, "", 9000);
	r[4].time_ms = 9000;
	for (int i = 0; i < 5; i++)
		CHECK_INT(tdv_train_db_answer(db, att, "anna", i, &r[i]), TDV_OK);
	CHECK_INT(tdv_train_db_submit(db, att, "anna", &day, NULL, &sc), TDV_OK);
	memcpy(att_pass, att, sizeof(att_pass));
	CHECK(sc.passed);
	tdv_buf_reset(&b);
	CHECK_INT(tdv_train_db_certificate(db, att, &b), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "Officer anna") != NULL);
	CHECK(strstr(tdv_buf_cstr(&b), "@media print") != NULL);

	CHECK_INT(tdv_train_db_config_set(db, "refresher_months", 6), TDV_OK);
	CHECK_INT(tdv_train_db_config_set(db, "refresher_months", 0), TDV_EINVAL);
	CHECK_INT(tdv_train_db_config_set(db, "bogus", 1), TDV_EINVAL);
	tdv_date today = {2026, 9, 20};
	tdv_buf_reset(&b);
	CHECK_INT(tdv_train_db_report_due(db, "trainer1", NULL, &today, true,
		      &b), TDV_OK);
	const char *csv = tdv_buf_cstr(&b);
	CHECK(strstr(csv, "CP1,anna,Officer anna,trainer1,induction,"
			  "2026-03-10,2026-09-10,overdue\n") != NULL);
	CHECK(strstr(csv, "bert") == NULL); /* not trainer1's */
	tdv_buf_reset(&b);
	CHECK_INT(tdv_train_db_report_due(db, "master", "CP1", &today, true,
		      &b), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "bert,Officer bert,trainer2,,,"
				       "2026-09-20,induction-due") != NULL);
	tdv_buf_reset(&b);
	CHECK_INT(tdv_train_db_report_rates(db, NULL, true, &b), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "2026-03,detection,watchlist,2,1,50.0")
	    != NULL);
	CHECK(strstr(tdv_buf_cstr(&b), "2026-03,pass,,2,1,50.0") != NULL);
	tdv_buf_reset(&b);
	tdv_json_init(&j, &b);
	CHECK_INT(tdv_train_db_report_officer(db, "bert", "anna", &today, &j),
	    TDV_EPERM);
	CHECK_INT(tdv_train_db_report_officer(db, "trainer1", "anna", &today,
		      &j), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "\"certificate\":true") != NULL);

	/* practice: the record has anna's history; a drill comes from the
	 * bank and is deterministic for the day */
	tdv_train_record rec;
	CHECK_INT(tdv_train_db_record_get(db, "anna", &rec), TDV_OK);
	CHECK_INT(rec.skill[TDV_TRAIN_WATCHLIST].lapses, 1);
	CHECK_INT(rec.skill[TDV_TRAIN_WATCHLIST].right, 1);
	char dset[TDV_TRAIN_SETID_LEN + 1], datt[TDV_TRAIN_SETID_LEN + 1];
	tdv_date d2 = {2026, 3, 11};
	CHECK_INT(tdv_train_db_drill(db, "anna", &d2, 5, dset, datt), TDV_OK);
	tdv_buf_reset(&b);
	tdv_json_init(&j, &b);
	CHECK_INT(tdv_train_db_set_json(db, dset, "trainer1", true, &j), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "\"kind\":\"drill\"") != NULL);
	tdv_buf_free(&b);
	tdv_train_db_free(&db);

	/* reopening keeps everything; a newer schema is refused */
	CHECK_INT(tdv_train_db_open(dbpath, &db), TDV_OK);
	CHECK_INT(tdv_train_db_can_see(db, "master", "anna", &yes), TDV_OK);
	CHECK(yes);
	tdv_train_db_free(&db);
	CHECK(db == NULL);
}

/* Results for headquarters: the result JSON of a submitted attempt, the
 * registry of exercise documents (live inspection refuses them) with its
 * migration, and the central report from audit entries in a store. */
static void
test_train_db_results_for_hq(void)
{
	tdv_train_db *db = NULL;
	CHECK_INT(tdv_train_db_open(dbpath, &db), TDV_OK);
	tdv_buf b, r1, r2;
	tdv_buf_init(&b, 1 << 20);
	tdv_buf_init(&r1, TDV_TRAIN_RESULT_MAX);
	tdv_buf_init(&r2, TDV_TRAIN_RESULT_MAX);
	CHECK_INT(tdv_train_db_result_json(db, att_fail, &r1), TDV_OK);
	CHECK_INT(tdv_train_db_result_json(db, att_pass, &r2), TDV_OK);
	CHECK(r2.len > 0 && r2.len <= TDV_TRAIN_RESULT_MAX);
	const char *t = tdv_buf_cstr(&r2);
	CHECK(strstr(t, "\"officer\":\"anna\"") != NULL);
	CHECK(strstr(t, "\"checkpoint\":\"CP1\"") != NULL);
	CHECK(strstr(t, "\"course\":\"induction\"") != NULL);
	CHECK(strstr(t, "\"passed\":true") != NULL);
	CHECK(strstr(t, "\"day\":\"2026-03-10\"") != NULL);
	CHECK(strstr(tdv_buf_cstr(&r1), "\"watchlist\":[1,0]") != NULL);
	CHECK(strstr(t, "\"watchlist\":[1,1]") != NULL);
	CHECK_INT(tdv_train_db_result_json(db, "01ZZZZZZZZZZZZZZZZZZZZZZZZ", &b),
	    TDV_ENOENT);
	/* an open attempt has no result yet */
	char dset[TDV_TRAIN_SETID_LEN + 1], datt[TDV_TRAIN_SETID_LEN + 1];
	tdv_date d3 = {2026, 3, 12};
	CHECK_INT(tdv_train_db_drill(db, "anna", &d3, 5, dset, datt), TDV_OK);
	CHECK_INT(tdv_train_db_result_json(db, datt, &b), TDV_EPERM);

	/* exercise documents: registered with their set from the printed MRZ */
	char set2[320], p[400], sid[TDV_TRAIN_SETID_LEN + 1];
	snprintf(set2, sizeof(set2), "%s/set2", dir);
	mkdir(set2, 0700);
	snprintf(p, sizeof(p), "%s/doc-01", set2);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/answers.json", set2);
	FILE *f = fopen(p, "w");
	CHECK(f != NULL);
	fputs("{\"key\":[\"genuine\"]}\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/doc-01/mrz.txt", set2);
	f = fopen(p, "w");
	CHECK(f != NULL);
	fputs("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	      "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n", f);
	fclose(f);
	bool yes = true;
	CHECK_INT(tdv_train_db_is_exercise_doc(db, "UTO", "L898902C3", &yes),
	    TDV_OK);
	CHECK(!yes);
	CHECK_INT(tdv_train_db_set_add(db, set2, "One document",
		      TDV_TRAIN_FIRST_LINE, 0, "trainer1", sid), TDV_OK);
	CHECK_INT(tdv_train_db_is_exercise_doc(db, "UTO", "L898902C3", &yes),
	    TDV_OK);
	CHECK(yes);
	CHECK_INT(tdv_train_db_is_exercise_doc(db, "UTO", "L898902C4", &yes),
	    TDV_OK);
	CHECK(!yes);
	CHECK_INT(tdv_train_db_is_exercise_doc(db, "D<<", "L898902C3", &yes),
	    TDV_OK);
	CHECK(!yes);
	tdv_train_db_free(&db);
	/* a version-1 database (no registry) gets it on opening */
	sqlite3 *h = NULL;
	CHECK(sqlite3_open(dbpath, &h) == SQLITE_OK);
	CHECK(sqlite3_exec(h, "DROP TABLE exnum; UPDATE meta SET value='1' "
			      "WHERE key='schema_version'", NULL, NULL, NULL) ==
	    SQLITE_OK);
	sqlite3_close(h);
	CHECK_INT(tdv_train_db_open(dbpath, &db), TDV_OK);
	CHECK_INT(tdv_train_db_is_exercise_doc(db, "UTO", "L898902C3", &yes),
	    TDV_OK);
	CHECK(yes);
	tdv_train_db_free(&db);

	/* headquarters: the results as audit entries of CP1's chain */
	char uri[400];
	snprintf(uri, sizeof(uri), "sqlite:%s/store.db", dir);
	tdv_store *st = NULL;
	CHECK_INT(tdv_store_open(uri, &st, NULL, 0), TDV_OK);
	tdv_checkpoint cp = {"CP1", "One", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(st, &cp), TDV_OK);
	CHECK_INT(tdv_store_audit_append(st, "CP1", "officer9", "inspection.run",
		      "UTO:X", "", NULL), TDV_OK);
	CHECK_INT(tdv_store_audit_append(st, "CP1", "anna",
		      TDV_TRAIN_RESULT_ACTION, att_fail, tdv_buf_cstr(&r1), NULL),
	    TDV_OK);
	CHECK_INT(tdv_store_audit_append(st, "CP1", "anna",
		      TDV_TRAIN_RESULT_ACTION, att_pass, tdv_buf_cstr(&r2), NULL),
	    TDV_OK);
	CHECK_INT(tdv_store_audit_append(st, "CP1", "anna",
		      TDV_TRAIN_RESULT_ACTION, "x", "not json", NULL), TDV_OK);
	const char *cps[] = {"CP1", "CP2"};
	tdv_date today = {2026, 9, 20};
	tdv_buf_reset(&b);
	CHECK_INT(tdv_train_central_report(st, cps, 2, &today, 6, 30, false, &b),
	    TDV_OK);
	t = tdv_buf_cstr(&b);
	CHECK(strstr(t, "\"entries\":3,\"unreadable\":1") != NULL);
	CHECK(strstr(t, "\"officer\":\"anna\",\"checkpoint\":\"CP1\","
			"\"trainer\":\"trainer1\",\"sets\":2,\"drills\":0,"
			"\"passed\":1") != NULL);
	CHECK(strstr(t, "\"last_course\":\"induction\",\"last_passed\":"
			"\"2026-03-10\",\"refresher_due\":\"2026-09-10\","
			"\"status\":\"overdue\"") != NULL);
	CHECK(strstr(t, "{\"defect\":\"watchlist\",\"presented\":2,"
			"\"detected\":1,\"rate\":50") != NULL);
	CHECK(strstr(t, "\"checkpoint\":\"CP2\",\"officers\":0") != NULL);
	CHECK(strstr(t, "officer9") == NULL);
	tdv_buf_reset(&b);
	CHECK_INT(tdv_train_central_report(st, cps, 1, &today, 12, 30, true, &b),
	    TDV_OK);
	t = tdv_buf_cstr(&b);
	CHECK(strstr(t, "officer,CP1,anna,watchlist,2,1,50.0,\n") != NULL);
	CHECK(strstr(t, "due=2027-03-10 status=ok") != NULL);
	CHECK_INT(tdv_train_central_report(st, cps, 0, &today, 12, 30, true, &b),
	    TDV_EINVAL);
	const char *bad[] = {"CP 1"};
	CHECK_INT(tdv_train_central_report(st, bad, 1, &today, 12, 30, true, &b),
	    TDV_EINVAL);
	tdv_store_free(&st);
	tdv_buf_free(&b);
	tdv_buf_free(&r1);
	tdv_buf_free(&r2);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tdv-train-db-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(dbpath, sizeof(dbpath), "%s/train.db", dir);
	snprintf(setdir, sizeof(setdir), "%s/set", dir);
	mkdir(setdir, 0700);
	char kp[400];
	snprintf(kp, sizeof(kp), "%s/answers.json", setdir);
	FILE *f = fopen(kp, "w");
	if (f == NULL)
		return 1;
	fputs(key_json, f);
	fclose(f);
	RUN(test_train_db_cascade_and_secrecy);
	RUN(test_train_db_results_for_hq);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	TEST_EXIT();
}
