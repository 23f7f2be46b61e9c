/* Calendar dates (proleptic Gregorian) as used on travel documents. */
#ifndef TDV_DATE_H
#define TDV_DATE_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdv_date {
	int year;  /* four digits; 0 when unknown */
	int month; /* 1-12; 0 when unknown */
	int day;   /* 1-31; 0 when unknown */
} tdv_date;

/* True when y-m-d is a real calendar date. */
bool tdv_date_valid(int year, int month, int day);

/* Compare two dates: <0, 0, >0. */
int tdv_date_cmp(const tdv_date *a, const tdv_date *b);

/* Parse "YYYY-MM-DD" strictly. TDV_EDATE when malformed or not a date. */
int tdv_date_parse_iso(const char *s, tdv_date *out);

/* Write "YYYY-MM-DD" (11 bytes with the NUL). */
void tdv_date_format_iso(const tdv_date *d, char out[11]);

/* Days since 1970-01-01 (may be negative). */
long tdv_date_to_days(const tdv_date *d);

/* Whole years between birth and on (age on that date). */
int tdv_date_age(const tdv_date *birth, const tdv_date *on);

#ifdef __cplusplus
}
#endif
#endif
