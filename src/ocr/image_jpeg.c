/*
 * JPEG decoding and encoding through libjpeg(-turbo). libjpeg reports
 * errors by calling error_exit, which must not return: it longjmps back
 * here. Warnings (corrupt or truncated entropy data) are treated as errors
 * so that a damaged file is reported, not silently grey-filled. The frame
 * header is read and its size checked before the output buffer is
 * allocated; libjpeg's own working memory is capped, and progressive files
 * with an absurd number of scans are refused (a known CPU exhaustion).
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "ocr/image_internal.h"
#include "tdv/error.h"
#include "tdv/image.h"

#define JPEG_MAX_MEMORY (512L * 1024 * 1024)
#define JPEG_MAX_SCANS 256

struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jmp;
	int code; /* tdv error to report after the longjmp */
};

static void
jerr_exit(j_common_ptr cinfo)
{
	struct jerr *e = (struct jerr *)cinfo->err;
	if (e->code == TDV_OK)
		e->code = cinfo->err->msg_code == JERR_OUT_OF_MEMORY ? TDV_ENOMEM
								   : TDV_EIMG_CORRUPT;
	longjmp(e->jmp, 1);
}

static void
jerr_emit(j_common_ptr cinfo, int level)
{
	/* level -1 is a warning about damaged data; trace messages (>= 0)
	 * are ignored. The library never prints. */
	if (level < 0) {
		struct jerr *e = (struct jerr *)cinfo->err;
		e->code = TDV_EIMG_CORRUPT;
		longjmp(e->jmp, 1);
	}
}

static void
jerr_output(j_common_ptr cinfo)
{
	(void)cinfo;
}

static void
jprogress(j_common_ptr cinfo)
{
	if (cinfo->is_decompressor &&
	    ((j_decompress_ptr)cinfo)->input_scan_number > JPEG_MAX_SCANS) {
		struct jerr *e = (struct jerr *)cinfo->err;
		e->code = TDV_ELIMIT;
		longjmp(e->jmp, 1);
	}
}

static void
jerr_setup(struct jerr *e)
{
	jpeg_std_error(&e->pub);
	e->pub.error_exit = jerr_exit;
	e->pub.emit_message = jerr_emit;
	e->pub.output_message = jerr_output;
	e->code = TDV_OK;
}

/* CMYK (Adobe JPEGs store it inverted) to RGB, one row. */
static void
cmyk_row(const uint8_t *src, uint8_t *dst, int width, int channels, int inverted)
{
	for (int x = 0; x < width; x++, src += 4) {
		unsigned c = src[0], m = src[1], y = src[2], k = src[3];
		if (!inverted) {
			c = 255u - c;
			m = 255u - m;
			y = 255u - y;
			k = 255u - k;
		}
		unsigned r = c * k / 255u, g = m * k / 255u, b = y * k / 255u;
		if (channels == 1) {
			dst[x] = (uint8_t)((299u * r + 587u * g + 114u * b + 500u) / 1000u);
		} else {
			dst[3 * x] = (uint8_t)r;
			dst[3 * x + 1] = (uint8_t)g;
			dst[3 * x + 2] = (uint8_t)b;
		}
	}
}

int
tdv_image_decode_jpeg(const uint8_t *data, size_t len, const tdv_image_limits *lim,
    int want_channels, tdv_image **out)
{
	if (out == NULL)
		return TDV_EINVAL;
	*out = NULL;
	if (data == NULL || (want_channels != 1 && want_channels != 3))
		return TDV_EINVAL;
	if (tdv_image_sniff(data, len) != TDV_IMAGE_JPEG)
		return len < 3 ? TDV_EIMG_CORRUPT : TDV_EIMG_FORMAT;
	if (len > (size_t)0xffffffffu)
		return TDV_ELIMIT;

	struct jpeg_decompress_struct cinfo;
	struct jerr jerr;
	struct jpeg_progress_mgr progress;
	/* Touched between setjmp and longjmp, hence volatile. */
	tdv_image *volatile img = NULL;
	uint8_t *volatile row = NULL;

	memset(&cinfo, 0, sizeof(cinfo));
	jerr_setup(&jerr);
	cinfo.err = &jerr.pub;
	if (setjmp(jerr.jmp)) {
		int code = jerr.code != TDV_OK ? jerr.code : TDV_EIMG_CORRUPT;
		jpeg_destroy_decompress(&cinfo);
		free(row);
		tdv_image *tmp = img;
		tdv_image_free(&tmp);
		return code;
	}
	jpeg_create_decompress(&cinfo);
	cinfo.mem->max_memory_to_use = JPEG_MAX_MEMORY;
	progress.progress_monitor = jprogress;
	cinfo.progress = &progress;
	jpeg_mem_src(&cinfo, data, (unsigned long)len);
	if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
		jpeg_destroy_decompress(&cinfo);
		return TDV_EIMG_CORRUPT;
	}
	int rc = tdv__image_check_size((long)cinfo.image_width,
	    (long)cinfo.image_height, lim);
	if (rc != TDV_OK) {
		jpeg_destroy_decompress(&cinfo);
		return rc;
	}
	int cmyk = 0;
	switch (cinfo.jpeg_color_space) {
	case JCS_GRAYSCALE:
	case JCS_YCbCr:
	case JCS_RGB:
		cinfo.out_color_space = want_channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
		break;
	case JCS_CMYK:
	case JCS_YCCK:
		cinfo.out_color_space = JCS_CMYK;
		cmyk = 1;
		break;
	default:
		jpeg_destroy_decompress(&cinfo);
		return TDV_EIMG_FORMAT;
	}
	tdv_image *tmp;
	rc = tdv__image_alloc((int)cinfo.image_width, (int)cinfo.image_height,
	    want_channels, &tmp);
	if (rc != TDV_OK) {
		jpeg_destroy_decompress(&cinfo);
		return rc;
	}
	img = tmp;
	if (cmyk) {
		row = malloc((size_t)cinfo.image_width * 4);
		if (row == NULL) {
			jpeg_destroy_decompress(&cinfo);
			tdv_image_free(&tmp);
			return TDV_ENOMEM;
		}
	}
	jpeg_start_decompress(&cinfo);
	if (cinfo.output_width != cinfo.image_width ||
	    cinfo.output_height != cinfo.image_height ||
	    cinfo.output_components != (cmyk ? 4 : want_channels)) {
		jerr.code = TDV_EIMG_FORMAT;
		longjmp(jerr.jmp, 1);
	}
	while (cinfo.output_scanline < cinfo.output_height) {
		uint8_t *dst = img->data + (size_t)cinfo.output_scanline * img->stride;
		JSAMPROW rp = cmyk ? row : dst;
		if (jpeg_read_scanlines(&cinfo, &rp, 1) != 1) {
			jerr.code = TDV_EIMG_CORRUPT;
			longjmp(jerr.jmp, 1);
		}
		if (cmyk)
			cmyk_row(row, dst, img->width, want_channels, cinfo.saw_Adobe_marker);
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	free(row);
	*out = img;
	return TDV_OK;
}

int
tdv_image_encode_jpeg(const tdv_image *img, int quality, tdv_buf *out)
{
	if (img == NULL || out == NULL || img->data == NULL ||
	    (img->channels != 1 && img->channels != 3) || img->width <= 0 ||
	    img->height <= 0 || quality < 1 || quality > 100 ||
	    img->stride < (size_t)img->width * (size_t)img->channels)
		return TDV_EINVAL;
	struct jpeg_compress_struct cinfo;
	struct jerr jerr;
	/* libjpeg's memory destination writes the buffer pointer and length
	 * here; kept on the heap so their values survive a longjmp. */
	struct memdest {
		unsigned char *buf;
		unsigned long len;
	} *md = calloc(1, sizeof(*md));
	if (md == NULL)
		return TDV_ENOMEM;

	memset(&cinfo, 0, sizeof(cinfo));
	jerr_setup(&jerr);
	cinfo.err = &jerr.pub;
	if (setjmp(jerr.jmp)) {
		jpeg_destroy_compress(&cinfo);
		free(md->buf);
		free(md);
		return jerr.code == TDV_ENOMEM ? TDV_ENOMEM : TDV_EINTERNAL;
	}
	jpeg_create_compress(&cinfo);
	jpeg_mem_dest(&cinfo, &md->buf, &md->len);
	cinfo.image_width = (JDIMENSION)img->width;
	cinfo.image_height = (JDIMENSION)img->height;
	cinfo.input_components = img->channels;
	cinfo.in_color_space = img->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&cinfo);
	jpeg_set_quality(&cinfo, quality, TRUE);
	jpeg_start_compress(&cinfo, TRUE);
	while (cinfo.next_scanline < cinfo.image_height) {
		JSAMPROW rp = img->data + (size_t)cinfo.next_scanline * img->stride;
		jpeg_write_scanlines(&cinfo, &rp, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	int rc = tdv_buf_append(out, md->buf, (size_t)md->len);
	free(md->buf);
	free(md);
	return rc;
}
