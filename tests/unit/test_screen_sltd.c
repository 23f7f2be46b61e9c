/* SLTD index: import, exact and confusable lookup, delta update, atomic
 * versions, stale lists and damaged files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tdv/error.h"
#include "tdv/screen.h"
#include "tdv_test.h"

static char dir[64];
static char idxpath[128];

struct errs {
	unsigned long lines[32];
	int n;
};

static void
collect(void *ctx, unsigned long line, int code, const char *msg)
{
	struct errs *e = ctx;
	(void)msg;
	(void)code;
	if (e->n < 32)
		e->lines[e->n++] = line;
}

static int
import_text(const char *text, tdv_sltd_import_stats *st, struct errs *e,
    bool update)
{
	FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	tdv_sltd_import_opts o;
	memset(&o, 0, sizeof(o));
	o.on_error = collect;
	o.ctx = e;
	int rc = update ? tdv_sltd_update(idxpath, f, &o, st) :
	    tdv_sltd_import(f, idxpath, &o, st);
	fclose(f);
	return rc;
}

static const char *base_list =
    "issuing_state,document_number,document_type,status,date_reported,source\n"
    "UTO,L898902C3,P,stolen,2025-11-02,UTO police\n"
    "UTO,D23145890,I,lost,2025-10-01,UTO police\n"
    "D,C01X00T47,P,revoked,2025-09-15,D BKA\n"
    "UTO,XI85935F8,P,lost\n"                                   /* line 5: 4 fields */
    "UTO,AB12345678901234,P,invalidated,2025-12-01,INTERPOL\n"  /* long number */
    "UTO,L898902C3,P,lost,2024-01-01,old report\n"              /* older duplicate */
    "U1O,123456,P,lost,2025-01-01,x\n"                          /* line 8: bad state */
    "UTO,12345\xff,P,lost,2025-01-01,x\n"                       /* line 9: bad UTF-8 */
    "UTO,99999,P,misplaced,2025-01-01,x\n"                      /* line 10: bad status */
    "UTO,\"QUOTED 77\",P,stolen,2025-12-20,\"Police, UTO\"\n";

static void
test_screen_sltd_import_reports_bad_rows_and_keeps_the_rest(void)
{
	tdv_sltd_import_stats st;
	struct errs e = {{0}, 0};
	CHECK_INT(import_text(base_list, &st, &e, false), TDV_OK);
	CHECK_INT(st.rejected, 4);
	CHECK_INT(e.n, 4);
	CHECK_INT(e.lines[0], 5);
	CHECK_INT(e.lines[1], 8);
	CHECK_INT(e.lines[2], 9);
	CHECK_INT(e.lines[3], 10);
	CHECK_INT(st.duplicates, 1);
	CHECK_INT(st.records, 5);
	CHECK_INT(st.version, 1);
}

static void
test_screen_sltd_exact_and_confusable_lookup(void)
{
	tdv_sltd *idx = NULL;
	CHECK_INT(tdv_sltd_open(idxpath, &idx), TDV_OK);
	if (idx == NULL)
		return;
	CHECK_INT(tdv_sltd_verify(idx), TDV_OK);
	tdv_sltd_hit h[8];
	size_t n = 0;
	CHECK_INT(tdv_sltd_lookup(idx, "UTO", "L898902C3", h, 8, &n), TDV_OK);
	CHECK_INT(n, 1);
	CHECK(h[0].exact);
	CHECK_STR(h[0].rec.document_number, "L898902C3");
	CHECK_INT(h[0].rec.status, TDV_SLTD_STOLEN); /* newest report kept */
	CHECK_STR(h[0].rec.source, "UTO police");
	CHECK_INT(h[0].rec.reported.year, 2025);
	CHECK_INT(h[0].rec.reported.month, 11);
	CHECK_INT(h[0].rec.reported.day, 2);
	CHECK_STR(h[0].rec.document_type, "P");
	/* Normalisation: case, fillers, separators. */
	CHECK_INT(tdv_sltd_lookup(idx, "uto", "l898-902 c3<", h, 8, &n), TDV_OK);
	CHECK(n == 1 && h[0].exact);
	/* OCR-confusable: L->1 and 0->O give a possible hit only. */
	CHECK_INT(tdv_sltd_lookup(idx, "UTO", "1898902C3", h, 8, &n), TDV_OK);
	CHECK_INT(n, 1);
	CHECK(n == 1 && !h[0].exact);
	CHECK_STR(h[0].rec.document_number, "L898902C3");
	CHECK_INT(tdv_sltd_lookup(idx, "UTO", "L8989O2C3", h, 8, &n), TDV_OK);
	CHECK(n == 1 && !h[0].exact);
	CHECK_INT(tdv_sltd_lookup(idx, "D", "CO1XOOT47", h, 8, &n), TDV_OK);
	CHECK(n == 1 && !h[0].exact);
	/* Same number, other state: not listed. */
	CHECK_INT(tdv_sltd_lookup(idx, "D", "L898902C3", h, 8, &n), TDV_OK);
	CHECK_INT(n, 0);
	/* A different number is clear. */
	CHECK_INT(tdv_sltd_lookup(idx, "UTO", "L898902C4", h, 8, &n), TDV_OK);
	CHECK_INT(n, 0);
	/* Long numbers are hashed: exact and confusable still work. */
	CHECK_INT(tdv_sltd_lookup(idx, "UTO", "AB12345678901234", h, 8, &n), TDV_OK);
	CHECK(n == 1 && h[0].exact);
	CHECK_STR(h[0].rec.document_number, "AB12345678901234");
	CHECK_INT(tdv_sltd_lookup(idx, "UTO", "A812345678901234", h, 8, &n), TDV_OK);
	CHECK(n == 1 && !h[0].exact);
	CHECK_INT(tdv_sltd_lookup(idx, "UTO", "QUOTED77", h, 8, &n), TDV_OK);
	CHECK(n == 1 && h[0].exact);
	CHECK_STR(h[0].rec.source, "Police, UTO");
	/* Bad queries. */
	CHECK_INT(tdv_sltd_lookup(idx, "UTO", "", h, 8, &n), TDV_EINVAL);
	CHECK_INT(tdv_sltd_lookup(idx, "UT0", "X1", h, 8, &n), TDV_EINVAL);
	CHECK_INT(tdv_sltd_lookup(idx, "UTO", "ABC$", h, 8, &n), TDV_EINVAL);
	tdv_sltd_info info;
	tdv_sltd_info_get(idx, &info);
	CHECK_INT(info.nrecords, 5);
	CHECK_INT(info.list_date.year, 2025); /* newest date reported */
	CHECK_INT(info.list_date.month, 12);
	CHECK_INT(info.list_date.day, 20);
	tdv_sltd_free(&idx);
	CHECK(idx == NULL);
}

static void
test_screen_sltd_stale_list_is_reported(void)
{
	tdv_sltd *idx = NULL;
	CHECK_INT(tdv_sltd_open(idxpath, &idx), TDV_OK);
	if (idx == NULL)
		return;
	tdv_date fresh = {2025, 12, 21}, old = {2026, 1, 30};
	long age = -1;
	CHECK_INT(tdv_sltd_check_fresh(idx, &fresh, 2, &age), TDV_OK);
	CHECK_INT(age, 1);
	CHECK_INT(tdv_sltd_check_fresh(idx, &old, 2, &age), TDV_ESCREEN_STALE);
	CHECK_INT(age, 41);
	tdv_sltd_free(&idx);
}

static void
test_screen_sltd_delta_update_switches_version(void)
{
	tdv_sltd *before = NULL;
	CHECK_INT(tdv_sltd_open(idxpath, &before), TDV_OK);
	const char *delta =
	    "op,issuing_state,document_number,document_type,status,date_reported,source\n"
	    "add,UTO,NEW000001,P,stolen,2026-01-05,UTO police\n"
	    "remove,UTO,D23145890\n"
	    "remove,UTO,NOTTHERE1\n"
	    "add,D,C01X00T47,P,lost,2026-01-04,D BKA\n"      /* replaces */
	    "change,UTO,X,P,lost,2026-01-01,x\n";            /* line 6: bad op */
	tdv_sltd_import_stats st;
	struct errs e = {{0}, 0};
	CHECK_INT(import_text(delta, &st, &e, true), TDV_OK);
	CHECK_INT(st.version, 2);
	CHECK_INT(st.added, 2);
	CHECK_INT(st.removed, 1);
	CHECK_INT(st.not_found, 1);
	CHECK_INT(st.rejected, 1);
	CHECK_INT(e.lines[0], 6);
	CHECK_INT(st.records, 5);

	tdv_sltd *idx = NULL;
	CHECK_INT(tdv_sltd_open(idxpath, &idx), TDV_OK);
	if (idx == NULL || before == NULL)
		return;
	CHECK_INT(tdv_sltd_verify(idx), TDV_OK);
	tdv_sltd_hit h[8];
	size_t n;
	CHECK_INT(tdv_sltd_lookup(idx, "UTO", "NEW000001", h, 8, &n), TDV_OK);
	CHECK(n == 1 && h[0].exact);
	CHECK_INT(tdv_sltd_lookup(idx, "UTO", "NEWOOOOO1", h, 8, &n), TDV_OK);
	CHECK(n == 1 && !h[0].exact); /* the conf index covers added records */
	CHECK_INT(tdv_sltd_lookup(idx, "UTO", "D23145890", h, 8, &n), TDV_OK);
	CHECK_INT(n, 0);
	CHECK_INT(tdv_sltd_lookup(idx, "D", "C01X00T47", h, 8, &n), TDV_OK);
	CHECK(n == 1 && h[0].rec.status == TDV_SLTD_LOST);
	CHECK_INT(tdv_sltd_lookup(idx, "UTO", "1898902C3", h, 8, &n), TDV_OK);
	CHECK(n == 1 && !h[0].exact); /* old conf entries remapped */
	tdv_sltd_info info;
	tdv_sltd_info_get(idx, &info);
	CHECK_INT(info.version, 2);
	CHECK_INT(info.list_date.year, 2026);
	/* A reader of the old version still sees it (rename, not rewrite). */
	CHECK_INT(tdv_sltd_lookup(before, "UTO", "D23145890", h, 8, &n), TDV_OK);
	CHECK(n == 1 && h[0].exact);
	tdv_sltd_free(&idx);
	tdv_sltd_free(&before);
}

static long
file_size(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

static void
test_screen_sltd_empty_or_bad_input_keeps_previous_version(void)
{
	long size = file_size(idxpath);
	tdv_sltd_import_stats st;
	struct errs e = {{0}, 0};
	CHECK_INT(import_text("", &st, &e, false), TDV_ESCREEN_CSV);
	CHECK_INT(import_text("issuing_state,document_number,document_type,status,date_reported,source\n",
	    &st, &e, false), TDV_ESCREEN_CSV);
	CHECK_INT(import_text("garbage\nmore,garbage\n", &st, &e, false), TDV_ESCREEN_CSV);
	CHECK_INT(st.rejected, 2);
	CHECK_INT(import_text("remove\n", &st, &e, true), TDV_ESCREEN_CSV);
	CHECK_INT(file_size(idxpath), size);
	tdv_sltd *idx = NULL;
	CHECK_INT(tdv_sltd_open(idxpath, &idx), TDV_OK);
	if (idx != NULL) {
		tdv_sltd_info info;
		tdv_sltd_info_get(idx, &info);
		CHECK_INT(info.version, 2);
		tdv_sltd_free(&idx);
	}
	/* No temporary files are left behind. */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) -eq 1", dir);
	CHECK_INT(system(cmd), 0);
}

static void
test_screen_sltd_truncated_or_corrupt_index_is_refused(void)
{
	char cp[160];
	snprintf(cp, sizeof(cp), "%s/copy.idx", dir);
	long size = file_size(idxpath);
	FILE *in = fopen(idxpath, "rb");
	char *data = malloc((size_t)size);
	CHECK(in != NULL && data != NULL && fread(data, 1, (size_t)size, in) == (size_t)size);
	if (in)
		fclose(in);
	/* Truncated by one byte. */
	FILE *out = fopen(cp, "wb");
	fwrite(data, 1, (size_t)size - 1, out);
	fclose(out);
	tdv_sltd *idx = NULL;
	CHECK_INT(tdv_sltd_open(cp, &idx), TDV_ESCREEN_INDEX);
	CHECK(idx == NULL);
	/* An update on a truncated index fails and changes nothing. */
	const char *delta = "add,UTO,NEW000002,P,stolen,2026-01-05,UTO police\n";
	FILE *f = fmemopen((void *)(uintptr_t)delta, strlen(delta), "r");
	CHECK_INT(tdv_sltd_update(cp, f, NULL, NULL), TDV_ESCREEN_INDEX);
	fclose(f);
	CHECK_INT(file_size(cp), size - 1);
	/* Header only, and a short file. */
	out = fopen(cp, "wb");
	fwrite(data, 1, 100, out);
	fclose(out);
	CHECK_INT(tdv_sltd_open(cp, &idx), TDV_ESCREEN_INDEX);
	/* One flipped byte in a record: opens, verify fails, update refuses. */
	data[size - 20] ^= 0x40;
	out = fopen(cp, "wb");
	fwrite(data, 1, (size_t)size, out);
	fclose(out);
	CHECK_INT(tdv_sltd_open(cp, &idx), TDV_OK);
	if (idx != NULL) {
		CHECK_INT(tdv_sltd_verify(idx), TDV_ESCREEN_INDEX);
		tdv_sltd_free(&idx);
	}
	f = fmemopen((void *)(uintptr_t)delta, strlen(delta), "r");
	CHECK_INT(tdv_sltd_update(cp, f, NULL, NULL), TDV_ESCREEN_INDEX);
	fclose(f);
	/* Not an index at all. */
	memset(data, 'A', 200);
	out = fopen(cp, "wb");
	fwrite(data, 1, 200, out);
	fclose(out);
	CHECK_INT(tdv_sltd_open(cp, &idx), TDV_ESCREEN_INDEX);
	CHECK_INT(tdv_sltd_open("/nonexistent/x.idx", &idx), TDV_ENOENT);
	unlink(cp);
	free(data);
}

static void
test_screen_sltd_normalise_number(void)
{
	char out[40];
	CHECK_INT(tdv_sltd_normalise_number("ab-12 34<<", out, sizeof(out)), TDV_OK);
	CHECK_STR(out, "AB1234");
	CHECK_INT(tdv_sltd_normalise_number("<<", out, sizeof(out)), TDV_EINVAL);
	CHECK_INT(tdv_sltd_normalise_number("123456789012345678901234567890123456", out, sizeof(out)), TDV_EINVAL);
	CHECK_INT(tdv_sltd_normalise_number("\xc3\xa9", out, sizeof(out)), TDV_EINVAL);
}

/* Number i of the large list: letters and digits, no confusable pairs
 * other than the ones made on purpose below. */
static void
big_number(unsigned i, char out[12])
{
	static const char al[] = "ACEFHKMNPRTUVWXY";
	unsigned x = i * 2654435761u;
	out[0] = al[x & 15];
	out[1] = al[(x >> 4) & 15];
	snprintf(out + 2, 10, "%07u", i);
}

/* Enough records for all three search levels (top, fences, records):
 * every listed number is found, every unlisted one is not, also after a
 * delta that removes and adds records across many blocks. */
static void
test_screen_sltd_large_list_all_levels(void)
{
	static const char *const st[] = {"D", "FRA", "UTO"};
	const unsigned n = 20000;
	size_t cap = (size_t)n * 48 + 64, len = 0;
	char *csv = malloc(cap);
	CHECK(csv != NULL);
	if (csv == NULL)
		return;
	for (unsigned i = 0; i < n; i++) {
		char num[12];
		big_number(i, num);
		len += (size_t)snprintf(csv + len, cap - len, "%s,%s,P,lost,2025-01-%02u,s%u\n",
		    st[i % 3], num, i % 28 + 1, i % 5);
	}
	char path[160];
	snprintf(path, sizeof(path), "%s/big.idx", dir);
	FILE *f = fmemopen(csv, len, "r");
	tdv_sltd_import_stats ist;
	CHECK_INT(tdv_sltd_import(f, path, NULL, &ist), TDV_OK);
	fclose(f);
	CHECK_INT(ist.records, n);
	tdv_sltd *idx = NULL;
	CHECK_INT(tdv_sltd_open(path, &idx), TDV_OK);
	if (idx == NULL) {
		free(csv);
		return;
	}
	CHECK_INT(tdv_sltd_verify(idx), TDV_OK);
	CHECK_INT(tdv_sltd_preload(idx), TDV_OK);
	tdv_sltd_info info;
	tdv_sltd_info_get(idx, &info);
	CHECK(info.bytes_per_record < 29.0);
	unsigned found = 0, wrong = 0, possible = 0;
	for (unsigned i = 0; i < n; i++) {
		char num[12];
		big_number(i, num);
		tdv_sltd_hit h[4];
		size_t nh = 0;
		CHECK_INT(tdv_sltd_lookup(idx, st[i % 3], num, h, 4, &nh), TDV_OK);
		found += nh >= 1 && h[0].exact && strcmp(h[0].rec.document_number, num) == 0;
		/* The same number under another state is not listed. */
		CHECK_INT(tdv_sltd_lookup(idx, st[(i + 1) % 3], num, h, 4, &nh), TDV_OK);
		wrong += nh != 0;
		/* Digit 0 read as letter O: a possible hit, not an exact one. */
		if (i % 97 == 0) {
			char *z = strchr(num + 2, '0');
			if (z != NULL) {
				*z = 'O';
				CHECK_INT(tdv_sltd_lookup(idx, st[i % 3], num, h, 4, &nh), TDV_OK);
				possible += nh == 1 && !h[0].exact;
			}
		}
	}
	CHECK_INT(found, n);
	CHECK_INT(wrong, 0);
	CHECK(possible > 150);
	tdv_sltd_free(&idx);
	/* Delta: remove every 7th record, add 3000 new ones. */
	len = 0;
	for (unsigned i = 0; i < n; i += 7) {
		char num[12];
		big_number(i, num);
		len += (size_t)snprintf(csv + len, cap - len, "remove,%s,%s\n", st[i % 3], num);
	}
	for (unsigned i = n; i < n + 3000; i++) {
		char num[12];
		big_number(i, num);
		len += (size_t)snprintf(csv + len, cap - len, "add,%s,%s,P,stolen,2025-02-01,s9\n",
		    st[i % 3], num);
	}
	f = fmemopen(csv, len, "r");
	CHECK_INT(tdv_sltd_update(path, f, NULL, &ist), TDV_OK);
	fclose(f);
	CHECK_INT(tdv_sltd_open(path, &idx), TDV_OK);
	if (idx != NULL) {
		CHECK_INT(tdv_sltd_verify(idx), TDV_OK);
		unsigned bad = 0;
		for (unsigned i = 0; i < n + 3000; i++) {
			char num[12];
			big_number(i, num);
			tdv_sltd_hit h[4];
			size_t nh = 0;
			tdv_sltd_lookup(idx, st[i % 3], num, h, 4, &nh);
			bool want = i >= n || i % 7 != 0;
			bad += want != (nh >= 1 && h[0].exact);
		}
		CHECK_INT(bad, 0);
		tdv_sltd_free(&idx);
	}
	unlink(path);
	free(csv);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tdv-sltd-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(idxpath, sizeof(idxpath), "%s/sltd.idx", dir);
	RUN(test_screen_sltd_normalise_number);
	RUN(test_screen_sltd_import_reports_bad_rows_and_keeps_the_rest);
	RUN(test_screen_sltd_exact_and_confusable_lookup);
	RUN(test_screen_sltd_stale_list_is_reported);
	RUN(test_screen_sltd_delta_update_switches_version);
	RUN(test_screen_sltd_empty_or_bad_input_keeps_previous_version);
	RUN(test_screen_sltd_truncated_or_corrupt_index_is_refused);
	RUN(test_screen_sltd_large_list_all_levels);
	unlink(idxpath);
	rmdir(dir);
	TEST_EXIT();
}
