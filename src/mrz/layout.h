/*
 * MRZ layouts: where each field sits, for every format (internal).
 *
 * ICAO Doc 9303 (8th ed., 2021): Part 4 §4.2.2 (TD3), Part 5 §4.2.2 (TD1),
 * Part 6 §4.2.2 (TD2), Part 7 §4.2.2 (MRV-A, MRV-B). The French national
 * identity card (1988-2021 layout) is not ICAO but is read everywhere.
 * One table drives parsing, generation and OCR correction.
 */
#ifndef TDV_MRZ_LAYOUT_H
#define TDV_MRZ_LAYOUT_H

#include "tdv/mrz.h"

enum tdv__field_id {
	F_DOCCODE,
	F_STATE,
	F_NAME,      /* primary<<secondary */
	F_SURNAME,   /* FRA_ID: surname alone */
	F_GIVEN,     /* FRA_ID: given names alone */
	F_DOCNUM,
	F_DOCNUM_CD,
	F_NAT,
	F_DOB,
	F_DOB_CD,
	F_SEX,
	F_EXP,
	F_EXP_CD,
	F_OPT,       /* TD3: personal number; FRA_ID: office code */
	F_OPT_CD,    /* TD3 personal number check digit */
	F_OPT2,      /* TD1 line 2 */
	F_COMPOSITE,
	F_NFIELDS
};

/* Character classes, used to validate and to correct OCR confusions. */
enum tdv__class {
	C_ALPHA,   /* A-Z and filler */
	C_NUM,     /* 0-9 and filler */
	C_ALNUM,   /* A-Z 0-9 and filler */
	C_CHECK,   /* 0-9, or filler where the standard allows it */
	C_SEX,     /* M F X < */
};

struct tdv__field {
	signed char line; /* -1: field absent in this format */
	unsigned char start;
	unsigned char len;
};

/* A span of one line covered by the composite check digit. */
struct tdv__span {
	unsigned char line, start, len;
};

struct tdv__layout {
	tdv_mrz_format format;
	int nlines;
	int linelen;
	struct tdv__field f[F_NFIELDS];
	int nspans;
	struct tdv__span composite[4];
	bool overflow; /* long document numbers continue in F_OPT (TD1/TD2) */
};

const struct tdv__layout *tdv__layout_get(tdv_mrz_format f);
enum tdv__class tdv__field_class(enum tdv__field_id id);
const char *tdv__field_name(enum tdv__field_id id);

/* Check digit value of one character: 0-35 (fillers 0), or -1. */
static inline int
tdv__char_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	if (c == '<')
		return 0;
	return -1;
}

/* Check digit over the composite spans of a layout, lines given. */
int tdv__composite_digit(const struct tdv__layout *l, char lines[][TDV_MRZ_LINE_MAX + 1]);

#endif
