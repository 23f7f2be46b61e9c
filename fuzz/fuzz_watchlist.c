/*
 * Fuzz the watchlist: first byte 0 loads the rest as a CSV list, screens
 * a few travellers, saves the compiled file, maps it back and checks the
 * compiled list gives the same hits; first byte 1 maps the rest as a
 * compiled file (forged, truncated) and screens against it if it opens.
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
static char path[128];

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

static void
setup(void)
{
	if (dir[0] != '\0')
		return;
	snprintf(dir, sizeof(dir), "%s/tdv-fuzz-wl-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/f.wl", dir);
	atexit(cleanup);
}

static const char *const travellers[] = {"ERIKSSON<<ANNA<MARIA", "IVANOV IVAN",
    "MOHAMMED AHMED", "WANG<<WEI", "A"};

static size_t
screen(const tdv_watchlist *wl, size_t k, tdv_watch_hit *h, size_t max)
{
	tdv_traveller t;
	memset(&t, 0, sizeof(t));
	t.name = travellers[k];
	t.birth.year = 1974;
	t.sex = 'F';
	t.document_number = "L898902C3";
	size_t n = 0;
	if (tdv_watchlist_match(wl, &t, h, max, &n) != TDV_OK)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(h[i].score >= 0 && h[i].score <= 1) || h[i].id == NULL)
			abort();
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size < 1 || size > 65536)
		return 0;
	unsigned mode = data[0] % 2;
	data++;
	size--;
	unlink(path);
	static tdv_watch_hit h1[4], h2[4];
	size_t nt = sizeof(travellers) / sizeof(travellers[0]);
	if (mode == 1) {
		FILE *f = fopen(path, "wb");
		if (f == NULL)
			return 0;
		fwrite(data, 1, size, f);
		fclose(f);
		tdv_watchlist *wl = NULL;
		if (tdv_watchlist_open(path, &wl) == TDV_OK) {
			for (size_t k = 0; k < nt; k++)
				(void)screen(wl, k, h1, 4);
			tdv_watchlist_free(&wl);
		}
		return 0;
	}
	FILE *in = fmemopen((void *)(uintptr_t)data, size ? size : 1, "r");
	if (in == NULL)
		return 0;
	tdv_watchlist *wl = NULL;
	int rc = size ? tdv_watchlist_load_csv(in, 0, NULL, NULL, &wl, NULL) : TDV_EINVAL;
	fclose(in);
	if (rc != TDV_OK)
		return 0;
	tdv_watchlist *c = NULL;
	if (tdv_watchlist_save(wl, path, NULL) != TDV_OK ||
	    tdv_watchlist_open(path, &c) != TDV_OK)
		abort(); /* a list that loads must compile and map back */
	for (size_t k = 0; k < nt; k++) {
		size_t a = screen(wl, k, h1, 4), b = screen(c, k, h2, 4);
		if (a != b)
			abort();
		for (size_t i = 0; i < a; i++)
			if (h1[i].score != h2[i].score || strcmp(h1[i].id, h2[i].id) != 0)
				abort();
	}
	tdv_watchlist_free(&c);
	tdv_watchlist_free(&wl);
	return 0;
}
