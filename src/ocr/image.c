/*
 * Pixel buffers: allocation with size caps, format sniffing, bounded file
 * reading and grey conversion. The codecs are in image_png.c and
 * image_jpeg.c.
 */
#include "tdv/image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocr/image_internal.h"
#include "tdv/error.h"

void
tdv__image_limits(const tdv_image_limits *lim, int *max_side, size_t *max_pixels)
{
	*max_side = TDV_IMAGE_MAX_SIDE;
	*max_pixels = TDV_IMAGE_MAX_PIXELS;
	if (lim != NULL) {
		if (lim->max_side > 0)
			*max_side = lim->max_side;
		if (lim->max_pixels > 0)
			*max_pixels = lim->max_pixels;
	}
}

int
tdv__image_check_size(long width, long height, const tdv_image_limits *lim)
{
	int max_side;
	size_t max_pixels;
	tdv__image_limits(lim, &max_side, &max_pixels);
	if (width <= 0 || height <= 0)
		return TDV_EIMG_CORRUPT;
	if (width > max_side || height > max_side)
		return TDV_EIMG_TOO_LARGE;
	if ((size_t)width * (size_t)height > max_pixels)
		return TDV_EIMG_TOO_LARGE;
	return TDV_OK;
}

/* Allocation shared by the codecs: the caller has checked the size against
 * its own limits; the absolute ceiling is checked again here. */
int
tdv__image_alloc(int width, int height, int channels, tdv_image **out)
{
	*out = NULL;
	if (channels != 1 && channels != 3)
		return TDV_EINVAL;
	if (width <= 0 || height <= 0)
		return TDV_EINVAL;
	if (width > TDV_IMAGE_MAX_SIDE || height > TDV_IMAGE_MAX_SIDE)
		return TDV_EIMG_TOO_LARGE;
	size_t stride = (size_t)width * (size_t)channels;
	tdv_image *img = calloc(1, sizeof(*img));
	if (img == NULL)
		return TDV_ENOMEM;
	img->data = calloc((size_t)height, stride);
	if (img->data == NULL) {
		free(img);
		return TDV_ENOMEM;
	}
	img->width = width;
	img->height = height;
	img->channels = channels;
	img->stride = stride;
	*out = img;
	return TDV_OK;
}

int
tdv_image_new(int width, int height, int channels, tdv_image **out)
{
	if (out == NULL)
		return TDV_EINVAL;
	*out = NULL;
	if (channels != 1 && channels != 3)
		return TDV_EINVAL;
	if (width <= 0 || height <= 0)
		return TDV_EINVAL;
	int rc = tdv__image_check_size(width, height, NULL);
	if (rc != TDV_OK)
		return rc;
	return tdv__image_alloc(width, height, channels, out);
}

void
tdv_image_free(tdv_image **img)
{
	if (img == NULL || *img == NULL)
		return;
	free((*img)->data);
	free(*img);
	*img = NULL;
}

tdv_image_format
tdv_image_sniff(const uint8_t *data, size_t len)
{
	static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	if (data == NULL)
		return TDV_IMAGE_UNKNOWN;
	if (len >= 8 && memcmp(data, png_sig, 8) == 0)
		return TDV_IMAGE_PNG;
	if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
		return TDV_IMAGE_JPEG;
	return TDV_IMAGE_UNKNOWN;
}

int
tdv_image_decode(const uint8_t *data, size_t len, const tdv_image_limits *lim,
    int want_channels, tdv_image **out)
{
	if (out == NULL)
		return TDV_EINVAL;
	*out = NULL;
	if (data == NULL || (want_channels != 1 && want_channels != 3))
		return TDV_EINVAL;
	if (len == 0)
		return TDV_EIMG_CORRUPT;
	switch (tdv_image_sniff(data, len)) {
	case TDV_IMAGE_PNG:
		return tdv_image_decode_png(data, len, lim, want_channels, out);
	case TDV_IMAGE_JPEG:
		return tdv_image_decode_jpeg(data, len, lim, want_channels, out);
	default:
		return TDV_EIMG_FORMAT;
	}
}

int
tdv_image_read_file(const char *path, const tdv_image_limits *lim,
    int want_channels, tdv_image **out)
{
	if (out == NULL || path == NULL)
		return TDV_EINVAL;
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return errno == ENOENT ? TDV_ENOENT : TDV_EIO;
	tdv_buf b;
	tdv_buf_init(&b, TDV_IMAGE_MAX_FILE);
	uint8_t chunk[65536];
	int rc = TDV_OK;
	for (;;) {
		size_t n = fread(chunk, 1, sizeof(chunk), f);
		if (n > 0 && (rc = tdv_buf_append(&b, chunk, n)) != TDV_OK)
			break;
		if (n < sizeof(chunk)) {
			if (ferror(f))
				rc = TDV_EIO;
			break;
		}
	}
	fclose(f);
	if (rc == TDV_OK)
		rc = b.len == 0 ? TDV_EIMG_CORRUPT
				: tdv_image_decode(b.data, b.len, lim, want_channels, out);
	free(b.data); /* image files are not secret; skip the wipe */
	return rc;
}

int
tdv_image_to_gray(const tdv_image *in, tdv_image **out)
{
	if (out == NULL)
		return TDV_EINVAL;
	*out = NULL;
	if (in == NULL || in->data == NULL || (in->channels != 1 && in->channels != 3) ||
	    in->stride < (size_t)in->width * (size_t)in->channels)
		return TDV_EINVAL;
	int rc = tdv__image_alloc(in->width, in->height, 1, out);
	if (rc != TDV_OK)
		return rc;
	for (int y = 0; y < in->height; y++) {
		const uint8_t *s = in->data + (size_t)y * in->stride;
		uint8_t *d = (*out)->data + (size_t)y * (*out)->stride;
		if (in->channels == 1) {
			memcpy(d, s, (size_t)in->width);
			continue;
		}
		for (int x = 0; x < in->width; x++, s += 3)
			d[x] = (uint8_t)((299u * s[0] + 587u * s[1] + 114u * s[2] + 500u) / 1000u);
	}
	return TDV_OK;
}
