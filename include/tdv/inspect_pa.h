/* Passive Authentication results into an inspection (tdv/inspect.h). */
#ifndef TDV_INSPECT_PA_H
#define TDV_INSPECT_PA_H

#include "tdv/inspect.h"
#include "tdv/pa.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Take a PA result as evidence: it becomes the chip.pa check (fail with
 * fraud class "chip_forged" when any PA check failed, warn on warnings)
 * followed by every PA check as "pa.<id>"; PA's dg1.mrz answers
 * chip.dg1_match when no chip DG1 is set. Copied: pa may be freed after.
 */
int tdv_inspection_add_pa(tdv_inspection *ins, const tdv_pa_result *pa);

#ifdef __cplusplus
}
#endif
#endif
