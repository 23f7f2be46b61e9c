/*
 * Fixed-pitch segmentation: MRZ characters sit on a 10 cpi grid (Doc
 * 9303-3 §4.3), so instead of cutting characters apart each line's marks
 * are given grid indices and the cell positions are fitted as a smooth
 * function of the index (quadratic along the line, for perspective; a
 * straight baseline across it, for skew). Touching or broken characters
 * then cannot shift the rest of the line. Each cell is resampled from the
 * full-resolution grey image in the line's own frame (deskew) and
 * normalised to its local contrast (uneven light, glare).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ocr/ocr_internal.h"
#include "tdv/error.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	if (n <= 0)
		return 0;
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Least squares y = c0 + c1 x + c2 x^2 (deg 1 or 2) over points with
 * use[k] set. Returns 0 when singular. */
static int
polyfit(const double *x, const double *y, const int *use, int n, int deg, double c[3])
{
	double S[5] = {0}, T[3] = {0};
	int m = 0;
	for (int k = 0; k < n; k++) {
		if (!use[k])
			continue;
		double p = 1;
		for (int e = 0; e < 5; e++) {
			S[e] += p;
			if (e < 3)
				T[e] += p * y[k];
			p *= x[k];
		}
		m++;
	}
	c[0] = c[1] = c[2] = 0;
	if (deg == 1 || m < 8) {
		double det = S[0] * S[2] - S[1] * S[1];
		if (m < 2 || fabs(det) < 1e-12)
			return 0;
		c[1] = (S[0] * T[1] - S[1] * T[0]) / det;
		c[0] = (T[0] - c[1] * S[1]) / S[0];
		return 1;
	}
	/* 3x3 normal equations by Cramer's rule */
	double A[3][3] = {{S[0], S[1], S[2]}, {S[1], S[2], S[3]}, {S[2], S[3], S[4]}};
	double det = A[0][0] * (A[1][1] * A[2][2] - A[1][2] * A[2][1]) -
	    A[0][1] * (A[1][0] * A[2][2] - A[1][2] * A[2][0]) +
	    A[0][2] * (A[1][0] * A[2][1] - A[1][1] * A[2][0]);
	if (fabs(det) < 1e-9)
		return 0;
	for (int col = 0; col < 3; col++) {
		double B[3][3];
		memcpy(B, A, sizeof(B));
		for (int r = 0; r < 3; r++)
			B[r][col] = T[r];
		c[col] = (B[0][0] * (B[1][1] * B[2][2] - B[1][2] * B[2][1]) -
			     B[0][1] * (B[1][0] * B[2][2] - B[1][2] * B[2][0]) +
			     B[0][2] * (B[1][0] * B[2][1] - B[1][1] * B[2][0])) /
		    det;
	}
	return 1;
}

struct lpts {
	int n;
	double u[TDV_OCR_MAX_CHAIN], v[TDV_OCR_MAX_CHAIN];
	double vmean;
};

static int
cmp_lpts(const void *a, const void *b)
{
	double x = ((const struct lpts *)a)->vmean, y = ((const struct lpts *)b)->vmean;
	return x < y ? -1 : x > y;
}

int
tdv__ocr_grid_fit(const tdv__ocr_work *w, const tdv__ocr_band *band, int flip, tdv__ocr_grid *g)
{
	memset(g, 0, sizeof(*g));
	int nl = band->nlines;
	if (nl < 2 || nl > 3)
		return TDV_EOCR_NOMRZ;
	double d[2] = {band->dir[0], band->dir[1]};
	if (flip) {
		d[0] = -d[0];
		d[1] = -d[1];
	}
	double nrm[2] = {-d[1], d[0]};
	struct lpts L[3];
	double gaps[3 * TDV_OCR_MAX_CHAIN];
	int ng = 0;
	for (int l = 0; l < nl; l++) {
		const tdv__ocr_chain *c = &band->lines[l];
		L[l].n = c->n;
		double sv = 0;
		for (int k = 0; k < c->n; k++) {
			const tdv__ocr_mark *m = &w->marks[c->idx[k]];
			L[l].u[k] = m->cx * d[0] + m->cy * d[1];
			L[l].v[k] = m->cx * nrm[0] + m->cy * nrm[1];
			sv += L[l].v[k];
		}
		L[l].vmean = sv / c->n;
		/* sort by u, carrying v */
		for (int a = 1; a < c->n; a++)
			for (int b = a; b > 0 && L[l].u[b] < L[l].u[b - 1]; b--) {
				double t = L[l].u[b];
				L[l].u[b] = L[l].u[b - 1];
				L[l].u[b - 1] = t;
				t = L[l].v[b];
				L[l].v[b] = L[l].v[b - 1];
				L[l].v[b - 1] = t;
			}
		for (int k = 0; k + 1 < c->n; k++)
			gaps[ng++] = L[l].u[k + 1] - L[l].u[k];
	}
	qsort(L, (size_t)nl, sizeof(L[0]), cmp_lpts);
	double gm = median(gaps, ng);
	if (!(gm > 1.0))
		return TDV_EOCR_NOMRZ;
	int ref = 0;
	double E = 0;
	for (int l = 0; l < nl; l++) {
		double e = L[l].u[L[l].n - 1] - L[l].u[0];
		if (e > E) {
			E = e;
			ref = l;
		}
	}
	double nest = E / gm + 1.0;
	int N;
	if (nl == 3) {
		if (nest < 24 || nest > 37)
			return TDV_EOCR_NOMRZ;
		N = 30;
	} else {
		if (nest < 32 || nest > 52)
			return TDV_EOCR_NOMRZ;
		N = nest < 40 ? 36 : 44;
	}
	double p = E / (N - 1);
	g->nlines = nl;
	g->nchars = N;
	g->dir[0] = d[0];
	g->dir[1] = d[1];
	double sc = w->scale, off = (w->scale - 1) / 2.0;
	g->cap = 0.94 * p * sc;
	/*
	 * Grid indices, walking along each line: each gap is a whole number
	 * of local pitches (perspective makes the pitch drift along the
	 * line, so it is followed rather than fixed). Split characters give
	 * zero steps, touching ones two.
	 */
	double idx[3][TDV_OCR_MAX_CHAIN], fa[3], fb[3];
	int lo[3], hi[3], anchored[3], start[3];
	for (int l = 0; l < nl; l++) {
		struct lpts *q = &L[l];
		double ploc = gm;
		idx[l][0] = 0;
		for (int k = 1; k < q->n; k++) {
			double gap = q->u[k] - q->u[k - 1];
			double step = floor(gap / ploc + 0.5);
			idx[l][k] = idx[l][k - 1] + step;
			if (step == 1)
				ploc = 0.8 * ploc + 0.2 * gap;
		}
		int use[TDV_OCR_MAX_CHAIN];
		for (int k = 0; k < q->n; k++)
			use[k] = 1;
		double c[3];
		if (!polyfit(idx[l], q->u, use, q->n, 1, c))
			return TDV_EOCR_NOMRZ;
		fa[l] = c[0];
		fb[l] = c[1];
		lo[l] = 0;
		hi[l] = (int)idx[l][q->n - 1];
		/* Windows of N cells covering the most marks. */
		int span = hi[l] - lo[l] + 1, best = -1, nbest = 0;
		int s0 = span <= N ? hi[l] - N + 1 : lo[l], s1 = span <= N ? lo[l] : hi[l] - N + 1;
		for (int st = s0; st <= s1; st++) {
			int cnt = 0;
			for (int k = 0; k < q->n; k++)
				cnt += idx[l][k] >= st && idx[l][k] < st + N;
			if (cnt > best) {
				best = cnt;
				nbest = 1;
				start[l] = st;
			} else if (cnt == best) {
				nbest++;
			}
		}
		anchored[l] = nbest == 1;
	}
	/* Lines that could sit in several places follow the others' left
	 * edge: MRZ lines are left-aligned. */
	double left = 0;
	int na = 0;
	for (int l = 0; l < nl; l++)
		if (anchored[l]) {
			left += fa[l] + fb[l] * start[l];
			na++;
		}
	if (na == 0) {
		left = L[ref].u[0];
		na = 1;
	} else {
		left /= na;
	}
	for (int l = 0; l < nl; l++) {
		if (anchored[l])
			continue;
		int span = hi[l] - lo[l] + 1;
		int s0 = span <= N ? hi[l] - N + 1 : lo[l], s1 = span <= N ? lo[l] : hi[l] - N + 1;
		double bestd = 1e30;
		for (int st = s0; st <= s1; st++) {
			double dd = fabs(fa[l] + fb[l] * st - left);
			if (dd < bestd) {
				bestd = dd;
				start[l] = st;
			}
		}
	}
	for (int l = 0; l < nl; l++) {
		struct lpts *q = &L[l];
		double *ix = idx[l];
		int use[TDV_OCR_MAX_CHAIN];
		for (int k = 0; k < q->n; k++) {
			ix[k] -= start[l];
			use[k] = ix[k] >= 0 && ix[k] < N;
		}
		double cu[3], cv[3];
		for (int iter = 0; iter < 2; iter++) {
			if (!polyfit(ix, q->u, use, q->n, 2, cu))
				return TDV_EOCR_NOMRZ;
			for (int k = 0; k < q->n; k++)
				if (use[k]) {
					double pr = cu[0] + cu[1] * ix[k] + cu[2] * ix[k] * ix[k];
					if (fabs(q->u[k] - pr) > 0.3 * p)
						use[k] = 0;
				}
		}
		if (cu[1] < 0.7 * p || cu[1] > 1.3 * p)
			return TDV_EOCR_NOMRZ;
		for (int iter = 0; iter < 2; iter++) {
			if (!polyfit(q->u, q->v, use, q->n, 1, cv))
				return TDV_EOCR_NOMRZ;
			for (int k = 0; k < q->n; k++)
				if (use[k] && fabs(q->v[k] - (cv[0] + cv[1] * q->u[k])) > 0.3 * p)
					use[k] = 0;
		}
		for (int i = 0; i < N; i++) {
			double u = cu[0] + cu[1] * i + cu[2] * i * i;
			double v = cv[0] + cv[1] * u;
			double x = u * d[0] + v * nrm[0], y = u * d[1] + v * nrm[1];
			g->cx[l][i] = x * sc + off;
			g->cy[l][i] = y * sc + off;
			double lp = (cu[1] + 2 * cu[2] * i) * sc;
			g->pitch[l][i] = lp > 0.5 * p * sc ? lp : 0.5 * p * sc;
		}
	}
	return TDV_OK;
}

static double
sample(const tdv_image *g, double x, double y)
{
	if (x < 0)
		x = 0;
	if (y < 0)
		y = 0;
	if (x > g->width - 1)
		x = g->width - 1;
	if (y > g->height - 1)
		y = g->height - 1;
	int ix = (int)x, iy = (int)y;
	int ix1 = ix + 1 < g->width ? ix + 1 : ix, iy1 = iy + 1 < g->height ? iy + 1 : iy;
	double fx = x - ix, fy = y - iy;
	const uint8_t *r0 = g->data + (size_t)iy * g->stride, *r1 = g->data + (size_t)iy1 * g->stride;
	return (r0[ix] * (1 - fx) + r0[ix1] * fx) * (1 - fy) + (r1[ix] * (1 - fx) + r1[ix1] * fx) * fy;
}

/* sample() without the clamps, for points known to be inside. */
static inline double
sample_in(const tdv_image *g, double x, double y)
{
	int ix = (int)x, iy = (int)y;
	int ix1 = ix + 1 < g->width ? ix + 1 : ix, iy1 = iy + 1 < g->height ? iy + 1 : iy;
	double fx = x - ix, fy = y - iy;
	const uint8_t *r0 = g->data + (size_t)iy * g->stride, *r1 = g->data + (size_t)iy1 * g->stride;
	return (r0[ix] * (1 - fx) + r0[ix1] * fx) * (1 - fy) + (r1[ix] * (1 - fx) + r1[ix1] * fx) * fy;
}

/* The k-th smallest and k-th largest of v[0..n) (k < 8), as a full sort
 * would give them. */
static void
order_stats(const float *v, int n, int k, float *kth_lo, float *kth_hi)
{
	float lo[8], hi[8]; /* lo ascending, hi descending; k + 1 kept */
	int nl = 0, nh = 0;
	for (int i = 0; i < n; i++) {
		float x = v[i];
		if (nl <= k || x < lo[nl - 1]) {
			int j = nl <= k ? nl++ : nl - 1;
			while (j > 0 && lo[j - 1] > x) {
				lo[j] = lo[j - 1];
				j--;
			}
			lo[j] = x;
		}
		if (nh <= k || x > hi[nh - 1]) {
			int j = nh <= k ? nh++ : nh - 1;
			while (j > 0 && hi[j - 1] < x) {
				hi[j] = hi[j - 1];
				j--;
			}
			hi[j] = x;
		}
	}
	*kth_lo = lo[nl - 1];
	*kth_hi = hi[nh - 1];
}

void
tdv__ocr_features(const tdv_image *gray, const tdv__ocr_grid *g, int line, int col,
    float feat[TDV_OCR_NFEAT])
{
	double cx = g->cx[line][col], cy = g->cy[line][col], P = g->pitch[line][col];
	double dx = g->dir[0], dy = g->dir[1], nx = -dy, ny = dx;
	/* Horizontal re-centring on the ink within the cell. */
	float coarse[16 * 10];
	for (int r = 0; r < 10; r++)
		for (int c = 0; c < 16; c++) {
			double u = (c + 0.5 - 8) / 16.0 * 0.9 * P, v = (r + 0.5 - 5) / 10.0 * 1.1 * P;
			coarse[r * 16 + c] = (float)sample(gray, cx + u * dx + v * nx, cy + u * dy + v * ny);
		}
	float lo = 255, hi = 0;
	for (int i = 0; i < 160; i++) {
		lo = coarse[i] < lo ? coarse[i] : lo;
		hi = coarse[i] > hi ? coarse[i] : hi;
	}
	double shift = 0;
	if (hi - lo > 8) {
		double sw = 0, su = 0;
		for (int r = 0; r < 10; r++)
			for (int c = 0; c < 16; c++) {
				double k = (hi - coarse[r * 16 + c]) / (hi - lo);
				k = k > 0.35 ? k * k : 0;
				sw += k;
				su += k * (c + 0.5 - 8) / 16.0 * 0.9 * P;
			}
		if (sw > 0)
			shift = su / sw;
		if (shift > 0.2 * P)
			shift = 0.2 * P;
		if (shift < -0.2 * P)
			shift = -0.2 * P;
	}
	double step = P / TDV_OCR_FEAT_W;
	int ss = (int)ceil(step / 1.2);
	ss = ss < 1 ? 1 : ss > 4 ? 4 : ss;
	/* sample offsets along (u) and across (v) the line, as
	 * shift + (c + (sx + 0.5) / ss - W / 2) * step etc. */
	double uo[TDV_OCR_FEAT_W * 4], vo[TDV_OCR_FEAT_H * 4];
	for (int c = 0; c < TDV_OCR_FEAT_W; c++)
		for (int sx = 0; sx < ss; sx++)
			uo[c * ss + sx] = shift + (c + (sx + 0.5) / ss - TDV_OCR_FEAT_W / 2.0) * step;
	for (int r = 0; r < TDV_OCR_FEAT_H; r++)
		for (int sy = 0; sy < ss; sy++)
			vo[r * ss + sy] = (r + (sy + 0.5) / ss - TDV_OCR_FEAT_H / 2.0) * step;
	/* inside the image when the box of the four extreme offsets is */
	int inside = 1;
	for (int k = 0; k < 4; k++) {
		double u = uo[k & 1 ? TDV_OCR_FEAT_W * ss - 1 : 0];
		double v = vo[k & 2 ? TDV_OCR_FEAT_H * ss - 1 : 0];
		double x = cx + u * dx + v * nx, y = cy + u * dy + v * ny;
		if (!(x >= 1 && y >= 1 && x < gray->width - 2 && y < gray->height - 2))
			inside = 0;
	}
	for (int r = 0; r < TDV_OCR_FEAT_H; r++)
		for (int c = 0; c < TDV_OCR_FEAT_W; c++) {
			double acc = 0;
			for (int sy = 0; sy < ss; sy++) {
				double v = vo[r * ss + sy];
				for (int sx = 0; sx < ss; sx++) {
					double u = uo[c * ss + sx];
					double x = cx + u * dx + v * nx, y = cy + u * dy + v * ny;
					acc += inside ? sample_in(gray, x, y) : sample(gray, x, y);
				}
			}
			feat[r * TDV_OCR_FEAT_W + c] = (float)(acc / (ss * ss));
		}
	order_stats(feat, TDV_OCR_NFEAT, TDV_OCR_NFEAT / 50, &lo, &hi);
	float range = hi - lo;
	for (int i = 0; i < TDV_OCR_NFEAT; i++) {
		float v = range > 8 ? (hi - feat[i]) / range : 0;
		feat[i] = v < 0 ? 0 : v > 1 ? 1 : v;
	}
}
