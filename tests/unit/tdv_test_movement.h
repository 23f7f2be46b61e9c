/*
 * A movement of the ICAO 9303 specimen traveller (ERIKSSON ANNA MARIA,
 * Utopia) for the store and sync tests: document number `prefix` and i
 * in `digits` digits, entry and exit alternating, PASS and admitted,
 * checks "[]" (callers change what they need afterwards).
 */
#ifndef TDV_TEST_MOVEMENT_H
#define TDV_TEST_MOVEMENT_H

#include <stdio.h>
#include <string.h>

#include "tdv/store.h"

static inline void
tdv_test_movement(tdv_movement *m, const char *checkpoint, char prefix, int digits, int i)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->checkpoint_id, sizeof(m->checkpoint_id), "%s", checkpoint);
	snprintf(m->officer_id, sizeof(m->officer_id), "off1");
	m->direction = i % 2 ? TDV_DIR_EXIT : TDV_DIR_ENTRY;
	snprintf(m->document_code, sizeof(m->document_code), "P");
	snprintf(m->issuing_state, sizeof(m->issuing_state), "UTO");
	snprintf(m->document_number, sizeof(m->document_number), "%c%0*d", prefix, digits, i);
	snprintf(m->nationality, sizeof(m->nationality), "UTO");
	snprintf(m->surname, sizeof(m->surname), "ERIKSSON");
	snprintf(m->given_names, sizeof(m->given_names), "ANNA MARIA");
	m->sex = 'F';
	snprintf(m->birth_date, sizeof(m->birth_date), "1974-08-12");
	snprintf(m->verdict, sizeof(m->verdict), "PASS");
	m->decision = TDV_DECISION_ADMITTED;
	snprintf(m->checks_json, sizeof(m->checks_json), "[]");
}

#endif
