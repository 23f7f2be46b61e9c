/*
 * Other modules' results in the inspection: a Passive Authentication
 * result (tdv/inspect_pa.h) and lost/stolen screening against a real SLTD
 * index built by src/screen (tdv/inspect_screen.h).
 *
 * MRZ: the ICAO Doc 9303-4 specimen (ERIKSSON ANNA MARIA, Utopia).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tdv/error.h"
#include "tdv/pa.h"
#include "tdv/inspect.h"
#include "tdv/inspect_pa.h"
#include "tdv/inspect_screen.h"
#include "tdv_test.h"

static const char SPECIMEN[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
			       "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
static const tdv_date BEFORE_EXPIRY = {2010, 1, 1};

static tdv_inspection *
inspect(const char *mrz, const tdv_date *today, bool require_screening)
{
	tdv_inspection *ins = NULL;
	CHECK_INT(tdv_inspection_new(&ins), TDV_OK);
	CHECK_INT(tdv_inspection_set_today(ins, today), TDV_OK);
	tdv_inspect_policy p;
	tdv_inspect_policy_default(&p);
	p.require_screening = require_screening;
	CHECK_INT(tdv_inspection_set_policy(ins, &p), TDV_OK);
	if (mrz != NULL)
		CHECK_INT(tdv_inspection_set_mrz_text(ins, mrz, strlen(mrz),
			      TDV_EVIDENCE_TYPED),
		    TDV_OK);
	return ins;
}

static tdv_inspect_status
status_of(const tdv_inspection *ins, const char *id)
{
	const tdv_inspect_check *c = tdv_inspection_find(ins, id);
	if (c == NULL) {
		fprintf(stderr, "  check %s missing\n", id);
		return (tdv_inspect_status)-1;
	}
	return c->status;
}

static void
test_inspect_pa_result_plugs_in(void)
{
	tdv_pa_result pa;
	memset(&pa, 0, sizeof(pa));
	pa.verdict = TDV_PA_FAIL;
	pa.nchecks = 3;
	snprintf(pa.checks[0].id, sizeof(pa.checks[0].id), "sod.signature");
	pa.checks[0].status = TDV_CHECK_PASS;
	snprintf(pa.checks[0].message, sizeof(pa.checks[0].message), "signature valid");
	snprintf(pa.checks[1].id, sizeof(pa.checks[1].id), "ds.chain");
	pa.checks[1].status = TDV_CHECK_FAIL;
	snprintf(pa.checks[1].message, sizeof(pa.checks[1].message),
	    "DS certificate not issued by a trusted CSCA");
	snprintf(pa.checks[2].id, sizeof(pa.checks[2].id), "dg1.mrz");
	pa.checks[2].status = TDV_CHECK_PASS;
	snprintf(pa.checks[2].message, sizeof(pa.checks[2].message), "DG1 equals MRZ");
	tdv_inspection *ins = inspect(SPECIMEN, &BEFORE_EXPIRY, false);
	CHECK_INT(tdv_inspection_add_pa(ins, &pa), TDV_OK);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_FAIL);
	CHECK_INT(status_of(ins, "chip.pa"), TDV_INSPECT_FAIL);
	CHECK(strstr(tdv_inspection_find(ins, "chip.pa")->message, "trusted CSCA") != NULL);
	CHECK_INT(status_of(ins, "pa.ds.chain"), TDV_INSPECT_FAIL);
	CHECK_INT(status_of(ins, "pa.sod.signature"), TDV_INSPECT_PASS);
	/* PA's own DG1 comparison answers chip.dg1_match when no DG1 given */
	CHECK_INT(status_of(ins, "chip.dg1_match"), TDV_INSPECT_PASS);
	CHECK_STR(tdv_inspection_fraud_class(ins), "chip_forged");
	/* the PA checks come right after chip.pa */
	CHECK_STR(tdv_inspection_check(ins, 8)->id, "pa.sod.signature");
	tdv_inspection_free(&ins);

	pa.nchecks = 99;
	ins = inspect(SPECIMEN, &BEFORE_EXPIRY, false);
	CHECK_INT(tdv_inspection_add_pa(ins, &pa), TDV_EINVAL);
	tdv_inspection_free(&ins);
}

static char tmpdir[64];

static const char *
make_sltd(const char *csv_text)
{
	static char idx[128];
	char csv[128];
	snprintf(csv, sizeof(csv), "%s/list.csv", tmpdir);
	snprintf(idx, sizeof(idx), "%s/list.idx", tmpdir);
	FILE *f = fopen(csv, "w");
	CHECK(f != NULL);
	if (f == NULL)
		return NULL;
	fputs(csv_text, f);
	fclose(f);
	f = fopen(csv, "r");
	tdv_sltd_import_opts o;
	memset(&o, 0, sizeof(o));
	tdv_sltd_import_stats st;
	CHECK_INT(tdv_sltd_import(f, idx, &o, &st), TDV_OK);
	fclose(f);
	return idx;
}

static void
test_inspect_sltd_screening(void)
{
	const char *path = make_sltd(
	    "issuing_state,document_number,document_type,status,date_reported,source\n"
	    "UTO,L898902C3,P,stolen,2009-12-30,UTO police\n"
	    "UTO,X1234567,P,lost,2009-12-31,UTO police\n");
	tdv_sltd *idx = NULL;
	CHECK_INT(tdv_sltd_open(path, &idx), TDV_OK);
	tdv_inspection *ins = inspect(SPECIMEN, &BEFORE_EXPIRY, true);
	CHECK_INT(tdv_inspection_set_sltd(ins, idx), TDV_OK);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(status_of(ins, "screen.sltd"), TDV_INSPECT_FAIL);
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_FAIL);
	CHECK_STR(tdv_inspection_fraud_class(ins), "lost_stolen");
	CHECK(strstr(tdv_inspection_find(ins, "screen.sltd")->message, "stolen") != NULL);
	tdv_inspection_free(&ins);
	tdv_sltd_free(&idx);

	/* not listed, list fresh: screening passes; watchlist still skipped */
	path = make_sltd("UTO,X1234567,P,lost,2009-12-31,UTO police\n");
	CHECK_INT(tdv_sltd_open(path, &idx), TDV_OK);
	ins = inspect(SPECIMEN, &BEFORE_EXPIRY, false);
	CHECK_INT(tdv_inspection_set_sltd(ins, idx), TDV_OK);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(status_of(ins, "screen.sltd"), TDV_INSPECT_PASS);
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_PASS);
	tdv_inspection_free(&ins);
	/* the same list a month later is stale: warn, refer */
	tdv_date later = {2010, 2, 1};
	ins = inspect(SPECIMEN, &later, false);
	CHECK_INT(tdv_inspection_set_sltd(ins, idx), TDV_OK);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(status_of(ins, "screen.sltd"), TDV_INSPECT_WARN);
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_REFER);
	tdv_inspection_free(&ins);
	tdv_sltd_free(&idx);
}

static void
test_inspect_watchlist_screening(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/watch.csv", tmpdir);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs("id,names,birth_date,nationality,sex,documents,reason,action\n"
	      "W1,ERIKSSON ANNA MARIA,1974-08-12,UTO,F,,test entry,refer\n"
	      "W2,NORDQVIST BIRGER,1950,UTO,M,X1234567,other,refer\n",
	    f);
	fclose(f);
	f = fopen(path, "r");
	tdv_watchlist *wl = NULL;
	CHECK_INT(tdv_watchlist_load_csv(f, 0, NULL, NULL, &wl, NULL), TDV_OK);
	fclose(f);
	tdv_inspection *ins = inspect(SPECIMEN, &BEFORE_EXPIRY, false);
	CHECK_INT(tdv_inspection_set_watchlist(ins, wl), TDV_OK);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(status_of(ins, "screen.watchlist"), TDV_INSPECT_WARN);
	CHECK(strstr(tdv_inspection_find(ins, "screen.watchlist")->message, "W1") != NULL);
	CHECK_INT(tdv_inspection_verdict(ins), TDV_VERDICT_REFER);
	tdv_inspection_free(&ins);
	/* someone else entirely */
	static const char OTHER[] = "P<UTOSMITH<<JOHN<<<<<<<<<<<<<<<<<<<<<<<<<<<<\n"
				    "L898902C36UTO7408122M1204159ZE184226B<<<<<10";
	ins = inspect(OTHER, &BEFORE_EXPIRY, false);
	CHECK_INT(tdv_inspection_set_watchlist(ins, wl), TDV_OK);
	CHECK_INT(tdv_inspection_run(ins), TDV_OK);
	CHECK_INT(status_of(ins, "screen.watchlist"), TDV_INSPECT_PASS);
	tdv_inspection_free(&ins);
	tdv_watchlist_free(&wl);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tdv-inspect-adapters.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	RUN(test_inspect_pa_result_plugs_in);
	RUN(test_inspect_sltd_screening);
	RUN(test_inspect_watchlist_screening);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	TEST_EXIT();
}
