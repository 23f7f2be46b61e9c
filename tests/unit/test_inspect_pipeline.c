/*
 * The inspection pipeline: verdicts, the order and presence of checks,
 * SKIP for missing evidence (never PASS), evidence from other steps
 * (PA result, chip DG1, outside checks), lost/stolen screening against a
 * real SLTD index, and recording the result as a movement.
 *
 * MRZ: the ICAO Doc 9303-4 specimen (ERIKSSON ANNA MARIA, Utopia).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tdv/error.h"
#include "tdv/inspect.h"
#include "tdv_test.h"

static const char SPECIMEN[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
			       "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
/* the same with the birth date check digit changed 2 -> 3 */
static const char BAD_DIGIT[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
				"L898902C36UTO7408123F1204159ZE184226B<<<<<10";
static const tdv_date BEFORE_EXPIRY = {2010, 1, 1};
static const tdv_date AFTER_EXPIRY = {2026, 1, 1};

static tdv_inspection *
inspect(const char *mrz, const tdv_date *today, bool require_screening)
{
	tdv_inspection *ins = NULL;
	CHECK_INT(tdv_inspection_new(&ins), TDV_OK);
	CHECK_INT(tdv_inspection_set_today(ins, today), TDV_OK);
	tdv_inspect_policy p;
	tdv_inspect_policy_default(&p);
	p.require_screening = require_screening;
	CHECK_INT(tdv_inspection_set_policy(ins, &p), TDV_OK);
	if (mrz != NULL)
		CHECK_INT(tdv_inspection_set_mrz_text(ins, mrz, strlen(mrz),
			      TDV_EVIDENCE_TYPED),
		    TDV_OK);
	return ins;
}

static tdv_inspect_status
status_of(const tdv_inspection *ins, const char *id)
{
	const tdv_inspect_check *c = tdv_inspection_find(ins, id);
	if (c == NULL) {
		fprintf(stderr, "  check %s missing\n", id);
		return (tdv_inspect_status)-1;
	}
	return c->status;
}

static void
test_inspect_valid_mrz_unscreened_is_refer(void)
{
	tdv_inspection *ins = inspect(SPECIMEN, &BEFORE_EXPIRY, true);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_REFER);
	static const char *order[] = {"mrz.present", "mrz.format",
	    "mrz.check_digits", "mrz.dates", "mrz.codes", "document.expiry",
	    "chip.read", "chip.pa", "chip.aa_ca", "chip.dg1_match", "screen.sltd",
	    "screen.watchlist"};
	CHECK_INT(tdv_inspection_ncheck(ins), 12);
	for (int i = 0; i < 12; i++)
		CHECK_STR(tdv_inspection_check(ins, i)->id, order[i]);
	for (int i = 0; i < 6; i++)
		CHECK_INT(tdv_inspection_check(ins, i)->status, TDV_INSPECT_PASS);
	/* nothing not done is shown as passed */
	for (int i = 6; i < 12; i++)
		CHECK_INT(tdv_inspection_check(ins, i)->status, TDV_INSPECT_SKIP);
	CHECK(strstr(tdv_inspection_find(ins, "document.expiry")->message,
		  "2012-04-15") != NULL);
	CHECK_STR(tdv_inspection_fraud_class(ins), "");
	tdv_inspection_free(&ins);
	CHECK(ins == NULL);
}

static void
test_inspect_policy_without_screening_passes(void)
{
	tdv_inspection *ins = inspect(SPECIMEN, &BEFORE_EXPIRY, false);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_PASS);
	/* requiring the chip turns the skipped chip checks into REFER */
	tdv_inspect_policy p;
	tdv_inspect_policy_default(&p);
	p.require_screening = false;
	p.require_chip = true;
	CHECK_INT(tdv_inspection_set_policy(ins, &p), TDV_OK);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_REFER);
	tdv_inspection_free(&ins);
}

static void
test_inspect_expired_document_fails(void)
{
	tdv_inspection *ins = inspect(SPECIMEN, &AFTER_EXPIRY, false);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_FAIL);
	CHECK_INT(status_of(ins, "document.expiry"), TDV_INSPECT_FAIL);
	CHECK_INT(status_of(ins, "mrz.check_digits"), TDV_INSPECT_PASS);
	CHECK(strstr(tdv_inspection_find(ins, "document.expiry")->message,
		  "expired on 2012-04-15") != NULL);
	tdv_inspection_free(&ins);
}

static void
test_inspect_setting_today_after_mrz_reparses(void)
{
	/* the MRZ was typed before the date was known: expiry follows the date */
	tdv_inspection *ins = NULL;
	CHECK_INT(tdv_inspection_new(&ins), TDV_OK);
	CHECK_INT(tdv_inspection_set_mrz_text(ins, SPECIMEN, strlen(SPECIMEN),
		      TDV_EVIDENCE_SWIPE),
	    TDV_OK);
	CHECK_INT(tdv_inspection_run(ins), TDV_EINVAL); /* no date yet */
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_FAIL);
	CHECK_INT(tdv_inspection_set_today(ins, &AFTER_EXPIRY), TDV_OK);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(status_of(ins, "document.expiry"), TDV_INSPECT_FAIL);
	CHECK(strstr(tdv_inspection_find(ins, "mrz.present")->message,
		  "document reader") != NULL);
	tdv_inspection_free(&ins);
}

static void
test_inspect_bad_check_digit_fails_as_mrz_fraud(void)
{
	tdv_inspection *ins = inspect(BAD_DIGIT, &BEFORE_EXPIRY, false);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_FAIL);
	CHECK_INT(status_of(ins, "mrz.check_digits"), TDV_INSPECT_FAIL);
	CHECK(strstr(tdv_inspection_find(ins, "mrz.check_digits")->message,
		  "birth_date") != NULL);
	CHECK_STR(tdv_inspection_fraud_class(ins), "mrz");
	tdv_inspection_free(&ins);
}

static void
test_inspect_garbage_and_missing_mrz_fail(void)
{
	tdv_inspection *ins = inspect("HELLO WORLD", &BEFORE_EXPIRY, false);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_FAIL);
	CHECK_INT(status_of(ins, "mrz.format"), TDV_INSPECT_FAIL);
	CHECK_INT(status_of(ins, "mrz.check_digits"), TDV_INSPECT_SKIP);
	tdv_inspection_free(&ins);

	ins = inspect(NULL, &BEFORE_EXPIRY, false);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_FAIL);
	CHECK_INT(status_of(ins, "mrz.present"), TDV_INSPECT_FAIL);
	CHECK(tdv_inspection_mrz(ins) == NULL);
	tdv_inspection_free(&ins);

	/* oversized input is refused, not truncated */
	char big[400];
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ins = inspect(NULL, &BEFORE_EXPIRY, false);
	CHECK_INT(tdv_inspection_set_mrz_text(ins, big, strlen(big), TDV_EVIDENCE_TYPED),
	    TDV_ELIMIT);
	tdv_inspection_free(&ins);
}

static void
test_inspect_chip_dg1_compared_with_printed(void)
{
	tdv_mrz dg1;
	tdv_mrz_parse_text(SPECIMEN, strlen(SPECIMEN), &BEFORE_EXPIRY, &dg1);
	tdv_inspection *ins = inspect(SPECIMEN, &BEFORE_EXPIRY, false);
	CHECK_INT(tdv_inspection_set_chip_dg1(ins, &dg1), TDV_OK);
	CHECK_INT(tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_PASS,
		      "BAC, DG1 DG2 SOD read", NULL),
	    TDV_OK);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(status_of(ins, "chip.dg1_match"), TDV_INSPECT_PASS);
	CHECK_INT(status_of(ins, "chip.read"), TDV_INSPECT_PASS);
	CHECK_STR(tdv_inspection_find(ins, "chip.read")->message,
	    "BAC, DG1 DG2 SOD read");
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_PASS);

	/* a chip from another document */
	static const char OTHER[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
				    "L898902C47UTO7408122F1204159ZE184226B<<<<<10";
	tdv_mrz_parse_text(OTHER, strlen(OTHER), &BEFORE_EXPIRY, &dg1);
	CHECK_INT(tdv_inspection_set_chip_dg1(ins, &dg1), TDV_OK);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(status_of(ins, "chip.dg1_match"), TDV_INSPECT_FAIL);
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_FAIL);
	CHECK_STR(tdv_inspection_fraud_class(ins), "data_mismatch");
	CHECK(strstr(tdv_inspection_find(ins, "chip.dg1_match")->message,
		  "L898902C4") != NULL);
	tdv_inspection_free(&ins);
}

static void
test_inspect_outside_checks(void)
{
	tdv_inspection *ins = inspect(SPECIMEN, &BEFORE_EXPIRY, true);
	CHECK_INT(tdv_inspection_add_check(ins, "screen.watchlist", TDV_INSPECT_WARN,
		      "possible match: ERIKSSON ANNA (0.91)", NULL),
	    TDV_OK);
	CHECK_INT(tdv_inspection_add_check(ins, "image.uv", TDV_INSPECT_PASS,
		      "UV features present", NULL),
	    TDV_OK);
	CHECK_INT(tdv_inspection_add_check(ins, "Bad Id", TDV_INSPECT_PASS, "", NULL),
	    TDV_EINVAL);
	CHECK_INT(tdv_inspection_add_check(ins, "x.y", (tdv_inspect_status)9, "", NULL),
	    TDV_EINVAL);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_REFER);
	CHECK_INT(status_of(ins, "screen.watchlist"), TDV_INSPECT_WARN);
	CHECK_INT(tdv_inspection_ncheck(ins), 13);
	CHECK_STR(tdv_inspection_check(ins, 12)->id, "image.uv");
	tdv_inspection_free(&ins);
}

static char tmpdir[64];

static void
test_inspect_to_movement_and_store(void)
{
	tdv_inspection *ins = inspect(SPECIMEN, &BEFORE_EXPIRY, true);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	tdv_movement *m = calloc(1, sizeof(*m));
	CHECK_INT(tdv_inspection_to_movement(ins, m), TDV_OK);
	CHECK_STR(m->surname, "ERIKSSON");
	CHECK_STR(m->given_names, "ANNA MARIA");
	CHECK_STR(m->document_number, "L898902C3");
	CHECK_STR(m->birth_date, "1974-08-12");
	CHECK_STR(m->verdict, "REFER");
	CHECK_INT(m->sex, 'F');
	CHECK(strstr(m->checks_json, "\"screen.sltd\"") != NULL);

	char uri[128];
	snprintf(uri, sizeof(uri), "sqlite:%s/store.db", tmpdir);
	tdv_store *st = NULL;
	CHECK_INT(tdv_store_open(uri, &st, NULL, 0), TDV_OK);
	tdv_checkpoint cp = {"CP1", "One", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(st, &cp), TDV_OK);
	tdv_officer o = {"off1", "Officer", TDV_ROLE_OFFICER, true};
	CHECK_INT(tdv_store_officer_add(st, &o, "pw", 2, NULL, "CP1"), TDV_OK);
	snprintf(m->checkpoint_id, sizeof(m->checkpoint_id), "CP1");
	snprintf(m->officer_id, sizeof(m->officer_id), "off1");
	m->direction = TDV_DIR_ENTRY;
	m->decision = TDV_DECISION_REFERRED;
	snprintf(m->reason, sizeof(m->reason), "lists not loaded");
	CHECK_INT(tdv_store_record_movement(st, m), TDV_OK);
	CHECK_INT(m->seq, 1);
	tdv_audit_report r;
	CHECK_INT(tdv_store_audit_verify(st, NULL, &r), TDV_OK);
	CHECK(r.intact);
	tdv_store_free(&st);
	free(m);

	tdv_buf b;
	tdv_buf_init(&b, 1 << 16);
	tdv_json j;
	tdv_json_init(&j, &b);
	tdv_inspection_to_json(ins, &j);
	CHECK_INT(tdv_json_error(&j), TDV_OK);
	CHECK(strncmp(tdv_buf_cstr(&b), "{\"verdict\":\"REFER\"", 18) == 0);
	tdv_buf_reset(&b);
	CHECK_INT(tdv_inspection_report(ins, &b), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "verdict: REFER") != NULL);
	CHECK(strstr(tdv_buf_cstr(&b), "skip  screen.sltd") != NULL);
	tdv_buf_free(&b);
	tdv_inspection_free(&ins);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tdv-inspect-test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	RUN(test_inspect_valid_mrz_unscreened_is_refer);
	RUN(test_inspect_policy_without_screening_passes);
	RUN(test_inspect_expired_document_fails);
	RUN(test_inspect_setting_today_after_mrz_reparses);
	RUN(test_inspect_bad_check_digit_fails_as_mrz_fraud);
	RUN(test_inspect_garbage_and_missing_mrz_fail);
	RUN(test_inspect_chip_dg1_compared_with_printed);
	RUN(test_inspect_outside_checks);
	RUN(test_inspect_to_movement_and_store);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	TEST_EXIT();
}
