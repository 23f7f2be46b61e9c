/* Shared by the PA tests: a throw-away test PKI and a specimen person. */
#ifndef PA_TEST_PKI_H
#define PA_TEST_PKI_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tdv/error.h"
#include "tdv/pa.h"
#include "tdv/pki.h"

static char pki_dir[256];

/* rm -r of the test's own directory (two levels deep at most). */
static inline void
rm_tree(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char p[1024];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int n = snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (n < 0 || (size_t)n >= sizeof(p))
			continue;
		if (remove(p) != 0 && depth < 4)
			rm_tree(p, depth + 1);
	}
	closedir(d);
	remove(dir);
}

static inline void
pki_cleanup(void)
{
	if (pki_dir[0])
		rm_tree(pki_dir, 0);
}

static inline tdv_date
test_today(void)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	tdv_date d = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
	return d;
}

/* Creates the PKI once, in a fresh temporary directory. */
static inline int
pki_setup(void)
{
	snprintf(pki_dir, sizeof(pki_dir), "/tmp/tdv-pa-test-XXXXXX");
	if (mkdtemp(pki_dir) == NULL)
		return TDV_EIO;
	atexit(pki_cleanup);
	tdv_pki_options o;
	memset(&o, 0, sizeof(o));
	o.today = test_today();
	return tdv_pki_init(pki_dir, &o);
}

/* ICAO 9303-4 specimen holder, state Utopia. */
static inline tdv_person
specimen(void)
{
	tdv_person p;
	memset(&p, 0, sizeof(p));
	p.surname = "ERIKSSON";
	p.given_names = "ANNA MARIA";
	p.document_number = "L898902C3";
	p.issuing_state = "UTO";
	p.nationality = "UTO";
	p.birth_date = (tdv_date){1974, 8, 12};
	p.expiry_date = (tdv_date){2031, 4, 15};
	p.issue_date = (tdv_date){2021, 4, 16};
	p.sex = 'F';
	p.personal_number = "ZE184226B";
	p.place_of_birth = "ZENITH";
	p.issuing_authority = "PASSPORT OFFICE ZENITH";
	return p;
}

/* Trust store from the PKI: CSCA directory and both CRLs. */
static inline tdv_trust *
pki_trust(bool with_crls)
{
	char path[512];
	tdv_trust *t = tdv_trust_new();
	if (t == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/csca", pki_dir);
	if (tdv_trust_load_dir(t, path, NULL) != TDV_OK)
		tdv_trust_free(&t);
	if (t != NULL && with_crls) {
		snprintf(path, sizeof(path), "%s/crl", pki_dir);
		if (tdv_trust_load_dir(t, path, NULL) != TDV_OK)
			tdv_trust_free(&t);
	}
	return t;
}

#endif
