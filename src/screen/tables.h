/* Internal: romanisation tables generated from data/screen/ tables. */
#ifndef TDV_SCREEN_TABLES_H
#define TDV_SCREEN_TABLES_H

#include <stdint.h>

struct tdv__screen_row {
	uint32_t cp;
	char kind;   /* per-table letter, see the .tsv header comments */
	char script; /* 'a'rabic, 'c'yrillic, 'd'evanagari, 'h'an, Lao 'o', 't'hai */
	const char *v1;
	const char *v2;
};

extern const struct tdv__screen_row tdv__screen_rows[]; /* sorted by cp */
extern const unsigned tdv__screen_nrows;

#endif
