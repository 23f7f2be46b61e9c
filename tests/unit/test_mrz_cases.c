/*
 * Table-driven MRZ tests: tests/data/mrz/cases.tsv (sources in MANIFEST).
 * Each row is parsed (or corrected, with correct=1) and every expectation
 * in its third column is compared with the parse result.
 */
#include <stdlib.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/mrz.h"
#include "tdv_test.h"

static const tdv_date today = {2026, 11, 23};

static void
date_str(const tdv_date *d, char out[11])
{
	if (d->year <= 0)
		out[0] = '\0';
	else
		tdv_date_format_iso(d, out);
}

static bool
check_value(const tdv_mrz *m, const char *name, bool *found)
{
	for (int i = 0; i < m->nchecks; i++)
		if (strcmp(m->checks[i].name, name) == 0) {
			*found = true;
			return m->checks[i].ok;
		}
	*found = false;
	return false;
}

static int
expect(const char *id, const tdv_mrz *m, const char *key, const char *val)
{
	char buf[200];
	const char *got = NULL;
	char d[11];
	if (strcmp(key, "format") == 0)
		got = m->format == TDV_MRZ_UNKNOWN ? "" : tdv_mrz_format_name(m->format);
	else if (strcmp(key, "valid") == 0)
		got = m->valid ? "1" : "0";
	else if (strcmp(key, "document_code") == 0)
		got = m->document_code;
	else if (strcmp(key, "issuing_state") == 0)
		got = m->issuing_state;
	else if (strcmp(key, "surname") == 0)
		got = m->surname;
	else if (strcmp(key, "given_names") == 0)
		got = m->given_names;
	else if (strcmp(key, "document_number") == 0)
		got = m->document_number;
	else if (strcmp(key, "nationality") == 0)
		got = m->nationality;
	else if (strcmp(key, "birth_date") == 0) {
		date_str(&m->birth_date, d);
		got = d;
	} else if (strcmp(key, "expiry_date") == 0) {
		date_str(&m->expiry_date, d);
		got = d;
	} else if (strcmp(key, "sex") == 0) {
		buf[0] = m->sex;
		buf[1] = '\0';
		got = buf;
	} else if (strcmp(key, "optional_data") == 0)
		got = m->optional_data;
	else if (strcmp(key, "optional_data_2") == 0)
		got = m->optional_data_2;
	else if (strcmp(key, "expired") == 0)
		got = m->expired ? "1" : "0";
	else if (strcmp(key, "truncated") == 0)
		got = m->name_truncated ? "1" : "0";
	else if (strcmp(key, "nerrors") == 0) {
		snprintf(buf, sizeof(buf), "%d", m->nerrors);
		got = buf;
	} else if (strcmp(key, "ncorrections") == 0) {
		snprintf(buf, sizeof(buf), "%d", m->ncorrections);
		got = buf;
	} else if (strcmp(key, "corrected") == 0) {
		size_t o = 0;
		for (int i = 0; i < m->nlines; i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s",
			    i ? "|" : "", m->lines[i]);
		got = buf;
	} else if (strcmp(key, "error") == 0) {
		got = "";
		for (int i = 0; i < m->nerrors; i++)
			if (strcmp(tdv_strerror_name(m->errors[i].code), val) == 0)
				got = val;
	} else if (strncmp(key, "check.", 6) == 0) {
		bool found;
		bool ok = check_value(m, key + 6, &found);
		got = !found ? "absent" : ok ? "1" : "0";
	} else if (strcmp(key, "correct") == 0) {
		return 0;
	} else {
		fprintf(stderr, "%s: unknown expectation key '%s'\n", id, key);
		return 1;
	}
	if (strcmp(got, val) != 0) {
		fprintf(stderr, "%s: %s = '%s', expected '%s'\n", id, key, got, val);
		for (int i = 0; i < m->nerrors; i++)
			fprintf(stderr, "    error: %s\n", m->errors[i].message);
		return 1;
	}
	return 0;
}

static void
test_mrz_cases_from_manifest(void)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/mrz/cases.tsv", TDV_TEST_DATA);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	char line[2048];
	int ncases = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *id = line, *mrz = strchr(line, '\t');
		CHECK(mrz != NULL);
		if (mrz == NULL)
			continue;
		*mrz++ = '\0';
		char *exp = strchr(mrz, '\t');
		CHECK(exp != NULL);
		if (exp == NULL)
			continue;
		*exp++ = '\0';
		bool correct = strstr(exp, "correct=1") != NULL;
		tdv_mrz m;
		if (correct) {
			const char *ptrs[3];
			size_t lens[3];
			int n = 0;
			for (char *p = mrz; n < 3; n++) {
				ptrs[n] = p;
				char *bar = strchr(p, '|');
				lens[n] = bar ? (size_t)(bar - p) : strlen(p);
				if (!bar) {
					n++;
					break;
				}
				p = bar + 1;
			}
			tdv_mrz_correct(ptrs, lens, n, &today, &m);
		} else {
			tdv_mrz_parse_text(mrz, strlen(mrz), &today, &m);
		}
		/* expectations: key=value;key=value (values may contain '|') */
		char *save = exp;
		while (save && *save) {
			char *semi = strchr(save, ';');
			if (semi)
				*semi = '\0';
			char *eq = strchr(save, '=');
			CHECK(eq != NULL);
			if (eq) {
				*eq = '\0';
				tdv_test_failures += expect(id, &m, save, eq + 1);
			}
			save = semi ? semi + 1 : NULL;
		}
		ncases++;
	}
	fclose(f);
	printf("  %d cases\n", ncases);
	CHECK(ncases >= 40);
}

int
main(void)
{
	RUN(test_mrz_cases_from_manifest);
	TEST_EXIT();
}
