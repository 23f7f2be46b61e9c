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

/* Dark where the 3x3-smoothed value is well below the mean of a window
 * of radius r (about 1/36 of the shorter side: two to three character
 * heights when the page fills the frame). */
static int
binarize(const tdv_image *s, uint8_t *ink)
{
	int W = s->width, H = s->height;
	int r = (W < H ? W : H) / 36;
	if (r < 5)
		r = 5;
	if (r > 60)
		r = 60;
	/* sm: 3x3 box sums (edges replicated), 0..9*255; col: running sums
	 * of sm over the rows of the window, per column. */
	uint16_t *sm = malloc((size_t)W * (size_t)H * sizeof(uint16_t));
	uint32_t *col = calloc((size_t)W, sizeof(uint32_t));
	uint16_t *h3 = malloc((size_t)W * sizeof(uint16_t));
	if (sm == NULL || col == NULL || h3 == NULL) {
		free(sm);
		free(col);
		free(h3);
		return TDV_ENOMEM;
	}
	for (int y = 0; y < H; y++) {
		uint16_t *o = sm + (size_t)y * (size_t)W;
		for (int x = 0; x < W; x++)
			o[x] = 0;
		for (int dy = -1; dy <= 1; dy++) {
			int yy = y + dy < 0 ? 0 : y + dy >= H ? H - 1 : y + dy;
			const uint8_t *row = s->data + (size_t)yy * s->stride;
			h3[0] = (uint16_t)(2 * row[0] + (W > 1 ? row[1] : row[0]));
			for (int x = 1; x + 1 < W; x++)
				h3[x] = (uint16_t)(row[x - 1] + row[x] + row[x + 1]);
			if (W > 1)
				h3[W - 1] = (uint16_t)(row[W - 2] + 2 * row[W - 1]);
			for (int x = 0; x < W; x++)
				o[x] = (uint16_t)(o[x] + h3[x]);
		}
	}
	/* window rows [y0, y1) kept in col[] as y advances */
	int y0 = 0, y1 = 0;
	for (int y = 0; y < H; y++) {
		int ny0 = y - r < 0 ? 0 : y - r, ny1 = y + r + 1 > H ? H : y + r + 1;
		for (; y1 < ny1; y1++) {
			const uint16_t *row = sm + (size_t)y1 * (size_t)W;
			for (int x = 0; x < W; x++)
				col[x] += (row[x] + 4u) / 9u; /* the rounded 3x3 mean */
		}
		for (; y0 < ny0; y0++) {
			const uint16_t *row = sm + (size_t)y0 * (size_t)W;
			for (int x = 0; x < W; x++)
				col[x] -= (row[x] + 4u) / 9u;
		}
		int rows = y1 - y0;
		const uint16_t *srow = sm + (size_t)y * (size_t)W;
		uint8_t *irow = ink + (size_t)y * (size_t)W;
		uint64_t sum = 0; /* window sum of the means over columns [x0, x1) */
		int x0 = 0, x1 = 0;
		for (int x = 0; x < W; x++) {
			int nx0 = x - r < 0 ? 0 : x - r, nx1 = x + r + 1 > W ? W : x + r + 1;
			for (; x1 < nx1; x1++)
				sum += col[x1];
			for (; x0 < nx0; x0++)
				sum -= col[x0];
			uint64_t area = (uint64_t)((x1 - x0) * rows);
			/* v < mean - max(mean / 7, 14), without dividing by area
			 * (srow holds 9 v): */
			uint64_t m14 = 14 * area;
			uint64_t t = sum < m14 ? 0 : (sum * 6 / 7 < sum - m14 ? sum * 6 / 7 : sum - m14);
			irow[x] = (uint8_t)((uint64_t)srow[x] * area < 9 * t);
		}
	}
	free(sm);
	free(col);
	free(h3);
	return TDV_OK;
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
