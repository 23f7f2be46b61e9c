/* Specimen generator: correct MRZs, deterministic images, truth records,
 * option checking. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/specimen.h"
#include "tdv_test.h"

static tdv_font *font;
static const tdv_date today = {2026, 1, 1};

static void
test_specimen_font_opens(void)
{
	CHECK_INT(tdv_font_open(NULL, &font), TDV_OK);
	CHECK(font != NULL);
	double cap = tdv_font_cap_height(font);
	CHECK(cap > 0.5 && cap < 0.9);
	tdv_font *bad = NULL;
	CHECK_INT(tdv_font_open("/nonexistent/font.otf", &bad), TDV_EFONT);
	CHECK(bad == NULL);
}

static void
test_specimen_every_format_has_a_valid_mrz(void)
{
	static const tdv_mrz_format fmts[] = {TDV_MRZ_TD1, TDV_MRZ_TD2, TDV_MRZ_TD3};
	static const int nl[] = {3, 2, 2}, nc[] = {30, 36, 44};
	for (int f = 0; f < 3; f++)
		for (uint64_t seed = 1; seed <= 4; seed++) {
			tdv_specimen_opts o;
			memset(&o, 0, sizeof(o));
			o.format = fmts[f];
			o.seed = seed;
			o.dpi = 150;
			tdv_specimen s;
			CHECK_INT(tdv_specimen_generate(font, &o, &today, &s), TDV_OK);
			CHECK_INT(s.mrz.nlines, nl[f]);
			CHECK_INT((long long)strlen(s.mrz.lines[0]), nc[f]);
			const char *ptrs[3] = {s.mrz.lines[0], s.mrz.lines[1], s.mrz.lines[2]};
			size_t lens[3] = {strlen(ptrs[0]), strlen(ptrs[1]), strlen(ptrs[2])};
			tdv_mrz m;
			CHECK_INT(tdv_mrz_parse(ptrs, lens, s.mrz.nlines, &today, &m), TDV_OK);
			CHECK(m.valid);
			CHECK(s.image != NULL && s.image->channels == 3);
			for (int i = 0; i < 4 && s.image != NULL; i++) {
				CHECK(s.quad[i][0] > 0 && s.quad[i][0] < s.image->width);
				CHECK(s.quad[i][1] > 0 && s.quad[i][1] < s.image->height);
			}
			/* 10 characters per inch at 150 dpi */
			CHECK(fabs(s.pitch_px - 15.0) < 0.01);
			tdv_specimen_clear(&s);
			CHECK(s.image == NULL);
		}
}

static void
test_specimen_is_deterministic(void)
{
	tdv_specimen_opts o;
	memset(&o, 0, sizeof(o));
	o.format = TDV_MRZ_TD3;
	o.seed = 42;
	o.dpi = 150;
	tdv_specimen_distortion_for_level(3, 42, &o.distortion);
	o.distortion.clutter = true;
	tdv_specimen a, b;
	CHECK_INT(tdv_specimen_generate(font, &o, &today, &a), TDV_OK);
	CHECK_INT(tdv_specimen_generate(font, &o, &today, &b), TDV_OK);
	CHECK(a.image->width == b.image->width && a.image->height == b.image->height);
	CHECK(memcmp(a.image->data, b.image->data,
		  (size_t)a.image->height * a.image->stride) == 0);
	CHECK_STR(a.mrz.lines[1], b.mrz.lines[1]);
	tdv_specimen_clear(&b);
	o.seed = 43;
	CHECK_INT(tdv_specimen_generate(font, &o, &today, &b), TDV_OK);
	CHECK(strcmp(a.mrz.lines[1], b.mrz.lines[1]) != 0);
	tdv_specimen_clear(&a);
	tdv_specimen_clear(&b);
}

static void
test_specimen_distortion_levels(void)
{
	tdv_specimen_distortion d;
	tdv_specimen_distortion_for_level(0, 7, &d);
	CHECK(d.rotate_deg == 0 && !d.upside_down && d.jpeg_quality == 0 && d.noise == 0);
	int upside = 0, jpeg_low = 0;
	for (uint64_t s = 0; s < 300; s++) {
		tdv_specimen_distortion_for_level(3, s, &d);
		CHECK(fabs(d.rotate_deg) <= 20.0);
		CHECK(d.jpeg_quality == 0 || (d.jpeg_quality >= 30 && d.jpeg_quality <= 100));
		upside += d.upside_down;
		jpeg_low += d.jpeg_quality > 0 && d.jpeg_quality < 40;
	}
	CHECK(upside > 20 && upside < 100);
	CHECK(jpeg_low > 0);
}

static void
test_specimen_truth_and_encoding(void)
{
	tdv_specimen_opts o;
	memset(&o, 0, sizeof(o));
	o.format = TDV_MRZ_TD1;
	o.seed = 9;
	o.dpi = 150;
	o.distortion.jpeg_quality = 60;
	tdv_specimen s;
	CHECK_INT(tdv_specimen_generate(font, &o, &today, &s), TDV_OK);
	tdv_buf b;
	tdv_buf_init(&b, 1 << 24);
	CHECK_INT(tdv_specimen_encode(&s, &o.distortion, &b), TDV_OK);
	CHECK_INT(tdv_image_sniff(b.data, b.len), TDV_IMAGE_JPEG);
	tdv_buf_reset(&b);
	CHECK_INT(tdv_specimen_truth_json(&s, &o, &b), TDV_OK);
	json_error_t err;
	json_t *v = json_loadb((const char *)b.data, b.len, 0, &err);
	CHECK(v != NULL);
	if (v != NULL) {
		CHECK_STR(json_string_value(json_object_get(v, "format")), "TD1");
		json_t *lines = json_object_get(v, "lines");
		CHECK(json_array_size(lines) == 3);
		CHECK_STR(json_string_value(json_array_get(lines, 2)), s.mrz.lines[2]);
		CHECK(json_array_size(json_object_get(v, "quad")) == 4);
		CHECK(json_is_object(json_object_get(v, "fields")));
		CHECK_INT(json_integer_value(json_object_get(v, "seed")), 9);
		json_decref(v);
	}
	tdv_buf_free(&b);
	tdv_specimen_clear(&s);
}

static void
test_specimen_rejects_bad_options(void)
{
	tdv_specimen_opts o;
	memset(&o, 0, sizeof(o));
	tdv_specimen s;
	o.format = TDV_MRZ_MRVA;
	CHECK_INT(tdv_specimen_generate(font, &o, &today, &s), TDV_EINVAL);
	o.format = TDV_MRZ_TD3;
	o.dpi = 50;
	CHECK_INT(tdv_specimen_generate(font, &o, &today, &s), TDV_EINVAL);
	o.dpi = 150;
	const char *lines[2] = {"SHORT", "LINES"};
	o.lines = lines;
	o.nlines = 2;
	CHECK_INT(tdv_specimen_generate(font, &o, &today, &s), TDV_EINVAL);
	CHECK_INT(tdv_specimen_generate(NULL, &o, &today, &s), TDV_EINVAL);
}

int
main(void)
{
	RUN(test_specimen_font_opens);
	if (font == NULL)
		return 1;
	RUN(test_specimen_every_format_has_a_valid_mrz);
	RUN(test_specimen_is_deterministic);
	RUN(test_specimen_distortion_levels);
	RUN(test_specimen_truth_and_encoding);
	RUN(test_specimen_rejects_bad_options);
	tdv_font_free(&font);
	TEST_EXIT();
}
