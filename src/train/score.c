/*
 * Scoring one exercise set against its key, and the feedback a trainee
 * sees after submitting: detection rate per defect type, false alarms on
 * genuine documents, time per document, and for every miss the check
 * that would have caught it.
 */
#include <string.h>

#include "tdv/error.h"
#include "tdv/train.h"

static int
popcount(tdv_train_defects d)
{
	int n = 0;
	for (d &= TDV_TRAIN_ALL_DEFECTS; d; d &= d - 1)
		n++;
	return n;
}

static bool
stopped(const tdv_train_response *r)
{
	return r->decision == TDV_TRAIN_REFUSE ||
	    r->decision == TDV_TRAIN_REFER;
}

static bool
over_time(const tdv_train_response *r, const tdv_train_score_opts *o)
{
	return o != NULL && o->limit_ms > 0 && r->time_ms > o->limit_ms;
}

/* Points of one document, 0..1. */
static double
doc_points(tdv_train_defects key, const tdv_train_response *r,
    const tdv_train_score_opts *o)
{
	key &= TDV_TRAIN_ALL_DEFECTS;
	if (r->decision == TDV_TRAIN_NO_ANSWER || over_time(r, o))
		return 0.0;
	if (key == 0)
		return r->decision == TDV_TRAIN_ADMIT ? 1.0 : 0.0;
	if (!stopped(r))
		return 0.0;
	int n = popcount(key);
	int named = popcount(key & r->named);
	return 0.5 + 0.5 * (double)named / (double)n;
}

int
tdv_train_score_set(const tdv_train_defects *key,
    const tdv_train_response *resp, int n, const tdv_train_score_opts *o,
    tdv_train_score *out)
{
	if (key == NULL || resp == NULL || out == NULL || n < 1 ||
	    n > TDV_TRAIN_MAX_DOCS)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	double pass = (o != NULL && o->pass_mark > 0) ? o->pass_mark : 80.0;
	double points = 0;
	out->ndocs = n;
	out->limit_ms = o != NULL ? o->limit_ms : 0;
	for (int i = 0; i < n; i++) {
		const tdv_train_response *r = &resp[i];
		tdv_train_defects k = key[i] & TDV_TRAIN_ALL_DEFECTS;
		bool answered = r->decision != TDV_TRAIN_NO_ANSWER;
		bool late = answered && over_time(r, o);
		if (answered)
			out->answered++;
		if (late)
			out->overtime++;
		if (r->time_ms > 0) {
			out->total_ms += r->time_ms;
			if (r->time_ms > out->max_ms)
				out->max_ms = r->time_ms;
		}
		points += doc_points(k, r, o);
		out->wrongly_named += popcount(r->named & ~k);
		if (k == 0) {
			out->genuine++;
			if (answered && !late && stopped(r))
				out->false_alarms++;
			continue;
		}
		out->defective++;
		bool stop = answered && !late && stopped(r);
		if (stop)
			out->stopped++;
		for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
			if (!(k & (1u << d)))
				continue;
			out->presented[d]++;
			if (stop && (r->named & (1u << d)))
				out->detected[d]++;
		}
	}
	out->mean_ms = out->answered ? (double)out->total_ms / out->answered : 0;
	out->percent = points * 100.0 / n;
	/* rounding noise must not fail someone who met the mark exactly */
	out->passed = out->percent + 1e-9 >= pass;
	return TDV_OK;
}

double
tdv_train_detection_rate(const tdv_train_score *s, tdv_train_defect d)
{
	if (s == NULL || (int)d < 0 || d >= TDV_TRAIN_NDEFECTS ||
	    s->presented[d] == 0)
		return -1.0;
	return 100.0 * s->detected[d] / s->presented[d];
}

void
tdv_train_score_json(const tdv_train_score *s, tdv_json *j)
{
	tdv_json_object_begin(j);
	tdv_json_key(j, "documents");
	tdv_json_int(j, s->ndocs);
	tdv_json_key(j, "answered");
	tdv_json_int(j, s->answered);
	tdv_json_key(j, "percent");
	tdv_json_double(j, s->percent);
	tdv_json_key(j, "passed");
	tdv_json_bool(j, s->passed);
	tdv_json_key(j, "genuine");
	tdv_json_int(j, s->genuine);
	tdv_json_key(j, "false_alarms");
	tdv_json_int(j, s->false_alarms);
	tdv_json_key(j, "defective");
	tdv_json_int(j, s->defective);
	tdv_json_key(j, "stopped");
	tdv_json_int(j, s->stopped);
	tdv_json_key(j, "wrongly_named");
	tdv_json_int(j, s->wrongly_named);
	tdv_json_key(j, "overtime");
	tdv_json_int(j, s->overtime);
	tdv_json_key(j, "total_ms");
	tdv_json_int(j, s->total_ms);
	tdv_json_key(j, "mean_ms");
	tdv_json_int(j, (int64_t)(s->mean_ms + 0.5));
	tdv_json_key(j, "max_ms");
	tdv_json_int(j, s->max_ms);
	tdv_json_key(j, "by_defect");
	tdv_json_array_begin(j);
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
		if (s->presented[d] == 0)
			continue;
		tdv_json_object_begin(j);
		tdv_json_key(j, "defect");
		tdv_json_string(j, tdv_train_defect_name((tdv_train_defect)d));
		tdv_json_key(j, "label");
		tdv_json_string(j, tdv_train_defect_label((tdv_train_defect)d));
		tdv_json_key(j, "presented");
		tdv_json_int(j, s->presented[d]);
		tdv_json_key(j, "detected");
		tdv_json_int(j, s->detected[d]);
		tdv_json_key(j, "rate");
		tdv_json_double(j,
		    tdv_train_detection_rate(s, (tdv_train_defect)d));
		tdv_json_object_end(j);
	}
	tdv_json_array_end(j);
	tdv_json_object_end(j);
}

static void
defect_list_json(tdv_json *j, tdv_train_defects d)
{
	tdv_json_array_begin(j);
	for (int i = 0; i < TDV_TRAIN_NDEFECTS; i++)
		if (d & (1u << i))
			tdv_json_string(j,
			    tdv_train_defect_name((tdv_train_defect)i));
	tdv_json_array_end(j);
}

/* The defects of a document the trainee did not detect. */
static tdv_train_defects
missed_of(tdv_train_defects key, const tdv_train_response *r, bool late)
{
	key &= TDV_TRAIN_ALL_DEFECTS;
	if (late || !stopped(r))
		return key;
	return key & ~r->named;
}

void
tdv_train_feedback_json(const tdv_train_defects *key,
    const tdv_train_response *resp, int n, const tdv_train_score *s,
    tdv_json *j)
{
	tdv_json_object_begin(j);
	tdv_json_key(j, "score");
	tdv_train_score_json(s, j);
	tdv_json_key(j, "documents");
	tdv_json_array_begin(j);
	for (int i = 0; i < n; i++) {
		const tdv_train_response *r = &resp[i];
		tdv_train_defects k = key[i] & TDV_TRAIN_ALL_DEFECTS;
		bool answered = r->decision != TDV_TRAIN_NO_ANSWER &&
		    !(s->limit_ms > 0 && r->time_ms > s->limit_ms);
		tdv_train_defects missed = missed_of(k, r, !answered);
		bool false_alarm = k == 0 && answered && stopped(r);
		bool correct = answered && (k == 0 ? !stopped(r) : missed == 0);
		tdv_json_object_begin(j);
		tdv_json_key(j, "index");
		tdv_json_int(j, i);
		tdv_json_key(j, "defects");
		defect_list_json(j, k);
		tdv_json_key(j, "decision");
		tdv_json_string(j, tdv_train_decision_name(r->decision));
		tdv_json_key(j, "named");
		defect_list_json(j, r->named & TDV_TRAIN_ALL_DEFECTS);
		tdv_json_key(j, "time_ms");
		tdv_json_int(j, r->time_ms);
		tdv_json_key(j, "in_time");
		tdv_json_bool(j, !(s->limit_ms > 0 && r->time_ms > s->limit_ms));
		tdv_json_key(j, "correct");
		tdv_json_bool(j, correct);
		tdv_json_key(j, "false_alarm");
		tdv_json_bool(j, false_alarm);
		tdv_json_key(j, "missed");
		tdv_json_array_begin(j);
		for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
			if (!(missed & (1u << d)))
				continue;
			tdv_train_defect dd = (tdv_train_defect)d;
			tdv_json_object_begin(j);
			tdv_json_key(j, "defect");
			tdv_json_string(j, tdv_train_defect_name(dd));
			tdv_json_key(j, "label");
			tdv_json_string(j, tdv_train_defect_label(dd));
			tdv_json_key(j, "check");
			tdv_json_string(j, tdv_train_defect_check(dd));
			tdv_json_key(j, "advice");
			tdv_json_string(j, tdv_train_defect_advice(dd));
			tdv_json_object_end(j);
		}
		tdv_json_array_end(j);
		tdv_json_object_end(j);
	}
	tdv_json_array_end(j);
	tdv_json_object_end(j);
}

int
tdv_train_feedback_text(const tdv_train_defects *key,
    const tdv_train_response *resp, int n, const tdv_train_score *s,
    tdv_buf *out)
{
	int rc = tdv_buf_printf(out,
	    "score %.1f%% (%s): %d/%d defective documents stopped, "
	    "%d false alarm(s) on %d genuine, mean %.1f s per document\n",
	    s->percent, s->passed ? "passed" : "not passed", s->stopped,
	    s->defective, s->false_alarms, s->genuine, s->mean_ms / 1000.0);
	for (int d = 0; rc == TDV_OK && d < TDV_TRAIN_NDEFECTS; d++) {
		if (s->presented[d] == 0)
			continue;
		rc = tdv_buf_printf(out, "  %-20s detected %d of %d\n",
		    tdv_train_defect_name((tdv_train_defect)d), s->detected[d],
		    s->presented[d]);
	}
	for (int i = 0; rc == TDV_OK && i < n; i++) {
		const tdv_train_response *r = &resp[i];
		tdv_train_defects k = key[i] & TDV_TRAIN_ALL_DEFECTS;
		bool answered = r->decision != TDV_TRAIN_NO_ANSWER &&
		    !(s->limit_ms > 0 && r->time_ms > s->limit_ms);
		tdv_train_defects missed = missed_of(k, r, !answered);
		if (k == 0 && answered && stopped(r))
			rc = tdv_buf_printf(out,
			    "document %d: false alarm: genuine, you answered "
			    "%s\n", i + 1, tdv_train_decision_name(r->decision));
		for (int d = 0; rc == TDV_OK && d < TDV_TRAIN_NDEFECTS; d++) {
			if (!(missed & (1u << d)))
				continue;
			tdv_train_defect dd = (tdv_train_defect)d;
			rc = tdv_buf_printf(out,
			    "document %d: missed %s; the check %s would have "
			    "caught it. %s\n", i + 1, tdv_train_defect_label(dd),
			    tdv_train_defect_check(dd),
			    tdv_train_defect_advice(dd));
		}
	}
	return rc;
}
