/* Watchlist: load with per-line errors, multi-script matching, evidence
 * from date of birth, nationality, sex and document numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tdv/error.h"
#include "tdv/screen.h"
#include "tdv_test.h"

static tdv_watchlist *wl;

struct errs {
	unsigned long lines[16];
	int n;
};

static void
collect(void *ctx, unsigned long line, int code, const char *msg)
{
	struct errs *e = ctx;
	(void)code;
	(void)msg;
	if (e->n < 16)
		e->lines[e->n++] = line;
}

static void
test_screen_watchlist_load_reports_bad_rows(void)
{
	FILE *f = fopen(TDV_TEST_DATA "/screen/watchlist.csv", "r");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	struct errs e = {{0}, 0};
	tdv_watch_stats st;
	CHECK_INT(tdv_watchlist_load_csv(f, 0, collect, &e, &wl, &st), TDV_OK);
	fclose(f);
	CHECK_INT(st.accepted, 8);
	CHECK_INT(st.rejected, 3);
	CHECK_INT(e.n, 3);
	CHECK_INT(e.lines[0], 10);
	CHECK_INT(e.lines[1], 11);
	CHECK_INT(e.lines[2], 12);
	CHECK_INT(st.names, 10);
	CHECK(wl != NULL && tdv_watchlist_size(wl) == 8);
}

static size_t
match(const char *name, const char *dob, const char *nat, char sex,
    const char *doc, tdv_watch_hit *hits)
{
	tdv_traveller t;
	memset(&t, 0, sizeof(t));
	t.name = name;
	if (dob != NULL)
		tdv_date_parse_iso(dob, &t.birth);
	t.nationality = nat;
	t.sex = sex;
	t.document_number = doc;
	size_t n = 0;
	CHECK_INT(tdv_watchlist_match(wl, &t, hits, 4, &n), TDV_OK);
	return n;
}

static void
test_screen_watchlist_matches_mrz_names_against_any_script(void)
{
	if (wl == NULL)
		return;
	tdv_watch_hit *h = calloc(4, sizeof(*h));
	CHECK(match("ERIKSSON<<ANNA<MARIA", "1974-08-12", "UTO", 'F', NULL, h) >= 1);
	CHECK_STR(h[0].id, "W001");
	CHECK(strstr(h[0].evidence, "birth date equal") != NULL);
	CHECK(match("IVANOVA<<IULIIA<SERGEEVNA", NULL, "RUS", 'F', NULL, h) == 1);
	CHECK_STR(h[0].id, "W002");
	CHECK(match("AL<RASHID<<MOHAMED<ABDALLAH", NULL, NULL, 0, NULL, h) >= 1);
	CHECK_STR(h[0].id, "W003");
	CHECK(match("JAIDEE<<SOMSAK", NULL, "THA", 'M', NULL, h) == 1);
	CHECK_STR(h[0].id, "W004");
	CHECK(match("SHARMA<<RAKESH", NULL, NULL, 0, NULL, h) == 1);
	CHECK_STR(h[0].id, "W005");
	CHECK(match("LI<<XIAOLONG", NULL, NULL, 0, NULL, h) == 1);
	CHECK_STR(h[0].id, "W006");
	CHECK(match("PHOMMAVONG<<BOUA", NULL, NULL, 0, NULL, h) == 1);
	CHECK_STR(h[0].id, "W007");
	/* An alias matches too. */
	CHECK(match("ERIKSDOTTER<<ANNA", NULL, NULL, 0, NULL, h) >= 1);
	CHECK_STR(h[0].id, "W001");
	free(h);
}

static void
test_screen_watchlist_clear_travellers_and_evidence(void)
{
	if (wl == NULL)
		return;
	tdv_watch_hit *h = calloc(4, sizeof(*h));
	/* Same surname, other given name: not W001 (nor W011 for ANNA). */
	CHECK_INT(match("ERIKSSON<<BIRGITTA", NULL, NULL, 0, NULL, h), 0);
	CHECK_INT(match("SMITH<<JOHN", NULL, NULL, 0, NULL, h), 0);
	/* Evidence against: the name alone matches, a different birth year,
	 * nationality and sex take it below the threshold. */
	size_t n = match("ERIKSSON<<ANNA", "1990-01-01", "D", 'M', NULL, h);
	CHECK_INT(n, 0);
	n = match("ERIKSSON<<ANNA", NULL, NULL, 0, NULL, h);
	CHECK(n >= 1);
	/* A listed document number is a hit whatever the name. */
	n = match("SMITH<<JOHN", NULL, NULL, 0, "L898902C3", h);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(h[0].id, "W001");
		CHECK(h[0].score == 1.0);
		CHECK_STR(h[0].evidence, "document number listed");
	}
	free(h);
}

static void
test_screen_watchlist_bad_input(void)
{
	tdv_watchlist *w = NULL;
	FILE *f = fmemopen((void *)(uintptr_t)"", 0, "r");
	CHECK_INT(tdv_watchlist_load_csv(f, 0, NULL, NULL, &w, NULL), TDV_ESCREEN_CSV);
	fclose(f);
	CHECK(w == NULL);
	const char *only_bad = "id,names,birth_date,nationality,sex,documents,reason,action\n"
	    "X1,\xff\xfe,1980,UTO,M,,r,a\n";
	f = fmemopen((void *)(uintptr_t)only_bad, strlen(only_bad), "r");
	tdv_watch_stats st;
	CHECK_INT(tdv_watchlist_load_csv(f, 0, NULL, NULL, &w, &st), TDV_ESCREEN_CSV);
	fclose(f);
	CHECK_INT(st.rejected, 1);
	if (wl == NULL)
		return;
	tdv_watch_hit h[2];
	size_t n;
	tdv_traveller t;
	memset(&t, 0, sizeof(t));
	char *big = malloc(10001);
	memset(big, 'A', 10000);
	big[10000] = '\0';
	t.name = big;
	CHECK_INT(tdv_watchlist_match(wl, &t, h, 2, &n), TDV_ELIMIT);
	free(big);
	t.name = "ANNA\xff";
	CHECK_INT(tdv_watchlist_match(wl, &t, h, 2, &n), TDV_EUTF8);
}

/* The compiled file: same answers as the CSV list, versions, age, and a
 * truncated or damaged file refused as a whole. */
static void
test_screen_watchlist_compiled_file(void)
{
	if (wl == NULL)
		return;
	char dir[] = "/tmp/tdv-wl-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[64], cp[80];
	snprintf(path, sizeof(path), "%s/list.wl", dir);
	snprintf(cp, sizeof(cp), "%s/copy.wl", dir);
	uint64_t ver = 0;
	CHECK_INT(tdv_watchlist_save(wl, path, &ver), TDV_OK);
	CHECK_INT(ver, 1);
	CHECK_INT(tdv_watchlist_save(wl, path, &ver), TDV_OK);
	CHECK_INT(ver, 2);
	tdv_watchlist *c = NULL;
	CHECK_INT(tdv_watchlist_open(path, &c), TDV_OK);
	if (c == NULL)
		return;
	tdv_watchlist_info info;
	tdv_watchlist_info_get(c, &info);
	CHECK_INT(info.version, 2);
	CHECK_INT(info.entries, 8);
	CHECK_INT(info.names, 10);
	CHECK(info.file_bytes > 0);
	long age = -1;
	int64_t now = (int64_t)time(NULL);
	CHECK_INT(tdv_watchlist_check_fresh(c, now, 2, &age), TDV_OK);
	CHECK_INT(age, 0);
	CHECK_INT(tdv_watchlist_check_fresh(c, now + 3 * 86400 + 10, 2, &age), TDV_ESCREEN_STALE);
	CHECK_INT(age, 3);
	/* Same hits, same scores as the list loaded from CSV. */
	static const char *const names[] = {"ERIKSSON<<ANNA<MARIA", "IVANOVA<<IULIIA<SERGEEVNA",
	    "ERIKSSON<<BIRGITTA", "MOHAMMED AHMED", "SOMCHAI"};
	tdv_watch_hit *h1 = calloc(4, sizeof(*h1)), *h2 = calloc(4, sizeof(*h2));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		tdv_traveller t;
		memset(&t, 0, sizeof(t));
		t.name = names[i];
		size_t n1 = 0, n2 = 0;
		CHECK_INT(tdv_watchlist_match(wl, &t, h1, 4, &n1), TDV_OK);
		CHECK_INT(tdv_watchlist_match(c, &t, h2, 4, &n2), TDV_OK);
		CHECK_INT(n1, n2);
		for (size_t k = 0; k < n1 && k < n2; k++) {
			CHECK_STR(h1[k].id, h2[k].id);
			CHECK(h1[k].score == h2[k].score);
			CHECK_STR(h1[k].matched_name, h2[k].matched_name);
		}
	}
	free(h1);
	free(h2);
	tdv_watchlist_free(&c);
	/* Truncated by one byte, by half, to the header: refused. */
	FILE *in = fopen(path, "rb");
	CHECK(in != NULL);
	if (in == NULL)
		return;
	fseek(in, 0, SEEK_END);
	long size = ftell(in);
	rewind(in);
	char *data = malloc((size_t)size);
	CHECK(fread(data, 1, (size_t)size, in) == (size_t)size);
	fclose(in);
	const long cuts[] = {size - 1, size / 2, 100, 3};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		FILE *out = fopen(cp, "wb");
		fwrite(data, 1, (size_t)cuts[i], out);
		fclose(out);
		CHECK_INT(tdv_watchlist_open(cp, &c), TDV_ESCREEN_INDEX);
		CHECK(c == NULL);
	}
	/* One flipped byte anywhere: the digest refuses it. */
	for (long at = 150; at < size; at += size / 7) {
		data[at] ^= 0x20;
		FILE *out = fopen(cp, "wb");
		fwrite(data, 1, (size_t)size, out);
		fclose(out);
		data[at] ^= 0x20;
		CHECK_INT(tdv_watchlist_open(cp, &c), TDV_ESCREEN_INDEX);
	}
	/* Saving over a damaged file replaces it (version starts again). */
	CHECK_INT(tdv_watchlist_save(wl, cp, &ver), TDV_OK);
	CHECK_INT(ver, 1);
	CHECK_INT(tdv_watchlist_open(cp, &c), TDV_OK);
	tdv_watchlist_free(&c);
	/* A failed save (directory gone) leaves nothing behind and the
	 * previous file at path is untouched. */
	char bad[96];
	snprintf(bad, sizeof(bad), "%s/no/such/dir.wl", dir);
	CHECK(tdv_watchlist_save(wl, bad, &ver) != TDV_OK);
	CHECK_INT(tdv_watchlist_open(path, &c), TDV_OK);
	tdv_watchlist_free(&c);
	CHECK_INT(tdv_watchlist_open("/nonexistent/list.wl", &c), TDV_ENOENT);
	free(data);
	unlink(path);
	unlink(cp);
	rmdir(dir);
}

/* Thousands of persons with one common name: the one with the
 * traveller's birth date comes first, the others' evidence is applied
 * per person, and the answer stays bounded. */
static void
test_screen_watchlist_common_name(void)
{
	size_t cap = 400000, len = 0;
	char *csv = malloc(cap);
	len += (size_t)snprintf(csv + len, cap - len, "id,names,birth_date,nationality,sex,documents,reason,action\n");
	for (int i = 0; i < 3000; i++)
		len += (size_t)snprintf(csv + len, cap - len, "C%d,WANG WEI|王伟,%d-%02d-%02d,CHN,%c,,r,a\n",
		    i, 1940 + i % 60, i / 60 % 12 + 1, i / 720 + 1, i % 2 ? 'M' : 'F');
	for (int i = 0; i < 500; i++)
		len += (size_t)snprintf(csv + len, cap - len, "D%d,ZHANG WEI,%d,CHN,M,,r,a\n", i, 1950 + i % 40);
	FILE *f = fmemopen(csv, len, "r");
	tdv_watchlist *c = NULL;
	CHECK_INT(tdv_watchlist_load_csv(f, 0, NULL, NULL, &c, NULL), TDV_OK);
	fclose(f);
	if (c == NULL) {
		free(csv);
		return;
	}
	tdv_watchlist_info info;
	tdv_watchlist_info_get(c, &info);
	CHECK_INT(info.entries, 3500);
	CHECK(info.forms <= 4); /* WANG WEI (Latin and Han alike), ZHANG WEI */
	tdv_watch_hit *h = calloc(5, sizeof(*h));
	tdv_traveller t;
	memset(&t, 0, sizeof(t));
	t.name = "WANG<<WEI";
	t.birth = (tdv_date){1940 + 1234 % 60, 1234 / 60 % 12 + 1, 1234 / 720 + 1};
	t.sex = 'F';
	t.nationality = "CHN";
	size_t n = 0;
	CHECK_INT(tdv_watchlist_match(c, &t, h, 5, &n), TDV_OK);
	CHECK_INT(n, 5);
	CHECK(n > 0 && strcmp(h[0].id, "C1234") == 0);
	/* The others: same name, birth year one off or same year (score
	 * clamped at 1), ranked below the full birth date match. */
	CHECK(n > 1 && strcmp(h[1].id, "C1234") != 0);
	CHECK(n > 0 && strstr(h[0].evidence, "birth date equal") != NULL);
	CHECK(n > 0 && strstr(h[0].evidence, "nationality equal") != NULL);
	for (size_t i = 1; i < n; i++)
		CHECK(h[i].score <= h[i - 1].score);
	free(h);
	tdv_watchlist_free(&c);
	free(csv);
}

/*
 * Compound names written as one word on one side and apart on the other
 * (ALTAMIMI / AL TAMIMI, ABDULRAHMAN / ABDUL RAHMAN) and given names as
 * initials (S G VOLKOVA) are found, among many persons sharing a common
 * part, with the score tdv_name_compare gives the pair.
 */
static void
test_screen_watchlist_compounds_and_initials(void)
{
	size_t cap = 200000, len = 0;
	char *csv = malloc(cap);
	len += (size_t)snprintf(csv + len, cap - len,
	    "id,names,birth_date,nationality,sex,documents,reason,action\n"
	    "T1,AL TAMIMI AHMED SALEH,1970,UTO,M,,r,a\n"
	    "T2,ABDUL RAHMAN MOHAMMED,1965,UTO,M,,r,a\n"
	    "T3,ALHASHIMI OMAR,1971,UTO,M,,r,a\n"
	    "T4,ABDULKARIM YUSUF,1972,UTO,M,,r,a\n"
	    "T5,VOLKOVA SVETLANA GENNADYEVNA,1975,UTO,F,,r,a\n");
	/* many others sharing AHMED, MOHAMMED, OMAR, YUSUF, VOLKOVA */
	static const char *const first[] = {"AHMED", "MOHAMMED", "OMAR", "YUSUF"};
	for (int k = 0; k < 2000; k++)
		len += (size_t)snprintf(csv + len, cap - len, "F%d,%s N%c%c%cSSEN,,,,,r,a\n",
		    k, first[k % 4], 'A' + k % 26, 'A' + k / 26 % 26, 'A' + k / 676);
	for (int k = 0; k < 500; k++)
		len += (size_t)snprintf(csv + len, cap - len, "V%d,VOLKOVA %c%cNA,,,,,r,a\n",
		    k, 'A' + k % 26, 'A' + k / 26);
	FILE *f = fmemopen(csv, len, "r");
	tdv_watchlist *c = NULL;
	CHECK_INT(tdv_watchlist_load_csv(f, 0, NULL, NULL, &c, NULL), TDV_OK);
	fclose(f);
	static const struct {
		const char *traveller, *id, *listed;
	} cases[] = {
	    {"ALTAMIMI<<AHMED", "T1", "AL TAMIMI AHMED SALEH"},
	    {"AHMED SALEH ALTAMIMI", "T1", "AL TAMIMI AHMED SALEH"},
	    {"ABDULRAHMAN<<MOHAMMED", "T2", "ABDUL RAHMAN MOHAMMED"},
	    {"MOHAMMED ABDULRAHMAN", "T2", "ABDUL RAHMAN MOHAMMED"},
	    {"AL<HASHIMI<<OMAR", "T3", "ALHASHIMI OMAR"},
	    {"ABDUL<KARIM<<YUSUF", "T4", "ABDULKARIM YUSUF"},
	    {"S G VOLKOVA", "T5", "VOLKOVA SVETLANA GENNADYEVNA"},
	    {"VOLKOVA<<S<G", "T5", "VOLKOVA SVETLANA GENNADYEVNA"},
	};
	for (size_t i = 0; c != NULL && i < sizeof(cases) / sizeof(cases[0]); i++) {
		tdv_watch_hit h[4];
		tdv_traveller t;
		memset(&t, 0, sizeof(t));
		t.name = cases[i].traveller;
		size_t n = 0;
		CHECK_INT(tdv_watchlist_match(c, &t, h, 4, &n), TDV_OK);
		CHECK(n >= 1);
		if (n < 1)
			continue;
		CHECK_STR(h[0].id, cases[i].id);
		tdv_name_result *r = malloc(sizeof(*r));
		CHECK_INT(tdv_names_compare(cases[i].traveller, strlen(cases[i].traveller),
		    cases[i].listed, strlen(cases[i].listed), 0, r), TDV_OK);
		CHECK(h[0].name_score == r->score);
		free(r);
	}
	tdv_watchlist_free(&c);
	free(csv);
}

int
main(void)
{
	RUN(test_screen_watchlist_load_reports_bad_rows);
	RUN(test_screen_watchlist_matches_mrz_names_against_any_script);
	RUN(test_screen_watchlist_clear_travellers_and_evidence);
	RUN(test_screen_watchlist_bad_input);
	RUN(test_screen_watchlist_compiled_file);
	RUN(test_screen_watchlist_common_name);
	RUN(test_screen_watchlist_compounds_and_initials);
	tdv_watchlist_free(&wl);
	TEST_EXIT();
}
