/* libFuzzer target: PNG decoding (tdv_image_decode_png) under small
 * limits, grey and RGB output. Also a differential check of the fast PNG
 * path: whenever it accepts an input, libpng's simplified API (the
 * reference) must accept it too and give the same pixels; else abort.
 * Each input is also run with its chunk CRCs made right. */
#include <libdeflate.h>
#include <png.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/ocr/image_internal.h"
#include "tdv/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);

/* Under ASan (the fuzzer and replay_png in the sanitizer build): any
 * single allocation over 256 MB is a failure. Inputs are small and the
 * limits below cap the image at 12 MB; a 1 KB file once made libpng
 * allocate 2 GB (tests/data/regress/png/chunk-length-2gb.png). */
const char *
__asan_default_options(void)
{
	return "max_allocation_size_mb=256";
}

static void
compare_with_libpng(const uint8_t *data, size_t size, const tdv_image *fast, int ch)
{
	png_image pi;
	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&pi, data, size))
		abort(); /* fast path accepted what libpng refuses */
	if (pi.width != (png_uint_32)fast->width || pi.height != (png_uint_32)fast->height)
		abort();
	pi.format = ch == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
	size_t stride = (size_t)fast->width * (size_t)ch;
	uint8_t *ref = malloc(stride * (size_t)fast->height);
	if (ref == NULL) {
		png_image_free(&pi);
		return;
	}
	png_color white = {255, 255, 255};
	if (!png_image_finish_read(&pi, &white, ref, (png_int_32)stride, NULL))
		abort();
	for (int y = 0; y < fast->height; y++)
		if (memcmp(ref + (size_t)y * stride, fast->data + (size_t)y * fast->stride, stride) != 0)
			abort();
	free(ref);
	png_image_free(&pi);
}

/* A copy of the input with every complete chunk's CRC made right, so that
 * mutations get past the CRC checks into inflating, unfiltering and
 * converting (on both paths). */
static uint8_t *
fix_crcs(const uint8_t *data, size_t size)
{
	uint8_t *c = malloc(size ? size : 1);
	if (c == NULL)
		return NULL;
	memcpy(c, data, size);
	for (size_t pos = 8; size >= 12 && pos <= size - 12;) {
		size_t n = (size_t)c[pos] << 24 | (size_t)c[pos + 1] << 16 | (size_t)c[pos + 2] << 8 |
			   c[pos + 3];
		if (n > size - 12 - pos)
			break;
		uint32_t crc = libdeflate_crc32(0, c + pos + 4, n + 4);
		c[pos + 8 + n] = (uint8_t)(crc >> 24);
		c[pos + 9 + n] = (uint8_t)(crc >> 16);
		c[pos + 10 + n] = (uint8_t)(crc >> 8);
		c[pos + 11 + n] = (uint8_t)crc;
		pos += 12 + n;
	}
	return c;
}

static void
one(const uint8_t *data, size_t size)
{
	tdv_image_limits lim = {4096, (size_t)4 * 1000 * 1000};
	tdv_image *img = NULL;
	for (int ch = 1; ch <= 3; ch += 2) {
		if (tdv_image_decode_png(data, size, &lim, ch, &img) == 0) {
			/* touch every pixel: the buffer must be as large as claimed */
			unsigned acc = 0;
			for (int y = 0; y < img->height; y++)
				acc += img->data[(size_t)y * img->stride + (size_t)(img->width * ch - 1)];
			(void)acc;
		}
		tdv_image_free(&img);
		if (size >= 8 && tdv__image_png_fast(data, size, &lim, ch, &img) == 0) {
			compare_with_libpng(data, size, img, ch);
			tdv_image_free(&img);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size);
	uint8_t *fixed = fix_crcs(data, size);
	if (fixed != NULL && (size < 12 || memcmp(fixed, data, size) != 0))
		one(fixed, size);
	free(fixed);
	return 0;
}
