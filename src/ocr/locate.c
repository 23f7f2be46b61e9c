/*
 * Finding the MRZ band at any rotation. Character-sized marks vote with
 * the direction to their nearest similar neighbour; the strongest
 * directions are tried in turn. Along a direction each mark links to its
 * nearest similar mark ahead, and the links form chains: rows of evenly
 * spaced characters. The MRZ is the best set of two or three parallel,
 * equally long, adjacent chains (Doc 9303-3 §4.3: MRZ lines are fixed
 * pitch, left-aligned, about 1.75 character heights apart), and the only
 * printed text of that length on a data page.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ocr/ocr_internal.h"
#include "tdv/error.h"

#define GRID 24
#define MAX_CHAINS 1024
#define MIN_CHAIN 12

struct grid {
	int gw, gh;
	int *head; /* first mark in each cell, -1 */
	int *next; /* next mark in the same cell */
};

static int
grid_build(const tdv__ocr_work *w, struct grid *g)
{
	g->gw = w->small->width / GRID + 1;
	g->gh = w->small->height / GRID + 1;
	g->head = malloc((size_t)g->gw * (size_t)g->gh * sizeof(int));
	g->next = malloc((w->nmarks ? (size_t)w->nmarks : 1) * sizeof(int));
	if (g->head == NULL || g->next == NULL)
		return TDV_ENOMEM;
	for (int i = 0; i < g->gw * g->gh; i++)
		g->head[i] = -1;
	for (int i = 0; i < w->nmarks; i++) {
		int cx = (int)(w->marks[i].cx / GRID), cy = (int)(w->marks[i].cy / GRID);
		int c = cy * g->gw + cx;
		g->next[i] = g->head[c];
		g->head[c] = i;
	}
	return TDV_OK;
}

static void
grid_free(struct grid *g)
{
	free(g->head);
	free(g->next);
}

static int
similar(const tdv__ocr_mark *a, const tdv__ocr_mark *b)
{
	double r = a->size > b->size ? a->size / b->size : b->size / a->size;
	return r <= 2.6;
}

/* Direction votes: 180 one-degree bins. */
static void
vote(const tdv__ocr_work *w, const struct grid *g, double hist[180])
{
	memset(hist, 0, 180 * sizeof(double));
	for (int i = 0; i < w->nmarks; i++) {
		const tdv__ocr_mark *a = &w->marks[i];
		double r = 2.4 * a->size, best = 1e30;
		int bj = -1;
		int gx0 = (int)((a->cx - r) / GRID), gx1 = (int)((a->cx + r) / GRID);
		int gy0 = (int)((a->cy - r) / GRID), gy1 = (int)((a->cy + r) / GRID);
		for (int gy = gy0 < 0 ? 0 : gy0; gy <= gy1 && gy < g->gh; gy++)
			for (int gx = gx0 < 0 ? 0 : gx0; gx <= gx1 && gx < g->gw; gx++)
				for (int j = g->head[gy * g->gw + gx]; j >= 0; j = g->next[j]) {
					if (j == i || !similar(a, &w->marks[j]))
						continue;
					double dx = w->marks[j].cx - a->cx, dy = w->marks[j].cy - a->cy;
					double d2 = dx * dx + dy * dy;
					double smax = fmax(a->size, w->marks[j].size);
					if (d2 < 0.16 * smax * smax || d2 > 5.76 * smax * smax)
						continue;
					if (d2 < best) {
						best = d2;
						bj = j;
					}
				}
		if (bj < 0)
			continue;
		double ang = atan2(w->marks[bj].cy - a->cy, w->marks[bj].cx - a->cx) * 180.0 / M_PI;
		int bin = (int)floor(ang + 0.5);
		bin = ((bin % 180) + 180) % 180;
		hist[bin] += 1.0;
	}
	double sm[180];
	for (int i = 0; i < 180; i++) {
		double acc = 0;
		for (int k = -2; k <= 2; k++)
			acc += hist[(i + k + 180) % 180] * (3 - abs(k));
		sm[i] = acc;
	}
	memcpy(hist, sm, sizeof(sm));
}

/* Peak direction refined by a parabola through the neighbouring bins. */
static double
peak(const double hist[180], int i)
{
	double l = hist[(i + 179) % 180], c = hist[i], r = hist[(i + 1) % 180];
	double den = l - 2 * c + r;
	double off = fabs(den) > 1e-9 ? 0.5 * (l - r) / den : 0;
	if (off > 0.5)
		off = 0.5;
	if (off < -0.5)
		off = -0.5;
	return i + off;
}

struct chainset {
	int n;
	tdv__ocr_chain *c;
	double dir[2];
};

/* Chains of marks along direction d. */
static int
chains(const tdv__ocr_work *w, const struct grid *g, const double d[2], struct chainset *cs)
{
	int n = w->nmarks;
	int *right = malloc((n ? (size_t)n : 1) * sizeof(int));
	int *left = malloc((n ? (size_t)n : 1) * sizeof(int));
	double *ldu = malloc((n ? (size_t)n : 1) * sizeof(double));
	if (right == NULL || left == NULL || ldu == NULL) {
		free(right);
		free(left);
		free(ldu);
		return TDV_ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		right[i] = left[i] = -1;
		ldu[i] = 1e30;
	}
	for (int i = 0; i < n; i++) {
		const tdv__ocr_mark *a = &w->marks[i];
		double r = 2.4 * a->size * 2.6, best = 1e30;
		int bj = -1;
		int gx0 = (int)((a->cx - r) / GRID), gx1 = (int)((a->cx + r) / GRID);
		int gy0 = (int)((a->cy - r) / GRID), gy1 = (int)((a->cy + r) / GRID);
		for (int gy = gy0 < 0 ? 0 : gy0; gy <= gy1 && gy < g->gh; gy++)
			for (int gx = gx0 < 0 ? 0 : gx0; gx <= gx1 && gx < g->gw; gx++)
				for (int j = g->head[gy * g->gw + gx]; j >= 0; j = g->next[j]) {
					const tdv__ocr_mark *b = &w->marks[j];
					if (j == i || !similar(a, b))
						continue;
					double dx = b->cx - a->cx, dy = b->cy - a->cy;
					double du = dx * d[0] + dy * d[1], dv = -dx * d[1] + dy * d[0];
					double smax = fmax(a->size, b->size), smin = fmin(a->size, b->size);
					if (du < 0.3 * smin || du > 2.4 * smax)
						continue;
					if (fabs(dv) > 0.2 * du + 0.3 * smin)
						continue;
					double cost = du + 2.0 * fabs(dv);
					if (cost < best) {
						best = cost;
						bj = j;
					}
				}
		right[i] = bj;
		if (bj >= 0 && best < ldu[bj]) {
			ldu[bj] = best;
			left[bj] = i;
		}
	}
	cs->n = 0;
	for (int i = 0; i < n && cs->n < MAX_CHAINS; i++) {
		if (left[i] >= 0 && right[left[i]] == i)
			continue; /* not a head */
		tdv__ocr_chain ch;
		ch.n = 0;
		for (int k = i; k >= 0 && ch.n < TDV_OCR_MAX_CHAIN; k = right[k]) {
			ch.idx[ch.n++] = k;
			if (right[k] >= 0 && left[right[k]] != k)
				break;
		}
		if (ch.n >= MIN_CHAIN)
			cs->c[cs->n++] = ch;
	}
	free(right);
	free(left);
	free(ldu);
	return TDV_OK;
}

struct line {
	double u0, u1, v;   /* extent along d, offset across */
	double h;           /* typical mark size */
	double slope;       /* dv/du */
	int n;
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
describe(const tdv__ocr_work *w, const tdv__ocr_chain *c, const double d[2], struct line *l)
{
	double su = 0, sv = 0, suu = 0, suv = 0, sizes[TDV_OCR_MAX_CHAIN];
	l->u0 = 1e30;
	l->u1 = -1e30;
	for (int k = 0; k < c->n; k++) {
		const tdv__ocr_mark *m = &w->marks[c->idx[k]];
		double u = m->cx * d[0] + m->cy * d[1], v = -m->cx * d[1] + m->cy * d[0];
		su += u;
		sv += v;
		suu += u * u;
		suv += u * v;
		l->u0 = fmin(l->u0, u);
		l->u1 = fmax(l->u1, u);
		sizes[k] = m->size;
	}
	double n = c->n, mu = su / n, mv = sv / n;
	double var = suu / n - mu * mu;
	l->slope = var > 1e-9 ? (suv / n - mu * mv) / var : 0;
	l->v = mv - l->slope * mu; /* v at u = 0 */
	qsort(sizes, (size_t)c->n, sizeof(double), cmp_double);
	l->h = sizes[(c->n * 3) / 4];
	l->n = c->n;
}

/* v of line a at u */
static double
v_at(const struct line *a, double u)
{
	return a->v + a->slope * u;
}

/* Lines b and c could be consecutive MRZ lines (b above c). */
static int
adjacent(const struct line *b, const struct line *c)
{
	double um = 0.5 * (fmax(b->u0, c->u0) + fmin(b->u1, c->u1));
	double h = fmax(b->h, c->h);
	double gap = v_at(c, um) - v_at(b, um);
	if (gap < 1.1 * h || gap > 2.8 * h)
		return 0;
	if (fabs(atan(b->slope) - atan(c->slope)) > 6.0 * M_PI / 180.0)
		return 0;
	double ov = fmin(b->u1, c->u1) - fmax(b->u0, c->u0);
	double shorter = fmin(b->u1 - b->u0, c->u1 - c->u0);
	if (ov < 0.6 * shorter)
		return 0;
	/* left-aligned and of similar length */
	double len = fmax(b->u1 - b->u0, c->u1 - c->u0);
	if (fabs(b->u0 - c->u0) > 0.25 * len || fabs(b->u1 - c->u1) > 0.25 * len)
		return 0;
	return 1;
}

struct cand {
	double score;
	int nl;
	int ch[3];
};

static void
consider(struct cand *best, const struct line *ls, const int *ids, int nl)
{
	double score = 0;
	int mn = 1 << 30, mx = 0;
	for (int i = 0; i < nl; i++) {
		score += ls[ids[i]].n;
		mn = ls[ids[i]].n < mn ? ls[ids[i]].n : mn;
		mx = ls[ids[i]].n > mx ? ls[ids[i]].n : mx;
	}
	if (mn < 18 || mn < mx / 2)
		return;
	score -= 0.5 * (mx - mn);
	if (score > best->score) {
		best->score = score;
		best->nl = nl;
		for (int i = 0; i < nl; i++)
			best->ch[i] = ids[i];
	}
}

int
tdv__ocr_locate(tdv__ocr_work *w, tdv__ocr_band *band, tdv_ocr_search *search)
{
	memset(band, 0, sizeof(*band));
	search->marks = w->nmarks;
	if (w->nmarks < 2 * 15)
		return TDV_EOCR_NOMRZ;
	struct grid g = {0};
	struct chainset cs = {0};
	struct line *ls = NULL;
	int rc = grid_build(w, &g);
	if (rc != TDV_OK)
		goto out;
	cs.c = malloc(MAX_CHAINS * sizeof(*cs.c));
	ls = malloc(MAX_CHAINS * sizeof(*ls));
	if (cs.c == NULL || ls == NULL) {
		rc = TDV_ENOMEM;
		goto out;
	}
	double hist[180];
	vote(w, &g, hist);
	/* Up to three distinct peaks, strongest first. */
	int peaks[3], np = 0;
	for (int t = 0; t < 3; t++) {
		int bi = -1;
		for (int i = 0; i < 180; i++) {
			int far = 1;
			for (int k = 0; k < np; k++) {
				int dd = abs(i - peaks[k]);
				if ((dd < 180 - dd ? dd : 180 - dd) < 12)
					far = 0;
			}
			if (far && hist[i] > 0 && (bi < 0 || hist[i] > hist[bi]))
				bi = i;
		}
		if (bi < 0 || (np > 0 && hist[bi] < 0.1 * hist[peaks[0]]))
			break;
		peaks[np++] = bi;
	}
	search->angle_deg = np ? peak(hist, peaks[0]) : 0;
	rc = TDV_EOCR_NOMRZ;
	struct cand best = {0, 0, {0, 0, 0}};
	double best_dir[2] = {1, 0};
	tdv__ocr_chain bestc[3];
	for (int p = 0; p < np; p++) {
		double th = peak(hist, peaks[p]) * M_PI / 180.0;
		double d[2] = {cos(th), sin(th)};
		if ((rc = chains(w, &g, d, &cs)) != TDV_OK)
			goto out;
		for (int i = 0; i < cs.n; i++) {
			describe(w, &cs.c[i], d, &ls[i]);
			if (p == 0) {
				search->text_lines++;
				if (cs.c[i].n > search->longest_line)
					search->longest_line = cs.c[i].n;
			}
		}
		struct cand c = {0, 0, {0, 0, 0}};
		for (int a = 0; a < cs.n; a++)
			for (int b = 0; b < cs.n; b++) {
				if (b == a || !adjacent(&ls[a], &ls[b]))
					continue;
				int ids2[2] = {a, b};
				consider(&c, ls, ids2, 2);
				for (int e = 0; e < cs.n; e++) {
					if (e == a || e == b || !adjacent(&ls[b], &ls[e]))
						continue;
					int ids3[3] = {a, b, e};
					/* three lines only as TD1: similar, ~30 long */
					consider(&c, ls, ids3, 3);
				}
			}
		if (c.nl > 0 && c.score > best.score) {
			best = c;
			best_dir[0] = d[0];
			best_dir[1] = d[1];
			for (int i = 0; i < c.nl; i++)
				bestc[i] = cs.c[c.ch[i]];
		}
	}
	if (best.nl == 0) {
		rc = TDV_EOCR_NOMRZ;
		goto out;
	}
	band->nlines = best.nl;
	/* what was seen, for the report when no layout fits: rows and their
	 * length in pitches (the smallest mean spacing is the pitch; a gap
	 * left by a lost mark only widens a row's mean) */
	{
		double pitch = 1e30, ext = 0;
		for (int i = 0; i < best.nl; i++) {
			struct line l;
			describe(w, &bestc[i], best_dir, &l);
			if (l.n > 1)
				pitch = fmin(pitch, (l.u1 - l.u0) / (l.n - 1));
			ext = fmax(ext, l.u1 - l.u0);
		}
		search->band_lines = best.nl;
		search->band_chars = pitch < 1e29 && pitch > 0 ? (int)lround(ext / pitch) + 1 : 0;
	}
	band->dir[0] = best_dir[0];
	band->dir[1] = best_dir[1];
	for (int i = 0; i < best.nl; i++)
		band->lines[i] = bestc[i];
	rc = TDV_OK;
out:
	grid_free(&g);
	free(cs.c);
	free(ls);
	return rc;
}
