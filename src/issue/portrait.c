/*
 * A synthetic portrait for specimen documents: an oval "face" on a plain
 * background with seeded texture, JPEG-encoded with libjpeg. It is not a
 * face of anyone; it gives DG2 a realistic size and a decodable image.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "issue_int.h"
#include "tdv/error.h"

struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jb;
};

static void
fail(j_common_ptr c)
{
	longjmp(((struct jerr *)c->err)->jb, 1);
}

static void
draw(uint8_t *px, unsigned seed, int width, int height)
{
	uint32_t r = seed * 2654435761u + 1;
	double cx = width / 2.0, cy = height * 0.45;
	double ax = width * 0.30, ay = height * 0.36;
	for (int y = 0; y < height; y++)
		for (int x = 0; x < width; x++) {
			r = r * 1664525u + 1013904223u;
			int noise = (int)(r >> 27) - 16;
			double dx = (x - cx) / ax, dy = (y - cy) / ay;
			double d = dx * dx + dy * dy;
			int v;
			if (d < 1.0) {
				v = 170 + (int)(40 * (1.0 - d));
				/* eyes and mouth */
				double ey = (y - (cy - ay * 0.2)) / (ay * 0.08);
				double exl = (x - (cx - ax * 0.4)) / (ax * 0.15);
				double exr = (x - (cx + ax * 0.4)) / (ax * 0.15);
				if (ey * ey + exl * exl < 1 || ey * ey + exr * exr < 1)
					v = 50;
				double my = (y - (cy + ay * 0.45)) / (ay * 0.05);
				double mx = (x - cx) / (ax * 0.35);
				if (my * my + mx * mx < 1)
					v = 90;
			} else if (y < cy - ay * 0.5 && d < 1.5) {
				v = 60 + noise * 3; /* hair */
			} else if (y > cy + ay * 0.9) {
				v = 80 + (int)((seed % 5) * 20); /* clothes */
			} else {
				v = 225;
			}
			v += noise;
			px[(size_t)y * (size_t)width + (size_t)x] =
			    (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
}

static int
encode(const uint8_t *px, int width, int height, int quality, tdv_buf *out)
{
	struct jpeg_compress_struct c;
	struct jerr e;
	unsigned char *mem = NULL;
	unsigned long memlen = 0;
	int rc = TDV_OK;
	memset(&c, 0, sizeof(c));
	c.err = jpeg_std_error(&e.mgr);
	e.mgr.error_exit = fail;
	if (setjmp(e.jb)) {
		jpeg_destroy_compress(&c);
		free(mem);
		return TDV_EINTERNAL;
	}
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &memlen);
	c.image_width = (JDIMENSION)width;
	c.image_height = (JDIMENSION)height;
	c.input_components = 1;
	c.in_color_space = JCS_GRAYSCALE;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = (JSAMPROW)(uintptr_t)(px +
		    (size_t)c.next_scanline * (size_t)width);
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	rc = tdv_buf_append(out, mem, memlen);
	free(mem);
	return rc;
}

int
tdv_issue_portrait(unsigned seed, int width, int height, int quality,
    tdv_buf *out)
{
	if (out == NULL || width < 16 || height < 16 || width > 2048 ||
	    height > 2048 || quality < 1 || quality > 100)
		return TDV_EINVAL;
	uint8_t *px = malloc((size_t)width * (size_t)height);
	if (px == NULL)
		return TDV_ENOMEM;
	draw(px, seed, width, height);
	int rc = encode(px, width, height, quality, out);
	free(px);
	return rc;
}
