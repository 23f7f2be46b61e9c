/*
 * Capture distortions for specimens: the page is placed on a scanner lid
 * or a cluttered desk through a projective transform (rotation, upside
 * down, keystone perspective), then lit unevenly, given a glare spot,
 * defocused or motion-blurred and made noisy. JPEG quality is applied when
 * the image is encoded (specimen.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specimen/specimen_internal.h"
#include "tdv/error.h"

void
tdv__hmat_apply(const tdv__hmat *h, double x, double y, double *ox, double *oy)
{
	const double *m = h->m;
	double w = m[6] * x + m[7] * y + m[8];
	if (fabs(w) < 1e-12)
		w = 1e-12;
	*ox = (m[0] * x + m[1] * y + m[2]) / w;
	*oy = (m[3] * x + m[4] * y + m[5]) / w;
}

static tdv__hmat
hmul(const tdv__hmat *a, const tdv__hmat *b)
{
	tdv__hmat r;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			r.m[3 * i + j] = a->m[3 * i] * b->m[j] + a->m[3 * i + 1] * b->m[3 + j] +
			    a->m[3 * i + 2] * b->m[6 + j];
	return r;
}

static int
hinv(const tdv__hmat *a, tdv__hmat *r)
{
	const double *m = a->m;
	double c00 = m[4] * m[8] - m[5] * m[7], c01 = m[5] * m[6] - m[3] * m[8],
	       c02 = m[3] * m[7] - m[4] * m[6];
	double det = m[0] * c00 + m[1] * c01 + m[2] * c02;
	if (fabs(det) < 1e-15)
		return TDV_EINVAL;
	double id = 1.0 / det;
	r->m[0] = c00 * id;
	r->m[1] = (m[2] * m[7] - m[1] * m[8]) * id;
	r->m[2] = (m[1] * m[5] - m[2] * m[4]) * id;
	r->m[3] = c01 * id;
	r->m[4] = (m[0] * m[8] - m[2] * m[6]) * id;
	r->m[5] = (m[2] * m[3] - m[0] * m[5]) * id;
	r->m[6] = c02 * id;
	r->m[7] = (m[1] * m[6] - m[0] * m[7]) * id;
	r->m[8] = (m[0] * m[4] - m[1] * m[3]) * id;
	return TDV_OK;
}

static uint8_t
clamp8(double v)
{
	return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)(v + 0.5);
}

static void
fill_circle(tdv_image *img, double cx, double cy, double r, const uint8_t c[3])
{
	int y0 = (int)(cy - r), y1 = (int)(cy + r) + 1;
	int x0 = (int)(cx - r), x1 = (int)(cx + r) + 1;
	for (int y = y0 < 0 ? 0 : y0; y < y1 && y < img->height; y++)
		for (int x = x0 < 0 ? 0 : x0; x < x1 && x < img->width; x++)
			if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
				memcpy(img->data + (size_t)y * img->stride + (size_t)x * 3, c, 3);
}

static void
fill_rect(tdv_image *img, double x0, double y0, double x1, double y1, const uint8_t c[3])
{
	for (int y = y0 < 0 ? 0 : (int)y0; y < (int)y1 && y < img->height; y++)
		for (int x = x0 < 0 ? 0 : (int)x0; x < (int)x1 && x < img->width; x++)
			memcpy(img->data + (size_t)y * img->stride + (size_t)x * 3, c, 3);
}

/* A desk: coloured surface, shapes, a pen, short printed snippets. */
static int
clutter(tdv_font *font, tdv_image *img, tdv__rng *rng)
{
	uint8_t desk[3] = {(uint8_t)(60 + tdv__rng_int(rng, 120)), (uint8_t)(50 + tdv__rng_int(rng, 100)),
	    (uint8_t)(40 + tdv__rng_int(rng, 90))};
	fill_rect(img, 0, 0, img->width, img->height, desk);
	int n = 6 + tdv__rng_int(rng, 8);
	double W = img->width, H = img->height;
	for (int i = 0; i < n; i++) {
		uint8_t c[3] = {(uint8_t)tdv__rng_int(rng, 256), (uint8_t)tdv__rng_int(rng, 256),
		    (uint8_t)tdv__rng_int(rng, 256)};
		double x = tdv__rng_unit(rng) * W, y = tdv__rng_unit(rng) * H;
		double s = tdv__rng_range(rng, 0.03, 0.2) * H;
		if (tdv__rng_int(rng, 2))
			fill_circle(img, x, y, s, c);
		else
			fill_rect(img, x, y, x + s * tdv__rng_range(rng, 0.5, 3), y + s, c);
	}
	/* Printed scraps: a receipt and stray codes, never MRZ-long. */
	static const char *const scraps[] = {"TOTAL 12.50", "GATE B12", "SEAT 23C",
	    "BOARDING 0915", "KEEP CLEAR", "NO 4471-22", "RECEIPT", "TAXI 88"};
	int ns = 1 + tdv__rng_int(rng, 4);
	for (int i = 0; i < ns; i++) {
		double x = tdv__rng_unit(rng) * W * 0.8, y = tdv__rng_unit(rng) * H;
		double em = tdv__rng_range(rng, 0.015, 0.04) * H;
		uint8_t paper[3] = {235, 235, 228}, ink[3] = {30, 30, 30};
		const char *t = scraps[tdv__rng_int(rng, (int)(sizeof(scraps) / sizeof(scraps[0])))];
		fill_rect(img, x - em * 0.3, y - em, x + em * 0.62 * (double)strlen(t) + em * 0.3,
		    y + em * 0.4, paper);
		int rc = tdv_font_draw(font, img, t, x, y, em, 0, ink, NULL);
		if (rc != TDV_OK)
			return rc;
	}
	return TDV_OK;
}

/* Separable box blur of radius r on one RGB image (in place). */
static int
box_blur(tdv_image *img, int r)
{
	if (r < 1)
		return TDV_OK;
	int W = img->width, H = img->height, n = W > H ? W : H;
	uint8_t *line = malloc((size_t)n * 3);
	if (line == NULL)
		return TDV_ENOMEM;
	double norm = 1.0 / (2 * r + 1);
	for (int pass = 0; pass < 2; pass++) {
		int len = pass == 0 ? W : H, count = pass == 0 ? H : W;
		for (int k = 0; k < count; k++) {
			for (int i = 0; i < len; i++) {
				size_t off = pass == 0 ? (size_t)k * img->stride + (size_t)i * 3
						       : (size_t)i * img->stride + (size_t)k * 3;
				memcpy(line + (size_t)i * 3, img->data + off, 3);
			}
			for (int c = 0; c < 3; c++) {
				double acc = 0;
				for (int i = -r; i <= r; i++) {
					int j = i < 0 ? 0 : i >= len ? len - 1 : i;
					acc += line[(size_t)j * 3 + (size_t)c];
				}
				for (int i = 0; i < len; i++) {
					size_t off = pass == 0 ? (size_t)k * img->stride + (size_t)i * 3
							       : (size_t)i * img->stride + (size_t)k * 3;
					img->data[off + (size_t)c] = clamp8(acc * norm);
					int out = i - r < 0 ? 0 : i - r;
					int in = i + r + 1 >= len ? len - 1 : i + r + 1;
					acc += line[(size_t)in * 3 + (size_t)c] - line[(size_t)out * 3 + (size_t)c];
				}
			}
		}
	}
	free(line);
	return TDV_OK;
}

/* Gaussian of sigma s approximated by three box blurs. */
static int
defocus(tdv_image *img, double sigma)
{
	if (sigma < 0.3)
		return TDV_OK;
	int r = (int)lround(sqrt(4.0 * sigma * sigma + 1.0) / 2.0);
	if (r < 1)
		r = 1;
	for (int i = 0; i < 3; i++) {
		int rc = box_blur(img, r);
		if (rc != TDV_OK)
			return rc;
	}
	return TDV_OK;
}

static int
motion_blur(tdv_image *img, double len, double deg)
{
	if (len < 1.0)
		return TDV_OK;
	size_t size = (size_t)img->height * img->stride;
	uint8_t *src = malloc(size);
	if (src == NULL)
		return TDV_ENOMEM;
	memcpy(src, img->data, size);
	int taps = (int)ceil(len) + 1;
	double dx = cos(deg * M_PI / 180.0), dy = sin(deg * M_PI / 180.0);
	for (int y = 0; y < img->height; y++)
		for (int x = 0; x < img->width; x++) {
			double acc[3] = {0, 0, 0};
			for (int t = 0; t < taps; t++) {
				double s = len * ((double)t / (taps - 1) - 0.5);
				int sx = (int)lround(x + s * dx), sy = (int)lround(y + s * dy);
				sx = sx < 0 ? 0 : sx >= img->width ? img->width - 1 : sx;
				sy = sy < 0 ? 0 : sy >= img->height ? img->height - 1 : sy;
				const uint8_t *p = src + (size_t)sy * img->stride + (size_t)sx * 3;
				acc[0] += p[0];
				acc[1] += p[1];
				acc[2] += p[2];
			}
			uint8_t *q = img->data + (size_t)y * img->stride + (size_t)x * 3;
			for (int c = 0; c < 3; c++)
				q[c] = clamp8(acc[c] / taps);
		}
	free(src);
	return TDV_OK;
}

int
tdv__distort(tdv_font *font, const tdv_image *page, const tdv_specimen_distortion *d,
    tdv__rng *rng, tdv_image **out, tdv__hmat *fwd)
{
	double pw = page->width, ph = page->height;
	/* page -> centred -> perspective -> rotate -> output */
	double ang = (d->rotate_deg + (d->upside_down ? 180.0 : 0.0)) * M_PI / 180.0;
	double ca = cos(ang), sa = sin(ang);
	tdv__hmat center = {{1, 0, -pw / 2, 0, 1, -ph / 2, 0, 0, 1}};
	double pdir = tdv__rng_unit(rng) * 2 * M_PI;
	double k = d->perspective / (pw > ph ? pw : ph) * 2.0;
	tdv__hmat persp = {{1, 0, 0, 0, 1, 0, k * cos(pdir), k * sin(pdir), 1}};
	/* Image y grows downwards, so counter-clockwise on screen is -ang. */
	tdv__hmat rot = {{ca, sa, 0, -sa, ca, 0, 0, 0, 1}};
	tdv__hmat a = hmul(&persp, &center);
	a = hmul(&rot, &a);
	double minx = 1e30, miny = 1e30, maxx = -1e30, maxy = -1e30;
	double corners[4][2] = {{0, 0}, {pw, 0}, {pw, ph}, {0, ph}};
	for (int i = 0; i < 4; i++) {
		double x, y;
		tdv__hmat_apply(&a, corners[i][0], corners[i][1], &x, &y);
		minx = fmin(minx, x);
		miny = fmin(miny, y);
		maxx = fmax(maxx, x);
		maxy = fmax(maxy, y);
	}
	double margin = (d->clutter ? 0.18 : 0.04) * (pw > ph ? pw : ph);
	if (margin < 8)
		margin = 8;
	int W = (int)ceil(maxx - minx + 2 * margin), H = (int)ceil(maxy - miny + 2 * margin);
	tdv__hmat shift = {{1, 0, margin - minx, 0, 1, margin - miny, 0, 0, 1}};
	*fwd = hmul(&shift, &a);
	tdv__hmat inv;
	int rc = hinv(fwd, &inv);
	if (rc != TDV_OK)
		return rc;
	rc = tdv_image_new(W, H, 3, out);
	if (rc != TDV_OK)
		return rc;
	tdv_image *img = *out;
	if (d->clutter) {
		if ((rc = clutter(font, img, rng)) != TDV_OK)
			return rc;
	} else {
		uint8_t lid[3] = {(uint8_t)(225 + tdv__rng_int(rng, 30)), (uint8_t)(225 + tdv__rng_int(rng, 30)),
		    (uint8_t)(225 + tdv__rng_int(rng, 30))};
		fill_rect(img, 0, 0, W, H, lid);
	}
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			double sx, sy;
			tdv__hmat_apply(&inv, x + 0.5, y + 0.5, &sx, &sy);
			sx -= 0.5;
			sy -= 0.5;
			if (sx < -0.5 || sy < -0.5 || sx > pw - 0.5 || sy > ph - 0.5)
				continue;
			int ix = (int)floor(sx), iy = (int)floor(sy);
			double fx = sx - ix, fy = sy - iy;
			int x0 = ix < 0 ? 0 : ix, y0 = iy < 0 ? 0 : iy;
			int x1 = ix + 1 >= page->width ? page->width - 1 : ix + 1;
			int y1 = iy + 1 >= page->height ? page->height - 1 : iy + 1;
			const uint8_t *p00 = page->data + (size_t)y0 * page->stride + (size_t)x0 * 3;
			const uint8_t *p01 = page->data + (size_t)y0 * page->stride + (size_t)x1 * 3;
			const uint8_t *p10 = page->data + (size_t)y1 * page->stride + (size_t)x0 * 3;
			const uint8_t *p11 = page->data + (size_t)y1 * page->stride + (size_t)x1 * 3;
			uint8_t *q = img->data + (size_t)y * img->stride + (size_t)x * 3;
			for (int c = 0; c < 3; c++)
				q[c] = clamp8((p00[c] * (1 - fx) + p01[c] * fx) * (1 - fy) +
				    (p10[c] * (1 - fx) + p11[c] * fx) * fy);
		}

	/* Uneven light: a linear falloff in a random direction; glare: a
	 * bright spot. */
	double ldir = tdv__rng_unit(rng) * 2 * M_PI, lx = cos(ldir), ly = sin(ldir);
	double gx = tdv__rng_range(rng, 0.2, 0.8) * W, gy = tdv__rng_range(rng, 0.2, 0.8) * H;
	double gs = tdv__rng_range(rng, 0.06, 0.14) * (W > H ? W : H);
	if (d->lighting > 0 || d->glare > 0) {
		double diag = sqrt((double)W * W + (double)H * H);
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				double t = ((x - W / 2.0) * lx + (y - H / 2.0) * ly) / diag + 0.5;
				double f = 1.0 - d->lighting * t;
				double r2 = ((x - gx) * (x - gx) + (y - gy) * (y - gy)) / (gs * gs);
				double add = d->glare > 0 ? 170.0 * d->glare * exp(-r2 / 2) : 0;
				uint8_t *q = img->data + (size_t)y * img->stride + (size_t)x * 3;
				for (int c = 0; c < 3; c++)
					q[c] = clamp8(q[c] * f + add);
			}
	}
	if ((rc = defocus(img, d->defocus)) != TDV_OK)
		return rc;
	if ((rc = motion_blur(img, d->motion, d->motion_deg)) != TDV_OK)
		return rc;
	if (d->noise > 0) {
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				/* luminance noise plus a little chroma noise */
				double n = d->noise * tdv__rng_gauss(rng);
				uint8_t *q = img->data + (size_t)y * img->stride + (size_t)x * 3;
				for (int c = 0; c < 3; c++)
					q[c] = clamp8(q[c] + n + d->noise * 0.6 * (tdv__rng_unit(rng) - 0.5));
			}
	}
	return TDV_OK;
}
