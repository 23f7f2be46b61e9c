/*
 * The tdv_store schema and its versioned migrations (one list, both
 * backends). Each migration runs in its own transaction and records its
 * version in schema_migration; a store written by a newer version is
 * refused (TDV_ESTORE_SCHEMA) rather than guessed at.
 *
 * Where the dialects differ (the append-only triggers), a migration has a
 * SQLite and a PostgreSQL text; the tables themselves are the same.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"
#include "tdv/error.h"

struct migration {
	int version;
	const char *common;
	const char *sqlite;
	const char *pg;
};

static const struct migration migrations[] = {
    {1,
	"CREATE TABLE checkpoint ("
	" id TEXT PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" country TEXT NOT NULL,"
	" movement_seq BIGINT NOT NULL DEFAULT 0);"
	"CREATE TABLE officer ("
	" id TEXT PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" role TEXT NOT NULL CHECK (role IN ('officer','examiner','supervisor',"
	"   'trainer','trainee','admin')),"
	" password_hash TEXT NOT NULL,"
	" active INTEGER NOT NULL DEFAULT 1,"
	" created_ms BIGINT NOT NULL);"
	"CREATE TABLE movement ("
	" id TEXT PRIMARY KEY,"
	" checkpoint_id TEXT NOT NULL REFERENCES checkpoint(id),"
	" seq BIGINT NOT NULL,"
	" time_ms BIGINT NOT NULL,"
	" day TEXT NOT NULL,"
	" direction TEXT NOT NULL CHECK (direction IN ('entry','exit')),"
	" officer_id TEXT NOT NULL,"
	" document_code TEXT NOT NULL,"
	" issuing_state TEXT NOT NULL,"
	" document_number TEXT NOT NULL,"
	" nationality TEXT NOT NULL,"
	" surname TEXT NOT NULL,"
	" given_names TEXT NOT NULL,"
	" sex TEXT NOT NULL,"
	" birth_date TEXT NOT NULL,"
	" expiry_date TEXT NOT NULL,"
	" age_band TEXT NOT NULL,"
	" verdict TEXT NOT NULL CHECK (verdict IN ('PASS','REFER','FAIL')),"
	" decision TEXT NOT NULL CHECK (decision IN ('admitted','refused','referred')),"
	" reason TEXT NOT NULL,"
	" fraud_type TEXT NOT NULL,"
	" checks TEXT NOT NULL,"
	" audit_seq BIGINT NOT NULL,"
	" UNIQUE (checkpoint_id, seq));"
	"CREATE INDEX movement_day ON movement(day);"
	"CREATE TABLE audit_entry ("
	" chain TEXT NOT NULL,"
	" seq BIGINT NOT NULL,"
	" time_ms BIGINT NOT NULL,"
	" actor TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" object TEXT NOT NULL,"
	" detail TEXT NOT NULL,"
	" prev_hash TEXT NOT NULL,"
	" hash TEXT NOT NULL,"
	" PRIMARY KEY (chain, seq));"
	"CREATE TABLE audit_head ("
	" chain TEXT PRIMARY KEY,"
	" seq BIGINT NOT NULL,"
	" hash TEXT NOT NULL);",
	/* append-only: the database itself refuses UPDATE and DELETE of
	 * audit entries (the hash chain catches whoever drops the trigger) */
	"CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry"
	" BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
	"CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry"
	" BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
	"CREATE FUNCTION audit_entry_append_only() RETURNS trigger"
	" LANGUAGE plpgsql AS $f$ BEGIN"
	" RAISE EXCEPTION 'audit log is append-only'; END $f$;"
	"CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry"
	" FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();"},
    {2,
	/* sync: how far each stream of each checkpoint has been delivered,
	 * and (central side) which batches were ingested, for replays */
	"CREATE TABLE sync_cursor ("
	" stream TEXT NOT NULL,"
	" checkpoint_id TEXT NOT NULL,"
	" seq BIGINT NOT NULL,"
	" PRIMARY KEY (stream, checkpoint_id));"
	"CREATE TABLE sync_batch ("
	" checkpoint_id TEXT NOT NULL,"
	" batch_id TEXT NOT NULL,"
	" digest TEXT NOT NULL,"
	" received_ms BIGINT NOT NULL,"
	" PRIMARY KEY (checkpoint_id, batch_id));",
	NULL, NULL},
    {3,
	/* the decision taken after secondary inspection of a referred
	 * traveller, who took it and when (tdv_store_referral_record; its own
	 * audit entry, synced as "referrals" in batch format 2), and the
	 * lookup of movements by document */
	"ALTER TABLE movement ADD COLUMN referral_outcome TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE movement ADD COLUMN referral_reason TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE movement ADD COLUMN referral_officer TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE movement ADD COLUMN referral_time_ms BIGINT NOT NULL DEFAULT 0;"
	"ALTER TABLE movement ADD COLUMN referral_audit_seq BIGINT NOT NULL DEFAULT 0;"
	"CREATE INDEX movement_document ON movement(issuing_state, document_number);"
	"CREATE INDEX movement_referral ON movement(checkpoint_id, referral_audit_seq);",
	NULL, NULL},
    {4,
	/* which checkpoints receive an officer's account ('*': all of
	 * them; existing officers keep going everywhere), the checkpoint
	 * certificates the sync CA issued (enrolment, renewal) with their
	 * revocation, and checkpoints cut off as a whole (certificates of
	 * theirs not in the register, issued before the cut, are refused) */
	"CREATE TABLE officer_checkpoint ("
	" officer_id TEXT NOT NULL REFERENCES officer(id),"
	" checkpoint_id TEXT NOT NULL,"
	" assigned_ms BIGINT NOT NULL,"
	" PRIMARY KEY (officer_id, checkpoint_id));"
	"INSERT INTO officer_checkpoint (officer_id, checkpoint_id, assigned_ms)"
	" SELECT id, '*', created_ms FROM officer;"
	"CREATE TABLE sync_cert ("
	" serial TEXT PRIMARY KEY,"
	" checkpoint_id TEXT NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" not_before_ms BIGINT NOT NULL,"
	" not_after_ms BIGINT NOT NULL,"
	" issued_ms BIGINT NOT NULL,"
	" replaces TEXT NOT NULL,"
	" first_used_ms BIGINT NOT NULL,"
	" revoked_ms BIGINT NOT NULL,"
	" revoked_reason TEXT NOT NULL,"
	" revoked_by TEXT NOT NULL);"
	"CREATE INDEX sync_cert_checkpoint ON sync_cert(checkpoint_id);"
	"CREATE TABLE sync_cert_cutoff ("
	" checkpoint_id TEXT PRIMARY KEY,"
	" revoked_ms BIGINT NOT NULL,"
	" reason TEXT NOT NULL,"
	" revoked_by TEXT NOT NULL);",
	NULL, NULL},
};

static int
version_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	int64_t *out = ctx;
	if (n < 1)
		return TDV_ESTORE_SCHEMA;
	if (v[0] == NULL) {
		*out = 0;
		return 0;
	}
	return tdv__parse_i64(v[0], out) == TDV_OK ? 0 : TDV_ESTORE_SCHEMA;
}

int
tdv_store_schema_version(tdv_store *s, int *version)
{
	int64_t v = 0;
	int rc = tdv__exec(s, "SELECT MAX(version) FROM schema_migration", NULL, 0,
	    version_row, &v);
	if (rc != TDV_OK)
		return rc;
	if (v < 0 || v > 1000000)
		return TDV_ESTORE_SCHEMA;
	*version = (int)v;
	return TDV_OK;
}

int
tdv__schema_check(tdv_store *s)
{
	int v = 0;
	int rc = tdv_store_schema_version(s, &v);
	if (rc != TDV_OK) {
		char msg[sizeof(s->errmsg)];
		snprintf(msg, sizeof(msg), "no tdverify schema readable (%.400s)", s->errmsg);
		tdv__store_set_err(s, msg);
		return TDV_ESTORE_SCHEMA;
	}
	if (v != TDV_STORE_SCHEMA_VERSION) {
		char msg[160];
		snprintf(msg, sizeof(msg),
		    "store is at schema %d, this tdverify reads schema %d%s", v,
		    TDV_STORE_SCHEMA_VERSION,
		    v < TDV_STORE_SCHEMA_VERSION
			? " (a read-only open does not migrate: upgrade the primary first)"
			: " (written by a newer tdverify)");
		tdv__store_set_err(s, msg);
		return TDV_ESTORE_SCHEMA;
	}
	return TDV_OK;
}

int
tdv__migrate(tdv_store *s, int upto)
{
	int rc = s->ops->script(s,
	    "CREATE TABLE IF NOT EXISTS schema_migration ("
	    " version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)");
	if (rc == TDV_ESTORE_READONLY) {
		char msg[sizeof(s->errmsg)];
		snprintf(msg, sizeof(msg),
		    "the database is read-only (a hot standby?): open it with"
		    " ?readonly=1 (%.300s)", s->errmsg);
		tdv__store_set_err(s, msg);
	}
	if (rc != TDV_OK)
		return rc;
	for (size_t i = 0; i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		const struct migration *m = &migrations[i];
		if (upto > 0 && m->version > upto)
			break;
		rc = tdv__tx_begin(s);
		if (rc != TDV_OK)
			return rc;
		/* PostgreSQL: two servers starting at once migrate in turn */
		if (s->backend == TDV_STORE_POSTGRES)
			rc = tdv__exec(s, "SELECT pg_advisory_xact_lock(7303)", NULL, 0,
			    NULL, NULL);
		int current = 0;
		if (rc == TDV_OK)
			rc = tdv_store_schema_version(s, &current);
		if (rc == TDV_OK && current > TDV_STORE_SCHEMA_VERSION) {
			tdv__store_set_err(s, "store written by a newer tdverify");
			rc = TDV_ESTORE_SCHEMA;
		}
		if (rc == TDV_OK && current < m->version) {
			rc = s->ops->script(s, m->common);
			const char *extra =
			    s->backend == TDV_STORE_SQLITE ? m->sqlite : m->pg;
			if (rc == TDV_OK && extra != NULL)
				rc = s->ops->script(s, extra);
			if (rc == TDV_OK) {
				tdv__param p[] = {TDV__INT(m->version),
				    TDV__INT(tdv_store_now_ms())};
				rc = tdv__exec(s,
				    "INSERT INTO schema_migration (version, applied_ms)"
				    " VALUES ($1, $2)",
				    p, 2, NULL, NULL);
			}
		}
		rc = tdv__tx_end(s, rc);
		if (rc != TDV_OK)
			return rc;
	}
	return TDV_OK;
}
