/*
 * bench/mrz: MRZ parsing throughput.
 *   bench_mrz gen N FILE   write N valid TD1/TD2/TD3 documents, one per
 *                          line with the MRZ lines joined by '|'
 *   bench_mrz parse FILE   parse them all (best of 5 passes, one core)
 *                          and print "docs N valid V seconds S docs_per_s R"
 * The peer (npm mrz) reads the same file in peer.mjs; run.sh prints both.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tdv/mrz.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

static int
gen(long n, const char *path)
{
	static const char *const sur[] = {"ERIKSSON", "SOUVANNAVONG", "WANGCHUK",
		"PHOMMACHANH", "DORJI", "NGUYEN", "MUELLER", "GARCIA LOPEZ",
		"VANDERSTEENHOVENKAMP", "OBRIEN"};
	static const char *const giv[] = {"ANNA MARIA", "KHAMPHONE", "TSHERING",
		"SENGDAO", "JEAN PIERRE", "PEMA", "BOUNMY", ""};
	static const char *const st[] = {"UTO", "LAO", "BTN", "THA", "D", "FRA"};
	static const tdv_mrz_format fm[] = {TDV_MRZ_TD1, TDV_MRZ_TD2, TDV_MRZ_TD3};
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		return 2;
	}
	tdv_date today = {2026, 11, 23};
	for (long i = 0; i < n; i++) {
		char num[10];
		for (int k = 0; k < 9; k++)
			num[k] = (char)(k < 2 ? 'A' + rnd(26) : '0' + rnd(10));
		num[9] = '\0';
		tdv_mrz_input in = {0};
		in.format = fm[i % 3];
		in.issuing_state = st[rnd(6)];
		in.nationality = st[rnd(6)];
		in.surname = sur[rnd(10)];
		in.given_names = giv[rnd(8)];
		in.document_number = num;
		in.birth_date = (tdv_date){1940 + (int)rnd(80), 1 + (int)rnd(12), 1 + (int)rnd(28)};
		in.expiry_date = (tdv_date){2020 + (int)rnd(15), 1 + (int)rnd(12), 1 + (int)rnd(28)};
		in.sex = "MF"[rnd(2)];
		tdv_mrz m;
		if (tdv_mrz_generate(&in, &today, &m) != 0) {
			fprintf(stderr, "generate failed at %ld\n", i);
			fclose(f);
			return 1;
		}
		for (int l = 0; l < m.nlines; l++)
			fprintf(f, "%s%s", l ? "|" : "", m.lines[l]);
		fputc('\n', f);
	}
	return fclose(f) == 0 ? 0 : 1;
}

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
parse(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		perror(path);
		return 2;
	}
	size_t cap = 1 << 20, n = 0, alloc = 0;
	struct doc {
		const char *p[3];
		size_t l[3];
		int n;
	} *docs = NULL;
	char *text = NULL;
	size_t tlen = 0;
	{
		fseek(f, 0, SEEK_END);
		long sz = ftell(f);
		fseek(f, 0, SEEK_SET);
		if (sz <= 0 || (text = malloc((size_t)sz + 1)) == NULL ||
		    fread(text, 1, (size_t)sz, f) != (size_t)sz) {
			fclose(f);
			free(text);
			fprintf(stderr, "cannot read %s\n", path);
			return 2;
		}
		tlen = (size_t)sz;
		text[tlen] = '\0';
	}
	fclose(f);
	(void)cap;
	for (char *p = text; p < text + tlen;) {
		char *nl = memchr(p, '\n', (size_t)(text + tlen - p));
		if (nl == NULL)
			nl = text + tlen;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 1024;
			struct doc *d = realloc(docs, alloc * sizeof(*docs));
			if (d == NULL)
				return 2;
			docs = d;
		}
		struct doc *d = &docs[n++];
		d->n = 0;
		for (char *s = p; s <= nl && d->n < 3;) {
			char *bar = memchr(s, '|', (size_t)(nl - s));
			char *e = bar ? bar : nl;
			d->p[d->n] = s;
			d->l[d->n] = (size_t)(e - s);
			d->n++;
			s = e + 1;
		}
		p = nl + 1;
	}
	tdv_date today = {2026, 11, 23};
	double best = 1e9;
	size_t valid = 0;
	for (int pass = 0; pass < 5; pass++) {
		size_t v = 0;
		double t0 = now();
		for (size_t i = 0; i < n; i++) {
			tdv_mrz m;
			if (tdv_mrz_parse(docs[i].p, docs[i].l, docs[i].n, &today, &m) == 0)
				v++;
		}
		double t = now() - t0;
		if (t < best)
			best = t;
		valid = v;
	}
	printf("docs %zu valid %zu seconds %.4f docs_per_s %.0f\n", n, valid, best,
	    (double)n / best);
	free(docs);
	free(text);
	return valid == n ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return gen(strtol(argv[2], NULL, 10), argv[3]);
	if (argc == 3 && strcmp(argv[1], "parse") == 0)
		return parse(argv[2]);
	fprintf(stderr, "usage: bench_mrz gen N FILE | bench_mrz parse FILE\n");
	return 2;
}
