/*
 * Property test: 100,000+ generated documents of every format, names in
 * Latin (with diacritics), Cyrillic, Greek and Arabic script. For each:
 * generate -> parse must give a valid document with the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/mrz.h"
#include "tdv_test.h"

static const tdv_date today = {2026, 11, 23};
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

static const char *const surnames[] = {
	"ERIKSSON", "Müller", "Ødegård", "Núñez García", "O'Brien", "Ивanova",
	"Иванова", "Шевченко", "Παπαδόπουλος", "Κωνσταντινίδης", "محمد",
	"عبد الله", "Phommachanh", "Wangchuk", "Nguyễn", "Dvořák", "Łukasiewicz",
	"van der Steen-Hovenkamp", "Souvannavong", "Sayasone", "Dorji",
	"Öztürk", "Jérôme-Laurent", "Þórsdóttir",
};
static const char *const given[] = {
	"ANNA MARIA", "José Luis", "Björn", "Αικατερίνη", "Олександр Петрович",
	"فاطمة", "Khamphone", "Tshering Yangzom", "Zoë", "Ærlig Åse", "",
	"Jean-Pierre Marie Joseph Emmanuel Alexandre", "Thị Mai", "Sengdao",
};
static const char *const codes[] = {"UTO", "D", "LAO", "BTN", "FRA", "XXA",
	"GBR", "UNO", "EUE", "XOM", "THA", "RUS", "GRC", "SAU", "XXX"};

static void
rand_alnum(char *out, size_t n, bool digits_only)
{
	static const char set[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	for (size_t i = 0; i < n; i++)
		out[i] = set[rnd(digits_only ? 10 : 36)];
	out[n] = '\0';
}

static void
rand_date(tdv_date *d, int ylo, int yhi)
{
	do {
		d->year = ylo + (int)rnd((uint32_t)(yhi - ylo + 1));
		d->month = 1 + (int)rnd(12);
		d->day = 1 + (int)rnd(31);
	} while (!tdv_date_valid(d->year, d->month, d->day) ||
	    tdv_date_cmp(d, &today) > 0);
}

static int
one(long iter)
{
	static const tdv_mrz_format formats[] = {TDV_MRZ_TD1, TDV_MRZ_TD2,
		TDV_MRZ_TD3, TDV_MRZ_MRVA, TDV_MRZ_MRVB, TDV_MRZ_FRA_ID};
	tdv_mrz_input in = {0};
	in.format = formats[iter % 6];
	char num[32], opt[32], opt2[32];
	size_t numlen = 1 + rnd(9);
	if ((in.format == TDV_MRZ_TD1 || in.format == TDV_MRZ_TD2) && rnd(4) == 0)
		numlen = 10 + rnd(in.format == TDV_MRZ_TD1 ? 4 : 3);
	if (in.format == TDV_MRZ_FRA_ID)
		numlen = 12;
	rand_alnum(num, numlen, false);
	/* the first character of a number is never a filler; numbers shorter
	 * than the field end in fillers, so none may end inside it */
	in.document_number = num;
	size_t optmax = in.format == TDV_MRZ_TD3 ? 14
	    : in.format == TDV_MRZ_TD1 ? (numlen > 9 ? 15 - (numlen - 9) - 2 : 15)
	    : in.format == TDV_MRZ_TD2 ? (numlen > 9 ? 7 - (numlen - 9) - 2 : 7)
	    : in.format == TDV_MRZ_MRVA ? 16 : in.format == TDV_MRZ_MRVB ? 8 : 6;
	size_t optlen = rnd((uint32_t)optmax + 1);
	rand_alnum(opt, optlen, in.format == TDV_MRZ_FRA_ID);
	/* TD1/TD2 optional data must not start with a filler-free run that
	 * could be read as overflow: the overflow rule needs the '<' check
	 * digit, which only long numbers produce, so any content is fine. */
	in.optional_data = opt;
	rand_alnum(opt2, rnd(12), false);
	in.optional_data_2 = in.format == TDV_MRZ_TD1 ? opt2 : NULL;
	in.issuing_state = in.format == TDV_MRZ_FRA_ID ? "FRA" : codes[rnd(15)];
	in.nationality = codes[rnd(15)];
	in.surname = surnames[rnd(sizeof(surnames) / sizeof(surnames[0]))];
	in.given_names = given[rnd(sizeof(given) / sizeof(given[0]))];
	rand_date(&in.birth_date, 1927, 2026);
	do
		rand_date(&in.expiry_date, 2016, 2036);
	while (0);
	in.expiry_date.year = 2016 + (int)rnd(20);
	if (!tdv_date_valid(in.expiry_date.year, in.expiry_date.month,
		in.expiry_date.day))
		in.expiry_date.day = 28;
	in.sex = "MFX"[rnd(3)];

	tdv_mrz g, p;
	int rc = tdv_mrz_generate(&in, &today, &g);
	if (rc != TDV_OK) {
		fprintf(stderr, "iter %ld: generate: %s\n", iter, tdv_strerror(rc));
		return 1;
	}
	const char *ptrs[3] = {g.lines[0], g.lines[1], g.lines[2]};
	size_t lens[3] = {strlen(g.lines[0]), strlen(g.lines[1]), strlen(g.lines[2])};
	rc = tdv_mrz_parse(ptrs, lens, g.nlines, &today, &p);
	int bad = 0;
#define SAME(field)                                                            \
	if (strcmp(p.field, g.field) != 0) {                                   \
		fprintf(stderr, "iter %ld: " #field " '%s' vs '%s'\n", iter,    \
		    p.field, g.field);                                         \
		bad++;                                                         \
	}
	if (rc != TDV_OK || !p.valid || p.format != in.format) {
		fprintf(stderr, "iter %ld: parse rc=%d valid=%d format=%s: %s\n",
		    iter, rc, p.valid, tdv_mrz_format_name(p.format),
		    p.nerrors ? p.errors[0].message : "");
		for (int i = 0; i < g.nlines; i++)
			fprintf(stderr, "  %s\n", g.lines[i]);
		return 1;
	}
	/* fields against the input (not only against the generator's own
	 * parse): number, dates, sex, codes, optional data */
	char upnum[32];
	for (size_t i = 0; i <= numlen; i++)
		upnum[i] = num[i];
	if (strcmp(p.document_number, upnum) != 0) {
		fprintf(stderr, "iter %ld: number '%s' vs '%s'\n", iter,
		    p.document_number, upnum);
		bad++;
	}
	if (tdv_date_cmp(&p.birth_date, &in.birth_date) != 0 ||
	    (in.format != TDV_MRZ_FRA_ID &&
		tdv_date_cmp(&p.expiry_date, &in.expiry_date) != 0)) {
		fprintf(stderr, "iter %ld: dates differ\n", iter);
		bad++;
	}
	if (p.sex != in.sex) {
		fprintf(stderr, "iter %ld: sex %c vs %c\n", iter, p.sex, in.sex);
		bad++;
	}
	if (strcmp(p.optional_data, opt) != 0) {
		fprintf(stderr, "iter %ld: optional '%s' vs '%s'\n", iter,
		    p.optional_data, opt);
		bad++;
	}
	if (in.format == TDV_MRZ_TD1 && strcmp(p.optional_data_2, opt2) != 0)
		bad++;
	if (strcmp(p.issuing_state, in.issuing_state) != 0)
		bad++;
	if (in.format != TDV_MRZ_FRA_ID && strcmp(p.nationality, in.nationality) != 0)
		bad++;
	/* names: the transliterated input, unless truncation was needed */
	char ts[128], tg[128];
	tdv_mrz_transliterate(in.surname, strlen(in.surname), ts, sizeof(ts));
	tdv_mrz_transliterate(in.given_names, strlen(in.given_names), tg, sizeof(tg));
	for (char *c = ts; *c; c++)
		if (*c == '<')
			*c = ' ';
	for (char *c = tg; *c; c++)
		if (*c == '<')
			*c = ' ';
	if (!p.name_truncated) {
		if (strcmp(p.surname, ts) != 0 || strcmp(p.given_names, tg) != 0) {
			fprintf(stderr, "iter %ld: name '%s/%s' vs '%s/%s'\n", iter,
			    p.surname, p.given_names, ts, tg);
			bad++;
		}
	} else if (strncmp(p.surname, ts, strlen(p.surname)) != 0) {
		fprintf(stderr, "iter %ld: truncated surname '%s' not a prefix of '%s'\n",
		    iter, p.surname, ts);
		bad++;
	}
	SAME(surname);
	SAME(given_names);
	return bad;
}

static void
test_mrz_roundtrip_100k_all_formats(void)
{
	long n = 120000, failures = 0;
	for (long i = 0; i < n && failures < 20; i++)
		failures += one(i) ? 1 : 0;
	printf("  %ld documents, %ld failures\n", n, failures);
	CHECK_INT(failures, 0);
}

int
main(void)
{
	RUN(test_mrz_roundtrip_100k_all_formats);
	TEST_EXIT();
}
