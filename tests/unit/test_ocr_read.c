/*
 * The MRZ reader on the fixed image set in tests/data/ocr (MANIFEST: one
 * image per line with the generator command that made it): every image
 * must read exactly right, with the MRZ corners where the generator put
 * them. Then images without an MRZ (the same page with the MRZ painted
 * out, a TD1 with one line painted out - reported as two rows of about
 * 30 -, random noise, a blank page, a tiny image) must give "no MRZ",
 * and a caller-owned camera frame must be read without copies of files.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/image.h"
#include "tdv/ocr.h"
#include "tdv_test.h"

#define DIR TDV_TEST_DATA "/ocr"

static const tdv_date today = {2026, 1, 1};
static tdv_ocr_result r;

/* Read image `name` and compare with its truth file; returns 1 if right. */
static int
check_image(const char *name)
{
	char path[512], tpath[512];
	snprintf(path, sizeof(path), "%s/%s", DIR, name);
	snprintf(tpath, sizeof(tpath), "%s", path);
	char *dot = strrchr(tpath, '.');
	if (dot == NULL)
		return 0;
	snprintf(dot, sizeof(tpath) - (size_t)(dot - tpath), ".json");
	json_error_t err;
	json_t *truth = json_load_file(tpath, 0, &err);
	CHECK(truth != NULL);
	if (truth == NULL)
		return 0;
	tdv_image *img = NULL;
	int rc = tdv_image_read_file(path, NULL, 1, &img);
	CHECK_INT(rc, TDV_OK);
	int ok = 0;
	if (rc == TDV_OK) {
		rc = tdv_ocr_read(img, &today, &r);
		CHECK_INT(rc, TDV_OK);
		json_t *lines = json_object_get(truth, "lines");
		ok = rc == TDV_OK && (size_t)r.nlines == json_array_size(lines);
		for (int l = 0; ok && l < r.nlines; l++) {
			const char *want = json_string_value(json_array_get(lines, (size_t)l));
			if (want == NULL || strcmp(r.lines[l], want) != 0) {
				fprintf(stderr, "%s line %d:\n  read %s\n  want %s\n  raw  %s\n", name,
				    l + 1, r.lines[l], want ? want : "?", r.raw[l]);
				ok = 0;
			}
		}
		if (ok && !r.mrz.valid) {
			fprintf(stderr, "%s: read right but not valid?\n", name);
			ok = 0;
		}
		/* corners within a character pitch of the generator's */
		json_t *quad = json_object_get(truth, "quad");
		double pitch = json_number_value(json_object_get(truth, "pitch"));
		for (int i = 0; ok && i < 4; i++) {
			json_t *pt = json_array_get(quad, (size_t)i);
			double dx = r.quad[i][0] - json_number_value(json_array_get(pt, 0));
			double dy = r.quad[i][1] - json_number_value(json_array_get(pt, 1));
			if (hypot(dx, dy) > pitch) {
				fprintf(stderr, "%s: corner %d off by %.1f px (pitch %.1f)\n", name, i,
				    hypot(dx, dy), pitch);
				ok = 0;
			}
		}
		if (ok)
			for (int l = 0; l < r.nlines; l++)
				CHECK(r.confidence[l] > 0.5 && r.confidence[l] <= 1.0);
	}
	tdv_image_free(&img);
	json_decref(truth);
	return ok;
}

static void
test_ocr_reads_every_image_in_the_fixed_set(void)
{
	FILE *f = fopen(DIR "/MANIFEST", "r");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	char line[1024];
	int n = 0, right = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char name[256];
		size_t k = strcspn(line, " \t\n");
		if (k == 0 || k >= sizeof(name))
			continue;
		memcpy(name, line, k);
		name[k] = '\0';
		n++;
		int ok = check_image(name);
		CHECK(ok);
		right += ok;
		printf("  %s %s\n", ok ? "read" : "MISREAD", name);
	}
	fclose(f);
	CHECK(n >= 12);
	printf("  %d of %d images read exactly\n", right, n);
}

static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static void
test_ocr_no_mrz_in_painted_out_noise_blank_tiny(void)
{
	/* The first fixed image with its MRZ painted over with paper. */
	tdv_image *img = NULL;
	CHECK_INT(tdv_image_read_file(DIR "/td3-clean.png", NULL, 1, &img), TDV_OK);
	if (img != NULL) {
		CHECK_INT(tdv_ocr_read(img, &today, &r), TDV_OK);
		int y0 = (int)fmin(r.quad[0][1], r.quad[1][1]) - 10;
		int y1 = (int)fmax(r.quad[2][1], r.quad[3][1]) + 10;
		for (int y = y0 < 0 ? 0 : y0; y < y1 && y < img->height; y++)
			memset(img->data + (size_t)y * img->stride, 235, (size_t)img->width);
		CHECK_INT(tdv_ocr_read(img, &today, &r), TDV_EOCR_NOMRZ);
		/* it looked: marks and rows of the visual zone were seen */
		CHECK(r.search.marks > 20);
		CHECK(r.search.width == img->width);
		tdv_image_free(&img);
	}
	/* A TD1 with its third line painted out: no MRZ, but the report says
	 * two rows of about 30 characters were seen. */
	CHECK_INT(tdv_image_read_file(DIR "/td1-clean.png", NULL, 1, &img), TDV_OK);
	if (img != NULL) {
		CHECK_INT(tdv_ocr_read(img, &today, &r), TDV_OK);
		CHECK_INT(r.nlines, 3);
		double top = fmin(r.quad[0][1], r.quad[1][1]), bot = fmax(r.quad[2][1], r.quad[3][1]);
		int y0 = (int)(top + (bot - top) * 0.72), y1 = (int)bot + 10;
		for (int y = y0 < 0 ? 0 : y0; y < y1 && y < img->height; y++)
			memset(img->data + (size_t)y * img->stride, 235, (size_t)img->width);
		CHECK_INT(tdv_ocr_read(img, &today, &r), TDV_EOCR_NOMRZ);
		CHECK_INT(r.search.band_lines, 2);
		CHECK(r.search.band_chars >= 28 && r.search.band_chars <= 32);
		tdv_image_free(&img);
	}
	/* random noise */
	CHECK_INT(tdv_image_new(1200, 800, 1, &img), TDV_OK);
	uint32_t s = 12345;
	for (size_t i = 0; i < (size_t)1200 * 800; i++)
		img->data[i] = (uint8_t)lcg(&s);
	int rc = tdv_ocr_read(img, &today, &r);
	CHECK(rc == TDV_EOCR_NOMRZ || rc == TDV_ELIMIT);
	/* blank */
	memset(img->data, 200, (size_t)1200 * 800);
	CHECK_INT(tdv_ocr_read(img, &today, &r), TDV_EOCR_NOMRZ);
	CHECK_INT(r.search.marks, 0);
	tdv_image_free(&img);
	/* tiny */
	CHECK_INT(tdv_image_new(3, 2, 1, &img), TDV_OK);
	CHECK_INT(tdv_ocr_read(img, &today, &r), TDV_EOCR_NOMRZ);
	tdv_image_free(&img);
	CHECK_INT(tdv_ocr_read(NULL, &today, &r), TDV_EINVAL);
}

/* A camera frame in the caller's own memory with row padding: no copy of
 * a file, no ownership taken. */
static void
test_ocr_reads_caller_frame_with_stride(void)
{
	tdv_image *src = NULL;
	CHECK_INT(tdv_image_read_file(DIR "/td1-clean.png", NULL, 3, &src), TDV_OK);
	if (src == NULL)
		return;
	size_t stride = src->stride + 64;
	uint8_t *frame = malloc(stride * (size_t)src->height);
	CHECK(frame != NULL);
	if (frame == NULL)
		return;
	for (int y = 0; y < src->height; y++) {
		memcpy(frame + (size_t)y * stride, src->data + (size_t)y * src->stride, src->stride);
		memset(frame + (size_t)y * stride + src->stride, 0, 64);
	}
	tdv_image view = {src->width, src->height, 3, stride, frame};
	CHECK_INT(tdv_ocr_read(&view, &today, &r), TDV_OK);
	CHECK(r.mrz.valid);
	CHECK_INT(r.nlines, 3);
	free(frame);
	tdv_image_free(&src);
}

int
main(void)
{
	RUN(test_ocr_reads_every_image_in_the_fixed_set);
	RUN(test_ocr_no_mrz_in_painted_out_noise_blank_tiny);
	RUN(test_ocr_reads_caller_frame_with_stride);
	TEST_EXIT();
}
