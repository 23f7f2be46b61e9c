/*
 * The OCR-B character classifier: a network with one hidden layer of
 * TDV_OCR_HIDDEN rectified units over the cell's darkness grid and a
 * softmax over the 37 MRZ characters. Its parameters (ocrb_model.c) are
 * produced by tools/ocr-train from FreeType renderings of OCR-B passed
 * through the specimen distortions and this reader's own segmentation.
 */
#include <math.h>

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
