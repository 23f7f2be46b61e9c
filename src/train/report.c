/*
 * Reports for the training unit: who is due or overdue for refresher
 * training, detection and pass rates by month and defect type (CSV for
 * spreadsheets, JSON for the station), an officer's record, and a
 * printable certificate (HTML with a print stylesheet).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "train_int.h"
#include "tdv/error.h"
#include "tdv/train.h"

static void
col(sqlite3_stmt *st, int c, char *out, size_t outsz)
{
	const unsigned char *s = sqlite3_column_text(st, c);
	snprintf(out, outsz, "%s", s ? (const char *)s : "");
}

/* A CSV field: quoted when it holds a comma, quote or newline; a leading
 * = + - @ is prefixed with ' so spreadsheets do not run it. */
static int
csv_field(tdv_buf *b, const char *s, bool last)
{
	int rc = TDV_OK;
	bool quote = strpbrk(s, ",\"\n\r") != NULL;
	if (quote)
		rc = tdv_buf_putc(b, '"');
	if (rc == TDV_OK && strchr("=+-@", s[0]) != NULL && s[0] != '\0')
		rc = tdv_buf_putc(b, '\'');
	for (const char *p = s; rc == TDV_OK && *p; p++) {
		if (*p == '"')
			rc = tdv_buf_putc(b, '"');
		if (rc == TDV_OK)
			rc = tdv_buf_putc(b, *p);
	}
	if (rc == TDV_OK && quote)
		rc = tdv_buf_putc(b, '"');
	if (rc == TDV_OK)
		rc = tdv_buf_putc(b, last ? '\n' : ',');
	return rc;
}

/* The last passed induction/refresher of an officer. */
static int
last_passed(sqlite3 *db, const char *officer, tdv_date *day, char *course,
    size_t coursesz)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT day,course FROM attempt WHERE "
				   "trainee=? AND passed=1 AND course IN (1,2) "
				   "ORDER BY day DESC LIMIT 1", -1, &st,
		NULL) != SQLITE_OK)
		return TDV_ESTORE;
	sqlite3_bind_text(st, 1, officer, -1, SQLITE_STATIC);
	memset(day, 0, sizeof(*day));
	course[0] = '\0';
	int rc = TDV_OK;
	if (sqlite3_step(st) == SQLITE_ROW) {
		char iso[16];
		col(st, 0, iso, sizeof(iso));
		rc = tdv_date_parse_iso(iso, day);
		snprintf(course, coursesz, "%s",
		    tdv_train_course_name(
			(tdv_train_course)sqlite3_column_int(st, 1)));
	}
	sqlite3_finalize(st);
	return rc;
}

int
tdv_train_db_report_due(tdv_train_db *db, const char *viewer,
    const char *checkpoint, const tdv_date *today, bool csv, tdv_buf *out)
{
	if (db == NULL || viewer == NULL || today == NULL || out == NULL)
		return TDV_EINVAL;
	long months, warn;
	int rc;
	if ((rc = tdv_train_db_config_get(db, "refresher_months", &months)) !=
		TDV_OK ||
	    (rc = tdv_train_db_config_get(db, "warn_days", &warn)) != TDV_OK)
		return rc;
	sqlite3 *h = tdv__train_db_handle(db);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h, "SELECT id,name,checkpoint,coalesce(trainer,"
				  "''),role FROM person WHERE ?1 IS NULL OR "
				  "checkpoint=?1 ORDER BY checkpoint,id", -1,
		&st, NULL) != SQLITE_OK)
		return TDV_ESTORE;
	if (checkpoint)
		sqlite3_bind_text(st, 1, checkpoint, -1, SQLITE_STATIC);
	tdv_json j;
	tdv_json_init(&j, out);
	if (csv)
		rc = tdv_buf_puts(out, "checkpoint,officer,name,trainer,"
				       "last_course,last_day,due,status\n");
	else
		tdv_json_array_begin(&j);
	while (rc == TDV_OK && sqlite3_step(st) == SQLITE_ROW) {
		char id[40], name[100], cp[40], trainer[40], course[16];
		col(st, 0, id, sizeof(id));
		col(st, 1, name, sizeof(name));
		col(st, 2, cp, sizeof(cp));
		col(st, 3, trainer, sizeof(trainer));
		bool yes = false;
		if ((rc = tdv_train_db_can_see(db, viewer, id, &yes)) != TDV_OK)
			break;
		if (!yes)
			continue;
		tdv_date last, due;
		tdv_train_due_status status;
		if ((rc = last_passed(h, id, &last, course, sizeof(course))) !=
			TDV_OK ||
		    (rc = tdv_train_refresher_due(&last, (int)months, today,
			 (int)warn, &due, &status)) != TDV_OK)
			break;
		char lastiso[11] = "", dueiso[11];
		if (last.year)
			tdv_date_format_iso(&last, lastiso);
		tdv_date_format_iso(&due, dueiso);
		if (csv) {
			const char *f[8] = {cp, id, name, trainer, course,
			    lastiso, dueiso, tdv_train_due_status_name(status)};
			for (int k = 0; rc == TDV_OK && k < 8; k++)
				rc = csv_field(out, f[k], k == 7);
		} else {
			tdv_json_object_begin(&j);
			tdv_json_key(&j, "checkpoint");
			tdv_json_string(&j, cp);
			tdv_json_key(&j, "officer");
			tdv_json_string(&j, id);
			tdv_json_key(&j, "name");
			tdv_json_string(&j, name);
			tdv_json_key(&j, "trainer");
			tdv_json_string_or_null(&j, trainer);
			tdv_json_key(&j, "last_course");
			tdv_json_string_or_null(&j, course);
			tdv_json_key(&j, "last_day");
			tdv_json_string_or_null(&j, lastiso);
			tdv_json_key(&j, "due");
			tdv_json_string(&j, dueiso);
			tdv_json_key(&j, "status");
			tdv_json_string(&j, tdv_train_due_status_name(status));
			tdv_json_object_end(&j);
		}
	}
	sqlite3_finalize(st);
	if (!csv) {
		tdv_json_array_end(&j);
		if (rc == TDV_OK)
			rc = tdv_json_error(&j);
	}
	return rc;
}

int
tdv_train_db_report_rates(tdv_train_db *db, const char *checkpoint, bool csv,
    tdv_buf *out)
{
	if (db == NULL || out == NULL)
		return TDV_EINVAL;
	sqlite3 *h = tdv__train_db_handle(db);
	sqlite3_stmt *st;
	/* detection by month and defect type, then pass rates by month */
	const char *sql =
	    "SELECT substr(a.day,1,7) m, 'detection', r.defect, "
	    " sum(r.presented), sum(r.detected) FROM result r JOIN attempt a"
	    " ON a.id=r.attempt JOIN person p ON p.id=a.trainee WHERE"
	    " a.submitted_ms IS NOT NULL AND (?1 IS NULL OR p.checkpoint=?1)"
	    " GROUP BY m, r.defect "
	    "UNION ALL SELECT substr(a.day,1,7) m, 'pass', -1, count(*),"
	    " sum(a.passed) FROM attempt a JOIN person p ON p.id=a.trainee WHERE"
	    " a.submitted_ms IS NOT NULL AND a.course IN (1,2) AND"
	    " (?1 IS NULL OR p.checkpoint=?1) GROUP BY m ORDER BY 1,2,3";
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return TDV_ESTORE;
	if (checkpoint)
		sqlite3_bind_text(st, 1, checkpoint, -1, SQLITE_STATIC);
	int rc = TDV_OK;
	tdv_json j;
	tdv_json_init(&j, out);
	if (csv)
		rc = tdv_buf_puts(out, "month,measure,defect,total,count,"
				       "rate_percent\n");
	else
		tdv_json_array_begin(&j);
	while (rc == TDV_OK && sqlite3_step(st) == SQLITE_ROW) {
		char month[16], measure[16];
		col(st, 0, month, sizeof(month));
		col(st, 1, measure, sizeof(measure));
		int d = sqlite3_column_int(st, 2);
		int64_t total = sqlite3_column_int64(st, 3);
		int64_t count = sqlite3_column_int64(st, 4);
		const char *dn = d >= 0 ?
		    tdv_train_defect_name((tdv_train_defect)d) : "";
		double rate = total > 0 ? 100.0 * (double)count / (double)total :
					  0;
		if (csv) {
			rc = tdv_buf_printf(out, "%s,%s,%s,%lld,%lld,%.1f\n",
			    month, measure, dn ? dn : "", (long long)total,
			    (long long)count, rate);
		} else {
			tdv_json_object_begin(&j);
			tdv_json_key(&j, "month");
			tdv_json_string(&j, month);
			tdv_json_key(&j, "measure");
			tdv_json_string(&j, measure);
			tdv_json_key(&j, "defect");
			tdv_json_string_or_null(&j, dn);
			tdv_json_key(&j, "total");
			tdv_json_int(&j, total);
			tdv_json_key(&j, "count");
			tdv_json_int(&j, count);
			tdv_json_key(&j, "rate");
			tdv_json_double(&j, rate);
			tdv_json_object_end(&j);
		}
	}
	sqlite3_finalize(st);
	if (!csv) {
		tdv_json_array_end(&j);
		if (rc == TDV_OK)
			rc = tdv_json_error(&j);
	}
	return rc;
}

int
tdv_train_db_report_officer(tdv_train_db *db, const char *viewer,
    const char *officer, const tdv_date *today, tdv_json *j)
{
	if (db == NULL || viewer == NULL || officer == NULL || today == NULL ||
	    j == NULL)
		return TDV_EINVAL;
	bool yes;
	int rc = tdv_train_db_can_see(db, viewer, officer, &yes);
	if (rc != TDV_OK)
		return rc;
	if (!yes)
		return TDV_EPERM;
	tdv_train_person p;
	if ((rc = tdv_train_db_person_get(db, officer, &p)) != TDV_OK)
		return rc;
	long months, warn;
	if ((rc = tdv_train_db_config_get(db, "refresher_months", &months)) !=
		TDV_OK ||
	    (rc = tdv_train_db_config_get(db, "warn_days", &warn)) != TDV_OK)
		return rc;
	sqlite3 *h = tdv__train_db_handle(db);
	tdv_date last, due;
	tdv_train_due_status status;
	char course[16], iso[11];
	if ((rc = last_passed(h, officer, &last, course, sizeof(course))) !=
		TDV_OK ||
	    (rc = tdv_train_refresher_due(&last, (int)months, today, (int)warn,
		 &due, &status)) != TDV_OK)
		return rc;
	tdv_json_object_begin(j);
	tdv_json_key(j, "officer");
	tdv_json_string(j, p.id);
	tdv_json_key(j, "name");
	tdv_json_string(j, p.name);
	tdv_json_key(j, "checkpoint");
	tdv_json_string(j, p.checkpoint);
	tdv_json_key(j, "role");
	tdv_json_string(j, tdv_train_role_name(p.role));
	tdv_json_key(j, "level");
	tdv_json_string(j, tdv_train_level_name(p.level));
	tdv_json_key(j, "trainer");
	tdv_json_string_or_null(j, p.trainer);
	tdv_json_key(j, "refresher_due");
	tdv_date_format_iso(&due, iso);
	tdv_json_string(j, iso);
	tdv_json_key(j, "status");
	tdv_json_string(j, tdv_train_due_status_name(status));
	tdv_json_key(j, "attempts");
	tdv_json_array_begin(j);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h, "SELECT id,course,day,trainer,percent,passed,"
				  "submitted_ms IS NOT NULL FROM attempt WHERE "
				  "trainee=? ORDER BY day,started_ms", -1, &st,
		NULL) != SQLITE_OK)
		return TDV_ESTORE;
	sqlite3_bind_text(st, 1, officer, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char id[40], day[16], tr[40];
		col(st, 0, id, sizeof(id));
		col(st, 2, day, sizeof(day));
		col(st, 3, tr, sizeof(tr));
		tdv_train_course c = (tdv_train_course)sqlite3_column_int(st, 1);
		bool submitted = sqlite3_column_int(st, 6) != 0;
		bool passed = sqlite3_column_int(st, 5) != 0;
		tdv_json_object_begin(j);
		tdv_json_key(j, "attempt");
		tdv_json_string(j, id);
		tdv_json_key(j, "course");
		tdv_json_string(j, tdv_train_course_name(c) ?
			tdv_train_course_name(c) : "?");
		tdv_json_key(j, "day");
		tdv_json_string(j, day);
		tdv_json_key(j, "trainer");
		tdv_json_string(j, tr);
		tdv_json_key(j, "submitted");
		tdv_json_bool(j, submitted);
		tdv_json_key(j, "percent");
		if (submitted)
			tdv_json_double(j, sqlite3_column_double(st, 4));
		else
			tdv_json_null(j);
		tdv_json_key(j, "passed");
		tdv_json_bool(j, submitted && passed);
		tdv_json_key(j, "certificate");
		tdv_json_bool(j, submitted && passed &&
		    (c == TDV_TRAIN_INDUCTION || c == TDV_TRAIN_REFRESHER));
		tdv_json_object_end(j);
	}
	sqlite3_finalize(st);
	tdv_json_array_end(j);
	tdv_train_record rec;
	if ((rc = tdv_train_db_record_get(db, officer, &rec)) != TDV_OK)
		return rc;
	tdv_json_key(j, "practice");
	tdv_json_object_begin(j);
	tdv_json_key(j, "drills");
	tdv_json_int(j, rec.drills);
	tdv_json_key(j, "skills");
	tdv_json_array_begin(j);
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
		const tdv_train_skill *s = &rec.skill[d];
		if (s->seen == 0)
			continue;
		tdv_json_object_begin(j);
		tdv_json_key(j, "defect");
		tdv_json_string(j, tdv_train_defect_name((tdv_train_defect)d));
		tdv_json_key(j, "seen");
		tdv_json_int(j, s->seen);
		tdv_json_key(j, "detected");
		tdv_json_int(j, s->right);
		tdv_json_key(j, "streak");
		tdv_json_int(j, s->streak);
		tdv_json_key(j, "interval_days");
		tdv_json_int(j, s->interval_days);
		tdv_json_object_end(j);
	}
	tdv_json_array_end(j);
	tdv_json_object_end(j);
	tdv_json_object_end(j);
	return tdv_json_error(j);
}

static int
html_text(tdv_buf *b, const char *s)
{
	int rc = TDV_OK;
	for (; rc == TDV_OK && *s; s++) {
		switch (*s) {
		case '<':
			rc = tdv_buf_puts(b, "&lt;");
			break;
		case '>':
			rc = tdv_buf_puts(b, "&gt;");
			break;
		case '&':
			rc = tdv_buf_puts(b, "&amp;");
			break;
		case '"':
			rc = tdv_buf_puts(b, "&quot;");
			break;
		default:
			rc = tdv_buf_putc(b, *s);
		}
	}
	return rc;
}

int
tdv_train_db_certificate(tdv_train_db *db, const char *attempt, tdv_buf *html)
{
	if (db == NULL || attempt == NULL || html == NULL)
		return TDV_EINVAL;
	sqlite3 *h = tdv__train_db_handle(db);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h, "SELECT a.trainee,p.name,p.checkpoint,a.course,"
				  "a.day,a.percent,a.trainer,s.title FROM attempt a"
				  " JOIN person p ON p.id=a.trainee JOIN exset s"
				  " ON s.id=a.set_id WHERE a.id=? AND a.passed=1"
				  " AND a.course IN (1,2)", -1, &st,
		NULL) != SQLITE_OK)
		return TDV_ESTORE;
	sqlite3_bind_text(st, 1, attempt, -1, SQLITE_STATIC);
	int rc = TDV_ENOENT;
	if (sqlite3_step(st) == SQLITE_ROW) {
		char id[40], name[100], cp[40], day[16], tr[40], title[210];
		col(st, 0, id, sizeof(id));
		col(st, 1, name, sizeof(name));
		col(st, 2, cp, sizeof(cp));
		col(st, 4, day, sizeof(day));
		col(st, 6, tr, sizeof(tr));
		col(st, 7, title, sizeof(title));
		const char *course = tdv_train_course_name(
		    (tdv_train_course)sqlite3_column_int(st, 3));
		double pct = sqlite3_column_double(st, 5);
		/* the refresher is due a configured period after this course */
		long months = 12;
		tdv_date done, due;
		char dueiso[11] = "";
		if (tdv_train_db_config_get(db, "refresher_months", &months) ==
			TDV_OK &&
		    tdv_date_parse_iso(day, &done) == TDV_OK &&
		    tdv_train_add_months(&done, (int)months, &due) == TDV_OK)
			tdv_date_format_iso(&due, dueiso);
		rc = tdv_buf_puts(html,
		    "<!doctype html>\n<html lang=\"en\"><head><meta "
		    "charset=\"utf-8\"><title>Training certificate</title>\n"
		    "<style>body{font-family:serif;max-width:40em;margin:3em "
		    "auto;text-align:center}h1{font-size:2em}.small{color:#555}"
		    "@media print{@page{size:A4 landscape;margin:2cm}"
		    ".noprint{display:none}}</style>\n"
		    /* the station's CSP refuses inline styles: the same rules */
		    "<link rel=\"stylesheet\" href=\"/training/certificate.css\">"
		    "</head><body>\n"
		    "<p class=\"small\">tdverify training record</p>\n"
		    "<h1>Certificate of document-examination training</h1>\n"
		    "<p>This certifies that</p><h2 id=\"name\">");
		if (rc == TDV_OK)
			rc = html_text(html, name);
		if (rc == TDV_OK)
			rc = tdv_buf_puts(html, "</h2><p>officer <b>");
		if (rc == TDV_OK)
			rc = html_text(html, id);
		if (rc == TDV_OK)
			rc = tdv_buf_puts(html, "</b>, checkpoint <b>");
		if (rc == TDV_OK)
			rc = html_text(html, cp);
		if (rc == TDV_OK)
			rc = tdv_buf_printf(html, "</b></p><p>completed the "
			    "<b>%s</b> course on <b>%s</b> with a score of "
			    "<b id=\"score\">%.1f%%</b> (", course, day, pct);
		if (rc == TDV_OK)
			rc = html_text(html, title);
		if (rc == TDV_OK)
			rc = tdv_buf_puts(html, ")</p><p>trainer: <b>");
		if (rc == TDV_OK)
			rc = html_text(html, tr);
		if (rc == TDV_OK && dueiso[0] != '\0')
			rc = tdv_buf_printf(html, "</b></p><p>refresher training "
			    "due by <b id=\"due\">%s", dueiso);
		if (rc == TDV_OK)
			rc = tdv_buf_printf(html, "</b></p><p class=\"small\">"
			    "record %s</p>\n<p class=\"small noprint\">Print "
			    "this page from the browser (Ctrl+P).</p>\n"
			    "</body></html>\n",
			    attempt);
	}
	sqlite3_finalize(st);
	return rc;
}
