/*
 * ICAO Doc 9303 machine readable zone: parse, validate, generate, correct,
 * transliterate.
 *
 * Formats (Doc 9303, 8th edition): TD1 (Part 5, 3x30), TD2 (Part 6, 2x36),
 * TD3 (Part 4, 2x44), MRV-A (Part 7, 2x44), MRV-B (Part 7, 2x36), and the
 * French national identity card (2x36, pre-2021 layout). The format is
 * detected from line count, line lengths and the document code.
 *
 * tdv_mrz is a plain value (no heap memory): parse into one on the stack.
 */
#ifndef TDV_MRZ_H
#define TDV_MRZ_H

#include <stdbool.h>
#include <stddef.h>

#include "tdv/buf.h"
#include "tdv/date.h"
#include "tdv/json.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tdv_mrz_format {
	TDV_MRZ_UNKNOWN = 0,
	TDV_MRZ_TD1,
	TDV_MRZ_TD2,
	TDV_MRZ_TD3,
	TDV_MRZ_MRVA,
	TDV_MRZ_MRVB,
	TDV_MRZ_FRA_ID,
} tdv_mrz_format;

#define TDV_MRZ_MAX_LINES 3
#define TDV_MRZ_LINE_MAX 44     /* longest MRZ line (TD3, MRV-A) */
#define TDV_MRZ_MAX_ERRORS 16
#define TDV_MRZ_MAX_CHECKS 6
#define TDV_MRZ_MAX_CORRECTIONS 16

/* One problem found in a document. `field` names the MRZ field
 * ("document_number", "birth_date", "line2", ...). */
typedef struct tdv_mrz_error {
	int code; /* TDV_EMRZ_* */
	char field[24];
	char message[120];
} tdv_mrz_error;

/* One check digit: name ("document_number", "birth_date", "expiry_date",
 * "optional_data", "composite", "personal_number") and result. */
typedef struct tdv_mrz_check {
	const char *name;
	bool ok;
} tdv_mrz_check;

/* One character changed by tdv_mrz_correct(). line and col are 0-based. */
typedef struct tdv_mrz_correction {
	int line;
	int col;
	char from;
	char to;
	char field[24];
} tdv_mrz_correction;

typedef struct tdv_mrz {
	tdv_mrz_format format;
	int nlines;
	char lines[TDV_MRZ_MAX_LINES][TDV_MRZ_LINE_MAX + 1];

	char document_code[3];   /* fillers removed: "P", "ID", "V" */
	char issuing_state[4];   /* fillers removed: "UTO", "D" */
	char surname[TDV_MRZ_LINE_MAX + 1];     /* primary identifier, spaces */
	char given_names[TDV_MRZ_LINE_MAX + 1]; /* secondary identifier */
	bool name_truncated;     /* name field full: may have been cut (9303-3 §4.6) */
	char document_number[32]; /* full, overflow included, fillers removed */
	char nationality[4];
	char birth_date_raw[7];  /* YYMMDD as printed (may hold fillers) */
	char expiry_date_raw[7];
	tdv_date birth_date;     /* year 0 when unknown or not a date */
	tdv_date expiry_date;
	char sex;                /* 'M', 'F' or 'X' (unspecified, '<' in the MRZ) */
	char optional_data[32];  /* fillers removed; TD3: personal number */
	char optional_data_2[32]; /* TD1 line 2 only */
	bool expired;            /* expiry date before the reference day */

	int nchecks;
	tdv_mrz_check checks[TDV_MRZ_MAX_CHECKS];
	int nerrors;
	tdv_mrz_error errors[TDV_MRZ_MAX_ERRORS];
	int ncorrections;
	tdv_mrz_correction corrections[TDV_MRZ_MAX_CORRECTIONS];
	bool valid; /* recognised format, good characters, every check digit,
	               real dates, known codes */
} tdv_mrz;

/*
 * Parse one document from its lines. `lines[i]` need not be NUL-terminated;
 * `lens[i]` is its length (trailing spaces and CR are ignored). `today`
 * decides the century of two-digit years and `expired`; NULL means
 * 2000-01-01 is not assumed: pass the real date.
 *
 * Fills *out as far as the input allows, always (errors in out->errors).
 * Returns TDV_OK when out->valid, else the code of the first error.
 * Never reads past lens[i]; never allocates.
 */
int tdv_mrz_parse(const char *const *lines, const size_t *lens, int nlines,
    const tdv_date *today, tdv_mrz *out);

/*
 * Validate again: re-read the fields of m->lines (format m->format) and run
 * every check, e.g. after a caller edited a line. Returns TDV_OK when
 * valid, else the first error's code; corrections are kept.
 */
int tdv_mrz_validate(tdv_mrz *m, const tdv_date *today);

/* Parse a document given as one text: lines separated by '\n', "\r\n" or
 * '|'. Same contract as tdv_mrz_parse(). */
int tdv_mrz_parse_text(const char *text, size_t len, const tdv_date *today,
    tdv_mrz *out);

/*
 * Parse with OCR-error correction (Doc 9303-3 §4.9 check digits). Each
 * field's character class (digits in dates and check digits, letters in
 * codes and names) and the check digits select the correction. Every change
 * is listed in out->corrections. When two or more different corrections
 * satisfy every check, nothing is changed and TDV_EMRZ_AMBIGUOUS is
 * returned (with an error entry). Otherwise as tdv_mrz_parse().
 */
int tdv_mrz_correct(const char *const *lines, const size_t *lens, int nlines,
    const tdv_date *today, tdv_mrz *out);

/* Fields for generation. Strings are UTF-8 and are transliterated and
 * upper-cased; NULL or "" leaves a field empty (fillers). */
typedef struct tdv_mrz_input {
	tdv_mrz_format format;
	const char *document_code;   /* NULL: "P" (TD3), "I" (TD1/TD2), "V" (visas), "ID" (FRA_ID) */
	const char *issuing_state;
	const char *surname;
	const char *given_names;
	const char *document_number; /* TD1/TD2 numbers over 9 overflow (9303-5 §4.2.2) */
	const char *nationality;
	tdv_date birth_date;         /* year 0: unknown (fillers) */
	tdv_date expiry_date;
	char sex;                    /* 'M', 'F', 'X' or '<' */
	const char *optional_data;   /* TD3: personal number; FRA_ID: office code */
	const char *optional_data_2; /* TD1 only */
} tdv_mrz_input;

/*
 * Build a correct MRZ from fields: names transliterated (9303-3 §6) and
 * truncated to fit (9303-3 §4.6), check digits computed. On success
 * out holds the lines and the parsed fields (as tdv_mrz_parse() gives).
 * TDV_EMRZ_TOOLONG when a number or code does not fit its field;
 * TDV_EMRZ_FIELD for characters that cannot be represented.
 */
int tdv_mrz_generate(const tdv_mrz_input *in, const tdv_date *today,
    tdv_mrz *out);

/*
 * Transliterate a UTF-8 name to MRZ characters (9303-3 §6: Latin
 * diacritics, Cyrillic, Greek, Arabic tables): upper case A-Z, spaces and
 * hyphens to '<', apostrophes and other punctuation dropped. Writes at
 * most outsz-1 bytes and a NUL. TDV_EUTF8 on invalid UTF-8; TDV_ELIMIT if
 * out is too small; TDV_EMRZ_FIELD when a character has no transliteration.
 */
int tdv_mrz_transliterate(const char *utf8, size_t len, char *out,
    size_t outsz);

/* ICAO 9303-3 §4.9 check digit (weights 7,3,1) of s[0..n): 0-9, or
 * TDV_EMRZ_CHARSET for a character outside A-Z 0-9 <. */
int tdv_mrz_check_digit(const char *s, size_t n);

/* True when code (fillers removed, e.g. "D", "UTO") is an ICAO 9303-3
 * issuing state / nationality code. */
bool tdv_mrz_country_known(const char *code);

/* "TD1", "TD2", "TD3", "MRVA", "MRVB", "FRA_ID", or "UNKNOWN". */
const char *tdv_mrz_format_name(tdv_mrz_format f);

/* Write the parse result as one JSON object (the `tdverify mrz parse
 * --json` contract; see docs/man/tdverify-mrz.1). */
void tdv_mrz_to_json(const tdv_mrz *m, tdv_json *j);

/* The same members without the enclosing braces, for callers that add
 * keys of their own (OCR: file, lines, confidence, quad). */
void tdv_mrz_json_members(const tdv_mrz *m, tdv_json *j);

/* Append a report an officer can read to out. */
int tdv_mrz_report(const tdv_mrz *m, tdv_buf *out);

#ifdef __cplusplus
}
#endif
#endif
