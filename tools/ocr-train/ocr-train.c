/*
 * ocr-train: trains the OCR-B character classifier used by tdv_ocr_read
 * and writes its parameters as src/ocr/ocrb_model.c.
 *
 * Training data are OCR-B renderings (FreeType, Debian fonts-ocr-b) of
 * random MRZ character lines printed on specimen pages with random capture
 * distortions (tdv_specimen_generate), cut into cells by the reader's own
 * locator and fixed-pitch segmentation, so the classifier sees exactly the
 * cells it will see at run time; each cell is also taken with a small
 * random mis-registration. Everything is seeded: the same command gives
 * the same file.
 *
 *   build-ocr/tools/ocr-train/ocr-train --pages 900 --seed 7001 \
 *       --out src/ocr/ocrb_model.c
 *
 * The bench and the tests use specimen seeds below 1,000,000; training
 * pages use seeds from 1,000,000,000 up, so they never coincide.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocr/ocr_internal.h"
#include "specimen/specimen_internal.h"
#include "tdv/error.h"
#include "tdv/specimen.h"

#define SEED_BASE ((uint64_t)1000000000)

struct set {
	size_t n, cap;
	uint8_t *x; /* n x NFEAT, darkness * 255 */
	uint8_t *y;
};

static int
push(struct set *s, const float *f, int label)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 65536;
		uint8_t *nx = realloc(s->x, nc * TDV_OCR_NFEAT), *ny;
		if (nx == NULL)
			return -1;
		s->x = nx;
		ny = realloc(s->y, nc);
		if (ny == NULL)
			return -1;
		s->y = ny;
		s->cap = nc;
	}
	for (int i = 0; i < TDV_OCR_NFEAT; i++)
		s->x[s->n * TDV_OCR_NFEAT + (size_t)i] = (uint8_t)lrintf(f[i] * 255.0f);
	s->y[s->n++] = (uint8_t)label;
	return 0;
}

/* The collected cells can be kept in a cache file between runs (the
 * collection is the slow part); the cache is keyed by pages and seed. */
static int
cache_load(const char *path, int pages, long seed, struct set *s)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	long hdr[3];
	size_t n;
	int rc = -1;
	if (fread(hdr, sizeof(hdr), 1, f) == 1 && hdr[0] == pages && hdr[1] == seed &&
	    hdr[2] > 0 && hdr[2] < 100000000) {
		n = (size_t)hdr[2];
		s->x = malloc(n * TDV_OCR_NFEAT);
		s->y = malloc(n);
		if (s->x != NULL && s->y != NULL && fread(s->x, TDV_OCR_NFEAT, n, f) == n &&
		    fread(s->y, 1, n, f) == n) {
			s->n = s->cap = n;
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

static void
cache_save(const char *path, int pages, long seed, const struct set *s)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return;
	long hdr[3] = {pages, seed, (long)s->n};
	fwrite(hdr, sizeof(hdr), 1, f);
	fwrite(s->x, TDV_OCR_NFEAT, s->n, f);
	fwrite(s->y, 1, s->n, f);
	fclose(f);
}

static int
label_of(char c)
{
	const char *p = strchr(tdv__ocr_classes, c);
	return p != NULL && c != '\0' ? (int)(p - tdv__ocr_classes) : -1;
}

/* A random MRZ-like line: letters, digits and runs of fillers. */
static void
random_line(tdv__rng *r, char *out, int n)
{
	int i = 0;
	while (i < n) {
		int k = tdv__rng_int(r, 10);
		if (k < 2) {
			int run = 1 + tdv__rng_int(r, 8);
			while (run-- > 0 && i < n)
				out[i++] = '<';
		} else {
			out[i++] = tdv__ocr_classes[tdv__rng_int(r, 36)];
		}
	}
	out[n] = '\0';
}

static int
collect(tdv_font *font, int pages, uint64_t seed, struct set *s, int *used)
{
	tdv__rng r;
	tdv__rng_seed(&r, seed);
	static const tdv_mrz_format fmts[] = {TDV_MRZ_TD3, TDV_MRZ_TD1, TDV_MRZ_TD2};
	*used = 0;
	for (int p = 0; p < pages; p++) {
		tdv_specimen_opts o;
		memset(&o, 0, sizeof(o));
		o.format = fmts[p % 3];
		o.seed = SEED_BASE + seed * (uint64_t)100000 + (uint64_t)p;
		o.dpi = 150 + tdv__rng_int(&r, 251);
		tdv_specimen_distortion_for_level(p % 4, o.seed, &o.distortion);
		o.distortion.clutter = false; /* cells only: skip the desk */
		int nl = o.format == TDV_MRZ_TD1 ? 3 : 2;
		int nc = o.format == TDV_MRZ_TD1 ? 30 : o.format == TDV_MRZ_TD2 ? 36 : 44;
		char lines[3][45];
		const char *ptrs[3];
		for (int l = 0; l < nl; l++) {
			random_line(&r, lines[l], nc);
			ptrs[l] = lines[l];
		}
		o.lines = ptrs;
		o.nlines = nl;
		tdv_specimen sp;
		if (tdv_specimen_generate(font, &o, NULL, &sp) != TDV_OK)
			continue;
		/* JPEG artefacts, as the reader will see them */
		tdv_image *img = sp.image;
		tdv_image *dec = NULL;
		if (o.distortion.jpeg_quality > 0) {
			tdv_buf b;
			tdv_buf_init(&b, TDV_IMAGE_MAX_FILE);
			if (tdv_image_encode_jpeg(img, o.distortion.jpeg_quality, &b) == TDV_OK)
				tdv_image_decode(b.data, b.len, NULL, 3, &dec);
			tdv_buf_free(&b);
			if (dec != NULL)
				img = dec;
		}
		tdv__ocr_work w;
		tdv__ocr_band band;
		tdv_ocr_search search;
		memset(&search, 0, sizeof(search));
		int ok = tdv__ocr_prepare(img, 0, &w) == TDV_OK &&
		    tdv__ocr_locate(&w, &band, &search) == TDV_OK;
		int done = 0;
		for (int flip = 0; ok && flip < 2 && !done; flip++) {
			tdv__ocr_grid g;
			if (tdv__ocr_grid_fit(&w, &band, flip, &g) != TDV_OK || g.nlines != nl ||
			    g.nchars != nc)
				continue;
			/* the right orientation and registration put the first and
			 * the last cell where the generator drew them */
			double P = sp.pitch_px, cap = 0.94 * P;
			double rx = sp.quad[1][0] - sp.quad[0][0], ry = sp.quad[1][1] - sp.quad[0][1];
			double dx = sp.quad[3][0] - sp.quad[0][0], dy = sp.quad[3][1] - sp.quad[0][1];
			double rl = hypot(rx, ry), dl = hypot(dx, dy);
			rx /= rl, ry /= rl, dx /= dl, dy /= dl;
			double fx = sp.quad[0][0] + 0.5 * P * rx + 0.5 * cap * dx;
			double fy = sp.quad[0][1] + 0.5 * P * ry + 0.5 * cap * dy;
			double lx = sp.quad[2][0] - 0.5 * P * rx - 0.5 * cap * dx;
			double ly = sp.quad[2][1] - 0.5 * P * ry - 0.5 * cap * dy;
			if (hypot(g.cx[0][0] - fx, g.cy[0][0] - fy) > 0.45 * P ||
			    hypot(g.cx[nl - 1][nc - 1] - lx, g.cy[nl - 1][nc - 1] - ly) > 0.45 * P)
				continue;
			done = 1;
			float f[TDV_OCR_NFEAT];
			for (int l = 0; l < nl; l++)
				for (int c = 0; c < nc; c++) {
					int lab = label_of(lines[l][c]);
					tdv__ocr_features(w.gray, &g, l, c, f);
					if (push(s, f, lab) != 0)
						return -1;
					/* mis-registered copy */
					tdv__ocr_grid j = g;
					double cp = g.pitch[l][c];
					j.cx[l][c] += tdv__rng_range(&r, -0.12, 0.12) * cp;
					j.cy[l][c] += tdv__rng_range(&r, -0.12, 0.12) * cp;
					j.pitch[l][c] *= tdv__rng_range(&r, 0.92, 1.08);
					tdv__ocr_features(w.gray, &j, l, c, f);
					if (push(s, f, lab) != 0)
						return -1;
				}
		}
		tdv__ocr_work_free(&w);
		tdv_image_free(&dec);
		tdv_specimen_clear(&sp);
		*used += done;
		if ((p + 1) % 50 == 0)
			fprintf(stderr, "\rpages %d/%d, cells %zu", p + 1, pages, s->n);
	}
	fprintf(stderr, "\n");
	return 0;
}

/* --- the network --- */

#define NF TDV_OCR_NFEAT
#define NH TDV_OCR_HIDDEN
#define NC TDV_OCR_NCLASS

struct net {
	float w1[NH * NF], b1[NH], w2[NC * NH], b2[NC];
};

static void
forward(const struct net *m, const float *x, float *h, float *p)
{
	for (int j = 0; j < NH; j++) {
		float a = m->b1[j];
		for (int i = 0; i < NF; i++)
			a += m->w1[j * NF + i] * x[i];
		h[j] = a > 0 ? a : 0;
	}
	float mx = -1e30f, sum = 0;
	for (int k = 0; k < NC; k++) {
		float a = m->b2[k];
		for (int j = 0; j < NH; j++)
			a += m->w2[k * NH + j] * h[j];
		p[k] = a;
		mx = a > mx ? a : mx;
	}
	for (int k = 0; k < NC; k++) {
		p[k] = expf(p[k] - mx);
		sum += p[k];
	}
	for (int k = 0; k < NC; k++)
		p[k] /= sum;
}

static void
to_float(const struct set *s, size_t i, float *x)
{
	for (int k = 0; k < NF; k++)
		x[k] = s->x[i * NF + (size_t)k] / 255.0f;
}

static double
accuracy(const struct net *m, const struct set *s, size_t from, size_t to)
{
	float x[NF], h[NH], p[NC];
	size_t ok = 0;
	for (size_t i = from; i < to; i++) {
		to_float(s, i, x);
		forward(m, x, h, p);
		int b = 0;
		for (int k = 1; k < NC; k++)
			if (p[k] > p[b])
				b = k;
		ok += b == s->y[i];
	}
	return to > from ? (double)ok / (double)(to - from) : 0;
}

static void
train(struct net *m, const struct set *s, size_t ntrain, int epochs, tdv__rng *r)
{
	for (int i = 0; i < NH * NF; i++)
		m->w1[i] = (float)(tdv__rng_gauss(r) * sqrt(2.0 / NF));
	for (int i = 0; i < NC * NH; i++)
		m->w2[i] = (float)(tdv__rng_gauss(r) * sqrt(1.0 / NH));
	memset(m->b1, 0, sizeof(m->b1));
	memset(m->b2, 0, sizeof(m->b2));
	size_t *order = malloc(ntrain * sizeof(size_t));
	if (order == NULL)
		return;
	for (size_t i = 0; i < ntrain; i++)
		order[i] = i;
	float x[NF], h[NH], p[NC], dh[NH];
	for (int e = 0; e < epochs; e++) {
		for (size_t i = ntrain - 1; i > 0; i--) {
			size_t j = (size_t)(tdv__rng_next(r) % (i + 1));
			size_t t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		float lr = (float)(0.0012 * pow(0.8, e));
		double loss = 0;
		for (size_t n = 0; n < ntrain; n++) {
			size_t i = order[n];
			to_float(s, i, x);
			forward(m, x, h, p);
			int y = s->y[i];
			loss -= log(p[y] + 1e-9);
			/* softmax cross-entropy gradient */
			for (int k = 0; k < NC; k++) {
				float g = p[k] - (k == y ? 1.0f : 0.0f);
				if (g == 0)
					continue;
				for (int j = 0; j < NH; j++)
					m->w2[k * NH + j] -= lr * g * h[j];
				m->b2[k] -= lr * g;
			}
			for (int j = 0; j < NH; j++) {
				if (h[j] <= 0) {
					dh[j] = 0;
					continue;
				}
				float a = 0;
				for (int k = 0; k < NC; k++)
					a += (p[k] - (k == y ? 1.0f : 0.0f)) * m->w2[k * NH + j];
				/* clipped: one odd cell must not blow the weights up */
				dh[j] = a > 4.0f ? 4.0f : a < -4.0f ? -4.0f : a;
			}
			for (int j = 0; j < NH; j++) {
				if (dh[j] == 0)
					continue;
				float g = lr * dh[j];
				float *w = m->w1 + j * NF;
				for (int k = 0; k < NF; k++)
					w[k] -= g * x[k];
				m->b1[j] -= g;
			}
		}
		fprintf(stderr, "epoch %d: loss %.4f, train accuracy %.4f\n", e + 1,
		    loss / (double)ntrain, accuracy(m, s, 0, ntrain < 20000 ? ntrain : 20000));
	}
	free(order);
}

static int
write_array(FILE *f, const char *name, const float *v, int n)
{
	fprintf(f, "static const float %s[%d] = {", name, n);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%.5ef,", i % 8 == 0 ? "\n\t" : " ", (double)v[i]);
	fprintf(f, "\n};\n\n");
	return ferror(f) ? -1 : 0;
}

static int
write_model(const char *path, const struct net *m, int pages, long seed, int epochs,
    size_t ntrain, size_t ntest, double acc)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "ocr-train: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f,
	    "/*\n * OCR-B classifier parameters for the MRZ reader. GENERATED by\n"
	    " * tools/ocr-train; do not edit. Reproduce with:\n"
	    " *   ocr-train --pages %d --seed %ld --epochs %d --out src/ocr/ocrb_model.c\n"
	    " * Trained on %zu cells, %zu held out: held-out accuracy %.4f.\n */\n"
	    "#include \"ocr/ocr_internal.h\"\n\n",
	    pages, seed, epochs, ntrain, ntest, acc);
	int rc = write_array(f, "w1", m->w1, NH * NF) | write_array(f, "b1", m->b1, NH) |
	    write_array(f, "w2", m->w2, NC * NH) | write_array(f, "b2", m->b2, NC);
	fprintf(f, "const tdv__ocr_model tdv__ocrb_model = {w1, b1, w2, b2};\n");
	if (fclose(f) != 0 || rc != 0) {
		fprintf(stderr, "ocr-train: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

static long
arg_long(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "ocr-train: %s: expected %ld..%ld\n", opt, lo, hi);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	const char *out = NULL, *fontpath = NULL, *cache = NULL;
	long pages = 900, seed = 7001, epochs = 10;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--cache") == 0 && i + 1 < argc)
			cache = argv[++i];
		else if (strcmp(argv[i], "--font") == 0 && i + 1 < argc)
			fontpath = argv[++i];
		else if (strcmp(argv[i], "--pages") == 0 && i + 1 < argc)
			pages = arg_long("--pages", argv[++i], 10, 100000);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = arg_long("--seed", argv[++i], 0, 1000000);
		else if (strcmp(argv[i], "--epochs") == 0 && i + 1 < argc)
			epochs = arg_long("--epochs", argv[++i], 1, 100);
		else {
			fprintf(stderr, "usage: ocr-train --out FILE.c [--pages N] [--seed S] "
					"[--epochs E] [--font OCRB.otf] [--cache FILE]\n");
			return 2;
		}
	}
	if (out == NULL) {
		fprintf(stderr, "ocr-train: --out FILE.c is required\n");
		return 2;
	}
	tdv_font *font;
	if (tdv_font_open(fontpath, &font) != TDV_OK) {
		fprintf(stderr, "ocr-train: cannot open the OCR-B font (fonts-ocr-b)\n");
		return 1;
	}
	struct set s = {0};
	int used;
	if (cache != NULL && cache_load(cache, (int)pages, seed, &s) == 0) {
		fprintf(stderr, "%zu cells from %s\n", s.n, cache);
	} else {
		if (collect(font, (int)pages, (uint64_t)seed, &s, &used) != 0) {
			fprintf(stderr, "ocr-train: out of memory\n");
			return 1;
		}
		fprintf(stderr, "%d of %ld pages segmented, %zu cells\n", used, pages, s.n);
		if (cache != NULL)
			cache_save(cache, (int)pages, seed, &s);
	}
	tdv_font_free(&font);
	if (s.n < 1000) {
		fprintf(stderr, "ocr-train: too few cells\n");
		return 1;
	}
	/* Hold out the last tenth of the pages' cells (they come in page
	 * order, so held-out cells are from unseen pages). */
	size_t ntest = s.n / 10, ntrain = s.n - ntest;
	static struct net m;
	tdv__rng r;
	tdv__rng_seed(&r, (uint64_t)seed * 7919u + 17u);
	train(&m, &s, ntrain, (int)epochs, &r);
	double acc = accuracy(&m, &s, ntrain, s.n);
	fprintf(stderr, "held-out accuracy %.4f on %zu cells\n", acc, ntest);
	int rc = write_model(out, &m, (int)pages, seed, (int)epochs, ntrain, ntest, acc);
	free(s.x);
	free(s.y);
	return rc == 0 ? 0 : 1;
}
