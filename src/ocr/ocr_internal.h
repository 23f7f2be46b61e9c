/* Internal to src/ocr and tools/ocr-train: the stages of the MRZ reader. */
#ifndef TDV_OCR_INTERNAL_H
#define TDV_OCR_INTERNAL_H

#include <stdint.h>

#include "tdv/image.h"
#include "tdv/ocr.h"

/* Character cell features: a FEAT_W x FEAT_H darkness grid. */
#define TDV_OCR_FEAT_W 14
#define TDV_OCR_FEAT_H 18
#define TDV_OCR_NFEAT (TDV_OCR_FEAT_W * TDV_OCR_FEAT_H)
#define TDV_OCR_NCLASS 37
#define TDV_OCR_HIDDEN 64
extern const char tdv__ocr_classes[TDV_OCR_NCLASS + 1]; /* "0-9A-Z<" */

/* Working copy: the first attempt reduces the longer side to about
 * TDV_OCR_WORK_SIDE (characters stay >= 6 px when the page fills the
 * frame); when that finds nothing the reader retries at full resolution,
 * up to TDV_OCR_MAX_SIDE. */
#define TDV_OCR_WORK_SIDE 1300
#define TDV_OCR_MAX_SIDE 4000
#define TDV_OCR_MAX_RUNS (4 * 1000 * 1000)
#define TDV_OCR_MAX_MARKS 60000

/* A connected dark component in working-copy pixels. */
typedef struct tdv__ocr_mark {
	int x0, y0, x1, y1; /* inclusive bounding box */
	int n;              /* pixels */
	double cx, cy;      /* centroid */
	double size;        /* max(width, height) */
} tdv__ocr_mark;

/* One MRZ line as located: the marks on it, in reading order. */
#define TDV_OCR_MAX_CHAIN 160
typedef struct tdv__ocr_chain {
	int n;
	int idx[TDV_OCR_MAX_CHAIN];
} tdv__ocr_chain;

/* The located band (working-copy coordinates). */
typedef struct tdv__ocr_band {
	int nlines;
	tdv__ocr_chain lines[TDV_MRZ_MAX_LINES]; /* top to bottom for dir */
	double dir[2];   /* unit reading direction */
	double height;   /* typical character height */
} tdv__ocr_band;

/* Geometry of the character cells in image pixels. */
typedef struct tdv__ocr_grid {
	int nlines, nchars;
	double cx[TDV_MRZ_MAX_LINES][TDV_MRZ_LINE_MAX]; /* cell centres */
	double cy[TDV_MRZ_MAX_LINES][TDV_MRZ_LINE_MAX];
	double pitch[TDV_MRZ_MAX_LINES][TDV_MRZ_LINE_MAX]; /* local pitch */
	double dir[2]; /* reading direction */
	double cap;    /* character height in image pixels */
} tdv__ocr_grid;

/* State reused between the stages of one read. */
typedef struct tdv__ocr_work {
	tdv_image *gray;  /* full-resolution grey: owned, or &gray_view */
	tdv_image gray_view; /* the caller's grey image, not copied */
	tdv_image *small; /* working copy (1/scale), owned */
	int scale;
	uint8_t *ink;     /* working-copy bitmap, 1 = dark */
	tdv__ocr_mark *marks;
	int nmarks;
} tdv__ocr_work;

/* Working copy (1/scale; 0 chooses), adaptive binarisation, components. */
int tdv__ocr_prepare(const tdv_image *img, int scale, tdv__ocr_work *w);
void tdv__ocr_work_free(tdv__ocr_work *w);

/* Find the MRZ band; TDV_EOCR_NOMRZ when there is none. */
int tdv__ocr_locate(tdv__ocr_work *w, tdv__ocr_band *band, tdv_ocr_search *search);

/* Cell grid for the band read in direction dir (flip = read it upside
 * down). TDV_EOCR_NOMRZ when the lines do not fit an MRZ layout. */
int tdv__ocr_grid_fit(const tdv__ocr_work *w, const tdv__ocr_band *band, int flip,
    tdv__ocr_grid *g);

/* Features of cell (line, col) from the full-resolution grey image. */
void tdv__ocr_features(const tdv_image *gray, const tdv__ocr_grid *g, int line,
    int col, float feat[TDV_OCR_NFEAT]);

/* The classifier: a one-hidden-layer network (see ocrb_model.c). */
typedef struct tdv__ocr_model {
	const float *w1; /* HIDDEN x NFEAT */
	const float *b1; /* HIDDEN */
	const float *w2; /* NCLASS x HIDDEN */
	const float *b2; /* NCLASS */
} tdv__ocr_model;
extern const tdv__ocr_model tdv__ocrb_model;

/* Class probabilities (softmax) for one feature vector. */
void tdv__ocr_classify(const tdv__ocr_model *m, const float feat[TDV_OCR_NFEAT],
    float prob[TDV_OCR_NCLASS]);

/* The same for n cells (feat: n x NFEAT, prob: n x NCLASS), identical
 * results, several cells per pass. */
#define TDV_OCR_BATCH 8
void tdv__ocr_classify_batch(const tdv__ocr_model *m, const float *feat, int n, float *prob);

#endif
