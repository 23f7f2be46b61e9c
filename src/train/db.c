/*
 * The training database: exercise sets and their keys, attempts and
 * answers, per-defect results, the practice record and the cascade. Kept
 * in its own SQLite file next to the checkpoint store (tdv/store.h has no
 * way to run other SQL on its database); the schema is versioned here.
 *
 * Secrecy rules enforced here, not in the callers: a trainee never gets
 * the key of a set nor feedback before their own submission; only the
 * attempt's trainee answers and submits; feedback and records are shown
 * to the person and to trainers above them in the cascade.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train_int.h"
#include "tdv/error.h"
#include "tdv/mrz.h"
#include "tdv/store.h"
#include "tdv/train.h"

struct tdv_train_db {
	sqlite3 *db;
	char errmsg[256];
};

static const char *const schema_v1 =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS config(key TEXT PRIMARY KEY,"
    " value INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS person(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " checkpoint TEXT NOT NULL, role INTEGER NOT NULL, level INTEGER NOT NULL,"
    " trainer TEXT);"
    "CREATE TABLE IF NOT EXISTS exset(id TEXT PRIMARY KEY, title TEXT NOT NULL,"
    " level INTEGER NOT NULL, limit_ms INTEGER NOT NULL, kind TEXT NOT NULL,"
    " created_by TEXT NOT NULL, created_ms INTEGER NOT NULL, ndocs INTEGER"
    " NOT NULL);"
    "CREATE TABLE IF NOT EXISTS exdoc(set_id TEXT NOT NULL, idx INTEGER NOT"
    " NULL, defects INTEGER NOT NULL, src_dir TEXT NOT NULL, src_idx INTEGER"
    " NOT NULL, PRIMARY KEY(set_id, idx));"
    "CREATE TABLE IF NOT EXISTS attempt(id TEXT PRIMARY KEY, set_id TEXT NOT"
    " NULL, trainee TEXT NOT NULL, trainer TEXT NOT NULL, course INTEGER NOT"
    " NULL, day TEXT NOT NULL, started_ms INTEGER NOT NULL, submitted_ms"
    " INTEGER, percent REAL, passed INTEGER);"
    "CREATE TABLE IF NOT EXISTS response(attempt TEXT NOT NULL, idx INTEGER"
    " NOT NULL, decision INTEGER NOT NULL, named INTEGER NOT NULL, time_ms"
    " INTEGER NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(attempt, idx));"
    "CREATE TABLE IF NOT EXISTS result(attempt TEXT NOT NULL, defect INTEGER"
    " NOT NULL, presented INTEGER NOT NULL, detected INTEGER NOT NULL,"
    " PRIMARY KEY(attempt, defect));"
    "CREATE TABLE IF NOT EXISTS practice(officer TEXT PRIMARY KEY, drills"
    " INTEGER NOT NULL, level INTEGER NOT NULL, skills BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS attempt_trainee ON attempt(trainee);";

/* v2: the exercise documents' numbers, so that live inspection can refuse
 * them (tdv_train_db_is_exercise_doc) */
static const char *const schema_v2 =
    "CREATE TABLE IF NOT EXISTS exnum(state TEXT NOT NULL, number TEXT NOT"
    " NULL, set_id TEXT NOT NULL, PRIMARY KEY(state, number, set_id));";

static int
fail(tdv_train_db *t, int code)
{
	snprintf(t->errmsg, sizeof(t->errmsg), "%s", sqlite3_errmsg(t->db));
	return code;
}

static int
exec(tdv_train_db *t, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(t->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		snprintf(t->errmsg, sizeof(t->errmsg), "%s", err ? err : "");
		sqlite3_free(err);
		return TDV_ESTORE;
	}
	return TDV_OK;
}

static int
prep(tdv_train_db *t, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(t->db, sql, -1, st, NULL) != SQLITE_OK)
		return fail(t, TDV_ESTORE);
	return TDV_OK;
}

static void
text(sqlite3_stmt *st, int col, char *out, size_t outsz)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	snprintf(out, outsz, "%s", s ? (const char *)s : "");
}

static int backfill_nums(tdv_train_db *db);

const char *
tdv_train_db_errmsg(const tdv_train_db *db)
{
	return db ? db->errmsg : "";
}

int
tdv_train_db_open(const char *path, tdv_train_db **out)
{
	if (path == NULL || out == NULL)
		return TDV_EINVAL;
	tdv_train_db *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return TDV_ENOMEM;
	int rc = TDV_ESTORE;
	if (sqlite3_open_v2(path, &t->db, SQLITE_OPEN_READWRITE |
		SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto bad;
	sqlite3_busy_timeout(t->db, 5000);
	if ((rc = exec(t, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			  "PRAGMA foreign_keys=ON;")) != TDV_OK ||
	    (rc = exec(t, "BEGIN IMMEDIATE")) != TDV_OK)
		goto bad;
	if ((rc = exec(t, schema_v1)) != TDV_OK)
		goto rollback;
	sqlite3_stmt *st;
	if ((rc = prep(t, "SELECT value FROM meta WHERE key='schema_version'",
		 &st)) != TDV_OK)
		goto rollback;
	int version = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > TDV_TRAIN_SCHEMA_VERSION) {
		rc = TDV_ESTORE_SCHEMA;
		goto rollback;
	}
	if (version == 0 &&
	    (rc = exec(t, "INSERT INTO meta VALUES('schema_version','1')")) !=
		TDV_OK)
		goto rollback;
	if ((rc = exec(t, schema_v2)) != TDV_OK)
		goto rollback;
	if (version < 2 &&
	    ((rc = backfill_nums(t)) != TDV_OK ||
		(rc = exec(t, "UPDATE meta SET value='2' WHERE "
			      "key='schema_version'")) != TDV_OK))
		goto rollback;
	if ((rc = exec(t, "COMMIT")) != TDV_OK)
		goto bad;
	*out = t;
	return TDV_OK;
rollback:
	exec(t, "ROLLBACK");
bad:
	sqlite3_close(t->db);
	free(t);
	return rc;
}

void
tdv_train_db_free(tdv_train_db **db)
{
	if (db == NULL || *db == NULL)
		return;
	sqlite3_close((*db)->db);
	free(*db);
	*db = NULL;
}

static const struct {
	const char *key;
	long def, min, max;
} settings[] = {
    {"refresher_months", 12, 1, 120},
    {"pass_mark", 80, 1, 100},
    {"warn_days", 30, 0, 365},
};

int
tdv_train_db_config_set(tdv_train_db *db, const char *key, long value)
{
	if (db == NULL || key == NULL)
		return TDV_EINVAL;
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (strcmp(key, settings[i].key) != 0)
			continue;
		if (value < settings[i].min || value > settings[i].max)
			return TDV_EINVAL;
		sqlite3_stmt *st;
		int rc = prep(db, "INSERT OR REPLACE INTO config VALUES(?,?)", &st);
		if (rc != TDV_OK)
			return rc;
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, value);
		rc = sqlite3_step(st) == SQLITE_DONE ? TDV_OK : fail(db, TDV_ESTORE);
		sqlite3_finalize(st);
		return rc;
	}
	return TDV_EINVAL;
}

int
tdv_train_db_config_get(tdv_train_db *db, const char *key, long *value)
{
	if (db == NULL || key == NULL || value == NULL)
		return TDV_EINVAL;
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (strcmp(key, settings[i].key) != 0)
			continue;
		sqlite3_stmt *st;
		int rc = prep(db, "SELECT value FROM config WHERE key=?", &st);
		if (rc != TDV_OK)
			return rc;
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		*value = sqlite3_step(st) == SQLITE_ROW ?
		    (long)sqlite3_column_int64(st, 0) : settings[i].def;
		sqlite3_finalize(st);
		return TDV_OK;
	}
	return TDV_EINVAL;
}

static bool
id_ok(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return false;
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (n >= TDV_TRAIN_ID_MAX ||
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '_' || c == '.' ||
			c == '-'))
			return false;
	}
	return true;
}

int
tdv_train_db_person_get(tdv_train_db *db, const char *id,
    tdv_train_person *out)
{
	if (db == NULL || !id_ok(id) || out == NULL)
		return TDV_EINVAL;
	sqlite3_stmt *st;
	int rc = prep(db, "SELECT id,name,checkpoint,role,level,"
			  "coalesce(trainer,'') FROM person WHERE id=?", &st);
	if (rc != TDV_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = TDV_ENOENT;
	if (sqlite3_step(st) == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		text(st, 0, out->id, sizeof(out->id));
		text(st, 1, out->name, sizeof(out->name));
		text(st, 2, out->checkpoint, sizeof(out->checkpoint));
		out->role = (tdv_train_role)sqlite3_column_int(st, 3);
		out->level = (tdv_train_level)sqlite3_column_int(st, 4);
		text(st, 5, out->trainer, sizeof(out->trainer));
		rc = TDV_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int
tdv_train_db_person_add(tdv_train_db *db, const tdv_train_person *p)
{
	if (db == NULL || p == NULL || !id_ok(p->id) ||
	    !id_ok(p->checkpoint) || p->name[0] == '\0' ||
	    strnlen(p->name, sizeof(p->name)) >= sizeof(p->name) ||
	    tdv_train_role_name(p->role) == NULL ||
	    (p->level != TDV_TRAIN_FIRST_LINE &&
		p->level != TDV_TRAIN_SECOND_LINE))
		return TDV_EINVAL;
	tdv_train_person tr, existing;
	if (tdv_train_db_person_get(db, p->id, &existing) == TDV_OK)
		return TDV_EEXIST;
	if (p->trainer[0] == '\0') {
		/* only a master trainer stands at the top of a cascade */
		if (p->role != TDV_TRAIN_MASTER)
			return TDV_EINVAL;
	} else {
		int rc = tdv_train_db_person_get(db, p->trainer, &tr);
		if (rc != TDV_OK)
			return rc == TDV_EINVAL ? TDV_EINVAL : TDV_ENOENT;
		if (!tdv_train_cascade_allows(tr.role, p->role))
			return TDV_EINVAL;
	}
	sqlite3_stmt *st;
	int rc = prep(db, "INSERT INTO person VALUES(?,?,?,?,?,?)", &st);
	if (rc != TDV_OK)
		return rc;
	sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->checkpoint, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, (int)p->role);
	sqlite3_bind_int(st, 5, (int)p->level);
	if (p->trainer[0])
		sqlite3_bind_text(st, 6, p->trainer, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	rc = sqlite3_step(st) == SQLITE_DONE ? TDV_OK : fail(db, TDV_ESTORE);
	sqlite3_finalize(st);
	return rc;
}

int
tdv_train_db_can_see(tdv_train_db *db, const char *viewer, const char *person,
    bool *yes)
{
	if (db == NULL || !id_ok(viewer) || !id_ok(person) || yes == NULL)
		return TDV_EINVAL;
	*yes = false;
	char cur[TDV_TRAIN_ID_MAX + 1];
	snprintf(cur, sizeof(cur), "%s", person);
	/* walk up the cascade; 16 levels is far more than any real one and
	 * bounds a cycle written by hand into the file */
	for (int depth = 0; depth <= 16; depth++) {
		if (strcmp(cur, viewer) == 0) {
			*yes = true;
			return TDV_OK;
		}
		tdv_train_person p;
		int rc = tdv_train_db_person_get(db, cur, &p);
		if (rc == TDV_ENOENT)
			return TDV_OK;
		if (rc != TDV_OK)
			return rc;
		if (p.trainer[0] == '\0')
			return TDV_OK;
		snprintf(cur, sizeof(cur), "%s", p.trainer);
	}
	return TDV_OK;
}

static bool
is_trainer(tdv_train_db *db, const char *id)
{
	tdv_train_person p;
	return tdv_train_db_person_get(db, id, &p) == TDV_OK &&
	    (p.role == TDV_TRAIN_TRAINER || p.role == TDV_TRAIN_MASTER);
}

static int
new_id(char out[TDV_TRAIN_SETID_LEN + 1])
{
	return tdv_ulid_new(tdv_store_now_ms(), out);
}

static int
insert_set(tdv_train_db *db, const char *id, const char *title,
    tdv_train_level level, int64_t limit_ms, const char *kind,
    const char *by, int ndocs)
{
	sqlite3_stmt *st;
	int rc = prep(db, "INSERT INTO exset VALUES(?,?,?,?,?,?,?,?)", &st);
	if (rc != TDV_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)level);
	sqlite3_bind_int64(st, 4, limit_ms);
	sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, tdv_store_now_ms());
	sqlite3_bind_int(st, 8, ndocs);
	rc = sqlite3_step(st) == SQLITE_DONE ? TDV_OK : fail(db, TDV_ESTORE);
	sqlite3_finalize(st);
	return rc;
}

static int
insert_doc(tdv_train_db *db, const char *set, int idx, tdv_train_defects d,
    const char *src_dir, int src_idx)
{
	sqlite3_stmt *st;
	int rc = prep(db, "INSERT INTO exdoc VALUES(?,?,?,?,?)", &st);
	if (rc != TDV_OK)
		return rc;
	sqlite3_bind_text(st, 1, set, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, idx);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)d);
	sqlite3_bind_text(st, 4, src_dir, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, src_idx);
	rc = sqlite3_step(st) == SQLITE_DONE ? TDV_OK : fail(db, TDV_ESTORE);
	sqlite3_finalize(st);
	return rc;
}

/* Register the issuing state and number of exercise document idx (0-based)
 * of set_dir, read from its printed MRZ. */
static int
insert_num(tdv_train_db *db, const char *set_id, const char *set_dir, int idx)
{
	char path[TDV__TRAIN_PATH_MAX];
	tdv_buf b;
	int rc = tdv__train_path(path, sizeof(path), "%s/doc-%02d/mrz.txt",
	    set_dir, idx + 1);
	if (rc != TDV_OK)
		return rc;
	/* a set without a printed MRZ (a key-only set) has nothing to refuse */
	if ((rc = tdv__train_read(path, 512, &b)) != TDV_OK)
		return rc == TDV_ENOENT ? TDV_OK : rc;
	tdv_mrz *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		tdv_buf_free(&b);
		return TDV_ENOMEM;
	}
	tdv_date any = {2000, 1, 1};
	/* the number is wanted, valid or not (some exercises are not) */
	(void)tdv_mrz_parse_text(tdv_buf_cstr(&b), b.len, &any, m);
	tdv_buf_free(&b);
	sqlite3_stmt *st = NULL;
	if (m->document_number[0] != '\0' &&
	    (rc = prep(db, "INSERT OR IGNORE INTO exnum VALUES(?,?,?)", &st)) ==
		TDV_OK) {
		sqlite3_bind_text(st, 1, m->issuing_state, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, m->document_number, -1,
		    SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, set_id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = fail(db, TDV_ESTORE);
		sqlite3_finalize(st);
	}
	free(m);
	return rc;
}

int
tdv_train_db_is_exercise_doc(tdv_train_db *db, const char *state,
    const char *number, bool *yes)
{
	if (db == NULL || state == NULL || number == NULL || yes == NULL)
		return TDV_EINVAL;
	*yes = false;
	sqlite3_stmt *st;
	int rc = prep(db, "SELECT 1 FROM exnum WHERE state=? AND number=? "
			  "LIMIT 1", &st);
	if (rc != TDV_OK)
		return rc;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*yes = true;
	else if (r != SQLITE_DONE)
		rc = fail(db, TDV_ESTORE);
	sqlite3_finalize(st);
	return rc;
}

/* Migration to v2: the numbers of the sets registered before it. */
static int
backfill_nums(tdv_train_db *db)
{
	sqlite3_stmt *st;
	int rc = prep(db, "SELECT exset.id,exdoc.src_dir,exdoc.src_idx FROM "
			  "exdoc JOIN exset ON exset.id=exdoc.set_id WHERE "
			  "exset.kind='set'", &st);
	if (rc != TDV_OK)
		return rc;
	while (rc == TDV_OK && sqlite3_step(st) == SQLITE_ROW) {
		char id[TDV_TRAIN_SETID_LEN + 1], dir[TDV__TRAIN_PATH_MAX];
		text(st, 0, id, sizeof(id));
		text(st, 1, dir, sizeof(dir));
		rc = insert_num(db, id, dir, sqlite3_column_int(st, 2));
	}
	sqlite3_finalize(st);
	return rc;
}

int
tdv_train_db_set_add(tdv_train_db *db, const char *set_dir, const char *title,
    tdv_train_level level, int64_t limit_ms, const char *by,
    char set_id_out[TDV_TRAIN_SETID_LEN + 1])
{
	if (db == NULL || set_dir == NULL || title == NULL || by == NULL ||
	    set_id_out == NULL || strlen(title) > 200 || limit_ms < 0 ||
	    limit_ms > 3600000 || strlen(set_dir) >= TDV__TRAIN_PATH_MAX - 64)
		return TDV_EINVAL;
	if (!is_trainer(db, by))
		return TDV_EPERM;
	tdv_train_defects key[TDV_TRAIN_MAX_DOCS];
	int n = 0;
	int rc = tdv_train_read_key(set_dir, key, TDV_TRAIN_MAX_DOCS, &n);
	if (rc != TDV_OK)
		return rc;
	if ((rc = new_id(set_id_out)) != TDV_OK ||
	    (rc = exec(db, "BEGIN IMMEDIATE")) != TDV_OK)
		return rc;
	rc = insert_set(db, set_id_out, title, level, limit_ms, "set", by, n);
	for (int i = 0; rc == TDV_OK && i < n; i++)
		rc = insert_doc(db, set_id_out, i, key[i], set_dir, i);
	for (int i = 0; rc == TDV_OK && i < n; i++)
		rc = insert_num(db, set_id_out, set_dir, i);
	if (rc != TDV_OK) {
		exec(db, "ROLLBACK");
		return rc;
	}
	return exec(db, "COMMIT");
}

typedef struct set_row {
	char title[208];
	tdv_train_level level;
	int64_t limit_ms;
	char kind[8];
	char by[TDV_TRAIN_ID_MAX + 1];
	int ndocs;
} set_row;

static int
get_set(tdv_train_db *db, const char *id, set_row *out)
{
	sqlite3_stmt *st;
	int rc = prep(db, "SELECT title,level,limit_ms,kind,created_by,ndocs "
			  "FROM exset WHERE id=?", &st);
	if (rc != TDV_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = TDV_ENOENT;
	if (sqlite3_step(st) == SQLITE_ROW) {
		text(st, 0, out->title, sizeof(out->title));
		out->level = (tdv_train_level)sqlite3_column_int(st, 1);
		out->limit_ms = sqlite3_column_int64(st, 2);
		text(st, 3, out->kind, sizeof(out->kind));
		text(st, 4, out->by, sizeof(out->by));
		out->ndocs = sqlite3_column_int(st, 5);
		rc = out->ndocs >= 1 && out->ndocs <= TDV_TRAIN_MAX_DOCS ?
		    TDV_OK : TDV_ETRAIN;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The key of a set (n = its size). */
static int
get_key(tdv_train_db *db, const char *set, tdv_train_defects *key, int n)
{
	sqlite3_stmt *st;
	int rc = prep(db, "SELECT idx,defects FROM exdoc WHERE set_id=?", &st);
	if (rc != TDV_OK)
		return rc;
	sqlite3_bind_text(st, 1, set, -1, SQLITE_STATIC);
	memset(key, 0, sizeof(*key) * (size_t)n);
	int seen = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int i = sqlite3_column_int(st, 0);
		if (i >= 0 && i < n) {
			key[i] = (tdv_train_defects)sqlite3_column_int64(st, 1) &
			    TDV_TRAIN_ALL_DEFECTS;
			seen++;
		}
	}
	sqlite3_finalize(st);
	return seen == n ? TDV_OK : TDV_ETRAIN;
}

int
tdv_train_db_set_json(tdv_train_db *db, const char *set_id,
    const char *viewer, bool with_answers, tdv_json *j)
{
	if (db == NULL || set_id == NULL || !id_ok(viewer) || j == NULL)
		return TDV_EINVAL;
	/* the key only to trainers: a trainee must not see it, whatever
	 * the request says */
	if (with_answers && !is_trainer(db, viewer))
		return TDV_EPERM;
	set_row s;
	int rc = get_set(db, set_id, &s);
	if (rc != TDV_OK)
		return rc;
	tdv_train_defects key[TDV_TRAIN_MAX_DOCS];
	if (with_answers && (rc = get_key(db, set_id, key, s.ndocs)) != TDV_OK)
		return rc;
	tdv_json_object_begin(j);
	tdv_json_key(j, "id");
	tdv_json_string(j, set_id);
	tdv_json_key(j, "title");
	tdv_json_string(j, s.title);
	tdv_json_key(j, "kind");
	tdv_json_string(j, s.kind);
	tdv_json_key(j, "level");
	tdv_json_string(j, tdv_train_level_name(s.level));
	tdv_json_key(j, "limit_ms");
	tdv_json_int(j, s.limit_ms);
	tdv_json_key(j, "training");
	tdv_json_bool(j, true);
	tdv_json_key(j, "documents");
	tdv_json_array_begin(j);
	for (int i = 0; i < s.ndocs; i++) {
		tdv_json_object_begin(j);
		tdv_json_key(j, "index");
		tdv_json_int(j, i);
		if (with_answers) {
			char names[400];
			tdv_train_defects_format(key[i], names, sizeof(names));
			tdv_json_key(j, "defects");
			tdv_json_string(j, names);
		}
		tdv_json_object_end(j);
	}
	tdv_json_array_end(j);
	tdv_json_object_end(j);
	return tdv_json_error(j);
}

int
tdv_train_db_attempt_start(tdv_train_db *db, const char *set_id,
    const char *trainee, const char *trainer, tdv_train_course course,
    const tdv_date *day, char attempt_out[TDV_TRAIN_SETID_LEN + 1])
{
	if (db == NULL || set_id == NULL || !id_ok(trainee) || day == NULL ||
	    attempt_out == NULL || tdv_train_course_name(course) == NULL ||
	    !tdv_date_valid(day->year, day->month, day->day))
		return TDV_EINVAL;
	tdv_train_person p;
	int rc = tdv_train_db_person_get(db, trainee, &p);
	if (rc != TDV_OK)
		return rc;
	const char *tr = (trainer && trainer[0]) ? trainer :
	    (p.trainer[0] ? p.trainer : trainee);
	if (!id_ok(tr))
		return TDV_EINVAL;
	if (strcmp(tr, trainee) != 0) {
		/* the session's trainer must be above the trainee */
		bool yes;
		if ((rc = tdv_train_db_can_see(db, tr, trainee, &yes)) != TDV_OK)
			return rc;
		if (!yes)
			return TDV_EPERM;
	}
	set_row s;
	if ((rc = get_set(db, set_id, &s)) != TDV_OK ||
	    (rc = new_id(attempt_out)) != TDV_OK)
		return rc;
	char iso[11];
	tdv_date_format_iso(day, iso);
	sqlite3_stmt *st;
	if ((rc = prep(db, "INSERT INTO attempt(id,set_id,trainee,trainer,"
			   "course,day,started_ms) VALUES(?,?,?,?,?,?,?)", &st)) !=
	    TDV_OK)
		return rc;
	sqlite3_bind_text(st, 1, attempt_out, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, set_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, trainee, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, tr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, (int)course);
	sqlite3_bind_text(st, 6, iso, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, tdv_store_now_ms());
	rc = sqlite3_step(st) == SQLITE_DONE ? TDV_OK : fail(db, TDV_ESTORE);
	sqlite3_finalize(st);
	return rc;
}

typedef struct attempt_row {
	char set_id[TDV_TRAIN_SETID_LEN + 1];
	char trainee[TDV_TRAIN_ID_MAX + 1];
	char trainer[TDV_TRAIN_ID_MAX + 1];
	tdv_train_course course;
	char day[11];
	bool submitted;
	double percent;
	bool passed;
} attempt_row;

static int
get_attempt(tdv_train_db *db, const char *id, attempt_row *a)
{
	if (id == NULL || strlen(id) != TDV_TRAIN_SETID_LEN)
		return TDV_EINVAL;
	sqlite3_stmt *st;
	int rc = prep(db, "SELECT set_id,trainee,trainer,course,day,"
			  "submitted_ms IS NOT NULL,coalesce(percent,0),"
			  "coalesce(passed,0) FROM attempt WHERE id=?", &st);
	if (rc != TDV_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = TDV_ENOENT;
	if (sqlite3_step(st) == SQLITE_ROW) {
		text(st, 0, a->set_id, sizeof(a->set_id));
		text(st, 1, a->trainee, sizeof(a->trainee));
		text(st, 2, a->trainer, sizeof(a->trainer));
		a->course = (tdv_train_course)sqlite3_column_int(st, 3);
		text(st, 4, a->day, sizeof(a->day));
		a->submitted = sqlite3_column_int(st, 5) != 0;
		a->percent = sqlite3_column_double(st, 6);
		a->passed = sqlite3_column_int(st, 7) != 0;
		rc = TDV_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int
tdv_train_db_answer(tdv_train_db *db, const char *attempt, const char *actor,
    int index, const tdv_train_response *r)
{
	if (db == NULL || attempt == NULL || !id_ok(actor) || r == NULL ||
	    r->decision < TDV_TRAIN_ADMIT || r->decision > TDV_TRAIN_REFER ||
	    (r->named & ~TDV_TRAIN_ALL_DEFECTS) != 0 || r->time_ms < 0 ||
	    r->time_ms > 86400000 ||
	    strnlen(r->reason, sizeof(r->reason)) >= sizeof(r->reason))
		return TDV_EINVAL;
	attempt_row a;
	set_row s;
	int rc = get_attempt(db, attempt, &a);
	if (rc != TDV_OK)
		return rc;
	/* nobody answers for someone else, and a submitted attempt is
	 * closed */
	if (strcmp(a.trainee, actor) != 0 || a.submitted)
		return TDV_EPERM;
	if ((rc = get_set(db, a.set_id, &s)) != TDV_OK)
		return rc;
	if (index < 0 || index >= s.ndocs)
		return TDV_EINVAL;
	sqlite3_stmt *st;
	if ((rc = prep(db, "INSERT OR REPLACE INTO response VALUES(?,?,?,?,?,?)",
		 &st)) != TDV_OK)
		return rc;
	sqlite3_bind_text(st, 1, attempt, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, index);
	sqlite3_bind_int(st, 3, (int)r->decision);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)r->named);
	sqlite3_bind_int64(st, 5, r->time_ms);
	sqlite3_bind_text(st, 6, r->reason, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? TDV_OK : fail(db, TDV_ESTORE);
	sqlite3_finalize(st);
	return rc;
}

static int
get_responses(tdv_train_db *db, const char *attempt, tdv_train_response *r,
    int n)
{
	memset(r, 0, sizeof(*r) * (size_t)n);
	sqlite3_stmt *st;
	int rc = prep(db, "SELECT idx,decision,named,time_ms,reason FROM "
			  "response WHERE attempt=?", &st);
	if (rc != TDV_OK)
		return rc;
	sqlite3_bind_text(st, 1, attempt, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int i = sqlite3_column_int(st, 0);
		int d = sqlite3_column_int(st, 1);
		if (i < 0 || i >= n || d < TDV_TRAIN_ADMIT || d > TDV_TRAIN_REFER)
			continue;
		r[i].decision = (tdv_train_decision)d;
		r[i].named = (tdv_train_defects)sqlite3_column_int64(st, 2) &
		    TDV_TRAIN_ALL_DEFECTS;
		r[i].time_ms = sqlite3_column_int64(st, 3);
		text(st, 4, r[i].reason, sizeof(r[i].reason));
	}
	sqlite3_finalize(st);
	return TDV_OK;
}

static int
record_load(tdv_train_db *db, const char *officer, tdv_train_record *r)
{
	tdv_train_person p;
	tdv_train_level level = TDV_TRAIN_FIRST_LINE;
	if (tdv_train_db_person_get(db, officer, &p) == TDV_OK)
		level = p.level;
	tdv_train_record_init(r, level);
	sqlite3_stmt *st;
	int rc = prep(db, "SELECT drills,skills FROM practice WHERE officer=?",
	    &st);
	if (rc != TDV_OK)
		return rc;
	sqlite3_bind_text(st, 1, officer, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		r->drills = (long)sqlite3_column_int64(st, 0);
		/* the skills as text: 8 integers per defect type */
		const unsigned char *s = sqlite3_column_text(st, 1);
		const char *p2 = (const char *)s;
		for (int d = 0; p2 && d < TDV_TRAIN_NDEFECTS; d++) {
			long v[8];
			for (int k = 0; k < 8; k++) {
				char *end;
				v[k] = strtol(p2, &end, 10);
				if (end == p2) {
					rc = TDV_ETRAIN;
					goto out;
				}
				p2 = end;
			}
			tdv_train_skill *sk = &r->skill[d];
			sk->seen = (int)v[0];
			sk->right = (int)v[1];
			sk->streak = (int)v[2];
			sk->lapses = (int)v[3];
			sk->interval_days = (int)v[4];
			sk->due_day = v[5];
			sk->last_day = v[6];
			sk->missed_drill = v[7];
		}
	}
out:
	sqlite3_finalize(st);
	return rc;
}

static int
record_save(tdv_train_db *db, const char *officer, const tdv_train_record *r)
{
	char buf[TDV_TRAIN_NDEFECTS * 8 * 22];
	size_t n = 0;
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
		const tdv_train_skill *s = &r->skill[d];
		int w = snprintf(buf + n, sizeof(buf) - n,
		    "%d %d %d %d %d %ld %ld %ld ", s->seen, s->right, s->streak,
		    s->lapses, s->interval_days, s->due_day, s->last_day,
		    s->missed_drill);
		if (w < 0 || (size_t)w >= sizeof(buf) - n)
			return TDV_ELIMIT;
		n += (size_t)w;
	}
	sqlite3_stmt *st;
	int rc = prep(db, "INSERT OR REPLACE INTO practice VALUES(?,?,?,?)", &st);
	if (rc != TDV_OK)
		return rc;
	sqlite3_bind_text(st, 1, officer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->drills);
	sqlite3_bind_int(st, 3, (int)r->level);
	sqlite3_bind_text(st, 4, buf, (int)n, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? TDV_OK : fail(db, TDV_ESTORE);
	sqlite3_finalize(st);
	return rc;
}

int
tdv_train_db_record_get(tdv_train_db *db, const char *officer,
    tdv_train_record *r)
{
	if (db == NULL || !id_ok(officer) || r == NULL)
		return TDV_EINVAL;
	return record_load(db, officer, r);
}

static int
score_attempt(tdv_train_db *db, const attempt_row *a, tdv_train_defects *key,
    tdv_train_response *resp, int *n, tdv_train_score *score,
    const char *attempt)
{
	set_row s;
	long pass;
	int rc = get_set(db, a->set_id, &s);
	if (rc != TDV_OK || (rc = get_key(db, a->set_id, key, s.ndocs)) != TDV_OK ||
	    (rc = get_responses(db, attempt, resp, s.ndocs)) != TDV_OK ||
	    (rc = tdv_train_db_config_get(db, "pass_mark", &pass)) != TDV_OK)
		return rc;
	tdv_train_score_opts o = {(double)pass, s.limit_ms};
	*n = s.ndocs;
	return tdv_train_score_set(key, resp, s.ndocs, &o, score);
}

int
tdv_train_db_submit(tdv_train_db *db, const char *attempt, const char *actor,
    const tdv_date *day, tdv_json *feedback, tdv_train_score *score)
{
	if (db == NULL || attempt == NULL || !id_ok(actor) || day == NULL ||
	    !tdv_date_valid(day->year, day->month, day->day))
		return TDV_EINVAL;
	attempt_row a;
	int rc = get_attempt(db, attempt, &a);
	if (rc != TDV_OK)
		return rc;
	if (strcmp(a.trainee, actor) != 0 || a.submitted)
		return TDV_EPERM;
	tdv_train_defects key[TDV_TRAIN_MAX_DOCS];
	tdv_train_response resp[TDV_TRAIN_MAX_DOCS];
	tdv_train_score sc;
	int n;
	if ((rc = score_attempt(db, &a, key, resp, &n, &sc, attempt)) != TDV_OK)
		return rc;
	tdv_train_record rec;
	if ((rc = exec(db, "BEGIN IMMEDIATE")) != TDV_OK)
		return rc;
	sqlite3_stmt *st = NULL;
	if ((rc = prep(db, "UPDATE attempt SET submitted_ms=?,percent=?,passed=?"
			   " WHERE id=? AND submitted_ms IS NULL", &st)) != TDV_OK)
		goto rollback;
	sqlite3_bind_int64(st, 1, tdv_store_now_ms());
	sqlite3_bind_double(st, 2, sc.percent);
	sqlite3_bind_int(st, 3, sc.passed ? 1 : 0);
	sqlite3_bind_text(st, 4, attempt, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(db->db) != 1) {
		rc = fail(db, TDV_ESTORE_CONFLICT);
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
		if (sc.presented[d] == 0)
			continue;
		if ((rc = prep(db, "INSERT INTO result VALUES(?,?,?,?)", &st)) !=
		    TDV_OK)
			goto rollback;
		sqlite3_bind_text(st, 1, attempt, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, d);
		sqlite3_bind_int(st, 3, sc.presented[d]);
		sqlite3_bind_int(st, 4, sc.detected[d]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = fail(db, TDV_ESTORE);
			goto rollback;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	/* every set answered, drill or course, feeds the practice record */
	if ((rc = record_load(db, a.trainee, &rec)) != TDV_OK ||
	    (rc = tdv_train_practice_update(&rec, day, key, resp, n,
		 a.course == TDV_TRAIN_DRILL)) != TDV_OK ||
	    (rc = record_save(db, a.trainee, &rec)) != TDV_OK)
		goto rollback;
	if ((rc = exec(db, "COMMIT")) != TDV_OK)
		return rc;
	if (feedback != NULL)
		tdv_train_feedback_json(key, resp, n, &sc, feedback);
	if (score != NULL)
		*score = sc;
	return TDV_OK;
rollback:
	sqlite3_finalize(st);
	exec(db, "ROLLBACK");
	return rc;
}

int
tdv_train_db_feedback(tdv_train_db *db, const char *attempt,
    const char *viewer, tdv_json *j)
{
	if (db == NULL || attempt == NULL || !id_ok(viewer) || j == NULL)
		return TDV_EINVAL;
	attempt_row a;
	int rc = get_attempt(db, attempt, &a);
	if (rc != TDV_OK)
		return rc;
	bool yes;
	if ((rc = tdv_train_db_can_see(db, viewer, a.trainee, &yes)) != TDV_OK)
		return rc;
	/* before submission the feedback would give the key away, even to
	 * the trainee's trainer looking over a shoulder */
	if (!yes || !a.submitted)
		return TDV_EPERM;
	tdv_train_defects key[TDV_TRAIN_MAX_DOCS];
	tdv_train_response resp[TDV_TRAIN_MAX_DOCS];
	tdv_train_score sc;
	int n;
	if ((rc = score_attempt(db, &a, key, resp, &n, &sc, attempt)) != TDV_OK)
		return rc;
	tdv_train_feedback_json(key, resp, n, &sc, j);
	return tdv_json_error(j);
}

int
tdv_train_db_result_json(tdv_train_db *db, const char *attempt,
    tdv_buf *out)
{
	if (db == NULL || attempt == NULL || out == NULL)
		return TDV_EINVAL;
	attempt_row a;
	set_row sr;
	tdv_train_person p;
	int rc = get_attempt(db, attempt, &a);
	if (rc != TDV_OK)
		return rc;
	if (!a.submitted)
		return TDV_EPERM;
	tdv_train_defects key[TDV_TRAIN_MAX_DOCS];
	tdv_train_response resp[TDV_TRAIN_MAX_DOCS];
	tdv_train_score sc;
	int n;
	if ((rc = score_attempt(db, &a, key, resp, &n, &sc, attempt)) != TDV_OK ||
	    (rc = get_set(db, a.set_id, &sr)) != TDV_OK ||
	    (rc = tdv_train_db_person_get(db, a.trainee, &p)) != TDV_OK)
		return rc;
	tdv_buf b;
	tdv_buf_init(&b, TDV_TRAIN_RESULT_MAX);
	tdv_json j;
	tdv_json_init(&j, &b);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "v");
	tdv_json_int(&j, 1);
	tdv_json_key(&j, "attempt");
	tdv_json_string(&j, attempt);
	tdv_json_key(&j, "set");
	tdv_json_string(&j, a.set_id);
	tdv_json_key(&j, "officer");
	tdv_json_string(&j, a.trainee);
	tdv_json_key(&j, "checkpoint");
	tdv_json_string(&j, p.checkpoint);
	tdv_json_key(&j, "trainer");
	tdv_json_string(&j, a.trainer);
	tdv_json_key(&j, "course");
	tdv_json_string(&j, tdv_train_course_name(a.course) ?
		tdv_train_course_name(a.course) : "?");
	tdv_json_key(&j, "level");
	tdv_json_string(&j, tdv_train_level_name(sr.level));
	tdv_json_key(&j, "day");
	tdv_json_string(&j, a.day);
	tdv_json_key(&j, "percent");
	tdv_json_double(&j, sc.percent);
	tdv_json_key(&j, "passed");
	tdv_json_bool(&j, sc.passed);
	tdv_json_key(&j, "docs");
	tdv_json_int(&j, sc.ndocs);
	tdv_json_key(&j, "genuine");
	tdv_json_int(&j, sc.genuine);
	tdv_json_key(&j, "false_alarms");
	tdv_json_int(&j, sc.false_alarms);
	tdv_json_key(&j, "mean_ms");
	tdv_json_int(&j, (int64_t)(sc.mean_ms + 0.5));
	tdv_json_key(&j, "detected");
	tdv_json_object_begin(&j);
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
		if (sc.presented[d] == 0)
			continue;
		tdv_json_key(&j, tdv_train_defect_name((tdv_train_defect)d));
		tdv_json_array_begin(&j);
		tdv_json_int(&j, sc.presented[d]);
		tdv_json_int(&j, sc.detected[d]);
		tdv_json_array_end(&j);
	}
	tdv_json_object_end(&j);
	tdv_json_object_end(&j);
	rc = tdv_json_error(&j);
	if (rc == TDV_OK)
		rc = tdv_buf_append(out, b.data, b.len);
	tdv_buf_free(&b);
	return rc;
}

/* Bank documents with exactly `defects` (0: genuine), in a stable order;
 * picks number `pick` modulo their count. */
static int
bank_pick(tdv_train_db *db, tdv_train_defects defects, uint64_t pick,
    char *dir, size_t dirsz, int *idx)
{
	sqlite3_stmt *st;
	int rc = prep(db, "SELECT count(*) FROM exdoc JOIN exset ON "
			  "exset.id=exdoc.set_id WHERE exset.kind='set' AND "
			  "exdoc.defects=?", &st);
	if (rc != TDV_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)defects);
	int64_t count = sqlite3_step(st) == SQLITE_ROW ?
	    sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (count <= 0)
		return TDV_ENOENT;
	if ((rc = prep(db, "SELECT src_dir,src_idx FROM exdoc JOIN exset ON "
			   "exset.id=exdoc.set_id WHERE exset.kind='set' AND "
			   "exdoc.defects=? ORDER BY exdoc.set_id,exdoc.idx "
			   "LIMIT 1 OFFSET ?", &st)) != TDV_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)defects);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(pick % (uint64_t)count));
	rc = TDV_ENOENT;
	if (sqlite3_step(st) == SQLITE_ROW) {
		text(st, 0, dir, dirsz);
		*idx = sqlite3_column_int(st, 1);
		rc = TDV_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int
tdv_train_db_drill(tdv_train_db *db, const char *officer, const tdv_date *day,
    int size, char set_out[TDV_TRAIN_SETID_LEN + 1],
    char attempt_out[TDV_TRAIN_SETID_LEN + 1])
{
	if (db == NULL || !id_ok(officer) || day == NULL || set_out == NULL ||
	    attempt_out == NULL)
		return TDV_EINVAL;
	tdv_train_record rec;
	tdv_train_drill_plan plan;
	int rc = record_load(db, officer, &rec);
	if (rc != TDV_OK ||
	    (rc = tdv_train_practice_plan(&rec, officer, day, size, &plan)) !=
		TDV_OK)
		return rc;
	char dirs[TDV_TRAIN_DRILL_MAX][TDV__TRAIN_PATH_MAX];
	int idx[TDV_TRAIN_DRILL_MAX];
	tdv_train_defects key[TDV_TRAIN_DRILL_MAX];
	int n = 0;
	for (int i = 0; i < plan.n; i++) {
		tdv_train_defects want = plan.slot[i] < 0 ? 0 :
		    1u << plan.slot[i];
		uint64_t h = tdv_train_hash(officer, day, 1000u + (unsigned)i);
		rc = bank_pick(db, want, h, dirs[n], sizeof(dirs[n]), &idx[n]);
		if (rc == TDV_ENOENT && want != 0)
			/* the bank lacks that type: a genuine document keeps
			 * the drill's length */
			rc = bank_pick(db, want = 0, h, dirs[n],
			    sizeof(dirs[n]), &idx[n]);
		if (rc == TDV_ENOENT)
			continue;
		if (rc != TDV_OK)
			return rc;
		key[n++] = want;
	}
	if (n == 0)
		return TDV_ENOENT;
	char title[64], iso[11];
	tdv_date_format_iso(day, iso);
	snprintf(title, sizeof(title), "practice drill %s", iso);
	if ((rc = new_id(set_out)) != TDV_OK ||
	    (rc = exec(db, "BEGIN IMMEDIATE")) != TDV_OK)
		return rc;
	rc = insert_set(db, set_out, title, plan.level, 0, "drill", officer, n);
	for (int i = 0; rc == TDV_OK && i < n; i++)
		rc = insert_doc(db, set_out, i, key[i], dirs[i], idx[i]);
	if (rc != TDV_OK) {
		exec(db, "ROLLBACK");
		return rc;
	}
	if ((rc = exec(db, "COMMIT")) != TDV_OK)
		return rc;
	return tdv_train_db_attempt_start(db, set_out, officer, officer,
	    TDV_TRAIN_DRILL, day, attempt_out);
}

int
tdv__train_db_doc_source(tdv_train_db *db, const char *set_id, int i,
    char *dir, size_t dirsz, int *src_idx)
{
	sqlite3_stmt *st;
	int rc = prep(db, "SELECT src_dir,src_idx FROM exdoc WHERE set_id=? AND "
			  "idx=?", &st);
	if (rc != TDV_OK)
		return rc;
	sqlite3_bind_text(st, 1, set_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, i);
	rc = TDV_ENOENT;
	if (sqlite3_step(st) == SQLITE_ROW) {
		text(st, 0, dir, dirsz);
		*src_idx = sqlite3_column_int(st, 1);
		rc = TDV_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

sqlite3 *
tdv__train_db_handle(tdv_train_db *db)
{
	return db->db;
}

int
tdv__train_db_attempt_owner(tdv_train_db *db, const char *attempt,
    const char *actor, char set_out[TDV_TRAIN_SETID_LEN + 1])
{
	attempt_row a;
	int rc = get_attempt(db, attempt, &a);
	if (rc != TDV_OK)
		return rc;
	if (actor == NULL || strcmp(a.trainee, actor) != 0)
		return TDV_EPERM;
	memcpy(set_out, a.set_id, sizeof(a.set_id));
	return TDV_OK;
}

int
tdv__train_db_attempt_trainee(tdv_train_db *db, const char *attempt,
    char trainee[TDV_TRAIN_ID_MAX + 1])
{
	attempt_row a;
	int rc = get_attempt(db, attempt, &a);
	if (rc == TDV_OK)
		memcpy(trainee, a.trainee, sizeof(a.trainee));
	return rc;
}
