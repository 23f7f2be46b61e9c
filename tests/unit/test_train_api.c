/*
 * Training API (tdv_train_api_handle), end to end on real documents: a
 * trainer builds a set of 10 documents with mixed defects through the
 * API, a trainee inspects one on the live pipeline, answers with some
 * right and some wrong, submits; the score and feedback match the
 * answers, and the record and due date appear on the trainer's report.
 * Bad input: the key is not served to a trainee before or after
 * submission, feedback is not served before submission, nobody answers
 * or submits for another trainee, no route serves answers.json or leaves
 * the set directory, and nothing outside /api/train/ is answered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tdv/error.h"
#include "tdv/train.h"
#include "tdv_test.h"

static char dir[256];
static tdv_train_api_config cfg;
static tdv_train_api_response R;

static int
call(const char *method, const char *path, const char *query,
    const char *actor, const char *body)
{
	tdv_buf_free(&R.body);
	int rc = tdv_train_api_handle(&cfg, method, path, query, actor, body,
	    body ? strlen(body) : 0, &R);
	if (rc != TDV_OK)
		return -1;
	return R.status;
}

static const char *
out(void)
{
	return tdv_buf_cstr(&R.body);
}

/* Copy the string value of "key":"..." from the last reply. */
static void
grab(const char *key, char *dst, size_t n)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	const char *p = strstr(out(), pat);
	dst[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(pat);
	size_t i = 0;
	while (p[i] && p[i] != '"' && i + 1 < n) {
		dst[i] = p[i];
		i++;
	}
	dst[i] = '\0';
}

static void
person(const char *id, tdv_train_role role, const char *trainer,
    const char *cp)
{
	tdv_train_person p;
	memset(&p, 0, sizeof(p));
	snprintf(p.id, sizeof(p.id), "%s", id);
	snprintf(p.name, sizeof(p.name), "Name %s", id);
	snprintf(p.checkpoint, sizeof(p.checkpoint), "%s", cp);
	p.role = role;
	p.level = TDV_TRAIN_FIRST_LINE;
	snprintf(p.trainer, sizeof(p.trainer), "%s", trainer ? trainer : "");
	CHECK_INT(tdv_train_db_person_add(cfg.db, &p), TDV_OK);
}

static void
test_train_api_session_and_secrecy(void)
{
	person("master", TDV_TRAIN_MASTER, NULL, "HQ");
	person("tr1", TDV_TRAIN_TRAINER, "master", "CP1");
	person("anna", TDV_TRAIN_TRAINEE, "tr1", "CP1");
	person("bert", TDV_TRAIN_TRAINEE, "tr1", "CP1");

	const char *set_body =
	    "{\"title\":\"Induction week 1\",\"level\":\"second-line\","
	    "\"seed\":5,\"key\":[\"genuine\",\"expired\",\"mrz-check-digit\","
	    "\"cloned-chip\",\"genuine\",\"watchlist\",\"photo-substitution\","
	    "\"forged-sod\",\"lost-stolen\",\"viz-mismatch\"]}";
	CHECK_INT(call("POST", "/api/train/sets", NULL, "anna", set_body), 403);
	CHECK_INT(call("POST", "/api/train/sets", NULL, "tr1", set_body), 201);
	char set[40], att[40], path[160];
	grab("id", set, sizeof(set));
	CHECK(strlen(set) == 26);

	/* the trainee's view: no key; asking for it is refused */
	snprintf(path, sizeof(path), "/api/train/sets/%s", set);
	CHECK_INT(call("GET", path, NULL, "anna", NULL), 200);
	CHECK(strstr(out(), "defects") == NULL);
	CHECK(strstr(out(), "expired") == NULL);
	CHECK_INT(call("GET", path, "answers=1", "anna", NULL), 403);
	CHECK_INT(call("GET", path, "answers=1", "tr1", NULL), 200);
	CHECK(strstr(out(), "\"defects\":\"cloned-chip\"") != NULL);

	/* document files: the page yes; answers, keys, traversal no */
	snprintf(path, sizeof(path), "/api/train/sets/%s/docs/0/page.png", set);
	CHECK_INT(call("GET", path, NULL, "anna", NULL), 200);
	CHECK(R.body.len > 1000 && memcmp(R.body.data, "\x89PNG", 4) == 0);
	snprintf(path, sizeof(path), "/api/train/sets/%s/docs/0/viz.json", set);
	CHECK_INT(call("GET", path, NULL, "anna", NULL), 404);
	snprintf(path, sizeof(path), "/api/train/sets/%s/docs/0/answers.json",
	    set);
	CHECK_INT(call("GET", path, NULL, "anna", NULL), 404);
	snprintf(path, sizeof(path), "/api/train/sets/%s/docs/../answers.json",
	    set);
	CHECK_INT(call("GET", path, NULL, "anna", NULL), 400);
	snprintf(path, sizeof(path), "/api/train/sets/%s/docs/0/page.png", set);
	CHECK_INT(call("GET", path, NULL, "stranger", NULL), 403);
	/* not a training route: the live screens get nothing from here */
	CHECK_INT(call("GET", "/api/inspections/1", NULL, "anna", NULL), 404);
	CHECK_INT(call("GET", "/api/train/bogus", NULL, "anna", NULL), 404);
	CHECK_INT(call("DELETE", "/api/train/sets", NULL, "tr1", NULL), 405);
	CHECK_INT(call("POST", "/api/train/attempts", NULL, "anna", "[1]"), 400);

	CHECK_INT(call("POST", "/api/train/attempts", NULL, "anna",
		      "{\"course\":\"drill\"}"), 400);
	char body[300];
	snprintf(body, sizeof(body), "{\"set\":\"%s\",\"course\":\"induction\"}",
	    set);
	CHECK_INT(call("POST", "/api/train/attempts", NULL, "anna", body), 201);
	grab("attempt", att, sizeof(att));

	/* the live pipeline on document 4 (cloned chip), marked training */
	snprintf(path, sizeof(path), "/api/train/attempts/%s/inspect/3", att);
	CHECK_INT(call("POST", path, NULL, "anna", NULL), 200);
	CHECK(strstr(out(), "\"training\":true") != NULL);
	CHECK(strstr(out(), "\"id\":\"chip.aa_ca\",\"status\":\"fail\"") != NULL);
	CHECK_INT(call("POST", path, NULL, "bert", NULL), 403);

	/* answers: right on 1-6 and 8, wrong on 7 (photo admitted), 9 (lost
	 * refused but named watchlist), 10 (viz admitted) */
	static const char *const ans[10] = {
	    "{\"doc\":0,\"decision\":\"admit\",\"time_ms\":12000}",
	    "{\"doc\":1,\"decision\":\"refuse\",\"defects\":[\"expired\"],\"time_ms\":9000}",
	    "{\"doc\":2,\"decision\":\"refuse\",\"defects\":[\"mrz-check-digit\"],\"time_ms\":15000}",
	    "{\"doc\":3,\"decision\":\"refer\",\"defects\":[\"cloned-chip\"],\"time_ms\":30000}",
	    "{\"doc\":4,\"decision\":\"admit\",\"time_ms\":8000}",
	    "{\"doc\":5,\"decision\":\"refer\",\"defects\":[\"watchlist\"],\"time_ms\":11000}",
	    "{\"doc\":6,\"decision\":\"admit\",\"time_ms\":7000}",
	    "{\"doc\":7,\"decision\":\"refuse\",\"defects\":[\"forged-sod\"],\"time_ms\":20000}",
	    "{\"doc\":8,\"decision\":\"refuse\",\"defects\":[\"watchlist\"],\"time_ms\":10000}",
	    "{\"doc\":9,\"decision\":\"admit\",\"time_ms\":6000}",
	};
	snprintf(path, sizeof(path), "/api/train/attempts/%s/answers", att);
	CHECK_INT(call("POST", path, NULL, "bert", ans[0]), 403);
	CHECK_INT(call("POST", path, NULL, "anna",
		      "{\"doc\":0,\"decision\":\"maybe\"}"), 400);
	CHECK_INT(call("POST", path, NULL, "anna",
		      "{\"doc\":0,\"decision\":\"admit\",\"defects\":[\"x\"]}"),
	    400);
	CHECK_INT(call("POST", path, NULL, "anna",
		      "{\"doc\":10,\"decision\":\"admit\"}"), 400);
	for (int i = 0; i < 10; i++)
		CHECK_INT(call("POST", path, NULL, "anna", ans[i]), 200);

	snprintf(path, sizeof(path), "/api/train/attempts/%s/feedback", att);
	CHECK_INT(call("GET", path, NULL, "anna", NULL), 403);
	CHECK_INT(call("GET", path, NULL, "tr1", NULL), 403);
	snprintf(path, sizeof(path), "/api/train/attempts/%s/submit", att);
	CHECK_INT(call("POST", path, NULL, "bert", NULL), 403);
	CHECK_INT(call("POST", path, NULL, "anna", NULL), 200);
	/* 7 right + doc 9 stopped without the right name (0.5) = 7.5/10 */
	CHECK(strstr(out(), "\"percent\":75") != NULL);
	CHECK(strstr(out(), "\"passed\":false") != NULL);
	CHECK(strstr(out(), "\"false_alarms\":0") != NULL);
	CHECK(strstr(out(), "\"check\":\"photo.match\"") != NULL);
	CHECK(strstr(out(), "\"check\":\"screen.sltd\"") != NULL);
	CHECK(strstr(out(), "\"check\":\"viz.mrz_match\"") != NULL);
	CHECK(strstr(out(), "\"check\":\"chip.aa_ca\"") == NULL);
	CHECK_INT(call("POST", path, NULL, "anna", NULL), 403);
	/* the key stays hidden from the trainee even now */
	snprintf(path, sizeof(path), "/api/train/sets/%s", set);
	CHECK_INT(call("GET", path, "answers=1", "anna", NULL), 403);
	snprintf(path, sizeof(path), "/api/train/attempts/%s/feedback", att);
	CHECK_INT(call("GET", path, NULL, "tr1", NULL), 200);
	CHECK_INT(call("GET", path, NULL, "bert", NULL), 403);

	/* records and the trainer's due report */
	CHECK_INT(call("GET", "/api/train/records/anna", NULL, "tr1", NULL),
	    200);
	CHECK(strstr(out(), "\"percent\":75") != NULL);
	CHECK_INT(call("GET", "/api/train/records/anna", NULL, "bert", NULL),
	    403);
	CHECK_INT(call("GET", "/api/train/reports/due", "csv=1", "tr1", NULL),
	    200);
	CHECK_STR(R.content_type, "text/csv");
	CHECK(strstr(out(), "CP1,anna,Name anna,tr1,,,2026-05-04,"
			    "induction-due") != NULL);
	CHECK_INT(call("GET", "/api/train/reports/rates", NULL, "anna", NULL),
	    403);
	CHECK_INT(call("GET", "/api/train/reports/rates", "csv=1", "tr1", NULL),
	    200);
	CHECK(strstr(out(), "2026-05,detection,photo-substitution,1,0,0.0") !=
	    NULL);
	char cert[160];
	snprintf(cert, sizeof(cert), "/api/train/certificates/%s", att);
	CHECK_INT(call("GET", cert, NULL, "tr1", NULL), 404); /* not passed */

	/* a passed refresher: certificate and a due date a year on */
	snprintf(body, sizeof(body), "{\"set\":\"%s\",\"course\":\"refresher\"}",
	    set);
	CHECK_INT(call("POST", "/api/train/attempts", NULL, "anna", body), 201);
	grab("attempt", att, sizeof(att));
	snprintf(path, sizeof(path), "/api/train/attempts/%s/answers", att);
	static const char *const fix[3] = {
	    "{\"doc\":6,\"decision\":\"refuse\",\"defects\":[\"photo-substitution\"]}",
	    "{\"doc\":8,\"decision\":\"refuse\",\"defects\":[\"lost-stolen\"]}",
	    "{\"doc\":9,\"decision\":\"refer\",\"defects\":[\"viz-mismatch\"]}",
	};
	for (int i = 0; i < 10; i++)
		CHECK_INT(call("POST", path, NULL, "anna",
			      i == 6 ? fix[0] : i == 8 ? fix[1] :
			      i == 9 ? fix[2] : ans[i]), 200);
	snprintf(path, sizeof(path), "/api/train/attempts/%s/submit", att);
	CHECK_INT(call("POST", path, NULL, "anna", NULL), 200);
	CHECK(strstr(out(), "\"passed\":true") != NULL);
	snprintf(cert, sizeof(cert), "/api/train/certificates/%s", att);
	CHECK_INT(call("GET", cert, NULL, "bert", NULL), 403);
	CHECK_INT(call("GET", cert, NULL, "master", NULL), 200);
	CHECK(strstr(out(), "Name anna") != NULL);
	CHECK_INT(call("GET", "/api/train/reports/due", "checkpoint=CP1",
		      "tr1", NULL), 200);
	CHECK(strstr(out(), "\"officer\":\"anna\"") != NULL);
	CHECK(strstr(out(), "\"due\":\"2027-05-04\",\"status\":\"ok\"") != NULL);

	/* a practice drill for bert from the bank */
	CHECK_INT(call("POST", "/api/train/drill", NULL, "bert", NULL), 201);
	CHECK(strstr(out(), "\"attempt\"") != NULL);
	tdv_buf_free(&R.body);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tdv-train-api-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	char db[300], sets[300], pki[300];
	snprintf(db, sizeof(db), "%s/train.db", dir);
	snprintf(sets, sizeof(sets), "%s/sets", dir);
	snprintf(pki, sizeof(pki), "%s/pki", dir);
	tdv_train_db *t = NULL;
	if (tdv_train_db_open(db, &t) != TDV_OK)
		return 1;
	cfg.db = t;
	cfg.sets_dir = sets;
	cfg.pki_dir = pki;
	cfg.today = (tdv_date){2026, 5, 4};
	RUN(test_train_api_session_and_secrecy);
	tdv_train_db_free(&t);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	TEST_EXIT();
}
