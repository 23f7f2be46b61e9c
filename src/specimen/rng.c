/* Deterministic random numbers for specimens: xoshiro256** (Blackman and
 * Vigna, 2018) seeded through splitmix64, so that a seed gives the same
 * specimen on every machine. */
#include <math.h>

#include "specimen/specimen_internal.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
tdv__rng_seed(tdv__rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
tdv__rng_next(tdv__rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
tdv__rng_unit(tdv__rng *r)
{
	return (double)(tdv__rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double
tdv__rng_range(tdv__rng *r, double lo, double hi)
{
	return lo + (hi - lo) * tdv__rng_unit(r);
}

int
tdv__rng_int(tdv__rng *r, int n)
{
	if (n <= 1)
		return 0;
	return (int)(tdv__rng_next(r) % (uint64_t)n);
}

double
tdv__rng_gauss(tdv__rng *r)
{
	/* Marsaglia's polar method; the second value is dropped to keep the
	 * generator state a plain sequence. */
	double u, v, s;
	do {
		u = 2.0 * tdv__rng_unit(r) - 1.0;
		v = 2.0 * tdv__rng_unit(r) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	return u * sqrt(-2.0 * log(s) / s);
}
