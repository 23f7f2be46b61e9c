/* Internal: a bounded CSV line reader shared by the SLTD and watchlist
 * importers (RFC 4180 quoting within one line; no multi-line fields). */
#ifndef TDV_SCREEN_CSV_H
#define TDV_SCREEN_CSV_H

#include <stddef.h>
#include <stdio.h>

#define TDV__CSV_LINE_MAX 4096
#define TDV__CSV_MAX_FIELDS 16

typedef struct tdv__csv {
	FILE *in;
	unsigned long line;     /* 1-based number of the line last read */
	char buf[TDV__CSV_LINE_MAX + 2];
	char field_store[TDV__CSV_LINE_MAX + TDV__CSV_MAX_FIELDS + 1];
	const char *fields[TDV__CSV_MAX_FIELDS];
	size_t nfields;
} tdv__csv;

void tdv__csv_init(tdv__csv *c, FILE *in);

/*
 * Read the next non-blank, non-comment ('#') line and split it. Returns 1
 * with c->fields/c->nfields set, 0 at end of input, or a negative error
 * for this line only (TDV_ELIMIT: line too long, the rest of it skipped;
 * TDV_EPARSE: bad quoting or too many fields; TDV_EUTF8: invalid UTF-8);
 * the caller reports it and calls again. TDV_EIO on a read error.
 */
int tdv__csv_next(tdv__csv *c);

/* Split one line held in memory (used by tdv__csv_next and the fuzzer). */
int tdv__csv_split(tdv__csv *c, const char *line, size_t len);

#endif
