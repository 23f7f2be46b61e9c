/* Internal to src/specimen: deterministic random numbers and drawing
 * helpers shared by the page renderer and the distortion stage. */
#ifndef TDV_SPECIMEN_INTERNAL_H
#define TDV_SPECIMEN_INTERNAL_H

#include <stdint.h>

#include "tdv/image.h"
#include "tdv/specimen.h"

/* xoshiro256** seeded through splitmix64: the same sequence everywhere. */
typedef struct tdv__rng {
	uint64_t s[4];
} tdv__rng;

void tdv__rng_seed(tdv__rng *r, uint64_t seed);
uint64_t tdv__rng_next(tdv__rng *r);
double tdv__rng_unit(tdv__rng *r);                  /* [0, 1) */
double tdv__rng_range(tdv__rng *r, double lo, double hi);
int tdv__rng_int(tdv__rng *r, int n);               /* [0, n) */
double tdv__rng_gauss(tdv__rng *r);                 /* N(0, 1) */

/* Row-major 3x3 projective transform. */
typedef struct tdv__hmat {
	double m[9];
} tdv__hmat;

void tdv__hmat_apply(const tdv__hmat *h, double x, double y, double *ox, double *oy);

/* Layout of the rendered page, in page pixels. */
typedef struct tdv__page_layout {
	double mrz_x0, mrz_top, mrz_bottom; /* left edge of the first cell,
	                                       cap top of line 1, baseline of
	                                       the last line */
	double pitch;
	int nlines, nchars;
} tdv__page_layout;

/* Draw the data page (background, portrait, visual zone, MRZ). */
int tdv__page_render(tdv_font *font, const tdv_specimen *s,
    const tdv_specimen_opts *opts, tdv__rng *rng, tdv_image **page,
    tdv__page_layout *layout);

/* Place the page on the output canvas through the distortion. `fwd`
 * receives the page-to-output transform. */
int tdv__distort(tdv_font *font, const tdv_image *page,
    const tdv_specimen_distortion *d, tdv__rng *rng, tdv_image **out,
    tdv__hmat *fwd);

#endif
