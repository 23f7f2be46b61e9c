/*
 * tdv_ocr_read: the MRZ reader's pipeline (see include/tdv/ocr.h). The
 * band is read in both directions along its text orientation; the
 * classifier's confidence picks the upright one (an upside-down OCR-B line
 * classifies poorly everywhere). The lines then go through the MRZ
 * engine's check-digit correction (Doc 9303-3 §4.9).
 */
#include "tdv/ocr.h"

#include <math.h>
#include <string.h>

#include "ocr/ocr_internal.h"
#include "tdv/error.h"

struct reading {
	tdv__ocr_grid grid;
	char text[TDV_MRZ_MAX_LINES][TDV_MRZ_LINE_MAX + 1];
	float best[TDV_MRZ_MAX_LINES][TDV_MRZ_LINE_MAX]; /* winning probability */
	int done;          /* cells [0, done) of every line classified */
	double conf[TDV_MRZ_MAX_LINES];
	double score;      /* mean log probability of the classified cells */
};

/* Classify the cells [r->done, limit) of each line (all when limit is 0),
 * a line's cells in batches. */
static void
read_grid(const tdv__ocr_work *w, struct reading *r, int limit)
{
	const tdv__ocr_grid *g = &r->grid;
	float feat[TDV_OCR_BATCH * TDV_OCR_NFEAT], prob[TDV_OCR_BATCH * TDV_OCR_NCLASS];
	int n = limit > 0 && limit < g->nchars ? limit : g->nchars;
	for (int l = 0; l < g->nlines; l++) {
		for (int c0 = r->done; c0 < n; c0 += TDV_OCR_BATCH) {
			int k = n - c0 < TDV_OCR_BATCH ? n - c0 : TDV_OCR_BATCH;
			for (int c = 0; c < k; c++)
				tdv__ocr_features(w->gray, g, l, c0 + c, feat + (size_t)c * TDV_OCR_NFEAT);
			tdv__ocr_classify_batch(&tdv__ocrb_model, feat, k, prob);
			for (int c = 0; c < k; c++) {
				const float *p = prob + (size_t)c * TDV_OCR_NCLASS;
				int best = 0;
				for (int q = 1; q < TDV_OCR_NCLASS; q++)
					if (p[q] > p[best])
						best = q;
				r->text[l][c0 + c] = tdv__ocr_classes[best];
				r->best[l][c0 + c] = p[best];
			}
		}
		r->text[l][n] = '\0';
	}
	r->done = n;
	double total = 0;
	for (int l = 0; l < g->nlines; l++) {
		double sum = 0;
		for (int c = 0; c < n; c++) {
			sum += r->best[l][c];
			total += log(r->best[l][c] + 1e-6);
		}
		r->conf[l] = sum / n;
	}
	r->score = total / (g->nlines * n);
}

int
tdv_ocr_read(const tdv_image *img, const tdv_date *today, tdv_ocr_result *out)
{
	if (out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	if (img == NULL || img->data == NULL || img->width <= 0 || img->height <= 0 ||
	    (img->channels != 1 && img->channels != 3) ||
	    img->stride < (size_t)img->width * (size_t)img->channels)
		return TDV_EINVAL;
	out->search.width = img->width;
	out->search.height = img->height;
	if (img->width < 64 || img->height < 32)
		return TDV_EOCR_NOMRZ;
	tdv__ocr_work w;
	tdv__ocr_band band;
	int rc = TDV_EOCR_NOMRZ, tried = 0;
	/* A reduced copy first; full resolution when that finds nothing
	 * (small print in a large frame). */
	for (int attempt = 0; attempt < 2; attempt++) {
		int scale = attempt == 0 ? 0 : 1;
		if (attempt == 1 && tried == 1)
			break;
		rc = tdv__ocr_prepare(img, scale, &w);
		tried = w.scale;
		memset(&out->search, 0, sizeof(out->search));
		out->search.width = img->width;
		out->search.height = img->height;
		out->search.scale = w.scale;
		if (rc == TDV_OK)
			rc = tdv__ocr_locate(&w, &band, &out->search);
		if (rc == TDV_OK)
			break;
		tdv__ocr_work_free(&w);
		if (rc != TDV_EOCR_NOMRZ)
			return rc;
	}
	if (rc != TDV_OK)
		return rc;
	/* Which way up: the first cells of each line classified both ways
	 * (upside-down OCR-B gets low confidence), then the whole band the
	 * chosen way. */
	struct reading rd[2];
	int have[2] = {0, 0};
	for (int flip = 0; flip < 2; flip++) {
		rd[flip].done = 0;
		if (tdv__ocr_grid_fit(&w, &band, flip, &rd[flip].grid) != TDV_OK)
			continue;
		read_grid(&w, &rd[flip], 10);
		have[flip] = 1;
	}
	if (!have[0] && !have[1]) {
		tdv__ocr_work_free(&w);
		return TDV_EOCR_NOMRZ;
	}
	struct reading *r = !have[1] || (have[0] && rd[0].score >= rd[1].score) ? &rd[0] : &rd[1];
	read_grid(&w, r, 0);
	tdv__ocr_work_free(&w);
	const tdv__ocr_grid *g = &r->grid;
	out->nlines = g->nlines;
	out->nchars = g->nchars;
	const char *ptrs[TDV_MRZ_MAX_LINES];
	size_t lens[TDV_MRZ_MAX_LINES];
	for (int l = 0; l < g->nlines; l++) {
		memcpy(out->raw[l], r->text[l], sizeof(out->raw[l]));
		out->confidence[l] = r->conf[l];
		ptrs[l] = out->raw[l];
		lens[l] = (size_t)g->nchars;
	}
	double dx = g->dir[0], dy = g->dir[1], nx = -dy, ny = dx;
	int L = g->nlines - 1, N = g->nchars - 1;
	double h = g->cap / 2;
	const double corner[4][4] = {
	    {g->cx[0][0], g->cy[0][0], -g->pitch[0][0] / 2, -h},
	    {g->cx[0][N], g->cy[0][N], g->pitch[0][N] / 2, -h},
	    {g->cx[L][N], g->cy[L][N], g->pitch[L][N] / 2, h},
	    {g->cx[L][0], g->cy[L][0], -g->pitch[L][0] / 2, h},
	};
	for (int i = 0; i < 4; i++) {
		out->quad[i][0] = corner[i][0] + corner[i][2] * dx + corner[i][3] * nx;
		out->quad[i][1] = corner[i][1] + corner[i][2] * dy + corner[i][3] * ny;
	}
	out->angle_deg = atan2(-dy, dx) * 180.0 / M_PI;
	out->pitch_px = g->pitch[0][g->nchars / 2];
	out->correct_rc = tdv_mrz_correct(ptrs, lens, g->nlines, today, &out->mrz);
	for (int l = 0; l < g->nlines; l++) {
		if (out->mrz.nlines == g->nlines && strlen(out->mrz.lines[l]) == (size_t)g->nchars)
			memcpy(out->lines[l], out->mrz.lines[l], sizeof(out->lines[l]));
		else
			memcpy(out->lines[l], out->raw[l], sizeof(out->lines[l]));
	}
	return TDV_OK;
}

void
tdv_ocr_json_members(const tdv_ocr_result *r, tdv_json *j)
{
	tdv_mrz_json_members(&r->mrz, j);
	tdv_json_key(j, "lines");
	tdv_json_array_begin(j);
	for (int l = 0; l < r->nlines; l++)
		tdv_json_string(j, r->lines[l]);
	tdv_json_array_end(j);
	tdv_json_key(j, "raw");
	tdv_json_array_begin(j);
	for (int l = 0; l < r->nlines; l++)
		tdv_json_string(j, r->raw[l]);
	tdv_json_array_end(j);
	tdv_json_key(j, "confidence");
	tdv_json_array_begin(j);
	for (int l = 0; l < r->nlines; l++)
		tdv_json_double(j, round(r->confidence[l] * 1000) / 1000);
	tdv_json_array_end(j);
	tdv_json_key(j, "quad");
	tdv_json_array_begin(j);
	for (int i = 0; i < 4; i++) {
		tdv_json_array_begin(j);
		tdv_json_double(j, round(r->quad[i][0] * 10) / 10);
		tdv_json_double(j, round(r->quad[i][1] * 10) / 10);
		tdv_json_array_end(j);
	}
	tdv_json_array_end(j);
	tdv_json_key(j, "angle");
	tdv_json_double(j, round(r->angle_deg * 10) / 10);
	tdv_json_key(j, "pitch");
	tdv_json_double(j, round(r->pitch_px * 100) / 100);
}
