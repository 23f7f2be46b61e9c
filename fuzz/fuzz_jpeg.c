/* libFuzzer target: JPEG decoding (tdv_image_decode_jpeg) under small
 * limits, grey and RGB output. */
#include <stddef.h>
#include <stdint.h>

#include "tdv/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tdv_image_limits lim = {4096, (size_t)4 * 1000 * 1000};
	tdv_image *img = NULL;
	for (int ch = 1; ch <= 3; ch += 2) {
		if (tdv_image_decode_jpeg(data, size, &lim, ch, &img) == 0) {
			/* touch every pixel: the buffer must be as large as claimed */
			unsigned acc = 0;
			for (int y = 0; y < img->height; y++)
				acc += img->data[(size_t)y * img->stride + (size_t)(img->width * ch - 1)];
			(void)acc;
		}
		tdv_image_free(&img);
	}
	return 0;
}
