/* Core helpers: bounded buffer, JSON writer, UTF-8, dates, error table. */
#include <string.h>

#include "tdv/buf.h"
#include "tdv/date.h"
#include "tdv/error.h"
#include "tdv/json.h"
#include "tdv/utf8.h"
#include "tdv_test.h"

static void
test_core_buf_is_bounded(void)
{
	tdv_buf b;
	tdv_buf_init(&b, 10);
	CHECK_INT(tdv_buf_puts(&b, "0123456789"), TDV_OK);
	CHECK_INT(tdv_buf_putc(&b, 'x'), TDV_ELIMIT);
	CHECK_INT((long long)b.len, 10);
	CHECK_STR(tdv_buf_cstr(&b), "0123456789");
	tdv_buf_reset(&b);
	CHECK_INT(tdv_buf_printf(&b, "%d-%s", 42, "ab"), TDV_OK);
	CHECK_STR(tdv_buf_cstr(&b), "42-ab");
	CHECK_INT(tdv_buf_printf(&b, "%s", "this is far too long"), TDV_ELIMIT);
	CHECK_STR(tdv_buf_cstr(&b), "42-ab");
	tdv_buf_free(&b);
	CHECK(b.data == NULL);
	CHECK_STR(tdv_buf_cstr(&b), "");
	tdv_buf_init(&b, 1 << 20);
	for (int i = 0; i < 1000; i++)
		CHECK_INT(tdv_buf_printf(&b, "%0300d", i), TDV_OK);
	CHECK_INT((long long)b.len, 300000);
	tdv_buf_free(&b);
}

static void
test_core_json_escapes_and_nests(void)
{
	tdv_buf b;
	tdv_json j;
	tdv_buf_init(&b, 4096);
	tdv_json_init(&j, &b);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "s");
	tdv_json_string(&j, "a\"b\\c\n\x01\xc3\xa9\xff");
	tdv_json_key(&j, "a");
	tdv_json_array_begin(&j);
	tdv_json_int(&j, -5);
	tdv_json_bool(&j, true);
	tdv_json_null(&j);
	tdv_json_object_begin(&j);
	tdv_json_object_end(&j);
	tdv_json_array_end(&j);
	tdv_json_key(&j, "e");
	tdv_json_string_or_null(&j, "");
	tdv_json_object_end(&j);
	CHECK_INT(tdv_json_error(&j), TDV_OK);
	CHECK_STR(tdv_buf_cstr(&b),
	    "{\"s\":\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\xef\xbf\xbd\",\"a\":[-5,true,null,{}],\"e\":null}");
	tdv_buf_free(&b);
}

static void
test_core_utf8_rejects_overlong_and_surrogates(void)
{
	uint32_t cp;
	CHECK_INT(tdv_utf8_decode("\xc3\xa9", 2, &cp), 2);
	CHECK_INT(cp, 0xe9);
	CHECK_INT(tdv_utf8_decode("\xc0\xaf", 2, &cp), TDV_EUTF8);
	CHECK_INT(tdv_utf8_decode("\xed\xa0\x80", 3, &cp), TDV_EUTF8);
	CHECK_INT(tdv_utf8_decode("\xf4\x90\x80\x80", 4, &cp), TDV_EUTF8);
	CHECK_INT(tdv_utf8_decode("\xe2\x82", 2, &cp), TDV_EUTF8);
	CHECK(tdv_utf8_valid("Ériksson Анна", strlen("Ériksson Анна")));
	CHECK(!tdv_utf8_valid("\x80", 1));
	char out[4];
	CHECK_INT(tdv_utf8_encode(0x1f600, out), 4);
	CHECK_INT(tdv_utf8_encode(0xd800, out), TDV_EUTF8);
}

static void
test_core_dates(void)
{
	tdv_date d;
	CHECK(tdv_date_valid(2024, 2, 29));
	CHECK(!tdv_date_valid(2023, 2, 29));
	CHECK(!tdv_date_valid(1900, 2, 29));
	CHECK(tdv_date_valid(2000, 2, 29));
	CHECK(!tdv_date_valid(2020, 13, 1));
	CHECK_INT(tdv_date_parse_iso("1974-08-12", &d), TDV_OK);
	CHECK_INT(d.year * 10000 + d.month * 100 + d.day, 19740812);
	CHECK_INT(tdv_date_parse_iso("1974-8-12", &d), TDV_EDATE);
	CHECK_INT(tdv_date_parse_iso("2023-02-29", &d), TDV_EDATE);
	char iso[11];
	tdv_date_format_iso(&(tdv_date){2012, 4, 15}, iso);
	CHECK_STR(iso, "2012-04-15");
	CHECK_INT(tdv_date_to_days(&(tdv_date){1970, 1, 1}), 0);
	CHECK_INT(tdv_date_to_days(&(tdv_date){2000, 3, 1}), 11017);
	CHECK_INT(tdv_date_age(&(tdv_date){1974, 8, 12}, &(tdv_date){2026, 8, 11}), 51);
	CHECK_INT(tdv_date_age(&(tdv_date){1974, 8, 12}, &(tdv_date){2026, 8, 12}), 52);
}

static void
test_core_error_table(void)
{
	CHECK_STR(tdv_strerror(TDV_OK), "success");
	CHECK_STR(tdv_strerror_name(TDV_EMRZ_CHECKDIGIT), "TDV_EMRZ_CHECKDIGIT");
	CHECK_STR(tdv_strerror(-123456), "unknown error");
	CHECK(strlen(tdv_strerror(TDV_ELIMIT)) > 5);
}

int
main(void)
{
	RUN(test_core_buf_is_bounded);
	RUN(test_core_json_escapes_and_nests);
	RUN(test_core_utf8_rejects_overlong_and_surrogates);
	RUN(test_core_dates);
	RUN(test_core_error_table);
	TEST_EXIT();
}
