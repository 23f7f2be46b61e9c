/*
 * bench_ocr: MRZ reading accuracy and speed on generated specimens, and
 * the same images through Tesseract 5 in the same run.
 *
 * Two sets with fixed seeds: clean (no distortion, 300 dpi) and distorted
 * (tdv_specimen_distortion_for_level(2) plus a resolution between 150 and
 * 300 dpi), formats cycling TD3, TD1, TD2. Each image is encoded as the
 * generator writes it (PNG, or JPEG at the drawn quality) and timed from
 * the encoded bytes: decode + locate + read + check-digit correction, on
 * one core.
 *
 * Tesseract path (libtesseract 5 through its C API, loaded with dlopen so
 * no development package is needed): the same decoded image, the same MRZ
 * band location (our locator's corners), the band rectified upright and
 * scaled to ~30 px capitals, page segmentation "single block", a
 * whitelist of the MRZ alphabet, LSTM engine with the word dictionaries
 * switched off at initialisation (they cannot be afterwards); its lines get the same
 * check-digit correction. Its time is decode + location + rectification
 * + recognition.
 *
 * Two speed ratios are printed: end to end (both sides include the same
 * PNG/JPEG decoding, which neither reader does itself: tdv_image_decode,
 * i.e. libjpeg-turbo, and for PNG libdeflate with our own chunk walk,
 * unfiltering and libpng-identical grey conversion, or libpng for the
 * variants that path leaves to it) and from the decoded image (what the library call
 * tdv_ocr_read does for a camera frame, against location + rectification
 * + Tesseract recognition). The Tesseract side is given our location and
 * our upright decision, so its time includes our whole read.
 *
 * Times are CPU time of this process (one thread: Tesseract runs with
 * OMP_THREAD_LIMIT=1), so other load on the machine does not inflate them.
 *
 * Scores: a document is right when every MRZ character after correction
 * equals the truth; character accuracy counts equal positions.
 */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tdv/error.h"
#include "tdv/image.h"
#include "tdv/ocr.h"
#include "tdv/specimen.h"

/* --- Tesseract C API, resolved at run time --- */
struct tess {
	void *lib, *api;
	void *(*create)(void);
	int (*init3)(void *, const char *, const char *);
	int (*init4)(void *, const char *, const char *, int, char **, int, char **, char **,
	    size_t, int);
	int (*setvar)(void *, const char *, const char *);
	void (*setpsm)(void *, int);
	void (*setimage)(void *, const unsigned char *, int, int, int, int);
	void (*setres)(void *, int);
	char *(*text)(void *);
	void (*deltext)(const char *);
	void (*end)(void *);
	void (*del)(void *);
};

#define SYM(t, field, name)                                                    \
	do {                                                                   \
		*(void **)(&(t)->field) = dlsym((t)->lib, name);               \
		if ((t)->field == NULL)                                        \
			return -1;                                             \
	} while (0)

static int
tess_open(struct tess *t)
{
	memset(t, 0, sizeof(*t));
	t->lib = dlopen("libtesseract.so.5", RTLD_NOW);
	if (t->lib == NULL)
		return -1;
	SYM(t, create, "TessBaseAPICreate");
	SYM(t, init3, "TessBaseAPIInit3");
	SYM(t, init4, "TessBaseAPIInit4");
	SYM(t, setvar, "TessBaseAPISetVariable");
	SYM(t, setpsm, "TessBaseAPISetPageSegMode");
	SYM(t, setimage, "TessBaseAPISetImage");
	SYM(t, setres, "TessBaseAPISetSourceResolution");
	SYM(t, text, "TessBaseAPIGetUTF8Text");
	SYM(t, deltext, "TessDeleteText");
	SYM(t, end, "TessBaseAPIEnd");
	SYM(t, del, "TessBaseAPIDelete");
	t->api = t->create();
	/* the dictionaries can only be switched off at initialisation */
	char *names[] = {"load_system_dawg", "load_freq_dawg"}, *values[] = {"0", "0"};
	if (t->api == NULL || t->init4(t->api, NULL, "eng", 1 /* OEM_LSTM_ONLY */, NULL, 0,
				  names, values, 2, 0) != 0)
		return -1;
	t->setvar(t->api, "tessedit_char_whitelist", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<");
	t->setpsm(t->api, 6); /* PSM_SINGLE_BLOCK */
	return 0;
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
pct(double *v, int n, double p)
{
	if (n == 0)
		return 0;
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	int i = (int)ceil(p * n) - 1;
	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

struct score {
	int docs, right, found;
	long chars, chars_right;
	double *ms;
};

static void
score_lines(struct score *s, const tdv_mrz *truth, char got[][TDV_MRZ_LINE_MAX + 1], int nl)
{
	int all = nl == truth->nlines;
	for (int l = 0; l < truth->nlines; l++) {
		size_t n = strlen(truth->lines[l]);
		s->chars += (long)n;
		if (l >= nl) {
			all = 0;
			continue;
		}
		for (size_t c = 0; c < n; c++)
			s->chars_right += got[l][c] == truth->lines[l][c];
		if (strcmp(got[l], truth->lines[l]) != 0)
			all = 0;
	}
	s->right += all;
}

/* The band rectified upright, capitals about 30 px high. */
static tdv_image *
rectify(const tdv_image *g, const tdv_ocr_result *r)
{
	double ux = r->quad[1][0] - r->quad[0][0], uy = r->quad[1][1] - r->quad[0][1];
	double vx = r->quad[3][0] - r->quad[0][0], vy = r->quad[3][1] - r->quad[0][1];
	double W = hypot(ux, uy), H = hypot(vx, vy);
	double cap = r->pitch_px * 0.94, scale = 30.0 / (cap > 1 ? cap : 1);
	double m = r->pitch_px; /* margin */
	int ow = (int)((W + 2 * m) * scale), oh = (int)((H + 2 * m) * scale);
	tdv_image *o = NULL;
	if (ow < 8 || oh < 8 || tdv_image_new(ow, oh, 1, &o) != TDV_OK)
		return NULL;
	ux /= W, uy /= W, vx /= H, vy /= H;
	for (int y = 0; y < oh; y++)
		for (int x = 0; x < ow; x++) {
			double a = x / scale - m, b = y / scale - m;
			double sx = r->quad[0][0] + a * ux + b * vx, sy = r->quad[0][1] + a * uy + b * vy;
			int ix = (int)floor(sx), iy = (int)floor(sy);
			uint8_t v = 255;
			if (ix >= 0 && iy >= 0 && ix + 1 < g->width && iy + 1 < g->height) {
				double fx = sx - ix, fy = sy - iy;
				const uint8_t *p = g->data + (size_t)iy * g->stride + (size_t)ix;
				v = (uint8_t)lround((p[0] * (1 - fx) + p[1] * fx) * (1 - fy) +
				    (p[g->stride] * (1 - fx) + p[g->stride + 1] * fx) * fy);
			}
			o->data[(size_t)y * o->stride + (size_t)x] = v;
		}
	return o;
}

/* Tesseract's text to MRZ lines: spaces dropped, the nl longest lines in
 * order, cut or padded to n. */
static int
tess_lines(const char *text, int nl, int n, char out[][TDV_MRZ_LINE_MAX + 1])
{
	char lines[16][128];
	int k = 0;
	const char *p = text;
	while (*p && k < 16) {
		int len = 0;
		while (*p && *p != '\n') {
			if (*p != ' ' && len < 127)
				lines[k][len++] = *p;
			p++;
		}
		if (*p == '\n')
			p++;
		lines[k][len] = '\0';
		if (len >= n / 2)
			k++;
	}
	if (k > nl) { /* keep the nl longest, in order */
		while (k > nl) {
			int shortest = 0;
			for (int i = 1; i < k; i++)
				if (strlen(lines[i]) < strlen(lines[shortest]))
					shortest = i;
			memmove(lines[shortest], lines[shortest + 1], (size_t)(k - shortest - 1) * sizeof(lines[0]));
			k--;
		}
	}
	for (int i = 0; i < k; i++) {
		size_t len = strlen(lines[i]);
		for (int c = 0; c < n; c++)
			out[i][c] = (size_t)c < len ? lines[i][c] : '<';
		out[i][n] = '\0';
	}
	return k;
}

/* Tesseract on the rectified band as one block (PSM 6). (PSM 7 on each
 * line's strip was tried and read far worse with the eng model.) */
static int
tess_read(struct tess *t, const tdv_ocr_result *r, char out[][TDV_MRZ_LINE_MAX + 1])
{
	char *text = t->text(t->api);
	int k = text ? tess_lines(text, r->nlines, r->nchars, out) : 0;
	if (text)
		t->deltext(text);
	return k;
}

static void
report(const char *who, const char *set, struct score *s)
{
	double med = pct(s->ms, s->docs, 0.5), p95 = pct(s->ms, s->docs, 0.95);
	printf("%-9s %-9s docs %5d  exact %6.2f%%  chars %7.3f%%  found %6.2f%%  median %7.2f ms  p95 %7.2f ms\n",
	    who, set, s->docs, 100.0 * s->right / (s->docs ? s->docs : 1),
	    100.0 * (double)s->chars_right / (double)(s->chars ? s->chars : 1),
	    100.0 * s->found / (s->docs ? s->docs : 1), med, p95);
}

int
main(int argc, char **argv)
{
	int nclean = 1000, ndist = 1000, level = 2, use_tess = 1, verbose = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--clean") == 0 && i + 1 < argc)
			nclean = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--distorted") == 0 && i + 1 < argc)
			ndist = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--level") == 0 && i + 1 < argc)
			level = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--verbose") == 0)
			verbose = 1;
		else if (strcmp(argv[i], "--no-tesseract") == 0)
			use_tess = 0;
		else {
			fprintf(stderr, "usage: bench_ocr [--clean N] [--distorted N] [--level L] "
					"[--no-tesseract] [--verbose]\n");
			return 2;
		}
	}
	if (nclean < 0 || ndist < 0 || nclean > 100000 || ndist > 100000 || level < 0 || level > 3)
		return 2;
	tdv_font *font;
	if (tdv_font_open(NULL, &font) != TDV_OK) {
		fprintf(stderr, "bench_ocr: OCR-B font missing (fonts-ocr-b)\n");
		return 1;
	}
	struct tess t;
	if (use_tess && tess_open(&t) != 0) {
		fprintf(stderr, "bench_ocr: libtesseract.so.5 with eng data not found "
				"(apt-get install tesseract-ocr); Tesseract path skipped\n");
		use_tess = 0;
	}
	static const tdv_mrz_format fmts[] = {TDV_MRZ_TD3, TDV_MRZ_TD1, TDV_MRZ_TD2};
	const tdv_date today = {2026, 1, 1};
	static tdv_ocr_result r;
	int rc = 0;
	double our_med[2] = {0, 0}, tess_med[2] = {0, 0}, our_exact[2] = {0, 0}, tess_exact[2] = {0, 0};
	double read_only_med[2] = {0, 0}, tess_ro_med[2] = {0, 0};
	for (int set = 0; set < 2; set++) {
		int n = set == 0 ? nclean : ndist;
		const char *name = set == 0 ? "clean" : "distorted";
		struct score ours = {0, 0, 0, 0, 0, calloc((size_t)n + 1, sizeof(double))};
		struct score tes = {0, 0, 0, 0, 0, calloc((size_t)n + 1, sizeof(double))};
		double *readonly = calloc((size_t)n + 1, sizeof(double));
		double *tess_ro = calloc((size_t)n + 1, sizeof(double));
		long pixels = 0;
		for (int i = 0; i < n; i++) {
			tdv_specimen_opts o;
			memset(&o, 0, sizeof(o));
			o.format = fmts[i % 3];
			o.seed = (uint64_t)(set == 0 ? 1 + i : 100001 + i);
			o.dpi = 300;
			if (set == 1) {
				tdv_specimen_distortion_for_level(level, o.seed, &o.distortion);
				o.dpi = 150 + (int)((o.seed * 2654435761u) % 151u);
			}
			tdv_specimen sp;
			if (tdv_specimen_generate(font, &o, &today, &sp) != TDV_OK) {
				fprintf(stderr, "bench_ocr: cannot generate seed %llu\n",
				    (unsigned long long)o.seed);
				rc = 1;
				continue;
			}
			tdv_buf file;
			tdv_buf_init(&file, TDV_IMAGE_MAX_FILE);
			tdv_specimen_encode(&sp, &o.distortion, &file);
			pixels += (long)sp.image->width * sp.image->height;
			char got[TDV_MRZ_MAX_LINES][TDV_MRZ_LINE_MAX + 1];

			double t0 = now_ms();
			tdv_image *g = NULL;
			int drc = tdv_image_decode(file.data, file.len, NULL, 1, &g);
			double t1 = now_ms();
			int orc = drc == TDV_OK ? tdv_ocr_read(g, &today, &r) : drc;
			double t2 = now_ms();
			ours.ms[ours.docs] = t2 - t0;
			readonly[ours.docs] = t2 - t1;
			ours.docs++;
			int nl = 0;
			if (orc == TDV_OK) {
				ours.found++;
				nl = r.nlines;
				memcpy(got, r.lines, sizeof(got));
			}
			int before = ours.right;
			score_lines(&ours, &sp.mrz, got, nl);
			if (verbose && ours.right == before) {
				fprintf(stderr, "miss seed %llu (%s, %d dpi, rc %d): rot %.1f%s persp %.3f blur %.1f motion %.1f noise %.1f q %d clutter %d\n",
				    (unsigned long long)o.seed, tdv_mrz_format_name(o.format), o.dpi, orc,
				    o.distortion.rotate_deg, o.distortion.upside_down ? " (upside down)" : "",
				    o.distortion.perspective, o.distortion.defocus, o.distortion.motion,
				    o.distortion.noise, o.distortion.jpeg_quality, o.distortion.clutter);
				for (int l = 0; l < sp.mrz.nlines; l++)
					fprintf(stderr, "  want %s\n  got  %s\n  raw  %s\n", sp.mrz.lines[l],
					    l < nl ? got[l] : "-", l < nl ? r.raw[l] : "-");
			}

			if (use_tess) {
				double t3 = now_ms();
				int tnl = 0;
				if (orc == TDV_OK) {
					tdv_image *band = rectify(g, &r);
					if (band != NULL) {
						t.setimage(t.api, band->data, band->width, band->height, 1,
						    (int)band->stride);
						t.setres(t.api, 300);
						char tl[TDV_MRZ_MAX_LINES][TDV_MRZ_LINE_MAX + 1];
						int k = tess_read(&t, &r, tl);
						if (k == r.nlines) {
							const char *ptrs[3] = {tl[0], tl[1], tl[2]};
							size_t lens[3] = {(size_t)r.nchars, (size_t)r.nchars,
							    (size_t)r.nchars};
							tdv_mrz m;
							tdv_mrz_correct(ptrs, lens, k, &today, &m);
							for (int l = 0; l < k; l++)
								memcpy(got[l], m.nlines == k ? m.lines[l] : tl[l],
								    sizeof(got[l]));
							tnl = k;
							tes.found++;
						}
						tdv_image_free(&band);
					}
				}
				double t4 = now_ms();
				tess_ro[tes.docs] = (t2 - t1) + (t4 - t3);
				tes.ms[tes.docs++] = (t2 - t0) + (t4 - t3);
				score_lines(&tes, &sp.mrz, got, tnl);
			}
			tdv_image_free(&g);
			tdv_buf_free(&file);
			tdv_specimen_clear(&sp);
			if ((i + 1) % 100 == 0)
				fprintf(stderr, "\r%s: %d/%d", name, i + 1, n);
		}
		fprintf(stderr, "\n");
		printf("%s set: %d images, mean %.0f x 1000 pixels\n", name, n,
		    n ? (double)pixels / n / 1000.0 : 0);
		report("tdverify", name, &ours);
		printf("%-9s %-9s read only (decoded image): median %.2f ms  p95 %.2f ms\n", "tdverify",
		    name, pct(readonly, ours.docs, 0.5), pct(readonly, ours.docs, 0.95));
		our_med[set] = pct(ours.ms, ours.docs, 0.5);
		read_only_med[set] = pct(readonly, ours.docs, 0.5);
		our_exact[set] = 100.0 * ours.right / (ours.docs ? ours.docs : 1);
		if (use_tess) {
			report("tesseract", name, &tes);
			printf("%-9s %-9s from decoded image: median %.2f ms  p95 %.2f ms\n", "tesseract",
			    name, pct(tess_ro, tes.docs, 0.5), pct(tess_ro, tes.docs, 0.95));
			tess_med[set] = pct(tes.ms, tes.docs, 0.5);
			tess_ro_med[set] = pct(tess_ro, tes.docs, 0.5);
			tess_exact[set] = 100.0 * tes.right / (tes.docs ? tes.docs : 1);
			printf("ratio     %-9s exact %+.2f points; median time tesseract/tdverify: "
			       "%.1fx from the decoded image, %.1fx end to end (with decoding)\n",
			    name, our_exact[set] - tess_exact[set],
			    read_only_med[set] > 0 ? tess_ro_med[set] / read_only_med[set] : 0,
			    our_med[set] > 0 ? tess_med[set] / our_med[set] : 0);
		}
		free(ours.ms);
		free(tes.ms);
		free(readonly);
		free(tess_ro);
	}
	printf("targets: clean exact >= 99.5%% (%s), distorted >= 97%% (%s), median <= 30 ms (%s)",
	    our_exact[0] >= 99.5 ? "met" : "NOT met", our_exact[1] >= 97 ? "met" : "NOT met",
	    our_med[0] <= 30 ? "met" : "NOT met");
	if (use_tess)
		printf(", beats Tesseract on both (%s), >= 10x faster from the decoded image (%s), "
		       ">= 10x faster end to end with decoding (%s)",
		    our_exact[0] > tess_exact[0] && our_exact[1] > tess_exact[1] ? "met" : "NOT met",
		    tess_ro_med[0] >= 10 * read_only_med[0] && tess_ro_med[1] >= 10 * read_only_med[1]
			? "met"
			: "NOT met",
		    tess_med[0] >= 10 * our_med[0] && tess_med[1] >= 10 * our_med[1] ? "met" : "NOT met");
	printf("\n");
	if (use_tess) {
		t.end(t.api);
		t.del(t.api);
	}
	tdv_font_free(&font);
	return rc;
}
