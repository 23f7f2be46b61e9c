/*
 * Specimen data pages: synthetic passport / ID-card data pages with a
 * correct MRZ printed in OCR-B (rendered through FreeType from Debian's
 * fonts-ocr-b), a face placeholder, printed visual-zone fields and a
 * guilloche-like background, and controllable capture distortions. Used
 * by tests, benchmarks, the OCR trainer and officer training.
 *
 * People are generated from a seed (names from several regions, written in
 * their own scripts and transliterated by the MRZ engine); never real.
 * Everything is deterministic for a given seed and parameters.
 */
#ifndef TDV_SPECIMEN_H
#define TDV_SPECIMEN_H

#include <stdbool.h>
#include <stdint.h>

#include "tdv/image.h"
#include "tdv/mrz.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- fonts (FreeType) --- */

typedef struct tdv_font tdv_font;

/* Open a font file; NULL opens OCR-B from the usual Debian locations
 * (fonts-ocr-b). TDV_EFONT when it cannot be loaded. */
int tdv_font_open(const char *path, tdv_font **out);
void tdv_font_free(tdv_font **f);

/* Height of a capital letter as a fraction of the em (e.g. 0.7). */
double tdv_font_cap_height(const tdv_font *f);

/*
 * Draw ASCII/Latin-1 text onto img (grey or RGB), anti-aliased, with the
 * baseline of the first character's origin at (x, y) in pixels and an em
 * of em_px pixels. pitch > 0 places characters on that fixed pitch (the
 * MRZ); 0 uses the font's advances. ink is the colour (grey uses ink[0]).
 * *advance (may be NULL) receives the width drawn. Pixels outside the
 * image are clipped.
 */
int tdv_font_draw(tdv_font *f, tdv_image *img, const char *text, double x,
    double y, double em_px, double pitch, const uint8_t ink[3],
    double *advance);

/* --- distortions --- */

typedef struct tdv_specimen_distortion {
	double rotate_deg;   /* in-plane rotation, degrees (counter-clockwise) */
	bool upside_down;    /* add 180 degrees */
	double perspective;  /* 0..0.15: keystone strength */
	double defocus;      /* Gaussian blur sigma in pixels at the output dpi */
	double motion;       /* motion blur length in pixels */
	double motion_deg;   /* motion direction */
	double noise;        /* Gaussian noise sigma, grey levels */
	double lighting;     /* 0..0.6: depth of an uneven-light gradient */
	double glare;        /* 0..1: strength of a specular spot */
	bool clutter;        /* desk clutter around the page */
	int jpeg_quality;    /* 0: write PNG; 30..100: write JPEG at that quality */
} tdv_specimen_distortion;

/* Random distortion parameters for a level: 0 none, 1 mild, 2 moderate,
 * 3 strong (rotation up to 20 degrees, 1 in 6 upside down, JPEG down to
 * quality 30). Deterministic in seed. */
void tdv_specimen_distortion_for_level(int level, uint64_t seed,
    tdv_specimen_distortion *out);

/* --- specimens --- */

typedef struct tdv_specimen_opts {
	tdv_mrz_format format; /* TDV_MRZ_TD1, TD2 or TD3 */
	uint64_t seed;
	int dpi;               /* 150..600; 0 means 300 */
	tdv_specimen_distortion distortion;
	/* When not NULL, print these MRZ lines instead of a generated
	 * person's (the trainer uses random character lines). */
	const char *const *lines;
	int nlines;
} tdv_specimen_opts;

typedef struct tdv_specimen {
	tdv_image *image; /* RGB */
	tdv_mrz mrz;      /* the person's MRZ (lines and parsed fields) */
	char given_names_utf8[64]; /* as printed in the visual zone */
	char surname_utf8[64];
	double quad[4][2]; /* MRZ corners in image pixels: top-left, top-right,
	                      bottom-right, bottom-left of the upright page */
	double pitch_px;   /* MRZ character pitch in image pixels */
} tdv_specimen;

/*
 * Generate one specimen. font is an OCR-B font (tdv_font_open(NULL)).
 * `today` fixes issue/expiry dates (NULL: 2026-01-01). TDV_EINVAL for bad
 * options; errors from the MRZ engine for the generated person (rare; the
 * generator retries other names first). Free with tdv_specimen_clear().
 */
int tdv_specimen_generate(tdv_font *font, const tdv_specimen_opts *opts,
    const tdv_date *today, tdv_specimen *out);
void tdv_specimen_clear(tdv_specimen *s);

/* Encode the specimen image as PNG or JPEG per its distortion. */
int tdv_specimen_encode(const tdv_specimen *s,
    const tdv_specimen_distortion *d, tdv_buf *out);

/* The truth file: {"format","lines":[...],"fields":{...},"quad":[[x,y]x4],
 * "seed","dpi","distortion":{...}}. */
int tdv_specimen_truth_json(const tdv_specimen *s,
    const tdv_specimen_opts *opts, tdv_buf *out);

#ifdef __cplusplus
}
#endif
#endif
