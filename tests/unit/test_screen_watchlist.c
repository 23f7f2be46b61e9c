/* Watchlist: load with per-line errors, multi-script matching, evidence
 * from date of birth, nationality, sex and document numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int
main(void)
{
	RUN(test_screen_watchlist_load_reports_bad_rows);
	RUN(test_screen_watchlist_matches_mrz_names_against_any_script);
	RUN(test_screen_watchlist_clear_travellers_and_evidence);
	RUN(test_screen_watchlist_bad_input);
	tdv_watchlist_free(&wl);
	TEST_EXIT();
}
