/*
 * Lost/stolen document screening (src/screen SLTD index) as an inspection
 * stage: looks up the printed issuing state and document number.
 */
#include <stdio.h>
#include <string.h>

#include "inspect/inspect_int.h"
#include "tdv/error.h"
#include "tdv/inspect_screen.h"

#define SLTD_MAX_HITS 8

static void
sltd_stage(tdv_inspection *ins)
{
	const tdv_sltd *idx = ins->sltd;
	const tdv_mrz *m = &ins->mrz;
	if (!ins->have_mrz || m->document_number[0] == '\0' ||
	    m->issuing_state[0] == '\0') {
		tdv__inspect_emit(ins, "screen.sltd", TDV_INSPECT_SKIP, NULL,
		    "no document number to look up");
		return;
	}
	tdv_sltd_hit hits[SLTD_MAX_HITS];
	size_t nhits = 0;
	int rc = tdv_sltd_lookup(idx, m->issuing_state, m->document_number, hits,
	    SLTD_MAX_HITS, &nhits);
	if (rc != TDV_OK) {
		/* not looked up is not "not listed" */
		tdv__inspect_emit(ins, "screen.sltd", TDV_INSPECT_SKIP, NULL,
		    "document number could not be looked up: %s", tdv_strerror(rc));
		return;
	}
	if (nhits > 0 && hits[0].exact) {
		char iso[16] = "an unknown date";
		if (hits[0].rec.reported.year > 0)
			tdv_date_format_iso(&hits[0].rec.reported, iso); /* 11 bytes */
		tdv__inspect_emit(ins, "screen.sltd", TDV_INSPECT_FAIL, "lost_stolen",
		    "document %s %s reported %s on %s (%s)", m->issuing_state,
		    m->document_number, tdv_sltd_status_name(hits[0].rec.status), iso,
		    hits[0].rec.source[0] ? hits[0].rec.source : "no source");
		return;
	}
	if (nhits > 0) {
		tdv__inspect_emit(ins, "screen.sltd", TDV_INSPECT_WARN, NULL,
		    "possible match: listed number %s differs only in OCR-confusable "
		    "characters (%zu candidate%s)",
		    hits[0].rec.document_number[0] ? hits[0].rec.document_number : "(hashed)",
		    nhits, nhits == 1 ? "" : "s");
		return;
	}
	long age = 0;
	if (ins->policy.sltd_max_age_days > 0 &&
	    tdv_sltd_check_fresh(idx, &ins->today, ins->policy.sltd_max_age_days,
		&age) == TDV_ESCREEN_STALE) {
		tdv__inspect_emit(ins, "screen.sltd", TDV_INSPECT_WARN, NULL,
		    "not on the list, but the list is %ld days old", age);
		return;
	}
	tdv_sltd_info info;
	tdv_sltd_info_get(idx, &info);
	tdv__inspect_emit(ins, "screen.sltd", TDV_INSPECT_PASS, NULL,
	    "not on the lost/stolen list (version %llu, %llu records)",
	    (unsigned long long)info.version, (unsigned long long)info.nrecords);
}

int
tdv_inspection_set_sltd(tdv_inspection *ins, const tdv_sltd *idx)
{
	if (ins == NULL)
		return TDV_EINVAL;
	ins->sltd = idx;
	ins->sltd_stage = idx != NULL ? sltd_stage : NULL;
	return TDV_OK;
}
