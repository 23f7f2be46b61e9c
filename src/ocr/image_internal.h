/* Internal helpers shared by the image codecs (not part of the API). */
#ifndef TDV_OCR_IMAGE_INTERNAL_H
#define TDV_OCR_IMAGE_INTERNAL_H

#include "tdv/image.h"

/* Effective limits: defaults where lim is NULL or a field is zero. */
void tdv__image_limits(const tdv_image_limits *lim, int *max_side,
    size_t *max_pixels);

/* TDV_EIMG_CORRUPT for non-positive sizes, TDV_EIMG_TOO_LARGE past lim. */
int tdv__image_check_size(long width, long height, const tdv_image_limits *lim);

/* Zeroed image of width x height x channels (sizes already checked). */
int tdv__image_alloc(int width, int height, int channels, tdv_image **out);

/*
 * PNG fast path (image_png.c): TDV_OK with *out set, or FAST_DECLINED
 * (nothing allocated, *out untouched) when the file is not one it
 * handles or is in any way damaged; the caller then uses libpng, which
 * gives the verdict. Non-static so that a test can tell which path ran.
 */
#define FAST_DECLINED 1
int tdv__image_png_fast(const uint8_t *data, size_t len, const tdv_image_limits *lim,
    int want_channels, tdv_image **out);

#endif
