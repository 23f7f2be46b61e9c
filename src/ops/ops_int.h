/* Internal helpers shared by the src/ops/ files. */
#ifndef TDV_OPS_INT_H
#define TDV_OPS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "tdv/store.h"

/*
 * Highest movement (audit == false) or audit entry (audit == true) seq of
 * checkpoint id in s, 0 when none; *time_ms (may be NULL) its time.
 */
int tdv__ops_last_seq(tdv_store *s, bool audit, const char *id, int64_t *seq,
    int64_t *time_ms);

#endif
