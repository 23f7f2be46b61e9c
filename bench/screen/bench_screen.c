/*
 * bench/screen: the SLTD index with 10 million generated documents and the
 * watchlist with 1 million generated persons (multi-script names), and in
 * the same run a plain Jaro-Winkler-over-full-name baseline (the method of
 * common open screening tools) for speed, precision and recall.
 *
 * Usage: bench_screen SRC_DIR WORK_DIR [ndocs] [npersons]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tdv/error.h"
#include "tdv/screen.h"

static uint64_t rng = 0x9303930393039303ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: the machine may be shared, and CPU time is
 * what one core spends on the work. */
static double
cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
pct(double *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmpd);
	size_t i = (size_t)(p * (double)(n - 1));
	return v[i];
}

static long
rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;
	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2) /* fixed format, bounded */
		rss = 0;
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static const char *const states[] = {"UTO", "D", "FRA", "GBR", "USA", "RUS",
    "CHN", "IND", "THA", "LAO", "EGY", "SAU", "BRA", "NGA", "ITA", "ESP"};
static const char *const statuses[] = {"lost", "stolen", "revoked", "invalidated"};

static void
doc_number(uint64_t i, char out[16])
{
	static const char al[] = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
	uint64_t x = i * 0x9e3779b97f4a7c15ULL + 12345;
	out[0] = al[x % 23];
	x /= 23;
	for (int k = 1; k < 9; k++) {
		out[k] = al[x % 33];
		x /= 33;
		if (x == 0)
			x = i * 31 + (uint64_t)k;
	}
	out[9] = '\0';
}

/* --- names ------------------------------------------------------------ */

struct nlist {
	char *given[128], *surname[128];
	int ng, ns;
};

static struct nlist lists[7];
static const char *const list_names[7] = {"latin", "cyrillic", "arabic", "thai", "lao",
    "devanagari", "han"};

static void
load_lists(const char *src)
{
	for (int l = 0; l < 7; l++) {
		char path[4096], line[1024];
		snprintf(path, sizeof(path), "%s/tests/data/names/lists/%s.tsv", src, list_names[l]);
		FILE *f = fopen(path, "r");
		if (f == NULL) {
			fprintf(stderr, "cannot open %s\n", path);
			exit(2);
		}
		while (fgets(line, sizeof(line), f) != NULL) {
			if (line[0] == '#')
				continue;
			line[strcspn(line, "\r\n")] = '\0';
			char *kind = line, *sex = strchr(kind, '\t');
			if (sex == NULL)
				continue;
			*sex++ = '\0';
			char *native = strchr(sex, '\t');
			if (native == NULL)
				continue;
			native++;
			char *tab = strchr(native, '\t');
			if (tab)
				*tab = '\0';
			char *copy = strdup(native);
			if (strcmp(kind, "given") == 0 && lists[l].ng < 128)
				lists[l].given[lists[l].ng++] = copy;
			else if (lists[l].ns < 128)
				lists[l].surname[lists[l].ns++] = copy;
			else
				free(copy);
		}
		fclose(f);
	}
}

/* A generated person's name in its own script. */
static void
person(char *out, size_t outsz, int *script)
{
	int l = (int)(rnd() % 7);
	struct nlist *L = &lists[l];
	const char *g1 = L->given[rnd() % (uint64_t)L->ng];
	const char *g2 = L->given[rnd() % (uint64_t)L->ng];
	const char *s = L->surname[rnd() % (uint64_t)L->ns];
	*script = l;
	if (l == 6)
		snprintf(out, outsz, "%s%s", s, g1);
	else if (rnd() % 3 == 0 && strcmp(g1, g2) != 0)
		snprintf(out, outsz, "%s %s %s", g1, g2, s);
	else
		snprintf(out, outsz, "%s %s", g1, s);
}

/* --- labelled set: our matcher and the baseline -------------------------- */

struct pairset {
	char **a, **b;
	int *label;
	size_t n;
};

static void
load_pairs(const char *src, struct pairset *ps)
{
	char path[4096], line[8192];
	snprintf(path, sizeof(path), "%s/tests/data/names/pairs.tsv", src);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(2);
	}
	ps->a = calloc(8192, sizeof(char *));
	ps->b = calloc(8192, sizeof(char *));
	ps->label = calloc(8192, sizeof(int));
	while (ps->n < 8192 && fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		char *f1 = strchr(line, '\t');
		char *f2 = f1 ? strchr(f1 + 1, '\t') : NULL;
		char *f3 = f2 ? strchr(f2 + 1, '\t') : NULL;
		char *f4 = f3 ? strchr(f3 + 1, '\t') : NULL;
		if (f4 == NULL)
			continue;
		*f4 = '\0';
		ps->label[ps->n] = f2[1] == '1';
		ps->a[ps->n] = strdup(f3 + 1);
		ps->b[ps->n] = strdup(f4 + 1);
		ps->n++;
	}
	fclose(f);
}

/* Baseline: Jaro-Winkler over the whole name, after the same romanisation
 * (without it the baseline could not compare scripts at all) and with
 * MRZ fillers turned into spaces, as screening tools do. */
static double
jw_full(const char *a, const char *b)
{
	char ra[2048], rb[2048];
	if (tdv_name_romanise(a, strlen(a), "icao", ra, sizeof(ra)) != TDV_OK ||
	    tdv_name_romanise(b, strlen(b), "icao", rb, sizeof(rb)) != TDV_OK)
		return 0;
	return tdv_jaro_winkler(ra, strlen(ra), rb, strlen(rb));
}

static void
pr(const double *score, const int *label, size_t n, double thr, double *p, double *r)
{
	long tp = 0, fp = 0, fn = 0;
	for (size_t i = 0; i < n; i++) {
		bool m = score[i] >= thr;
		if (m && label[i])
			tp++;
		else if (m)
			fp++;
		else if (label[i])
			fn++;
	}
	*p = tp + fp ? (double)tp / (double)(tp + fp) : 0;
	*r = tp + fn ? (double)tp / (double)(tp + fn) : 0;
}

int
main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_screen SRC_DIR WORK_DIR [ndocs] [npersons]\n");
		return 2;
	}
	const char *src = argv[1], *work = argv[2];
	size_t ndocs = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 10000000u;
	size_t npers = argc > 4 ? (size_t)strtoul(argv[4], NULL, 10) : 1000000u;
	char csv[4096], idx[4096];
	snprintf(csv, sizeof(csv), "%s/sltd.csv", work);
	snprintf(idx, sizeof(idx), "%s/sltd.idx", work);

	/* --- SLTD ------------------------------------------------------ */
	FILE *f = fopen(csv, "w");
	for (size_t i = 0; i < ndocs; i++) {
		char num[16];
		doc_number(i, num);
		fprintf(f, "%s,%s,P,%s,2025-%02d-%02d,source %u\n",
		    states[i % 16], num, statuses[i % 4], (int)(i % 12) + 1,
		    (int)(i % 28) + 1, (unsigned)(i % 40));
	}
	fclose(f);
	double t0 = now(), c_imp0 = cpu();
	f = fopen(csv, "r");
	tdv_sltd_import_stats st;
	int rc = tdv_sltd_import(f, idx, NULL, &st);
	fclose(f);
	double t_import = now() - t0, c_import = cpu() - c_imp0;
	if (rc != TDV_OK) {
		fprintf(stderr, "import: %s\n", tdv_strerror(rc));
		return 1;
	}
	tdv_sltd *sl = NULL;
	tdv_sltd_open(idx, &sl);
	tdv_sltd_info info;
	tdv_sltd_info_get(sl, &info);
	printf("sltd: %llu records imported from CSV in %.1f s wall, %.1f s CPU (%.0f records/s CPU); index %.1f MB, %.1f bytes/record\n",
	    (unsigned long long)info.nrecords, t_import, c_import, (double)info.nrecords / c_import,
	    (double)info.file_bytes / 1e6, info.bytes_per_record);
	size_t nq = 1000000;
	double *lat = malloc(nq * sizeof(double));
	size_t found = 0;
	double cbatch = cpu();
	for (size_t q = 0; q < nq; q++) {
		char num[16];
		uint64_t i = rnd() % (ndocs * 2); /* half listed, half not */
		doc_number(i, num);
		if (q % 10 == 0)
			num[3] = num[3] == 'O' ? '0' : num[3]; /* confusable noise */
		tdv_sltd_hit hits[4];
		size_t nh;
		double a = now();
		tdv_sltd_lookup(sl, states[i % 16], num, hits, 4, &nh);
		lat[q] = now() - a;
		found += nh > 0;
	}
	cbatch = (cpu() - cbatch) / (double)nq;
	printf("sltd lookup (exact + confusable, %zu queries, %zu hits; wall time each): p50 %.2f us, p99 %.2f us (target p99 <= 10 us); mean CPU %.2f us\n",
	    nq, found, pct(lat, nq, 0.50) * 1e6, pct(lat, nq, 0.99) * 1e6, cbatch * 1e6);
	tdv_sltd_free(&sl);
	unlink(csv);
	unlink(idx);

	/* --- watchlist ------------------------------------------------ */
	load_lists(src);
	size_t cap = npers * 80 + 1024, len = 0;
	char *wcsv = malloc(cap);
	char **listed = malloc(2000 * sizeof(char *));
	size_t nlisted = 0;
	len += (size_t)snprintf(wcsv + len, cap - len,
	    "id,names,birth_date,nationality,sex,documents,reason,action\n");
	for (size_t i = 0; i < npers; i++) {
		char name[512];
		int script;
		person(name, sizeof(name), &script);
		if (nlisted < 2000 && i % (npers / 2000 + 1) == 0)
			listed[nlisted++] = strdup(name);
		int w = snprintf(wcsv + len, cap - len, "P%zu,%s,%d,,%c,,generated,refer\n",
		    i, name, 1940 + (int)(rnd() % 60), rnd() % 2 ? 'M' : 'F');
		if (w < 0 || (size_t)w >= cap - len)
			break;
		len += (size_t)w;
	}
	long rss0 = rss_kb();
	t0 = now();
	f = fmemopen(wcsv, len, "r");
	tdv_watchlist *wl = NULL;
	tdv_watch_stats ws;
	rc = tdv_watchlist_load_csv(f, 0, NULL, NULL, &wl, &ws);
	fclose(f);
	double t_wl = now() - t0;
	long rss1 = rss_kb();
	if (rc != TDV_OK) {
		fprintf(stderr, "watchlist: %s\n", tdv_strerror(rc));
		return 1;
	}
	free(wcsv);
	printf("watchlist: %zu persons (%lu names, 7 scripts) loaded and indexed in %.1f s; %.0f bytes/person resident\n",
	    tdv_watchlist_size(wl), ws.names, t_wl,
	    (double)(rss1 - rss0) * 1024.0 / (double)tdv_watchlist_size(wl));
	/* Travellers: half listed people as their MRZ would show them (ICAO
	 * romanisation, surname first), half generated people. */
	size_t nt = 2000;
	double *tl = malloc(nt * sizeof(double));
	size_t nhit = 0;
	tdv_watch_hit *hits = calloc(10, sizeof(*hits));
	char **queries = malloc(nt * sizeof(char *));
	for (size_t q = 0; q < nt; q++) {
		char name[512], rom[2048];
		int script;
		if (q % 2 == 0 && q / 2 < nlisted)
			snprintf(name, sizeof(name), "%s", listed[q / 2]);
		else
			person(name, sizeof(name), &script);
		if (tdv_name_romanise(name, strlen(name), "icao", rom, sizeof(rom)) != TDV_OK)
			snprintf(rom, sizeof(rom), "X");
		queries[q] = strdup(rom);
	}
	for (size_t q = 0; q < nt; q++) {
		tdv_traveller t;
		memset(&t, 0, sizeof(t));
		t.name = queries[q];
		size_t nh = 0;
		double a = cpu();
		tdv_watchlist_match(wl, &t, hits, 10, &nh);
		tl[q] = cpu() - a;
		nhit += nh > 0;
	}
	double p50 = pct(tl, nt, 0.5), p99 = pct(tl, nt, 0.99);
	printf("screening (%zu travellers, %zu with hits; thread CPU time): p50 %.3f ms, p99 %.3f ms per traveller (target p99 <= 5 ms)\n",
	    nt, nhit, p50 * 1e3, p99 * 1e3);

	/* Baseline speed: Jaro-Winkler of the full name against every name
	 * on the list (no index), over 20 travellers. */
	size_t nb = 20, nn = tdv_watchlist_size(wl);
	char **flat = malloc(nn * sizeof(char *));
	rng = 0x9303930393039303ULL;
	for (size_t i = 0; i < nn; i++) {
		char name[512], rom[2048];
		int script;
		person(name, sizeof(name), &script);
		if (tdv_name_romanise(name, strlen(name), "icao", rom, sizeof(rom)) != TDV_OK)
			rom[0] = '\0';
		flat[i] = strdup(rom);
	}
	double *bl = malloc(nb * sizeof(double));
	size_t bh = 0;
	for (size_t q = 0; q < nb; q++) {
		const char *qq = queries[q];
		size_t ql = strlen(qq);
		double a = cpu();
		for (size_t i = 0; i < nn; i++)
			bh += tdv_jaro_winkler(qq, ql, flat[i], strlen(flat[i])) >= 0.90;
		bl[q] = cpu() - a;
	}
	double bp50 = pct(bl, nb, 0.5), bp99 = pct(bl, nb, 0.99);
	printf("baseline Jaro-Winkler full-name scan (%zu travellers x %zu names; CPU): p50 %.1f ms, p99 %.1f ms per traveller\n",
	    nb, nn, bp50 * 1e3, bp99 * 1e3);
	printf("ratio baseline/tdverify screening time: p50 %.0fx, p99 %.0fx\n", bp50 / p50, bp99 / p99);

	/* Quality on the labelled set, both methods, same pairs. */
	struct pairset ps = {0};
	load_pairs(src, &ps);
	double *so = malloc(ps.n * sizeof(double)), *sj = malloc(ps.n * sizeof(double));
	tdv_name_result *res = malloc(sizeof(*res));
	double c0 = cpu();
	for (size_t i = 0; i < ps.n; i++) {
		so[i] = tdv_names_compare(ps.a[i], strlen(ps.a[i]), ps.b[i], strlen(ps.b[i]), 0, res) == TDV_OK ?
		    res->score : 0;
	}
	double c_ours = (cpu() - c0) / (double)ps.n;
	c0 = cpu();
	for (size_t i = 0; i < ps.n; i++)
		sj[i] = jw_full(ps.a[i], ps.b[i]);
	double c_jw = (cpu() - c0) / (double)ps.n;
	double p, r, pj, rj, bestf = -1, bt = 0, bpj = 0, brj = 0;
	pr(so, ps.label, ps.n, TDV_NAMES_DEFAULT_THRESHOLD, &p, &r);
	for (double thr = 0.50; thr <= 0.995; thr += 0.01) {
		double a, b;
		pr(sj, ps.label, ps.n, thr, &a, &b);
		double f1 = a + b > 0 ? 2 * a * b / (a + b) : 0;
		if (f1 > bestf) {
			bestf = f1, bt = thr, bpj = a, brj = b;
		}
	}
	pr(sj, ps.label, ps.n, 0.90, &pj, &rj);
	printf("labelled set (%zu pairs): tdverify at %.2f: precision %.3f recall %.3f (%.1f us/pair incl. romanisation)\n",
	    ps.n, TDV_NAMES_DEFAULT_THRESHOLD, p, r, c_ours * 1e6);
	printf("labelled set: Jaro-Winkler at 0.90: precision %.3f recall %.3f; at its best threshold %.2f: precision %.3f recall %.3f (%.1f us/pair incl. romanisation)\n",
	    pj, rj, bt, bpj, brj, c_jw * 1e6);
	printf("ratio tdverify/baseline at the baseline's best threshold: precision %.2fx, recall %.2fx\n",
	    bpj > 0 ? p / bpj : 0, brj > 0 ? r / brj : 0);
	tdv_watchlist_free(&wl);
	return 0;
}
