/* Name romanisation and matching: one behaviour per test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/screen.h"
#include "tdv_test.h"

static const char *
rom(const char *s, const char *sys)
{
	static char out[2048];
	int rc = tdv_name_romanise(s, strlen(s), sys, out, sizeof(out));
	if (rc != TDV_OK)
		snprintf(out, sizeof(out), "error %d", rc);
	return out;
}

static double
score(const char *a, const char *b, bool *match)
{
	tdv_name_result r;
	int rc = tdv_names_compare(a, strlen(a), b, strlen(b), 0, &r);
	CHECK_INT(rc, TDV_OK);
	if (match)
		*match = r.match;
	return r.score;
}

static void
test_names_romanise_cyrillic_three_systems(void)
{
	CHECK_STR(rom("Юлия Щукина", "icao"), "IULIIA SHCHUKINA");
	CHECK_STR(rom("Юлия Щукина", "bgn"), "YULIYA SHCHUKINA");
	CHECK_STR(rom("Юлия Щукина", "iso9"), "ULIA SUKINA");
	/* BGN/PCGN: E is YE word-initially and after a vowel. */
	CHECK_STR(rom("Елена Алексеевна", "bgn"), "YELENA ALEKSEYEVNA");
	CHECK_STR(rom("x", "wade-giles"), "error -1");
}

static void
test_names_romanise_other_scripts(void)
{
	CHECK_STR(rom("محمد عبد الله", NULL), "MHMD ABD AL LH");
	CHECK_STR(rom("สมชาย", NULL), "SOMCHAI");
	CHECK_STR(rom("สมศักดิ์", NULL), "SOMSAK");
	CHECK_STR(rom("ประยุทธ์", NULL), "PRAYUT");
	CHECK_STR(rom("ธนากร", NULL), "THANAKON");
	CHECK_STR(rom("ພົມມະວົງ", NULL), "PHOMMAVONG");
	CHECK_STR(rom("राकेश शर्मा", NULL), "RAKESH SHARMA");
	CHECK_STR(rom("李小龙", NULL), "LI XIAOLONG");
	CHECK_STR(rom("欧阳娜", NULL), "OUYANG NA");
	CHECK_STR(rom("Müller-Lüdenscheidt", NULL), "MUELLER LUEDENSCHEIDT");
	CHECK_STR(rom("Παπαδόπουλος", NULL), "PAPADOPOULOS");
	CHECK_STR(rom("ERIKSSON<<ANNA<MARIA", NULL), "ERIKSSON ANNA MARIA");
}

static void
test_names_unknown_characters_are_refused_not_guessed(void)
{
	/* Hangul is not supported; a Han character outside the table. */
	CHECK_STR(rom("김민준", NULL), "error -6");
	CHECK_STR(rom("王龘", NULL), "error -6");
	tdv_name *n = NULL;
	CHECK_INT(tdv_name_new("\xe2\x82\xac", 3, &n), TDV_EUNSUPPORTED);
	CHECK_INT(tdv_name_new("--- ...", 7, &n), TDV_EINVAL);
	CHECK(n == NULL);
}

static void
test_names_bad_input_gets_clear_errors(void)
{
	char *big = malloc(10001);
	memset(big, 'A', 10000);
	big[10000] = '\0';
	tdv_name *n = NULL;
	CHECK_INT(tdv_name_new(big, 10000, &n), TDV_ELIMIT);
	/* 17 tokens, and a 48-letter token. */
	CHECK_INT(tdv_name_new("A B C D E F G H I J K L M N O P Q", 33, &n), TDV_ELIMIT);
	memset(big, 'B', 48);
	CHECK_INT(tdv_name_new(big, 48, &n), TDV_ELIMIT);
	CHECK_INT(tdv_name_new("ANNA\xff", 5, &n), TDV_EUTF8);
	CHECK_INT(tdv_name_new("AN\xc3", 3, &n), TDV_EUTF8);
	CHECK_INT(tdv_name_new("", 0, &n), TDV_EINVAL);
	CHECK(n == NULL);
	free(big);
}

static void
test_names_order_initials_and_missing_parts(void)
{
	bool m;
	CHECK(score("ANNA MARIA ERIKSSON", "ERIKSSON<<ANNA<MARIA", &m) > 0.99 && m);
	score("ANNA MARIA ERIKSSON", "ERIKSSON ANNA", &m);
	CHECK(m);
	score("ANNA MARIA ERIKSSON", "A M ERIKSSON", &m);
	CHECK(m);
	score("ANNA ERIKSSON", "KARIN ERIKSSON", &m);
	CHECK(!m);
	score("ANNA ERIKSSON", "ANNA LINDQVIST", &m);
	CHECK(!m);
	/* A surname alone does not match a full name. */
	score("ERIKSSON", "ANNA MARIA ERIKSSON", &m);
	CHECK(!m);
}

static void
test_names_transliteration_variants_match(void)
{
	bool m;
	score("Юлия Иванова", "YULIYA IVANOVA", &m);
	CHECK(m);
	score("Ûliâ Ivanova", "IVANOVA<<IULIIA", &m);
	CHECK(m);
	score("محمد عبد الله", "MOHAMMED ABDULLAH", &m);
	CHECK(m);
	score("ABDUL RAHMAN AL RASHID", "ABDULRAHMAN ALRASHID", &m);
	CHECK(m);
	score("Müller Jürgen", "MUELLER<<JUERGEN", &m);
	CHECK(m);
	/* OCR digits read for letters in an MRZ name. */
	score("ERIK55ON<<ANNA", "Anna Eriksson", &m);
	CHECK(m);
}

static void
test_names_truncated_mrz_name_matches_full_name(void)
{
	bool m;
	/* 30 characters, field full: the last given name was cut. */
	score("KONSTANTINOPOLSKAIA<<ALEKSANDR", "Aleksandra Konstantinopolskaia", &m);
	CHECK(m);
	tdv_name_result r;
	CHECK_INT(tdv_names_compare("KONSTANTINOPOLSKAIIA<<ALEKSAND", 30,
	    "Aleksandra Konstantinopolskaiia", 31, 0, &r), TDV_OK);
	bool prefix = false;
	for (int i = 0; i < r.nparts; i++)
		prefix |= strcmp(r.parts[i].how, "prefix") == 0;
	CHECK(prefix);
	/* The same prefix without a full field is not a truncation. */
	CHECK_INT(tdv_names_compare("POPOVA<<ALEKSAND", 16, "Aleksandra Popova", 17, 0, &r), TDV_OK);
	prefix = false;
	for (int i = 0; i < r.nparts; i++)
		prefix |= strcmp(r.parts[i].how, "prefix") == 0;
	CHECK(!prefix);
}

static void
test_names_explanation_and_json(void)
{
	tdv_name_result r;
	CHECK_INT(tdv_names_compare("ANNA MARIA ERIKSSON", 19, "ERIKSSON<<ANNA", 14, 0, &r), TDV_OK);
	tdv_buf b;
	tdv_buf_init(&b, 4096);
	CHECK_INT(tdv_name_explain(&r, &b), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "ERIKSSON ~ ERIKSSON (exact 1.00)") != NULL);
	CHECK(strstr(tdv_buf_cstr(&b), "MARIA unmatched in first name") != NULL);
	tdv_buf_reset(&b);
	tdv_json j;
	tdv_json_init(&j, &b);
	tdv_name_result_to_json(&r, &j);
	CHECK_INT(tdv_json_error(&j), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "\"score\":") != NULL);
	CHECK(strstr(tdv_buf_cstr(&b), "\"match\":true") != NULL);
	CHECK(strstr(tdv_buf_cstr(&b), "\"explanation\":\"") != NULL);
	tdv_buf_free(&b);
}

static void
test_names_jaro_winkler_reference_values(void)
{
	/* Winkler (1990) examples: MARTHA/MARHTA 0.961, DIXON/DICKSONX 0.813. */
	double v = tdv_jaro_winkler("MARTHA", 6, "MARHTA", 6);
	CHECK(v > 0.960 && v < 0.962);
	v = tdv_jaro_winkler("DIXON", 5, "DICKSONX", 8);
	CHECK(v > 0.812 && v < 0.814);
	CHECK(tdv_jaro_winkler("ABC", 3, "XYZ", 3) == 0.0);
}

int
main(void)
{
	RUN(test_names_romanise_cyrillic_three_systems);
	RUN(test_names_romanise_other_scripts);
	RUN(test_names_unknown_characters_are_refused_not_guessed);
	RUN(test_names_bad_input_gets_clear_errors);
	RUN(test_names_order_initials_and_missing_parts);
	RUN(test_names_transliteration_variants_match);
	RUN(test_names_truncated_mrz_name_matches_full_name);
	RUN(test_names_explanation_and_json);
	RUN(test_names_jaro_winkler_reference_values);
	TEST_EXIT();
}
