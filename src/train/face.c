/*
 * Synthetic portraits for exercise documents: a head, hair, eyes, mouth
 * and shoulders whose size, position and tones come from a seed, so that
 * two seeds give two visibly different "people" (photo substitution must
 * be visible to a trainee and measurable by the photo check). No real
 * face is involved.
 */
#include <math.h>
#include <string.h>

#include "train_int.h"
#include "tdv/error.h"
#include "tdv/image.h"

static uint64_t
next(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ULL;
	uint64_t z = *s;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
uni(uint64_t *s, double lo, double hi)
{
	return lo + (hi - lo) * (double)(next(s) >> 11) / 9007199254740992.0;
}

static bool
in_ellipse(double x, double y, double cx, double cy, double rx, double ry)
{
	double dx = (x - cx) / rx, dy = (y - cy) / ry;
	return dx * dx + dy * dy <= 1.0;
}

int
tdv__train_face(uint64_t seed, int width, int height, tdv_buf *jpeg)
{
	if (width < 32 || height < 32 || width > 1024 || height > 1024 ||
	    jpeg == NULL)
		return TDV_EINVAL;
	tdv_image *img = NULL;
	int rc = tdv_image_new(width, height, 3, &img);
	if (rc != TDV_OK)
		return rc;
	uint64_t s = seed;
	double w = width, h = height;
	double bg = uni(&s, 150, 235);
	double cx = w * uni(&s, 0.40, 0.60), cy = h * uni(&s, 0.34, 0.48);
	double rx = w * uni(&s, 0.17, 0.30), ry = h * uni(&s, 0.17, 0.27);
	double skin = uni(&s, 70, 215);
	double hair = uni(&s, 15, 120);
	if (fabs(hair - skin) < 50)
		hair = skin > 120 ? skin - 90 : skin + 80;
	double hair_depth = uni(&s, 0.25, 0.75); /* how far hair comes down */
	double eye_dx = rx * uni(&s, 0.30, 0.55), eye_y = cy - ry * uni(&s, 0.0, 0.25);
	double mouth_y = cy + ry * uni(&s, 0.40, 0.62), mouth_w = rx * uni(&s, 0.25, 0.6);
	double cloth = uni(&s, 30, 200);
	double sh_w = w * uni(&s, 0.38, 0.55), sh_y = h * uni(&s, 0.95, 1.1);
	for (int y = 0; y < height; y++) {
		uint8_t *row = img->data + (size_t)y * img->stride;
		for (int x = 0; x < width; x++) {
			double v = bg + 6.0 * sin((x + 3 * y) * 0.21 + (double)(seed % 7));
			if (in_ellipse(x, y, w / 2, sh_y, sh_w, h * 0.30))
				v = cloth;
			if (in_ellipse(x, y, cx, cy + ry * 0.95, rx * 0.45, ry * 0.6))
				v = skin * 0.92; /* neck */
			if (in_ellipse(x, y, cx, cy - ry * 0.1, rx * 1.12, ry * 1.12) &&
			    y < cy - ry * (1.0 - 2.0 * hair_depth) * 0.6)
				v = hair;
			if (in_ellipse(x, y, cx, cy, rx, ry)) {
				v = skin + 18.0 * (1.0 - fabs(x - cx) / rx);
				if (y < cy - ry * (1.0 - hair_depth * 0.9))
					v = hair;
				if (in_ellipse(x, y, cx - eye_dx, eye_y, rx * 0.12,
					ry * 0.07) ||
				    in_ellipse(x, y, cx + eye_dx, eye_y, rx * 0.12,
					ry * 0.07))
					v = 30;
				if (fabs(y - mouth_y) < ry * 0.035 &&
				    fabs(x - cx) < mouth_w)
					v = skin * 0.55;
			}
			if (v < 0)
				v = 0;
			if (v > 255)
				v = 255;
			uint8_t g = (uint8_t)v;
			row[3 * x] = (uint8_t)(g * 0.98);
			row[3 * x + 1] = g;
			row[3 * x + 2] = (uint8_t)(g * 0.94);
		}
	}
	rc = tdv_image_encode_jpeg(img, 85, jpeg);
	tdv_image_free(&img);
	return rc;
}

/* Area-average a grey image into TDV__PHOTO_W x TDV__PHOTO_H, from rectangle r. */
void
tdv__train_shrink(const tdv_image *g, const int r[4], double *out)
{
	int w = r[2] - r[0], h = r[3] - r[1];
	for (int by = 0; by < TDV__PHOTO_H; by++)
		for (int bx = 0; bx < TDV__PHOTO_W; bx++) {
			int x0 = r[0] + bx * w / TDV__PHOTO_W,
			    x1 = r[0] + (bx + 1) * w / TDV__PHOTO_W;
			int y0 = r[1] + by * h / TDV__PHOTO_H,
			    y1 = r[1] + (by + 1) * h / TDV__PHOTO_H;
			double sum = 0;
			int cnt = 0;
			for (int y = y0; y < y1 && y < g->height; y++)
				for (int x = x0; x < x1 && x < g->width; x++) {
					sum += g->data[(size_t)y * g->stride +
					    (size_t)x];
					cnt++;
				}
			out[by * TDV__PHOTO_W + bx] = cnt ? sum / cnt : 0;
		}
}

double
tdv__train_correlation(const double *a, const double *b, int n)
{
	double ma = 0, mb = 0;
	for (int i = 0; i < n; i++) {
		ma += a[i];
		mb += b[i];
	}
	ma /= n;
	mb /= n;
	double sab = 0, saa = 0, sbb = 0;
	for (int i = 0; i < n; i++) {
		sab += (a[i] - ma) * (b[i] - mb);
		saa += (a[i] - ma) * (a[i] - ma);
		sbb += (b[i] - mb) * (b[i] - mb);
	}
	if (saa <= 0 || sbb <= 0)
		return 0;
	return sab / sqrt(saa * sbb);
}

