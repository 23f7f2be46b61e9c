/*
 * Practice drills between courses, scheduled by spaced repetition
 * (Leitner-style doubling intervals): a missed defect type is due again
 * at once and comes first in the next drill; a type detected n times in
 * a row comes back after 1, 2, 4, 8 ... days. The plan depends only on
 * the record, the officer id and the day, so a station that is offline
 * and the central server compute the same drill.
 */
#include <string.h>

#include "tdv/error.h"
#include "tdv/train.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= FNV_PRIME;
	}
	return h;
}

uint64_t
tdv_train_hash(const char *officer, const tdv_date *day, uint64_t salt)
{
	uint64_t h = FNV_OFFSET;
	if (officer != NULL)
		h = fnv(h, officer, strnlen(officer, TDV_TRAIN_ID_MAX));
	h = fnv(h, "|", 1);
	if (day != NULL) {
		char iso[11];
		tdv_date_format_iso(day, iso);
		h = fnv(h, iso, 10);
	}
	h = fnv(h, "|", 1);
	unsigned char s[8];
	for (int i = 0; i < 8; i++)
		s[i] = (unsigned char)(salt >> (8 * i));
	return fnv(h, s, sizeof(s));
}

void
tdv_train_record_init(tdv_train_record *r, tdv_train_level level)
{
	memset(r, 0, sizeof(*r));
	r->level = level == TDV_TRAIN_SECOND_LINE ? TDV_TRAIN_SECOND_LINE :
						    TDV_TRAIN_FIRST_LINE;
}

static bool
second_line_allowed(const tdv_train_record *r)
{
	if (r->level == TDV_TRAIN_SECOND_LINE)
		return true;
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
		if (tdv_train_defect_level((tdv_train_defect)d) ==
			TDV_TRAIN_FIRST_LINE &&
		    r->skill[d].streak < 2)
			return false;
	}
	return true;
}

struct cand {
	int defect;
	long key1, key2;
	uint64_t tie;
};

/* Insertion sort: at most TDV_TRAIN_NDEFECTS entries, stable and
 * independent of the C library's qsort. */
static void
sort_cands(struct cand *c, int n)
{
	for (int i = 1; i < n; i++) {
		struct cand x = c[i];
		int j = i - 1;
		while (j >= 0 &&
		    (c[j].key1 > x.key1 ||
			(c[j].key1 == x.key1 &&
			    (c[j].key2 > x.key2 ||
				(c[j].key2 == x.key2 && c[j].tie > x.tie))))) {
			c[j + 1] = c[j];
			j--;
		}
		c[j + 1] = x;
	}
}

int
tdv_train_practice_plan(const tdv_train_record *r, const char *officer,
    const tdv_date *day, int size, tdv_train_drill_plan *out)
{
	if (r == NULL || officer == NULL || day == NULL || out == NULL ||
	    !tdv_date_valid(day->year, day->month, day->day))
		return TDV_EINVAL;
	if (size == 0)
		size = TDV_TRAIN_DRILL_DEFAULT;
	if (size < 2 || size > TDV_TRAIN_DRILL_MAX)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	long today = tdv_date_to_days(day);
	bool second = second_line_allowed(r);
	out->level = second ? TDV_TRAIN_SECOND_LINE : TDV_TRAIN_FIRST_LINE;

	struct cand pending[TDV_TRAIN_NDEFECTS], due[TDV_TRAIN_NDEFECTS],
	    fresh[TDV_TRAIN_NDEFECTS];
	int np = 0, nd = 0, nf = 0;
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
		const tdv_train_skill *s = &r->skill[d];
		uint64_t tie = tdv_train_hash(officer, day, (uint64_t)d);
		bool level_ok = second ||
		    tdv_train_defect_level((tdv_train_defect)d) ==
			TDV_TRAIN_FIRST_LINE;
		if (s->missed_drill > 0) {
			pending[np++] = (struct cand){d, s->missed_drill, 0, tie};
		} else if (s->seen > 0) {
			if (s->due_day <= today)
				due[nd++] = (struct cand){d, s->due_day, 0, tie};
		} else if (level_ok) {
			fresh[nf++] = (struct cand){d,
			    (long)tdv_train_defect_level((tdv_train_defect)d), 0,
			    tie};
		}
	}
	sort_cands(pending, np);
	sort_cands(due, nd);
	sort_cands(fresh, nf);

	int slots = size - 1; /* at least one genuine document */
	int n = 0;
	for (int i = 0; i < np && n < slots; i++)
		out->slot[n++] = pending[i].defect;
	for (int i = 0; i < nd && n < slots; i++)
		out->slot[n++] = due[i].defect;
	for (int i = 0; i < nf && i < 2 && n < slots; i++)
		out->slot[n++] = fresh[i].defect;
	while (n < size)
		out->slot[n++] = -1;
	out->n = n;

	/* Fisher-Yates with a generator seeded from the same hash, so the
	 * genuine document is not always last */
	uint64_t x = tdv_train_hash(officer, day, 0xd1b54a32d192ed03ULL);
	for (int i = n - 1; i > 0; i--) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		uint64_t v = x * 0x2545f4914f6cdd1dULL;
		int j = (int)(v % (uint64_t)(i + 1));
		int t = out->slot[i];
		out->slot[i] = out->slot[j];
		out->slot[j] = t;
	}
	return TDV_OK;
}

int
tdv_train_practice_update(tdv_train_record *r, const tdv_date *day,
    const tdv_train_defects *key, const tdv_train_response *resp, int n,
    bool is_drill)
{
	if (r == NULL || day == NULL || key == NULL || resp == NULL || n < 1 ||
	    n > TDV_TRAIN_MAX_DOCS ||
	    !tdv_date_valid(day->year, day->month, day->day))
		return TDV_EINVAL;
	long today = tdv_date_to_days(day);
	long number = r->drills + 1;
	for (int i = 0; i < n; i++) {
		tdv_train_defects k = key[i] & TDV_TRAIN_ALL_DEFECTS;
		const tdv_train_response *a = &resp[i];
		bool stop = a->decision == TDV_TRAIN_REFUSE ||
		    a->decision == TDV_TRAIN_REFER;
		for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
			if (!(k & (1u << d)))
				continue;
			tdv_train_skill *s = &r->skill[d];
			s->seen++;
			s->last_day = today;
			if (stop && (a->named & (1u << d))) {
				s->right++;
				if (s->streak < 30)
					s->streak++;
				int iv = 1 << (s->streak - 1 < 8 ? s->streak - 1 : 8);
				if (iv > TDV_TRAIN_MAX_INTERVAL)
					iv = TDV_TRAIN_MAX_INTERVAL;
				s->interval_days = iv;
				s->due_day = today + iv;
				s->missed_drill = 0;
			} else {
				s->lapses++;
				s->streak = 0;
				s->interval_days = 0;
				s->due_day = today;
				/* keep the older pending miss: it keeps its
				 * place at the front of the queue */
				if (s->missed_drill == 0)
					s->missed_drill = number;
			}
		}
	}
	if (is_drill)
		r->drills++;
	return TDV_OK;
}
