/*
 * MRZ layouts, ICAO Doc 9303 Parts 4-7 (positions below are 0-based; the
 * standard counts from 1). See layout.h.
 */
#include "mrz/layout.h"

#include <stddef.h>

#define FLD(l, s, n) {(signed char)(l), (unsigned char)(s), (unsigned char)(n)}
#define NONE {-1, 0, 0}

/* Part 5 §4.2.2.1: TD1, 3 lines of 30. */
static const struct tdv__layout td1 = {
	TDV_MRZ_TD1, 3, 30,
	{
		[F_DOCCODE] = FLD(0, 0, 2), [F_STATE] = FLD(0, 2, 3),
		[F_NAME] = FLD(2, 0, 30), [F_SURNAME] = NONE, [F_GIVEN] = NONE,
		[F_DOCNUM] = FLD(0, 5, 9), [F_DOCNUM_CD] = FLD(0, 14, 1),
		[F_NAT] = FLD(1, 15, 3), [F_DOB] = FLD(1, 0, 6),
		[F_DOB_CD] = FLD(1, 6, 1), [F_SEX] = FLD(1, 7, 1),
		[F_EXP] = FLD(1, 8, 6), [F_EXP_CD] = FLD(1, 14, 1),
		[F_OPT] = FLD(0, 15, 15), [F_OPT_CD] = NONE,
		[F_OPT2] = FLD(1, 18, 11), [F_COMPOSITE] = FLD(1, 29, 1),
	},
	4, {{0, 5, 25}, {1, 0, 7}, {1, 8, 7}, {1, 18, 11}}, true,
};

/*
 * TD2, TD3 and both visas share one plan: line 1 holds the document code,
 * the issuing state and the name; line 2 the number, nationality, dates,
 * sex and optional data. Only the name and optional-data widths differ,
 * and whether a personal-number check digit and a composite follow.
 */
#define TWO_LINE_FIELDS(namelen, optlen, optcd, comp)                          \
	{                                                                      \
		[F_DOCCODE] = FLD(0, 0, 2), [F_STATE] = FLD(0, 2, 3),          \
		[F_NAME] = FLD(0, 5, namelen), [F_SURNAME] = NONE,             \
		[F_GIVEN] = NONE, [F_DOCNUM] = FLD(1, 0, 9),                   \
		[F_DOCNUM_CD] = FLD(1, 9, 1), [F_NAT] = FLD(1, 10, 3),         \
		[F_DOB] = FLD(1, 13, 6), [F_DOB_CD] = FLD(1, 19, 1),           \
		[F_SEX] = FLD(1, 20, 1), [F_EXP] = FLD(1, 21, 6),              \
		[F_EXP_CD] = FLD(1, 27, 1), [F_OPT] = FLD(1, 28, optlen),      \
		[F_OPT_CD] = optcd, [F_OPT2] = NONE, [F_COMPOSITE] = comp,     \
	}
#define NO_SPANS {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}}

/* Part 6 §4.2.2: TD2, 2 lines of 36. */
static const struct tdv__layout td2 = {
	TDV_MRZ_TD2, 2, 36, TWO_LINE_FIELDS(31, 7, NONE, FLD(1, 35, 1)),
	3, {{1, 0, 10}, {1, 13, 7}, {1, 21, 14}, {0, 0, 0}}, true,
};

/* Part 4 §4.2.2: TD3 (passport), 2 lines of 44. */
static const struct tdv__layout td3 = {
	TDV_MRZ_TD3, 2, 44, TWO_LINE_FIELDS(39, 14, FLD(1, 42, 1), FLD(1, 43, 1)),
	3, {{1, 0, 10}, {1, 13, 7}, {1, 21, 22}, {0, 0, 0}}, false,
};

/* Part 7 §4.2.2.1: MRV-A, 2 lines of 44; no composite check digit. */
static const struct tdv__layout mrva = {
	TDV_MRZ_MRVA, 2, 44, TWO_LINE_FIELDS(39, 16, NONE, NONE), 0, NO_SPANS, false,
};

/* Part 7 §4.2.2.2: MRV-B, 2 lines of 36; no composite check digit. */
static const struct tdv__layout mrvb = {
	TDV_MRZ_MRVB, 2, 36, TWO_LINE_FIELDS(31, 8, NONE, NONE), 0, NO_SPANS, false,
};

/*
 * French national identity card (Carte nationale d'identite, 1988-2021),
 * 2 lines of 36: line 1 "ID" "FRA" surname(25) office code(6); line 2
 * card number(12) check, given names(14), birth date, check, sex, and a
 * final check digit over line 1 and line 2 positions 1-35. No nationality
 * or expiry in the MRZ (the nationality is FRA by law).
 */
static const struct tdv__layout fra = {
	TDV_MRZ_FRA_ID, 2, 36,
	{
		[F_DOCCODE] = FLD(0, 0, 2), [F_STATE] = FLD(0, 2, 3),
		[F_NAME] = NONE, [F_SURNAME] = FLD(0, 5, 25),
		[F_GIVEN] = FLD(1, 13, 14),
		[F_DOCNUM] = FLD(1, 0, 12), [F_DOCNUM_CD] = FLD(1, 12, 1),
		[F_NAT] = NONE, [F_DOB] = FLD(1, 27, 6),
		[F_DOB_CD] = FLD(1, 33, 1), [F_SEX] = FLD(1, 34, 1),
		[F_EXP] = NONE, [F_EXP_CD] = NONE,
		[F_OPT] = FLD(0, 30, 6), [F_OPT_CD] = NONE, [F_OPT2] = NONE,
		[F_COMPOSITE] = FLD(1, 35, 1),
	},
	2, {{0, 0, 36}, {1, 0, 35}, {0, 0, 0}, {0, 0, 0}}, false,
};

const struct tdv__layout *
tdv__layout_get(tdv_mrz_format f)
{
	switch (f) {
	case TDV_MRZ_TD1: return &td1;
	case TDV_MRZ_TD2: return &td2;
	case TDV_MRZ_TD3: return &td3;
	case TDV_MRZ_MRVA: return &mrva;
	case TDV_MRZ_MRVB: return &mrvb;
	case TDV_MRZ_FRA_ID: return &fra;
	case TDV_MRZ_UNKNOWN: break;
	}
	return NULL;
}

enum tdv__class
tdv__field_class(enum tdv__field_id id)
{
	switch (id) {
	case F_DOCCODE: case F_STATE: case F_NAME: case F_SURNAME:
	case F_GIVEN: case F_NAT:
		return C_ALPHA;
	case F_DOB: case F_EXP:
		return C_NUM;
	case F_DOCNUM_CD: case F_DOB_CD: case F_EXP_CD: case F_OPT_CD:
	case F_COMPOSITE:
		return C_CHECK;
	case F_SEX:
		return C_SEX;
	case F_DOCNUM: case F_OPT: case F_OPT2: case F_NFIELDS:
		break;
	}
	return C_ALNUM;
}

const char *
tdv__field_name(enum tdv__field_id id)
{
	static const char *const names[F_NFIELDS] = {
		[F_DOCCODE] = "document_code", [F_STATE] = "issuing_state",
		[F_NAME] = "name", [F_SURNAME] = "surname",
		[F_GIVEN] = "given_names", [F_DOCNUM] = "document_number",
		[F_DOCNUM_CD] = "document_number", [F_NAT] = "nationality",
		[F_DOB] = "birth_date", [F_DOB_CD] = "birth_date",
		[F_SEX] = "sex", [F_EXP] = "expiry_date",
		[F_EXP_CD] = "expiry_date", [F_OPT] = "optional_data",
		[F_OPT_CD] = "optional_data", [F_OPT2] = "optional_data_2",
		[F_COMPOSITE] = "composite",
	};
	return (unsigned)id < F_NFIELDS ? names[id] : "?";
}

int
tdv__composite_digit(const struct tdv__layout *l, char lines[][TDV_MRZ_LINE_MAX + 1])
{
	static const int w[3] = {7, 3, 1};
	int sum = 0, k = 0;
	for (int s = 0; s < l->nspans; s++) {
		const struct tdv__span *sp = &l->composite[s];
		for (int i = 0; i < sp->len; i++) {
			int v = tdv__char_value(lines[sp->line][sp->start + i]);
			if (v < 0)
				return -1;
			sum += v * w[k];
			k = k == 2 ? 0 : k + 1;
		}
	}
	return sum % 10;
}
