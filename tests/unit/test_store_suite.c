/*
 * The tdv_store test suite, one text for both backends.
 *
 *   test_store_suite                      runs it on a fresh SQLite file
 *   test_store_suite postgres:CONNINFO    runs it on PostgreSQL (started by
 *                                         tests/scripts/store_pg.sh in a
 *                                         temp dir; the database must be
 *                                         empty)
 *
 * The tamper cases edit the database directly (through the backend's own
 * SQL, around the append-only trigger) and expect audit verify to name
 * the first broken entry.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_int.h"
#include "tdv/error.h"
#include "tdv/store.h"
#include "tdv_test.h"

static char uri[4096];
static char tmpdir[64];
static tdv_store *st;
static bool is_pg;

static void
fill_movement(tdv_movement *m, const char *cp, const char *officer,
    const char *nat, char sex, const char *birth, tdv_decision d)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->checkpoint_id, sizeof(m->checkpoint_id), "%s", cp);
	snprintf(m->officer_id, sizeof(m->officer_id), "%s", officer);
	m->direction = TDV_DIR_ENTRY;
	snprintf(m->document_code, sizeof(m->document_code), "P");
	snprintf(m->issuing_state, sizeof(m->issuing_state), "UTO");
	snprintf(m->document_number, sizeof(m->document_number), "L898902C3");
	snprintf(m->nationality, sizeof(m->nationality), "%s", nat);
	snprintf(m->surname, sizeof(m->surname), "ERIKSSON");
	snprintf(m->given_names, sizeof(m->given_names), "ANNA MARIA");
	m->sex = sex;
	snprintf(m->birth_date, sizeof(m->birth_date), "%s", birth);
	snprintf(m->expiry_date, sizeof(m->expiry_date), "2034-04-15");
	snprintf(m->verdict, sizeof(m->verdict), "PASS");
	m->decision = d;
	snprintf(m->checks_json, sizeof(m->checks_json),
	    "[{\"id\":\"mrz.check_digits\",\"status\":\"pass\",\"message\":\"ok\"}]");
}

/* 2026-03-10 12:00:00 UTC */
#define T0 INT64_C(1773144000000)
#define DAY_MS INT64_C(86400000)

static void
test_store_open_applies_migrations(void)
{
	int v = 0;
	CHECK_INT(tdv_store_schema_version(st, &v), TDV_OK);
	CHECK_INT(v, TDV_STORE_SCHEMA_VERSION);
	/* opening again finds the schema current and changes nothing */
	tdv_store *again = NULL;
	CHECK_INT(tdv_store_open(uri, &again, NULL, 0), TDV_OK);
	CHECK_INT(tdv_store_schema_version(again, &v), TDV_OK);
	CHECK_INT(v, TDV_STORE_SCHEMA_VERSION);
	tdv_store_free(&again);
	CHECK(again == NULL);
}

static void
test_store_refuses_newer_schema(void)
{
	/* a store from the future is not guessed at */
	tdv__param p[] = {TDV__INT(TDV_STORE_SCHEMA_VERSION + 1)};
	CHECK_INT(tdv__exec(st,
		      "INSERT INTO schema_migration (version, applied_ms) VALUES ($1, 0)",
		      p, 1, NULL, NULL),
	    TDV_OK);
	tdv_store *again = NULL;
	char err[256];
	CHECK_INT(tdv_store_open(uri, &again, err, sizeof(err)), TDV_ESTORE_SCHEMA);
	CHECK(again == NULL);
	CHECK(strstr(err, "newer") != NULL);
	CHECK_INT(tdv__exec(st, "DELETE FROM schema_migration WHERE version = $1", p,
		      1, NULL, NULL),
	    TDV_OK);
}

static void
test_store_bad_uri(void)
{
	tdv_store *s = NULL;
	CHECK_INT(tdv_store_open("mysql:x", &s, NULL, 0), TDV_EINVAL);
	CHECK(s == NULL);
	CHECK_INT(tdv_store_open("sqlite:", &s, NULL, 0), TDV_EINVAL);
}

static void
test_store_checkpoints(void)
{
	tdv_checkpoint cp = {"CP-NORTH", "North road crossing", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(st, &cp), TDV_OK);
	tdv_checkpoint cp2 = {"CP-PORT", "Harbour", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(st, &cp2), TDV_OK);
	snprintf(cp.name, sizeof(cp.name), "North road");
	CHECK_INT(tdv_store_checkpoint_put(st, &cp), TDV_OK); /* update */
	tdv_checkpoint got;
	CHECK_INT(tdv_store_checkpoint_get(st, "CP-NORTH", &got), TDV_OK);
	CHECK_STR(got.name, "North road");
	CHECK_STR(got.country, "UTO");
	CHECK_INT(tdv_store_checkpoint_get(st, "CP-NONE", &got), TDV_ENOENT);
	tdv_checkpoint bad = {"bad id!", "x", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(st, &bad), TDV_EINVAL);
	tdv_checkpoint badc = {"CP-X", "x", "ut0"};
	CHECK_INT(tdv_store_checkpoint_put(st, &badc), TDV_EINVAL);
}

static void
test_store_officers_roles_and_argon2id(void)
{
	tdv_officer o = {"off1", "Officer One", TDV_ROLE_OFFICER, true};
	CHECK_INT(tdv_store_officer_add(st, &o, "correct horse", 13, "admin0",
		      "CP-NORTH"),
	    TDV_OK);
	CHECK_INT(tdv_store_officer_add(st, &o, "x", 1, NULL, "CP-NORTH"), TDV_EEXIST);
	tdv_officer e = {"exam1", "Examiner", TDV_ROLE_EXAMINER, true};
	CHECK_INT(tdv_store_officer_add(st, &e, "pw-exam", 7, "admin0", "CP-NORTH"),
	    TDV_OK);
	tdv_officer bad = {"x1", "X", (tdv_role)42, true};
	CHECK_INT(tdv_store_officer_add(st, &bad, "pw", 2, NULL, NULL), TDV_EINVAL);
	CHECK_INT(tdv_store_officer_add(st, &o, "", 0, NULL, NULL), TDV_EINVAL);

	tdv_officer got;
	CHECK_INT(tdv_store_officer_get(st, "off1", &got), TDV_OK);
	CHECK_INT(got.role, TDV_ROLE_OFFICER);
	CHECK(got.active);
	CHECK_INT(tdv_store_officer_authenticate(st, "off1", "correct horse", 13,
		      "CP-NORTH", &got),
	    TDV_OK);
	CHECK_STR(got.name, "Officer One");
	CHECK_INT(tdv_store_officer_authenticate(st, "off1", "wrong", 5, "CP-NORTH",
		      &got),
	    TDV_EAUTH);
	CHECK_INT(tdv_store_officer_authenticate(st, "nobody", "wrong", 5,
		      "CP-NORTH", &got),
	    TDV_EAUTH);

	CHECK_INT(tdv_store_officer_set_password(st, "off1", "new pass", 8, "admin0",
		      "CP-NORTH"),
	    TDV_OK);
	CHECK_INT(tdv_store_officer_authenticate(st, "off1", "correct horse", 13,
		      "CP-NORTH", &got),
	    TDV_EAUTH);
	CHECK_INT(tdv_store_officer_authenticate(st, "off1", "new pass", 8,
		      "CP-NORTH", &got),
	    TDV_OK);
	CHECK_INT(tdv_store_officer_set_active(st, "off1", false, "admin0",
		      "CP-NORTH"),
	    TDV_OK);
	CHECK_INT(tdv_store_officer_authenticate(st, "off1", "new pass", 8,
		      "CP-NORTH", &got),
	    TDV_EAUTH);
	CHECK_INT(tdv_store_officer_set_active(st, "off1", true, "admin0",
		      "CP-NORTH"),
	    TDV_OK);
	CHECK_INT(tdv_store_officer_set_active(st, "ghost", true, NULL, NULL),
	    TDV_ENOENT);

	tdv_role r;
	CHECK_INT(tdv_role_parse("supervisor", &r), TDV_OK);
	CHECK_INT(r, TDV_ROLE_SUPERVISOR);
	CHECK_INT(tdv_role_parse("king", &r), TDV_EINVAL);
	CHECK_STR(tdv_role_name(TDV_ROLE_TRAINEE), "trainee");
}

static int
hash_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)n;
	(void)l;
	snprintf(ctx, 256, "%s", v[0] ? v[0] : "");
	return 1;
}

static void
test_store_password_hash_is_argon2id(void)
{
	char hash[256] = "";
	tdv__param p[] = {TDV__TEXT("exam1")};
	CHECK_INT(tdv__exec(st, "SELECT password_hash FROM officer WHERE id = $1", p,
		      1, hash_row, hash),
	    TDV_OK);
	CHECK(strncmp(hash, "$argon2id$", 10) == 0);
	CHECK(strstr(hash, "pw-exam") == NULL);
}

static int64_t
audit_count(const char *chain)
{
	int64_t n = -1;
	tdv__param p[] = {TDV__TEXT(chain)};
	CHECK_INT(tdv__exec(st, "SELECT COUNT(*) FROM audit_entry WHERE chain = $1",
		      p, 1, tdv__i64_row, &n),
	    TDV_OK);
	return n;
}

static void
test_store_record_movement_assigns_ids_and_sequence(void)
{
	tdv_movement m, got;
	char prev_id[TDV_ULID_LEN + 1] = "";
	for (int i = 0; i < 5; i++) {
		fill_movement(&m, "CP-NORTH", "off1", "UTO", 'F', "1974-08-12",
		    TDV_DECISION_ADMITTED);
		m.time_ms = T0 + i;
		CHECK_INT(tdv_store_record_movement(st, &m), TDV_OK);
		CHECK_INT(m.seq, i + 1);
		CHECK_INT((int)strlen(m.id), TDV_ULID_LEN);
		CHECK(strcmp(m.id, prev_id) > 0); /* sortable by time */
		memcpy(prev_id, m.id, sizeof(prev_id));
		CHECK(m.audit_seq > 0);
	}
	/* another checkpoint has its own sequence */
	fill_movement(&m, "CP-PORT", "exam1", "UTO", 'M', "1990-01-01",
	    TDV_DECISION_REFUSED);
	m.time_ms = T0;
	CHECK_INT(tdv_store_record_movement(st, &m), TDV_OK);
	CHECK_INT(m.seq, 1);

	CHECK_INT(tdv_store_movement_get(st, prev_id, "exam1", "CP-NORTH", &got),
	    TDV_OK);
	CHECK_STR(got.surname, "ERIKSSON");
	CHECK_STR(got.given_names, "ANNA MARIA");
	CHECK_INT(got.seq, 5);
	CHECK_INT(got.sex, 'F');
	CHECK_INT(got.direction, TDV_DIR_ENTRY);
	CHECK_INT(got.decision, TDV_DECISION_ADMITTED);
	CHECK_STR(got.birth_date, "1974-08-12");
	CHECK(strstr(got.checks_json, "mrz.check_digits") != NULL);
	CHECK_INT(got.time_ms, T0 + 4);
	CHECK_INT(tdv_store_movement_get(st, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "exam1",
		      "CP-NORTH", &got),
	    TDV_ENOENT);
	int64_t n = 0;
	CHECK_INT(tdv_store_movement_count(st, "CP-NORTH", &n), TDV_OK);
	CHECK_INT(n, 5);
	CHECK_INT(tdv_store_movement_count(st, NULL, &n), TDV_OK);
	CHECK_INT(n, 6);
}

static void
test_store_record_refuses_bad_movements_atomically(void)
{
	int64_t before = audit_count("CP-NORTH"), n0 = 0, n1 = 0;
	CHECK_INT(tdv_store_movement_count(st, NULL, &n0), TDV_OK);
	tdv_movement m;
	fill_movement(&m, "CP-NORTH", "ghost", "UTO", 'F', "", TDV_DECISION_ADMITTED);
	CHECK_INT(tdv_store_record_movement(st, &m), TDV_EAUTH);
	fill_movement(&m, "CP-NOWHERE", "off1", "UTO", 'F', "", TDV_DECISION_ADMITTED);
	CHECK_INT(tdv_store_record_movement(st, &m), TDV_ENOENT);
	fill_movement(&m, "CP-NORTH", "off1", "UTO", 'Q', "", TDV_DECISION_ADMITTED);
	CHECK_INT(tdv_store_record_movement(st, &m), TDV_EINVAL);
	fill_movement(&m, "CP-NORTH", "off1", "UTO", 'F', "1974-02-30",
	    TDV_DECISION_ADMITTED);
	CHECK_INT(tdv_store_record_movement(st, &m), TDV_EINVAL);
	fill_movement(&m, "CP-NORTH", "off1", "UTO", 'F', "", TDV_DECISION_ADMITTED);
	snprintf(m.checks_json, sizeof(m.checks_json), "{\"not\":\"an array\"}");
	CHECK_INT(tdv_store_record_movement(st, &m), TDV_EPARSE);
	fill_movement(&m, "CP-NORTH", "off1", "UTO", 'F', "", TDV_DECISION_ADMITTED);
	memset(m.surname, 'A', sizeof(m.surname)); /* not terminated */
	CHECK_INT(tdv_store_record_movement(st, &m), TDV_EINVAL);
	fill_movement(&m, "CP-NORTH", "off1", "UTO", 'F', "", TDV_DECISION_ADMITTED);
	snprintf(m.reason, sizeof(m.reason), "line\nbreak");
	CHECK_INT(tdv_store_record_movement(st, &m), TDV_EINVAL);
	/* nothing half-written: no movement, no audit entry, no seq used */
	CHECK_INT(audit_count("CP-NORTH"), before);
	CHECK_INT(tdv_store_movement_count(st, NULL, &n1), TDV_OK);
	CHECK_INT(n1, n0);
	fill_movement(&m, "CP-NORTH", "off1", "UTO", 'F', "", TDV_DECISION_ADMITTED);
	m.time_ms = T0 + 10;
	CHECK_INT(tdv_store_record_movement(st, &m), TDV_OK);
	CHECK_INT(m.seq, 6);
}

static void
test_store_disabled_officer_cannot_record(void)
{
	tdv_movement m;
	CHECK_INT(tdv_store_officer_set_active(st, "exam1", false, "admin0",
		      "CP-NORTH"),
	    TDV_OK);
	fill_movement(&m, "CP-NORTH", "exam1", "UTO", 'F', "", TDV_DECISION_ADMITTED);
	CHECK_INT(tdv_store_record_movement(st, &m), TDV_EAUTH);
	CHECK_INT(tdv_store_officer_set_active(st, "exam1", true, "admin0",
		      "CP-NORTH"),
	    TDV_OK);
}

static void
test_store_audit_chain_verifies_and_logs_reads(void)
{
	tdv_audit_report r;
	CHECK_INT(tdv_store_audit_verify(st, NULL, &r), TDV_OK);
	CHECK(r.intact);
	CHECK(r.entries > 10);
	CHECK(r.chains >= 2);
	/* the read in the test above is in the log */
	int64_t reads = 0;
	CHECK_INT(tdv__exec(st,
		      "SELECT COUNT(*) FROM audit_entry WHERE action = 'movement.read'"
		      " AND actor = 'exam1'",
		      NULL, 0, tdv__i64_row, &reads),
	    TDV_OK);
	CHECK_INT(reads, 1);
	int64_t seq = 0;
	CHECK_INT(tdv_store_audit_append(st, "CP-NORTH", "off1", "report.view",
		      "2026-03", "by=nationality", &seq),
	    TDV_OK);
	CHECK(seq > 0);
	CHECK_INT(tdv_store_audit_append(st, "CP-NORTH", "off1", "bad\naction", "",
		      "", NULL),
	    TDV_EINVAL);
	char big[TDV_AUDIT_DETAIL_MAX + 2];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(tdv_store_audit_append(st, "CP-NORTH", "off1", "x", "", big, NULL),
	    TDV_ELIMIT);
	CHECK_INT(tdv_store_audit_verify(st, "CP-NORTH", &r), TDV_OK);
	CHECK(r.intact);
}

static void
test_store_audit_is_append_only_in_the_database(void)
{
	CHECK(tdv__exec(st, "UPDATE audit_entry SET detail = 'x' WHERE seq = 1",
		  NULL, 0, NULL, NULL) != TDV_OK);
	CHECK(tdv__exec(st, "DELETE FROM audit_entry WHERE seq = 1", NULL, 0, NULL,
		  NULL) != TDV_OK);
}

/* ---- tamper: go around the trigger, as someone with the database would */

static void
trigger_off(void)
{
	if (is_pg)
		CHECK_INT(st->ops->script(st,
			      "ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_change"),
		    TDV_OK);
	else
		CHECK_INT(st->ops->script(st, "DROP TRIGGER audit_entry_no_update;"
					      "DROP TRIGGER audit_entry_no_delete;"),
		    TDV_OK);
}

static void
trigger_on(void)
{
	if (is_pg)
		CHECK_INT(st->ops->script(st,
			      "ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_change"),
		    TDV_OK);
	else
		CHECK_INT(st->ops->script(st,
			      "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry"
			      " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
			      "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry"
			      " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"),
		    TDV_OK);
}

static void
expect_broken(const char *chain, int64_t seq, const char *what)
{
	tdv_audit_report r;
	CHECK_INT(tdv_store_audit_verify(st, NULL, &r), TDV_OK);
	if (r.intact || strcmp(r.broken_chain, chain) != 0 || r.broken_seq != seq)
		fprintf(stderr, "  %s: intact=%d chain=%s seq=%" PRId64 " (%s)\n", what,
		    r.intact, r.broken_chain, r.broken_seq, r.problem);
	CHECK(!r.intact);
	CHECK_STR(r.broken_chain, chain);
	CHECK_INT(r.broken_seq, seq);
}

static void
expect_intact(void)
{
	tdv_audit_report r;
	CHECK_INT(tdv_store_audit_verify(st, NULL, &r), TDV_OK);
	if (!r.intact)
		fprintf(stderr, "  unexpected break: %s %" PRId64 " %s\n",
		    r.broken_chain, r.broken_seq, r.problem);
	CHECK(r.intact);
}

static void
sql(const char *q, int64_t a)
{
	tdv__param p[] = {TDV__INT(a)};
	int rc = tdv__exec(st, q, p, 1, NULL, NULL);
	if (rc != TDV_OK)
		fprintf(stderr, "  sql failed: %s: %s\n", q, tdv_store_errmsg(st));
	CHECK_INT(rc, TDV_OK);
}

static void
test_store_tamper_is_detected(void)
{
	expect_intact();
	trigger_off();
	int64_t last = audit_count("CP-NORTH");
	CHECK(last > 8);

	/* edit entry 4 */
	sql("UPDATE audit_entry SET detail = detail || 'x' WHERE chain = 'CP-NORTH'"
	    " AND seq = $1", 4);
	expect_broken("CP-NORTH", 4, "edit");
	sql("UPDATE audit_entry SET detail = substr(detail, 1, length(detail) - 1)"
	    " WHERE chain = 'CP-NORTH' AND seq = $1", 4);
	expect_intact();

	/* edit the actor only */
	sql("UPDATE audit_entry SET actor = 'exam1' WHERE chain = 'CP-NORTH'"
	    " AND seq = $1 AND actor = 'off1'", 6);
	sql("UPDATE audit_entry SET actor = 'exam1' WHERE chain = 'CP-NORTH'"
	    " AND seq = $1 AND actor = 'admin0'", 6);
	expect_broken("CP-NORTH", 6, "actor");
	sql("DELETE FROM audit_entry WHERE chain = 'CP-NORTH' AND seq = $1", 6);
	expect_broken("CP-NORTH", 6, "delete");

	/* reorder: swap entries 2 and 3 by their seq numbers */
	sql("UPDATE audit_entry SET seq = -1 WHERE chain = 'CP-NORTH' AND seq = $1", 2);
	sql("UPDATE audit_entry SET seq = 2 WHERE chain = 'CP-NORTH' AND seq = $1", 3);
	sql("UPDATE audit_entry SET seq = 3 WHERE chain = 'CP-NORTH' AND seq = $1", -1);
	expect_broken("CP-NORTH", 2, "reorder");
	trigger_on();
}

static int
keep_entry(void *ctx, const tdv_audit_entry *e)
{
	memcpy(ctx, e, sizeof(*e));
	return 1;
}

static void
test_store_tamper_tail_and_movement(void)
{
	/* on a clean chain of its own: cut the last entry off */
	tdv_checkpoint cp = {"CP-EAST", "East", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(st, &cp), TDV_OK);
	tdv_movement m;
	for (int i = 0; i < 3; i++) {
		fill_movement(&m, "CP-EAST", "exam1", "UTO", 'F', "", TDV_DECISION_ADMITTED);
		m.time_ms = T0 + i;
		CHECK_INT(tdv_store_record_movement(st, &m), TDV_OK);
	}
	CHECK_INT(tdv_store_audit_append(st, "CP-EAST", "exam1", "note", "", "", NULL),
	    TDV_OK);
	tdv_audit_report r;
	CHECK_INT(tdv_store_audit_verify(st, "CP-EAST", &r), TDV_OK);
	CHECK(r.intact);
	CHECK_INT(r.entries, 4);
	tdv_audit_entry last;
	CHECK_INT(tdv_store_audit_since(st, "CP-EAST", 3, 1, keep_entry, &last),
	    TDV_OK);
	CHECK_INT(last.seq, 4);
	trigger_off();
	sql("DELETE FROM audit_entry WHERE chain = 'CP-EAST' AND seq = $1", 4);
	CHECK_INT(tdv_store_audit_verify(st, "CP-EAST", &r), TDV_OK);
	CHECK(!r.intact);
	CHECK_INT(r.broken_seq, 4);
	/* put it back as it was: intact again */
	tdv__param p[] = {TDV__TEXT(last.chain), TDV__INT(last.seq),
	    TDV__INT(last.time_ms), TDV__TEXT(last.actor), TDV__TEXT(last.action),
	    TDV__TEXT(last.object), TDV__TEXT(last.detail), TDV__TEXT(last.prev_hash),
	    TDV__TEXT(last.hash)};
	CHECK_INT(tdv__exec(st,
		      "INSERT INTO audit_entry (chain, seq, time_ms, actor, action,"
		      " object, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5,"
		      " $6, $7, $8, $9)",
		      p, 9, NULL, NULL),
	    TDV_OK);
	CHECK_INT(tdv_store_audit_verify(st, "CP-EAST", &r), TDV_OK);
	CHECK(r.intact);
	trigger_on();
}

static void
test_store_tamper_movement_row(void)
{
	/* a movement edited after the fact no longer matches its entry */
	tdv_checkpoint cp = {"CP-WEST", "West", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(st, &cp), TDV_OK);
	tdv_movement m;
	fill_movement(&m, "CP-WEST", "exam1", "UTO", 'F', "", TDV_DECISION_REFUSED);
	m.time_ms = T0;
	CHECK_INT(tdv_store_record_movement(st, &m), TDV_OK);
	tdv_audit_report r;
	CHECK_INT(tdv_store_audit_verify(st, "CP-WEST", &r), TDV_OK);
	CHECK(r.intact);
	tdv__param p[] = {TDV__TEXT(m.id)};
	CHECK_INT(tdv__exec(st, "UPDATE movement SET decision = 'admitted' WHERE id = $1",
		      p, 1, NULL, NULL),
	    TDV_OK);
	expect_broken("CP-WEST", m.audit_seq, "movement edit");
	CHECK_INT(tdv__exec(st, "UPDATE movement SET decision = 'refused' WHERE id = $1",
		      p, 1, NULL, NULL),
	    TDV_OK);
}

static void
test_store_stats_group_and_count(void)
{
	/* on a fresh checkpoint, on days of their own */
	tdv_checkpoint cp = {"CP-STAT", "Stats", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(st, &cp), TDV_OK);
	struct {
		const char *nat;
		char sex;
		const char *birth;
		tdv_decision d;
		int day;
		const char *fraud;
	} rows[] = {
	    {"UTO", 'F', "1974-08-12", TDV_DECISION_ADMITTED, 0, ""},
	    {"UTO", 'M', "2015-01-01", TDV_DECISION_ADMITTED, 0, ""},
	    {"D", 'F', "1960-05-05", TDV_DECISION_REFUSED, 1, "mrz"},
	    {"D", 'X', "", TDV_DECISION_REFERRED, 1, ""},
	    {"FRA", 'M', "2000-02-29", TDV_DECISION_ADMITTED, 2, ""},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		tdv_movement m;
		fill_movement(&m, "CP-STAT", "off1", rows[i].nat, rows[i].sex,
		    rows[i].birth, rows[i].d);
		m.time_ms = T0 + 100 * DAY_MS + rows[i].day * DAY_MS;
		snprintf(m.fraud_type, sizeof(m.fraud_type), "%s", rows[i].fraud);
		if (rows[i].d == TDV_DECISION_REFUSED)
			snprintf(m.verdict, sizeof(m.verdict), "FAIL");
		if (i == 4)
			m.direction = TDV_DIR_EXIT;
		CHECK_INT(tdv_store_record_movement(st, &m), TDV_OK);
	}
	/* T0 + 100 days = 2026-06-18; answers in test_store_stats_answers */
	tdv_stat_key keys[] = {TDV_STAT_NATIONALITY, TDV_STAT_SEX};
	CHECK_INT(tdv_store_stats(st, "2026-06-18", "2026-06-20", keys, 2, NULL, NULL),
	    TDV_EINVAL);
}

struct stat_text {
	char buf[2048];
	size_t len;
};

static int
stat_cb(void *ctx, const tdv_stat_row *r)
{
	struct stat_text *t = ctx;
	int w = snprintf(t->buf + t->len, sizeof(t->buf) - t->len, "%s",
	    t->len ? ";" : "");
	t->len += (size_t)w;
	for (int i = 0; i < r->nkeys; i++) {
		w = snprintf(t->buf + t->len, sizeof(t->buf) - t->len, "%s,", r->keys[i]);
		t->len += (size_t)w;
	}
	w = snprintf(t->buf + t->len, sizeof(t->buf) - t->len,
	    "%" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64, r->movements,
	    r->admitted, r->refused, r->referred, r->frauds);
	t->len += (size_t)w;
	return 0;
}

static void
test_store_stats_answers(void)
{
	struct stat_text t = {"", 0};
	tdv_stat_key k1[] = {TDV_STAT_NATIONALITY, TDV_STAT_SEX};
	CHECK_INT(tdv_store_stats(st, "2026-06-18", "2026-06-20", k1, 2, stat_cb, &t),
	    TDV_OK);
	CHECK_STR(t.buf, "D,F,1/0/1/0/1;D,X,1/0/0/1/0;FRA,M,1/1/0/0/0;"
			 "UTO,F,1/1/0/0/0;UTO,M,1/1/0/0/0");
	memset(&t, 0, sizeof(t));
	tdv_stat_key k2[] = {TDV_STAT_AGE_BAND};
	CHECK_INT(tdv_store_stats(st, "2026-06-18", "2026-06-20", k2, 1, stat_cb, &t),
	    TDV_OK);
	CHECK_STR(t.buf, "0-17,1/1/0/0/0;18-29,1/1/0/0/0;45-59,1/1/0/0/0;"
			 "60+,1/0/1/0/1;unknown,1/0/0/1/0");
	memset(&t, 0, sizeof(t));
	tdv_stat_key k3[] = {TDV_STAT_DAY, TDV_STAT_DIRECTION};
	CHECK_INT(tdv_store_stats(st, "2026-06-19", "2026-06-20", k3, 2, stat_cb, &t),
	    TDV_OK);
	CHECK_STR(t.buf, "2026-06-19,entry,2/0/1/1/1;2026-06-20,exit,1/1/0/0/0");
	memset(&t, 0, sizeof(t));
	CHECK_INT(tdv_store_stats(st, "2026-06-18", "2026-06-18", NULL, 0, stat_cb, &t),
	    TDV_OK);
	CHECK_STR(t.buf, "2/2/0/0/0");
	tdv_stat_key dup[] = {TDV_STAT_SEX, TDV_STAT_SEX};
	CHECK_INT(tdv_store_stats(st, "2026-06-18", "2026-06-20", dup, 2, stat_cb, &t),
	    TDV_EINVAL);
	CHECK_INT(tdv_store_stats(st, "2026-13-01", "2026-06-20", NULL, 0, stat_cb, &t),
	    TDV_EINVAL);
	tdv_stat_key k;
	CHECK_INT(tdv_stat_key_parse("age", &k), TDV_OK);
	CHECK_INT(k, TDV_STAT_AGE_BAND);
	CHECK_INT(tdv_stat_key_parse("; DROP TABLE movement", &k), TDV_EINVAL);
}

static void
test_store_sync_cursor(void)
{
	int64_t v = -1;
	CHECK_INT(tdv_store_sync_cursor_get(st, "movement", "CP-NORTH", &v), TDV_OK);
	CHECK_INT(v, 0);
	CHECK_INT(tdv_store_sync_cursor_set(st, "movement", "CP-NORTH", 42), TDV_OK);
	CHECK_INT(tdv_store_sync_cursor_set(st, "movement", "CP-NORTH", 43), TDV_OK);
	CHECK_INT(tdv_store_sync_cursor_get(st, "movement", "CP-NORTH", &v), TDV_OK);
	CHECK_INT(v, 43);
	CHECK_INT(tdv_store_sync_cursor_set(st, "bogus", "CP-NORTH", 1), TDV_EINVAL);
}

/* ---- import: a checkpoint's records into this store (central side) ---- */

struct copy_ctx {
	tdv_store *dst;
	int inserted, present, failed;
	int last_rc;
};

static int
copy_audit(void *ctx, const tdv_audit_entry *e)
{
	struct copy_ctx *c = ctx;
	bool ins = false;
	int rc = tdv_store_import_audit(c->dst, e, &ins);
	c->last_rc = rc;
	if (rc != TDV_OK)
		c->failed++;
	else if (ins)
		c->inserted++;
	else
		c->present++;
	return 0;
}

static int
copy_movement(void *ctx, const tdv_movement *m)
{
	struct copy_ctx *c = ctx;
	bool ins = false;
	int rc = tdv_store_import_movement(c->dst, m, &ins);
	c->last_rc = rc;
	if (rc != TDV_OK)
		c->failed++;
	else if (ins)
		c->inserted++;
	else
		c->present++;
	return 0;
}

static void
test_store_import_is_idempotent_and_checked(void)
{
	/* a checkpoint's own SQLite store, filled through the public API */
	char path[128];
	snprintf(path, sizeof(path), "sqlite:%s/checkpoint.db", tmpdir);
	tdv_store *cps = NULL;
	CHECK_INT(tdv_store_open(path, &cps, NULL, 0), TDV_OK);
	if (cps == NULL)
		return;
	tdv_checkpoint cp = {"CP-SOUTH", "South", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(cps, &cp), TDV_OK);
	CHECK_INT(tdv_store_checkpoint_put(st, &cp), TDV_OK);
	tdv_officer o = {"off9", "Nine", TDV_ROLE_OFFICER, true};
	CHECK_INT(tdv_store_officer_add(cps, &o, "pw", 2, NULL, "CP-SOUTH"), TDV_OK);
	tdv_movement m;
	for (int i = 0; i < 4; i++) {
		fill_movement(&m, "CP-SOUTH", "off9", "UTO", 'M', "1980-01-01",
		    TDV_DECISION_ADMITTED);
		m.time_ms = T0 + i;
		CHECK_INT(tdv_store_record_movement(cps, &m), TDV_OK);
	}
	struct copy_ctx c = {st, 0, 0, 0, 0};
	/* movements before their audit entries: refused */
	CHECK_INT(tdv_store_movements_since(cps, "CP-SOUTH", 0, 100, copy_movement, &c),
	    TDV_OK);
	CHECK_INT(c.failed, 4);
	CHECK_INT(c.last_rc, TDV_EAUDIT_BROKEN);
	memset(&c, 0, sizeof(c));
	c.dst = st;
	CHECK_INT(tdv_store_audit_since(cps, "CP-SOUTH", 0, 1000, copy_audit, &c),
	    TDV_OK);
	CHECK_INT(tdv_store_movements_since(cps, "CP-SOUTH", 0, 100, copy_movement, &c),
	    TDV_OK);
	CHECK_INT(c.failed, 0);
	CHECK_INT(c.inserted, 5 + 4); /* officer.add + 4 records; 4 movements */
	/* again: nothing new, nothing duplicated */
	memset(&c, 0, sizeof(c));
	c.dst = st;
	CHECK_INT(tdv_store_audit_since(cps, "CP-SOUTH", 0, 1000, copy_audit, &c),
	    TDV_OK);
	CHECK_INT(tdv_store_movements_since(cps, "CP-SOUTH", 0, 100, copy_movement, &c),
	    TDV_OK);
	CHECK_INT(c.inserted, 0);
	CHECK_INT(c.present, 9);
	int64_t n = 0;
	CHECK_INT(tdv_store_movement_count(st, "CP-SOUTH", &n), TDV_OK);
	CHECK_INT(n, 4);
	tdv_audit_report r;
	CHECK_INT(tdv_store_audit_verify(st, "CP-SOUTH", &r), TDV_OK);
	CHECK(r.intact);
	CHECK_INT(r.entries, 5);

	/* a different record under a known id is a conflict */
	m.decision = TDV_DECISION_REFUSED;
	bool ins = true;
	CHECK_INT(tdv_store_import_movement(st, &m, &ins), TDV_ESTORE_CONFLICT);
	CHECK(!ins);
	/* a forged audit entry (hash does not match content) is refused */
	tdv_audit_entry e;
	memset(&e, 0, sizeof(e));
	snprintf(e.chain, sizeof(e.chain), "CP-SOUTH");
	e.seq = 6;
	e.time_ms = T0;
	snprintf(e.action, sizeof(e.action), "note");
	memset(e.prev_hash, 'a', 64);
	memset(e.hash, 'b', 64);
	CHECK_INT(tdv_store_import_audit(st, &e, &ins), TDV_EAUDIT_BROKEN);
	/* a gap in the chain is refused */
	CHECK_INT(tdv_store_audit_append(cps, "CP-SOUTH", "off9", "a", "", "", NULL),
	    TDV_OK);
	CHECK_INT(tdv_store_audit_append(cps, "CP-SOUTH", "off9", "b", "", "", NULL),
	    TDV_OK);
	memset(&c, 0, sizeof(c));
	c.dst = st;
	CHECK_INT(tdv_store_audit_since(cps, "CP-SOUTH", 6, 10, copy_audit, &c),
	    TDV_OK);
	CHECK_INT(c.failed, 1);
	CHECK_INT(c.last_rc, TDV_EAUDIT_BROKEN);
	CHECK_INT(tdv_store_audit_verify(st, "CP-SOUTH", &r), TDV_OK);
	CHECK(r.intact);
	tdv_store_free(&cps);
}

static void
test_store_explicit_transaction_rolls_back(void)
{
	int64_t n0 = 0, n1 = 0;
	CHECK_INT(tdv_store_movement_count(st, NULL, &n0), TDV_OK);
	CHECK_INT(tdv_store_begin(st), TDV_OK);
	tdv_movement m;
	fill_movement(&m, "CP-NORTH", "off1", "UTO", 'F', "", TDV_DECISION_ADMITTED);
	CHECK_INT(tdv_store_record_movement(st, &m), TDV_OK);
	CHECK_INT(tdv_store_rollback(st), TDV_OK);
	CHECK_INT(tdv_store_movement_count(st, NULL, &n1), TDV_OK);
	CHECK_INT(n1, n0);
	CHECK_INT(tdv_store_commit(st), TDV_EINVAL);
}

static void
test_ulid_format(void)
{
	char a[TDV_ULID_LEN + 1], b[TDV_ULID_LEN + 1];
	CHECK_INT(tdv_ulid_new(0, a), TDV_OK);
	CHECK(strncmp(a, "0000000000", 10) == 0);
	CHECK_INT(tdv_ulid_new(T0, a), TDV_OK);
	CHECK_INT(tdv_ulid_new(T0 + 1, b), TDV_OK);
	CHECK(strcmp(a, b) < 0);
	CHECK(strspn(a, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") == TDV_ULID_LEN);
	CHECK_INT(tdv_ulid_new(-1, a), TDV_EINVAL);
	/* 2^48 - 1 ms is the last representable time: "7ZZZZZZZZZ" */
	CHECK_INT(tdv_ulid_new((INT64_C(1) << 48) - 1, a), TDV_OK);
	CHECK(strncmp(a, "7ZZZZZZZZZ", 10) == 0);
}

static int
list_cp(void *ctx, const tdv_checkpoint *cp)
{
	tdv_buf *b = ctx;
	tdv_buf_printf(b, "%s,", cp->id);
	return 0;
}

static int
list_off(void *ctx, const tdv_officer *o)
{
	tdv_buf *b = ctx;
	tdv_buf_printf(b, "%s:%s:%d,", o->id, tdv_role_name(o->role), o->active);
	return 0;
}

static void
test_store_lists(void)
{
	tdv_checkpoint cp = {"CP-LIST-B", "B", "UTO"}, cp2 = {"CP-LIST-A", "A", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(st, &cp), TDV_OK);
	CHECK_INT(tdv_store_checkpoint_put(st, &cp2), TDV_OK);
	tdv_buf b;
	tdv_buf_init(&b, 1 << 16);
	CHECK_INT(tdv_store_checkpoint_list(st, list_cp, &b), TDV_OK);
	/* every checkpoint, in id order */
	CHECK(strstr(tdv_buf_cstr(&b), "CP-LIST-A,CP-LIST-B,") != NULL);
	CHECK(strstr(tdv_buf_cstr(&b), "CP-NORTH,") != NULL);
	tdv_buf_reset(&b);
	tdv_officer o = {"list-z", "Zed", TDV_ROLE_EXAMINER, true};
	CHECK_INT(tdv_store_officer_add(st, &o, "pw", 2, NULL, "CP-LIST-A"), TDV_OK);
	CHECK_INT(tdv_store_officer_set_active(st, "list-z", false, NULL, "CP-LIST-A"), TDV_OK);
	CHECK_INT(tdv_store_officer_list(st, list_off, &b), TDV_OK);
	CHECK(strstr(tdv_buf_cstr(&b), "list-z:examiner:0,") != NULL);
	CHECK(strstr(tdv_buf_cstr(&b), "argon") == NULL); /* no hashes */
	tdv_buf_free(&b);
}

/* the URI of the same store, opened read-only */
static void
ro_uri(char *out, size_t n)
{
	snprintf(out, n, "%s?readonly=1", uri);
}

static void
test_store_readonly_open(void)
{
	char ru[4200], err[512];
	ro_uri(ru, sizeof(ru));
	tdv_store *ro = NULL;
	CHECK_INT(tdv_store_open(ru, &ro, err, sizeof(err)), TDV_OK);
	if (ro == NULL)
		return;
	CHECK(tdv_store_is_readonly(ro));
	CHECK(!tdv_store_is_readonly(st));
	int v = 0;
	CHECK_INT(tdv_store_schema_version(ro, &v), TDV_OK);
	CHECK_INT(v, TDV_STORE_SCHEMA_VERSION);
	tdv_checkpoint got;
	CHECK_INT(tdv_store_checkpoint_get(ro, "CP-NORTH", &got), TDV_OK);
	int64_t n = -1;
	CHECK_INT(tdv_store_movement_count(ro, NULL, &n), TDV_OK);
	CHECK(n >= 0);
	/* every kind of write is refused, clearly */
	tdv_checkpoint cp = {"CP-RO", "x", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(ro, &cp), TDV_ESTORE_READONLY);
	CHECK_INT(tdv_store_checkpoint_get(st, "CP-RO", &got), TDV_ENOENT);
	tdv_movement *m = calloc(1, sizeof(*m));
	fill_movement(m, "CP-NORTH", "anna", "UTO", 'F', "1974-08-12", TDV_DECISION_ADMITTED);
	CHECK_INT(tdv_store_record_movement(ro, m), TDV_ESTORE_READONLY);
	CHECK(strstr(tdv_store_errmsg(ro), "read-only") != NULL);
	CHECK_INT(tdv_store_sync_cursor_set(ro, "movement", "CP-NORTH", 5), TDV_ESTORE_READONLY);
	CHECK_INT(tdv_store_audit_append(ro, "CP-NORTH", NULL, "x.y", "", "", NULL),
	    TDV_ESTORE_READONLY);
	free(m);
	tdv_store_free(&ro);
	CHECK_INT(tdv_store_open_flags(uri, TDV_STORE_READONLY, &ro, NULL, 0), TDV_OK);
	CHECK(tdv_store_is_readonly(ro));
	tdv_store_free(&ro);
	CHECK_INT(tdv_store_open_flags(uri, 0x80, &ro, NULL, 0), TDV_EINVAL);
	/* no migration: a store at another version is refused, not changed */
	tdv__param p[] = {TDV__INT(TDV_STORE_SCHEMA_VERSION)};
	CHECK_INT(tdv__exec(st, "DELETE FROM schema_migration WHERE version = $1", p, 1,
		      NULL, NULL),
	    TDV_OK);
	CHECK_INT(tdv_store_open(ru, &ro, err, sizeof(err)), TDV_ESTORE_SCHEMA);
	CHECK(strstr(err, "upgrade the primary") != NULL);
	CHECK_INT(tdv_store_schema_version(st, &v), TDV_OK);
	CHECK_INT(v, TDV_STORE_SCHEMA_VERSION - 1);
	CHECK_INT(tdv__exec(st,
		      "INSERT INTO schema_migration (version, applied_ms) VALUES ($1, 0)",
		      p, 1, NULL, NULL),
	    TDV_OK);
	tdv__param p2[] = {TDV__INT(TDV_STORE_SCHEMA_VERSION + 1)};
	CHECK_INT(tdv__exec(st,
		      "INSERT INTO schema_migration (version, applied_ms) VALUES ($1, 0)",
		      p2, 1, NULL, NULL),
	    TDV_OK);
	CHECK_INT(tdv_store_open(ru, &ro, err, sizeof(err)), TDV_ESTORE_SCHEMA);
	CHECK(strstr(err, "newer") != NULL);
	CHECK_INT(tdv__exec(st, "DELETE FROM schema_migration WHERE version = $1", p2, 1,
		      NULL, NULL),
	    TDV_OK);
}

struct doc_rows {
	int n;
	char ids[4][TDV_ULID_LEN + 1];
	int with_outcome;
};

static int
doc_cb(void *ctx, const tdv_movement *m, const tdv_referral_outcome *r)
{
	struct doc_rows *d = ctx;
	if (d->n < 4)
		snprintf(d->ids[d->n], sizeof(d->ids[0]), "%s", m->id);
	d->n++;
	if (r != NULL && r->outcome == TDV_DECISION_REFUSED)
		d->with_outcome++;
	return 0;
}

static int
ref_cb(void *ctx, const tdv_referral_outcome *r)
{
	tdv_referral_outcome *out = ctx;
	*out = *r;
	return 0;
}

static void
test_store_referral_outcomes(void)
{
	tdv_checkpoint cp = {"CP-REF", "Referrals", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(st, &cp), TDV_OK);
	tdv_officer o = {"ref1", "Examiner", TDV_ROLE_EXAMINER, true};
	CHECK_INT(tdv_store_officer_add(st, &o, "pw", 2, NULL, "CP-REF"), TDV_OK);
	tdv_movement *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	fill_movement(a, "CP-REF", "ref1", "UTO", 'F', "1974-08-12", TDV_DECISION_ADMITTED);
	snprintf(a->document_number, sizeof(a->document_number), "REF000001");
	a->time_ms = T0;
	CHECK_INT(tdv_store_record_movement(st, a), TDV_OK);
	fill_movement(b, "CP-REF", "ref1", "UTO", 'F', "1974-08-12", TDV_DECISION_REFERRED);
	snprintf(b->document_number, sizeof(b->document_number), "REF000001");
	b->time_ms = T0 + 1000;
	CHECK_INT(tdv_store_record_movement(st, b), TDV_OK);

	tdv_referral_outcome r;
	memset(&r, 0, sizeof(r));
	snprintf(r.movement_id, sizeof(r.movement_id), "%s", b->id);
	snprintf(r.officer_id, sizeof(r.officer_id), "ref1");
	snprintf(r.reason, sizeof(r.reason), "forged visa page");
	r.outcome = TDV_DECISION_REFERRED;
	CHECK_INT(tdv_store_referral_record(st, &r), TDV_EINVAL); /* not an outcome */
	r.outcome = TDV_DECISION_REFUSED;
	tdv_referral_outcome got;
	CHECK_INT(tdv_store_referral_get(st, b->id, &got), TDV_ENOENT);
	CHECK_INT(tdv_store_referral_record(st, &r), TDV_OK);
	CHECK(r.audit_seq > b->audit_seq);
	CHECK_STR(r.checkpoint_id, "CP-REF");
	CHECK_INT(r.movement_seq, b->seq);
	CHECK_INT(tdv_store_referral_record(st, &r), TDV_EEXIST); /* once */
	CHECK_INT(tdv_store_referral_get(st, b->id, &got), TDV_OK);
	CHECK_INT(got.outcome, TDV_DECISION_REFUSED);
	CHECK_STR(got.reason, "forged visa page");
	CHECK_STR(got.officer_id, "ref1");
	CHECK_INT(got.audit_seq, r.audit_seq);
	CHECK_INT(got.time_ms, r.time_ms);
	/* an admitted movement has no referral; unknown movement; bad officer */
	tdv_referral_outcome x = r;
	snprintf(x.movement_id, sizeof(x.movement_id), "%s", a->id);
	CHECK_INT(tdv_store_referral_record(st, &x), TDV_EINVAL);
	snprintf(x.movement_id, sizeof(x.movement_id), "00000000000000000000000000");
	CHECK_INT(tdv_store_referral_record(st, &x), TDV_ENOENT);
	/* the movement itself is unchanged: the chain still verifies */
	tdv_audit_report rep;
	CHECK_INT(tdv_store_audit_verify(st, "CP-REF", &rep), TDV_OK);
	CHECK(rep.intact);
	/* sync: listed by audit seq; import is idempotent and checked */
	tdv_referral_outcome since;
	memset(&since, 0, sizeof(since));
	CHECK_INT(tdv_store_referrals_since(st, "CP-REF", 0, INT64_MAX, 10, ref_cb, &since),
	    TDV_OK);
	CHECK_STR(since.movement_id, b->id);
	CHECK_INT(since.movement_seq, b->seq);
	memset(&since, 0, sizeof(since));
	CHECK_INT(tdv_store_referrals_since(st, "CP-REF", r.audit_seq, INT64_MAX, 10, ref_cb,
		      &since),
	    TDV_OK);
	CHECK(since.movement_id[0] == '\0');
	bool ins = true;
	CHECK_INT(tdv_store_import_referral(st, &got, &ins), TDV_OK);
	CHECK(!ins);
	tdv_referral_outcome other = got;
	other.outcome = TDV_DECISION_ADMITTED;
	CHECK_INT(tdv_store_import_referral(st, &other, &ins), TDV_ESTORE_CONFLICT);
	/* an outcome whose audit entry does not name it is refused */
	tdv_movement *c = calloc(1, sizeof(*c));
	fill_movement(c, "CP-REF", "ref1", "UTO", 'F', "1974-08-12", TDV_DECISION_REFERRED);
	c->time_ms = T0 + 2000;
	CHECK_INT(tdv_store_record_movement(st, c), TDV_OK);
	tdv_referral_outcome forged = got;
	snprintf(forged.movement_id, sizeof(forged.movement_id), "%s", c->id);
	forged.audit_seq = c->audit_seq; /* the movement's own entry */
	CHECK_INT(tdv_store_import_referral(st, &forged, &ins), TDV_EAUDIT_BROKEN);
	CHECK_INT(tdv_store_referral_get(st, c->id, &got), TDV_ENOENT);
	/* movements by document: newest first, with the outcome; audited */
	struct doc_rows d;
	memset(&d, 0, sizeof(d));
	tdv_audit_report before, after;
	CHECK_INT(tdv_store_audit_verify(st, "CP-REF", &before), TDV_OK);
	CHECK_INT(tdv_store_movements_by_document(st, "UTO", "REF000001", 10, "ref1",
		      "CP-REF", doc_cb, &d),
	    TDV_OK);
	CHECK_INT(d.n, 2);
	CHECK_STR(d.ids[0], b->id);
	CHECK_STR(d.ids[1], a->id);
	CHECK_INT(d.with_outcome, 1);
	CHECK_INT(tdv_store_audit_verify(st, "CP-REF", &after), TDV_OK);
	CHECK_INT(after.entries, before.entries + 1);
	memset(&d, 0, sizeof(d));
	CHECK_INT(tdv_store_movements_by_document(st, "UTO", "REF000001", 1, "ref1",
		      "CP-REF", doc_cb, &d),
	    TDV_OK);
	CHECK_INT(d.n, 1);
	CHECK_INT(tdv_store_movements_by_document(st, "UTO", "", 1, "ref1", "CP-REF", doc_cb,
		      &d),
	    TDV_EINVAL);
	free(a);
	free(b);
	free(c);
}

int
main(int argc, char **argv)
{
	if (argc > 1) {
		snprintf(uri, sizeof(uri), "%s", argv[1]);
		is_pg = strncmp(uri, "postgres:", 9) == 0;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tdv-store-test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (!is_pg)
		snprintf(uri, sizeof(uri), "sqlite:%s/store.db", tmpdir);
	char err[512];
	int rc = tdv_store_open(uri, &st, err, sizeof(err));
	if (rc != TDV_OK) {
		fprintf(stderr, "cannot open %s: %s (%s)\n", uri, tdv_strerror(rc), err);
		return 1;
	}
	printf("backend: %s\n", is_pg ? "postgres" : "sqlite");
	RUN(test_store_open_applies_migrations);
	RUN(test_store_refuses_newer_schema);
	RUN(test_store_bad_uri);
	RUN(test_store_checkpoints);
	RUN(test_store_officers_roles_and_argon2id);
	RUN(test_store_password_hash_is_argon2id);
	RUN(test_store_record_movement_assigns_ids_and_sequence);
	RUN(test_store_record_refuses_bad_movements_atomically);
	RUN(test_store_disabled_officer_cannot_record);
	RUN(test_store_audit_chain_verifies_and_logs_reads);
	RUN(test_store_audit_is_append_only_in_the_database);
	RUN(test_store_stats_group_and_count);
	RUN(test_store_stats_answers);
	RUN(test_store_sync_cursor);
	RUN(test_store_import_is_idempotent_and_checked);
	RUN(test_store_explicit_transaction_rolls_back);
	RUN(test_ulid_format);
	RUN(test_store_lists);
	RUN(test_store_readonly_open);
	RUN(test_store_referral_outcomes);
	RUN(test_store_tamper_movement_row);
	RUN(test_store_tamper_tail_and_movement);
	RUN(test_store_tamper_is_detected);
	tdv_store_free(&st);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	TEST_EXIT();
}
