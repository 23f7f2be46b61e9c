/*
 * The data page itself: paper, guilloche-like security background, issuing
 * state header, portrait placeholder, visual inspection zone and the MRZ.
 * MRZ geometry after Doc 9303-3 §4.3 and Parts 4-6: OCR-B size I at ten
 * characters per inch, lines about 4.2 mm apart, the zone centred on the
 * page near its bottom edge. Page sizes: TD1 85.6 x 54.0 mm, TD2 105 x 74
 * mm, TD3 125 x 88 mm.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "specimen/specimen_internal.h"
#include "tdv/error.h"

#define MM_PER_INCH 25.4

static void
put_rgb(tdv_image *img, int x, int y, const uint8_t c[3], double alpha)
{
	if (x < 0 || y < 0 || x >= img->width || y >= img->height)
		return;
	uint8_t *p = img->data + (size_t)y * img->stride + (size_t)x * 3;
	for (int i = 0; i < 3; i++)
		p[i] = (uint8_t)lround(p[i] * (1.0 - alpha) + c[i] * alpha);
}

/* A splatted point with bilinear coverage: thin anti-aliased curves. */
static void
splat(tdv_image *img, double x, double y, const uint8_t c[3], double alpha)
{
	int ix = (int)floor(x), iy = (int)floor(y);
	double fx = x - ix, fy = y - iy;
	put_rgb(img, ix, iy, c, alpha * (1 - fx) * (1 - fy));
	put_rgb(img, ix + 1, iy, c, alpha * fx * (1 - fy));
	put_rgb(img, ix, iy + 1, c, alpha * (1 - fx) * fy);
	put_rgb(img, ix + 1, iy + 1, c, alpha * fx * fy);
}

static void
fill_rect(tdv_image *img, int x0, int y0, int x1, int y1, const uint8_t c[3])
{
	for (int y = y0 < 0 ? 0 : y0; y < y1 && y < img->height; y++)
		for (int x = x0 < 0 ? 0 : x0; x < x1 && x < img->width; x++) {
			uint8_t *p = img->data + (size_t)y * img->stride + (size_t)x * 3;
			memcpy(p, c, 3);
		}
}

static void
guilloche(tdv_image *img, tdv__rng *rng)
{
	double w = img->width, h = img->height;
	int ncurves = 3 + tdv__rng_int(rng, 3);
	for (int k = 0; k < ncurves; k++) {
		uint8_t c[3] = {(uint8_t)(150 + tdv__rng_int(rng, 80)),
		    (uint8_t)(150 + tdv__rng_int(rng, 80)),
		    (uint8_t)(150 + tdv__rng_int(rng, 80))};
		double cx = tdv__rng_range(rng, 0.2, 0.8) * w;
		double cy = tdv__rng_range(rng, 0.2, 0.8) * h;
		double R = tdv__rng_range(rng, 0.25, 0.6) * h;
		double r = R / (3 + tdv__rng_int(rng, 9)) * tdv__rng_range(rng, 0.9, 1.1);
		double d = r * tdv__rng_range(rng, 0.5, 1.6);
		double turns = 2 * M_PI * 8;
		int n = (int)(turns * (R + d) * 0.6);
		if (n > 400000)
			n = 400000;
		for (int i = 0; i < n; i++) {
			double t = turns * i / n;
			double x = cx + (R - r) * cos(t) + d * cos((R - r) / r * t);
			double y = cy + (R - r) * sin(t) - d * sin((R - r) / r * t);
			splat(img, x, y, c, 0.35);
		}
	}
	/* Fine wavy lines across the page. */
	uint8_t lc[3] = {(uint8_t)(190 + tdv__rng_int(rng, 40)), 215, (uint8_t)(190 + tdv__rng_int(rng, 40))};
	double amp = tdv__rng_range(rng, 0.01, 0.03) * h, per = tdv__rng_range(rng, 0.05, 0.12) * w;
	for (double y0 = 0; y0 < h; y0 += h / 28.0)
		for (double x = 0; x < w; x += 0.7)
			splat(img, x, y0 + amp * sin(2 * M_PI * x / per + y0), lc, 0.25);
}

static void
portrait(tdv_image *img, int x0, int y0, int x1, int y1, tdv__rng *rng)
{
	uint8_t bg[3] = {(uint8_t)(200 + tdv__rng_int(rng, 30)), (uint8_t)(210 + tdv__rng_int(rng, 30)), 228};
	fill_rect(img, x0, y0, x1, y1, bg);
	double w = x1 - x0, h = y1 - y0;
	double cx = x0 + w / 2, hy = y0 + h * 0.38;
	double rx = w * 0.24, ry = h * 0.22;
	uint8_t skin[3] = {(uint8_t)(120 + tdv__rng_int(rng, 80)), (uint8_t)(100 + tdv__rng_int(rng, 60)), 95};
	uint8_t cloth[3] = {60, 60, (uint8_t)(70 + tdv__rng_int(rng, 80))};
	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++) {
			double dx = (x - cx) / rx, dy = (y - hy) / ry;
			if (dx * dx + dy * dy <= 1.0) {
				put_rgb(img, x, y, skin, 1.0);
				continue;
			}
			/* shoulders: a wide ellipse from the bottom edge */
			double sx = (x - cx) / (w * 0.48), sy = (y - y1) / (h * 0.32);
			if (sx * sx + sy * sy <= 1.0)
				put_rgb(img, x, y, cloth, 1.0);
		}
}

static void
date_text(const tdv_date *d, char *out, size_t n)
{
	static const char *const mon[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
	    "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
	if (d->year == 0 || d->month < 1 || d->month > 12)
		snprintf(out, n, "--");
	else
		snprintf(out, n, "%02d %s %04d", d->day, mon[d->month - 1], d->year);
}

/* Page size in millimetres for a format. */
static void
page_mm(tdv_mrz_format f, double *w, double *h)
{
	switch (f) {
	case TDV_MRZ_TD1:
		*w = 85.6;
		*h = 53.98;
		break;
	case TDV_MRZ_TD2:
		*w = 105.0;
		*h = 74.0;
		break;
	default:
		*w = 125.0;
		*h = 88.0;
		break;
	}
}

int
tdv__page_render(tdv_font *font, const tdv_specimen *s, const tdv_specimen_opts *opts,
    tdv__rng *rng, tdv_image **page, tdv__page_layout *lay)
{
	double wmm, hmm;
	page_mm(opts->format, &wmm, &hmm);
	double px_per_mm = opts->dpi / MM_PER_INCH;
	int W = (int)lround(wmm * px_per_mm), H = (int)lround(hmm * px_per_mm);
	int rc = tdv_image_new(W, H, 3, page);
	if (rc != TDV_OK)
		return rc;
	tdv_image *img = *page;
	uint8_t paper[3] = {(uint8_t)(238 + tdv__rng_int(rng, 14)),
	    (uint8_t)(236 + tdv__rng_int(rng, 14)), (uint8_t)(228 + tdv__rng_int(rng, 20))};
	fill_rect(img, 0, 0, W, H, paper);
	guilloche(img, rng);

	const tdv_mrz *m = &s->mrz;
	int nlines = m->nlines;
	int nchars = (int)strlen(m->lines[0]);
	double pitch = px_per_mm * 2.54;
	double cap = px_per_mm * 2.4;
	double em = cap / tdv_font_cap_height(font);
	double spacing = px_per_mm * 4.2;
	double base_last = H - px_per_mm * 4.6;
	double x0 = (W - nchars * pitch) / 2.0;
	double base_first = base_last - (nlines - 1) * spacing;
	double mrz_top = base_first - cap;

	/* Header. */
	uint8_t ink_head[3] = {(uint8_t)(40 + tdv__rng_int(rng, 60)), 40, (uint8_t)(80 + tdv__rng_int(rng, 80))};
	uint8_t ink_label[3] = {90, 90, 110};
	uint8_t ink_text[3] = {25, 25, 40};
	double mm = px_per_mm;
	const char *title = opts->format == TDV_MRZ_TD3 ? "PASSPORT  PASSEPORT" : "IDENTITY CARD";
	if ((rc = tdv_font_draw(font, img, title, 5 * mm, 6 * mm, 3.2 * mm, 0, ink_head, NULL)) != TDV_OK)
		return rc;
	char state[48];
	snprintf(state, sizeof(state), "UTOPIA  %s", m->issuing_state);
	if ((rc = tdv_font_draw(font, img, state, W * 0.55, 6 * mm, 3.2 * mm, 0, ink_head, NULL)) != TDV_OK)
		return rc;

	/* Portrait. */
	double top = 9.5 * mm, bottom = mrz_top - 2.5 * mm;
	double ph = bottom - top, pw = ph * 0.78;
	if (pw > W * 0.32)
		pw = W * 0.32;
	portrait(img, (int)(4 * mm), (int)top, (int)(4 * mm + pw), (int)bottom, rng);

	/* Visual inspection zone: label above value. */
	char dob[24], doe[24], sex[4];
	date_text(&m->birth_date, dob, sizeof(dob));
	date_text(&m->expiry_date, doe, sizeof(doe));
	snprintf(sex, sizeof(sex), "%c", m->sex == 'X' ? 'X' : m->sex);
	const char *fields[][2] = {
	    {"Surname / Nom", s->surname_utf8},
	    {"Given names / Prenoms", s->given_names_utf8},
	    {"Nationality", m->nationality},
	    {"Date of birth", dob},
	    {"Sex", sex},
	    {"Document no.", m->document_number},
	    {"Date of expiry", doe},
	};
	double fx = 4 * mm + pw + 4 * mm, fy = top + 2.0 * mm;
	double row = (bottom - top) / 7.2;
	if (row > 5.6 * mm)
		row = 5.6 * mm;
	double label_em = row * 0.30, value_em = row * 0.46;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (fy + row > bottom + 1.5 * mm)
			break;
		/* The VIZ shows Latin-1 only; other scripts appear as the MRZ
		 * transliteration (as many states print both). */
		const char *v = fields[i][1];
		for (const unsigned char *p = (const unsigned char *)v; *p; p++)
			if (*p >= 0x80) {
				v = i == 0 ? m->surname : i == 1 ? m->given_names : v;
				break;
			}
		if ((rc = tdv_font_draw(font, img, fields[i][0], fx, fy, label_em, 0, ink_label, NULL)) != TDV_OK)
			return rc;
		if ((rc = tdv_font_draw(font, img, v, fx, fy + row * 0.52, value_em, 0, ink_text, NULL)) != TDV_OK)
			return rc;
		fy += row;
	}

	/* The MRZ: a clear band, then the lines at the fixed pitch. */
	uint8_t ink_mrz[3] = {(uint8_t)(10 + tdv__rng_int(rng, 20)), (uint8_t)(10 + tdv__rng_int(rng, 20)), (uint8_t)(15 + tdv__rng_int(rng, 25))};
	for (int l = 0; l < nlines; l++) {
		/* Small sub-pixel jitter per line, as real printers show. */
		double jx = tdv__rng_range(rng, -0.1, 0.1) * mm;
		double by = base_first + l * spacing;
		if ((rc = tdv_font_draw(font, img, m->lines[l], x0 + jx, by, em, pitch, ink_mrz, NULL)) != TDV_OK)
			return rc;
	}
	lay->mrz_x0 = x0;
	lay->mrz_top = mrz_top;
	lay->mrz_bottom = base_last;
	lay->pitch = pitch;
	lay->nlines = nlines;
	lay->nchars = nchars;
	return TDV_OK;
}
