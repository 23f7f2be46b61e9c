/*
 * Reading the MRZ from an image of a data page (a camera frame or a scan).
 *
 * The pipeline: adaptive binarisation of a grey working copy, connected
 * components, the MRZ band found as two or three parallel rows of evenly
 * spaced character-sized marks at any rotation (including upside down),
 * per-line geometry fitted on the fixed 10 cpi pitch (deskew and mild
 * perspective), one cell per character sampled from the grey image, the
 * project's own OCR-B classifier (a small neural network trained by
 * tools/ocr-train from FreeType renderings), and finally the MRZ engine's
 * check-digit correction (tdv_mrz_correct).
 *
 * The image is any tdv_image (grey or RGB), so a decoded camera frame can
 * be passed without files. Memory use is bounded by the image size (the
 * caller's limits, see tdv/image.h); time is linear in the pixel count.
 */
#ifndef TDV_OCR_H
#define TDV_OCR_H

#include <stdbool.h>

#include "tdv/date.h"
#include "tdv/image.h"
#include "tdv/mrz.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where the reader looked, for the "no MRZ found" explanation. */
typedef struct tdv_ocr_search {
	int width, height;   /* of the image */
	int scale;           /* working copy is 1/scale of the image */
	int marks;           /* character-sized marks found */
	int text_lines;      /* rows of >= 12 evenly spaced marks */
	int longest_line;    /* marks in the longest such row */
	double angle_deg;    /* dominant text direction, degrees (0..180) */
	/* The best group of parallel, left-aligned rows of similar length
	 * (what an MRZ looks like), also when no MRZ layout fits it: e.g. a
	 * TD1 with one of its three lines unreadable shows 2 rows of about 30.
	 * 0 when there is none. */
	int band_lines;      /* rows in the group (2 or 3) */
	int band_chars;      /* about how many characters per row */
} tdv_ocr_search;

typedef struct tdv_ocr_result {
	tdv_mrz mrz;  /* parse of the corrected lines (tdv_mrz_correct) */
	int correct_rc; /* what tdv_mrz_correct returned (TDV_OK, or e.g.
	                   TDV_EMRZ_AMBIGUOUS / TDV_EMRZ_CHECKDIGIT) */
	int nlines;
	int nchars;
	char raw[TDV_MRZ_MAX_LINES][TDV_MRZ_LINE_MAX + 1]; /* as classified */
	char lines[TDV_MRZ_MAX_LINES][TDV_MRZ_LINE_MAX + 1]; /* after correction */
	double confidence[TDV_MRZ_MAX_LINES]; /* per line, 0..1 */
	/* MRZ corners in image pixels, in reading order: top-left,
	 * top-right, bottom-right, bottom-left of the upright text. */
	double quad[4][2];
	double angle_deg;   /* reading direction, degrees counter-clockwise */
	double pitch_px;    /* character pitch in image pixels */
	tdv_ocr_search search;
} tdv_ocr_result;

/*
 * Find and read the MRZ in img. `today` (NULL: not assumed; pass the real
 * date) is handed to the MRZ engine for the century of dates and expiry.
 * Returns TDV_OK when an MRZ band was found and read (out->mrz.valid says
 * whether it is a valid MRZ after correction), TDV_EOCR_NOMRZ when there is
 * none (out->search says where it looked), TDV_EINVAL for a bad image,
 * TDV_ELIMIT when the image is too noisy to analyse within the bounds,
 * TDV_ENOMEM. Never prints; never keeps a reference to img.
 */
int tdv_ocr_read(const tdv_image *img, const tdv_date *today,
    tdv_ocr_result *out);

/* Append the result as JSON members (no enclosing braces): the keys of
 * `tdverify mrz parse --json` plus "lines", "raw", "confidence",
 * "corrections", "quad", "angle", "pitch". */
void tdv_ocr_json_members(const tdv_ocr_result *r, tdv_json *j);

#ifdef __cplusplus
}
#endif
#endif
