/* Internal helpers shared by the MRZ engine's files. */
#ifndef TDV_MRZ_INT_H
#define TDV_MRZ_INT_H

#include "mrz/layout.h"
#include "tdv/mrz.h"

/* Record an error in m (dropped silently past TDV_MRZ_MAX_ERRORS). */
void tdv__mrz_error(tdv_mrz *m, int code, const char *field, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/* Extract fields and run every check on m->lines, whose format is already
 * set in m->format. Resets fields, checks and errors, keeps lines and
 * corrections. */
void tdv__mrz_decode(tdv_mrz *m, const tdv_date *today);

/* Pick the format for lines already copied into m. */
tdv_mrz_format tdv__mrz_detect(const tdv_mrz *m, const size_t *lens);

/* Check digit over n characters; -1 on a character outside the set. */
int tdv__check_digit(const char *s, size_t n);

/*
 * Four-digit year of a two-digit MRZ year (9303-3 §4.4 leaves the century
 * to the reader): a birth date is never in the future; an expiry date is
 * in 20YY unless that lies more than 50 years ahead.
 */
int tdv__mrz_year(int yy, int mm, int dd, bool birth, const tdv_date *today);

/* Today, or the system date when NULL. */
void tdv__mrz_today(const tdv_date *today, tdv_date *out);

/* Copy raw input lines into m (trailing blanks and CR removed); records
 * the real lengths in lens (capped copies). Returns TDV_OK or an error
 * already recorded in m. */
int tdv__mrz_load(tdv_mrz *m, const char *const *lines, const size_t *lens,
    int nlines, size_t *reallens);

#endif
