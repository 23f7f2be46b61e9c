/* The fast PNG path (src/ocr/image_png.c: own chunk walk + libdeflate +
 * unfilter + libpng's grey arithmetic) against libpng's simplified API,
 * which remains the reference: every pixel must be identical.
 *  - all 2^24 RGB values, read as grey and as RGB, with the sRGB chunk (as
 *    our encoder writes) and without any colour chunk;
 *  - files written through libpng's full API with every filter type (Sub,
 *    Up, Average, Paeth chosen per row), many small IDAT chunks, tEXt and
 *    pHYs chunks, grey and RGB, read as 1 and 3 channels;
 *  - files the fast path must leave to libpng (gAMA, interlaced, 16-bit,
 *    bad CRC, bad Adler-32, no IEND): still decoded, or refused, exactly
 *    as libpng does. */
#include <libdeflate.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/ocr/image_internal.h"
#include "tdv/error.h"
#include "tdv/image.h"
#include "tdv_test.h"

/* libpng's simplified API, 8-bit grey or RGB, composed over white. */
static int
reference(const tdv_buf *b, int channels, tdv_image **out)
{
	png_image pi;
	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	*out = NULL;
	if (!png_image_begin_read_from_memory(&pi, b->data, b->len))
		return TDV_EIMG_CORRUPT;
	pi.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
	if (tdv_image_new((int)pi.width, (int)pi.height, channels, out) != TDV_OK) {
		png_image_free(&pi);
		return TDV_ENOMEM;
	}
	png_color white = {255, 255, 255};
	if (!png_image_finish_read(&pi, &white, (*out)->data, (png_int_32)(*out)->stride, NULL)) {
		png_image_free(&pi);
		tdv_image_free(out);
		return TDV_EIMG_CORRUPT;
	}
	png_image_free(&pi);
	return TDV_OK;
}

static int
same(const tdv_image *a, const tdv_image *b)
{
	if (a == NULL || b == NULL || a->width != b->width || a->height != b->height ||
	    a->channels != b->channels)
		return 0;
	for (int y = 0; y < a->height; y++)
		if (memcmp(a->data + (size_t)y * a->stride, b->data + (size_t)y * b->stride,
			(size_t)a->width * (size_t)a->channels) != 0)
			return 0;
	return 1;
}

/* Fast path taken (TDV_OK, not declined) and equal to libpng for both
 * channel counts. */
static void
check_fast_equals_libpng(const tdv_buf *b, const char *what)
{
	for (int ch = 1; ch <= 3; ch += 2) {
		tdv_image *fast = NULL, *ref = NULL, *api = NULL;
		int rc = tdv__image_png_fast(b->data, b->len, NULL, ch, &fast);
		if (rc != TDV_OK)
			fprintf(stderr, "  %s, %d channel(s): fast path declined\n", what, ch);
		CHECK_INT(rc, TDV_OK);
		CHECK_INT(reference(b, ch, &ref), TDV_OK);
		CHECK(same(fast, ref));
		/* and the public call gives the same */
		CHECK_INT(tdv_image_decode(b->data, b->len, NULL, ch, &api), TDV_OK);
		CHECK(same(api, ref));
		tdv_image_free(&fast);
		tdv_image_free(&ref);
		tdv_image_free(&api);
	}
}

/* Remove every chunk of the given type. */
static void
drop_chunk(tdv_buf *b, const char *type)
{
	size_t pos = 8;
	while (pos + 12 <= b->len) {
		size_t n = (size_t)b->data[pos] << 24 | (size_t)b->data[pos + 1] << 16 |
			   (size_t)b->data[pos + 2] << 8 | b->data[pos + 3];
		if (memcmp(b->data + pos + 4, type, 4) == 0) {
			memmove(b->data + pos, b->data + pos + 12 + n, b->len - pos - 12 - n);
			b->len -= 12 + n;
		} else {
			pos += 12 + n;
		}
	}
}

static int
has_chunk(const tdv_buf *b, const char *type)
{
	for (size_t pos = 8; pos + 12 <= b->len;) {
		size_t n = (size_t)b->data[pos] << 24 | (size_t)b->data[pos + 1] << 16 |
			   (size_t)b->data[pos + 2] << 8 | b->data[pos + 3];
		if (memcmp(b->data + pos + 4, type, 4) == 0)
			return 1;
		pos += 12 + n;
	}
	return 0;
}

static void
test_ocr_png_fast_all_rgb_values(void)
{
	/* two 4096 x 2048 halves of the RGB cube */
	for (int half = 0; half < 2; half++) {
		tdv_image *img = NULL;
		CHECK_INT(tdv_image_new(4096, 2048, 3, &img), TDV_OK);
		if (img == NULL)
			return;
		for (uint32_t i = 0; i < 4096u * 2048u; i++) {
			uint32_t v = (uint32_t)half << 23 | i;
			img->data[3 * (size_t)i] = (uint8_t)(v >> 16);
			img->data[3 * (size_t)i + 1] = (uint8_t)(v >> 8);
			img->data[3 * (size_t)i + 2] = (uint8_t)v;
		}
		tdv_buf b;
		tdv_buf_init(&b, (size_t)64 << 20);
		CHECK_INT(tdv_image_encode_png(img, &b), TDV_OK);
		CHECK(has_chunk(&b, "sRGB"));
		check_fast_equals_libpng(&b, "all RGB values, sRGB chunk");
		drop_chunk(&b, "sRGB");
		CHECK(!has_chunk(&b, "sRGB"));
		check_fast_equals_libpng(&b, "all RGB values, no colour chunk");
		tdv_buf_free(&b);
		tdv_image_free(&img);
	}
}

struct wbuf {
	tdv_buf *b;
	int err;
};

static void
wr(png_structp p, png_bytep d, png_size_t n)
{
	struct wbuf *w = png_get_io_ptr(p);
	if (tdv_buf_append(w->b, d, n) != TDV_OK)
		w->err = 1;
}

static void
fl(png_structp p)
{
	(void)p;
}

/* A PNG through libpng's full writer: every filter allowed (libpng picks
 * per row), IDATs of at most 700 bytes, optional sRGB/gAMA/text/pHYs,
 * optional interlacing and 16-bit samples. */
struct wopts {
	int color; /* PNG_COLOR_TYPE_GRAY or _RGB */
	int depth;
	int srgb, gama, text, phys, interlace;
};

static int
write_full(const struct wopts *o, int w, int h, uint32_t seed, tdv_buf *out)
{
	png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = p ? png_create_info_struct(p) : NULL;
	size_t ch = o->color == PNG_COLOR_TYPE_RGB ? 3 : 1, bps = (size_t)o->depth / 8;
	size_t rowbytes = (size_t)w * ch * bps;
	uint8_t *row = malloc(rowbytes);
	struct wbuf wb = {out, 0};
	if (p == NULL || info == NULL || row == NULL || setjmp(png_jmpbuf(p))) {
		png_destroy_write_struct(&p, &info);
		free(row);
		return -1;
	}
	png_set_write_fn(p, &wb, wr, fl);
	png_set_IHDR(p, info, (png_uint_32)w, (png_uint_32)h, o->depth, o->color,
	    o->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_set_filter(p, PNG_FILTER_TYPE_BASE, PNG_ALL_FILTERS);
	png_set_compression_buffer_size(p, 700);
	if (o->srgb)
		png_set_sRGB(p, info, PNG_sRGB_INTENT_PERCEPTUAL);
	if (o->gama)
		png_set_gAMA_fixed(p, info, 100000);
	if (o->phys)
		png_set_pHYs(p, info, 11811, 11811, PNG_RESOLUTION_METER);
	if (o->text) {
		png_text t;
		memset(&t, 0, sizeof(t));
		t.compression = PNG_TEXT_COMPRESSION_NONE;
		t.key = (png_charp) "Comment";
		t.text = (png_charp) "specimen";
		png_set_text(p, info, &t, 1);
	}
	png_write_info(p, info);
	int passes = o->interlace ? png_set_interlace_handling(p) : 1;
	for (int pass = 0; pass < passes; pass++)
		for (int y = 0; y < h; y++) {
			/* smooth areas, edges and noise, so every filter is chosen */
			uint32_t s = seed ^ (uint32_t)y * 2654435761u;
			for (size_t x = 0; x < rowbytes; x++) {
				s = s * 1103515245u + 12345u;
				uint8_t v = (uint8_t)(x * 3 + (size_t)y * 5);
				if (((size_t)y / 7 + x / 11) % 3 == 0)
					v = (uint8_t)(s >> 24);
				else if ((y / 5) % 4 == 1)
					v = (uint8_t)(x < rowbytes / 2 ? 20 : 230);
				row[x] = v;
			}
			png_write_row(p, row);
		}
	png_write_end(p, info);
	png_destroy_write_struct(&p, &info);
	free(row);
	return wb.err ? -1 : 0;
}

static void
test_ocr_png_fast_filters_chunks(void)
{
	static const struct wopts variants[] = {
	    {PNG_COLOR_TYPE_RGB, 8, 1, 0, 1, 1, 0},
	    {PNG_COLOR_TYPE_RGB, 8, 0, 0, 0, 0, 0},
	    {PNG_COLOR_TYPE_GRAY, 8, 1, 0, 0, 1, 0},
	    {PNG_COLOR_TYPE_GRAY, 8, 0, 0, 1, 0, 0},
	};
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		tdv_buf b;
		tdv_buf_init(&b, 1 << 24);
		CHECK_INT(write_full(&variants[v], 173, 97, (uint32_t)v + 1, &b), 0);
		check_fast_equals_libpng(&b, "libpng writer, all filters");
		/* 1-pixel-wide and 1-row images (filters at the edges) */
		b.len = 0;
		CHECK_INT(write_full(&variants[v], 1, 40, 9, &b), 0);
		check_fast_equals_libpng(&b, "1 x 40");
		b.len = 0;
		CHECK_INT(write_full(&variants[v], 300, 1, 10, &b), 0);
		check_fast_equals_libpng(&b, "300 x 1");
		tdv_buf_free(&b);
	}
}

/* The fast path declines, the public call still answers as libpng. */
static void
check_declined(const tdv_buf *b)
{
	for (int ch = 1; ch <= 3; ch += 2) {
		tdv_image *fast = NULL, *ref = NULL, *api = NULL;
		CHECK(tdv__image_png_fast(b->data, b->len, NULL, ch, &fast) != TDV_OK);
		CHECK(fast == NULL);
		int want = reference(b, ch, &ref);
		int got = tdv_image_decode(b->data, b->len, NULL, ch, &api);
		CHECK_INT(got == TDV_OK, want == TDV_OK);
		if (want == TDV_OK)
			CHECK(same(api, ref));
		else
			CHECK_INT(got, TDV_EIMG_CORRUPT);
		tdv_image_free(&ref);
		tdv_image_free(&api);
	}
}

static void
test_ocr_png_fast_declines(void)
{
	static const struct wopts variants[] = {
	    {PNG_COLOR_TYPE_RGB, 8, 0, 1, 0, 0, 0},  /* gAMA changes libpng's output */
	    {PNG_COLOR_TYPE_RGB, 8, 1, 0, 0, 0, 1},  /* interlaced */
	    {PNG_COLOR_TYPE_GRAY, 16, 0, 0, 0, 0, 0}, /* 16-bit */
	};
	tdv_buf b;
	tdv_buf_init(&b, 1 << 24);
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		b.len = 0;
		CHECK_INT(write_full(&variants[v], 61, 33, 3, &b), 0);
		check_declined(&b);
	}
	/* a good file, then damaged: a CRC, the Adler-32, a missing IEND */
	b.len = 0;
	struct wopts plain = {PNG_COLOR_TYPE_RGB, 8, 1, 0, 0, 0, 0};
	CHECK_INT(write_full(&plain, 61, 33, 4, &b), 0);
	check_fast_equals_libpng(&b, "plain");
	tdv_buf good;
	tdv_buf_init(&good, 1 << 24);
	CHECK_INT(tdv_buf_append(&good, b.data, b.len), TDV_OK);
	/* last IDAT chunk: find it */
	size_t last_idat = 0, pos = 8;
	while (pos + 12 <= good.len) {
		size_t n = (size_t)good.data[pos] << 24 | (size_t)good.data[pos + 1] << 16 |
			   (size_t)good.data[pos + 2] << 8 | good.data[pos + 3];
		if (memcmp(good.data + pos + 4, "IDAT", 4) == 0)
			last_idat = pos;
		pos += 12 + n;
	}
	CHECK(last_idat > 0);
	size_t n = (size_t)good.data[last_idat] << 24 | (size_t)good.data[last_idat + 1] << 16 |
		   (size_t)good.data[last_idat + 2] << 8 | good.data[last_idat + 3];
	/* CRC of the last IDAT */
	good.data[last_idat + 8 + n] ^= 1;
	check_declined(&good);
	good.data[last_idat + 8 + n] ^= 1;
	/* Adler-32 (last 4 data bytes of the last IDAT): CRC fixed up */
	good.data[last_idat + 8 + n - 1] ^= 0x40;
	uint32_t crc = libdeflate_crc32(0, good.data + last_idat + 4, n + 4);
	good.data[last_idat + 8 + n] = (uint8_t)(crc >> 24);
	good.data[last_idat + 9 + n] = (uint8_t)(crc >> 16);
	good.data[last_idat + 10 + n] = (uint8_t)(crc >> 8);
	good.data[last_idat + 11 + n] = (uint8_t)crc;
	check_declined(&good);
	/* a damaged signature: declined (the fuzzer's first find, when the
	 * fast path was called without the signature check that
	 * tdv_image_decode_png makes first); the public call says "not PNG" */
	good.data[3] ^= 0x30;
	tdv_image *img = NULL;
	CHECK(tdv__image_png_fast(good.data, good.len, NULL, 1, &img) != TDV_OK && img == NULL);
	CHECK_INT(tdv_image_decode(good.data, good.len, NULL, 1, &img), TDV_EIMG_FORMAT);
	good.data[3] ^= 0x30;
	/* a chunk before the image data claiming ~2 GB in a small file: refused
	 * as corrupt before libpng would allocate the claimed length */
	{
		tdv_buf t;
		tdv_buf_init(&t, 1 << 20);
		CHECK_INT(tdv_buf_append(&t, good.data, 33), TDV_OK); /* signature + IHDR */
		static const uint8_t text[] = {0x7a, 0x00, 0x00, 0x10, 't', 'E', 'X', 't', 'C', 'o', 'm'};
		CHECK_INT(tdv_buf_append(&t, text, sizeof(text)), TDV_OK);
		CHECK_INT(tdv_buf_append(&t, good.data + 33, good.len - 33), TDV_OK);
		CHECK_INT(tdv_image_decode(t.data, t.len, NULL, 1, &img), TDV_EIMG_CORRUPT);
		CHECK(img == NULL);
		tdv_buf_free(&t);
	}
	/* truncated after the IDATs (no IEND) */
	good.len = last_idat + 12 + n;
	check_declined(&good);
	tdv_buf_free(&good);
	tdv_buf_free(&b);
}

int
main(void)
{
	RUN(test_ocr_png_fast_all_rgb_values);
	RUN(test_ocr_png_fast_filters_chunks);
	RUN(test_ocr_png_fast_declines);
	TEST_EXIT();
}
