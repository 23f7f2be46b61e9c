/* Data tables generated at build time from data/ (cmake/gen_tables.cmake). */
#ifndef TDV_MRZ_TABLES_H
#define TDV_MRZ_TABLES_H

#include <stdint.h>

struct tdv__translit_row {
	uint32_t cp;     /* Unicode code point */
	const char *rep; /* MRZ letters ("" drops the character) */
};

/* Sorted by code point. */
extern const struct tdv__translit_row tdv__translit_rows[];
extern const unsigned tdv__translit_nrows;

/* Sorted three-character codes as they appear in the MRZ ("D<<", "UTO"). */
extern const char tdv__country_codes[][4];
extern const unsigned tdv__country_ncodes;

#endif
