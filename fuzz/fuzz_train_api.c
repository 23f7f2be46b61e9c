/*
 * Fuzz the training API (tdv_train_api_handle) and the defect-list
 * parser: a training database in a temporary directory with a cascade,
 * a registered set (answers.json only) and an open attempt is made once;
 * each input is one request.
 *
 * Input: byte 0 picks the method and the actor, then the text up to the
 * first '\n' is the path (prefixed with /api/train/ when byte 0 is odd),
 * up to the second the query, the rest the body. Building sets (POST
 * /api/train/sets) is skipped: it renders documents, which belongs to
 * train_defects.sh, not to a per-input budget. Every reply must be a
 * status 200..405 and errors must never be 500.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tdv/error.h"
#include "tdv/train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tdv_train_api_config cfg;
static char set_id[TDV_TRAIN_SETID_LEN + 1];

static void
setup(void)
{
	static char dir[64], db[128], sets[128], pki[128], key[160];
	snprintf(dir, sizeof(dir), "/tmp/tdv-fuzz-train-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(db, sizeof(db), "%s/train.db", dir);
	snprintf(sets, sizeof(sets), "%s/set", dir);
	snprintf(pki, sizeof(pki), "%s/pki", dir);
	mkdir(sets, 0700);
	snprintf(key, sizeof(key), "%s/answers.json", sets);
	FILE *f = fopen(key, "w");
	if (f == NULL)
		abort();
	fputs("{\"key\":[\"genuine\",\"expired\",\"chip-dg1,watchlist\"]}", f);
	fclose(f);
	tdv_train_db *t = NULL;
	if (tdv_train_db_open(db, &t) != TDV_OK)
		abort();
	static const struct {
		const char *id, *trainer;
		tdv_train_role role;
	} people[] = {{"master", "", TDV_TRAIN_MASTER},
	    {"tr1", "master", TDV_TRAIN_TRAINER},
	    {"anna", "tr1", TDV_TRAIN_TRAINEE}};
	for (size_t i = 0; i < 3; i++) {
		tdv_train_person p;
		memset(&p, 0, sizeof(p));
		snprintf(p.id, sizeof(p.id), "%s", people[i].id);
		snprintf(p.name, sizeof(p.name), "N %s", people[i].id);
		snprintf(p.checkpoint, sizeof(p.checkpoint), "CP1");
		snprintf(p.trainer, sizeof(p.trainer), "%s", people[i].trainer);
		p.role = people[i].role;
		p.level = TDV_TRAIN_FIRST_LINE;
		if (tdv_train_db_person_add(t, &p) != TDV_OK)
			abort();
	}
	if (tdv_train_db_set_add(t, sets, "fuzz", TDV_TRAIN_FIRST_LINE, 0,
		"tr1", set_id) != TDV_OK)
		abort();
	cfg.db = t;
	cfg.sets_dir = sets;
	cfg.pki_dir = pki;
	cfg.today = (tdv_date){2026, 1, 2};
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (cfg.db == NULL)
		setup();
	if (size < 1 || size > 4096)
		return 0;
	static const char *const actors[] = {"anna", "tr1", "master", "bob",
	    "", "anna"};
	static const char *const methods[] = {"GET", "POST", "PUT"};
	const char *method = methods[data[0] % 3];
	const char *actor = actors[(data[0] / 3) % 6];
	char *text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	char *query = strchr(text, '\n'), *body = NULL;
	if (query) {
		*query++ = '\0';
		body = strchr(query, '\n');
		if (body)
			*body++ = '\0';
	}
	char path[4200];
	snprintf(path, sizeof(path), "%s%s", (data[0] & 1) ? "/api/train/" : "",
	    text);
	/* the set id the fuzzer cannot guess */
	char *at = strstr(path, "SET");
	if (at != NULL && strlen(at) >= 3) {
		char tmp[4200];
		snprintf(tmp, sizeof(tmp), "%.*s%s%s", (int)(at - path), path,
		    set_id, at + 3);
		snprintf(path, sizeof(path), "%s", tmp);
	}
	if (strcmp(method, "POST") == 0 && strstr(path, "/api/train/sets") &&
	    strchr(path + (strlen(path) > 15 ? 15 : strlen(path)), '/') == NULL) {
		free(text);
		return 0;
	}
	tdv_train_api_response r;
	int rc = tdv_train_api_handle(&cfg, method, path, query, actor, body,
	    body ? strlen(body) : 0, &r);
	if (rc == TDV_OK && (r.status < 200 || r.status > 405))
		abort();
	tdv_buf_free(&r.body);
	tdv_train_defects d;
	tdv_train_defects_parse(text, &d);
	free(text);
	return 0;
}
