/*
 * The strict sync batch parser (src/sync/batch_parse.c): nested JSON
 * checked exactly as jansson (JSON_REJECT_DUPLICATES) checks it, on edge
 * cases with the expected answer stated; a real batch read with the
 * values the checkpoint's store holds (and the hashes its audit entries
 * name); every kind of malformed batch refused with what and where; and
 * through tdv_sync_ingest, such batches refused with nothing written.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_int.h"
#include "sync/batch_parse.h"
#include "tdv/error.h"
#include "tdv/store.h"
#include "tdv/sync.h"
#include "tdv_test.h"

static tdv__jscratch js;

/* expected: 1 accepted, 0 refused; jansson must agree */
static void
json_case(const char *s, size_t n, int expected, const char *name)
{
	json_error_t err;
	json_t *j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &err);
	int jansson = j != NULL;
	json_decref(j);
	int ours = tdv__json_check(s, n, false, &js) == TDV_OK;
	if (ours != expected || jansson != expected) {
		fprintf(stderr, "  json case %s: expected %d, parser %d, jansson %d\n", name,
		    expected, ours, jansson);
		CHECK(0);
	}
}

#define JC(lit, exp) json_case(lit, sizeof(lit) - 1, exp, #lit)

static char *
nested(int depth, const char *inner, size_t *len)
{
	size_t in = strlen(inner);
	char *s = malloc((size_t)depth * 2 + in + 1);
	memset(s, '[', (size_t)depth);
	memcpy(s + depth, inner, in);
	memset(s + depth + in, ']', (size_t)depth);
	*len = (size_t)depth * 2 + in;
	s[*len] = '\0';
	return s;
}

static void
test_json_like_jansson(void)
{
	JC("[]", 1);
	JC(" {} ", 1);
	JC("", 0);
	JC("   ", 0);
	JC("1", 0);      /* top level must be array or object */
	JC("\"x\"", 0);
	JC("[1,]", 0);
	JC("[,1]", 0);
	JC("{\"a\":1,}", 0);
	JC("{\"a\" 1}", 0);
	JC("{1:1}", 0);
	JC("[1] x", 0);
	JC("[1]\n\t\r ", 1);
	JC("[01]", 0);
	JC("[-]", 0);
	JC("[1.]", 0);
	JC("[.5]", 0);
	JC("[+1]", 0);
	JC("[1e]", 0);
	JC("[1e+]", 0);
	JC("[-0, 0.5, -1.5E+10, 1e-400]", 1); /* underflow is fine */
	JC("[1e400]", 0);                     /* overflow is not */
	JC("[-1e400]", 0);
	JC("[9223372036854775807, -9223372036854775808]", 1);
	JC("[9223372036854775808]", 0);
	JC("[-9223372036854775809]", 0);
	JC("[99999999999999999999999]", 0);
	JC("[true, false, null]", 1);
	JC("[tru]", 0);
	JC("[truex]", 0);
	JC("[nul]", 0);
	JC("[\"\\u00e9\\uD83D\\uDE00\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", 1);
	JC("[\"\\ud800\"]", 0);        /* lone high surrogate */
	JC("[\"\\udc00\"]", 0);        /* lone low surrogate */
	JC("[\"\\ud800\\u0041\"]", 0); /* high + not low */
	JC("[\"\\u0000\"]", 0);
	JC("[\"\\x\"]", 0);
	JC("[\"\\u12G4\"]", 0);
	JC("[\"\\u12\"]", 0);
	JC("[\"a\tb\"]", 0);   /* raw control character */
	JC("[\"a\x7f b\"]", 1); /* DEL is not a control character for JSON */
	JC("[\"\xc3\xa9\"]", 1);
	JC("[\"\xc0\xaf\"]", 0);         /* overlong */
	JC("[\"\xed\xa0\x80\"]", 0);     /* UTF-16 surrogate in UTF-8 */
	JC("[\"\xf4\x90\x80\x80\"]", 0); /* above U+10FFFF */
	JC("[\"\xe2\x82\"]", 0);         /* truncated */
	JC("[\"\x80\"]", 0);
	JC("[\"abc", 0);
	JC("{\"a\":1,\"a\":2}", 0);
	JC("{\"a\":1,\"\\u0061\":2}", 0); /* the same key, escaped */
	JC("{\"a\":{\"a\":1},\"b\":{\"a\":1}}", 1);
	JC("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,\"j\":10}", 1);
	JC("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,\"b\":10}", 0);
	JC("{\"ab\":1,\"a\":2,\"\":3}", 1);
	JC("[{\"a\":[{\"a\":1}],\"b\":[]}, {\"a\":2}]", 1);
	/* depth: jansson counts every value; at most 2048 */
	size_t n;
	char *s = nested(2048, "", &n);
	json_case(s, n, 1, "2048 nested arrays");
	free(s);
	s = nested(2049, "", &n);
	json_case(s, n, 0, "2049 nested arrays");
	free(s);
	s = nested(2047, "1", &n);
	json_case(s, n, 1, "a number at depth 2048");
	free(s);
	s = nested(2048, "1", &n);
	json_case(s, n, 0, "a number at depth 2049");
	free(s);
	CHECK_INT(tdv__json_check("{}", 2, true, &js), TDV_EPARSE); /* not an array */
	CHECK_INT(tdv__json_check("[{}]", 4, true, &js), TDV_OK);
}

/* ---- a real batch ---- */

static tdv_store *cp_store;

static void
record(int i, const char *surname, const char *reason, const char *checks)
{
	tdv_movement *m = calloc(1, sizeof(*m));
	snprintf(m->checkpoint_id, sizeof(m->checkpoint_id), "CP1");
	snprintf(m->officer_id, sizeof(m->officer_id), "off1");
	m->direction = i % 2 ? TDV_DIR_EXIT : TDV_DIR_ENTRY;
	snprintf(m->document_code, sizeof(m->document_code), "P");
	snprintf(m->issuing_state, sizeof(m->issuing_state), "UTO");
	snprintf(m->document_number, sizeof(m->document_number), "S%07d", i);
	snprintf(m->nationality, sizeof(m->nationality), "UTO");
	snprintf(m->surname, sizeof(m->surname), "%s", surname);
	snprintf(m->given_names, sizeof(m->given_names), "ANNA MARIA");
	m->sex = "FMX"[i % 3];
	snprintf(m->birth_date, sizeof(m->birth_date), "1974-08-12");
	snprintf(m->verdict, sizeof(m->verdict), i % 2 ? "REFER" : "PASS");
	m->decision = i % 2 ? TDV_DECISION_REFERRED : TDV_DECISION_ADMITTED;
	snprintf(m->reason, sizeof(m->reason), "%s", reason);
	snprintf(m->checks_json, sizeof(m->checks_json), "%s", checks);
	CHECK_INT(tdv_store_record_movement(cp_store, m), TDV_OK);
	free(m);
}

struct got {
	tdv_audit_entry ea[32];
	size_t na, nm;
	tdv_movement *ms; /* 16 */
	size_t off[16];
	char cp[64];
};

static int
g_checkpoint(void *ctx, const char *id, size_t len)
{
	struct got *g = ctx;
	CHECK(id != NULL && strlen(id) == len);
	snprintf(g->cp, sizeof(g->cp), "%s", id ? id : "");
	return TDV_OK;
}

static int
g_audit(void *ctx, size_t i, const tdv_audit_entry *e)
{
	struct got *g = ctx;
	CHECK_INT((int)i, (int)g->na);
	if (g->na < 32)
		g->ea[g->na++] = *e;
	return TDV_OK;
}

static int
g_movement(void *ctx, size_t i, size_t off, tdv_movement *m)
{
	struct got *g = ctx;
	CHECK_INT((int)i, (int)g->nm);
	if (g->nm < 16) {
		g->off[g->nm] = off;
		g->ms[g->nm++] = *m;
	}
	return TDV_OK;
}

struct cmp_ctx {
	struct got *g;
	size_t at;
};

static int
same_as_stored(void *ctx, const tdv_movement *m)
{
	struct cmp_ctx *c = ctx;
	const tdv_movement *p = &c->g->ms[c->at++];
	CHECK_STR(p->id, m->id);
	CHECK_STR(p->surname, m->surname);
	CHECK_STR(p->reason, m->reason);
	CHECK_STR(p->checks_json, m->checks_json);
	CHECK_STR(p->birth_date, m->birth_date);
	CHECK(p->seq == m->seq && p->time_ms == m->time_ms && p->audit_seq == m->audit_seq);
	CHECK(p->sex == m->sex && p->direction == m->direction && p->decision == m->decision);
	/* the movement's content hash is what its audit entry names */
	char a[65], b[65];
	CHECK_INT(tdv__movement_hash(p, a), TDV_OK);
	CHECK_INT(tdv__movement_hash(m, b), TDV_OK);
	CHECK_STR(a, b);
	return 0;
}

static void
test_batch_values(void)
{
	CHECK_INT(tdv_store_open("sqlite::memory:", &cp_store, NULL, 0), TDV_OK);
	tdv_checkpoint cp = {"CP1", "One", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(cp_store, &cp), TDV_OK);
	tdv_officer o = {"off1", "One", TDV_ROLE_OFFICER, true};
	CHECK_INT(tdv_store_officer_add(cp_store, &o, "pw", 2, NULL, "CP1"), TDV_OK);
	record(1, "ERIKSSON", "", "[{\"id\":\"mrz.present\",\"status\":\"pass\"}]");
	record(2, "\xc3\x85STR\xc3\x96M", "quote \" backslash \\ slash /",
	    "[{\"id\":\"x\",\"message\":\"caf\xc3\xa9 \\\"q\\\" \\u00e9 \\ud83d\\ude00\"},"
	    "{\"n\":[1,-2.5e3,true,null,{\"\":{}}]}]");
	record(3, "O'NEIL", "\xe2\x82\xac 100", "[]");
	tdv_buf b;
	tdv_buf_init(&b, TDV_SYNC_MAX_BATCH_BYTES);
	tdv_sync_batch_info info;
	CHECK_INT(tdv_sync_build_batch(cp_store, "CP1", 100, &b, &info), TDV_OK);
	CHECK_INT(info.nmovements, 3);

	tdv__batch_parser p;
	CHECK_INT(tdv__batch_parser_init(&p), TDV_OK);
	struct got *g = calloc(1, sizeof(*g));
	g->ms = calloc(16, sizeof(*g->ms));
	const tdv__batch_sink sink = {g, g_checkpoint, g_audit, g_movement, NULL, NULL};
	tdv__batch_error err;
	CHECK_INT(tdv__batch_parse(&p, (const char *)b.data, b.len, &sink, &err), TDV_OK);
	CHECK_INT(p.version, 1);
	CHECK_STR(g->cp, "CP1");
	CHECK_INT((int)g->na, info.naudit);
	CHECK_INT((int)g->nm, 3);
	struct cmp_ctx c = {g, 0};
	CHECK_INT(tdv_store_movements_since(cp_store, "CP1", 0, 16, same_as_stored, &c), TDV_OK);
	CHECK_INT((int)c.at, 3);
	/* each movement is named by its audit entry with the same hash, and
	 * read again at its offset it is the same */
	for (size_t i = 0; i < g->nm; i++) {
		char h[65], want[80];
		CHECK_INT(tdv__movement_hash(&g->ms[i], h), TDV_OK);
		snprintf(want, sizeof(want), "sha256:%s", h);
		bool named = false;
		for (size_t k = 0; k < g->na; k++)
			if (g->ea[k].seq == g->ms[i].audit_seq)
				named = strcmp(g->ea[k].detail, want) == 0 &&
				    strcmp(g->ea[k].object, g->ms[i].id) == 0;
		CHECK(named);
		tdv_movement *again = calloc(1, sizeof(*again));
		CHECK_INT(tdv__batch_movement_at(&p, (const char *)b.data, b.len, g->off[i], again),
		    TDV_OK);
		CHECK_STR(again->checks_json, g->ms[i].checks_json);
		CHECK_STR(again->reason, g->ms[i].reason);
		free(again);
	}
	tdv__batch_parser_free(&p);
	free(g->ms);
	free(g);
	tdv_buf_free(&b);
}

/* The movement hash (built in one buffer) is the field-by-field hash of
 * tdv__hasher it replaced: the same bytes, so every audit entry that names
 * a movement still does. */
static void
old_hash(const tdv_movement *m, char hex[65])
{
	tdv__hasher *h = tdv__hasher_new();
	char sex[2] = {m->sex, '\0'};
	tdv__hasher_str(h, "tdv-movement-1");
	tdv__hasher_str(h, m->id);
	tdv__hasher_str(h, m->checkpoint_id);
	tdv__hasher_i64(h, m->seq);
	tdv__hasher_i64(h, m->time_ms);
	tdv__hasher_str(h, tdv_direction_name(m->direction));
	tdv__hasher_str(h, m->officer_id);
	tdv__hasher_str(h, m->document_code);
	tdv__hasher_str(h, m->issuing_state);
	tdv__hasher_str(h, m->document_number);
	tdv__hasher_str(h, m->nationality);
	tdv__hasher_str(h, m->surname);
	tdv__hasher_str(h, m->given_names);
	tdv__hasher_str(h, sex);
	tdv__hasher_str(h, m->birth_date);
	tdv__hasher_str(h, m->expiry_date);
	tdv__hasher_str(h, m->verdict);
	tdv__hasher_str(h, tdv_decision_name(m->decision));
	tdv__hasher_str(h, m->reason);
	tdv__hasher_str(h, m->fraud_type);
	tdv__hasher_str(h, m->checks_json);
	CHECK_INT(tdv__hasher_final(&h, hex), TDV_OK);
}

static void
test_movement_hash_unchanged(void)
{
	tdv_movement *m = calloc(1, sizeof(*m));
	char a[65], b[65];
	old_hash(m, a); /* all empty, sex 0, seq 0 */
	CHECK_INT(tdv__movement_hash(m, b), TDV_OK);
	CHECK_STR(a, b);
	snprintf(m->id, sizeof(m->id), "01KKBSWHG0XVDSWNEXHA0BN9W4");
	snprintf(m->checkpoint_id, sizeof(m->checkpoint_id), "CP-1.x");
	m->seq = INT64_MAX;
	m->time_ms = INT64_MIN;
	m->direction = TDV_DIR_EXIT;
	m->decision = TDV_DECISION_REFUSED;
	m->sex = 'X';
	memset(m->surname, 'S', sizeof(m->surname) - 1);           /* full length */
	memset(m->reason, 'r', sizeof(m->reason) - 1);
	memset(m->checks_json, '[', sizeof(m->checks_json) - 1);   /* 16 KiB */
	snprintf(m->given_names, sizeof(m->given_names), "\xc3\x85SA");
	old_hash(m, a);
	CHECK_INT(tdv__movement_hash(m, b), TDV_OK);
	CHECK_STR(a, b);
	m->direction = (tdv_direction)99; /* no name: hashed as "" by both */
	old_hash(m, a);
	CHECK_INT(tdv__movement_hash(m, b), TDV_OK);
	CHECK_STR(a, b);
	free(m);
}

/* ---- refusals ---- */

static tdv_buf batch; /* the genuine batch of test_batch_values' store */

static bool last_one; /* edit the last occurrence instead of the first */

static char *
edited(const char *from, const char *to, size_t *len)
{
	const char *s = tdv_buf_cstr(&batch);
	const char *p = strstr(s, from);
	for (const char *q = p; last_one && q != NULL; q = strstr(q + 1, from))
		p = q;
	CHECK(p != NULL);
	if (p == NULL)
		return NULL;
	size_t n = batch.len - strlen(from) + strlen(to), pre = (size_t)(p - s);
	char *out = malloc(n + 1);
	memcpy(out, s, pre);
	memcpy(out + pre, to, strlen(to));
	memcpy(out + pre + strlen(to), p + strlen(from), batch.len - pre - strlen(from));
	out[n] = '\0';
	*len = n;
	return out;
}

/* The edited batch is refused with TDV_EPARSE, saying `what`, in section
 * `sec` (0: the batch) at or after the edit. */
static void
refused(const char *from, const char *to, const char *what, int sec, const char *name)
{
	size_t n = 0;
	char *x = edited(from, to, &n);
	if (x == NULL)
		return;
	size_t at = (size_t)(strstr(x, to) - x);
	for (const char *q = x + at; last_one && q != NULL; q = strstr(q + 1, to))
		at = (size_t)(q - x);
	tdv__batch_parser p;
	CHECK_INT(tdv__batch_parser_init(&p), TDV_OK);
	const tdv__batch_sink none = {NULL, NULL, NULL, NULL, NULL, NULL};
	tdv__batch_error err;
	int rc = tdv__batch_parse(&p, x, n, &none, &err);
	if (rc != TDV_EPARSE || err.what == NULL || strstr(err.what, what) == NULL ||
	    err.section != sec || err.offset > n || (sec == 0 && err.offset < at)) {
		fprintf(stderr, "  refusal %s: rc %d, what %s, section %d, offset %zu (edit at %zu)\n",
		    name, rc, err.what ? err.what : "(none)", err.section, err.offset, at);
		CHECK(0);
	}
	tdv__batch_parser_free(&p);
	free(x);
}

static void
test_batch_refusals(void)
{
	tdv_buf_init(&batch, TDV_SYNC_MAX_BATCH_BYTES);
	tdv_sync_batch_info info;
	/* the cursors did not move: the same batch again */
	CHECK_INT(tdv_sync_build_batch(cp_store, "CP1", 100, &batch, &info), TDV_OK);
	const char *mv = "malformed movement", *au = "malformed audit entry";
	const char *notjson = "not valid JSON", *shape = "not a version 1";
	int A = TDV__SEC_AUDIT, M = TDV__SEC_MOVEMENTS;
	/* lengths */
	refused("\"surname\":\"ERIKSSON\"",
	    "\"surname\":\"ERIKSSONERIKSSONERIKSSONERIKSSONERIKSSONERIKSSONERIKSSON"
	    "ERIKSSONERIKSSONERIKSSONERIKSSONERIKSSONERIKSSON\"", mv, M, "surname > 96");
	refused("\"sex\":\"F\"", "\"sex\":\"FF\"", mv, M, "sex of 2");
	refused("\"sex\":\"F\"", "\"sex\":\"\"", mv, M, "empty sex");
	refused("\"object\":\"off1\"", "\"object\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"", au, A, "object over 64 bytes once unescaped");
	/* escapes, UTF-8, control characters */
	refused("\"surname\":\"ERIKSSON\"", "\"surname\":\"ERIK\\qSSON\"", notjson, M, "bad escape");
	refused("\"surname\":\"ERIKSSON\"", "\"surname\":\"ERIK\\ud800SSON\"", notjson, M,
	    "lone surrogate");
	refused("\"surname\":\"ERIKSSON\"", "\"surname\":\"ERIK\\u0000SSON\"", notjson, M, "\\u0000");
	refused("\"surname\":\"ERIKSSON\"", "\"surname\":\"ERIK\xc0\xafSSON\"", notjson, M,
	    "overlong UTF-8");
	refused("\"surname\":\"ERIKSSON\"", "\"surname\":\"ERIK\nSSON\"", notjson, M,
	    "raw newline");
	/* numbers */
	refused("\"seq\":1,", "\"seq\":9223372036854775808,", notjson, A, "seq out of range");
	refused("\"seq\":1,", "\"seq\":1.0,", au, A, "seq not an integer");
	refused("\"seq\":1,", "\"seq\":\"1\",", au, A, "seq a string");
	refused("\"seq\":1,", "\"seq\":01,", notjson, A, "leading zero");
	refused("\"v\":1", "\"v\":3", shape, 0, "version 3");
	refused("\"v\":1", "\"v\":1.0", shape, 0, "version as a real");
	/* keys */
	refused("\"v\":1,", "\"v\":1,\"v\":1,", "twice", 0, "duplicate root key");
	refused("\"seq\":1,", "\"seq\":1,\"seq\":1,", au, A, "duplicate record key");
	refused("\"seq\":1,", "\"s\\u0065q\":1,\"seq\":1,", au, A, "duplicate key, escaped");
	refused("\"seq\":1,", "\"sequence\":1,", au, A, "unknown key");
	refused("\"seq\":1,", "", au, A, "missing key");
	refused("\"v\":1,", "\"v\":1,\"extra\":[],", shape, 0, "unknown root key");
	refused("\"v\":1,", "\"v\":1,\"referrals\":[],", shape, 0, "format 1 with referrals");
	refused("\"v\":1,", "\"v\":2,", shape, 0, "format 2 without referrals");
	/* the checks: a JSON array, checked strictly */
	refused("\"checks\":\"[]\"", "\"checks\":\"{}\"", mv, M, "checks an object");
	refused("\"checks\":\"[]\"", "\"checks\":\"[{\\\"a\\\":1,\\\"a\\\":2}]\"", mv, M,
	    "checks with a duplicate key");
	refused("\"checks\":\"[]\"", "\"checks\":\"[1e999]\"", mv, M, "checks with an overflow");
	refused("\"checks\":\"[]\"", "\"checks\":\"[1] x\"", mv, M, "checks with trailing text");
	{
		/* 2049 levels in the checks (4,098 bytes: within 16 KiB) */
		size_t n;
		char *deep = nested(2049, "", &n);
		char *to = malloc(n + 16);
		snprintf(to, n + 16, "\"checks\":\"%s\"", deep);
		refused("\"checks\":\"[]\"", to, mv, M, "checks 2049 deep");
		free(deep);
		deep = nested(2048, "", &n);
		snprintf(to, n + 16, "\"checks\":\"%s\"", deep);
		size_t len = 0;
		char *x = edited("\"checks\":\"[]\"", to, &len);
		tdv__batch_parser p;
		CHECK_INT(tdv__batch_parser_init(&p), TDV_OK);
		const tdv__batch_sink none = {NULL, NULL, NULL, NULL, NULL, NULL};
		tdv__batch_error err;
		CHECK_INT(tdv__batch_parse(&p, x, len, &none, &err), TDV_OK); /* 2048: fine */
		tdv__batch_parser_free(&p);
		free(x);
		free(deep);
		free(to);
	}
	/* structure */
	refused("\"movements\":[", "\"movements\":{", shape, 0, "movements not an array");
	refused("\"audit\":[{", "\"audit\":[[", au, A, "record not an object");
	last_one = true;
	refused("}]}", "}]} x", notjson, 0, "trailing text");
	refused("}]}", "}]", notjson, 0, "truncated");
	refused("}]}", "},]}", notjson, M, "trailing comma");
	last_one = false;
}

/* Through ingest: refused with the parser's reason, nothing written. */
static void
test_ingest_refuses_whole(void)
{
	tdv_store *central = NULL;
	CHECK_INT(tdv_store_open("sqlite::memory:", &central, NULL, 0), TDV_OK);
	tdv_checkpoint cp = {"CP1", "One", "UTO"};
	CHECK_INT(tdv_store_checkpoint_put(central, &cp), TDV_OK);
	tdv_sync_result r;
	size_t n = 0;
	char *x = edited("\"checks\":\"[]\"", "\"checks\":\"[{\\\"a\\\":1,\\\"a\\\":2}]\"", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EPARSE);
	CHECK(strstr(r.message, "malformed movement (at byte ") != NULL);
	CHECK(r.bad_index > 0);
	free(x);
	x = edited("\"surname\":\"ERIKSSON\"", "\"surname\":\"ERIK\\u0000SSON\"", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EPARSE);
	CHECK(strstr(r.message, "not valid JSON") != NULL);
	CHECK_INT(r.bad_index, -1);
	free(x);
	/* a record of another checkpoint after good ones */
	x = edited("\"checkpoint\":\"CP1\",\"seq\":3", "\"checkpoint\":\"CP2\",\"seq\":3", &n);
	CHECK_INT(tdv_sync_ingest(central, "CP1", x, n, &r), TDV_EFORBIDDEN);
	CHECK(r.bad_index > 0);
	free(x);
	int64_t count = -1;
	CHECK_INT(tdv_store_movement_count(central, "CP1", &count), TDV_OK);
	CHECK_INT((int)count, 0);
	tdv_audit_report ar;
	CHECK_INT(tdv_store_audit_verify(central, "CP1", &ar), TDV_OK);
	CHECK_INT((int)ar.entries, 0);
	/* the genuine batch goes in whole */
	CHECK_INT(tdv_sync_ingest(central, "CP1", (const char *)batch.data, batch.len, &r), TDV_OK);
	CHECK_INT(r.nmovements, 3);
	CHECK_INT(r.inserted, r.naudit + 3);
	CHECK_INT(tdv_store_movement_count(central, "CP1", &count), TDV_OK);
	CHECK_INT((int)count, 3);
	/* more records than a batch may hold */
	tdv_buf big;
	tdv_buf_init(&big, TDV_SYNC_MAX_BATCH_BYTES);
	CHECK_INT(tdv_buf_puts(&big, "{\"v\":1,\"checkpoint\":\"CP1\",\"audit\":["), TDV_OK);
	for (int i = 0; i <= TDV_SYNC_MAX_RECORDS; i++)
		CHECK_INT(tdv_buf_printf(&big, "%s{\"chain\":\"CP1\",\"seq\":%d,\"time_ms\":1,"
			      "\"actor\":\"\",\"action\":\"a\",\"object\":\"\",\"detail\":\"\","
			      "\"prev_hash\":\"\",\"hash\":\"\"}", i ? "," : "", i + 1),
		    TDV_OK);
	CHECK_INT(tdv_buf_puts(&big, "],\"movements\":[]}"), TDV_OK);
	CHECK_INT(tdv_sync_ingest(central, "CP1", (const char *)big.data, big.len, &r), TDV_ELIMIT);
	CHECK(strstr(r.message, "too many") != NULL);
	tdv_buf_free(&big);
	tdv_store_free(&central);
}

int
main(void)
{
	RUN(test_json_like_jansson);
	RUN(test_movement_hash_unchanged);
	RUN(test_batch_values);
	RUN(test_batch_refusals);
	RUN(test_ingest_refuses_whole);
	tdv_buf_free(&batch);
	tdv_store_free(&cp_store);
	tdv__jscratch_free(&js);
	TEST_EXIT();
}
