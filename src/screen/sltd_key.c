/*
 * SLTD keys: document number normalisation, the order-preserving 64-bit
 * packing of numbers up to 12 characters, the hashed form of longer ones,
 * and the OCR-confusable folding (Doc 9303-3 §4.9 notes that OCR-B
 * readers confuse O/0, I/1 and similar shapes; numbers often mix them).
 */
#include "screen/sltd_int.h"

#include <string.h>

#include "tdv/error.h"

int
tdv_sltd_normalise_number(const char *in, char *out, size_t outsz)
{
	size_t n = 0;
	if (in == NULL || outsz == 0)
		return TDV_EINVAL;
	for (const char *p = in; *p != '\0'; p++) {
		char ch = *p;
		if (ch == ' ' || ch == '-' || ch == '/' || ch == '<' || ch == '.')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
			return TDV_EINVAL;
		if (n >= TDV_SLTD_NUMBER_MAX || n + 1 >= outsz)
			return TDV_EINVAL;
		out[n++] = ch;
	}
	if (n == 0)
		return TDV_EINVAL;
	out[n] = '\0';
	return TDV_OK;
}

int
tdv__sltd_state_code(const char *s, uint32_t *code)
{
	uint32_t v = 0;
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 3)
		return TDV_EINVAL;
	for (size_t i = 0; i < 3; i++) {
		uint32_t d = 0; /* filler */
		if (i < n) {
			char ch = s[i];
			if (ch >= 'a' && ch <= 'z')
				ch = (char)(ch - 'a' + 'A');
			if (ch == '<')
				d = 0;
			else if (ch >= 'A' && ch <= 'Z')
				d = (uint32_t)(ch - 'A' + 1);
			else
				return TDV_EINVAL;
		}
		v = v * 27 + d;
	}
	if (v == 0)
		return TDV_EINVAL;
	*code = v;
	return TDV_OK;
}

void
tdv__sltd_state_name(uint32_t code, char out[4])
{
	char t[3];
	for (int i = 2; i >= 0; i--) {
		uint32_t d = code % 27;
		code /= 27;
		t[i] = d == 0 ? '<' : (char)('A' + d - 1);
	}
	size_t n = 0;
	for (size_t i = 0; i < 3; i++)
		if (t[i] != '<')
			out[n++] = t[i];
	out[n] = '\0';
}

static uint32_t
char_code(char ch)
{
	if (ch >= '0' && ch <= '9')
		return (uint32_t)(ch - '0' + 1);
	return (uint32_t)(ch - 'A' + 11);
}

uint64_t
tdv__sltd_hash(const char *s, size_t n, uint64_t seed)
{
	/* FNV-1a with a splitmix64 finaliser: lists come from issuing
	 * authorities, so an unkeyed hash is enough; collisions are
	 * rechecked where the packed form allows. */
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

uint64_t
tdv__sltd_pack(const char *num)
{
	size_t n = strlen(num);
	if (n > TDV__SLTD_PACK_MAX)
		return tdv__sltd_hash(num, n, 0) | TDV__SLTD_HASHED;
	uint64_t v = 0;
	for (size_t i = 0; i < TDV__SLTD_PACK_MAX; i++)
		v = v * 37 + (i < n ? char_code(num[i]) : 0);
	return v;
}

bool
tdv__sltd_unpack(uint64_t v, char *out, size_t outsz)
{
	char t[TDV__SLTD_PACK_MAX + 1];
	if (v & TDV__SLTD_HASHED) {
		if (outsz > 0)
			out[0] = '\0';
		return false;
	}
	for (int i = TDV__SLTD_PACK_MAX - 1; i >= 0; i--) {
		uint32_t d = (uint32_t)(v % 37);
		v /= 37;
		t[i] = d == 0 ? '\0' : d <= 10 ? (char)('0' + d - 1) : (char)('A' + d - 11);
	}
	t[TDV__SLTD_PACK_MAX] = '\0';
	size_t n = strnlen(t, TDV__SLTD_PACK_MAX);
	if (n + 1 > outsz)
		return false;
	memcpy(out, t, n + 1);
	return true;
}

char
tdv__sltd_fold_char(char ch)
{
	switch (ch) {
	case 'O': case 'Q': case 'D': return '0';
	case 'I': case 'L': return '1';
	case 'Z': return '2';
	case 'S': return '5';
	case 'B': return '8';
	case 'G': return '6';
	default: return ch;
	}
}

uint64_t
tdv__sltd_conf_key(uint32_t state, const char *num)
{
	char f[TDV_SLTD_NUMBER_MAX + 8];
	size_t n = strlen(num);
	if (n > TDV_SLTD_NUMBER_MAX)
		n = TDV_SLTD_NUMBER_MAX;
	f[0] = (char)(state & 0xff);
	f[1] = (char)((state >> 8) & 0xff);
	f[2] = '|';
	for (size_t i = 0; i < n; i++)
		f[3 + i] = tdv__sltd_fold_char(num[i]);
	return tdv__sltd_hash(f, n + 3, 0x5171d5171dULL);
}

const char *
tdv_sltd_status_name(tdv_sltd_status s)
{
	switch (s) {
	case TDV_SLTD_LOST: return "lost";
	case TDV_SLTD_STOLEN: return "stolen";
	case TDV_SLTD_REVOKED: return "revoked";
	case TDV_SLTD_INVALIDATED: return "invalidated";
	}
	return "unknown";
}
