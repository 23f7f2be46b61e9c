/*
 * PNG decoding and encoding through libpng's simplified API (libpng 1.6),
 * which performs the palette, 16-bit and alpha conversions itself and keeps
 * libpng's longjmp error handling inside the library. The image header is
 * read and its size checked before the pixel buffer is allocated.
 */
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "ocr/image_internal.h"
#include "tdv/error.h"
#include "tdv/image.h"

int
tdv_image_decode_png(const uint8_t *data, size_t len, const tdv_image_limits *lim,
    int want_channels, tdv_image **out)
{
	if (out == NULL)
		return TDV_EINVAL;
	*out = NULL;
	if (data == NULL || (want_channels != 1 && want_channels != 3))
		return TDV_EINVAL;
	if (tdv_image_sniff(data, len) != TDV_IMAGE_PNG)
		return len < 8 ? TDV_EIMG_CORRUPT : TDV_EIMG_FORMAT;

	png_image pi;
	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&pi, data, len)) {
		png_image_free(&pi);
		return TDV_EIMG_CORRUPT;
	}
	int rc = tdv__image_check_size((long)pi.width, (long)pi.height, lim);
	if (rc != TDV_OK) {
		png_image_free(&pi);
		return rc;
	}
	pi.format = want_channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
	tdv_image *img;
	rc = tdv__image_alloc((int)pi.width, (int)pi.height, want_channels, &img);
	if (rc != TDV_OK) {
		png_image_free(&pi);
		return rc;
	}
	/* Transparent pixels are composed over white paper. */
	png_color white = {255, 255, 255};
	if (!png_image_finish_read(&pi, &white, img->data, (png_int_32)img->stride, NULL)) {
		png_image_free(&pi);
		tdv_image_free(&img);
		return TDV_EIMG_CORRUPT;
	}
	png_image_free(&pi);
	*out = img;
	return TDV_OK;
}

int
tdv_image_encode_png(const tdv_image *img, tdv_buf *out)
{
	if (img == NULL || out == NULL || img->data == NULL ||
	    (img->channels != 1 && img->channels != 3) || img->width <= 0 ||
	    img->height <= 0 || img->stride < (size_t)img->width * (size_t)img->channels)
		return TDV_EINVAL;
	if (img->stride > 0x7fffffff)
		return TDV_ELIMIT;
	png_image pi;
	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	pi.width = (png_uint_32)img->width;
	pi.height = (png_uint_32)img->height;
	pi.format = img->channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
	pi.flags = PNG_IMAGE_FLAG_FAST; /* speed over the last few percent of size */
	png_alloc_size_t size = 0;
	if (!png_image_write_to_memory(&pi, NULL, &size, 0, img->data,
		(png_int_32)img->stride, NULL)) {
		png_image_free(&pi);
		return TDV_EINTERNAL;
	}
	int rc = tdv_buf_reserve(out, size);
	if (rc != TDV_OK)
		return rc;
	png_alloc_size_t written = size;
	if (!png_image_write_to_memory(&pi, out->data + out->len, &written, 0,
		img->data, (png_int_32)img->stride, NULL) || written > size) {
		png_image_free(&pi);
		return TDV_EINTERNAL;
	}
	out->len += written;
	out->data[out->len] = '\0';
	return TDV_OK;
}
