/*
 * bench/screen: the SLTD index with 10 million generated documents and the
 * watchlist with 1 million generated persons (multi-script names), and in
 * the same run a plain Jaro-Winkler-over-full-name baseline (the method of
 * common open screening tools) for speed, precision and recall.
 *
 * Usage: bench_screen SRC_DIR WORK_DIR [ndocs] [npersons] [--no-baseline]
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/resource.h>
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

/*
 * Generated persons (see bench/screen/README): per script, a pool of given
 * names and a pool of surnames. Each pool starts with the names of
 * tests/data/names/lists/ (in list order: the most common first) and is
 * extended with new names made by joining the first part of one listed
 * name to the last part of another, cut only at a syllable boundary of the
 * script (before a consonant that follows a vowel in Latin and Cyrillic;
 * never before a combining sign or after a virama or a Thai/Lao leading
 * vowel in Arabic, Thai, Lao and Devanagari). Chinese given names are one
 * or two characters drawn from those of the listed given names; Chinese
 * surnames are the listed ones only. A name is drawn from its pool with a
 * Zipf law, P(rank r) proportional to 1/r, so common names are common and
 * most names are rare, as in real populations.
 */
#define POOL_GIVEN 3000
#define POOL_SURNAME 10000

struct pool {
	char **v;
	double *cum; /* cumulative Zipf weights */
	size_t n, cap;
};

struct nlist {
	struct pool given, surname;
	char *lg[256], *ls[256]; /* listed names */
	int nlg, nls;
};

static struct nlist lists[7];
static const char *const list_names[7] = {"latin", "cyrillic", "arabic", "thai", "lao",
    "devanagari", "han"};

static size_t
utf8_decode(const char *s, uint32_t *cp, size_t max)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p && n < max) {
		uint32_t c = *p;
		int k = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
		c = k == 0 ? c : k == 1 ? c & 0x1f : k == 2 ? c & 0x0f : c & 0x07;
		p++;
		for (int i = 0; i < k && (*p & 0xc0) == 0x80; i++, p++)
			c = (c << 6) | (*p & 0x3f);
		cp[n++] = c;
	}
	return n;
}

static size_t
utf8_encode(const uint32_t *cp, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < outsz; i++) {
		uint32_t c = cp[i];
		if (c < 0x80) {
			out[o++] = (char)c;
		} else if (c < 0x800) {
			out[o++] = (char)(0xc0 | (c >> 6));
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			out[o++] = (char)(0xe0 | (c >> 12));
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | (c >> 18));
			out[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[o] = '\0';
	return o;
}

static bool
is_mark(uint32_t c)
{
	return (c >= 0x0300 && c <= 0x036f) || (c >= 0x064b && c <= 0x065f) || c == 0x0670 ||
	    c == 0x0e30 || c == 0x0e31 || (c >= 0x0e32 && c <= 0x0e3a) ||
	    (c >= 0x0e45 && c <= 0x0e4e) || (c >= 0x0eb0 && c <= 0x0ebc) ||
	    (c >= 0x0ec6 && c <= 0x0ecd) || (c >= 0x0900 && c <= 0x0903) ||
	    (c >= 0x093a && c <= 0x094f) || (c >= 0x0951 && c <= 0x0957) ||
	    (c >= 0x0962 && c <= 0x0963);
}

static bool
no_cut_after(uint32_t c)
{
	return (c >= 0x0e40 && c <= 0x0e44) || (c >= 0x0ec0 && c <= 0x0ec4) ||
	    c == 0x094d || c == 0x0e3a;
}

static bool
is_vowel_lc(uint32_t c)
{
	static const char v[] = "aeiouyAEIOUY";
	if (c < 0x80)
		return strchr(v, (int)c) != NULL && c != 0;
	if (c >= 0xc0 && c <= 0x17f)
		return true; /* accented letters of the lists are vowels */
	static const uint32_t cyr[] = {0x430, 0x435, 0x451, 0x438, 0x43e, 0x443, 0x44b, 0x44d,
	    0x44e, 0x44f, 0x410, 0x415, 0x401, 0x418, 0x41e, 0x423, 0x42b, 0x42d, 0x42e,
	    0x42f, 0x456, 0x457, 0x454};
	for (size_t i = 0; i < sizeof(cyr) / sizeof(cyr[0]); i++)
		if (cyr[i] == c)
			return true;
	return false;
}

/* May a name be cut before code point k? */
static bool
cut_ok(int script, const uint32_t *cp, size_t n, size_t k)
{
	if (k < 2 || k + 2 > n)
		return false;
	if (is_mark(cp[k]) || no_cut_after(cp[k - 1]) || cp[k] == ' ' || cp[k - 1] == ' ')
		return false;
	if (script <= 1) /* Latin, Cyrillic: before a consonant after a vowel */
		return is_vowel_lc(cp[k - 1]) && !is_vowel_lc(cp[k]);
	return true;
}

static uint64_t
shash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
pool_add(struct pool *p, const char *s)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->v = realloc(p->v, p->cap * sizeof(*p->v));
		if (p->v == NULL)
			exit(2);
	}
	p->v[p->n++] = strdup(s);
}

static void
pool_finish(struct pool *p)
{
	p->cum = malloc((p->n ? p->n : 1) * sizeof(double));
	double c = 0;
	for (size_t i = 0; i < p->n; i++) {
		c += 1.0 / (double)(i + 1);
		p->cum[i] = c;
	}
}

static const char *
pool_draw(const struct pool *p)
{
	double u = (double)(rnd() >> 11) / 9007199254740992.0 * p->cum[p->n - 1];
	size_t lo = 0, hi = p->n - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (p->cum[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return p->v[lo];
}

/* A pool name must romanise to one word (Chinese given names: with the
 * surname WANG in front, to two). */
static bool
romanises(int script, const char *s)
{
	char rom[512], in[512];
	if (script == 6) {
		snprintf(in, sizeof(in), "\xe7\x8e\x8b%s", s);
		s = in;
	}
	if (tdv_name_romanise(s, strlen(s), "icao", rom, sizeof(rom)) != TDV_OK ||
	    strlen(rom) < 2)
		return false;
	char *sp = strchr(rom, ' ');
	return script == 6 ? sp != NULL && strchr(sp + 1, ' ') == NULL : sp == NULL;
}

/* Fill pool p (listed names first) up to want names. */
static void
grow_pool(int script, struct pool *p, char **listed, int nl, size_t want)
{
	size_t hcap = 1 << 16;
	uint64_t *seen = calloc(hcap, sizeof(*seen));
	for (int i = 0; i < nl; i++) {
		uint64_t h = shash(listed[i]) | 1;
		size_t at = (size_t)h & (hcap - 1);
		while (seen[at] != 0 && seen[at] != h)
			at = (at + 1) & (hcap - 1);
		if (seen[at] == 0) {
			seen[at] = h;
			pool_add(p, listed[i]);
		}
	}
	uint32_t a[64], b[64], c[128];
	for (size_t tries = 0; p->n < want && tries < want * 200; tries++) {
		char out[512];
		if (script == 6) { /* Han given names: one or two characters */
			const char *x = listed[rnd() % (uint64_t)nl], *y = listed[rnd() % (uint64_t)nl];
			size_t na = utf8_decode(x, a, 64), nb = utf8_decode(y, b, 64);
			c[0] = a[rnd() % na];
			c[1] = b[rnd() % nb];
			utf8_encode(c, rnd() % 4 == 0 ? 1 : 2, out, sizeof(out));
		} else {
			const char *x = listed[rnd() % (uint64_t)nl], *y = listed[rnd() % (uint64_t)nl];
			size_t na = utf8_decode(x, a, 64), nb = utf8_decode(y, b, 64);
			size_t ka = 2 + (size_t)(rnd() % (na > 3 ? na - 3 : 1));
			size_t kb = 2 + (size_t)(rnd() % (nb > 3 ? nb - 3 : 1));
			if (!cut_ok(script, a, na, ka) || !cut_ok(script, b, nb, kb))
				continue;
			memcpy(c, a, ka * sizeof(*a));
			memcpy(c + ka, b + kb, (nb - kb) * sizeof(*b));
			if (ka + nb - kb > 24)
				continue;
			utf8_encode(c, ka + nb - kb, out, sizeof(out));
		}
		uint64_t h = shash(out) | 1;
		size_t at = (size_t)h & (hcap - 1);
		while (seen[at] != 0 && seen[at] != h)
			at = (at + 1) & (hcap - 1);
		if (seen[at] != 0 || !romanises(script, out))
			continue;
		seen[at] = h;
		pool_add(p, out);
	}
	free(seen);
	pool_finish(p);
}

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
		struct nlist *L = &lists[l];
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
			if (!romanises(l == 6 && strcmp(kind, "given") == 0 ? 6 : 0, native))
				continue;
			if (strcmp(kind, "given") == 0 && L->nlg < 256)
				L->lg[L->nlg++] = strdup(native);
			else if (strcmp(kind, "surname") == 0 && L->nls < 256)
				L->ls[L->nls++] = strdup(native);
		}
		fclose(f);
		grow_pool(l, &L->given, L->lg, L->nlg, POOL_GIVEN);
		grow_pool(l, &L->surname, L->ls, L->nls, l == 6 ? 0 : POOL_SURNAME);
	}
}

/* A generated person's name in its own script. */
static void
person(char *out, size_t outsz, int *script)
{
	int l = (int)(rnd() % 7);
	struct nlist *L = &lists[l];
	const char *g1 = pool_draw(&L->given);
	const char *g2 = pool_draw(&L->given);
	const char *s = pool_draw(&L->surname);
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
	/* BENCH_SCREEN_SLTD_REUSE=1: an index left by an earlier run in
	 * WORK_DIR (same ndocs) is used again and kept (comparing lookup
	 * code without waiting for the import). */
	bool reuse = getenv("BENCH_SCREEN_SLTD_REUSE") != NULL;
	bool have = reuse && access(idx, R_OK) == 0;

	/* --- SLTD ------------------------------------------------------ */
	double t_import = 0, c_import = 0;
	int rc = TDV_OK;
	FILE *f = have ? NULL : fopen(csv, "w");
	for (size_t i = 0; f != NULL && i < ndocs; i++) {
		char num[16];
		doc_number(i, num);
		fprintf(f, "%s,%s,P,%s,2025-%02d-%02d,source %u\n",
		    states[i % 16], num, statuses[i % 4], (int)(i % 12) + 1,
		    (int)(i % 28) + 1, (unsigned)(i % 40));
	}
	double t0 = now(), c_imp0 = cpu();
	if (f != NULL) {
		fclose(f);
		f = fopen(csv, "r");
		tdv_sltd_import_stats st;
		rc = f != NULL ? tdv_sltd_import(f, idx, NULL, &st) : TDV_EIO;
		if (f != NULL)
			fclose(f);
		t_import = now() - t0;
		c_import = cpu() - c_imp0;
	}
	if (rc != TDV_OK) {
		fprintf(stderr, "import: %s\n", tdv_strerror(rc));
		return 1;
	}
	tdv_sltd *sl = NULL;
	tdv_sltd_open(idx, &sl);
	tdv_sltd_info info;
	tdv_sltd_info_get(sl, &info);
	if (have)
		printf("sltd: index of an earlier run used again (no import)\n");
	printf("sltd: %llu records imported from CSV in %.1f s wall, %.1f s CPU (%.0f records/s CPU); index %.1f MB, %.1f bytes/record\n",
	    (unsigned long long)info.nrecords, t_import, c_import, (double)info.nrecords / c_import,
	    (double)info.file_bytes / 1e6, info.bytes_per_record);
	/* Three measurements (wall time per lookup, exact + confusable, half
	 * of the queries listed, one in ten with a digit read as a letter):
	 * cold: the index file dropped from the page cache (posix_fadvise
	 * DONTNEED on this file only) and mapped afresh, so the pages a
	 * lookup touches come from disk; cold-ish: the file read into the page
	 * cache, mapped afresh (page faults, cold CPU caches); warm: the
	 * mapping preloaded (tdv_sltd_preload, as a long-running station
	 * does), then 1,000,000 lookups. */
	tdv_sltd_free(&sl);
	size_t nq = 1000000, ncold = 10000, found = 0;
	double *lat = calloc(nq, sizeof(double)), *clean = calloc(nq, sizeof(double));
	/* Touched now, so that no sample takes the page fault of its slot. */
	memset(lat, 1, nq * sizeof(double));
	memset(clean, 1, nq * sizeof(double));
	/* What a measurement costs by itself: two clock reads around nothing. */
	{
		for (size_t q = 0; q < 200000; q++) {
			double a = now();
			lat[q] = now() - a;
		}
		printf("timer: two clock reads around nothing: p50 %.3f us, p99 %.3f us (included in every figure below)\n",
		    pct(lat, 200000, 0.50) * 1e6, pct(lat, 200000, 0.99) * 1e6);
	}
	/* A dependent random memory access on this machine (a pointer chase
	 * over 128 MB in 4 KB pages: a cache miss and, mostly, a TLB miss),
	 * to read the lookup figures against. */
	{
		size_t nl = (128u << 20) / 64;
		uint64_t *mem = malloc(nl * 64);
		uint32_t *perm = malloc(nl * sizeof(uint32_t));
		if (mem != NULL && perm != NULL) {
			for (size_t i = 0; i < nl; i++)
				perm[i] = (uint32_t)i;
			uint64_t lcg = 0x9e3779b97f4a7c15ULL; /* not rnd(): the
			                                         * generated data stay as before */
			for (size_t i = nl - 1; i > 0; i--) {
				lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
				size_t j = (size_t)(lcg >> 33) % (i + 1);
				uint32_t t = perm[i];
				perm[i] = perm[j];
				perm[j] = t;
			}
			for (size_t i = 0; i < nl; i++)
				mem[(size_t)perm[i] * 8] = (uint64_t)perm[(i + 1) % nl] * 8;
			uint64_t at = (uint64_t)perm[0] * 8;
			size_t steps = 2000000;
			double a = now();
			for (size_t i = 0; i < steps; i++)
				at = mem[at];
			double el = now() - a;
			printf("memory: dependent random access over 128 MB: %.0f ns each (%llu)\n",
			    el / (double)steps * 1e9, (unsigned long long)(at & 1));
		}
		free(mem);
		free(perm);
	}
	for (int phase = 0; phase < 3; phase++) {
		if (phase < 2) {
			int fd = open(idx, O_RDONLY);
			if (fd >= 0) {
				if (phase == 0) {
					fdatasync(fd);
					posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
				} else {
					static char buf[1 << 20];
					while (read(fd, buf, sizeof(buf)) > 0)
						;
				}
				close(fd);
			}
			tdv_sltd_free(&sl);
			if (tdv_sltd_open(idx, &sl) != TDV_OK)
				return 1;
		} else {
			double p0 = now();
			tdv_sltd_preload(sl);
			double tp = now() - p0;
			/* How much of the process is on huge pages (the copy). */
			long huge_kb = -1;
			FILE *sm = fopen("/proc/self/smaps_rollup", "r");
			char line[256];
			while (sm != NULL && fgets(line, sizeof(line), sm) != NULL)
				if (strncmp(line, "AnonHugePages:", 14) == 0)
					huge_kb = strtol(line + 14, NULL, 10);
			if (sm != NULL)
				fclose(sm);
			printf("sltd preload (every page of the %.1f MB index read, records, confusable entries and first level copied to memory of their own): %.2f s; process on huge pages: %ld MB\n",
			    (double)info.file_bytes / 1e6, tp, huge_kb / 1024);
		}
		size_t n = phase < 2 ? ncold : nq;
		found = 0;
		/* Around every sample (outside its clock reads) the thread's
		 * context switches and page faults: a sample during which the
		 * thread was preempted or faulted is counted and kept; the tail is
		 * printed over all samples (the target figure) and over the
		 * samples without either (what the lookup itself costs). */
		/* Context switches and page faults are counted per batch of
		 * 1,000 samples (getrusage at the batch boundaries: a system call
		 * between every two samples would itself slow the next lookup,
		 * see the last line). No sample is dropped: the tail is printed
		 * over all samples (the target figure) and over the batches
		 * without an involuntary context switch or a page fault. */
		size_t nclean = 0, nbatch = 0, ninv = 0, nflt = 0;
		double cb = cpu();
		for (size_t q0 = 0; q0 < n; q0 += 1000) {
			size_t q1 = q0 + 1000 < n ? q0 + 1000 : n;
			struct rusage r0, r1;
			getrusage(RUSAGE_THREAD, &r0);
			for (size_t q = q0; q < q1; q++) {
				char num[16];
				uint64_t i = rnd() % (ndocs * 2); /* half listed, half not */
				doc_number(i, num);
				if (q % 10 == 0) { /* OCR confusion: a possible hit */
					char *z = strpbrk(num + 1, "015");
					if (z != NULL)
						*z = *z == '0' ? 'O' : *z == '1' ? 'I' : 'S';
				}
				tdv_sltd_hit hits[4];
				size_t nh;
				double a = now();
				tdv_sltd_lookup(sl, states[i % 16], num, hits, 4, &nh);
				lat[q] = now() - a;
				found += nh > 0;
			}
			getrusage(RUSAGE_THREAD, &r1);
			bool inv = r1.ru_nivcsw != r0.ru_nivcsw;
			bool flt = r1.ru_minflt != r0.ru_minflt || r1.ru_majflt != r0.ru_majflt;
			nbatch++;
			ninv += inv;
			nflt += flt;
			if (!inv && !flt)
				for (size_t q = q0; q < q1; q++)
					clean[nclean++] = lat[q];
		}
		cb = (cpu() - cb) / (double)n;
		static const char *const what[] = {"cold (file evicted from the page cache, fresh mapping)",
		    "cold-ish (file in the page cache, fresh mapping: page faults)",
		    "warm (mapping preloaded)"};
		double p50 = pct(lat, n, 0.50), p99 = pct(lat, n, 0.99), p999 = pct(lat, n, 0.999);
		printf("sltd lookup %s, %zu queries, %zu with hits; wall time each, ALL samples (the target figure, p99 <= 10 us): p50 %.2f us, p99 %.2f us, p99.9 %.2f us, max %.1f us\n",
		    what[phase], n, found, p50 * 1e6, p99 * 1e6, p999 * 1e6, lat[n - 1] * 1e6);
		if (nclean > 0) {
			double q50 = pct(clean, nclean, 0.50), q99 = pct(clean, nclean, 0.99);
			double q999 = pct(clean, nclean, 0.999);
			printf("  same without the batches of 1,000 with an involuntary context switch (%zu of %zu) or a page fault (%zu): %zu samples: p50 %.2f us, p99 %.2f us, p99.9 %.2f us, max %.1f us; mean CPU per lookup %.2f us\n",
			    ninv, nbatch, nflt, nclean, q50 * 1e6, q99 * 1e6, q999 * 1e6,
			    clean[nclean - 1] * 1e6, cb * 1e6);
		} else {
			printf("  every batch of 1,000 had a context switch (%zu) or a page fault (%zu)\n",
			    ninv, nflt);
		}
		if (phase == 2) {
			/* The same lookups, each right after a system call (as
			 * between a server's requests): on this paravirtual VM a
			 * system call costs the next lookup its TLB and cache
			 * contents. Own generator: the data generated later stay
			 * as they were. */
			size_t ns = 100000;
			uint64_t g = 0x243f6a8885a308d3ULL;
			for (size_t q = 0; q < ns; q++) {
				char num[16];
				g = g * 6364136223846793005ULL + 1442695040888963407ULL;
				uint64_t i = (g >> 11) % (ndocs * 2);
				doc_number(i, num);
				tdv_sltd_hit hits[4];
				size_t nh;
				(void)getppid();
				double a = now();
				tdv_sltd_lookup(sl, states[i % 16], num, hits, 4, &nh);
				clean[q] = now() - a;
			}
			printf("  each lookup right after a system call (getppid; %zu samples, all kept): p50 %.2f us, p99 %.2f us, p99.9 %.2f us\n",
			    ns, pct(clean, ns, 0.50) * 1e6, pct(clean, ns, 0.99) * 1e6,
			    pct(clean, ns, 0.999) * 1e6);
		}
	}
	tdv_sltd_free(&sl);
	unlink(csv);
	if (!reuse)
		unlink(idx);

	/* --- watchlist ------------------------------------------------ */
	load_lists(src);
	printf("generated persons: 7 scripts; pools (given/surname):");
	for (int l = 0; l < 7; l++)
		printf(" %s %zu/%zu", list_names[l], lists[l].given.n, lists[l].surname.n);
	printf("; Zipf 1/rank\n");
	size_t cap = npers * 80 + 1024, len = 0;
	char *wcsv = malloc(cap);
	char **listed = malloc(2000 * sizeof(char *));
	int *listed_year = malloc(2000 * sizeof(int));
	char *listed_sex = malloc(2000);
	char **allnames = calloc(npers ? npers : 1, sizeof(char *));
	size_t nlisted = 0;
	len += (size_t)snprintf(wcsv + len, cap - len,
	    "id,names,birth_date,nationality,sex,documents,reason,action\n");
	for (size_t i = 0; i < npers; i++) {
		char name[512];
		int script;
		person(name, sizeof(name), &script);
		int year = 1940 + (int)(rnd() % 60);
		char sex = rnd() % 2 ? 'M' : 'F';
		if (nlisted < 2000 && i % (npers / 2000 + 1) == 0) {
			listed_year[nlisted] = year;
			listed_sex[nlisted] = sex;
			listed[nlisted++] = strdup(name);
		}
		allnames[i] = strdup(name);
		int w = snprintf(wcsv + len, cap - len, "P%zu,%s,%d,,%c,,generated,refer\n",
		    i, name, year, sex);
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
	 * romanisation, with their birth year and sex), half generated people
	 * (same name distribution, so many share a listed name; random birth
	 * date and sex). */
	size_t nt = 2000;
	double *tl = malloc(nt * sizeof(double));
	size_t nhit = 0, nlisted_found = 0;
	tdv_watch_hit *hits = calloc(10, sizeof(*hits));
	char **queries = malloc(nt * sizeof(char *));
	int *qyear = malloc(nt * sizeof(int));
	char *qsex = malloc(nt);
	for (size_t q = 0; q < nt; q++) {
		char name[512], rom[2048];
		int script;
		if (q % 2 == 0 && q / 2 < nlisted) {
			snprintf(name, sizeof(name), "%s", listed[q / 2]);
			qyear[q] = listed_year[q / 2];
			qsex[q] = listed_sex[q / 2];
		} else {
			person(name, sizeof(name), &script);
			qyear[q] = 1940 + (int)(rnd() % 60);
			qsex[q] = rnd() % 2 ? 'M' : 'F';
		}
		if (tdv_name_romanise(name, strlen(name), "icao", rom, sizeof(rom)) != TDV_OK)
			snprintf(rom, sizeof(rom), "X");
		queries[q] = strdup(rom);
	}
	/* BENCH_SCREEN_DUMP=file: every hit (traveller, entry, score, name
	 * score), to check that a change of the matcher changes no result. */
	const char *dump_path = getenv("BENCH_SCREEN_DUMP");
	FILE *dump = dump_path != NULL ? fopen(dump_path, "w") : NULL;
	for (size_t q = 0; q < nt; q++) {
		tdv_traveller t;
		memset(&t, 0, sizeof(t));
		t.name = queries[q];
		t.birth.year = qyear[q];
		t.birth.month = 6;
		t.birth.day = 15;
		t.sex = qsex[q];
		size_t nh = 0;
		double a = cpu();
		tdv_watchlist_match(wl, &t, hits, 10, &nh);
		tl[q] = cpu() - a;
		if (dump != NULL)
			for (size_t k = 0; k < nh; k++)
				fprintf(dump, "%zu %u %.17g %.17g\n", q, hits[k].entry, hits[k].score,
				    hits[k].name_score);
		nhit += nh > 0;
		if (q % 2 == 0 && q / 2 < nlisted)
			nlisted_found += nh > 0;
	}
	if (dump != NULL)
		fclose(dump);
	{
		/* The slowest travellers, to see what costs. */
		size_t worst[5] = {0, 0, 0, 0, 0};
		int nw = 0;
		for (size_t q = 0; q < nt; q++) {
			int k = nw < 5 ? nw++ : 5;
			while (k > 0 && tl[q] > tl[worst[k - 1]]) {
				if (k < 5)
					worst[k] = worst[k - 1];
				k--;
			}
			if (k < 5)
				worst[k] = q;
		}
		printf("slowest travellers:");
		for (int k = 0; k < 5; k++)
			printf(" %s (%.2f ms)%s", queries[worst[k]], tl[worst[k]] * 1e3, k < 4 ? ";" : "\n");
	}
	double p50 = pct(tl, nt, 0.5), p99 = pct(tl, nt, 0.99);
	printf("screening (%zu travellers with name, birth date and sex; %zu with hits, %zu of %zu listed found; thread CPU time): p50 %.3f ms, p99 %.3f ms, max %.3f ms per traveller (target p99 <= 5 ms)\n",
	    nt, nhit, nlisted_found, nt / 2 < nlisted ? nt / 2 : nlisted, p50 * 1e3, p99 * 1e3, tl[nt - 1] * 1e3);

	if (argc > 5 && strcmp(argv[5], "--no-baseline") == 0) {
		tdv_watchlist_free(&wl);
		return 0; /* profiling the screening alone */
	}
	/* Baseline speed: Jaro-Winkler of the full name against every name
	 * on the list (no index), over 20 travellers. */
	size_t nb = 20, nn = tdv_watchlist_size(wl);
	char **flat = malloc(nn * sizeof(char *));
	for (size_t i = 0; i < nn; i++) {
		char rom[2048];
		const char *name = i < npers ? allnames[i] : "";
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
