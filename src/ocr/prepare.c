/*
 * First stage of the reader: a grey working copy no longer than
 * TDV_OCR_WORK_SIDE (integer box reduction), adaptive binarisation against
 * the local mean (integral image; the window follows the image size, so
 * uneven light and glare shift the threshold with them), and 8-connected
 * components labelled run by run with union-find. Runs and marks are
 * capped, so random noise costs bounded time and memory.
 */
#include <stdlib.h>
#include <string.h>

#include "ocr/ocr_internal.h"
#include "tdv/error.h"

void
tdv__ocr_work_free(tdv__ocr_work *w)
{
	if (w == NULL)
		return;
	/* small may be the same image as gray; gray may be the caller's */
	if (w->small != w->gray && w->small != &w->gray_view)
		tdv_image_free(&w->small);
	if (w->gray != &w->gray_view)
		tdv_image_free(&w->gray);
	w->small = NULL;
	w->gray = NULL;
	free(w->ink);
	free(w->marks);
	memset(w, 0, sizeof(*w));
}

static int
reduce(const tdv_image *g, int f, tdv_image **out)
{
	int W = g->width / f, H = g->height / f;
	if (W < 1 || H < 1)
		return TDV_EOCR_NOMRZ;
	int rc = tdv_image_new(W, H, 1, out);
	if (rc != TDV_OK)
		return rc;
	unsigned area = (unsigned)(f * f);
	if (f == 2) { /* the common case, in a form the compiler vectorises */
		for (int y = 0; y < H; y++) {
			const uint8_t *s0 = g->data + (size_t)(2 * y) * g->stride, *s1 = s0 + g->stride;
			uint8_t *o = (*out)->data + (size_t)y * (*out)->stride;
			for (int x = 0; x < W; x++)
				o[x] = (uint8_t)(((unsigned)s0[2 * x] + s0[2 * x + 1] + s1[2 * x] +
				    s1[2 * x + 1]) / 4u);
		}
		return TDV_OK;
	}
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			unsigned acc = 0;
			for (int dy = 0; dy < f; dy++) {
				const uint8_t *s = g->data + (size_t)(y * f + dy) * g->stride + (size_t)x * (size_t)f;
				for (int dx = 0; dx < f; dx++)
					acc += s[dx];
			}
			(*out)->data[(size_t)y * (*out)->stride + (size_t)x] = (uint8_t)(acc / area);
		}
	return TDV_OK;
}

/* Horizontal 3-sums of one row (edges replicated). */
static void
hsum3(const uint8_t *row, int W, uint16_t *o)
{
	o[0] = (uint16_t)(2 * row[0] + (W > 1 ? row[1] : row[0]));
	for (int x = 1; x + 1 < W; x++)
		o[x] = (uint16_t)(row[x - 1] + row[x] + row[x + 1]);
	if (W > 1)
		o[W - 1] = (uint16_t)(row[W - 2] + 2 * row[W - 1]);
}

/* 3x3 box sums (edges replicated) of row y, from a ring of three
 * horizontal-sum rows: row i's sums live in ring + (i % 3) * W, and rows
 * are added to the ring in order (*next is the next row to add). */
static void
box3_row(const tdv_image *s, uint16_t *ring, int *next, int y, uint16_t *o)
{
	int W = s->width, H = s->height;
	int last = y + 1 < H ? y + 1 : H - 1;
	for (; *next <= last; (*next)++)
		hsum3(s->data + (size_t)*next * s->stride, W, ring + (size_t)(*next % 3) * (size_t)W);
	const uint16_t *a = ring + (size_t)((y > 0 ? y - 1 : 0) % 3) * (size_t)W;
	const uint16_t *b = ring + (size_t)(y % 3) * (size_t)W;
	const uint16_t *c = ring + (size_t)(last % 3) * (size_t)W;
	for (int x = 0; x < W; x++)
		o[x] = (uint16_t)(a[x] + b[x] + c[x]);
}

/* Dark where the 3x3-smoothed value is well below the mean of a window
 * of radius r (about 1/36 of the shorter side: two to three character
 * heights when the page fills the frame).
 *
 * The window's column sums of the rounded 3x3 means are updated as rows
 * enter and leave it (the means of the rows inside the window are kept in
 * a ring of 2r + 1 rows), and a prefix sum over the columns gives each
 * pixel's window sum. All values fit in 32 bits (window sum <= 121 * 121
 * * 255; 9 v * area <= 2295 * 14641), so the comparison is exact. Memory:
 * a few rows, not the image. */
static int
binarize(const tdv_image *s, uint8_t *ink)
{
	int W = s->width, H = s->height;
	int r = (W < H ? W : H) / 36;
	if (r < 5)
		r = 5;
	if (r > 60)
		r = 60;
	int span = 2 * r + 1; /* rows in the ring of means */
	uint8_t *mean = malloc((size_t)W * (size_t)span);
	uint16_t *ring_a = malloc((size_t)W * 3 * sizeof(uint16_t)); /* for the means */
	uint16_t *ring_b = malloc((size_t)W * 3 * sizeof(uint16_t)); /* for row y */
	uint16_t *sm = malloc((size_t)W * sizeof(uint16_t));
	uint32_t *col = calloc((size_t)W, sizeof(uint32_t));
	uint32_t *pre = malloc(((size_t)W + 1) * sizeof(uint32_t));
	int rc = TDV_OK;
	if (mean == NULL || ring_a == NULL || ring_b == NULL || sm == NULL || col == NULL ||
	    pre == NULL) {
		rc = TDV_ENOMEM;
		goto out;
	}
	int next_a = 0, next_b = 0;
	/* window rows [y0, y1) kept in col[] as y advances */
	int y0 = 0, y1 = 0;
	for (int y = 0; y < H; y++) {
		int ny0 = y - r < 0 ? 0 : y - r, ny1 = y + r + 1 > H ? H : y + r + 1;
		/* rows leave before rows enter: the ring holds 2r + 1 rows */
		for (; y0 < ny0; y0++) {
			const uint8_t *mrow = mean + (size_t)(y0 % span) * (size_t)W;
			for (int x = 0; x < W; x++)
				col[x] -= mrow[x];
		}
		for (; y1 < ny1; y1++) {
			uint8_t *mrow = mean + (size_t)(y1 % span) * (size_t)W;
			box3_row(s, ring_a, &next_a, y1, sm);
			for (int x = 0; x < W; x++) {
				mrow[x] = (uint8_t)((sm[x] + 4u) / 9u); /* rounded 3x3 mean */
				col[x] += mrow[x];
			}
		}
		pre[0] = 0;
		for (int x = 0; x < W; x++)
			pre[x + 1] = pre[x] + col[x];
		box3_row(s, ring_b, &next_b, y, sm);
		uint32_t rows = (uint32_t)(y1 - y0);
		uint8_t *irow = ink + (size_t)y * (size_t)W;
		/* v < mean - max(mean / 7, 14), without dividing by area (sm
		 * holds 9 v); the window is whole for x in [in0, in1) */
		int in0 = r < W ? r : W, in1 = W - r > in0 ? W - r : in0;
		for (int x = 0; x < W; x++) {
			if (x == in0)
				x = in1;
			if (x >= W)
				break;
			int x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > W ? W : x + r + 1;
			uint32_t sum = pre[x1] - pre[x0];
			uint32_t area = (uint32_t)(x1 - x0) * rows;
			uint32_t m14 = 14 * area, s67 = sum * 6 / 7;
			uint32_t t = sum < m14 ? 0 : (s67 < sum - m14 ? s67 : sum - m14);
			irow[x] = (uint8_t)((uint32_t)sm[x] * area < 9 * t);
		}
		uint32_t area = (uint32_t)span * rows, m14 = 14 * area;
		const uint32_t *lo = pre + in0 - r, *hi = pre + in0 + r + 1;
		const uint16_t *sv = sm + in0;
		uint8_t *iv = irow + in0;
		for (int k = 0; k < in1 - in0; k++) {
			uint32_t sum = hi[k] - lo[k], s67 = sum * 6 / 7;
			uint32_t t = sum < m14 ? 0 : (s67 < sum - m14 ? s67 : sum - m14);
			iv[k] = (uint8_t)((uint32_t)sv[k] * area < 9 * t);
		}
	}
out:
	free(mean);
	free(ring_a);
	free(ring_b);
	free(sm);
	free(col);
	free(pre);
	return rc;
}

/* --- components: runs joined with union-find --- */

struct run {
	int y, x0, x1;
	int parent;
};

static int
find(struct run *r, int i)
{
	while (r[i].parent != i) {
		r[i].parent = r[r[i].parent].parent;
		i = r[i].parent;
	}
	return i;
}

static void
unite(struct run *r, int a, int b)
{
	a = find(r, a);
	b = find(r, b);
	if (a != b) {
		if (a < b)
			r[b].parent = a;
		else
			r[a].parent = b;
	}
}

static int
components(tdv__ocr_work *w)
{
	int W = w->small->width, H = w->small->height;
	size_t cap = 1024, n = 0;
	struct run *runs = malloc(cap * sizeof(*runs));
	if (runs == NULL)
		return TDV_ENOMEM;
	size_t prev0 = 0, prev1 = 0; /* runs of the previous row */
	for (int y = 0; y < H; y++) {
		const uint8_t *row = w->ink + (size_t)y * (size_t)W;
		size_t cur0 = n;
		for (int x = 0; x < W;) {
			if (!row[x]) {
				x++;
				continue;
			}
			int x0 = x;
			while (x < W && row[x])
				x++;
			if (n == cap) {
				if (cap >= TDV_OCR_MAX_RUNS) {
					free(runs);
					return TDV_ELIMIT;
				}
				cap *= 2;
				struct run *nr = realloc(runs, cap * sizeof(*runs));
				if (nr == NULL) {
					free(runs);
					return TDV_ENOMEM;
				}
				runs = nr;
			}
			runs[n].y = y;
			runs[n].x0 = x0;
			runs[n].x1 = x - 1;
			runs[n].parent = (int)n;
			/* 8-connectivity with the previous row's runs. */
			while (prev0 < prev1 && runs[prev0].x1 < x0 - 1)
				prev0++;
			for (size_t k = prev0; k < prev1 && runs[k].x0 <= x; k++)
				unite(runs, (int)n, (int)k);
			n++;
		}
		prev0 = cur0;
		prev1 = n;
	}
	/* Accumulate per root; roots get a mark index. */
	int *label = malloc((n ? n : 1) * sizeof(int));
	if (label == NULL) {
		free(runs);
		return TDV_ENOMEM;
	}
	int nroots = 0;
	for (size_t i = 0; i < n; i++) {
		int r = find(runs, (int)i);
		label[i] = (size_t)r == i ? nroots++ : label[r];
	}
	tdv__ocr_mark *all = calloc(nroots ? (size_t)nroots : 1, sizeof(*all));
	if (all == NULL) {
		free(runs);
		free(label);
		return TDV_ENOMEM;
	}
	for (int i = 0; i < nroots; i++) {
		all[i].x0 = all[i].y0 = 1 << 30;
		all[i].x1 = all[i].y1 = -1;
	}
	for (size_t i = 0; i < n; i++) {
		tdv__ocr_mark *m = &all[label[i]];
		int len = runs[i].x1 - runs[i].x0 + 1;
		if (runs[i].x0 < m->x0)
			m->x0 = runs[i].x0;
		if (runs[i].x1 > m->x1)
			m->x1 = runs[i].x1;
		if (runs[i].y < m->y0)
			m->y0 = runs[i].y;
		if (runs[i].y > m->y1)
			m->y1 = runs[i].y;
		m->n += len;
		m->cx += (runs[i].x0 + runs[i].x1) * 0.5 * len;
		m->cy += (double)runs[i].y * len;
	}
	free(runs);
	free(label);
	/* Keep character-sized marks only. */
	int minside = W < H ? W : H;
	double maxsize = minside / 5.0;
	int k = 0;
	for (int i = 0; i < nroots && k < TDV_OCR_MAX_MARKS; i++) {
		tdv__ocr_mark m = all[i];
		int mw = m.x1 - m.x0 + 1, mh = m.y1 - m.y0 + 1;
		m.size = mw > mh ? mw : mh;
		if (m.size < 5 || m.size > maxsize || m.n < 8)
			continue;
		double fill = (double)m.n / ((double)mw * mh);
		if (fill < 0.07)
			continue;
		m.cx /= m.n;
		m.cy /= m.n;
		all[k++] = m;
	}
	w->marks = all;
	w->nmarks = k;
	return TDV_OK;
}

int
tdv__ocr_prepare(const tdv_image *img, int scale, tdv__ocr_work *w)
{
	memset(w, 0, sizeof(*w));
	int rc;
	if (img->channels == 1) {
		/* grey already: read the caller's pixels in place */
		w->gray_view = *img;
		w->gray = &w->gray_view;
	} else if ((rc = tdv_image_to_gray(img, &w->gray)) != TDV_OK) {
		return rc;
	}
	int side = img->width > img->height ? img->width : img->height;
	if (scale <= 0)
		scale = (side + TDV_OCR_WORK_SIDE - 1) / TDV_OCR_WORK_SIDE;
	/* the working copy never exceeds TDV_OCR_MAX_SIDE (memory bound) */
	while (side / (scale > 0 ? scale : 1) > TDV_OCR_MAX_SIDE)
		scale++;
	w->scale = scale < 1 ? 1 : scale;
	if (w->scale == 1)
		w->small = w->gray; /* no copy at full resolution */
	else if ((rc = reduce(w->gray, w->scale, &w->small)) != TDV_OK)
		return rc;
	size_t np = (size_t)w->small->width * (size_t)w->small->height;
	w->ink = malloc(np);
	if (w->ink == NULL)
		return TDV_ENOMEM;
	if ((rc = binarize(w->small, w->ink)) != TDV_OK)
		return rc;
	return components(w);
}
