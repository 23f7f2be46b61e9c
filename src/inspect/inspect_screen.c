/*
 * Screening stages of the inspection (src/screen): the printed issuing
 * state and document number against the SLTD index, the traveller
 * against the watchlist of persons.
 */
#include <stdio.h>
#include <stdlib.h>
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

#define WATCH_MAX_HITS 4

static void
watch_stage(tdv_inspection *ins)
{
	const tdv_watchlist *wl = ins->watchlist;
	const tdv_mrz *m = &ins->mrz;
	if (!ins->have_mrz || m->surname[0] == '\0') {
		tdv__inspect_emit(ins, "screen.watchlist", TDV_INSPECT_SKIP, NULL,
		    "no name to screen");
		return;
	}
	/* "SURNAME<<GIVEN NAMES": the matcher reads the MRZ form */
	char name[2 * TDV_MRZ_LINE_MAX + 4];
	snprintf(name, sizeof(name), "%s<<%s", m->surname, m->given_names);
	tdv_traveller t;
	memset(&t, 0, sizeof(t));
	t.name = name;
	t.birth = m->birth_date;
	t.nationality = m->nationality[0] ? m->nationality : NULL;
	t.sex = m->sex == 'M' || m->sex == 'F' ? m->sex : 0;
	t.document_number = m->document_number;
	tdv_watch_hit *hits = calloc(WATCH_MAX_HITS, sizeof(*hits));
	if (hits == NULL) {
		tdv__inspect_emit(ins, "screen.watchlist", TDV_INSPECT_SKIP, NULL,
		    "out of memory: not screened");
		return;
	}
	size_t n = 0;
	int rc = tdv_watchlist_match(wl, &t, hits, WATCH_MAX_HITS, &n);
	if (rc != TDV_OK)
		tdv__inspect_emit(ins, "screen.watchlist", TDV_INSPECT_SKIP, NULL,
		    "not screened: %s", tdv_strerror(rc));
	else if (n > 0)
		tdv__inspect_emit(ins, "screen.watchlist", TDV_INSPECT_WARN, NULL,
		    "possible watchlist match %s (%s, score %.2f): %s; action: %s%s",
		    hits[0].id ? hits[0].id : "?",
		    hits[0].matched_name ? hits[0].matched_name : "?", hits[0].score,
		    hits[0].reason && hits[0].reason[0] ? hits[0].reason : "no reason given",
		    hits[0].action && hits[0].action[0] ? hits[0].action : "refer",
		    n > 1 ? " (more hits)" : "");
	else
		tdv__inspect_emit(ins, "screen.watchlist", TDV_INSPECT_PASS, NULL,
		    "no watchlist match (%zu entries, threshold %.2f)",
		    tdv_watchlist_size(wl), tdv_watchlist_threshold(wl));
	free(hits);
}

int
tdv_inspection_set_watchlist(tdv_inspection *ins, const tdv_watchlist *wl)
{
	if (ins == NULL)
		return TDV_EINVAL;
	ins->watchlist = wl;
	ins->watch_stage = wl != NULL ? watch_stage : NULL;
	return TDV_OK;
}
