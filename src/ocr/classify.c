/*
 * The OCR-B character classifier: a network with one hidden layer of
 * TDV_OCR_HIDDEN rectified units over the cell's darkness grid and a
 * softmax over the 37 MRZ characters. Its parameters (ocrb_model.c) are
 * produced by tools/ocr-train from FreeType renderings of OCR-B passed
 * through the specimen distortions and this reader's own segmentation.
 */
#include <math.h>
#include <string.h>

#include "ocr/ocr_internal.h"

const char tdv__ocr_classes[TDV_OCR_NCLASS + 1] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

void
tdv__ocr_classify(const tdv__ocr_model *m, const float feat[TDV_OCR_NFEAT],
    float prob[TDV_OCR_NCLASS])
{
	float h[TDV_OCR_HIDDEN];
	for (int j = 0; j < TDV_OCR_HIDDEN; j++) {
		const float *w = m->w1 + (size_t)j * TDV_OCR_NFEAT;
		float acc = m->b1[j];
		for (int i = 0; i < TDV_OCR_NFEAT; i++)
			acc += w[i] * feat[i];
		h[j] = acc > 0 ? acc : 0;
	}
	float mx = -1e30f;
	for (int k = 0; k < TDV_OCR_NCLASS; k++) {
		const float *w = m->w2 + (size_t)k * TDV_OCR_HIDDEN;
		float acc = m->b2[k];
		for (int j = 0; j < TDV_OCR_HIDDEN; j++)
			acc += w[j] * h[j];
		prob[k] = acc;
		mx = acc > mx ? acc : mx;
	}
	float sum = 0;
	for (int k = 0; k < TDV_OCR_NCLASS; k++) {
		prob[k] = expf(prob[k] - mx);
		sum += prob[k];
	}
	for (int k = 0; k < TDV_OCR_NCLASS; k++)
		prob[k] /= sum;
}

/* The same network on TDV_OCR_BATCH cells at once: the cells are the
 * innermost loop, so each cell's sums are formed in exactly the order of
 * tdv__ocr_classify (same results) while the loop runs across cells in
 * vector registers. */
void
tdv__ocr_classify_batch(const tdv__ocr_model *m, const float *feat, int n, float *prob)
{
	while (n > 0) {
		int k = n < TDV_OCR_BATCH ? n : TDV_OCR_BATCH;
		float ft[TDV_OCR_NFEAT][TDV_OCR_BATCH];
		memset(ft, 0, sizeof(ft));
		for (int c = 0; c < k; c++)
			for (int i = 0; i < TDV_OCR_NFEAT; i++)
				ft[i][c] = feat[(size_t)c * TDV_OCR_NFEAT + (size_t)i];
		float h[TDV_OCR_HIDDEN][TDV_OCR_BATCH];
		for (int j = 0; j < TDV_OCR_HIDDEN; j++) {
			const float *w = m->w1 + (size_t)j * TDV_OCR_NFEAT;
			float acc[TDV_OCR_BATCH];
			for (int c = 0; c < TDV_OCR_BATCH; c++)
				acc[c] = m->b1[j];
			for (int i = 0; i < TDV_OCR_NFEAT; i++)
				for (int c = 0; c < TDV_OCR_BATCH; c++)
					acc[c] += w[i] * ft[i][c];
			for (int c = 0; c < TDV_OCR_BATCH; c++)
				h[j][c] = acc[c] > 0 ? acc[c] : 0;
		}
		for (int c = 0; c < k; c++) {
			float *p = prob + (size_t)c * TDV_OCR_NCLASS;
			float mx = -1e30f;
			for (int q = 0; q < TDV_OCR_NCLASS; q++) {
				const float *w = m->w2 + (size_t)q * TDV_OCR_HIDDEN;
				float acc = m->b2[q];
				for (int j = 0; j < TDV_OCR_HIDDEN; j++)
					acc += w[j] * h[j][c];
				p[q] = acc;
				mx = acc > mx ? acc : mx;
			}
			float sum = 0;
			for (int q = 0; q < TDV_OCR_NCLASS; q++) {
				p[q] = expf(p[q] - mx);
				sum += p[q];
			}
			for (int q = 0; q < TDV_OCR_NCLASS; q++)
				p[q] /= sum;
		}
		feat += (size_t)k * TDV_OCR_NFEAT;
		prob += (size_t)k * TDV_OCR_NCLASS;
		n -= k;
	}
}
