/*
 * PNG decoding and encoding.
 *
 * Decoding has two paths with the same results:
 *  - a fast path for the plain files a camera, scanner or our own specimen
 *    generator writes: 8-bit grey or RGB, not interlaced, no palette, no
 *    transparency, colour space either sRGB (sRGB chunk) or unstated. The
 *    chunks are walked here (every CRC checked), the image data inflated in
 *    one call by libdeflate (about 3x faster than zlib's inflate, and it
 *    still verifies the zlib stream's Adler-32), unfiltered in place and
 *    converted to the requested channels row by row with libpng's own
 *    arithmetic, so the pixels are bit-identical to libpng's simplified API
 *    (checked exhaustively over all 2^24 RGB values in test_image_decode);
 *  - libpng's simplified API (libpng 1.6) for everything else: palette,
 *    16-bit, alpha, tRNS, gAMA/cHRM/iCCP/sBIT/bKGD, interlaced files, and
 *    any file the fast path finds the least bit odd (bad CRC, unknown
 *    critical chunk, trailing compressed data, ...): the fast path never
 *    reports an error itself, it hands the file to libpng, which gives the
 *    verdict. So the set of accepted files and every error code are those
 *    of libpng; only speed differs.
 * In both, the header is read and its size checked against the limits
 * before any pixel buffer is allocated.
 */
#include <libdeflate.h>
#include <math.h>
#include <png.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ocr/image_internal.h"
#include "tdv/error.h"
#include "tdv/image.h"

/* Inflated image data held at once by the fast path (a 16 Mpixel RGB
 * page); larger images take libpng's row-by-row path. */
#define PNG_FAST_MAX_RAW ((size_t)48 * 1024 * 1024)
/* libpng refuses chunks over its user_chunk_malloc_max (8,000,000); the
 * fast path leaves any chunk that large to libpng. */
#define PNG_FAST_MAX_CHUNK 8000000u


static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
is_letter(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* libpng's png_gamma_8bit_correct / png_build_8bit_table (floating point
 * build), gamma in units of 1/100000. */
static void
gamma_table(uint8_t t[256], double gamma_fixed)
{
	int significant = gamma_fixed < 95000 || gamma_fixed > 105000;
	for (unsigned i = 0; i < 256; i++) {
		if (!significant || i == 0 || i == 255)
			t[i] = (uint8_t)i;
		else
			t[i] = (uint8_t)floor(255 * pow((int)i / 255., gamma_fixed * .00001) + .5);
	}
}

/* libpng's png_muldiv, floating point build. */
static long
muldiv(long a, long times, long divisor)
{
	double r = (double)a;
	r *= (double)times;
	r /= (double)divisor;
	return (long)floor(r + .5);
}

/*
 * What libpng's simplified API does to an 8-bit RGB row read as GRAY
 * (png_image_read_direct -> png_set_rgb_to_gray_fixed with the default
 * coefficients; pngrtran.c png_do_rgb_to_gray, 8-bit branch with gamma):
 * input and output gamma are both sRGB's (the file's sRGB chunk, or the
 * simplified API's default for a file that states none), so
 *   grey pixel (r == g == b): unchanged (the overall gamma table is the
 *     identity: 1/(0.45455 * 2.2) is within libpng's 5% threshold);
 *   otherwise: from1[(rc * to1[r] + gc * to1[g] + bc * to1[b] + 16384) >> 15]
 *     with to1 the 8-bit table for gamma 1/0.45455 (png_reciprocal ->
 *     219998), from1 the one for 1/2.2 (45455), and the coefficients from
 *     the sRGB end points' Y (sRGB chunk) or libpng's defaults 6968/23434.
 */
struct rgb_gray {
	uint8_t from1[256];
	uint32_t wr[256], wg[256], wb[256]; /* coefficient * to1[v] */
};

static void
rgb_gray_init(struct rgb_gray *c, int have_srgb)
{
	uint8_t to1[256];
	uint32_t rc, gc, bc;
	gamma_table(to1, floor(1E10 / 45455 + .5));
	gamma_table(c->from1, floor(1E10 / 220000 + .5));
	if (have_srgb) {
		/* png_colorspace_set_rgb_coefficients over libpng's sRGB_XYZ */
		long r = 21264, g = 71517, b = 7219, total = r + g + b;
		r = muldiv(r, 32768, total);
		g = muldiv(g, 32768, total);
		b = muldiv(b, 32768, total);
		long add = r + g + b > 32768 ? -1 : r + g + b < 32768 ? 1 : 0;
		if (g >= r && g >= b)
			g += add;
		else if (r >= g && r >= b)
			r += add;
		else
			b += add;
		rc = (uint32_t)r;
		gc = (uint32_t)g;
	} else {
		rc = 6968;
		gc = 23434;
	}
	bc = 32768u - rc - gc;
	for (int i = 0; i < 256; i++) {
		c->wr[i] = rc * to1[i];
		c->wg[i] = gc * to1[i];
		c->wb[i] = bc * to1[i] + 16384u;
	}
}

/* Without branches: a grey pixel keeps its value, the others go through
 * the tables (the sum is at most 32768 * 255 + 16384, so index <= 255). */
static void
rgb_gray_row(const struct rgb_gray *c, const uint8_t *s, uint8_t *d, int width)
{
	for (int x = 0; x < width; x++, s += 3) {
		unsigned r = s[0], g = s[1], b = s[2];
		unsigned v = c->from1[(c->wr[r] + c->wg[g] + c->wb[b]) >> 15];
		unsigned grey = ((r ^ g) | (r ^ b)) == 0;
		d[x] = (uint8_t)(grey ? r : v);
	}
}

/*
 * The inflated image (several MB, used once): mapped on its own and, where
 * the kernel offers it, backed by 2 MB pages (MADV_HUGEPAGE), so that
 * first touching it costs a few page faults instead of one per 4 KB page.
 * On the virtual machines this was measured on, a 4 KB fault costs ~14 us
 * (1,350 of them for a 1,600 x 1,150 RGB page: ~19 ms, twice the whole
 * decode); with 2 MB pages the buffer is ready in ~0.3 ms. Falls back to
 * malloc when mapping fails or the buffer is small.
 */
#define HUGE_PAGE ((size_t)2 << 20)

struct rawbuf {
	uint8_t *p;
	void *map; /* mapping to unmap, or NULL when p came from malloc */
	size_t maplen;
};

static int
rawbuf_alloc(struct rawbuf *b, size_t n)
{
	memset(b, 0, sizeof(*b));
#ifdef MADV_HUGEPAGE
	if (n >= HUGE_PAGE && n <= SIZE_MAX - 2 * HUGE_PAGE) {
		size_t len = (n + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE + HUGE_PAGE;
		void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m != MAP_FAILED) {
			uintptr_t a = ((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
			(void)madvise((void *)a, len - HUGE_PAGE, MADV_HUGEPAGE); /* a hint */
			b->p = (uint8_t *)a;
			b->map = m;
			b->maplen = len;
			return TDV_OK;
		}
	}
#endif
	b->p = malloc(n);
	return b->p != NULL ? TDV_OK : TDV_ENOMEM;
}

static void
rawbuf_free(struct rawbuf *b)
{
	if (b->map != NULL)
		munmap(b->map, b->maplen);
	else
		free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Undo one row's PNG filter in place; prev is the previous unfiltered row
 * or NULL for the first. FAST_DECLINED for an unknown filter type. */
static int
unfilter(int type, uint8_t *row, const uint8_t *prev, size_t n, size_t bpp)
{
	size_t i;
	switch (type) {
	case 0:
		return TDV_OK;
	case 1: /* Sub */
		for (i = bpp; i < n; i++)
			row[i] = (uint8_t)(row[i] + row[i - bpp]);
		return TDV_OK;
	case 2: /* Up */
		if (prev != NULL)
			for (i = 0; i < n; i++)
				row[i] = (uint8_t)(row[i] + prev[i]);
		return TDV_OK;
	case 3: /* Average */
		if (prev == NULL) {
			for (i = bpp; i < n; i++)
				row[i] = (uint8_t)(row[i] + (row[i - bpp] >> 1));
			return TDV_OK;
		}
		for (i = 0; i < bpp; i++)
			row[i] = (uint8_t)(row[i] + (prev[i] >> 1));
		for (; i < n; i++)
			row[i] = (uint8_t)(row[i] + ((row[i - bpp] + prev[i]) >> 1));
		return TDV_OK;
	case 4: /* Paeth */
		if (prev == NULL) { /* predictor = left */
			for (i = bpp; i < n; i++)
				row[i] = (uint8_t)(row[i] + row[i - bpp]);
			return TDV_OK;
		}
		for (i = 0; i < bpp; i++)
			row[i] = (uint8_t)(row[i] + prev[i]);
		for (; i < n; i++) {
			int a = row[i - bpp], b = prev[i], c = prev[i - bpp];
			int pa = b - c, pb = a - c, pc;
			pc = pa + pb;
			pa = pa < 0 ? -pa : pa;
			pb = pb < 0 ? -pb : pb;
			pc = pc < 0 ? -pc : pc;
			int p = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
			row[i] = (uint8_t)(row[i] + p);
		}
		return TDV_OK;
	default:
		return FAST_DECLINED;
	}
}

/* The fast path (see image_internal.h). */
int
tdv__image_png_fast(const uint8_t *data, size_t len, const tdv_image_limits *lim,
    int want_channels, tdv_image **out)
{
	size_t pos = 8;
	uint32_t width = 0, height = 0;
	int color = -1, have_srgb = 0, seen_idat = 0, idat_done = 0, seen_iend = 0;
	size_t nidat = 0, idat_bytes = 0;
	const uint8_t *first_idat = NULL;

	if (data == NULL || tdv_image_sniff(data, len) != TDV_IMAGE_PNG)
		return FAST_DECLINED;
	/* Pass 1: walk and check the chunks. */
	while (!seen_iend) {
		if (len - pos < 12)
			return FAST_DECLINED;
		uint32_t n = be32(data + pos);
		const uint8_t *type = data + pos + 4, *body = data + pos + 8;
		if (n > PNG_FAST_MAX_CHUNK || len - pos - 12 < n)
			return FAST_DECLINED;
		for (int k = 0; k < 4; k++)
			if (!is_letter(type[k]))
				return FAST_DECLINED;
		if ((uint32_t)libdeflate_crc32(0, type, (size_t)n + 4) != be32(body + n))
			return FAST_DECLINED;
		int first = pos == 8;
		pos += 12 + (size_t)n;
		if (memcmp(type, "IHDR", 4) == 0) {
			if (!first || n != 13)
				return FAST_DECLINED;
			width = be32(body);
			height = be32(body + 4);
			/* 8-bit grey or RGB, deflate, filter method 0, no interlace */
			if (body[8] != 8 || (body[9] != 0 && body[9] != 2) || body[10] != 0 ||
			    body[11] != 0 || body[12] != 0)
				return FAST_DECLINED;
			color = body[9];
			continue;
		}
		if (first)
			return FAST_DECLINED;
		if (memcmp(type, "IDAT", 4) == 0) {
			if (idat_done)
				return FAST_DECLINED; /* IDATs must be consecutive */
			if (!seen_idat)
				first_idat = body;
			seen_idat = 1;
			nidat++;
			idat_bytes += n;
			continue;
		}
		if (seen_idat)
			idat_done = 1;
		if (memcmp(type, "IEND", 4) == 0) {
			if (n != 0 || !seen_idat)
				return FAST_DECLINED;
			seen_iend = 1;
		} else if (memcmp(type, "sRGB", 4) == 0) {
			if (n != 1 || body[0] > 3 || have_srgb || seen_idat)
				return FAST_DECLINED;
			have_srgb = 1;
		} else if (type[0] < 'a' || memcmp(type, "tRNS", 4) == 0 ||
		    memcmp(type, "bKGD", 4) == 0 || memcmp(type, "cHRM", 4) == 0 ||
		    memcmp(type, "gAMA", 4) == 0 || memcmp(type, "iCCP", 4) == 0 ||
		    memcmp(type, "sBIT", 4) == 0) {
			/* critical chunks (PLTE, unknown) and the ancillary ones
			 * that change libpng's output */
			return FAST_DECLINED;
		}
		/* other ancillary chunks: libpng's simplified API ignores them */
	}
	if (tdv__image_check_size((long)width, (long)height, lim) != TDV_OK)
		return FAST_DECLINED; /* libpng reports it */
	size_t bpp = color == 2 ? 3 : 1;
	size_t rowbytes = (size_t)width * bpp;
	if (rowbytes + 1 > PNG_FAST_MAX_RAW / height)
		return FAST_DECLINED;
	size_t rawlen = (size_t)height * (rowbytes + 1);

	/* Pass 2: the image data in one piece. */
	uint8_t *joined = NULL;
	const uint8_t *zdata = first_idat;
	if (nidat > 1) {
		joined = malloc(idat_bytes ? idat_bytes : 1);
		if (joined == NULL)
			return FAST_DECLINED;
		size_t at = 0;
		for (pos = 8; at < idat_bytes;) {
			uint32_t n = be32(data + pos);
			if (memcmp(data + pos + 4, "IDAT", 4) == 0) {
				memcpy(joined + at, data + pos + 8, n);
				at += n;
			}
			pos += 12 + (size_t)n;
		}
		zdata = joined;
	}
	struct rawbuf rb;
	int have_raw = rawbuf_alloc(&rb, rawlen) == TDV_OK;
	uint8_t *raw = rb.p;
	struct libdeflate_decompressor *dz = libdeflate_alloc_decompressor();
	size_t used = 0;
	int ok = have_raw && dz != NULL &&
		 libdeflate_zlib_decompress_ex(dz, zdata, idat_bytes, raw, rawlen, &used, NULL) ==
		     LIBDEFLATE_SUCCESS &&
		 used == idat_bytes;
	if (dz != NULL)
		libdeflate_free_decompressor(dz);
	free(joined);
	if (!ok) {
		rawbuf_free(&rb);
		return FAST_DECLINED;
	}

	/* Pass 3: unfilter and convert row by row. */
	tdv_image *img;
	if (tdv__image_alloc((int)width, (int)height, want_channels, &img) != TDV_OK) {
		rawbuf_free(&rb);
		return FAST_DECLINED;
	}
	struct rgb_gray conv;
	if (color == 2 && want_channels == 1)
		rgb_gray_init(&conv, have_srgb);
	const uint8_t *prev = NULL;
	for (uint32_t y = 0; y < height; y++) {
		uint8_t *row = raw + (size_t)y * (rowbytes + 1);
		if (unfilter(row[0], row + 1, prev, rowbytes, bpp) != TDV_OK) {
			rawbuf_free(&rb);
			tdv_image_free(&img);
			return FAST_DECLINED;
		}
		prev = row + 1;
		uint8_t *d = img->data + (size_t)y * img->stride;
		if ((size_t)want_channels == bpp)
			memcpy(d, row + 1, rowbytes);
		else if (want_channels == 1)
			rgb_gray_row(&conv, row + 1, d, (int)width);
		else
			for (uint32_t x = 0; x < width; x++)
				d[3 * x] = d[3 * x + 1] = d[3 * x + 2] = row[1 + x];
	}
	rawbuf_free(&rb);
	*out = img;
	return TDV_OK;
}

/*
 * Before libpng sees a file: every chunk up to the first IDAT must fit in
 * the data. libpng's simplified API reads all of those chunks and, with
 * its benign errors downgraded to warnings, allocates a chunk's claimed
 * length before reading it: a 1 KB file claiming a 2 GB tEXt chunk made it
 * allocate 2 GB (found by fuzz_png; tests/data/regress/png/). Such a file
 * would fail at the short read anyway, so TDV_EIMG_CORRUPT now comes
 * first, with the same verdict and nothing allocated.
 */
static int
prescan(const uint8_t *data, size_t len)
{
	for (size_t pos = 8; len - pos >= 8;) {
		uint32_t n = be32(data + pos);
		if (n > 0x7fffffffu)
			return TDV_EIMG_CORRUPT; /* libpng: out of range */
		if (memcmp(data + pos + 4, "IDAT", 4) == 0)
			break;
		if (len - pos - 8 < (size_t)n + 4)
			return TDV_EIMG_CORRUPT;
		pos += 12 + (size_t)n;
		if (pos > len)
			break;
	}
	return TDV_OK;
}

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
	if (tdv__image_png_fast(data, len, lim, want_channels, out) == TDV_OK)
		return TDV_OK;
	int rc = prescan(data, len);
	if (rc != TDV_OK)
		return rc;

	png_image pi;
	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&pi, data, len)) {
		png_image_free(&pi);
		return TDV_EIMG_CORRUPT;
	}
	rc = tdv__image_check_size((long)pi.width, (long)pi.height, lim);
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
