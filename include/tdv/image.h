/*
 * Images: decoding PNG (libpng) and JPEG (libjpeg-turbo) with the size
 * checked before any pixel memory is allocated, encoding, and a plain pixel
 * buffer type that a camera frame can be wrapped in without copying.
 *
 * tdv_image is a transparent value: width x height pixels of `channels`
 * interleaved 8-bit samples (1 = grey, 3 = RGB), rows `stride` bytes apart.
 * Images made by this module own their data and are released with
 * tdv_image_free(); a caller may also fill one in over its own memory and
 * pass it to the OCR (then it must not call tdv_image_free on it).
 */
#ifndef TDV_IMAGE_H
#define TDV_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "tdv/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdv_image {
	int width;
	int height;
	int channels;  /* 1 (grey) or 3 (RGB) */
	size_t stride; /* bytes from one row to the next, >= width * channels */
	uint8_t *data;
} tdv_image;

/* Defaults: a 600 dpi scan of a whole A4 page fits (about 35 Mpixel). */
#define TDV_IMAGE_MAX_SIDE 16384
#define TDV_IMAGE_MAX_PIXELS ((size_t)40 * 1000 * 1000)
#define TDV_IMAGE_MAX_FILE ((size_t)64 * 1024 * 1024)

/* Caps checked against the header before decoding. Zero fields mean the
 * defaults above; a NULL pointer means all defaults. */
typedef struct tdv_image_limits {
	int max_side;
	size_t max_pixels;
} tdv_image_limits;

typedef enum tdv_image_format {
	TDV_IMAGE_UNKNOWN = 0,
	TDV_IMAGE_PNG,
	TDV_IMAGE_JPEG,
} tdv_image_format;

/* A new image, all samples zero. TDV_EINVAL for channels other than 1 or 3
 * or non-positive sizes; TDV_EIMG_TOO_LARGE past the default limits. */
int tdv_image_new(int width, int height, int channels, tdv_image **out);

/* Free an image made by this module and set *img to NULL. NULL is fine. */
void tdv_image_free(tdv_image **img);

/* The format named by the first bytes (signature), or TDV_IMAGE_UNKNOWN. */
tdv_image_format tdv_image_sniff(const uint8_t *data, size_t len);

/*
 * Decode a PNG or JPEG held in memory into `want_channels` (1 or 3)
 * channels: palette, grey+alpha, 16-bit PNGs and CMYK/YCCK JPEGs are
 * converted; alpha is composed over white. The header's dimensions are
 * checked against `lim` before pixel memory is allocated.
 * Errors: TDV_EIMG_FORMAT (neither PNG nor JPEG, or an unsupported
 * variant), TDV_EIMG_TOO_LARGE, TDV_EIMG_CORRUPT (also truncated data),
 * TDV_ENOMEM. Never reads past data[len).
 */
int tdv_image_decode(const uint8_t *data, size_t len,
    const tdv_image_limits *lim, int want_channels, tdv_image **out);
int tdv_image_decode_png(const uint8_t *data, size_t len,
    const tdv_image_limits *lim, int want_channels, tdv_image **out);
int tdv_image_decode_jpeg(const uint8_t *data, size_t len,
    const tdv_image_limits *lim, int want_channels, tdv_image **out);

/* Read a whole file (at most TDV_IMAGE_MAX_FILE bytes, else TDV_ELIMIT)
 * and decode it. TDV_EIO when it cannot be opened or read. */
int tdv_image_read_file(const char *path, const tdv_image_limits *lim,
    int want_channels, tdv_image **out);

/* Encode to PNG (8-bit grey or RGB) / baseline JPEG (quality 1..100),
 * appending to out (bounded by out->max). */
int tdv_image_encode_png(const tdv_image *img, tdv_buf *out);
int tdv_image_encode_jpeg(const tdv_image *img, int quality, tdv_buf *out);

/* A grey copy (ITU-R BT.601 luma) of any image. */
int tdv_image_to_gray(const tdv_image *in, tdv_image **out);

#ifdef __cplusplus
}
#endif
#endif
