/* Screening (tdv/screen.h) in an inspection: lost/stolen documents and
 * the watchlist of persons. */
#ifndef TDV_INSPECT_SCREEN_H
#define TDV_INSPECT_SCREEN_H

#include "tdv/inspect.h"
#include "tdv/screen.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Screen the printed document number against an SLTD index at
 * tdv_inspection_run: an exact hit fails screen.sltd (fraud class
 * "lost_stolen"), a hit only under OCR-confusable folding warns, a list
 * older than the policy's sltd_max_age_days warns. idx is borrowed and
 * must outlive the runs; NULL removes it.
 */
int tdv_inspection_set_sltd(tdv_inspection *ins, const tdv_sltd *idx);

/*
 * Screen the traveller (MRZ name, birth date, nationality, sex, document
 * number) against a watchlist at tdv_inspection_run: a hit at or above the
 * list's threshold makes screen.watchlist WARN (refer to second line, with
 * the entry id, score, reason and action), no hit PASS. wl is borrowed;
 * NULL removes it.
 */
int tdv_inspection_set_watchlist(tdv_inspection *ins, const tdv_watchlist *wl);

#ifdef __cplusplus
}
#endif
#endif
