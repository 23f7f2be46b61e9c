/*
 * Internal to src/inspect/: the inspection object, and what the adapters
 * that bring other modules' results in (inspect_pa.c, inspect_screen.c)
 * use to add checks.
 */
#ifndef TDV_INSPECT_INT_H
#define TDV_INSPECT_INT_H

#include "tdv/inspect.h"

#define TDV__INSPECT_MAX_PA 32

/* A stage run at its place in the order; emits its check(s). */
typedef void (*tdv__inspect_stage)(tdv_inspection *ins);

struct tdv_inspection {
	tdv_date today;
	bool have_today;
	tdv_inspect_policy policy;

	bool have_mrz;
	tdv_evidence_source mrz_source;
	tdv_mrz mrz;
	bool have_dg1;
	tdv_mrz dg1;
	/* Passive Authentication, converted by tdv_inspection_add_pa */
	bool have_pa;
	tdv_inspect_check pa_summary;     /* becomes chip.pa */
	bool have_pa_dg1;
	tdv_inspect_check pa_dg1;         /* PA's own DG1-vs-MRZ comparison */
	int npa;
	tdv_inspect_check pa_checks[TDV__INSPECT_MAX_PA];

	int next;
	tdv_inspect_check ext[TDV_INSPECT_MAX_CHECKS];

	/* lost/stolen screening, installed by tdv_inspection_set_sltd */
	tdv__inspect_stage sltd_stage;
	const void *sltd;
	/* watchlist screening, installed by tdv_inspection_set_watchlist */
	tdv__inspect_stage watch_stage;
	const void *watchlist;

	bool ran;
	tdv_verdict verdict;
	int nchecks;
	tdv_inspect_check checks[TDV_INSPECT_MAX_CHECKS];
};

/* Append one check to the results (silently dropped past the maximum:
 * the list has room for every built-in check). fraud_class is kept only
 * on a failure. */
void tdv__inspect_emit(tdv_inspection *ins, const char *id,
    tdv_inspect_status st, const char *fraud_class, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* True when a caller-supplied check with this id was emitted instead. */
bool tdv__inspect_emit_ext(tdv_inspection *ins, const char *id);

/* Check ids: 1..31 of [a-z0-9_.]. */
bool tdv__inspect_id_ok(const char *id);

#endif
