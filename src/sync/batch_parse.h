/*
 * Internal to src/sync/: a strict, bounded, single-pass parser for sync
 * batches (formats 1 and 2, see tdv/sync.h) that hands each record to the
 * caller as soon as it is read, without building a JSON tree.
 *
 * It accepts exactly what jansson's json_loadb(..., JSON_REJECT_DUPLICATES)
 * followed by the batch's shape checks accepted: RFC 8259 JSON (strings in
 * valid UTF-8 without control characters or \u0000, escapes checked,
 * surrogates paired, integers within int64, reals that do not overflow,
 * nesting at most 2048 deep, no duplicate key in any object, nothing after
 * the value), every record an object with exactly its keys, each value of
 * its type and within the size of its field. fuzz_batch_parse checks it
 * against jansson on arbitrary input.
 */
#ifndef TDV_SYNC_BATCH_PARSE_H
#define TDV_SYNC_BATCH_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdv/store.h"

#define TDV__JSON_MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */

/* Scratch memory of the strict JSON checker (keys of open objects, the
 * stack); reusable, grows with the input it is given. */
typedef struct tdv__jscratch {
	char *keys;
	size_t keys_len, keys_cap;
	struct tdv__jkey *ents;
	size_t nents, ents_cap;
	struct tdv__jframe *stack; /* TDV__JSON_MAX_DEPTH frames */
} tdv__jscratch;

void tdv__jscratch_free(tdv__jscratch *sc);

/*
 * Check that the n bytes at s are one JSON document under the rules above
 * whose top-level value is an array (want_array) or an array or object.
 * TDV_OK, TDV_EPARSE (not such a document) or TDV_ENOMEM.
 */
int tdv__json_check(const char *s, size_t n, bool want_array, tdv__jscratch *sc);

enum { TDV__SEC_AUDIT = 1, TDV__SEC_MOVEMENTS, TDV__SEC_REFERRALS };

/* Where records go. Each callback returns TDV_OK to go on, or an error
 * code (and fills the error) to stop the parse with it. */
typedef struct tdv__batch_sink {
	void *ctx;
	/* the root's "checkpoint" (any string: compared by the caller) */
	int (*checkpoint)(void *ctx, const char *id, size_t len);
	/* i: index within its array; off: byte offset of the record's '{' */
	int (*audit)(void *ctx, size_t i, const tdv_audit_entry *e);
	int (*movement)(void *ctx, size_t i, size_t off, tdv_movement *m);
	int (*referral)(void *ctx, size_t i, const tdv_referral_outcome *r);
	/* the array of a section ended (n records) */
	int (*section_end)(void *ctx, int section, size_t n);
} tdv__batch_sink;

typedef struct tdv__batch_error {
	int rc;           /* TDV_EPARSE, or what a callback returned */
	int section;      /* 0: the batch itself, else TDV__SEC_* */
	size_t index;     /* record within its section */
	size_t offset;    /* byte offset where it went wrong */
	const char *what; /* static text: what is wrong */
} tdv__batch_error;

typedef struct tdv__batch_parser {
	tdv__jscratch js;
	tdv_movement *m; /* one movement at a time (the checks are 16 KiB) */
	int version;     /* 1 or 2 after a successful parse */
} tdv__batch_parser;

int tdv__batch_parser_init(tdv__batch_parser *p);
void tdv__batch_parser_free(tdv__batch_parser *p);

/* Parse a whole batch, records to the sink in document order. TDV_OK when
 * the body is a well-formed format 1 or 2 batch and no callback refused. */
int tdv__batch_parse(tdv__batch_parser *p, const char *body, size_t len,
    const tdv__batch_sink *sink, tdv__batch_error *err);

/* Parse again the movement object at byte offset off of a body that
 * tdv__batch_parse accepted (as reported to the movement callback). */
int tdv__batch_movement_at(tdv__batch_parser *p, const char *body, size_t len,
    size_t off, tdv_movement *m);

#endif
