/*
 * Fuzz the SLTD list importer, the delta updater and the index reader.
 * First byte: 0 import the rest as a list CSV, then open, verify and look
 * up; 1 apply the rest as a delta to a small valid index; 2 map the rest
 * as an index file and look up in it (forged and truncated indexes).
 * Files live in a private directory under /dev/shm (or /tmp).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tdv/error.h"
#include "tdv/screen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char idx_path[128];

static const char base_list[] =
    "UTO,L898902C3,P,stolen,2026-01-10,UTO police\n"
    "UTO,D23145890,I,lost,2026-01-09,UTO police\n"
    "D,C01X00T47,P,revoked,2026-01-08,D BKA\n";

static void
cleanup(void)
{
	unlink(idx_path);
	rmdir(dir);
}

static void
setup(void)
{
	if (dir[0] != '\0')
		return;
	snprintf(dir, sizeof(dir), "%s/tdv-fuzz-sltd-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(idx_path, sizeof(idx_path), "%s/f.idx", dir);
	atexit(cleanup);
}

static void
probe(void)
{
	tdv_sltd *idx = NULL;
	if (tdv_sltd_open(idx_path, &idx) != TDV_OK)
		return;
	(void)tdv_sltd_verify(idx);
	tdv_sltd_info info;
	tdv_sltd_info_get(idx, &info);
	tdv_sltd_hit hits[4];
	size_t n;
	static const char *const q[][2] = {{"UTO", "L898902C3"}, {"UTO", "1898902C3"},
	    {"D", "C01X00T47"}, {"UTO", "ABCDEFGHIJKLMNOP"}, {"ZZZ", "0"}};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		(void)tdv_sltd_lookup(idx, q[i][0], q[i][1], hits, 4, &n);
	tdv_date today = {2026, 1, 11};
	(void)tdv_sltd_check_fresh(idx, &today, 2, NULL);
	tdv_sltd_free(&idx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size < 1 || size > 65536)
		return 0;
	unsigned mode = data[0] % 3;
	data++;
	size--;
	unlink(idx_path);
	if (mode == 2) {
		FILE *f = fopen(idx_path, "wb");
		if (f == NULL)
			return 0;
		fwrite(data, 1, size, f);
		fclose(f);
		probe();
		return 0;
	}
	if (mode == 1) {
		FILE *b = fmemopen((void *)(uintptr_t)base_list, sizeof(base_list) - 1, "r");
		if (b == NULL || tdv_sltd_import(b, idx_path, NULL, NULL) != TDV_OK)
			abort(); /* the base list is valid */
		fclose(b);
	}
	if (size == 0)
		return 0;
	FILE *in = fmemopen((void *)(uintptr_t)data, size, "r");
	if (in == NULL)
		return 0;
	tdv_sltd_import_stats st;
	if (mode == 0)
		(void)tdv_sltd_import(in, idx_path, NULL, &st);
	else
		(void)tdv_sltd_update(idx_path, in, NULL, &st);
	fclose(in);
	probe();
	return 0;
}
