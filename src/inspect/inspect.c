/*
 * The inspection pipeline (DESIGN.md "The flow of one inspection"): the
 * evidence about one document goes in, every applicable check runs in a
 * fixed order, and a verdict comes out that says why.
 *
 * Rules that matter:
 *  - every built-in check always appears, so the officer sees what was
 *    not done; missing evidence or a missing module is SKIP, never PASS;
 *  - FAIL wins over everything, then WARN and required-but-skipped give
 *    REFER; PASS only when nothing is left to doubt under the policy;
 *  - evidence parsed by another step (OCR's MRZ, PA's result) is copied
 *    in, not re-read.
 */
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdv/error.h"
#include "inspect/inspect_int.h"
#include "tdv/inspect.h"

#define MRZ_TEXT_MAX (TDV_MRZ_MAX_LINES * (TDV_MRZ_LINE_MAX + 2) + 8)



/* The built-in checks and whether a policy requires them. */
enum need { NEED_ALWAYS, NEED_CHIP, NEED_SCREENING };
static const struct {
	const char *id;
	enum need need;
} builtin[] = {
    {"mrz.present", NEED_ALWAYS},
    {"mrz.format", NEED_ALWAYS},
    {"mrz.check_digits", NEED_ALWAYS},
    {"mrz.dates", NEED_ALWAYS},
    {"mrz.codes", NEED_ALWAYS},
    {"document.expiry", NEED_ALWAYS},
    {"chip.read", NEED_CHIP},
    {"chip.pa", NEED_CHIP},
    {"chip.aa_ca", NEED_CHIP},
    {"chip.dg1_match", NEED_CHIP},
    {"screen.sltd", NEED_SCREENING},
    {"screen.watchlist", NEED_SCREENING},
};
#define NBUILTIN (sizeof(builtin) / sizeof(builtin[0]))

const char *
tdv_verdict_name(tdv_verdict v)
{
	switch (v) {
	case TDV_VERDICT_PASS:
		return "PASS";
	case TDV_VERDICT_REFER:
		return "REFER";
	case TDV_VERDICT_FAIL:
		return "FAIL";
	}
	return "FAIL";
}

const char *
tdv_inspect_status_name(tdv_inspect_status s)
{
	switch (s) {
	case TDV_INSPECT_PASS:
		return "pass";
	case TDV_INSPECT_FAIL:
		return "fail";
	case TDV_INSPECT_WARN:
		return "warn";
	case TDV_INSPECT_SKIP:
		return "skip";
	}
	return "fail";
}

void
tdv_inspect_policy_default(tdv_inspect_policy *p)
{
	p->require_chip = false;
	p->require_screening = true;
	p->sltd_max_age_days = 2;
}

int
tdv_inspection_new(tdv_inspection **out)
{
	if (out == NULL)
		return TDV_EINVAL;
	tdv_inspection *ins = calloc(1, sizeof(*ins));
	if (ins == NULL)
		return TDV_ENOMEM;
	tdv_inspect_policy_default(&ins->policy);
	*out = ins;
	return TDV_OK;
}

void
tdv_inspection_free(tdv_inspection **insp)
{
	if (insp == NULL || *insp == NULL)
		return;
	OPENSSL_cleanse(*insp, sizeof(**insp));
	free(*insp);
	*insp = NULL;
}

int
tdv_inspection_set_today(tdv_inspection *ins, const tdv_date *today)
{
	if (ins == NULL || today == NULL ||
	    !tdv_date_valid(today->year, today->month, today->day))
		return TDV_EINVAL;
	ins->today = *today;
	ins->have_today = true;
	/* a typed MRZ's century and expiry depend on the day: parse again */
	if (ins->have_mrz) {
		tdv_mrz m = ins->mrz;
		char text[MRZ_TEXT_MAX];
		size_t n = 0;
		for (int i = 0; i < m.nlines && i < TDV_MRZ_MAX_LINES; i++) {
			size_t l = strnlen(m.lines[i], TDV_MRZ_LINE_MAX);
			memcpy(text + n, m.lines[i], l);
			n += l;
			text[n++] = '\n';
		}
		(void)tdv_mrz_parse_text(text, n, &ins->today, &ins->mrz);
		OPENSSL_cleanse(&m, sizeof(m));
	}
	return TDV_OK;
}

int
tdv_inspection_set_policy(tdv_inspection *ins, const tdv_inspect_policy *p)
{
	if (ins == NULL || p == NULL || p->sltd_max_age_days < 0)
		return TDV_EINVAL;
	ins->policy = *p;
	return TDV_OK;
}

int
tdv_inspection_set_mrz_text(tdv_inspection *ins, const char *text, size_t len,
    tdv_evidence_source src)
{
	if (ins == NULL || text == NULL || src < TDV_EVIDENCE_TYPED ||
	    src > TDV_EVIDENCE_SWIPE)
		return TDV_EINVAL;
	if (len > MRZ_TEXT_MAX)
		return TDV_ELIMIT;
	tdv_date fallback = {2000, 1, 1};
	/* The result is kept whatever it says: a bad MRZ is evidence too. */
	(void)tdv_mrz_parse_text(text, len,
	    ins->have_today ? &ins->today : &fallback, &ins->mrz);
	ins->have_mrz = true;
	ins->mrz_source = src;
	return TDV_OK;
}

int
tdv_inspection_set_mrz(tdv_inspection *ins, const tdv_mrz *m,
    tdv_evidence_source src)
{
	if (ins == NULL || m == NULL || src < TDV_EVIDENCE_TYPED ||
	    src > TDV_EVIDENCE_SWIPE)
		return TDV_EINVAL;
	ins->mrz = *m;
	ins->have_mrz = true;
	ins->mrz_source = src;
	return TDV_OK;
}

int
tdv_inspection_set_chip_dg1(tdv_inspection *ins, const tdv_mrz *dg1)
{
	if (ins == NULL || dg1 == NULL)
		return TDV_EINVAL;
	ins->dg1 = *dg1;
	ins->have_dg1 = true;
	return TDV_OK;
}

bool
tdv__inspect_id_ok(const char *id)
{
	if (id == NULL)
		return false;
	size_t n = strnlen(id, TDV_CHECK_ID_MAX + 1);
	if (n == 0 || n > TDV_CHECK_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
			c == '.'))
			return false;
	}
	return true;
}

int
tdv_inspection_add_check(tdv_inspection *ins, const char *id,
    tdv_inspect_status status, const char *message, const char *fraud_class)
{
	if (ins == NULL || !tdv__inspect_id_ok(id) || status < TDV_INSPECT_PASS ||
	    status > TDV_INSPECT_SKIP)
		return TDV_EINVAL;
	if (message == NULL)
		message = "";
	if (fraud_class == NULL)
		fraud_class = "";
	if (strnlen(message, TDV_CHECK_MSG_MAX + 1) > TDV_CHECK_MSG_MAX ||
	    strnlen(fraud_class, 24) >= 24)
		return TDV_ELIMIT;
	if (fraud_class[0] != '\0' && !tdv__inspect_id_ok(fraud_class))
		return TDV_EINVAL;
	tdv_inspect_check *c = NULL;
	for (int i = 0; i < ins->next; i++)
		if (strcmp(ins->ext[i].id, id) == 0)
			c = &ins->ext[i];
	if (c == NULL) {
		if (ins->next >= TDV_INSPECT_MAX_CHECKS)
			return TDV_ELIMIT;
		c = &ins->ext[ins->next++];
	}
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->status = status;
	snprintf(c->message, sizeof(c->message), "%s", message);
	snprintf(c->fraud_class, sizeof(c->fraud_class), "%s", fraud_class);
	return TDV_OK;
}

/* ---- running the checks ---- */

static const tdv_inspect_check *
ext_find(const tdv_inspection *ins, const char *id)
{
	for (int i = 0; i < ins->next; i++)
		if (strcmp(ins->ext[i].id, id) == 0)
			return &ins->ext[i];
	return NULL;
}


void
tdv__inspect_emit(tdv_inspection *ins, const char *id, tdv_inspect_status st,
    const char *fraud_class, const char *fmt, ...)
{
	if (ins->nchecks >= TDV_INSPECT_MAX_CHECKS)
		return;
	tdv_inspect_check *c = &ins->checks[ins->nchecks++];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->status = st;
	snprintf(c->fraud_class, sizeof(c->fraud_class), "%s",
	    st == TDV_INSPECT_FAIL && fraud_class ? fraud_class : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
}

/* A check supplied from outside overrides the built-in one. */
bool
tdv__inspect_emit_ext(tdv_inspection *ins, const char *id)
{
	const tdv_inspect_check *e = ext_find(ins, id);
	if (e == NULL || ins->nchecks >= TDV_INSPECT_MAX_CHECKS)
		return false;
	ins->checks[ins->nchecks++] = *e;
	return true;
}

static const char *
source_name(tdv_evidence_source s)
{
	switch (s) {
	case TDV_EVIDENCE_TYPED:
		return "typed by the officer";
	case TDV_EVIDENCE_OCR:
		return "read from the image";
	case TDV_EVIDENCE_SWIPE:
		return "read by the document reader";
	}
	return "given";
}

/* The first MRZ error whose code is one of codes[], or NULL. */
static const tdv_mrz_error *
mrz_error(const tdv_mrz *m, const int *codes, int ncodes)
{
	for (int i = 0; i < m->nerrors && i < TDV_MRZ_MAX_ERRORS; i++)
		for (int k = 0; k < ncodes; k++)
			if (m->errors[i].code == codes[k])
				return &m->errors[i];
	return NULL;
}

static void
run_mrz(tdv_inspection *ins)
{
	const tdv_mrz *m = &ins->mrz;
	if (!ins->have_mrz) {
		tdv__inspect_emit(ins, "mrz.present", TDV_INSPECT_FAIL, NULL,
		    "no machine readable zone was read: the document cannot be verified");
		tdv__inspect_emit(ins, "mrz.format", TDV_INSPECT_SKIP, NULL, "no MRZ");
		tdv__inspect_emit(ins, "mrz.check_digits", TDV_INSPECT_SKIP, NULL, "no MRZ");
		tdv__inspect_emit(ins, "mrz.dates", TDV_INSPECT_SKIP, NULL, "no MRZ");
		tdv__inspect_emit(ins, "mrz.codes", TDV_INSPECT_SKIP, NULL, "no MRZ");
		tdv__inspect_emit(ins, "document.expiry", TDV_INSPECT_SKIP, NULL, "no MRZ");
		return;
	}
	tdv__inspect_emit(ins, "mrz.present", TDV_INSPECT_PASS, NULL, "%s MRZ %s",
	    tdv_mrz_format_name(m->format), source_name(ins->mrz_source));

	static const int fmt_codes[] = {TDV_EMRZ_FORMAT, TDV_EMRZ_CHARSET,
	    TDV_EMRZ_FILLER, TDV_EMRZ_DOCCODE, TDV_EMRZ_SEX, TDV_EMRZ_FIELD,
	    TDV_EMRZ_TOOLONG};
	const tdv_mrz_error *e = mrz_error(m, fmt_codes, 7);
	bool known = m->format != TDV_MRZ_UNKNOWN;
	if (!known)
		tdv__inspect_emit(ins, "mrz.format", TDV_INSPECT_FAIL, "mrz", "%s",
		    e ? e->message : "format not recognised");
	else if (e != NULL)
		tdv__inspect_emit(ins, "mrz.format", TDV_INSPECT_FAIL, "mrz", "%s: %s", e->field,
		    e->message);
	else
		tdv__inspect_emit(ins, "mrz.format", TDV_INSPECT_PASS, NULL,
		    "%s layout, characters and fillers valid",
		    tdv_mrz_format_name(m->format));

	if (!known || m->nchecks == 0) {
		tdv__inspect_emit(ins, "mrz.check_digits", TDV_INSPECT_SKIP, NULL,
		    "no check digits could be located");
	} else {
		const char *bad = NULL;
		int nbad = 0;
		for (int i = 0; i < m->nchecks && i < TDV_MRZ_MAX_CHECKS; i++)
			if (!m->checks[i].ok) {
				nbad++;
				if (bad == NULL)
					bad = m->checks[i].name;
			}
		if (nbad == 0)
			tdv__inspect_emit(ins, "mrz.check_digits", TDV_INSPECT_PASS, NULL,
			    "all %d check digits correct", m->nchecks);
		else
			tdv__inspect_emit(ins, "mrz.check_digits", TDV_INSPECT_FAIL, "mrz",
			    "%d of %d check digits wrong (first: %s)", nbad, m->nchecks,
			    bad ? bad : "?");
	}

	static const int date_codes[] = {TDV_EMRZ_DATE};
	e = mrz_error(m, date_codes, 1);
	if (!known)
		tdv__inspect_emit(ins, "mrz.dates", TDV_INSPECT_SKIP, NULL, "format not recognised");
	else if (e != NULL)
		tdv__inspect_emit(ins, "mrz.dates", TDV_INSPECT_FAIL, "mrz", "%s: %s", e->field,
		    e->message);
	else
		tdv__inspect_emit(ins, "mrz.dates", TDV_INSPECT_PASS, NULL,
		    "birth and expiry are calendar dates");

	static const int code_codes[] = {TDV_EMRZ_COUNTRY};
	e = mrz_error(m, code_codes, 1);
	if (!known)
		tdv__inspect_emit(ins, "mrz.codes", TDV_INSPECT_SKIP, NULL, "format not recognised");
	else if (e != NULL)
		tdv__inspect_emit(ins, "mrz.codes", TDV_INSPECT_FAIL, "mrz", "%s: %s", e->field,
		    e->message);
	else
		tdv__inspect_emit(ins, "mrz.codes", TDV_INSPECT_PASS, NULL,
		    "issuing state %s and nationality %s are ICAO codes",
		    m->issuing_state, m->nationality);

	if (!known || m->expiry_date.year == 0) {
		tdv__inspect_emit(ins, "document.expiry", TDV_INSPECT_SKIP, NULL,
		    "no valid expiry date to compare");
	} else {
		char iso[11];
		tdv_date_format_iso(&m->expiry_date, iso);
		if (tdv_date_cmp(&m->expiry_date, &ins->today) < 0)
			tdv__inspect_emit(ins, "document.expiry", TDV_INSPECT_FAIL, NULL,
			    "expired on %s", iso);
		else
			tdv__inspect_emit(ins, "document.expiry", TDV_INSPECT_PASS, NULL,
			    "valid until %s", iso);
	}
}

static void
run_chip(tdv_inspection *ins)
{
	if (!tdv__inspect_emit_ext(ins, "chip.read"))
		tdv__inspect_emit(ins, "chip.read", TDV_INSPECT_SKIP, NULL,
		    ins->have_pa || ins->have_dg1 ? "chip data supplied without access result"
						  : "no chip read supplied");

	if (tdv__inspect_emit_ext(ins, "chip.pa")) {
		/* the caller's own summary wins */
	} else if (!ins->have_pa) {
		tdv__inspect_emit(ins, "chip.pa", TDV_INSPECT_SKIP, NULL,
		    "Passive Authentication not run (no chip data)");
	} else {
		if (ins->nchecks < TDV_INSPECT_MAX_CHECKS)
			ins->checks[ins->nchecks++] = ins->pa_summary;
		for (int i = 0; i < ins->npa && ins->nchecks < TDV_INSPECT_MAX_CHECKS; i++)
			ins->checks[ins->nchecks++] = ins->pa_checks[i];
	}

	if (!tdv__inspect_emit_ext(ins, "chip.aa_ca"))
		tdv__inspect_emit(ins, "chip.aa_ca", TDV_INSPECT_SKIP, NULL,
		    "Active/Chip Authentication not run (no chip read supplied)");

	if (tdv__inspect_emit_ext(ins, "chip.dg1_match"))
		return;
	if (ins->have_dg1 && ins->have_mrz) {
		const tdv_mrz *a = &ins->mrz, *b = &ins->dg1;
		int diff_line = -1;
		if (a->nlines != b->nlines)
			diff_line = 0;
		for (int i = 0; diff_line < 0 && i < a->nlines && i < TDV_MRZ_MAX_LINES; i++)
			if (strncmp(a->lines[i], b->lines[i], sizeof(a->lines[i])) != 0)
				diff_line = i;
		if (diff_line < 0)
			tdv__inspect_emit(ins, "chip.dg1_match", TDV_INSPECT_PASS, NULL,
			    "MRZ on the chip (DG1) equals the printed MRZ");
		else if (strcmp(a->document_number, b->document_number) != 0)
			tdv__inspect_emit(ins, "chip.dg1_match", TDV_INSPECT_FAIL, "data_mismatch",
			    "document number differs: printed %s, chip %s",
			    a->document_number, b->document_number);
		else if (strcmp(a->surname, b->surname) != 0 ||
		    strcmp(a->given_names, b->given_names) != 0)
			tdv__inspect_emit(ins, "chip.dg1_match", TDV_INSPECT_FAIL, "data_mismatch",
			    "name differs between the printed page and the chip");
		else if (tdv_date_cmp(&a->birth_date, &b->birth_date) != 0 ||
		    tdv_date_cmp(&a->expiry_date, &b->expiry_date) != 0)
			tdv__inspect_emit(ins, "chip.dg1_match", TDV_INSPECT_FAIL, "data_mismatch",
			    "dates differ between the printed page and the chip");
		else
			tdv__inspect_emit(ins, "chip.dg1_match", TDV_INSPECT_FAIL, "data_mismatch",
			    "line %d of the MRZ differs from the chip's DG1",
			    diff_line + 1);
	} else if (ins->have_pa_dg1) {
		/* PA compared DG1 with the printed MRZ itself */
		tdv__inspect_emit(ins, "chip.dg1_match", ins->pa_dg1.status,
		    "data_mismatch", "%s", ins->pa_dg1.message);
	} else {
		tdv__inspect_emit(ins, "chip.dg1_match", TDV_INSPECT_SKIP, NULL,
		    ins->have_dg1 ? "no printed MRZ to compare with"
				  : "no chip DG1 supplied");
	}
}

static void
run_sltd(tdv_inspection *ins)
{
	if (tdv__inspect_emit_ext(ins, "screen.sltd"))
		return;
	if (ins->sltd_stage == NULL) {
		tdv__inspect_emit(ins, "screen.sltd", TDV_INSPECT_SKIP, NULL,
		    "no lost/stolen document list loaded");
		return;
	}
	ins->sltd_stage(ins);
}

static void
run_watchlist(tdv_inspection *ins)
{
	if (tdv__inspect_emit_ext(ins, "screen.watchlist"))
		return;
	if (ins->watch_stage == NULL) {
		tdv__inspect_emit(ins, "screen.watchlist", TDV_INSPECT_SKIP, NULL,
		    "no watchlist loaded");
		return;
	}
	ins->watch_stage(ins);
}

static bool
is_builtin(const char *id)
{
	for (size_t i = 0; i < NBUILTIN; i++)
		if (strcmp(builtin[i].id, id) == 0)
			return true;
	return false;
}

static enum need
need_of(const char *id)
{
	for (size_t i = 0; i < NBUILTIN; i++)
		if (strcmp(builtin[i].id, id) == 0)
			return builtin[i].need;
	return NEED_ALWAYS;
}

int
tdv_inspection_run(tdv_inspection *ins)
{
	if (ins == NULL || !ins->have_today)
		return TDV_EINVAL;
	ins->nchecks = 0;
	run_mrz(ins);
	run_chip(ins);
	run_sltd(ins);
	run_watchlist(ins);
	/* checks from other steps with ids of their own, in arrival order */
	for (int i = 0; i < ins->next; i++)
		if (!is_builtin(ins->ext[i].id) && ins->nchecks < TDV_INSPECT_MAX_CHECKS)
			ins->checks[ins->nchecks++] = ins->ext[i];

	bool fail = false, refer = false;
	for (int i = 0; i < ins->nchecks; i++) {
		const tdv_inspect_check *c = &ins->checks[i];
		switch (c->status) {
		case TDV_INSPECT_FAIL:
			fail = true;
			break;
		case TDV_INSPECT_WARN:
			refer = true;
			break;
		case TDV_INSPECT_SKIP:
			if ((need_of(c->id) == NEED_CHIP && ins->policy.require_chip &&
				strncmp(c->id, "chip.", 5) == 0) ||
			    (need_of(c->id) == NEED_SCREENING &&
				ins->policy.require_screening))
				refer = true;
			break;
		case TDV_INSPECT_PASS:
			break;
		}
	}
	ins->verdict = fail ? TDV_VERDICT_FAIL : refer ? TDV_VERDICT_REFER
						     : TDV_VERDICT_PASS;
	ins->ran = true;
	return TDV_OK;
}

tdv_verdict
tdv_inspection_verdict(const tdv_inspection *ins)
{
	/* not run yet: nothing was checked, so nothing may pass */
	return ins != NULL && ins->ran ? ins->verdict : TDV_VERDICT_FAIL;
}

int
tdv_inspection_ncheck(const tdv_inspection *ins)
{
	return ins != NULL && ins->ran ? ins->nchecks : 0;
}

const tdv_inspect_check *
tdv_inspection_check(const tdv_inspection *ins, int i)
{
	if (ins == NULL || !ins->ran || i < 0 || i >= ins->nchecks)
		return NULL;
	return &ins->checks[i];
}

const tdv_inspect_check *
tdv_inspection_find(const tdv_inspection *ins, const char *id)
{
	if (ins == NULL || id == NULL || !ins->ran)
		return NULL;
	for (int i = 0; i < ins->nchecks; i++)
		if (strcmp(ins->checks[i].id, id) == 0)
			return &ins->checks[i];
	return NULL;
}

const tdv_mrz *
tdv_inspection_mrz(const tdv_inspection *ins)
{
	return ins != NULL && ins->have_mrz ? &ins->mrz : NULL;
}

const char *
tdv_inspection_fraud_class(const tdv_inspection *ins)
{
	if (ins == NULL || !ins->ran)
		return "";
	for (int i = 0; i < ins->nchecks; i++)
		if (ins->checks[i].status == TDV_INSPECT_FAIL &&
		    ins->checks[i].fraud_class[0] != '\0')
			return ins->checks[i].fraud_class;
	return "";
}

/* ---- output ---- */

void
tdv_inspection_checks_to_json(const tdv_inspection *ins, tdv_json *j)
{
	tdv_json_array_begin(j);
	for (int i = 0; ins != NULL && ins->ran && i < ins->nchecks; i++) {
		const tdv_inspect_check *c = &ins->checks[i];
		tdv_json_object_begin(j);
		tdv_json_key(j, "id");
		tdv_json_string(j, c->id);
		tdv_json_key(j, "status");
		tdv_json_string(j, tdv_inspect_status_name(c->status));
		tdv_json_key(j, "message");
		tdv_json_string(j, c->message);
		if (c->fraud_class[0] != '\0') {
			tdv_json_key(j, "fraud_class");
			tdv_json_string(j, c->fraud_class);
		}
		tdv_json_object_end(j);
	}
	tdv_json_array_end(j);
}

void
tdv_inspection_to_json(const tdv_inspection *ins, tdv_json *j)
{
	tdv_json_object_begin(j);
	tdv_inspection_json_members(ins, j);
	tdv_json_object_end(j);
}

void
tdv_inspection_json_members(const tdv_inspection *ins, tdv_json *j)
{
	tdv_json_key(j, "verdict");
	tdv_json_string(j, tdv_verdict_name(tdv_inspection_verdict(ins)));
	tdv_json_key(j, "fraud_class");
	tdv_json_string_or_null(j, tdv_inspection_fraud_class(ins));
	tdv_json_key(j, "document");
	if (ins != NULL && ins->have_mrz)
		tdv_mrz_to_json(&ins->mrz, j);
	else
		tdv_json_null(j);
	tdv_json_key(j, "checks");
	tdv_inspection_checks_to_json(ins, j);
}

int
tdv_inspection_report(const tdv_inspection *ins, tdv_buf *out)
{
	if (ins == NULL || out == NULL || !ins->ran)
		return TDV_EINVAL;
	int rc = tdv_buf_printf(out, "verdict: %s\n",
	    tdv_verdict_name(ins->verdict));
	if (rc == TDV_OK && ins->have_mrz && ins->mrz.format != TDV_MRZ_UNKNOWN)
		rc = tdv_buf_printf(out, "document: %s %s %s, %s %s\n",
		    ins->mrz.document_code, ins->mrz.issuing_state,
		    ins->mrz.document_number, ins->mrz.surname, ins->mrz.given_names);
	for (int i = 0; rc == TDV_OK && i < ins->nchecks; i++) {
		const tdv_inspect_check *c = &ins->checks[i];
		rc = tdv_buf_printf(out, "  %-4s  %-18s %s\n", tdv_inspect_status_name(c->status),
		    c->id, c->message);
	}
	return rc;
}

static void
iso_or_empty(const tdv_date *d, char out[11])
{
	if (d->year > 0 && tdv_date_valid(d->year, d->month, d->day))
		tdv_date_format_iso(d, out);
	else
		out[0] = '\0';
}

int
tdv_inspection_to_movement(const tdv_inspection *ins, tdv_movement *m)
{
	if (ins == NULL || m == NULL || !ins->ran)
		return TDV_EINVAL;
	const tdv_mrz *z = &ins->mrz;
	bool known = ins->have_mrz && z->format != TDV_MRZ_UNKNOWN;
	snprintf(m->document_code, sizeof(m->document_code), "%s",
	    known ? z->document_code : "");
	snprintf(m->issuing_state, sizeof(m->issuing_state), "%s",
	    known ? z->issuing_state : "");
	snprintf(m->document_number, sizeof(m->document_number), "%s",
	    known ? z->document_number : "");
	snprintf(m->nationality, sizeof(m->nationality), "%s",
	    known ? z->nationality : "");
	snprintf(m->surname, sizeof(m->surname), "%s", known ? z->surname : "");
	snprintf(m->given_names, sizeof(m->given_names), "%s",
	    known ? z->given_names : "");
	m->sex = known && (z->sex == 'M' || z->sex == 'F') ? z->sex : 'X';
	iso_or_empty(&z->birth_date, m->birth_date);
	iso_or_empty(&z->expiry_date, m->expiry_date);
	if (!known) {
		m->birth_date[0] = '\0';
		m->expiry_date[0] = '\0';
	}
	snprintf(m->verdict, sizeof(m->verdict), "%s", tdv_verdict_name(ins->verdict));
	snprintf(m->fraud_type, sizeof(m->fraud_type), "%s",
	    tdv_inspection_fraud_class(ins));
	tdv_buf b;
	tdv_buf_init(&b, TDV_CHECKS_MAX);
	tdv_json j;
	tdv_json_init(&j, &b);
	tdv_inspection_checks_to_json(ins, &j);
	int rc = tdv_json_error(&j);
	if (rc == TDV_OK)
		snprintf(m->checks_json, sizeof(m->checks_json), "%s", tdv_buf_cstr(&b));
	tdv_buf_free(&b);
	return rc;
}
