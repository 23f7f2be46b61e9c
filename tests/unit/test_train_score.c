/* Training: defect catalogue, scoring, feedback and refresher due dates. */
#include <stdlib.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/train.h"
#include "tdv_test.h"

#define BIT(d) (1u << (d))

static tdv_train_response
ans(tdv_train_decision d, tdv_train_defects named, int64_t ms)
{
	tdv_train_response r;
	memset(&r, 0, sizeof(r));
	r.decision = d;
	r.named = named;
	r.time_ms = ms;
	return r;
}

static void
test_train_defect_names_round_trip(void)
{
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
		tdv_train_defect back;
		const char *n = tdv_train_defect_name((tdv_train_defect)d);
		CHECK(n != NULL);
		CHECK_INT(tdv_train_defect_parse(n, &back), TDV_OK);
		CHECK_INT(back, d);
		CHECK(tdv_train_defect_check((tdv_train_defect)d) != NULL);
		CHECK(tdv_train_defect_advice((tdv_train_defect)d) != NULL);
	}
	CHECK(tdv_train_defect_name(TDV_TRAIN_NDEFECTS) == NULL);
	CHECK(tdv_train_defect_name((tdv_train_defect)-1) == NULL);
	tdv_train_defect d;
	CHECK_INT(tdv_train_defect_parse("forged", &d), TDV_EINVAL);
	CHECK_INT(tdv_train_defect_parse("", &d), TDV_EINVAL);
}

static void
test_train_defect_list_parse(void)
{
	tdv_train_defects s = 99;
	CHECK_INT(tdv_train_defects_parse("expired, watchlist", &s), TDV_OK);
	CHECK_INT(s, BIT(TDV_TRAIN_EXPIRED) | BIT(TDV_TRAIN_WATCHLIST));
	CHECK_INT(tdv_train_defects_parse("genuine", &s), TDV_OK);
	CHECK_INT(s, 0);
	CHECK_INT(tdv_train_defects_parse("", &s), TDV_OK);
	CHECK_INT(s, 0);
	CHECK_INT(tdv_train_defects_parse("expired,", &s), TDV_EINVAL);
	CHECK_INT(tdv_train_defects_parse(",expired", &s), TDV_EINVAL);
	CHECK_INT(tdv_train_defects_parse("expired,,cloned-chip", &s),
	    TDV_EINVAL);
	CHECK_INT(tdv_train_defects_parse("expired,bogus", &s), TDV_EINVAL);
	char big[400];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(tdv_train_defects_parse(big, &s), TDV_ELIMIT);
	char out[300];
	CHECK_INT(tdv_train_defects_format(BIT(TDV_TRAIN_CHIP_DG1) |
		      BIT(TDV_TRAIN_LOST_STOLEN), out, sizeof(out)), TDV_OK);
	CHECK_STR(out, "chip-dg1,lost-stolen");
	CHECK_INT(tdv_train_defects_format(0, out, sizeof(out)), TDV_OK);
	CHECK_STR(out, "genuine");
	CHECK_INT(tdv_train_defects_format(TDV_TRAIN_ALL_DEFECTS, out, 10),
	    TDV_ELIMIT);
	CHECK_INT(tdv_train_defects_format(TDV_TRAIN_ALL_DEFECTS, out,
		      sizeof(out)), TDV_OK);
	tdv_train_defects back;
	CHECK_INT(tdv_train_defects_parse(out, &back), TDV_OK);
	CHECK_INT(back, TDV_TRAIN_ALL_DEFECTS);
}

static void
test_train_levels_split_catalogue(void)
{
	int first = 0, second = 0;
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
		if (tdv_train_defect_level((tdv_train_defect)d) ==
		    TDV_TRAIN_FIRST_LINE)
			first++;
		else
			second++;
	}
	CHECK(first >= 4);
	CHECK(second >= 4);
	CHECK_INT(tdv_train_defect_level(TDV_TRAIN_EXPIRED),
	    TDV_TRAIN_FIRST_LINE);
	CHECK_INT(tdv_train_defect_level(TDV_TRAIN_FORGED_SOD),
	    TDV_TRAIN_SECOND_LINE);
}

static void
test_train_score_all_right_is_100(void)
{
	tdv_train_defects key[4] = {0, BIT(TDV_TRAIN_EXPIRED),
	    BIT(TDV_TRAIN_CHIP_DG1) | BIT(TDV_TRAIN_WATCHLIST), 0};
	tdv_train_response r[4] = {
	    ans(TDV_TRAIN_ADMIT, 0, 10000),
	    ans(TDV_TRAIN_REFUSE, BIT(TDV_TRAIN_EXPIRED), 20000),
	    ans(TDV_TRAIN_REFER,
		BIT(TDV_TRAIN_CHIP_DG1) | BIT(TDV_TRAIN_WATCHLIST), 30000),
	    ans(TDV_TRAIN_ADMIT, 0, 40000),
	};
	tdv_train_score s;
	CHECK_INT(tdv_train_score_set(key, r, 4, NULL, &s), TDV_OK);
	CHECK(s.percent > 99.999 && s.percent < 100.001);
	CHECK(s.passed);
	CHECK_INT(s.genuine, 2);
	CHECK_INT(s.defective, 2);
	CHECK_INT(s.stopped, 2);
	CHECK_INT(s.false_alarms, 0);
	CHECK_INT(s.presented[TDV_TRAIN_CHIP_DG1], 1);
	CHECK_INT(s.detected[TDV_TRAIN_WATCHLIST], 1);
	CHECK_INT(s.total_ms, 100000);
	CHECK_INT(s.max_ms, 40000);
	CHECK(s.mean_ms > 24999 && s.mean_ms < 25001);
	CHECK(tdv_train_detection_rate(&s, TDV_TRAIN_EXPIRED) > 99.9);
	CHECK(tdv_train_detection_rate(&s, TDV_TRAIN_FORGED_SOD) < 0);
}

static void
test_train_score_counts_misses_and_false_alarms(void)
{
	tdv_train_defects key[5] = {0, BIT(TDV_TRAIN_EXPIRED),
	    BIT(TDV_TRAIN_CLONED_CHIP), BIT(TDV_TRAIN_LOST_STOLEN),
	    BIT(TDV_TRAIN_EXPIRED) | BIT(TDV_TRAIN_MRZ_CHECK_DIGIT)};
	tdv_train_response r[5] = {
	    ans(TDV_TRAIN_REFER, 0, 1000),           /* false alarm: 0 */
	    ans(TDV_TRAIN_ADMIT, 0, 1000),           /* missed: 0 */
	    ans(TDV_TRAIN_REFUSE, 0, 1000),          /* stopped, not named: .5 */
	    ans(TDV_TRAIN_REFUSE, BIT(TDV_TRAIN_WATCHLIST), 1000), /* .5 */
	    ans(TDV_TRAIN_REFUSE, BIT(TDV_TRAIN_EXPIRED), 1000), /* .75 */
	};
	tdv_train_score s;
	CHECK_INT(tdv_train_score_set(key, r, 5, NULL, &s), TDV_OK);
	CHECK(s.percent > 34.999 && s.percent < 35.001); /* 1.75 / 5 */
	CHECK(!s.passed);
	CHECK_INT(s.false_alarms, 1);
	CHECK_INT(s.stopped, 3);
	CHECK_INT(s.defective, 4);
	CHECK_INT(s.wrongly_named, 1);
	CHECK_INT(s.presented[TDV_TRAIN_EXPIRED], 2);
	CHECK_INT(s.detected[TDV_TRAIN_EXPIRED], 1);
	CHECK_INT(s.detected[TDV_TRAIN_CLONED_CHIP], 0);
	CHECK_INT(s.detected[TDV_TRAIN_LOST_STOLEN], 0);
	CHECK_INT(s.detected[TDV_TRAIN_MRZ_CHECK_DIGIT], 0);
	CHECK(tdv_train_detection_rate(&s, TDV_TRAIN_EXPIRED) > 49.9 &&
	    tdv_train_detection_rate(&s, TDV_TRAIN_EXPIRED) < 50.1);
}

static void
test_train_score_pass_mark_and_timing(void)
{
	tdv_train_defects key[5] = {0, 0, 0, 0, BIT(TDV_TRAIN_EXPIRED)};
	tdv_train_response r[5] = {
	    ans(TDV_TRAIN_ADMIT, 0, 1000), ans(TDV_TRAIN_ADMIT, 0, 1000),
	    ans(TDV_TRAIN_ADMIT, 0, 1000), ans(TDV_TRAIN_ADMIT, 0, 1000),
	    ans(TDV_TRAIN_ADMIT, 0, 1000)};
	tdv_train_score s;
	tdv_train_score_opts o = {80, 0};
	CHECK_INT(tdv_train_score_set(key, r, 5, &o, &s), TDV_OK);
	CHECK(s.passed); /* exactly 80 passes */
	o.pass_mark = 81;
	CHECK_INT(tdv_train_score_set(key, r, 5, &o, &s), TDV_OK);
	CHECK(!s.passed);
	/* timed: the answer over the limit scores nothing */
	o.pass_mark = 0;
	o.limit_ms = 900;
	CHECK_INT(tdv_train_score_set(key, r, 5, &o, &s), TDV_OK);
	CHECK_INT(s.overtime, 5);
	CHECK(s.percent < 0.001);
	r[0].time_ms = 900; /* at the limit is in time */
	CHECK_INT(tdv_train_score_set(key, r, 5, &o, &s), TDV_OK);
	CHECK_INT(s.overtime, 4);
	CHECK(s.percent > 19.999 && s.percent < 20.001);
	/* unanswered documents count as wrong, not as admitted */
	r[1].decision = TDV_TRAIN_NO_ANSWER;
	o.limit_ms = 0;
	CHECK_INT(tdv_train_score_set(key, r, 5, &o, &s), TDV_OK);
	CHECK_INT(s.answered, 4);
	CHECK(s.percent > 59.999 && s.percent < 60.001);
}

static void
test_train_score_rejects_bad_sizes(void)
{
	tdv_train_defects key[1] = {0};
	tdv_train_response r[1] = {ans(TDV_TRAIN_ADMIT, 0, 0)};
	tdv_train_score s;
	CHECK_INT(tdv_train_score_set(key, r, 0, NULL, &s), TDV_EINVAL);
	CHECK_INT(tdv_train_score_set(key, r, TDV_TRAIN_MAX_DOCS + 1, NULL, &s),
	    TDV_EINVAL);
	CHECK_INT(tdv_train_score_set(NULL, r, 1, NULL, &s), TDV_EINVAL);
}

static void
test_train_feedback_names_catching_check(void)
{
	tdv_train_defects key[3] = {BIT(TDV_TRAIN_REVOKED_DS), 0,
	    BIT(TDV_TRAIN_PHOTO_SUBSTITUTION)};
	tdv_train_response r[3] = {ans(TDV_TRAIN_ADMIT, 0, 5000),
	    ans(TDV_TRAIN_REFUSE, BIT(TDV_TRAIN_EXPIRED), 5000),
	    ans(TDV_TRAIN_REFUSE, BIT(TDV_TRAIN_PHOTO_SUBSTITUTION), 5000)};
	tdv_train_score s;
	CHECK_INT(tdv_train_score_set(key, r, 3, NULL, &s), TDV_OK);
	tdv_buf b;
	tdv_buf_init(&b, 1 << 20);
	tdv_json j;
	tdv_json_init(&j, &b);
	tdv_train_feedback_json(key, r, 3, &s, &j);
	CHECK_INT(tdv_json_error(&j), TDV_OK);
	const char *t = tdv_buf_cstr(&b);
	CHECK(strstr(t, "\"check\":\"pa.ds.revocation\"") != NULL);
	CHECK(strstr(t, "\"false_alarm\":true") != NULL);
	/* the photo was caught: its check is not listed as a miss */
	CHECK(strstr(t, "\"check\":\"photo.match\"") == NULL);
	tdv_buf_reset(&b);
	CHECK_INT(tdv_train_feedback_text(key, r, 3, &s, &b), TDV_OK);
	t = tdv_buf_cstr(&b);
	CHECK(strstr(t, "document 1: missed Document Signer revoked; the "
			"check pa.ds.revocation") != NULL);
	CHECK(strstr(t, "document 2: false alarm") != NULL);
	CHECK(strstr(t, "document 3") == NULL);
	tdv_buf_free(&b);
}

static tdv_date
D(int y, int m, int d)
{
	tdv_date x = {y, m, d};
	return x;
}

static void
test_train_refresher_due_dates(void)
{
	tdv_date due, last = D(2025, 1, 31), today = D(2025, 6, 1);
	tdv_train_due_status st;
	CHECK_INT(tdv_train_add_months(&last, 1, &due), TDV_OK);
	CHECK_INT(due.year * 10000 + due.month * 100 + due.day, 20250228);
	last = D(2024, 1, 31);
	CHECK_INT(tdv_train_add_months(&last, 1, &due), TDV_OK);
	CHECK_INT(due.day, 29); /* leap year */
	last = D(2024, 11, 15);
	CHECK_INT(tdv_train_add_months(&last, 14, &due), TDV_OK);
	CHECK_INT(due.year * 10000 + due.month * 100 + due.day, 20260115);
	CHECK_INT(tdv_train_add_months(&last, 0, &due), TDV_EINVAL);
	CHECK_INT(tdv_train_add_months(&last, 121, &due), TDV_EINVAL);
	tdv_date bad = D(2025, 2, 30);
	CHECK_INT(tdv_train_add_months(&bad, 1, &due), TDV_EINVAL);

	last = D(2024, 6, 1);
	CHECK_INT(tdv_train_refresher_due(&last, 12, &today, 30, &due, &st),
	    TDV_OK);
	CHECK_INT(st, TDV_TRAIN_DUE_SOON); /* due today */
	today = D(2025, 6, 2);
	CHECK_INT(tdv_train_refresher_due(&last, 12, &today, 30, &due, &st),
	    TDV_OK);
	CHECK_INT(st, TDV_TRAIN_DUE_OVERDUE);
	today = D(2025, 5, 1);
	CHECK_INT(tdv_train_refresher_due(&last, 12, &today, 30, &due, &st),
	    TDV_OK);
	CHECK_INT(st, TDV_TRAIN_DUE_OK); /* 31 days left */
	CHECK_INT(tdv_train_refresher_due(&last, 24, &today, 30, &due, &st),
	    TDV_OK);
	CHECK_INT(due.year, 2026);
	CHECK_INT(tdv_train_refresher_due(NULL, 12, &today, 30, &due, &st),
	    TDV_OK);
	CHECK_INT(st, TDV_TRAIN_DUE_NEVER_TRAINED);
	CHECK_STR(tdv_train_due_status_name(st), "induction-due");
}

static void
test_train_cascade_rules(void)
{
	CHECK(tdv_train_cascade_allows(TDV_TRAIN_MASTER, TDV_TRAIN_TRAINER));
	CHECK(tdv_train_cascade_allows(TDV_TRAIN_MASTER, TDV_TRAIN_TRAINEE));
	CHECK(tdv_train_cascade_allows(TDV_TRAIN_TRAINER, TDV_TRAIN_TRAINEE));
	CHECK(!tdv_train_cascade_allows(TDV_TRAIN_TRAINER, TDV_TRAIN_TRAINER));
	CHECK(!tdv_train_cascade_allows(TDV_TRAIN_TRAINER, TDV_TRAIN_MASTER));
	CHECK(!tdv_train_cascade_allows(TDV_TRAIN_TRAINEE, TDV_TRAIN_TRAINEE));
	tdv_train_role r;
	CHECK_INT(tdv_train_role_parse("master-trainer", &r), TDV_OK);
	CHECK_INT(r, TDV_TRAIN_MASTER);
	CHECK_INT(tdv_train_role_parse("admin", &r), TDV_EINVAL);
}

int
main(void)
{
	RUN(test_train_defect_names_round_trip);
	RUN(test_train_defect_list_parse);
	RUN(test_train_levels_split_catalogue);
	RUN(test_train_score_all_right_is_100);
	RUN(test_train_score_counts_misses_and_false_alarms);
	RUN(test_train_score_pass_mark_and_timing);
	RUN(test_train_score_rejects_bad_sizes);
	RUN(test_train_feedback_names_catching_check);
	RUN(test_train_refresher_due_dates);
	RUN(test_train_cascade_rules);
	TEST_EXIT();
}
