/*
 * Passive Authentication (src/pa, ICAO 9303-11 §5.1) as inspection
 * evidence: the PA result is converted once into inspection checks.
 */
#include <stdio.h>
#include <string.h>

#include "inspect/inspect_int.h"
#include "tdv/error.h"
#include "tdv/inspect_pa.h"

static tdv_inspect_status
from_pa(tdv_check_status s)
{
	switch (s) {
	case TDV_CHECK_PASS:
		return TDV_INSPECT_PASS;
	case TDV_CHECK_WARN:
		return TDV_INSPECT_WARN;
	case TDV_CHECK_SKIP:
		return TDV_INSPECT_SKIP;
	case TDV_CHECK_FAIL:
		return TDV_INSPECT_FAIL;
	}
	return TDV_INSPECT_FAIL; /* an unknown status is not a pass */
}

static void
set(tdv_inspect_check *c, const char *id, tdv_inspect_status st,
    const char *fraud, const char *msg)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->status = st;
	snprintf(c->fraud_class, sizeof(c->fraud_class), "%s",
	    st == TDV_INSPECT_FAIL ? fraud : "");
	snprintf(c->message, sizeof(c->message), "%s", msg);
}

int
tdv_inspection_add_pa(tdv_inspection *ins, const tdv_pa_result *pa)
{
	if (ins == NULL || pa == NULL || pa->nchecks < 0 ||
	    pa->nchecks > TDV_PA_MAX_CHECKS || pa->nchecks > TDV__INSPECT_MAX_PA)
		return TDV_EINVAL;
	const tdv_pa_check *first_fail = NULL, *first_warn = NULL;
	ins->npa = 0;
	ins->have_pa_dg1 = false;
	for (int i = 0; i < pa->nchecks; i++) {
		const tdv_pa_check *c = &pa->checks[i];
		char id[TDV_CHECK_ID_MAX + 1], msg[TDV_CHECK_MSG_MAX + 1];
		tdv_inspect_status st = from_pa(c->status);
		if (st == TDV_INSPECT_FAIL && first_fail == NULL)
			first_fail = c;
		if (st == TDV_INSPECT_WARN && first_warn == NULL)
			first_warn = c;
		snprintf(id, sizeof(id), "pa.%.27s", c->id);
		snprintf(msg, sizeof(msg), "%.*s", (int)strnlen(c->message, sizeof(c->message)),
		    c->message);
		set(&ins->pa_checks[ins->npa++], id, st, "chip_forged", msg);
		if (strncmp(c->id, "dg1.mrz", sizeof(c->id)) == 0 && st != TDV_INSPECT_SKIP) {
			set(&ins->pa_dg1, "chip.dg1_match", st, "data_mismatch", msg);
			ins->have_pa_dg1 = true;
		}
	}
	char msg[TDV_CHECK_MSG_MAX + 1];
	if (pa->verdict == TDV_PA_FAIL || first_fail != NULL) {
		snprintf(msg, sizeof(msg), "Passive Authentication failed: %.280s",
		    first_fail ? first_fail->message : "see the PA checks");
		set(&ins->pa_summary, "chip.pa", TDV_INSPECT_FAIL, "chip_forged", msg);
	} else if (pa->verdict == TDV_PA_PASS_WARN || first_warn != NULL) {
		snprintf(msg, sizeof(msg), "Passive Authentication passed with a warning: %.260s",
		    first_warn ? first_warn->message : "see the PA checks");
		set(&ins->pa_summary, "chip.pa", TDV_INSPECT_WARN, "", msg);
	} else {
		snprintf(msg, sizeof(msg), "chip data signed by %.250s, chain to a trusted CSCA",
		    pa->ds_subject[0] ? pa->ds_subject : "the Document Signer");
		set(&ins->pa_summary, "chip.pa", TDV_INSPECT_PASS, "", msg);
	}
	ins->have_pa = true;
	return TDV_OK;
}
