/*
 * Decoding of the portrait and signature images found in DG2/DG7 so the
 * station can show them: JPEG with libjpeg, JPEG 2000 (JP2 file or J2K
 * codestream, ISO/IEC 15444-1) with libopenjp2. Dimensions are checked
 * before any pixel buffer is allocated.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <openjpeg.h>

#include "tdv/error.h"
#include "tdv/lds.h"

struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jb;
};

static void
jpeg_fail(j_common_ptr c)
{
	struct jerr *e = (struct jerr *)c->err;
	longjmp(e->jb, 1);
}

static void
jpeg_quiet(j_common_ptr c, int level)
{
	(void)c;
	(void)level;
}

static int
decode_jpeg(const uint8_t *p, size_t len, uint8_t **pixels, int *w, int *h,
    int *ch)
{
	struct jpeg_decompress_struct c;
	struct jerr e;
	uint8_t *volatile img = NULL;

	if (len > 0xFFFFFFFFu)
		return TDV_ELIMIT;
	memset(&c, 0, sizeof(c));
	c.err = jpeg_std_error(&e.mgr);
	e.mgr.error_exit = jpeg_fail;
	e.mgr.emit_message = jpeg_quiet;
	if (setjmp(e.jb)) {
		jpeg_destroy_decompress(&c);
		free(img);
		return TDV_EIMG_CORRUPT;
	}
	jpeg_create_decompress(&c);
	jpeg_mem_src(&c, p, (unsigned long)len);
	if (jpeg_read_header(&c, TRUE) != JPEG_HEADER_OK) {
		jpeg_destroy_decompress(&c);
		return TDV_EIMG_CORRUPT;
	}
	if ((uint64_t)c.image_width * c.image_height > TDV_LDS_IMAGE_MAX_PIXELS ||
	    c.image_width == 0 || c.image_height == 0) {
		jpeg_destroy_decompress(&c);
		return TDV_EIMG_TOO_LARGE;
	}
	c.out_color_space = c.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_start_decompress(&c);
	size_t stride = (size_t)c.output_width * (size_t)c.output_components;
	img = malloc(stride * c.output_height);
	if (img == NULL) {
		jpeg_destroy_decompress(&c);
		return TDV_ENOMEM;
	}
	while (c.output_scanline < c.output_height) {
		JSAMPROW row = img + stride * c.output_scanline;
		jpeg_read_scanlines(&c, &row, 1);
	}
	*w = (int)c.output_width;
	*h = (int)c.output_height;
	*ch = c.output_components;
	jpeg_finish_decompress(&c);
	jpeg_destroy_decompress(&c);
	*pixels = img;
	return TDV_OK;
}

/* openjp2 memory stream */
struct memsrc {
	const uint8_t *p;
	size_t len, off;
};

static OPJ_SIZE_T
mem_read(void *buf, OPJ_SIZE_T n, void *user)
{
	struct memsrc *m = user;
	if (m->off >= m->len)
		return (OPJ_SIZE_T)-1;
	size_t k = m->len - m->off < n ? m->len - m->off : n;
	memcpy(buf, m->p + m->off, k);
	m->off += k;
	return k;
}

static OPJ_OFF_T
mem_skip(OPJ_OFF_T n, void *user)
{
	struct memsrc *m = user;
	if (n < 0 || (size_t)n > m->len - m->off)
		return -1;
	m->off += (size_t)n;
	return n;
}

static OPJ_BOOL
mem_seek(OPJ_OFF_T n, void *user)
{
	struct memsrc *m = user;
	if (n < 0 || (size_t)n > m->len)
		return OPJ_FALSE;
	m->off = (size_t)n;
	return OPJ_TRUE;
}

static void
opj_quiet(const char *msg, void *user)
{
	(void)msg;
	(void)user;
}

static int
decode_jp2(const uint8_t *p, size_t len, uint8_t **pixels, int *w, int *h,
    int *ch)
{
	struct memsrc m = {p, len, 0};
	bool codestream = len >= 2 && p[0] == 0xFF && p[1] == 0x4F;
	opj_codec_t *codec = opj_create_decompress(codestream ? OPJ_CODEC_J2K :
	    OPJ_CODEC_JP2);
	opj_stream_t *s = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
	opj_image_t *img = NULL;
	opj_dparameters_t params;
	int rc = TDV_EIMG_CORRUPT;

	if (codec == NULL || s == NULL)
		goto out;
	opj_set_info_handler(codec, opj_quiet, NULL);
	opj_set_warning_handler(codec, opj_quiet, NULL);
	opj_set_error_handler(codec, opj_quiet, NULL);
	opj_stream_set_user_data(s, &m, NULL);
	opj_stream_set_user_data_length(s, len);
	opj_stream_set_read_function(s, mem_read);
	opj_stream_set_skip_function(s, mem_skip);
	opj_stream_set_seek_function(s, mem_seek);
	opj_set_default_decoder_parameters(&params);
	if (!opj_setup_decoder(codec, &params))
		goto out;
	if (!opj_read_header(s, codec, &img) || img == NULL)
		goto out;
	uint64_t iw = img->x1 - img->x0, ih = img->y1 - img->y0;
	if (iw == 0 || ih == 0 || iw * ih > TDV_LDS_IMAGE_MAX_PIXELS) {
		rc = TDV_EIMG_TOO_LARGE;
		goto out;
	}
	if (!opj_decode(codec, s, img) || !opj_end_decompress(codec, s))
		goto out;
	int nc = img->numcomps >= 3 ? 3 : 1;
	for (int c = 0; c < nc; c++) {
		if (img->comps[c].data == NULL || img->comps[c].w != iw ||
		    img->comps[c].h != ih || img->comps[c].prec == 0 ||
		    img->comps[c].prec > 16)
			goto out; /* subsampled components: not in eMRTD faces */
	}
	uint8_t *px = malloc((size_t)(iw * ih * (uint64_t)nc));
	if (px == NULL) {
		rc = TDV_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < iw * ih; i++)
		for (int c = 0; c < nc; c++) {
			int v = img->comps[c].data[i];
			int shift = (int)img->comps[c].prec - 8;
			if (shift > 0)
				v >>= shift;
			else if (shift < 0)
				v <<= -shift;
			px[i * (size_t)nc + (size_t)c] =
			    (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
	*pixels = px;
	*w = (int)iw;
	*h = (int)ih;
	*ch = nc;
	rc = TDV_OK;
out:
	if (img != NULL)
		opj_image_destroy(img);
	if (s != NULL)
		opj_stream_destroy(s);
	if (codec != NULL)
		opj_destroy_codec(codec);
	return rc;
}

int
tdv_lds_image_decode(const uint8_t *p, size_t len, uint8_t **pixels,
    int *width, int *height, int *channels)
{
	if (p == NULL || pixels == NULL || width == NULL || height == NULL ||
	    channels == NULL)
		return TDV_EINVAL;
	*pixels = NULL;
	if (len > TDV_LDS_MAX_FILE)
		return TDV_ELIMIT;
	switch (tdv_lds_image_detect(p, len)) {
	case TDV_LDS_IMAGE_JPEG:
		return decode_jpeg(p, len, pixels, width, height, channels);
	case TDV_LDS_IMAGE_JPEG2000:
		return decode_jp2(p, len, pixels, width, height, channels);
	default:
		return TDV_EIMG_FORMAT;
	}
}
