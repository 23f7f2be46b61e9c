/*
 * Text rendering for specimens through FreeType: anti-aliased glyph
 * bitmaps, sub-pixel placement, optional fixed pitch (the MRZ is printed
 * at 10 characters per inch, Doc 9303-3 §4.3 / ISO 1073-2 OCR-B size I).
 */
#include "tdv/specimen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <ft2build.h>
#include FT_FREETYPE_H

#include "tdv/error.h"

struct tdv_font {
	FT_Library lib;
	FT_Face face;
	double cap_height; /* fraction of the em */
};

static const char *const default_fonts[] = {
	"/usr/share/fonts/opentype/ocr-b/OCRB.otf",
	"/usr/share/fonts/truetype/ocr-b/OCRB.ttf",
	"/usr/share/fonts/truetype/ocr-b/OCRB.otf",
	"/usr/local/share/fonts/OCRB.otf",
};

void
tdv_font_free(tdv_font **f)
{
	if (f == NULL || *f == NULL)
		return;
	if ((*f)->face != NULL)
		FT_Done_Face((*f)->face);
	if ((*f)->lib != NULL)
		FT_Done_FreeType((*f)->lib);
	free(*f);
	*f = NULL;
}

int
tdv_font_open(const char *path, tdv_font **out)
{
	if (out == NULL)
		return TDV_EINVAL;
	*out = NULL;
	tdv_font *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return TDV_ENOMEM;
	if (FT_Init_FreeType(&f->lib) != 0) {
		free(f);
		return TDV_EFONT;
	}
	int opened = 0;
	if (path != NULL) {
		opened = FT_New_Face(f->lib, path, 0, &f->face) == 0;
	} else {
		for (size_t i = 0; !opened && i < sizeof(default_fonts) / sizeof(default_fonts[0]); i++)
			opened = FT_New_Face(f->lib, default_fonts[i], 0, &f->face) == 0;
	}
	if (!opened) {
		f->face = NULL;
		tdv_font_free(&f);
		return TDV_EFONT;
	}
	/* Measure the capital height once at a large size. */
	f->cap_height = 0.7;
	if (FT_Set_Char_Size(f->face, 0, 1000 * 64, 72, 72) == 0 &&
	    FT_Load_Char(f->face, 'H', FT_LOAD_NO_HINTING) == 0 &&
	    f->face->glyph->metrics.height > 0)
		f->cap_height = (double)f->face->glyph->metrics.height / (1000.0 * 64.0);
	*out = f;
	return TDV_OK;
}

double
tdv_font_cap_height(const tdv_font *f)
{
	return f != NULL ? f->cap_height : 0.7;
}

/* Blend one coverage bitmap into the image at integer (ox, oy). */
static void
blit(tdv_image *img, const FT_Bitmap *bm, int ox, int oy, const uint8_t ink[3])
{
	for (unsigned r = 0; r < bm->rows; r++) {
		int y = oy + (int)r;
		if (y < 0 || y >= img->height)
			continue;
		const uint8_t *src = bm->buffer + (long)r * bm->pitch;
		uint8_t *row = img->data + (size_t)y * img->stride;
		for (unsigned c = 0; c < bm->width; c++) {
			int x = ox + (int)c;
			unsigned a = src[c];
			if (a == 0 || x < 0 || x >= img->width)
				continue;
			for (int ch = 0; ch < img->channels; ch++) {
				uint8_t *p = row + (size_t)x * (size_t)img->channels + (size_t)ch;
				*p = (uint8_t)((*p * (255u - a) + ink[ch] * a + 127u) / 255u);
			}
		}
	}
}

int
tdv_font_draw(tdv_font *f, tdv_image *img, const char *text, double x, double y,
    double em_px, double pitch, const uint8_t ink[3], double *advance)
{
	if (f == NULL || img == NULL || img->data == NULL || text == NULL ||
	    ink == NULL || !(em_px > 1.0 && em_px < 2000.0) ||
	    (img->channels != 1 && img->channels != 3))
		return TDV_EINVAL;
	if (FT_Set_Char_Size(f->face, 0, (FT_F26Dot6)lround(em_px * 64.0), 72, 72) != 0)
		return TDV_EFONT;
	double pen = x;
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
		double gx = pen, gy = y;
		if (pitch > 0) {
			/* Centre the glyph in its fixed-pitch cell. */
			FT_Set_Transform(f->face, NULL, NULL);
			if (FT_Load_Char(f->face, *p, FT_LOAD_NO_HINTING) != 0)
				return TDV_EFONT;
			gx += (pitch - (double)f->face->glyph->advance.x / 64.0) / 2.0;
		}
		double ix = floor(gx), iy = floor(gy);
		FT_Vector delta = {(FT_Pos)lround((gx - ix) * 64.0),
		    (FT_Pos)lround(-(gy - iy) * 64.0)};
		FT_Set_Transform(f->face, NULL, &delta);
		if (FT_Load_Char(f->face, *p, FT_LOAD_RENDER | FT_LOAD_NO_HINTING) != 0)
			return TDV_EFONT;
		FT_GlyphSlot g = f->face->glyph;
		if (g->bitmap.pixel_mode == FT_PIXEL_MODE_GRAY)
			blit(img, &g->bitmap, (int)ix + g->bitmap_left,
			    (int)iy - g->bitmap_top, ink);
		pen += pitch > 0 ? pitch : (double)g->advance.x / 64.0;
	}
	FT_Set_Transform(f->face, NULL, NULL);
	if (advance != NULL)
		*advance = pen - x;
	return TDV_OK;
}
