/*
 * Internal layout of the SLTD index file (native byte order; the header
 * records it and a file from a machine of the other order is refused).
 *
 *   header    128 bytes (struct tdv__sltd_hdr)
 *   sources   NUL-terminated source names, nsources of them
 *   records   nrecords x 16 bytes, sorted by (state, packed number)
 *   conf      nrecords x 12 bytes: (conf key hi, lo, record index) as
 *             three uint32, sorted by conf key
 *   fences    (8-aligned) nfence x 16 bytes: a copy of every 64th record
 *             (records 0, 64, 128, ...), then nfence x 8 bytes: every
 *             64th conf key; nfence = ceil(nrecords / 64)
 *
 * The fences are the first level above the records: the reader keeps
 * every 64th fence (top) and every 64th of those (root) in memory, and
 * tdv_sltd_preload copies root, top, records, confusable entries and
 * fences into one allocation of their own (huge pages where available). A lookup searches the root, then one
 * block of at most 64 entries per level (top, fences, records), doing the
 * exact and the confusable search in step and fetching the cache lines
 * of both blocks of a level together: about one memory wait per level.
 * 28.375 bytes per record: 100 million records fit in 2.84 GB.
 */
#ifndef TDV_SCREEN_SLTD_INT_H
#define TDV_SCREEN_SLTD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdv/screen.h"

#define TDV__SLTD_MAGIC "TDVSLTD2" /* 1: without fences (refused) */
#define TDV__SLTD_ENDIAN 0x01020304u
#define TDV__SLTD_PACK_MAX 12
#define TDV__SLTD_HASHED (1ULL << 63)
#define TDV__SLTD_FENCE 64 /* records per fence */

struct tdv__sltd_hdr {
	char magic[8];
	uint32_t endian;
	uint32_t hdr_size;
	uint64_t version;
	uint64_t nrecords;
	int64_t created;
	int64_t list_days;
	uint64_t nsources;
	uint64_t sources_off;
	uint64_t sources_len;
	uint64_t records_off;
	uint64_t conf_off;
	uint64_t file_size;
	uint8_t sha256[32];
	uint64_t fence_off; /* record fences, then conf fences */
};

/* meta: state 15 bits | type 10 | status 3 | days 16 | source 16 | flags 4 */
struct tdv__sltd_rec {
	uint64_t num;
	uint64_t meta;
};

#define TDV__META(state, type, status, days, source)                          \
	(((uint64_t)(state) << 49) | ((uint64_t)(type) << 39) |                \
	    ((uint64_t)(status) << 36) | ((uint64_t)(days) << 20) |            \
	    ((uint64_t)(source) << 4))
#define TDV__META_STATE(m) ((uint32_t)((m) >> 49) & 0x7fffu)
#define TDV__META_TYPE(m) ((uint32_t)((m) >> 39) & 0x3ffu)
#define TDV__META_STATUS(m) ((uint32_t)((m) >> 36) & 0x7u)
#define TDV__META_DAYS(m) ((uint32_t)((m) >> 20) & 0xffffu)
#define TDV__META_SOURCE(m) ((uint32_t)((m) >> 4) & 0xffffu)

int tdv__sltd_state_code(const char *s, uint32_t *code);
void tdv__sltd_state_name(uint32_t code, char out[4]);
uint64_t tdv__sltd_hash(const char *s, size_t n, uint64_t seed);
uint64_t tdv__sltd_pack(const char *num);
bool tdv__sltd_unpack(uint64_t v, char *out, size_t outsz);
char tdv__sltd_fold_char(char ch);
uint64_t tdv__sltd_conf_key(uint32_t state, const char *num);

static inline uint64_t
tdv__sltd_nfence(uint64_t nrecords)
{
	return (nrecords + TDV__SLTD_FENCE - 1) / TDV__SLTD_FENCE;
}

#endif
