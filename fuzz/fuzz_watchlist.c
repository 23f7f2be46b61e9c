/*
 * Fuzz the watchlist: first byte 0 loads the rest as a CSV list, screens
 * a few travellers, saves the compiled file, maps it back and checks the
 * compiled list gives the same hits; first byte 1 maps the rest as a
 * compiled file (forged, truncated) and screens against it if it opens;
 * first byte 2 screens the rest as a traveller's name against a fixed
 * list (compounds, initials, several scripts) and checks every hit's name
 * score equals tdv_names_compare on the pair. Files live in a private directory under /dev/shm (or /tmp).
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

/* Mode 2: a fuzzed traveller name against a fixed list. */
static const char fixed_list[] =
    "id,names,birth_date,nationality,sex,documents,reason,action\n"
    "A1,AL TAMIMI AHMED SALEH,1970,UTO,M,,r,a\n"
    "A2,ABDULRAHMAN MOHAMMED|ABDUL RAHMAN MOHAMMED,1965,UTO,M,,r,a\n"
    "A3,VOLKOVA SVETLANA GENNADYEVNA|\xd0\x92\xd0\xbe\xd0\xbb\xd0\xba\xd0\xbe\xd0\xb2\xd0\xb0 \xd0\xa1\xd0\xb2\xd0\xb5\xd1\x82\xd0\xbb\xd0\xb0\xd0\xbd\xd0\xb0,1975,UTO,F,,r,a\n"
    "A4,ERIKSSON ANNA MARIA,1974-08-12,UTO,F,L898902C3,r,a\n"
    "A5,SOMSACK PHOMMAVONG|VAN DER BERG JAN,1978,UTO,M,,r,a\n"
    "A6,WANG WEI,1980,UTO,M,,r,a\n";

static int
screen_name(const uint8_t *data, size_t size)
{
	static tdv_watchlist *fixed;
	if (fixed == NULL) {
		FILE *in = fmemopen((void *)(uintptr_t)fixed_list, sizeof(fixed_list) - 1, "r");
		if (in == NULL || tdv_watchlist_load_csv(in, 0, NULL, NULL, &fixed, NULL) != TDV_OK)
			abort();
		fclose(in);
	}
	char name[1024];
	if (size >= sizeof(name))
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';
	tdv_traveller t;
	memset(&t, 0, sizeof(t));
	t.name = name;
	static tdv_watch_hit h[8];
	size_t n = 0;
	if (tdv_watchlist_match(fixed, &t, h, 8, &n) != TDV_OK)
		return 0;
	static tdv_name_result r;
	for (size_t i = 0; i < n; i++) {
		if (!(h[i].score >= 0 && h[i].score <= 1) || h[i].matched_name == NULL)
			abort();
		if (tdv_names_compare(name, strlen(name), h[i].matched_name, strlen(h[i].matched_name),
			0, &r) != TDV_OK || r.score != h[i].name_score)
			abort(); /* the watchlist scores as the pairwise matcher */
	}
	return 0;
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
	if (mode == 2)
		return screen_name(data, size);
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
