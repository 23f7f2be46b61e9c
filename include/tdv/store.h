/*
 * tdv_store: the checkpoint's records behind one interface, two backends.
 *
 *   "sqlite:PATH"          embedded store of one checkpoint (WAL journal,
 *                          synchronous=FULL: a call that returned TDV_OK
 *                          survives power loss)
 *   "postgres:CONNINFO"    headquarters' central store (libpq conninfo,
 *                          e.g. "host=/run/pg dbname=tdv")
 *
 * Both backends hold the same schema (versioned migrations, applied by
 * tdv_store_open) and give the same answers to the same calls; the test
 * suite tests/unit/test_store_suite.c runs unchanged against each.
 *
 * Records: checkpoints, officers (roles, Argon2id password hashes),
 * movements (globally unique sortable id, per-checkpoint sequence number)
 * and the audit log: append-only, one hash chain per checkpoint, each
 * entry carrying the SHA-256 of the previous one (tdv_store_audit_verify).
 *
 * A tdv_store is used by one thread at a time. Strings are UTF-8; every
 * string field has a fixed maximum and longer input is refused with
 * TDV_ELIMIT, never truncated.
 */
#ifndef TDV_STORE_H
#define TDV_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdv/buf.h"
#include "tdv/json.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdv_store tdv_store;

/* Current schema version written by this library. */
#define TDV_STORE_SCHEMA_VERSION 4

#define TDV_ID_MAX 32        /* checkpoint and officer ids: [A-Za-z0-9_.-] */
#define TDV_ULID_LEN 26      /* movement ids: Crockford base32, time-sortable */
#define TDV_NAME_MAX 96
#define TDV_REASON_MAX 256
#define TDV_CHECKS_MAX 16384 /* checks JSON of one movement */
#define TDV_PASSWORD_MAX 256

typedef enum tdv_store_backend {
	TDV_STORE_SQLITE = 1,
	TDV_STORE_POSTGRES = 2,
} tdv_store_backend;

/*
 * Open (and create or migrate) a store. uri is "sqlite:PATH" or
 * "postgres:CONNINFO". TDV_ESTORE_SCHEMA when the store was written by a
 * newer version; TDV_ESTORE when the backend refuses (the backend's
 * message is then in tdv_store_errmsg of the half-open store, which is
 * freed: pass errbuf to keep it). errbuf may be NULL.
 */
int tdv_store_open(const char *uri, tdv_store **out, char *errbuf,
    size_t errbufsz);

/*
 * Read-only open (flag TDV_STORE_READONLY, or "?readonly=1" at the end of
 * either URI, or "?mode=ro" at the end of a sqlite: URI): nothing is
 * migrated, the schema version must be exactly TDV_STORE_SCHEMA_VERSION
 * (TDV_ESTORE_SCHEMA otherwise, with the versions in the message), and
 * every write is refused with TDV_ESTORE_READONLY: by the library before
 * any transaction, and by the database itself (SQLite read-only file with
 * query_only, PostgreSQL default_transaction_read_only). This is how a
 * PostgreSQL hot standby (streaming replica) is read. Calls that audit a
 * read (tdv_store_movement_get) are writes and are refused too.
 */
#define TDV_STORE_READONLY 0x1u
int tdv_store_open_flags(const char *uri, unsigned flags, tdv_store **out,
    char *errbuf, size_t errbufsz);
bool tdv_store_is_readonly(const tdv_store *s);

/* Close and free; sets *s to NULL. NULL is accepted. */
void tdv_store_free(tdv_store **s);

tdv_store_backend tdv_store_backend_of(const tdv_store *s);

/* The last backend message (SQLite or PostgreSQL text), "" if none. */
const char *tdv_store_errmsg(const tdv_store *s);

/* Schema version found in the store. */
int tdv_store_schema_version(tdv_store *s, int *version);

/* ---- checkpoints ---- */

typedef struct tdv_checkpoint {
	char id[TDV_ID_MAX + 1];
	char name[TDV_NAME_MAX + 1];
	char country[4]; /* ICAO code of the state operating it */
} tdv_checkpoint;

/* Create the checkpoint or update its name and country. */
int tdv_store_checkpoint_put(tdv_store *s, const tdv_checkpoint *cp);

/* TDV_ENOENT when unknown. */
int tdv_store_checkpoint_get(tdv_store *s, const char *id, tdv_checkpoint *out);

/* Every checkpoint, in id order; cb returns nonzero to stop. */
typedef int (*tdv_checkpoint_cb)(void *ctx, const tdv_checkpoint *cp);
int tdv_store_checkpoint_list(tdv_store *s, tdv_checkpoint_cb cb, void *ctx);

/* ---- officers ---- */

typedef enum tdv_role {
	TDV_ROLE_OFFICER = 1,
	TDV_ROLE_EXAMINER,
	TDV_ROLE_SUPERVISOR,
	TDV_ROLE_TRAINER,
	TDV_ROLE_TRAINEE,
	TDV_ROLE_ADMIN,
} tdv_role;

/* "officer", "examiner", ...; NULL for an unknown value. */
const char *tdv_role_name(tdv_role r);
/* TDV_EINVAL for an unknown name. */
int tdv_role_parse(const char *name, tdv_role *out);

typedef struct tdv_officer {
	char id[TDV_ID_MAX + 1];
	char name[TDV_NAME_MAX + 1];
	tdv_role role;
	bool active;
} tdv_officer;

/*
 * Add an officer with a password (hashed with Argon2id, libsodium
 * crypto_pwhash_str, interactive limits; the clear text is never stored).
 * TDV_EEXIST when the id is taken. `actor` (may be NULL) is the officer
 * doing it, written to the audit log of checkpoint `audit_checkpoint`
 * (NULL: the central chain "-").
 */
int tdv_store_officer_add(tdv_store *s, const tdv_officer *o,
    const char *password, size_t password_len, const char *actor,
    const char *audit_checkpoint);

/* Replace the password hash. TDV_ENOENT when unknown. */
int tdv_store_officer_set_password(tdv_store *s, const char *id,
    const char *password, size_t password_len, const char *actor,
    const char *audit_checkpoint);

/* Enable or disable an account. */
int tdv_store_officer_set_active(tdv_store *s, const char *id, bool active,
    const char *actor, const char *audit_checkpoint);

int tdv_store_officer_get(tdv_store *s, const char *id, tdv_officer *out);

/* Every officer account (no hashes), in id order. */
typedef int (*tdv_officer_cb)(void *ctx, const tdv_officer *o);
int tdv_store_officer_list(tdv_store *s, tdv_officer_cb cb, void *ctx);

/*
 * Check a password. TDV_OK and *out filled when it matches an active
 * account; TDV_EAUTH otherwise (unknown id, wrong password and disabled
 * account are not told apart). Every attempt is audited.
 */
int tdv_store_officer_authenticate(tdv_store *s, const char *id,
    const char *password, size_t password_len, const char *audit_checkpoint,
    tdv_officer *out);

/* ---- movements ---- */

typedef enum tdv_direction {
	TDV_DIR_ENTRY = 1,
	TDV_DIR_EXIT = 2,
} tdv_direction;

typedef enum tdv_decision {
	TDV_DECISION_ADMITTED = 1,
	TDV_DECISION_REFUSED = 2,
	TDV_DECISION_REFERRED = 3,
} tdv_decision;

const char *tdv_direction_name(tdv_direction d);       /* "entry", "exit" */
int tdv_direction_parse(const char *name, tdv_direction *out);
const char *tdv_decision_name(tdv_decision d);         /* "admitted", ... */
int tdv_decision_parse(const char *name, tdv_decision *out);

typedef struct tdv_movement {
	/* set by tdv_store_record_movement (input value ignored) unless
	 * imported by sync, which keeps the checkpoint's values */
	char id[TDV_ULID_LEN + 1];
	int64_t seq;      /* 1, 2, ... per checkpoint */
	int64_t time_ms;  /* Unix time in ms, UTC; 0 on input: now */
	int64_t audit_seq; /* the audit entry that recorded it */

	char checkpoint_id[TDV_ID_MAX + 1];
	tdv_direction direction;
	char officer_id[TDV_ID_MAX + 1];

	/* traveller and document, as read (MRZ fields, fillers removed) */
	char document_code[3];
	char issuing_state[4];
	char document_number[32];
	char nationality[4];
	char surname[TDV_NAME_MAX + 1];
	char given_names[TDV_NAME_MAX + 1];
	char sex;              /* 'M', 'F', 'X' */
	char birth_date[11];   /* YYYY-MM-DD or "" */
	char expiry_date[11];

	char verdict[8];       /* "PASS", "REFER", "FAIL" */
	tdv_decision decision;
	char reason[TDV_REASON_MAX + 1];
	char fraud_type[TDV_ID_MAX + 1]; /* "" or the failing check class */
	char checks_json[TDV_CHECKS_MAX + 1]; /* every check, JSON array */
} tdv_movement;

/*
 * Record one movement durably: assigns id, seq, time (if 0) and writes the
 * movement and its audit entry in one transaction. The officer must exist
 * and be active (TDV_EAUTH otherwise), the checkpoint must exist
 * (TDV_ENOENT). TDV_OK means committed (fsync'd on SQLite).
 */
int tdv_store_record_movement(tdv_store *s, tdv_movement *m);

/*
 * Read one movement by id. The read is audited as "movement.read" by
 * `reader` in chain `audit_checkpoint` (personal data access is logged).
 */
int tdv_store_movement_get(tdv_store *s, const char *id, const char *reader,
    const char *audit_checkpoint, tdv_movement *out);

/* Movements of one checkpoint with seq > after, in seq order, at most
 * limit; cb returns nonzero to stop. Not audited (internal use: sync). */
typedef int (*tdv_movement_cb)(void *ctx, const tdv_movement *m);
int tdv_store_movements_since(tdv_store *s, const char *checkpoint_id,
    int64_t after, int limit, tdv_movement_cb cb, void *ctx);

/* Number of movements of a checkpoint (all when checkpoint_id is NULL). */
int tdv_store_movement_count(tdv_store *s, const char *checkpoint_id,
    int64_t *count);

/* Write a movement as a JSON object. */
void tdv_movement_to_json(const tdv_movement *m, tdv_json *j);

/*
 * Movements of one document (issuing state + number), newest first, at
 * most limit (1..1000), with their referral outcomes. Personal data: the
 * lookup is audited as "movement.by_document" by `reader` in chain
 * `audit_checkpoint` (so it is refused on a read-only store).
 */
typedef struct tdv_referral_outcome tdv_referral_outcome;
typedef int (*tdv_movement_ref_cb)(void *ctx, const tdv_movement *m,
    const tdv_referral_outcome *outcome); /* outcome NULL: none recorded */
int tdv_store_movements_by_document(tdv_store *s, const char *issuing_state,
    const char *document_number, int limit, const char *reader,
    const char *audit_checkpoint, tdv_movement_ref_cb cb, void *ctx);

/* ---- referral outcomes (schema 3) ---- */

/*
 * The decision taken after secondary inspection of a traveller whose
 * movement was recorded as "referred": admitted or refused, the reason,
 * the officer who took it and when. Recorded once per movement at the
 * checkpoint that recorded the movement, with its own audit entry
 * ("movement.referral", object = movement id, detail = "sha256:" + the
 * hash of the outcome), and synced to the centre (batch format 2).
 */
struct tdv_referral_outcome {
	char movement_id[TDV_ULID_LEN + 1];
	char checkpoint_id[TDV_ID_MAX + 1]; /* set from the movement */
	int64_t movement_seq;               /* set from the movement */
	tdv_decision outcome;               /* ADMITTED or REFUSED */
	char reason[TDV_REASON_MAX + 1];
	char officer_id[TDV_ID_MAX + 1];
	int64_t time_ms;   /* 0 on input: now */
	int64_t audit_seq; /* set: its audit entry */
};

/* TDV_ENOENT: no such movement; TDV_EINVAL: not a referred movement or
 * not an admitted/refused outcome; TDV_EEXIST: already decided; TDV_EAUTH:
 * officer unknown or disabled. */
int tdv_store_referral_record(tdv_store *s, tdv_referral_outcome *r);
/* TDV_ENOENT when the movement has no outcome (or does not exist). */
int tdv_store_referral_get(tdv_store *s, const char *movement_id,
    tdv_referral_outcome *out);
/* Outcomes of a checkpoint whose audit entry seq is in (after, upto], in
 * that order (sync). */
typedef int (*tdv_referral_cb)(void *ctx, const tdv_referral_outcome *r);
int tdv_store_referrals_since(tdv_store *s, const char *checkpoint_id,
    int64_t after, int64_t upto, int limit, tdv_referral_cb cb, void *ctx);
/* Central side: idempotent import of an outcome received by sync (the
 * movement and the outcome's audit entry must be present: TDV_ENOENT /
 * TDV_EAUDIT_BROKEN; a different outcome already there:
 * TDV_ESTORE_CONFLICT). */
int tdv_store_import_referral(tdv_store *s, const tdv_referral_outcome *r,
    bool *inserted);
/* The outcome as one JSON object (movement, checkpoint, outcome, reason,
 * officer, time_ms, audit_seq): the sync batch and the CLI write this. */
void tdv_referral_outcome_json(tdv_json *j, const tdv_referral_outcome *r);

/* ---- audit log ---- */

#define TDV_AUDIT_ACTION_MAX 48
#define TDV_AUDIT_OBJECT_MAX 64
#define TDV_AUDIT_DETAIL_MAX 1024

typedef struct tdv_audit_entry {
	char chain[TDV_ID_MAX + 1]; /* checkpoint id, "-" for headquarters */
	int64_t seq;                /* 1, 2, ... within the chain */
	int64_t time_ms;
	char actor[TDV_ID_MAX + 1];
	char action[TDV_AUDIT_ACTION_MAX + 1];
	char object[TDV_AUDIT_OBJECT_MAX + 1];
	char detail[TDV_AUDIT_DETAIL_MAX + 1];
	char prev_hash[65]; /* hex SHA-256; 64 zeros for the first entry */
	char hash[65];
} tdv_audit_entry;

/* Append an entry to chain `chain` (NULL: "-"). seq_out may be NULL. */
int tdv_store_audit_append(tdv_store *s, const char *chain, const char *actor,
    const char *action, const char *object, const char *detail,
    int64_t *seq_out);

typedef struct tdv_audit_report {
	int64_t chains;
	int64_t entries;
	bool intact;
	/* first broken entry (when !intact) */
	char broken_chain[TDV_ID_MAX + 1];
	int64_t broken_seq;
	char problem[160];
} tdv_audit_report;

/*
 * Walk every chain (or only `chain` when not NULL) and recompute it:
 * sequence contiguous from 1, each prev_hash equal to the previous entry's
 * hash, each hash equal to the hash of the entry's content, the chain head
 * (kept apart) equal to the last entry, and every movement's audit entry
 * present and naming that movement's content hash. TDV_OK with
 * report->intact false and the first problem named when broken;
 * a negative code only when the store itself cannot be read.
 */
int tdv_store_audit_verify(tdv_store *s, const char *chain,
    tdv_audit_report *report);

/* Entries of a chain with seq > after, in order. */
typedef int (*tdv_audit_cb)(void *ctx, const tdv_audit_entry *e);
int tdv_store_audit_since(tdv_store *s, const char *chain, int64_t after,
    int limit, tdv_audit_cb cb, void *ctx);

/* ---- statistics ---- */

/* Grouping keys for tdv_store_stats. */
typedef enum tdv_stat_key {
	TDV_STAT_DAY = 1,
	TDV_STAT_CHECKPOINT,
	TDV_STAT_DIRECTION,
	TDV_STAT_NATIONALITY,
	TDV_STAT_SEX,
	TDV_STAT_AGE_BAND,
	TDV_STAT_DOCUMENT_TYPE,
	TDV_STAT_DECISION,
	TDV_STAT_FRAUD_TYPE,
} tdv_stat_key;

#define TDV_STAT_MAX_KEYS 4

/* "day", "checkpoint", ...; TDV_EINVAL for an unknown name. */
int tdv_stat_key_parse(const char *name, tdv_stat_key *out);
const char *tdv_stat_key_name(tdv_stat_key k);

typedef struct tdv_stat_row {
	int nkeys;
	const char *keys[TDV_STAT_MAX_KEYS]; /* values of the grouping keys */
	int64_t movements;
	int64_t admitted;
	int64_t refused;
	int64_t referred;
	int64_t frauds;
} tdv_stat_row;

typedef int (*tdv_stat_cb)(void *ctx, const tdv_stat_row *row);

/*
 * Movements between days from and to (inclusive, "YYYY-MM-DD", UTC),
 * grouped by up to TDV_STAT_MAX_KEYS keys (none: one total row), in key
 * order. Age band ("0-17", "18-29", "30-44", "45-59", "60+", "unknown") is
 * the traveller's age on the day of the movement.
 */
int tdv_store_stats(tdv_store *s, const char *from, const char *to,
    const tdv_stat_key *keys, int nkeys, tdv_stat_cb cb, void *ctx);

/* ---- sync bookkeeping ---- */

/* Highest seq of checkpoint_id's movements (and audit entries) known to
 * have reached the central store. 0 when nothing was sent. */
int tdv_store_sync_cursor_get(tdv_store *s, const char *stream,
    const char *checkpoint_id, int64_t *seq);
int tdv_store_sync_cursor_set(tdv_store *s, const char *stream,
    const char *checkpoint_id, int64_t seq);

/*
 * Central side: insert a movement and/or audit entry received from a
 * checkpoint, keeping its id, seq and hashes. Idempotent: an identical
 * record already present is TDV_OK (*inserted false); a different record
 * under the same id or (checkpoint, seq) is TDV_ESTORE_CONFLICT. Used
 * within tdv_store_begin/commit by sync ingest.
 */
int tdv_store_import_movement(tdv_store *s, const tdv_movement *m,
    bool *inserted);
int tdv_store_import_audit(tdv_store *s, const tdv_audit_entry *e,
    bool *inserted);

/* Explicit transactions (for batch ingest). Calls made inside are part of
 * the transaction; rollback undoes all of them. */
int tdv_store_begin(tdv_store *s);
int tdv_store_commit(tdv_store *s);
int tdv_store_rollback(tdv_store *s);

/* A new globally unique, time-sortable id (ULID: 48-bit ms time, 80 random
 * bits, Crockford base32). */
int tdv_ulid_new(int64_t time_ms, char out[TDV_ULID_LEN + 1]);

/* Current time in ms since the epoch (UTC). */
int64_t tdv_store_now_ms(void);

/* list and account pulls (sync) */
/*
 * Sync's own tables (publications, pull state, enrolment tokens) are
 * created on first use by these calls (CREATE TABLE IF NOT EXISTS in one
 * transaction), in both backends; they are not part of the numbered
 * migrations above.
 *
 * A publication is one signed version of a list the centre hands out:
 * kind "sltd" (full CSV list or delta), "watchlist", "trust" (bundle of
 * CSCA/master list/CRL files) or "officers" (accounts with Argon2id
 * hashes). Versions of a kind are 1, 2, ... without gaps.
 */
#define TDV_PUB_KIND_MAX 47 /* "officers@" + a checkpoint id fits */

typedef struct tdv_pub {
	char kind[TDV_PUB_KIND_MAX + 1];
	int64_t version;
	char type[8];          /* "full" or "delta" */
	int64_t base;          /* delta: the version it applies to; full: 0 */
	char sha256[65];       /* of the decoded data, lowercase hex */
	int64_t published_ms;
	const char *signature; /* base64 */
	const char *signer;    /* PEM certificate of the signer */
	const char *data;      /* base64 of the content */
} tdv_pub;

/* Add version p->version of p->kind: it must be the latest + 1
 * (TDV_ESTORE_CONFLICT otherwise). */
int tdv_store_pub_add(tdv_store *s, const tdv_pub *p);
/* Latest version of a kind (0: none); meta may be NULL, else filled
 * without signature/signer/data. */
int tdv_store_pub_latest(tdv_store *s, const char *kind, int64_t *version,
    tdv_pub *meta);
/* Latest full version of a kind (0: none). */
int tdv_store_pub_latest_full(tdv_store *s, const char *kind, int64_t *version);
/*
 * Delete old versions: of each kind (or only of kind, when not NULL),
 * keep the last `keep` versions and every version from the latest full
 * one on (a delta chain a checkpoint may still need to apply starts
 * there; versions before the latest full one are never served). Audited
 * ("sync.prune") when something went. *deleted may be NULL.
 */
int tdv_store_pub_prune(tdv_store *s, const char *kind, int keep,
    int64_t *deleted);
/* Versions > after in order; the pointers live during the call only. */
typedef int (*tdv_pub_cb)(void *ctx, const tdv_pub *p);
int tdv_store_pub_since(tdv_store *s, const char *kind, int64_t after,
    tdv_pub_cb cb, void *ctx);

/* Checkpoint side: what was last pulled of a kind. */
typedef struct tdv_pull_state {
	int64_t version;      /* publication version applied (0: none) */
	char sha256[65];
	int64_t published_ms; /* when the centre published it */
	int64_t pulled_ms;    /* when it was applied here */
	int64_t local_version; /* sltd: the index file's own version */
} tdv_pull_state;
/* TDV_OK with a zeroed state when nothing was pulled. */
int tdv_store_pull_state_get(tdv_store *s, const char *kind,
    tdv_pull_state *out);
int tdv_store_pull_state_set(tdv_store *s, const char *kind,
    const tdv_pull_state *st);

/* Every officer with its password hash (for the officers publication). */
typedef int (*tdv_officer_hash_cb)(void *ctx, const tdv_officer *o,
    const char *password_hash);
int tdv_store_officer_export(tdv_store *s, tdv_officer_hash_cb cb, void *ctx);

/*
 * Make the local accounts equal to the centre's list, in one transaction:
 * add or update (name, role, hash, enabled) each listed officer, disable
 * every local account the list does not hold. Hashes must be Argon2id
 * encoded strings ("$argon2id$..."). Each change is audited as
 * "officer.sync" in chain audit_checkpoint. *changed counts changes.
 */
int tdv_store_officers_replace(tdv_store *s, const tdv_officer *list,
    const char *const *hashes, size_t n, const char *audit_checkpoint,
    int *changed);

/* One-time enrolment tokens (only their SHA-256 is stored). */
int tdv_store_enrol_token_add(tdv_store *s, const char *token_sha256,
    const char *checkpoint_id, int64_t expires_ms);
/* Mark the token used for checkpoint_id at now_ms: TDV_OK once;
 * TDV_EAUTH when unknown, already used, expired or bound to another
 * checkpoint (not told apart). */
int tdv_store_enrol_token_use(tdv_store *s, const char *token_sha256,
    const char *checkpoint_id, int64_t now_ms);

/* ---- checkpoint certificates and officer assignment (schema 4) ---- */
/*
 * The register of checkpoint certificates the sync CA issued (enrolment
 * and renewal), by serial number (lowercase hex without leading zeros,
 * as OpenSSL prints it). A revoked certificate is refused by the sync
 * server at every connection; revoking a checkpoint also cuts off any
 * certificate of it that is not in the register (issued by hand) and
 * whose validity began before the cut.
 */
#define TDV_CERT_SERIAL_MAX 64
#define TDV_CERT_REASON_MAX 120

typedef struct tdv_cert_rec {
	char serial[TDV_CERT_SERIAL_MAX + 1];
	char checkpoint[TDV_ID_MAX + 1];
	char sha256[65];       /* of the certificate's DER */
	int64_t not_before_ms, not_after_ms;
	int64_t issued_ms;
	char replaces[TDV_CERT_SERIAL_MAX + 1]; /* renewal: the serial renewed */
	int64_t first_used_ms; /* first connection made with it (0: never) */
	int64_t revoked_ms;    /* 0: not revoked */
	char revoked_reason[TDV_CERT_REASON_MAX + 1];
	char revoked_by[TDV_ID_MAX + 1];
} tdv_cert_rec;

/* Register an issued certificate (audited "checkpoint.cert"). A renewal
 * (replaces set) supersedes any earlier renewal of the same certificate
 * that was never used. */
int tdv_store_cert_add(tdv_store *s, const tdv_cert_rec *c);
/* TDV_ENOENT when the serial is not registered. */
int tdv_store_cert_get(tdv_store *s, const char *serial, tdv_cert_rec *out);
/* Certificates of a checkpoint (NULL: all), newest first. */
typedef int (*tdv_cert_cb)(void *ctx, const tdv_cert_rec *c);
int tdv_store_cert_list(tdv_store *s, const char *checkpoint, tdv_cert_cb cb,
    void *ctx);
/*
 * Revoke, in one audited transaction ("checkpoint.revoke"), either one
 * certificate by serial (a serial not in the register is recorded as
 * revoked too) or, with checkpoint, every certificate of that checkpoint
 * plus the cut-off for unregistered ones. *count: certificates newly
 * revoked. reason: printable, at most TDV_CERT_REASON_MAX bytes.
 */
int tdv_store_cert_revoke(tdv_store *s, const char *checkpoint,
    const char *serial, const char *reason, const char *actor, int *count);
/*
 * Sync server, at every connection with a client certificate: may this
 * certificate (serial, CN = checkpoint, notBefore) be used? TDV_OK, or
 * TDV_ESYNC_REVOKED with why filled ("revoked 2026-11-24T01:02:03Z:
 * stolen"). The first use of a renewed certificate revokes the one it
 * replaces ("superseded by renewal"), so the old one works until the
 * new one has been seen to work.
 */
int tdv_store_cert_check(tdv_store *s, const char *serial,
    const char *checkpoint, int64_t not_before_ms, char *why, size_t whysz);

/*
 * Officer assignment: an officer's account is published to the
 * checkpoints it is assigned to ('*' = every checkpoint). A new officer
 * (tdv_store_officer_add) is assigned to '*'. Audited "officer.assign" /
 * "officer.unassign"; TDV_ENOENT for an unknown officer.
 */
int tdv_store_officer_assign(tdv_store *s, const char *officer,
    const char *checkpoint, bool assign, const char *actor,
    const char *audit_checkpoint);
/* The checkpoints of an officer ("*" first when assigned to all). */
typedef int (*tdv_assign_cb)(void *ctx, const char *checkpoint);
int tdv_store_officer_assignments(tdv_store *s, const char *officer,
    tdv_assign_cb cb, void *ctx);
/* Like tdv_store_officer_export, only the officers assigned to
 * checkpoint (or to '*'). */
int tdv_store_officer_export_for(tdv_store *s, const char *checkpoint,
    tdv_officer_hash_cb cb, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
