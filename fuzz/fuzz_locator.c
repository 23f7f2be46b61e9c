/* libFuzzer target: the whole MRZ reader (binarisation, components,
 * locator, segmentation, classifier, correction) on arbitrary grey
 * pixels. The first byte chooses the width (16..526), bit 0 of the
 * second asks for a 2x upscale; the rest are the pixels, row by row (at
 * most 160 rows, so one input stays cheap). Inputs from the seed corpus are small renders
 * of MRZ-like rows so that mutations reach the deeper stages. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tdv/image.h"
#include "tdv/ocr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	static const tdv_date today = {2026, 1, 1};
	int w = 16 + 2 * data[0];
	int h = (int)((size - 2) / (size_t)w);
	if (h < 1)
		return 0;
	if (h > 160) /* bounded cost per input: at most 526 x 160 (x2) pixels */
		h = 160;
	if (data[1] & 1) {
		/* upscale x2 so that marks reach character size */
		tdv_image *img = NULL;
		if (tdv_image_new(w * 2, h * 2, 1, &img) != 0)
			return 0;
		for (int y = 0; y < h * 2; y++)
			for (int x = 0; x < w * 2; x++)
				img->data[(size_t)y * img->stride + (size_t)x] =
				    data[2 + (size_t)(y / 2) * (size_t)w + (size_t)(x / 2)];
		static tdv_ocr_result r;
		tdv_ocr_read(img, &today, &r);
		tdv_image_free(&img);
		return 0;
	}
	tdv_image view;
	memset(&view, 0, sizeof(view));
	view.width = w;
	view.height = h;
	view.channels = 1;
	view.stride = (size_t)w;
	view.data = (uint8_t *)(uintptr_t)(data + 2);
	static tdv_ocr_result r;
	tdv_ocr_read(&view, &today, &r);
	return 0;
}
