/* Transliteration (ICAO 9303-3 §6) and generation rules (9303-3 §4.6). */
#include <string.h>

#include "tdv/error.h"
#include "tdv/mrz.h"
#include "tdv_test.h"

static const char *
tr(const char *s)
{
	static char out[128];
	int rc = tdv_mrz_transliterate(s, strlen(s), out, sizeof(out));
	return rc == TDV_OK ? out : tdv_strerror_name(rc);
}

static void
test_mrz_translit_latin_table_a(void)
{
	/* Doc 9303-3 Table A recommended values */
	CHECK_STR(tr("Müller"), "MUELLER");
	CHECK_STR(tr("Ødegård"), "OEDEGAARD");
	CHECK_STR(tr("Straße"), "STRASSE");
	CHECK_STR(tr("Þór"), "THOR");
	CHECK_STR(tr("Núñez García"), "NUNEZ<GARCIA");
	CHECK_STR(tr("Dvořák"), "DVORAK");
	CHECK_STR(tr("Łukasiewicz"), "LUKASIEWICZ");
	CHECK_STR(tr("Cœur"), "COEUR");
	/* decomposed (NFD) input gives the same as composed for plain marks */
	CHECK_STR(tr("Jose\xcc\x81"), "JOSE");
}

static void
test_mrz_translit_punctuation(void)
{
	CHECK_STR(tr("O'Brien"), "OBRIEN");
	CHECK_STR(tr("Jean-Pierre"), "JEAN<PIERRE");
	CHECK_STR(tr("  van  der   Berg "), "VAN<DER<BERG");
	CHECK_STR(tr("St. John"), "ST<JOHN");
	CHECK_STR(tr(""), "");
}

static void
test_mrz_translit_cyrillic_table_b(void)
{
	CHECK_STR(tr("Иванова"), "IVANOVA");
	CHECK_STR(tr("Шевченко"), "SHEVCHENKO");
	CHECK_STR(tr("Щукин"), "SHCHUKIN");
	CHECK_STR(tr("Юлия"), "IULIIA");
	CHECK_STR(tr("Хрущёв"), "KHRUSHCHEV");
	CHECK_STR(tr("Цой"), "TSOI");
	CHECK_STR(tr("Ольга"), "OLGA");
	CHECK_STR(tr("Ђорђе"), "DORDE");
}

static void
test_mrz_translit_greek(void)
{
	CHECK_STR(tr("Παπαδόπουλος"), "PAPADOPOULOS");
	CHECK_STR(tr("Ευάγγελος"), "EVAGGELOS");
	CHECK_STR(tr("Αυτός"), "AFTOS");
	CHECK_STR(tr("Χρήστος"), "CHRISTOS");
	CHECK_STR(tr("Ψαρράς"), "PSARRAS");
}

static void
test_mrz_translit_arabic_table_c(void)
{
	CHECK_STR(tr("محمد"), "MXHMD");
	CHECK_STR(tr("عبد الله"), "EBD<ALLH");
	CHECK_STR(tr("شريف"), "XSHRYF");
}

static void
test_mrz_translit_rejects(void)
{
	char out[8];
	CHECK_INT(tdv_mrz_transliterate("\xff\xfe", 2, out, sizeof(out)), TDV_EUTF8);
	CHECK_INT(tdv_mrz_transliterate("\xe0\xba\x81", 3, out, sizeof(out)),
	    TDV_EMRZ_FIELD); /* Lao has no 9303 table: the caller must romanise */
	CHECK_INT(tdv_mrz_transliterate("ABCDEFGHIJ", 10, out, sizeof(out)), TDV_ELIMIT);
	CHECK_INT(tdv_mrz_transliterate("A1", 2, out, sizeof(out)), TDV_EMRZ_FIELD);
}

static void
gen_td3(const char *surname, const char *given, tdv_mrz *m)
{
	tdv_mrz_input in = {0};
	in.format = TDV_MRZ_TD3;
	in.issuing_state = "UTO";
	in.nationality = "UTO";
	in.surname = surname;
	in.given_names = given;
	in.document_number = "L898902C3";
	in.birth_date = (tdv_date){1974, 8, 12};
	in.expiry_date = (tdv_date){2032, 4, 15};
	in.sex = 'F';
	in.optional_data = "ZE184226B";
	tdv_date today = {2026, 11, 23};
	CHECK_INT(tdv_mrz_generate(&in, &today, m), TDV_OK);
}

static void
test_mrz_generate_specimen_exact(void)
{
	tdv_mrz m;
	tdv_mrz_input in = {0};
	in.format = TDV_MRZ_TD3;
	in.issuing_state = "UTO";
	in.nationality = "UTO";
	in.surname = "Eriksson";
	in.given_names = "Anna Maria";
	in.document_number = "L898902C3";
	in.birth_date = (tdv_date){1974, 8, 12};
	in.expiry_date = (tdv_date){2012, 4, 15};
	in.sex = 'F';
	in.optional_data = "ZE184226B";
	tdv_date today = {2026, 11, 23};
	CHECK_INT(tdv_mrz_generate(&in, &today, &m), TDV_OK);
	CHECK_STR(m.lines[0], "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<");
	CHECK_STR(m.lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
	/* TD1 with a long number: the Part 5 overflow example */
	in.format = TDV_MRZ_TD1;
	in.document_code = "I";
	in.document_number = "D23145890734";
	in.surname = "STEVENSON";
	in.given_names = "PETER JOHN";
	in.birth_date = (tdv_date){1934, 7, 12};
	in.expiry_date = (tdv_date){1995, 7, 12};
	in.sex = 'M';
	in.optional_data = NULL;
	tdv_date then = {1990, 1, 1};
	CHECK_INT(tdv_mrz_generate(&in, &then, &m), TDV_OK);
	CHECK_STR(m.lines[0], "I<UTOD23145890<7349<<<<<<<<<<<");
	CHECK_STR(m.lines[1], "3407127M9507122UTO<<<<<<<<<<<2");
	CHECK_STR(m.lines[2], "STEVENSON<<PETER<JOHN<<<<<<<<<");
	/* validate after an edit */
	CHECK_INT(tdv_mrz_validate(&m, &then), TDV_OK);
	m.lines[1][0] = '4';
	CHECK_INT(tdv_mrz_validate(&m, &then), TDV_EMRZ_CHECKDIGIT);
	CHECK(!m.valid);
	m.lines[1][0] = '3';
	CHECK_INT(tdv_mrz_validate(&m, &then), TDV_OK);
	CHECK_STR(m.document_number, "D23145890734");
}

static void
test_mrz_generate_truncates_names(void)
{
	tdv_mrz m;
	/* secondary identifier shortened first; last position a letter */
	gen_td3("Vandersteenhoven", "Marie Elisabeth Georgette Alexandra", &m);
	CHECK_STR(m.lines[0], "P<UTOVANDERSTEENHOVEN<<MARIE<ELISABETH<GEORG");
	CHECK(m.name_truncated);
	/* a cut falling on a space takes the next name's initial */
	gen_td3("Vandersteenhoven", "Marie Elisabeth Geor Alexandra", &m);
	CHECK_STR(m.lines[0], "P<UTOVANDERSTEENHOVEN<<MARIE<ELISABETH<GEORA");
	/* primary identifier longer than the field */
	gen_td3("Abcdefghijklmnopqrstuvwxyzabcdefghijklmnop", "Anna", &m);
	CHECK_STR(m.lines[0], "P<UTOABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ<<A");
	CHECK_STR(m.surname, "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ");
	CHECK(m.valid);
}

static void
test_mrz_generate_rejects(void)
{
	tdv_mrz m;
	tdv_mrz_input in = {0};
	tdv_date today = {2026, 11, 23};
	in.format = TDV_MRZ_TD3;
	in.issuing_state = "UTO";
	in.nationality = "UTO";
	in.surname = "ERIKSSON";
	in.document_number = "L898902C3X"; /* 10 characters: no overflow in TD3 */
	CHECK_INT(tdv_mrz_generate(&in, &today, &m), TDV_EMRZ_TOOLONG);
	in.document_number = "L8989-02";
	in.sex = 'Q';
	CHECK_INT(tdv_mrz_generate(&in, &today, &m), TDV_EMRZ_SEX);
	in.sex = 'F';
	in.issuing_state = "U1O";
	CHECK_INT(tdv_mrz_generate(&in, &today, &m), TDV_EMRZ_FIELD);
	in.issuing_state = "UTO";
	in.surname = "";
	CHECK_INT(tdv_mrz_generate(&in, &today, &m), TDV_EMRZ_FIELD);
	in.format = TDV_MRZ_UNKNOWN;
	CHECK_INT(tdv_mrz_generate(&in, &today, &m), TDV_EMRZ_FORMAT);
}

static void
test_mrz_check_digit_and_codes(void)
{
	CHECK_INT(tdv_mrz_check_digit("L898902C3", 9), 6);
	CHECK_INT(tdv_mrz_check_digit("740812", 6), 2);
	CHECK_INT(tdv_mrz_check_digit("<<<<<<", 6), 0);
	CHECK_INT(tdv_mrz_check_digit("ab", 2), TDV_EMRZ_CHARSET);
	CHECK(tdv_mrz_country_known("UTO"));
	CHECK(tdv_mrz_country_known("D"));
	CHECK(tdv_mrz_country_known("LAO"));
	CHECK(tdv_mrz_country_known("BTN"));
	CHECK(tdv_mrz_country_known("XXA"));
	CHECK(tdv_mrz_country_known("XPO"));
	CHECK(tdv_mrz_country_known("EUE"));
	CHECK(tdv_mrz_country_known("UNK"));
	CHECK(tdv_mrz_country_known("XOM"));
	CHECK(!tdv_mrz_country_known("ZZZ"));
	CHECK(!tdv_mrz_country_known(""));
	CHECK(!tdv_mrz_country_known("UTOP"));
	CHECK_STR(tdv_mrz_format_name(TDV_MRZ_FRA_ID), "FRA_ID");
}

int
main(void)
{
	RUN(test_mrz_translit_latin_table_a);
	RUN(test_mrz_translit_punctuation);
	RUN(test_mrz_translit_cyrillic_table_b);
	RUN(test_mrz_translit_greek);
	RUN(test_mrz_translit_arabic_table_c);
	RUN(test_mrz_translit_rejects);
	RUN(test_mrz_generate_specimen_exact);
	RUN(test_mrz_generate_truncates_names);
	RUN(test_mrz_generate_rejects);
	RUN(test_mrz_check_digit_and_codes);
	TEST_EXIT();
}
