/*
 * Headquarters' training report, read from the training results that
 * stations append to their audit chains (action TDV_TRAIN_RESULT_ACTION,
 * see tdv_train_db_result_json) and that the audit sync carries to the
 * central store. Works on a store of either backend.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/store.h"
#include "tdv/train.h"

#define CENTRAL_OFFICERS_MAX 100000
#define CENTRAL_CHECKPOINTS_MAX 256
#define CENTRAL_PAGE 500

typedef struct counts {
	int presented[TDV_TRAIN_NDEFECTS];
	int detected[TDV_TRAIN_NDEFECTS];
} counts;

typedef struct officer_acc {
	char id[TDV_ID_MAX + 1];
	char checkpoint[TDV_ID_MAX + 1];
	char trainer[TDV_ID_MAX + 1];
	int sets, drills, passed, genuine, false_alarms;
	double percent_sum;
	char last_course[16];
	tdv_date last_passed; /* induction or refresher; year 0: none */
	counts c;
} officer_acc;

typedef struct central_ctx {
	officer_acc *o;
	size_t n, cap;
	int64_t entries, unreadable;
	int64_t last_seq;
	int seen;
	int rc;
} central_ctx;

static officer_acc *
officer_find(central_ctx *x, const char *id, const char *cp)
{
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->o[i].id, id) == 0 &&
		    strcmp(x->o[i].checkpoint, cp) == 0)
			return &x->o[i];
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		if (cap > CENTRAL_OFFICERS_MAX)
			return NULL;
		officer_acc *p = realloc(x->o, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		x->o = p;
		x->cap = cap;
	}
	officer_acc *a = &x->o[x->n++];
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "%s", id);
	snprintf(a->checkpoint, sizeof(a->checkpoint), "%s", cp);
	return a;
}

static const char *
jstr(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

static int
on_entry(void *ctx, const tdv_audit_entry *e)
{
	central_ctx *x = ctx;
	x->seen++;
	x->last_seq = e->seq;
	if (strcmp(e->action, TDV_TRAIN_RESULT_ACTION) != 0)
		return 0;
	x->entries++;
	json_error_t err;
	json_t *o = json_loads(e->detail, 0, &err);
	json_t *det = json_object_get(o, "detected");
	tdv_train_course course;
	if (!json_is_object(o) || json_integer_value(json_object_get(o, "v")) !=
		1 ||
	    !json_is_object(det) || !json_is_number(json_object_get(o,
					"percent")) ||
	    tdv_train_course_parse(jstr(o, "course"), &course) != TDV_OK) {
		x->unreadable++;
		json_decref(o);
		return 0;
	}
	/* the chain's actor is who submitted: the trainee (the station's
	 * session), kept with the chain's checkpoint */
	officer_acc *a = officer_find(x, e->actor, e->chain);
	if (a == NULL) {
		json_decref(o);
		x->rc = TDV_ELIMIT;
		return 1;
	}
	if (course == TDV_TRAIN_DRILL)
		a->drills++;
	else
		a->sets++;
	a->percent_sum += json_number_value(json_object_get(o, "percent"));
	bool passed = json_is_true(json_object_get(o, "passed"));
	if (passed)
		a->passed++;
	if (course != TDV_TRAIN_DRILL && jstr(o, "trainer")[0] != '\0')
		snprintf(a->trainer, sizeof(a->trainer), "%s",
		    jstr(o, "trainer"));
	a->genuine += (int)json_integer_value(json_object_get(o, "genuine"));
	a->false_alarms +=
	    (int)json_integer_value(json_object_get(o, "false_alarms"));
	tdv_date day;
	if (passed &&
	    (course == TDV_TRAIN_INDUCTION || course == TDV_TRAIN_REFRESHER) &&
	    tdv_date_parse_iso(jstr(o, "day"), &day) == TDV_OK &&
	    (a->last_passed.year == 0 ||
		tdv_date_to_days(&day) >= tdv_date_to_days(&a->last_passed))) {
		a->last_passed = day;
		snprintf(a->last_course, sizeof(a->last_course), "%s",
		    tdv_train_course_name(course));
	}
	const char *k;
	json_t *v;
	json_object_foreach(det, k, v)
	{
		tdv_train_defect d;
		if (tdv_train_defect_parse(k, &d) != TDV_OK ||
		    json_array_size(v) != 2)
			continue;
		json_int_t p = json_integer_value(json_array_get(v, 0));
		json_int_t h = json_integer_value(json_array_get(v, 1));
		if (p < 0 || h < 0 || h > p || p > TDV_TRAIN_MAX_DOCS)
			continue;
		a->c.presented[d] += (int)p;
		a->c.detected[d] += (int)h;
	}
	json_decref(o);
	return 0;
}

static int
officer_cmp(const void *pa, const void *pb)
{
	const officer_acc *a = pa, *b = pb;
	int c = strcmp(a->checkpoint, b->checkpoint);
	return c ? c : strcmp(a->id, b->id);
}

static double
rate(int presented, int detected)
{
	return presented ? 100.0 * detected / presented : -1.0;
}

static void
skills_json(tdv_json *j, const counts *c)
{
	tdv_json_array_begin(j);
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
		if (c->presented[d] == 0)
			continue;
		tdv_json_object_begin(j);
		tdv_json_key(j, "defect");
		tdv_json_string(j, tdv_train_defect_name((tdv_train_defect)d));
		tdv_json_key(j, "presented");
		tdv_json_int(j, c->presented[d]);
		tdv_json_key(j, "detected");
		tdv_json_int(j, c->detected[d]);
		tdv_json_key(j, "rate");
		tdv_json_double(j, rate(c->presented[d], c->detected[d]));
		tdv_json_object_end(j);
	}
	tdv_json_array_end(j);
}

/* The defect type with the lowest detection rate (ties: most presented). */
static int
most_missed(const counts *c)
{
	int best = -1;
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
		if (c->presented[d] == 0 || c->detected[d] == c->presented[d])
			continue;
		if (best < 0 ||
		    rate(c->presented[d], c->detected[d]) <
			rate(c->presented[best], c->detected[best]) ||
		    (rate(c->presented[d], c->detected[d]) ==
			    rate(c->presented[best], c->detected[best]) &&
			c->presented[d] > c->presented[best]))
			best = d;
	}
	return best;
}

static int
csv_row(tdv_buf *out, const char *scope, const char *cp, const char *officer,
    const char *defect, int presented, int detected, const char *extra)
{
	char r[32] = "";
	if (presented > 0)
		snprintf(r, sizeof(r), "%.1f", rate(presented, detected));
	/* ids are [A-Za-z0-9_.-] and defect names fixed: nothing to quote */
	return tdv_buf_printf(out, "%s,%s,%s,%s,%d,%d,%s,%s\n", scope, cp,
	    officer, defect, presented, detected, r, extra);
}

int
tdv_train_central_report(struct tdv_store *store,
    const char *const *checkpoints, int n, const tdv_date *today,
    int refresher_months, int warn_days, bool csv, tdv_buf *out)
{
	if (store == NULL || checkpoints == NULL || n < 1 ||
	    n > CENTRAL_CHECKPOINTS_MAX || today == NULL || out == NULL ||
	    refresher_months < 1 || refresher_months > 120 || warn_days < 0)
		return TDV_EINVAL;
	central_ctx x;
	memset(&x, 0, sizeof(x));
	int rc = TDV_OK;
	for (int i = 0; rc == TDV_OK && i < n; i++) {
		x.last_seq = 0;
		do {
			x.seen = 0;
			rc = tdv_store_audit_since(store, checkpoints[i],
			    x.last_seq, CENTRAL_PAGE, on_entry, &x);
			if (rc == TDV_OK)
				rc = x.rc;
		} while (rc == TDV_OK && x.seen == CENTRAL_PAGE);
	}
	if (rc != TDV_OK) {
		free(x.o);
		return rc;
	}
	if (x.n > 1)
		qsort(x.o, x.n, sizeof(*x.o), officer_cmp);

	tdv_json j;
	tdv_json_init(&j, out);
	if (csv)
		rc = tdv_buf_puts(out, "scope,checkpoint,officer,defect,presented,"
				       "detected,rate,summary\n");
	else {
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "entries");
		tdv_json_int(&j, x.entries);
		tdv_json_key(&j, "unreadable");
		tdv_json_int(&j, x.unreadable);
		tdv_json_key(&j, "officers");
		tdv_json_array_begin(&j);
	}
	for (size_t i = 0; rc == TDV_OK && i < x.n; i++) {
		const officer_acc *a = &x.o[i];
		tdv_date due;
		tdv_train_due_status st;
		char dueiso[11], lastiso[11] = "";
		rc = tdv_train_refresher_due(a->last_passed.year ?
			&a->last_passed : NULL, refresher_months, today,
		    warn_days, &due, &st);
		if (rc != TDV_OK)
			break;
		tdv_date_format_iso(&due, dueiso);
		if (a->last_passed.year)
			tdv_date_format_iso(&a->last_passed, lastiso);
		int runs = a->sets + a->drills;
		double mean = runs ? a->percent_sum / runs : 0;
		if (csv) {
			char extra[200];
			snprintf(extra, sizeof(extra),
			    "sets=%d drills=%d mean=%.1f last=%s:%s due=%s "
			    "status=%s false_alarms=%d/%d",
			    a->sets, a->drills, mean, a->last_course, lastiso,
			    dueiso, tdv_train_due_status_name(st),
			    a->false_alarms, a->genuine);
			rc = csv_row(out, "officer", a->checkpoint, a->id, "", 0,
			    0, extra);
			for (int d = 0; rc == TDV_OK && d < TDV_TRAIN_NDEFECTS;
			     d++)
				if (a->c.presented[d])
					rc = csv_row(out, "officer",
					    a->checkpoint, a->id,
					    tdv_train_defect_name(
						(tdv_train_defect)d),
					    a->c.presented[d],
					    a->c.detected[d], "");
			continue;
		}
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "officer");
		tdv_json_string(&j, a->id);
		tdv_json_key(&j, "checkpoint");
		tdv_json_string(&j, a->checkpoint);
		tdv_json_key(&j, "trainer");
		tdv_json_string(&j, a->trainer);
		tdv_json_key(&j, "sets");
		tdv_json_int(&j, a->sets);
		tdv_json_key(&j, "drills");
		tdv_json_int(&j, a->drills);
		tdv_json_key(&j, "passed");
		tdv_json_int(&j, a->passed);
		tdv_json_key(&j, "mean_percent");
		tdv_json_double(&j, mean);
		tdv_json_key(&j, "false_alarms");
		tdv_json_int(&j, a->false_alarms);
		tdv_json_key(&j, "genuine");
		tdv_json_int(&j, a->genuine);
		tdv_json_key(&j, "last_course");
		tdv_json_string(&j, a->last_course);
		tdv_json_key(&j, "last_passed");
		tdv_json_string(&j, lastiso);
		tdv_json_key(&j, "refresher_due");
		tdv_json_string(&j, dueiso);
		tdv_json_key(&j, "status");
		tdv_json_string(&j, tdv_train_due_status_name(st));
		tdv_json_key(&j, "skills");
		skills_json(&j, &a->c);
		tdv_json_object_end(&j);
	}
	if (!csv && rc == TDV_OK) {
		tdv_json_array_end(&j);
		tdv_json_key(&j, "checkpoints");
		tdv_json_array_begin(&j);
	}
	/* per post: everyone's results at that checkpoint together */
	for (int i = 0; rc == TDV_OK && i < n; i++) {
		counts c;
		memset(&c, 0, sizeof(c));
		int officers = 0, sets = 0, drills = 0, passed = 0;
		for (size_t k = 0; k < x.n; k++) {
			const officer_acc *a = &x.o[k];
			if (strcmp(a->checkpoint, checkpoints[i]) != 0)
				continue;
			officers++;
			sets += a->sets;
			drills += a->drills;
			passed += a->passed;
			for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
				c.presented[d] += a->c.presented[d];
				c.detected[d] += a->c.detected[d];
			}
		}
		int mm = most_missed(&c);
		const char *mmn = mm >= 0 ?
		    tdv_train_defect_name((tdv_train_defect)mm) : "";
		int runs = sets + drills;
		if (csv) {
			char extra[160];
			snprintf(extra, sizeof(extra),
			    "officers=%d sets=%d drills=%d passed=%d "
			    "most_missed=%s",
			    officers, sets, drills, passed, mmn);
			rc = csv_row(out, "checkpoint", checkpoints[i], "", "", 0,
			    0, extra);
			for (int d = 0; rc == TDV_OK && d < TDV_TRAIN_NDEFECTS;
			     d++)
				if (c.presented[d])
					rc = csv_row(out, "checkpoint",
					    checkpoints[i], "",
					    tdv_train_defect_name(
						(tdv_train_defect)d),
					    c.presented[d], c.detected[d], "");
			continue;
		}
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "checkpoint");
		tdv_json_string(&j, checkpoints[i]);
		tdv_json_key(&j, "officers");
		tdv_json_int(&j, officers);
		tdv_json_key(&j, "sets");
		tdv_json_int(&j, sets);
		tdv_json_key(&j, "drills");
		tdv_json_int(&j, drills);
		tdv_json_key(&j, "pass_rate");
		tdv_json_double(&j, runs ? 100.0 * passed / runs : -1.0);
		tdv_json_key(&j, "most_missed");
		tdv_json_string(&j, mmn);
		tdv_json_key(&j, "detection");
		skills_json(&j, &c);
		tdv_json_object_end(&j);
	}
	if (!csv && rc == TDV_OK) {
		tdv_json_array_end(&j);
		tdv_json_object_end(&j);
		rc = tdv_json_error(&j);
	}
	free(x.o);
	return rc;
}
