/* Test helper: encode a grey gradient as a JPEG 2000 codestream (J2K)
 * with libopenjp2, into a tdv_buf. */
#ifndef PA_TEST_JP2_H
#define PA_TEST_JP2_H

#include <string.h>

#include <openjpeg.h>

#include "tdv/buf.h"

struct jp2_sink {
	tdv_buf *b;
	size_t pos;
};

static OPJ_SIZE_T
jp2_write(void *p, OPJ_SIZE_T n, void *user)
{
	struct jp2_sink *s = user;
	/* writes may follow a seek back: overwrite, then append */
	size_t end = s->pos + n;
	if (end > s->b->len) {
		if (tdv_buf_reserve(s->b, end - s->b->len) != 0)
			return (OPJ_SIZE_T)-1;
		s->b->len = end;
	}
	memcpy(s->b->data + s->pos, p, n);
	s->pos = end;
	return n;
}

static OPJ_OFF_T
jp2_skip(OPJ_OFF_T n, void *user)
{
	struct jp2_sink *s = user;
	s->pos += (size_t)n;
	return n;
}

static OPJ_BOOL
jp2_seek(OPJ_OFF_T n, void *user)
{
	struct jp2_sink *s = user;
	s->pos = (size_t)n;
	return OPJ_TRUE;
}

static inline int
encode_j2k(int w, int h, tdv_buf *out)
{
	opj_image_cmptparm_t cp;
	memset(&cp, 0, sizeof(cp));
	cp.dx = cp.dy = 1;
	cp.w = (OPJ_UINT32)w;
	cp.h = (OPJ_UINT32)h;
	cp.prec = 8;
	cp.sgnd = 0;
	opj_image_t *img = opj_image_create(1, &cp, OPJ_CLRSPC_GRAY);
	if (img == NULL)
		return -1;
	img->x1 = (OPJ_UINT32)w;
	img->y1 = (OPJ_UINT32)h;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			img->comps[0].data[y * w + x] = (x * 255) / (w - 1);
	opj_cparameters_t par;
	opj_set_default_encoder_parameters(&par);
	par.tcp_numlayers = 1;
	par.tcp_rates[0] = 0; /* lossless */
	par.cp_disto_alloc = 1;
	opj_codec_t *c = opj_create_compress(OPJ_CODEC_J2K);
	struct jp2_sink sink = {out, 0};
	opj_stream_t *s = opj_stream_create(1 << 16, OPJ_FALSE);
	int rc = -1;
	if (c && s && opj_setup_encoder(c, &par, img)) {
		opj_stream_set_user_data(s, &sink, NULL);
		opj_stream_set_write_function(s, jp2_write);
		opj_stream_set_skip_function(s, jp2_skip);
		opj_stream_set_seek_function(s, jp2_seek);
		if (opj_start_compress(c, img, s) && opj_encode(c, s) &&
		    opj_end_compress(c, s))
			rc = 0;
	}
	if (s)
		opj_stream_destroy(s);
	if (c)
		opj_destroy_codec(c);
	opj_image_destroy(img);
	return rc;
}

#endif
