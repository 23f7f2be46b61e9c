/*
 * The inspection pipeline: one object, tdv_inspection, carries the
 * evidence about one document and the result of every check, from the
 * first reading to the verdict; nothing re-parses what an earlier step
 * produced (DESIGN.md "The flow of one inspection").
 *
 *   tdv_inspection *ins;
 *   tdv_inspection_new(&ins);
 *   tdv_inspection_set_today(ins, &today);
 *   tdv_inspection_set_mrz_text(ins, text, len, TDV_EVIDENCE_TYPED);
 *                                  // or set_mrz() with OCR's parsed result
 *   tdv_inspection_set_chip_dg1(ins, &dg1_mrz);    // when a chip was read
 *   tdv_inspection_add_check(ins, "chip.read", ...); // a step run outside
 *   (tdv/inspect_pa.h: tdv_inspection_add_pa(ins, &pa_result);
 *    tdv/inspect_screen.h: tdv_inspection_set_sltd(ins, index))
 *   tdv_inspection_run(ins);
 *   tdv_inspection_verdict(ins);   // PASS / REFER / FAIL
 *   tdv_inspection_check(ins, i);  // every check: id, status, message
 *
 * Checks, in the order they are reported (every one always appears):
 *   mrz.present        an MRZ was read (typed or from the image)
 *   mrz.format         format recognised, characters and fillers valid
 *   mrz.check_digits   every check digit (9303-3 §4.9)
 *   mrz.dates          birth and expiry are calendar dates
 *   mrz.codes          issuing state and nationality are ICAO codes
 *   document.expiry    not expired on the inspection day
 *   chip.read          the chip was read (BAC/PACE) — supplied by caller
 *   chip.pa            Passive Authentication (tdv_pa_result)
 *   chip.aa_ca         Active / Chip Authentication (clone detection)
 *   chip.dg1_match     DG1 on the chip equals the printed MRZ
 *   screen.sltd        lost, stolen, revoked documents
 *   screen.watchlist   persons of interest
 * A check whose evidence or module is missing is SKIP with the reason,
 * never PASS. The PA sub-checks are listed after chip.pa as "pa.<id>".
 *
 * Verdict: FAIL when any check fails; REFER when any warns, or when a
 * check the policy requires was skipped (by default: screening); PASS
 * otherwise.
 *
 * The library never prints; tdv_inspection_to_json / _report give the
 * output the CLI and the web station show.
 */
#ifndef TDV_INSPECT_H
#define TDV_INSPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "tdv/buf.h"
#include "tdv/date.h"
#include "tdv/json.h"
#include "tdv/mrz.h"
#include "tdv/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tdv_verdict {
	TDV_VERDICT_PASS = 0,
	TDV_VERDICT_REFER,
	TDV_VERDICT_FAIL,
} tdv_verdict;

/* "PASS", "REFER", "FAIL". */
const char *tdv_verdict_name(tdv_verdict v);

/* Where a piece of evidence came from (reported with the MRZ checks). */
typedef enum tdv_evidence_source {
	TDV_EVIDENCE_TYPED = 1, /* typed by the officer */
	TDV_EVIDENCE_OCR,       /* read from an image */
	TDV_EVIDENCE_SWIPE,     /* a document reader's MRZ line */
} tdv_evidence_source;

/* Check status; the same values as tdv_check_status of tdv/pa.h. */
typedef enum tdv_inspect_status {
	TDV_INSPECT_PASS = 0,
	TDV_INSPECT_FAIL,
	TDV_INSPECT_WARN,
	TDV_INSPECT_SKIP,
} tdv_inspect_status;

/* "pass", "fail", "warn", "skip". */
const char *tdv_inspect_status_name(tdv_inspect_status s);

#define TDV_INSPECT_MAX_CHECKS 64
#define TDV_CHECK_ID_MAX 31
#define TDV_CHECK_MSG_MAX 319

typedef struct tdv_inspect_check {
	char id[TDV_CHECK_ID_MAX + 1];
	tdv_inspect_status status;
	char message[TDV_CHECK_MSG_MAX + 1];
	/* on failures that point at fraud: its class ("mrz", "expired",
	 * "chip_forged", "chip_clone", "data_mismatch", "lost_stolen",
	 * "watchlist"), else "" */
	char fraud_class[24];
} tdv_inspect_check;

typedef struct tdv_inspect_policy {
	bool require_chip;      /* skipped chip checks make the verdict REFER */
	bool require_screening; /* skipped screening makes the verdict REFER */
	int sltd_max_age_days;  /* older list: screen.sltd warns; 0 = no limit */
} tdv_inspect_policy;

/* The defaults: require_screening, not require_chip, lists <= 2 days. */
void tdv_inspect_policy_default(tdv_inspect_policy *p);

typedef struct tdv_inspection tdv_inspection;

int tdv_inspection_new(tdv_inspection **out);
/* Frees and wipes (the object holds personal data). NULL is accepted. */
void tdv_inspection_free(tdv_inspection **ins);

/* The inspection day (decides expiry and 2-digit years). Required. */
int tdv_inspection_set_today(tdv_inspection *ins, const tdv_date *today);
int tdv_inspection_set_policy(tdv_inspection *ins, const tdv_inspect_policy *p);

/* Evidence: the printed MRZ as text (lines separated by '\n' or '|');
 * parsed here once. TDV_ELIMIT past 3*44 characters plus separators. */
int tdv_inspection_set_mrz_text(tdv_inspection *ins, const char *text,
    size_t len, tdv_evidence_source src);
/* Evidence: an MRZ another step already parsed (OCR); copied, not re-read. */
int tdv_inspection_set_mrz(tdv_inspection *ins, const tdv_mrz *m,
    tdv_evidence_source src);

/* Evidence from the chip: DG1 as read, compared with the printed MRZ. */
int tdv_inspection_set_chip_dg1(tdv_inspection *ins, const tdv_mrz *dg1);

/*
 * Result of a step run outside (chip.read, chip.aa_ca, or a module's own
 * check): replaces the built-in SKIP of that id, or is appended when the
 * id is new. fraud_class may be NULL. TDV_EINVAL for a bad id (1..31 of
 * [a-z0-9_.]), TDV_ELIMIT when the message or the list is full.
 */
int tdv_inspection_add_check(tdv_inspection *ins, const char *id,
    tdv_inspect_status status, const char *message, const char *fraud_class);

/*
 * Run every applicable check in order and decide the verdict. May be
 * called again after more evidence arrives (the checks are recomputed).
 * TDV_EINVAL without a date; otherwise TDV_OK (a bad document is a FAIL
 * verdict, not an error code).
 */
int tdv_inspection_run(tdv_inspection *ins);

tdv_verdict tdv_inspection_verdict(const tdv_inspection *ins);
int tdv_inspection_ncheck(const tdv_inspection *ins);
const tdv_inspect_check *tdv_inspection_check(const tdv_inspection *ins, int i);
/* The check with that id, or NULL. */
const tdv_inspect_check *tdv_inspection_find(const tdv_inspection *ins,
    const char *id);
/* The printed MRZ as parsed (NULL when none was given). */
const tdv_mrz *tdv_inspection_mrz(const tdv_inspection *ins);
/* The fraud class of the first failing check that has one, or "". */
const char *tdv_inspection_fraud_class(const tdv_inspection *ins);

/* {"verdict":..,"checks":[{"id","status","message"}],"document":{..}} */
void tdv_inspection_to_json(const tdv_inspection *ins, tdv_json *j);
/* The same members without the braces, to add members of one's own. */
void tdv_inspection_json_members(const tdv_inspection *ins, tdv_json *j);
/* Only the checks array (what a movement stores). */
void tdv_inspection_checks_to_json(const tdv_inspection *ins, tdv_json *j);
/* A report an officer reads: the verdict, then one line per check. */
int tdv_inspection_report(const tdv_inspection *ins, tdv_buf *out);

/*
 * Fill the document, verdict and checks of a movement from a run
 * inspection (checkpoint, officer, direction and decision are the
 * caller's). TDV_ELIMIT when the checks do not fit TDV_CHECKS_MAX.
 */
int tdv_inspection_to_movement(const tdv_inspection *ins, tdv_movement *m);

#ifdef __cplusplus
}
#endif
#endif
