/* Image loaders: round trips, every PNG/JPEG variant the reader accepts,
 * and hostile input (truncated, corrupt, absurd or zero dimensions,
 * unknown formats) rejected with a specific error before allocation. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "tdv/error.h"
#include "tdv/image.h"
#include "tdv_test.h"

static tdv_image *
pattern(int w, int h, int ch)
{
	tdv_image *img = NULL;
	if (tdv_image_new(w, h, ch, &img) != TDV_OK)
		return NULL;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w * ch; x++)
			img->data[(size_t)y * img->stride + (size_t)x] = (uint8_t)((x * 7 + y * 13) & 0xff);
	return img;
}

static void
test_image_png_roundtrip_grey_and_rgb(void)
{
	for (int ch = 1; ch <= 3; ch += 2) {
		tdv_image *img = pattern(37, 21, ch), *back = NULL;
		CHECK(img != NULL);
		tdv_buf b;
		tdv_buf_init(&b, 1 << 20);
		CHECK_INT(tdv_image_encode_png(img, &b), TDV_OK);
		CHECK_INT(tdv_image_sniff(b.data, b.len), TDV_IMAGE_PNG);
		CHECK_INT(tdv_image_decode(b.data, b.len, NULL, ch, &back), TDV_OK);
		CHECK(back != NULL && back->width == 37 && back->height == 21);
		if (back != NULL)
			CHECK(memcmp(back->data, img->data, (size_t)21 * img->stride) == 0);
		tdv_image_free(&back);
		/* RGB to grey on decode */
		CHECK_INT(tdv_image_decode(b.data, b.len, NULL, 1, &back), TDV_OK);
		CHECK(back != NULL && back->channels == 1);
		tdv_image_free(&back);
		tdv_image_free(&img);
		CHECK(img == NULL);
		tdv_buf_free(&b);
	}
}

/* Write a PNG in an arbitrary libpng simplified format. */
static int
write_png_format(uint32_t format, int w, int h, const void *pixels, const void *cmap,
    int cmap_entries, tdv_buf *out)
{
	png_image pi;
	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	pi.width = (png_uint_32)w;
	pi.height = (png_uint_32)h;
	pi.format = format;
	pi.colormap_entries = (png_uint_32)cmap_entries;
	png_alloc_size_t size = 0;
	if (!png_image_write_to_memory(&pi, NULL, &size, 0, pixels, 0, cmap))
		return -1;
	if (tdv_buf_reserve(out, size) != TDV_OK)
		return -1;
	if (!png_image_write_to_memory(&pi, out->data, &size, 0, pixels, 0, cmap))
		return -1;
	out->len = size;
	return 0;
}

static void
test_image_png_16bit_palette_alpha(void)
{
	enum { W = 16, H = 8 };
	uint16_t px16[W * H];
	for (int i = 0; i < W * H; i++)
		px16[i] = (uint16_t)(i * 500);
	tdv_buf b;
	tdv_buf_init(&b, 1 << 20);
	CHECK_INT(write_png_format(PNG_FORMAT_LINEAR_Y, W, H, px16, NULL, 0, &b), 0);
	/* check it really is 16-bit: IHDR bit depth at offset 24 */
	CHECK(b.len > 25 && b.data[24] == 16);
	tdv_image *img = NULL;
	CHECK_INT(tdv_image_decode(b.data, b.len, NULL, 1, &img), TDV_OK);
	CHECK(img != NULL && img->width == W && img->height == H);
	if (img != NULL)
		CHECK(img->data[0] == 0 && img->data[W * H - 1] > 200);
	tdv_image_free(&img);

	/* palette */
	uint8_t idx[W * H], cmap[4 * 3] = {0, 0, 0, 255, 0, 0, 0, 255, 0, 255, 255, 255};
	for (int i = 0; i < W * H; i++)
		idx[i] = (uint8_t)(i % 4);
	tdv_buf_reset(&b);
	CHECK_INT(write_png_format(PNG_FORMAT_RGB_COLORMAP, W, H, idx, cmap, 4, &b), 0);
	CHECK(b.len > 25 && b.data[25] == 3); /* colour type 3: palette */
	CHECK_INT(tdv_image_decode(b.data, b.len, NULL, 3, &img), TDV_OK);
	if (img != NULL) {
		CHECK(img->data[0] == 0 && img->data[3] == 255 && img->data[4] == 0);
		CHECK(img->data[9] == 255 && img->data[10] == 255);
	}
	tdv_image_free(&img);

	/* grey + alpha: transparent over white */
	uint8_t ga[W * H * 2];
	for (int i = 0; i < W * H; i++) {
		ga[2 * i] = 0;
		ga[2 * i + 1] = (uint8_t)(i % 2 ? 255 : 0);
	}
	tdv_buf_reset(&b);
	CHECK_INT(write_png_format(PNG_FORMAT_GA, W, H, ga, NULL, 0, &b), 0);
	CHECK_INT(tdv_image_decode(b.data, b.len, NULL, 1, &img), TDV_OK);
	if (img != NULL)
		CHECK(img->data[0] == 255 && img->data[1] == 0);
	tdv_image_free(&img);
	tdv_buf_free(&b);
}

/* CRC-32 as PNG chunks use it (ISO 3309, bitwise). */
static uint32_t
crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A PNG whose IHDR claims w x h (valid CRC), followed by a tiny IDAT. */
static size_t
png_with_header(uint8_t *out, uint32_t w, uint32_t h)
{
	static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	memcpy(out, sig, 8);
	put32(out + 8, 13);
	memcpy(out + 12, "IHDR", 4);
	put32(out + 16, w);
	put32(out + 20, h);
	out[24] = 8;
	out[25] = 0;
	out[26] = out[27] = out[28] = 0;
	put32(out + 29, (uint32_t)crc32(0, out + 12, 17));
	/* IDAT with a few zlib bytes, IEND */
	static const uint8_t idat[] = {0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01};
	put32(out + 33, sizeof(idat));
	memcpy(out + 37, "IDAT", 4);
	memcpy(out + 41, idat, sizeof(idat));
	put32(out + 41 + sizeof(idat), (uint32_t)crc32(0, out + 37, 4 + sizeof(idat)));
	size_t n = 45 + sizeof(idat);
	put32(out + n, 0);
	memcpy(out + n + 4, "IEND", 4);
	put32(out + n + 8, (uint32_t)crc32(0, out + n + 4, 4));
	return n + 12;
}

static void
test_image_png_rejects_huge_zero_truncated_corrupt(void)
{
	uint8_t buf[128];
	tdv_image *img = NULL;
	size_t n = png_with_header(buf, 100000, 100000);
	CHECK_INT(tdv_image_decode(buf, n, NULL, 1, &img), TDV_EIMG_TOO_LARGE);
	CHECK(img == NULL);
	n = png_with_header(buf, 20000, 100);
	CHECK_INT(tdv_image_decode(buf, n, NULL, 1, &img), TDV_EIMG_TOO_LARGE);
	/* under the side limit but over a caller's pixel budget */
	tdv_image_limits lim = {0, 1000};
	n = png_with_header(buf, 100, 100);
	CHECK_INT(tdv_image_decode(buf, n, &lim, 1, &img), TDV_EIMG_TOO_LARGE);
	n = png_with_header(buf, 0, 10);
	CHECK_INT(tdv_image_decode(buf, n, NULL, 1, &img), TDV_EIMG_CORRUPT);
	n = png_with_header(buf, 10, 0);
	CHECK_INT(tdv_image_decode(buf, n, NULL, 1, &img), TDV_EIMG_CORRUPT);
	/* the tiny IDAT does not hold 100x100 pixels */
	n = png_with_header(buf, 100, 100);
	CHECK_INT(tdv_image_decode(buf, n, NULL, 1, &img), TDV_EIMG_CORRUPT);
	CHECK(img == NULL);

	tdv_image *p = pattern(64, 64, 3);
	tdv_buf b;
	tdv_buf_init(&b, 1 << 20);
	CHECK_INT(tdv_image_encode_png(p, &b), TDV_OK);
	for (size_t cut = 0; cut < b.len; cut += b.len / 23 + 1) {
		int rc = tdv_image_decode(b.data, cut, NULL, 1, &img);
		CHECK(rc == TDV_EIMG_CORRUPT || (cut < 8 && rc == TDV_EIMG_FORMAT));
		CHECK(img == NULL);
	}
	/* a flipped bit in the pixel data breaks the IDAT CRC */
	b.data[b.len - 20] ^= 0x40;
	CHECK_INT(tdv_image_decode(b.data, b.len, NULL, 1, &img), TDV_EIMG_CORRUPT);
	CHECK(img == NULL);
	tdv_buf_free(&b);
	tdv_image_free(&p);
	CHECK_INT(tdv_image_decode((const uint8_t *)"", 0, NULL, 1, &img), TDV_EIMG_CORRUPT);
	CHECK_INT(tdv_image_decode((const uint8_t *)"GIF89a....", 10, NULL, 1, &img),
	    TDV_EIMG_FORMAT);
	CHECK_INT(tdv_image_decode((const uint8_t *)"x", 1, NULL, 2, &img), TDV_EINVAL);
}

static void
test_image_jpeg_roundtrip_truncated_corrupt(void)
{
	tdv_image *p = pattern(80, 48, 3), *img = NULL;
	tdv_buf b;
	tdv_buf_init(&b, 1 << 20);
	CHECK_INT(tdv_image_encode_jpeg(p, 90, &b), TDV_OK);
	CHECK_INT(tdv_image_sniff(b.data, b.len), TDV_IMAGE_JPEG);
	CHECK_INT(tdv_image_decode(b.data, b.len, NULL, 3, &img), TDV_OK);
	CHECK(img != NULL && img->width == 80 && img->height == 48 && img->channels == 3);
	tdv_image_free(&img);
	CHECK_INT(tdv_image_decode(b.data, b.len, NULL, 1, &img), TDV_OK);
	CHECK(img != NULL && img->channels == 1);
	tdv_image_free(&img);
	for (size_t cut = 3; cut < b.len - 2; cut += b.len / 31 + 1) {
		int rc = tdv_image_decode(b.data, cut, NULL, 1, &img);
		CHECK_INT(rc, TDV_EIMG_CORRUPT);
		CHECK(img == NULL);
	}
	/* garbage in the entropy-coded data: an error or (rarely, when the
	 * damage is still decodable) an image, never a crash */
	for (size_t i = b.len / 2; i < b.len / 2 + 40 && i < b.len - 2; i++)
		b.data[i] = 0xff;
	int rc = tdv_image_decode(b.data, b.len, NULL, 1, &img);
	CHECK(rc == TDV_EIMG_CORRUPT || rc == TDV_OK);
	tdv_image_free(&img);
	tdv_buf_free(&b);
	tdv_image_free(&p);
}

/* Patch the SOF0 frame size of a JPEG. */
static int
patch_sof(tdv_buf *b, unsigned w, unsigned h)
{
	for (size_t i = 2; i + 9 < b->len; i++)
		if (b->data[i] == 0xff && b->data[i + 1] == 0xc0) {
			b->data[i + 5] = (uint8_t)(h >> 8);
			b->data[i + 6] = (uint8_t)h;
			b->data[i + 7] = (uint8_t)(w >> 8);
			b->data[i + 8] = (uint8_t)w;
			return 0;
		}
	return -1;
}

static void
test_image_jpeg_rejects_huge_and_zero(void)
{
	tdv_image *p = pattern(16, 16, 1), *img = NULL;
	tdv_buf b;
	tdv_buf_init(&b, 1 << 20);
	CHECK_INT(tdv_image_encode_jpeg(p, 75, &b), TDV_OK);
	/* JPEG sizes are 16-bit: 65500 x 65500 is the nearest to 100000^2 */
	CHECK_INT(patch_sof(&b, 65500, 65500), 0);
	CHECK_INT(tdv_image_decode(b.data, b.len, NULL, 1, &img), TDV_EIMG_TOO_LARGE);
	CHECK(img == NULL);
	CHECK_INT(patch_sof(&b, 16, 0), 0);
	CHECK_INT(tdv_image_decode(b.data, b.len, NULL, 1, &img), TDV_EIMG_CORRUPT);
	CHECK_INT(patch_sof(&b, 0, 16), 0);
	CHECK_INT(tdv_image_decode(b.data, b.len, NULL, 1, &img), TDV_EIMG_CORRUPT);
	CHECK(img == NULL);
	tdv_buf_free(&b);
	tdv_image_free(&p);
}

/* A CMYK JPEG written with libjpeg directly (as prepress tools do). */
static void
test_image_jpeg_cmyk_converted(void)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr jerr;
	unsigned char *mem = NULL;
	unsigned long memlen = 0;
	c.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &memlen);
	c.image_width = 32;
	c.image_height = 16;
	c.input_components = 4;
	c.in_color_space = JCS_CMYK;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 95, TRUE);
	jpeg_start_compress(&c, TRUE);
	uint8_t row[32 * 4];
	for (int x = 0; x < 32; x++) {
		/* Adobe convention (libjpeg writes the Adobe marker for CMYK):
		 * stored values are inverted, 255 = no ink. Left half white,
		 * right half full black (K). */
		row[4 * x] = row[4 * x + 1] = row[4 * x + 2] = 255;
		row[4 * x + 3] = x < 16 ? 255 : 0;
	}
	while (c.next_scanline < c.image_height) {
		JSAMPROW rp = row;
		jpeg_write_scanlines(&c, &rp, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	tdv_image *img = NULL;
	CHECK_INT(tdv_image_decode(mem, memlen, NULL, 1, &img), TDV_OK);
	CHECK(img != NULL && img->width == 32 && img->height == 16);
	if (img != NULL) {
		int left = img->data[8 * img->stride + 4], right = img->data[8 * img->stride + 28];
		CHECK(left > 240 && right < 15);
	}
	tdv_image_free(&img);
	CHECK_INT(tdv_image_decode(mem, memlen, NULL, 3, &img), TDV_OK);
	tdv_image_free(&img);
	free(mem);
}

static void
test_image_read_file_errors(void)
{
	tdv_image *img = NULL;
	CHECK_INT(tdv_image_read_file("/nonexistent/x.png", NULL, 1, &img), TDV_ENOENT);
	CHECK_INT(tdv_image_read_file("/dev/null", NULL, 1, &img), TDV_EIMG_CORRUPT);
	CHECK_INT(tdv_image_new(0, 5, 1, &img), TDV_EINVAL);
	CHECK_INT(tdv_image_new(5, 5, 2, &img), TDV_EINVAL);
	CHECK_INT(tdv_image_new(100000, 5, 1, &img), TDV_EIMG_TOO_LARGE);
	CHECK(img == NULL);
}

int
main(void)
{
	RUN(test_image_png_roundtrip_grey_and_rgb);
	RUN(test_image_png_16bit_palette_alpha);
	RUN(test_image_png_rejects_huge_zero_truncated_corrupt);
	RUN(test_image_jpeg_roundtrip_truncated_corrupt);
	RUN(test_image_jpeg_rejects_huge_and_zero);
	RUN(test_image_jpeg_cmyk_converted);
	RUN(test_image_read_file_errors);
	TEST_EXIT();
}
