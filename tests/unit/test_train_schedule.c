/*
 * Training: the practice scheduler. A missed defect type reappears within
 * the next two drills; a type answered right again and again reappears at
 * growing intervals; the plan is deterministic in record, officer and day.
 */
#include <stdlib.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/train.h"
#include "tdv_test.h"

static tdv_date
day_plus(int n)
{
	/* 2026-01-01 + n days, n < 365 */
	static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31};
	tdv_date d = {2026, 1, 1};
	while (n > 0) {
		int left = md[d.month - 1] - d.day;
		if (n <= left) {
			d.day += n;
			break;
		}
		n -= left + 1;
		d.day = 1;
		if (++d.month > 12) {
			d.month = 1;
			d.year++;
		}
	}
	return d;
}

/* Answer a drill: detect every defect except those in `miss`. */
static void
answer(const tdv_train_drill_plan *p, tdv_train_defects miss,
    tdv_train_defects *key, tdv_train_response *r)
{
	for (int i = 0; i < p->n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		key[i] = p->slot[i] < 0 ? 0 : 1u << p->slot[i];
		if (key[i] == 0 || (key[i] & miss)) {
			r[i].decision = TDV_TRAIN_ADMIT;
		} else {
			r[i].decision = TDV_TRAIN_REFUSE;
			r[i].named = key[i];
		}
		r[i].time_ms = 20000;
	}
}

static bool
has(const tdv_train_drill_plan *p, int d)
{
	for (int i = 0; i < p->n; i++)
		if (p->slot[i] == d)
			return true;
	return false;
}

static void
test_train_plan_has_genuine_and_valid_slots(void)
{
	tdv_train_record r;
	tdv_train_record_init(&r, TDV_TRAIN_FIRST_LINE);
	tdv_train_drill_plan p;
	tdv_date d = day_plus(0);
	CHECK_INT(tdv_train_practice_plan(&r, "off1", &d, 0, &p), TDV_OK);
	CHECK_INT(p.n, TDV_TRAIN_DRILL_DEFAULT);
	int genuine = 0, defects = 0;
	for (int i = 0; i < p.n; i++) {
		if (p.slot[i] < 0) {
			genuine++;
		} else {
			defects++;
			/* a new first-line officer gets first-line types */
			CHECK_INT(tdv_train_defect_level(
				      (tdv_train_defect)p.slot[i]),
			    TDV_TRAIN_FIRST_LINE);
		}
	}
	CHECK(genuine >= 1);
	CHECK_INT(defects, 2); /* at most two new types at once */
	CHECK_INT(p.level, TDV_TRAIN_FIRST_LINE);
	CHECK_INT(tdv_train_practice_plan(&r, "off1", &d, 1, &p), TDV_EINVAL);
	CHECK_INT(tdv_train_practice_plan(&r, "off1", &d, 11, &p), TDV_EINVAL);
	tdv_date bad = {2026, 2, 30};
	CHECK_INT(tdv_train_practice_plan(&r, "off1", &bad, 5, &p), TDV_EINVAL);
}

static void
test_train_plan_is_deterministic(void)
{
	tdv_train_record r1, r2;
	tdv_train_record_init(&r1, TDV_TRAIN_FIRST_LINE);
	tdv_train_defects key[TDV_TRAIN_DRILL_MAX];
	tdv_train_response resp[TDV_TRAIN_DRILL_MAX];
	/* build some history */
	for (int k = 0; k < 12; k++) {
		tdv_date d = day_plus(k * 2);
		tdv_train_drill_plan p;
		CHECK_INT(tdv_train_practice_plan(&r1, "det", &d, 5, &p), TDV_OK);
		answer(&p, k % 3 == 0 ? 1u << TDV_TRAIN_EXPIRED : 0, key, resp);
		CHECK_INT(tdv_train_practice_update(&r1, &d, key, resp, p.n,
			      true), TDV_OK);
	}
	r2 = r1; /* the same record (e.g. synced to another station) */
	tdv_date d = day_plus(40);
	tdv_train_drill_plan a, b, c;
	CHECK_INT(tdv_train_practice_plan(&r1, "det", &d, 5, &a), TDV_OK);
	CHECK_INT(tdv_train_practice_plan(&r2, "det", &d, 5, &b), TDV_OK);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	/* running it again changes nothing (no hidden state) */
	CHECK_INT(tdv_train_practice_plan(&r1, "det", &d, 5, &c), TDV_OK);
	CHECK(memcmp(&a, &c, sizeof(a)) == 0);
	/* another day or officer may order differently, but the multiset of
	 * slots depends only on the record's due types */
	tdv_date d2 = day_plus(41);
	CHECK_INT(tdv_train_practice_plan(&r1, "det", &d2, 5, &c), TDV_OK);
	CHECK_INT(c.n, 5);
	/* known value: a hash change would silently reshuffle every drill */
	CHECK(tdv_train_hash("det", &d, 1) == tdv_train_hash("det", &d, 1));
	CHECK(tdv_train_hash("det", &d, 1) != tdv_train_hash("det", &d2, 1));
	CHECK(tdv_train_hash("det", &d, 1) != tdv_train_hash("dex", &d, 1));
}

static void
test_train_missed_type_returns_within_two_drills(void)
{
	/* over many simulated officers and histories: whenever a type is
	 * missed in drill k it is in drill k+1 or k+2 */
	for (int officer = 0; officer < 40; officer++) {
		char id[16];
		snprintf(id, sizeof(id), "o%d", officer);
		tdv_train_record r;
		tdv_train_record_init(&r, officer % 2 ? TDV_TRAIN_SECOND_LINE :
							TDV_TRAIN_FIRST_LINE);
		tdv_train_defects pending_since[TDV_TRAIN_NDEFECTS];
		memset(pending_since, 0, sizeof(pending_since));
		int missed_at[TDV_TRAIN_NDEFECTS];
		for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++)
			missed_at[d] = -1;
		unsigned x = (unsigned)officer * 2654435761u + 1;
		for (int k = 0; k < 60; k++) {
			tdv_date day = day_plus(k * 3 % 300);
			tdv_train_drill_plan p;
			CHECK_INT(tdv_train_practice_plan(&r, id, &day, 5, &p),
			    TDV_OK);
			for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
				if (missed_at[d] >= 0 && has(&p, d))
					missed_at[d] = -1;
				if (missed_at[d] >= 0 && k - missed_at[d] >= 2) {
					fprintf(stderr, "officer %d type %d "
					    "missed in drill %d, absent from "
					    "%d\n", officer, d, missed_at[d], k);
					CHECK(0);
					missed_at[d] = -1;
				}
			}
			/* miss pseudo-randomly, about a third of the time */
			tdv_train_defects miss = 0;
			for (int i = 0; i < p.n; i++) {
				x = x * 1103515245u + 12345u;
				if (p.slot[i] >= 0 && (x >> 16) % 3 == 0)
					miss |= 1u << p.slot[i];
			}
			tdv_train_defects key[TDV_TRAIN_DRILL_MAX];
			tdv_train_response resp[TDV_TRAIN_DRILL_MAX];
			answer(&p, miss, key, resp);
			CHECK_INT(tdv_train_practice_update(&r, &day, key, resp,
				      p.n, true), TDV_OK);
			for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++)
				if (miss & (1u << d))
					missed_at[d] = k;
		}
		CHECK_INT(r.drills, 60);
	}
}

static void
test_train_missed_type_is_in_next_drill(void)
{
	tdv_train_record r;
	tdv_train_record_init(&r, TDV_TRAIN_FIRST_LINE);
	tdv_date d0 = day_plus(0);
	tdv_train_drill_plan p;
	CHECK_INT(tdv_train_practice_plan(&r, "miss", &d0, 5, &p), TDV_OK);
	int first = -1;
	for (int i = 0; i < p.n; i++)
		if (p.slot[i] >= 0)
			first = p.slot[i];
	CHECK(first >= 0);
	tdv_train_defects key[TDV_TRAIN_DRILL_MAX];
	tdv_train_response resp[TDV_TRAIN_DRILL_MAX];
	answer(&p, 1u << first, key, resp);
	CHECK_INT(tdv_train_practice_update(&r, &d0, key, resp, p.n, true),
	    TDV_OK);
	CHECK_INT(r.skill[first].lapses, 1);
	CHECK_INT(r.skill[first].missed_drill, 1);
	/* next day, and also weeks later: it is there */
	tdv_date d1 = day_plus(1), d30 = day_plus(30);
	CHECK_INT(tdv_train_practice_plan(&r, "miss", &d1, 5, &p), TDV_OK);
	CHECK(has(&p, first));
	CHECK_INT(tdv_train_practice_plan(&r, "miss", &d30, 5, &p), TDV_OK);
	CHECK(has(&p, first));
	/* answered right: the pending miss is cleared, due tomorrow */
	CHECK_INT(tdv_train_practice_plan(&r, "miss", &d1, 5, &p), TDV_OK);
	answer(&p, 0, key, resp);
	CHECK_INT(tdv_train_practice_update(&r, &d1, key, resp, p.n, true),
	    TDV_OK);
	CHECK_INT(r.skill[first].missed_drill, 0);
	CHECK_INT(r.skill[first].interval_days, 1);
	CHECK_INT(r.skill[first].due_day, tdv_date_to_days(&d1) + 1);
}

static void
test_train_right_answers_space_out(void)
{
	/* an officer who drills every day and never misses: each type comes
	 * back at intervals that grow */
	tdv_train_record r;
	tdv_train_record_init(&r, TDV_TRAIN_SECOND_LINE);
	int last_seen[TDV_TRAIN_NDEFECTS], gaps[TDV_TRAIN_NDEFECTS][16],
	    ngaps[TDV_TRAIN_NDEFECTS];
	memset(ngaps, 0, sizeof(ngaps));
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++)
		last_seen[d] = -1;
	for (int k = 0; k < 300; k++) {
		tdv_date day = day_plus(k);
		tdv_train_drill_plan p;
		CHECK_INT(tdv_train_practice_plan(&r, "good", &day, 5, &p),
		    TDV_OK);
		for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
			if (!has(&p, d))
				continue;
			if (last_seen[d] >= 0 && ngaps[d] < 16)
				gaps[d][ngaps[d]++] = k - last_seen[d];
			last_seen[d] = k;
		}
		tdv_train_defects key[TDV_TRAIN_DRILL_MAX];
		tdv_train_response resp[TDV_TRAIN_DRILL_MAX];
		answer(&p, 0, key, resp);
		CHECK_INT(tdv_train_practice_update(&r, &day, key, resp, p.n,
			      true), TDV_OK);
	}
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
		CHECK(ngaps[d] >= 4);
		/* never shorter than the one before, and the last one far
		 * longer than the first */
		for (int i = 1; i < ngaps[d]; i++)
			CHECK(gaps[d][i] >= gaps[d][i - 1]);
		if (ngaps[d] >= 4)
			CHECK(gaps[d][ngaps[d] - 1] >= 4 * gaps[d][0]);
		CHECK(r.skill[d].interval_days <= TDV_TRAIN_MAX_INTERVAL);
		CHECK_INT(r.skill[d].lapses, 0);
	}
	/* a type not yet due is not drawn: on a day when nothing is due
	 * the drill is all genuine */
	tdv_train_record one;
	tdv_train_record_init(&one, TDV_TRAIN_SECOND_LINE);
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
		one.skill[d].seen = 3;
		one.skill[d].streak = 3;
		one.skill[d].interval_days = 4;
		one.skill[d].due_day = tdv_date_to_days(&(tdv_date){2026, 3, 1});
	}
	tdv_date early = {2026, 2, 27};
	tdv_train_drill_plan p;
	CHECK_INT(tdv_train_practice_plan(&one, "idle", &early, 5, &p), TDV_OK);
	for (int i = 0; i < p.n; i++)
		CHECK_INT(p.slot[i], -1);
}

static void
test_train_difficulty_follows_record(void)
{
	tdv_train_record r;
	tdv_train_record_init(&r, TDV_TRAIN_FIRST_LINE);
	tdv_date d = day_plus(0);
	tdv_train_drill_plan p;
	CHECK_INT(tdv_train_practice_plan(&r, "lvl", &d, 5, &p), TDV_OK);
	CHECK_INT(p.level, TDV_TRAIN_FIRST_LINE);
	/* master every first-line type twice in a row */
	for (int t = 0; t < TDV_TRAIN_NDEFECTS; t++) {
		if (tdv_train_defect_level((tdv_train_defect)t) !=
		    TDV_TRAIN_FIRST_LINE)
			continue;
		r.skill[t].seen = r.skill[t].right = r.skill[t].streak = 2;
		r.skill[t].interval_days = 2;
		r.skill[t].due_day = tdv_date_to_days(&d) + 2;
	}
	CHECK_INT(tdv_train_practice_plan(&r, "lvl", &d, 5, &p), TDV_OK);
	CHECK_INT(p.level, TDV_TRAIN_SECOND_LINE);
	int second = 0;
	for (int i = 0; i < p.n; i++)
		if (p.slot[i] >= 0 &&
		    tdv_train_defect_level((tdv_train_defect)p.slot[i]) ==
			TDV_TRAIN_SECOND_LINE)
			second++;
	CHECK_INT(second, 2);
}

int
main(void)
{
	RUN(test_train_plan_has_genuine_and_valid_slots);
	RUN(test_train_plan_is_deterministic);
	RUN(test_train_missed_type_is_in_next_drill);
	RUN(test_train_missed_type_returns_within_two_drills);
	RUN(test_train_right_answers_space_out);
	RUN(test_train_difficulty_follows_record);
	TEST_EXIT();
}
