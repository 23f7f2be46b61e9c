/*
 * SLTD index reader: maps the file read-only, checks every section
 * against the header and the file size before use, and answers exact and
 * OCR-confusable lookups by binary search (no allocation per lookup).
 */
#include "screen/sltd_int.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tdv/error.h"

struct tdv_sltd {
	const uint8_t *map;
	size_t size;
	struct tdv__sltd_hdr hdr;
	const struct tdv__sltd_rec *recs;
	const uint32_t *conf;
	const char **sources;
	/* Search levels above the records and conf entries, each every 64th
	 * entry of the one below: the fences (every 64th record / conf key,
	 * in the file; copied into memory by tdv_sltd_preload), then top
	 * and root (in memory, made at open). A lookup searches one block of
	 * at most 64 entries per level, its cache lines fetched together. */
	const struct tdv__sltd_rec *rfence;
	const uint64_t *cfence;
	uint64_t nfence;
	struct tdv__sltd_rec *rtop, *rroot;
	uint64_t *ctop, *croot;
	uint64_t ntop, nroot;
	void *hot;       /* preload: records, conf, fences, top and root
	                  * copied into (huge-page) memory */
	bool levels_in_hot; /* rtop..croot point into hot, not malloc'd */
	size_t hot_size;
};

void tdv__sltd_type_name(uint32_t t, char out[3]);
const struct tdv__sltd_rec *tdv__sltd_records(const tdv_sltd *idx, size_t *n);
const char *tdv__sltd_source(const tdv_sltd *idx, uint32_t id);
size_t tdv__sltd_nsources(const tdv_sltd *idx);
const uint32_t *tdv__sltd_conf(const tdv_sltd *idx);
long tdv__sltd_list_days(const tdv_sltd *idx);

const struct tdv__sltd_rec *
tdv__sltd_records(const tdv_sltd *idx, size_t *n)
{
	*n = (size_t)idx->hdr.nrecords;
	return idx->recs;
}

const char *
tdv__sltd_source(const tdv_sltd *idx, uint32_t id)
{
	return id < idx->hdr.nsources ? idx->sources[id] : "";
}

size_t
tdv__sltd_nsources(const tdv_sltd *idx)
{
	return (size_t)idx->hdr.nsources;
}

const uint32_t *
tdv__sltd_conf(const tdv_sltd *idx)
{
	return idx->conf;
}

long
tdv__sltd_list_days(const tdv_sltd *idx)
{
	return (long)idx->hdr.list_days;
}

static int
check_layout(tdv_sltd *x)
{
	const struct tdv__sltd_hdr *h = &x->hdr;
	if (x->size < sizeof(*h))
		return TDV_ESCREEN_INDEX;
	if (memcmp(h->magic, TDV__SLTD_MAGIC, 8) != 0 ||
	    h->endian != TDV__SLTD_ENDIAN || h->hdr_size != sizeof(*h))
		return TDV_ESCREEN_INDEX;
	if (h->file_size != x->size)
		return TDV_ESCREEN_INDEX; /* truncated or extended */
	if (h->nrecords > TDV_SLTD_MAX_RECORDS || h->nsources > TDV_SLTD_MAX_SOURCES)
		return TDV_ESCREEN_INDEX;
	if (h->list_days < 0 || h->list_days > 0xffff)
		return TDV_ESCREEN_INDEX;
	if (h->sources_off != sizeof(*h) || h->sources_len > x->size - h->sources_off)
		return TDV_ESCREEN_INDEX;
	if (h->records_off != (h->sources_off + h->sources_len + 7) / 8 * 8)
		return TDV_ESCREEN_INDEX;
	if (h->conf_off != h->records_off + h->nrecords * sizeof(struct tdv__sltd_rec) ||
	    h->fence_off != (h->conf_off + h->nrecords * 12 + 7) / 8 * 8 ||
	    h->file_size != h->fence_off + tdv__sltd_nfence(h->nrecords) *
	    (sizeof(struct tdv__sltd_rec) + 8))
		return TDV_ESCREEN_INDEX;
	return TDV_OK;
}

static int
load_sources(tdv_sltd *x)
{
	size_t ns = (size_t)x->hdr.nsources;
	x->sources = calloc(ns ? ns : 1, sizeof(*x->sources));
	if (x->sources == NULL)
		return TDV_ENOMEM;
	const char *p = (const char *)x->map + x->hdr.sources_off;
	const char *end = p + x->hdr.sources_len;
	for (size_t i = 0; i < ns; i++) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		if (z == NULL || z - p > TDV_SLTD_SOURCE_MAX)
			return TDV_ESCREEN_INDEX;
		x->sources[i] = p;
		p = z + 1;
	}
	return p == end ? TDV_OK : TDV_ESCREEN_INDEX;
}

int
tdv_sltd_open(const char *index_path, tdv_sltd **out)
{
	if (index_path == NULL || out == NULL)
		return TDV_EINVAL;
	*out = NULL;
	int fd = open(index_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return TDV_ENOENT;
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return TDV_ESCREEN_INDEX;
	}
	tdv_sltd *x = calloc(1, sizeof(*x));
	if (x == NULL) {
		close(fd);
		return TDV_ENOMEM;
	}
	x->size = (size_t)sb.st_size;
	if (x->size < sizeof(x->hdr)) {
		close(fd);
		free(x);
		return TDV_ESCREEN_INDEX;
	}
	void *m = mmap(NULL, x->size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		free(x);
		return TDV_EIO;
	}
	x->map = m;
	memcpy(&x->hdr, x->map, sizeof(x->hdr));
	int rc = check_layout(x);
	if (rc == TDV_OK)
		rc = load_sources(x);
	if (rc != TDV_OK) {
		tdv_sltd_free(&x);
		return rc;
	}
	x->recs = (const struct tdv__sltd_rec *)(const void *)(x->map + x->hdr.records_off);
	x->conf = (const uint32_t *)(const void *)(x->map + x->hdr.conf_off);
	x->nfence = tdv__sltd_nfence(x->hdr.nrecords);
	x->rfence = (const struct tdv__sltd_rec *)(const void *)(x->map + x->hdr.fence_off);
	x->cfence = (const uint64_t *)(const void *)(x->rfence + x->nfence);
	x->ntop = (x->nfence + TDV__SLTD_FENCE - 1) / TDV__SLTD_FENCE;
	x->nroot = (x->ntop + TDV__SLTD_FENCE - 1) / TDV__SLTD_FENCE;
	x->rtop = malloc((x->ntop ? x->ntop : 1) * sizeof(*x->rtop));
	x->ctop = malloc((x->ntop ? x->ntop : 1) * sizeof(*x->ctop));
	x->rroot = malloc((x->nroot ? x->nroot : 1) * sizeof(*x->rroot));
	x->croot = malloc((x->nroot ? x->nroot : 1) * sizeof(*x->croot));
	if (x->rtop == NULL || x->ctop == NULL || x->rroot == NULL || x->croot == NULL) {
		tdv_sltd_free(&x);
		return TDV_ENOMEM;
	}
	for (uint64_t i = 0; i < x->ntop; i++) {
		x->rtop[i] = x->rfence[i * TDV__SLTD_FENCE];
		x->ctop[i] = x->cfence[i * TDV__SLTD_FENCE];
	}
	for (uint64_t i = 0; i < x->nroot; i++) {
		x->rroot[i] = x->rtop[i * TDV__SLTD_FENCE];
		x->croot[i] = x->ctop[i * TDV__SLTD_FENCE];
	}
	/* Lookups jump around the records: no read-ahead from disk for them,
	 * but the fences are wanted in memory. */
	(void)madvise((void *)(uintptr_t)x->map, x->size, MADV_RANDOM);
	{
		uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
		uintptr_t a = (uintptr_t)(x->map + x->hdr.fence_off) & ~(pg - 1);
		(void)madvise((void *)a, (size_t)((uintptr_t)(x->map + x->size) - a), MADV_WILLNEED);
	}
	*out = x;
	return TDV_OK;
}

/*
 * Everything a lookup reads (records, confusable entries, first level)
 * copied into one anonymous allocation on huge pages where the kernel
 * gives them (THP "madvise" mode): a lookup then takes cache misses but
 * almost no TLB misses (with 4 KB pages of the mapping, each of its two or
 * three record pages cost a page walk, under virtualisation a
 * two-dimensional one). The mapping's pages of those sections are dropped
 * from this process afterwards (MADV_DONTNEED on a read-only file mapping:
 * they stay in the page cache, reclaimable), so the list is held about
 * once: 28.8 bytes per record resident, 2.9 GB for 100 million. When the
 * allocation fails the mapping is used as it is.
 */
static int
copy_hot(tdv_sltd *x)
{
	size_t n = (size_t)x->hdr.nrecords, nf = (size_t)x->nfence;
	size_t recb = n * sizeof(struct tdv__sltd_rec);
	size_t confb = (n * 12 + 7) / 8 * 8;
	size_t rfb = nf * sizeof(struct tdv__sltd_rec), cfb = nf * sizeof(uint64_t);
	size_t nt = (size_t)x->ntop, nr = (size_t)x->nroot;
	size_t rtb = nt * sizeof(struct tdv__sltd_rec), ctb = nt * sizeof(uint64_t);
	size_t rrb = nr * sizeof(struct tdv__sltd_rec), crb = nr * sizeof(uint64_t);
	/* the small levels first: they share the first huge page */
	size_t sz = rrb + crb + rtb + ctb + recb + confb + rfb + cfb;
	if (x->hot != NULL || sz == 0)
		return TDV_OK;
	size_t huge = (size_t)2 << 20;
	size_t al = sz >= huge ? huge : 64;
	size_t asz = (sz + al - 1) / al * al;
	void *m = NULL;
	if (posix_memalign(&m, al, asz) != 0)
		return TDV_ENOMEM;
#ifdef MADV_HUGEPAGE
	if (al == huge)
		(void)madvise(m, asz, MADV_HUGEPAGE);
#endif
	char *c = m;
	memcpy(c, x->rroot, rrb);
	memcpy(c + rrb, x->croot, crb);
	memcpy(c + rrb + crb, x->rtop, rtb);
	memcpy(c + rrb + crb + rtb, x->ctop, ctb);
	free(x->rroot);
	free(x->croot);
	free(x->rtop);
	free(x->ctop);
	x->rroot = (struct tdv__sltd_rec *)(void *)c;
	x->croot = (uint64_t *)(void *)(c + rrb);
	x->rtop = (struct tdv__sltd_rec *)(void *)(c + rrb + crb);
	x->ctop = (uint64_t *)(void *)(c + rrb + crb + rtb);
	x->levels_in_hot = true;
	c += rrb + crb + rtb + ctb;
	memcpy(c, x->recs, recb);
	memcpy(c + recb, x->conf, n * 12);
	memcpy(c + recb + confb, x->rfence, rfb);
	memcpy(c + recb + confb + rfb, x->cfence, cfb);
	/* The mapped copies are no longer read by lookups. */
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)(x->map + x->hdr.records_off) + pg - 1) & ~(pg - 1);
	uintptr_t hi = (uintptr_t)(x->map + x->size) & ~(pg - 1);
	if (hi > lo)
		(void)madvise((void *)lo, (size_t)(hi - lo), MADV_DONTNEED);
	x->hot = m;
	x->hot_size = asz;
	x->recs = (const struct tdv__sltd_rec *)(const void *)c;
	x->conf = (const uint32_t *)(const void *)(c + recb);
	x->rfence = (const struct tdv__sltd_rec *)(const void *)(c + recb + confb);
	x->cfence = (const uint64_t *)(const void *)(c + recb + confb + rfb);
	return TDV_OK;
}

int
tdv_sltd_preload(tdv_sltd *x)
{
	if (x == NULL)
		return TDV_EINVAL;
	void *a = (void *)(uintptr_t)x->map;
	bool done = false;
#ifdef MADV_POPULATE_READ
	done = madvise(a, x->size, MADV_POPULATE_READ) == 0;
#endif
	if (!done) {
		/* Older kernels: read one byte of every page. */
		size_t pg = (size_t)sysconf(_SC_PAGESIZE);
		volatile uint8_t sink = 0;
		for (size_t o = 0; o < x->size; o += pg)
			sink ^= x->map[o];
		(void)sink;
	}
	(void)copy_hot(x); /* without the copy the populated mapping serves */
	return TDV_OK;
}

void
tdv_sltd_free(tdv_sltd **idx)
{
	if (idx == NULL || *idx == NULL)
		return;
	tdv_sltd *x = *idx;
	if (x->map != NULL)
		munmap((void *)(uintptr_t)x->map, x->size);
	free(x->sources);
	if (!x->levels_in_hot) {
		free(x->rtop);
		free(x->ctop);
		free(x->rroot);
		free(x->croot);
	}
	free(x->hot);
	free(x);
	*idx = NULL;
}

int
tdv_sltd_verify(const tdv_sltd *x)
{
	struct tdv__sltd_hdr h = x->hdr;
	uint8_t want[32], got[32];
	memcpy(want, h.sha256, 32);
	memset(h.sha256, 0, 32);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int len = 0;
	int rc = TDV_ECRYPTO;
	if (md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, &h, sizeof(h)) == 1 &&
	    EVP_DigestUpdate(md, x->map + sizeof(h), x->size - sizeof(h)) == 1 &&
	    EVP_DigestFinal_ex(md, got, &len) == 1 && len == 32)
		rc = memcmp(want, got, 32) == 0 ? TDV_OK : TDV_ESCREEN_INDEX;
	EVP_MD_CTX_free(md);
	if (rc != TDV_OK)
		return rc;
	/* Records must be strictly sorted and conf entries in range. */
	for (uint64_t i = 1; i < x->hdr.nrecords; i++) {
		const struct tdv__sltd_rec *a = &x->recs[i - 1], *b = &x->recs[i];
		uint32_t sa = TDV__META_STATE(a->meta), sb = TDV__META_STATE(b->meta);
		if (sa > sb || (sa == sb && a->num >= b->num))
			return TDV_ESCREEN_INDEX;
	}
	for (uint64_t i = 0; i < x->nfence; i++) {
		const struct tdv__sltd_rec *r = &x->recs[i * TDV__SLTD_FENCE];
		const uint32_t *c = &x->conf[3 * i * TDV__SLTD_FENCE];
		if (memcmp(&x->rfence[i], r, sizeof(*r)) != 0 ||
		    x->cfence[i] != (((uint64_t)c[0] << 32) | c[1]))
			return TDV_ESCREEN_INDEX;
	}
	for (uint64_t i = 1; i < x->hdr.nrecords; i++)
		if ((((uint64_t)x->conf[3 * i - 3] << 32) | x->conf[3 * i - 2]) >
		    (((uint64_t)x->conf[3 * i] << 32) | x->conf[3 * i + 1]))
			return TDV_ESCREEN_INDEX;
	for (uint64_t i = 0; i < x->hdr.nrecords; i++)
		if (x->conf[3 * i + 2] >= x->hdr.nrecords ||
		    TDV__META_SOURCE(x->recs[i].meta) >= (x->hdr.nsources ? x->hdr.nsources : 1))
			return TDV_ESCREEN_INDEX;
	return TDV_OK;
}

void
tdv_sltd_info_get(const tdv_sltd *x, tdv_sltd_info *info)
{
	memset(info, 0, sizeof(*info));
	info->version = x->hdr.version;
	info->nrecords = x->hdr.nrecords;
	info->created = x->hdr.created;
	info->file_bytes = x->size;
	info->nsources = (unsigned)x->hdr.nsources;
	info->bytes_per_record = x->hdr.nrecords ?
	    (double)x->size / (double)x->hdr.nrecords : 0.0;
	/* days since 1970-01-01 back to a calendar date */
	long z = (long)x->hdr.list_days + 719468;
	long era = z / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp < 10 ? mp + 3 : mp - 9;
	long y = yoe + era * 400 + (m <= 2);
	info->list_date.year = (int)y;
	info->list_date.month = (int)m;
	info->list_date.day = (int)d;
}

static void
fill_record(const tdv_sltd *x, const struct tdv__sltd_rec *r,
    const char *query_num, tdv_sltd_record *out)
{
	memset(out, 0, sizeof(*out));
	tdv__sltd_state_name(TDV__META_STATE(r->meta), out->issuing_state);
	if (!tdv__sltd_unpack(r->num, out->document_number, sizeof(out->document_number)) &&
	    query_num != NULL)
		snprintf(out->document_number, sizeof(out->document_number), "%s", query_num);
	tdv__sltd_type_name(TDV__META_TYPE(r->meta), out->document_type);
	out->status = (tdv_sltd_status)TDV__META_STATUS(r->meta);
	tdv_sltd_info tmp;
	(void)tmp;
	long days = (long)TDV__META_DAYS(r->meta) + 719468;
	long era = days / 146097;
	long doe = days - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	out->reported.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	out->reported.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	out->reported.year = (int)(yoe + era * 400 + (out->reported.month <= 2));
	snprintf(out->source, sizeof(out->source), "%s",
	    tdv__sltd_source(x, TDV__META_SOURCE(r->meta)));
}

static bool
rec_less(const struct tdv__sltd_rec *r, uint32_t state, uint64_t num)
{
	uint32_t s = TDV__META_STATE(r->meta);
	return s < state || (s == state && r->num < num);
}

/*
 * The range [*lo, *hi) of a sampled array's parent in which the first
 * element >= key lies, given k, the position of the first sample >= key
 * (samples are elements 0, 64, 128, ... of the parent, n elements).
 */
static void
narrow(uint64_t k, uint64_t n, uint64_t *lo, uint64_t *hi)
{
	*lo = k > 0 ? (k - 1) * TDV__SLTD_FENCE + 1 : 0;
	*hi = k * TDV__SLTD_FENCE < n ? k * TDV__SLTD_FENCE : n;
	if (*lo > *hi)
		*lo = *hi;
}

/* Fetch the cache lines of [p, p + bytes) together (they are searched
 * next; their misses overlap instead of following one another). */
static inline void
prefetch_block(const void *p, size_t bytes)
{
	const char *c = p;
	for (size_t o = 0; o < bytes; o += 64)
		__builtin_prefetch(c + o);
	if (bytes > 0)
		__builtin_prefetch(c + bytes - 1);
}

static uint64_t
conf_at(const tdv_sltd *x, uint64_t i)
{
	return ((uint64_t)x->conf[3 * i] << 32) | x->conf[3 * i + 1];
}

/* First index in [lo, hi) of a record array whose key is >= (state, num). */
static uint64_t
rec_search(const struct tdv__sltd_rec *a, uint64_t lo, uint64_t hi, uint32_t state,
    uint64_t num)
{
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (rec_less(&a[mid], state, num))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint64_t
key_search(const uint64_t *a, uint64_t lo, uint64_t hi, uint64_t h)
{
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (a[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Both searches of a lookup, level by level in step: the first record
 * with key >= (state, num) in *ri, the first conf entry with key >= h in
 * *ci. Per level, the two blocks (at most 64 entries each) are fetched
 * together before either is searched, so a lookup waits for about one
 * memory access per level instead of one per halving step.
 */
static void
search_both(const tdv_sltd *x, uint32_t state, uint64_t num, uint64_t h, uint64_t *ri,
    uint64_t *ci)
{
	uint64_t rlo, rhi, clo, chi;
	uint64_t rk = rec_search(x->rroot, 0, x->nroot, state, num);
	uint64_t ck = key_search(x->croot, 0, x->nroot, h);
	narrow(rk, x->ntop, &rlo, &rhi);
	narrow(ck, x->ntop, &clo, &chi);
	prefetch_block(x->rtop + rlo, (size_t)(rhi - rlo) * sizeof(*x->rtop));
	prefetch_block(x->ctop + clo, (size_t)(chi - clo) * sizeof(*x->ctop));
	rk = rec_search(x->rtop, rlo, rhi, state, num);
	ck = key_search(x->ctop, clo, chi, h);
	narrow(rk, x->nfence, &rlo, &rhi);
	narrow(ck, x->nfence, &clo, &chi);
	prefetch_block(x->rfence + rlo, (size_t)(rhi - rlo) * sizeof(*x->rfence));
	prefetch_block(x->cfence + clo, (size_t)(chi - clo) * sizeof(*x->cfence));
	rk = rec_search(x->rfence, rlo, rhi, state, num);
	ck = key_search(x->cfence, clo, chi, h);
	narrow(rk, x->hdr.nrecords, &rlo, &rhi);
	narrow(ck, x->hdr.nrecords, &clo, &chi);
	prefetch_block(x->recs + rlo, (size_t)(rhi - rlo) * sizeof(*x->recs));
	prefetch_block(x->conf + 3 * clo, (size_t)(chi - clo) * 12);
	*ri = rec_search(x->recs, rlo, rhi, state, num);
	while (clo < chi) {
		uint64_t mid = clo + (chi - clo) / 2;
		if (conf_at(x, mid) < h)
			clo = mid + 1;
		else
			chi = mid;
	}
	*ci = clo;
}

/* True when record r's number folds to the same string as folded. */
static bool
conf_equal(const struct tdv__sltd_rec *r, const char *folded)
{
	char num[TDV__SLTD_PACK_MAX + 1];
	if (!tdv__sltd_unpack(r->num, num, sizeof(num)))
		return true; /* hashed long number: the 64-bit key decides */
	size_t n = strlen(num);
	if (n != strlen(folded))
		return false;
	for (size_t i = 0; i < n; i++)
		if (tdv__sltd_fold_char(num[i]) != folded[i])
			return false;
	return true;
}

int
tdv_sltd_lookup(const tdv_sltd *x, const char *state, const char *number,
    tdv_sltd_hit *hits, size_t maxhits, size_t *nhits)
{
	char num[TDV_SLTD_NUMBER_MAX + 1], folded[TDV_SLTD_NUMBER_MAX + 1];
	uint32_t sc;
	*nhits = 0;
	if (x == NULL || tdv__sltd_state_code(state, &sc) != TDV_OK ||
	    tdv_sltd_normalise_number(number, num, sizeof(num)) != TDV_OK)
		return TDV_EINVAL;
	uint64_t key = tdv__sltd_pack(num);
	uint64_t exact = UINT64_MAX;
	uint64_t h = tdv__sltd_conf_key(sc, num);
	uint64_t i, lo;
	search_both(x, sc, key, h, &i, &lo);
	if (i < x->hdr.nrecords && TDV__META_STATE(x->recs[i].meta) == sc &&
	    x->recs[i].num == key) {
		exact = i;
		if (*nhits < maxhits) {
			fill_record(x, &x->recs[i], num, &hits[*nhits].rec);
			hits[(*nhits)++].exact = true;
		}
	}
	size_t n = strlen(num);
	for (size_t k = 0; k <= n; k++)
		folded[k] = k < n ? tdv__sltd_fold_char(num[k]) : '\0';
	for (; lo < x->hdr.nrecords && conf_at(x, lo) == h && *nhits < maxhits; lo++) {
		uint32_t ri = x->conf[3 * lo + 2];
		if (ri >= x->hdr.nrecords || ri == exact)
			continue;
		const struct tdv__sltd_rec *r = &x->recs[ri];
		if (TDV__META_STATE(r->meta) != sc || !conf_equal(r, folded))
			continue;
		fill_record(x, r, NULL, &hits[*nhits].rec);
		hits[(*nhits)++].exact = false;
	}
	return TDV_OK;
}

int
tdv_sltd_check_fresh(const tdv_sltd *x, const tdv_date *today,
    int max_age_days, long *age_days)
{
	long age = tdv_date_to_days(today) - (long)x->hdr.list_days;
	if (age_days != NULL)
		*age_days = age;
	return age > max_age_days ? TDV_ESCREEN_STALE : TDV_OK;
}
