/*
 * Movements: one crossing of one traveller at one checkpoint, with the
 * inspection verdict, every check, and the officer's decision.
 *
 * A movement and the audit entry that records it are written in one
 * transaction; the audit entry carries the movement's content hash, so
 * editing a movement row afterwards breaks `tdverify audit verify`.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "store/store_int.h"
#include "tdv/date.h"
#include "tdv/error.h"

#define MOVEMENT_COLS                                                          \
	"id, checkpoint_id, seq, time_ms, direction, officer_id, document_code," \
	" issuing_state, document_number, nationality, surname, given_names,"  \
	" sex, birth_date, expiry_date, verdict, decision, reason, fraud_type," \
	" checks, audit_seq"
#define MOVEMENT_NCOLS 21

const char *
tdv_direction_name(tdv_direction d)
{
	switch (d) {
	case TDV_DIR_ENTRY:
		return "entry";
	case TDV_DIR_EXIT:
		return "exit";
	}
	return NULL;
}

int
tdv_direction_parse(const char *name, tdv_direction *out)
{
	if (name != NULL && strcmp(name, "entry") == 0)
		*out = TDV_DIR_ENTRY;
	else if (name != NULL && strcmp(name, "exit") == 0)
		*out = TDV_DIR_EXIT;
	else
		return TDV_EINVAL;
	return TDV_OK;
}

const char *
tdv_decision_name(tdv_decision d)
{
	switch (d) {
	case TDV_DECISION_ADMITTED:
		return "admitted";
	case TDV_DECISION_REFUSED:
		return "refused";
	case TDV_DECISION_REFERRED:
		return "referred";
	}
	return NULL;
}

int
tdv_decision_parse(const char *name, tdv_decision *out)
{
	for (int d = TDV_DECISION_ADMITTED; d <= TDV_DECISION_REFERRED; d++)
		if (name != NULL && strcmp(name, tdv_decision_name((tdv_decision)d)) == 0) {
			*out = (tdv_decision)d;
			return TDV_OK;
		}
	return TDV_EINVAL;
}

/* Text fields: bounded, NUL-terminated within their array, no control
 * characters (they end up in reports and CSV). */
static bool
text_ok(const char *s, size_t sz)
{
	size_t n = strnlen(s, sz);
	if (n >= sz)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static bool
date_ok(const char *s)
{
	tdv_date d;
	return s[0] == '\0' || tdv_date_parse_iso(s, &d) == TDV_OK;
}

static bool
verdict_ok(const char *v)
{
	return strcmp(v, "PASS") == 0 || strcmp(v, "REFER") == 0 ||
	    strcmp(v, "FAIL") == 0;
}

/* The fields a caller supplies but the checks; ids and sequence are
 * checked separately. */
static int
movement_validate_fields(const tdv_movement *m)
{
	if (!tdv__id_ok(m->checkpoint_id) || !tdv__id_ok(m->officer_id))
		return TDV_EINVAL;
	if (tdv_direction_name(m->direction) == NULL ||
	    tdv_decision_name(m->decision) == NULL)
		return TDV_EINVAL;
	if (!text_ok(m->document_code, sizeof(m->document_code)) ||
	    !text_ok(m->issuing_state, sizeof(m->issuing_state)) ||
	    !text_ok(m->document_number, sizeof(m->document_number)) ||
	    !text_ok(m->nationality, sizeof(m->nationality)) ||
	    !text_ok(m->surname, sizeof(m->surname)) ||
	    !text_ok(m->given_names, sizeof(m->given_names)) ||
	    !text_ok(m->reason, sizeof(m->reason)) ||
	    !text_ok(m->verdict, sizeof(m->verdict)) ||
	    !text_ok(m->birth_date, sizeof(m->birth_date)) ||
	    !text_ok(m->expiry_date, sizeof(m->expiry_date)))
		return TDV_EINVAL;
	if (m->fraud_type[0] != '\0' && !tdv__id_ok(m->fraud_type))
		return TDV_EINVAL;
	if (m->sex != 'M' && m->sex != 'F' && m->sex != 'X')
		return TDV_EINVAL;
	if (!date_ok(m->birth_date) || !date_ok(m->expiry_date) ||
	    !verdict_ok(m->verdict))
		return TDV_EINVAL;
	if (strnlen(m->checks_json, sizeof(m->checks_json)) >= sizeof(m->checks_json))
		return TDV_ELIMIT;
	return TDV_OK;
}

/* The fields a caller supplies; ids and sequence are checked separately. */
static int
movement_validate(const tdv_movement *m)
{
	int rc = movement_validate_fields(m);
	if (rc != TDV_OK)
		return rc;
	size_t clen = strnlen(m->checks_json, sizeof(m->checks_json));
	if (clen >= sizeof(m->checks_json))
		return TDV_ELIMIT;
	/* the checks must be a JSON array (they come back out as JSON) */
	json_error_t jerr;
	json_t *j = json_loadb(m->checks_json, clen, JSON_REJECT_DUPLICATES, &jerr);
	bool arr = j != NULL && json_is_array(j);
	json_decref(j);
	return arr ? TDV_OK : TDV_EPARSE;
}

static void
day_of(int64_t time_ms, char out[11])
{
	time_t t = (time_t)(time_ms / 1000);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(out, 11, "0000-00-00");
		return;
	}
	tdv_date d = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
	tdv_date_format_iso(&d, out);
}

static const char *
age_band(const char *birth, const char *day)
{
	tdv_date b, on;
	if (tdv_date_parse_iso(birth, &b) != TDV_OK ||
	    tdv_date_parse_iso(day, &on) != TDV_OK || tdv_date_cmp(&b, &on) > 0)
		return "unknown";
	int age = tdv_date_age(&b, &on);
	if (age < 18)
		return "0-17";
	if (age < 30)
		return "18-29";
	if (age < 45)
		return "30-44";
	if (age < 60)
		return "45-59";
	return "60+";
}

/*
 * The content hash: SHA-256 over the fields in a fixed order, each as its
 * 8-byte big-endian length and its bytes (the layout of tdv__hasher_str,
 * integers as decimal text). Built here into one buffer and digested in
 * one go with the SHA-256 fetched once (tdv__sha256): sync ingest hashes
 * every movement it receives, and the hasher's per-field calls were most
 * of that cost.
 * test_sync_batch_parse checks it against tdv__hasher field by field.
 */
static size_t
hash_field(unsigned char *out, const char *s, size_t max)
{
	size_t n = s != NULL ? strnlen(s, max) : 0;
	for (int i = 0; i < 8; i++)
		out[i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
	if (n > 0)
		memcpy(out + 8, s, n);
	return 8 + n;
}

#define HF(s) (at += hash_field(msg + at, (s), sizeof(s)))
#define HC(s) (at += hash_field(msg + at, (s), strlen(s)))

int
tdv__movement_hash(const tdv_movement *m, char hex[65])
{
	/* every field but the checks, each at most its array's size, 22
	 * length prefixes and 2 integers of at most 20 digits */
	unsigned char msg[sizeof(tdv_movement) - sizeof(m->checks_json) + 22 * 8 + 64];
	char seq[24], tms[24], sex[2] = {m->sex, '\0'};
	const char *dir = tdv_direction_name(m->direction);
	const char *dec = tdv_decision_name(m->decision);
	snprintf(seq, sizeof(seq), "%" PRId64, m->seq);
	snprintf(tms, sizeof(tms), "%" PRId64, m->time_ms);
	size_t at = 0;
	HC("tdv-movement-1");
	HF(m->id);
	HF(m->checkpoint_id);
	HC(seq);
	HC(tms);
	HC(dir != NULL ? dir : "");
	HF(m->officer_id);
	HF(m->document_code);
	HF(m->issuing_state);
	HF(m->document_number);
	HF(m->nationality);
	HF(m->surname);
	HF(m->given_names);
	HC(sex);
	HF(m->birth_date);
	HF(m->expiry_date);
	HF(m->verdict);
	HC(dec != NULL ? dec : "");
	HF(m->reason);
	HF(m->fraud_type);
	size_t cn = strnlen(m->checks_json, sizeof(m->checks_json));
	unsigned char clen[8];
	for (int i = 0; i < 8; i++)
		clen[i] = (unsigned char)((uint64_t)cn >> (56 - 8 * i));
	const EVP_MD *movement_md = tdv__sha256();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32];
	unsigned int mdlen = 0;
	int ok = movement_md != NULL && ctx != NULL &&
	    EVP_DigestInit_ex2(ctx, movement_md, NULL) == 1 &&
	    EVP_DigestUpdate(ctx, msg, at) == 1 && EVP_DigestUpdate(ctx, clen, 8) == 1 &&
	    EVP_DigestUpdate(ctx, m->checks_json, cn) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return ctx == NULL ? TDV_ENOMEM : TDV_ECRYPTO;
	tdv__hex32(md, hex);
	return TDV_OK;
}

#undef HF
#undef HC

#define MOVEMENT_INSERT_COLS TDV__MOVEMENT_INSERT_COLS
#define MOVEMENT_INSERT_NCOLS 23

/* Per-row text that the parameters point into. */
struct movement_derived {
	char day[11];
	char sex[2];
};

static void
movement_params(const tdv_movement *m, struct movement_derived *d, tdv__param *p)
{
	day_of(m->time_ms, d->day);
	d->sex[0] = m->sex;
	d->sex[1] = '\0';
	tdv__param row[] = {
	    TDV__TEXT(m->id), TDV__TEXT(m->checkpoint_id), TDV__INT(m->seq),
	    TDV__INT(m->time_ms), TDV__TEXT(d->day),
	    TDV__TEXT(tdv_direction_name(m->direction)), TDV__TEXT(m->officer_id),
	    TDV__TEXT(m->document_code), TDV__TEXT(m->issuing_state),
	    TDV__TEXT(m->document_number), TDV__TEXT(m->nationality),
	    TDV__TEXT(m->surname), TDV__TEXT(m->given_names), TDV__TEXT(d->sex),
	    TDV__TEXT(m->birth_date), TDV__TEXT(m->expiry_date),
	    TDV__TEXT(age_band(m->birth_date, d->day)), TDV__TEXT(m->verdict),
	    TDV__TEXT(tdv_decision_name(m->decision)), TDV__TEXT(m->reason),
	    TDV__TEXT(m->fraud_type), TDV__TEXT(m->checks_json),
	    TDV__INT(m->audit_seq)};
	memcpy(p, row, sizeof(row));
}

/* "($1, $2, ...), ($24, ...)" for rows x cols parameters. */
int
tdv__values_list(char *out, size_t outsz, int rows, int cols)
{
	size_t used = 0;
	for (int r = 0; r < rows; r++) {
		for (int c = 0; c < cols; c++) {
			int w = snprintf(out + used, outsz - used, "%s$%d%s",
			    c == 0 ? (r ? ", (" : "(") : ", ", r * cols + c + 1,
			    c == cols - 1 ? ")" : "");
			if (w < 0 || (size_t)w >= outsz - used)
				return TDV_ELIMIT;
			used += (size_t)w;
		}
	}
	return TDV_OK;
}

/* Insert the row (ids, seq and audit_seq already set). */
static int
movement_insert(tdv_store *s, const tdv_movement *m)
{
	struct movement_derived d;
	tdv__param p[MOVEMENT_INSERT_NCOLS];
	movement_params(m, &d, p);
	return tdv__exec(s,
	    "INSERT INTO movement (" MOVEMENT_INSERT_COLS ")"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
	    " $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)",
	    p, MOVEMENT_INSERT_NCOLS, NULL, NULL);
}

#define BULK_ROWS 80

int
tdv__movement_copy_row(tdv_buf *b, const tdv_movement *m, bool checks_checked)
{
	int rc = checks_checked ? movement_validate_fields(m) : movement_validate(m);
	if (rc != TDV_OK)
		return rc;
	struct movement_derived d;
	tdv__param p[MOVEMENT_INSERT_NCOLS];
	movement_params(m, &d, p);
	for (int i = 0; rc == TDV_OK && i < MOVEMENT_INSERT_NCOLS; i++) {
		bool last = i == MOVEMENT_INSERT_NCOLS - 1;
		rc = p[i].type == TDV__P_INT ? tdv__copy_int(b, p[i].i, last)
					     : tdv__copy_text(b, p[i].s, last);
	}
	return rc;
}

int
tdv__movements_copy(tdv_store *s, const tdv_buf *rows)
{
	if (s->ops->copy_in == NULL || s->tx_depth == 0)
		return TDV_EINVAL;
	if (rows->len == 0)
		return TDV_OK;
	return s->ops->copy_in(s, "movement (" MOVEMENT_INSERT_COLS ")",
	    (const char *)rows->data, rows->len);
}

int
tdv__movements_insert_many(tdv_store *s, const tdv_movement *const *ms, int n)
{
	tdv__param *p = malloc(BULK_ROWS * MOVEMENT_INSERT_NCOLS * sizeof(*p));
	struct movement_derived *d = malloc(BULK_ROWS * sizeof(*d));
	char *sql = malloc(32768);
	int rc = p && d && sql ? TDV_OK : TDV_ENOMEM;
	for (int at = 0; rc == TDV_OK && at < n; at += BULK_ROWS) {
		int rows = n - at < BULK_ROWS ? n - at : BULK_ROWS;
		for (int r = 0; r < rows; r++) {
			rc = movement_validate(ms[at + r]);
			if (rc != TDV_OK)
				break;
			movement_params(ms[at + r], &d[r], p + r * MOVEMENT_INSERT_NCOLS);
		}
		int w = snprintf(sql, 32768, "INSERT INTO movement (" MOVEMENT_INSERT_COLS ") VALUES ");
		if (rc == TDV_OK)
			rc = tdv__values_list(sql + w, 32768 - (size_t)w, rows, MOVEMENT_INSERT_NCOLS);
		if (rc == TDV_OK)
			rc = tdv__exec(s, sql, p, rows * MOVEMENT_INSERT_NCOLS, NULL, NULL);
	}
	free(p);
	free(d);
	free(sql);
	return rc;
}

struct officer_state {
	int found;
	int active;
};

static int
officer_active_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	struct officer_state *o = ctx;
	if (n != 1 || v[0] == NULL)
		return TDV_ESTORE_SCHEMA;
	o->found = 1;
	o->active = strcmp(v[0], "1") == 0;
	return 1;
}

int
tdv_store_record_movement(tdv_store *s, tdv_movement *m)
{
	if (s == NULL || m == NULL)
		return TDV_EINVAL;
	int rc = movement_validate(m);
	if (rc != TDV_OK)
		return rc;
	if (m->time_ms == 0)
		m->time_ms = tdv_store_now_ms();
	if (m->time_ms < 0)
		return TDV_EINVAL;
	rc = tdv_ulid_new(m->time_ms, m->id);
	if (rc != TDV_OK)
		return rc;

	rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	struct officer_state os = {0, 0};
	tdv__param po[] = {TDV__TEXT(m->officer_id)};
	rc = tdv__exec(s, "SELECT active FROM officer WHERE id = $1", po, 1,
	    officer_active_row, &os);
	if (rc == TDV_OK && (!os.found || !os.active))
		rc = TDV_EAUTH;
	int64_t seq = 0;
	if (rc == TDV_OK) {
		tdv__param pc[] = {TDV__TEXT(m->checkpoint_id)};
		rc = tdv__exec(s,
		    "UPDATE checkpoint SET movement_seq = movement_seq + 1"
		    " WHERE id = $1 RETURNING movement_seq",
		    pc, 1, tdv__i64_row, &seq);
		if (rc == TDV_OK && seq == 0)
			rc = TDV_ENOENT;
	}
	char hash[65], detail[96];
	if (rc == TDV_OK) {
		m->seq = seq;
		rc = tdv__movement_hash(m, hash);
	}
	if (rc == TDV_OK) {
		snprintf(detail, sizeof(detail), "sha256:%s", hash);
		rc = tdv__audit_append(s, m->checkpoint_id, m->officer_id,
		    "movement.record", m->id, detail, m->time_ms, &m->audit_seq);
	}
	if (rc == TDV_OK)
		rc = movement_insert(s, m);
	return tdv__tx_end(s, rc);
}

/* Fill m from MOVEMENT_COLS starting at column 0. */
static int
movement_from_row(tdv_movement *m, int n, const char *const *v, const size_t *l)
{
	if (n < MOVEMENT_NCOLS)
		return TDV_ESTORE_SCHEMA;
	memset(m, 0, sizeof(*m));
	int rc = TDV_OK;
#define COPY(field, col)                                                       \
	if (rc == TDV_OK)                                                      \
	rc = tdv__copy(m->field, sizeof(m->field), v[col], l[col])
	COPY(id, 0);
	COPY(checkpoint_id, 1);
	COPY(officer_id, 5);
	COPY(document_code, 6);
	COPY(issuing_state, 7);
	COPY(document_number, 8);
	COPY(nationality, 9);
	COPY(surname, 10);
	COPY(given_names, 11);
	COPY(birth_date, 13);
	COPY(expiry_date, 14);
	COPY(verdict, 15);
	COPY(reason, 17);
	COPY(fraud_type, 18);
	COPY(checks_json, 19);
#undef COPY
	if (rc != TDV_OK)
		return rc;
	if (tdv__parse_i64(v[2], &m->seq) != TDV_OK ||
	    tdv__parse_i64(v[3], &m->time_ms) != TDV_OK ||
	    tdv__parse_i64(v[20], &m->audit_seq) != TDV_OK ||
	    tdv_direction_parse(v[4], &m->direction) != TDV_OK ||
	    tdv_decision_parse(v[16], &m->decision) != TDV_OK ||
	    v[12] == NULL || l[12] != 1)
		return TDV_ESTORE_SCHEMA;
	m->sex = v[12][0];
	return TDV_OK;
}

struct one_movement {
	tdv_movement *m;
	int found;
};

static int
one_movement_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	struct one_movement *o = ctx;
	int rc = movement_from_row(o->m, n, v, l);
	if (rc != TDV_OK)
		return rc;
	o->found = 1;
	return 1;
}

int
tdv_store_movement_get(tdv_store *s, const char *id, const char *reader,
    const char *audit_checkpoint, tdv_movement *out)
{
	if (s == NULL || id == NULL || out == NULL || !tdv__id_ok(reader) ||
	    strnlen(id, TDV_ULID_LEN + 1) != TDV_ULID_LEN)
		return TDV_EINVAL;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	struct one_movement o = {out, 0};
	tdv__param p[] = {TDV__TEXT(id)};
	rc = tdv__exec(s, "SELECT " MOVEMENT_COLS " FROM movement WHERE id = $1",
	    p, 1, one_movement_row, &o);
	if (rc == TDV_OK && !o.found)
		rc = TDV_ENOENT;
	/* reading personal data is itself an audited action */
	if (rc == TDV_OK)
		rc = tdv__audit_append(s, audit_checkpoint, reader, "movement.read",
		    id, "", 0, NULL);
	return tdv__tx_end(s, rc);
}

struct since_ctx {
	tdv_movement m;
	tdv_movement_cb cb;
	void *ctx;
};

static int
since_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	struct since_ctx *c = ctx;
	int rc = movement_from_row(&c->m, n, v, l);
	if (rc != TDV_OK)
		return rc;
	return c->cb(c->ctx, &c->m);
}

int
tdv_store_movements_since(tdv_store *s, const char *checkpoint_id,
    int64_t after, int limit, tdv_movement_cb cb, void *ctx)
{
	if (s == NULL || cb == NULL || !tdv__id_ok(checkpoint_id) || limit <= 0)
		return TDV_EINVAL;
	struct since_ctx *c = malloc(sizeof(*c));
	if (c == NULL)
		return TDV_ENOMEM;
	c->cb = cb;
	c->ctx = ctx;
	tdv__param p[] = {TDV__TEXT(checkpoint_id), TDV__INT(after), TDV__INT(limit)};
	int rc = tdv__exec(s,
	    "SELECT " MOVEMENT_COLS " FROM movement WHERE checkpoint_id = $1"
	    " AND seq > $2 ORDER BY seq LIMIT $3",
	    p, 3, since_row, c);
	free(c);
	return rc;
}


struct all_ctx {
	tdv_movement m;
	tdv__movement_audit_cb cb;
	void *ctx;
	char last_cp[TDV_ID_MAX + 1];
	int64_t last_seq;
	int rows;
};

static int
all_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	struct all_ctx *a = ctx;
	if (n != MOVEMENT_NCOLS + 3)
		return TDV_ESTORE_SCHEMA;
	int rc = movement_from_row(&a->m, n, v, l);
	if (rc != TDV_OK)
		return rc;
	memcpy(a->last_cp, a->m.checkpoint_id, sizeof(a->last_cp));
	a->last_seq = a->m.seq;
	a->rows++;
	return a->cb(a->ctx, &a->m, v[MOVEMENT_NCOLS], v[MOVEMENT_NCOLS + 1],
	    v[MOVEMENT_NCOLS + 2]);
}

int
tdv__movements_all(tdv_store *s, tdv__movement_audit_cb cb, void *ctx)
{
	struct all_ctx *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return TDV_ENOMEM;
	a->cb = cb;
	a->ctx = ctx;
	int rc = TDV_OK;
	for (;;) {
		a->rows = 0;
		tdv__param p[] = {TDV__TEXT(a->last_cp), TDV__INT(a->last_seq)};
		rc = tdv__exec(s,
		    "SELECT " MOVEMENT_COLS ","
		    " (SELECT a.action FROM audit_entry a WHERE a.chain ="
		    "  movement.checkpoint_id AND a.seq = movement.audit_seq),"
		    " (SELECT a.object FROM audit_entry a WHERE a.chain ="
		    "  movement.checkpoint_id AND a.seq = movement.audit_seq),"
		    " (SELECT a.detail FROM audit_entry a WHERE a.chain ="
		    "  movement.checkpoint_id AND a.seq = movement.audit_seq)"
		    " FROM movement WHERE checkpoint_id > $1"
		    " OR (checkpoint_id = $1 AND seq > $2)"
		    " ORDER BY checkpoint_id, seq LIMIT 2000",
		    p, 2, all_row, a);
		if (rc != TDV_OK || a->rows < 2000)
			break;
	}
	free(a);
	return rc;
}

int
tdv_store_movement_count(tdv_store *s, const char *checkpoint_id, int64_t *count)
{
	if (s == NULL || count == NULL)
		return TDV_EINVAL;
	*count = 0;
	if (checkpoint_id == NULL)
		return tdv__exec(s, "SELECT COUNT(*) FROM movement", NULL, 0,
		    tdv__i64_row, count);
	if (!tdv__id_ok(checkpoint_id))
		return TDV_EINVAL;
	tdv__param p[] = {TDV__TEXT(checkpoint_id)};
	return tdv__exec(s, "SELECT COUNT(*) FROM movement WHERE checkpoint_id = $1",
	    p, 1, tdv__i64_row, count);
}

struct exists_ctx {
	tdv_movement m;
	int found;
};

static int
exists_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	struct exists_ctx *e = ctx;
	int rc = movement_from_row(&e->m, n, v, l);
	if (rc != TDV_OK)
		return rc;
	e->found = 1;
	return 1;
}

int
tdv_store_import_movement(tdv_store *s, const tdv_movement *m, bool *inserted)
{
	if (s == NULL || m == NULL || inserted == NULL)
		return TDV_EINVAL;
	*inserted = false;
	int rc = movement_validate(m);
	if (rc != TDV_OK)
		return rc;
	if (strnlen(m->id, sizeof(m->id)) != TDV_ULID_LEN || m->seq <= 0 ||
	    m->time_ms <= 0 || m->audit_seq <= 0)
		return TDV_EINVAL;
	char hash[65];
	rc = tdv__movement_hash(m, hash);
	if (rc != TDV_OK)
		return rc;
	struct exists_ctx *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return TDV_ENOMEM;
	rc = tdv__tx_begin(s);
	if (rc != TDV_OK) {
		free(e);
		return rc;
	}
	tdv__param p[] = {TDV__TEXT(m->id), TDV__TEXT(m->checkpoint_id),
	    TDV__INT(m->seq)};
	rc = tdv__exec(s,
	    "SELECT " MOVEMENT_COLS " FROM movement WHERE id = $1"
	    " OR (checkpoint_id = $2 AND seq = $3)",
	    p, 3, exists_row, e);
	if (rc == TDV_OK && e->found) {
		char old[65];
		rc = tdv__movement_hash(&e->m, old);
		if (rc == TDV_OK &&
		    (strcmp(old, hash) != 0 || e->m.audit_seq != m->audit_seq))
			rc = TDV_ESTORE_CONFLICT;
		free(e);
		return tdv__tx_end(s, rc);
	}
	free(e);
	/* the audit entry that recorded it must already be here, naming it */
	char want[96];
	snprintf(want, sizeof(want), "sha256:%s", hash);
	int64_t match = 0;
	if (rc == TDV_OK) {
		tdv__param pa[] = {TDV__TEXT(m->checkpoint_id), TDV__INT(m->audit_seq),
		    TDV__TEXT(m->id), TDV__TEXT(want)};
		rc = tdv__exec(s,
		    "SELECT COUNT(*) FROM audit_entry WHERE chain = $1 AND seq = $2"
		    " AND action = 'movement.record' AND object = $3 AND detail = $4",
		    pa, 4, tdv__i64_row, &match);
		if (rc == TDV_OK && match != 1)
			rc = TDV_EAUDIT_BROKEN;
	}
	if (rc == TDV_OK)
		rc = movement_insert(s, m);
	if (rc == TDV_OK) {
		tdv__param pc[] = {TDV__TEXT(m->checkpoint_id), TDV__INT(m->seq)};
		int64_t ch = 0;
		rc = tdv__exec_changes(s,
		    "UPDATE checkpoint SET movement_seq = $2"
		    " WHERE id = $1 AND movement_seq < $2",
		    pc, 2, &ch);
	}
	rc = tdv__tx_end(s, rc);
	if (rc == TDV_OK)
		*inserted = true;
	return rc;
}

void
tdv_movement_to_json(const tdv_movement *m, tdv_json *j)
{
	char sex[2] = {m->sex, '\0'};
	tdv_json_object_begin(j);
	tdv_json_key(j, "id");
	tdv_json_string(j, m->id);
	tdv_json_key(j, "checkpoint");
	tdv_json_string(j, m->checkpoint_id);
	tdv_json_key(j, "seq");
	tdv_json_int(j, m->seq);
	tdv_json_key(j, "time_ms");
	tdv_json_int(j, m->time_ms);
	tdv_json_key(j, "direction");
	tdv_json_string(j, tdv_direction_name(m->direction));
	tdv_json_key(j, "officer");
	tdv_json_string(j, m->officer_id);
	tdv_json_key(j, "document_code");
	tdv_json_string(j, m->document_code);
	tdv_json_key(j, "issuing_state");
	tdv_json_string(j, m->issuing_state);
	tdv_json_key(j, "document_number");
	tdv_json_string(j, m->document_number);
	tdv_json_key(j, "nationality");
	tdv_json_string(j, m->nationality);
	tdv_json_key(j, "surname");
	tdv_json_string(j, m->surname);
	tdv_json_key(j, "given_names");
	tdv_json_string(j, m->given_names);
	tdv_json_key(j, "sex");
	tdv_json_string(j, sex);
	tdv_json_key(j, "birth_date");
	tdv_json_string_or_null(j, m->birth_date);
	tdv_json_key(j, "expiry_date");
	tdv_json_string_or_null(j, m->expiry_date);
	tdv_json_key(j, "verdict");
	tdv_json_string(j, m->verdict);
	tdv_json_key(j, "decision");
	tdv_json_string(j, tdv_decision_name(m->decision));
	tdv_json_key(j, "reason");
	tdv_json_string(j, m->reason);
	tdv_json_key(j, "fraud_type");
	tdv_json_string_or_null(j, m->fraud_type);
	tdv_json_key(j, "audit_seq");
	tdv_json_int(j, m->audit_seq);
	tdv_json_object_end(j);
}

/* For the other record files (referral.c): the row layout of MOVEMENT_COLS. */
const char *
tdv__movement_cols(void)
{
	return MOVEMENT_COLS;
}

int
tdv__movement_from_row(tdv_movement *m, int n, const char *const *v,
    const size_t *l)
{
	return movement_from_row(m, n, v, l);
}

int
tdv__movement_ncols(void)
{
	return MOVEMENT_NCOLS;
}

bool
tdv__text_ok(const char *s, size_t sz)
{
	return text_ok(s, sz);
}
