/* Internal: prepared names for the matcher (romanised tokens and keys). */
#ifndef TDV_SCREEN_NAMES_INT_H
#define TDV_SCREEN_NAMES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdv/screen.h"

#define TDV__SYS_ICAO 0
#define TDV__SYS_BGN 1
#define TDV__SYS_ISO9 2

struct tdv__tok {
	char s[TDV_NAME_TOKEN_MAX + 1];    /* Latin A-Z 0-9 */
	char key[TDV_NAME_TOKEN_MAX + 1];  /* transliteration-neutral skeleton */
	char cons[TDV_NAME_TOKEN_MAX + 1]; /* skeleton without vowels */
	uint8_t len, keylen, conslen;
	char script;      /* 'l' Latin/Greek, 'c', 'a', 't', 'o' (Lao), 'd', 'h' */
	bool particle;    /* AL, BIN, VAN, DE ...: low weight */
	bool surname;     /* before "<<" in MRZ form */
};

struct tdv_name {
	int ntok;
	struct tdv__tok tok[TDV_NAME_MAX_TOKENS];
	bool mrz_form;
	bool maybe_truncated; /* MRZ name that fills its field */
	char latin[TDV_NAME_MAX_BYTES + 1];
};

/* Romanise utf8 into tokens (script and text only; keys not computed). */
int tdv__romanise_tokens(const char *utf8, size_t len, int system,
    struct tdv__tok *toks, int *ntok, bool *mrz_form, bool *truncated);

/* Fill key/cons/particle of a token whose s is set. */
void tdv__tok_keys(struct tdv__tok *t);

/* Compact form of a prepared name, for lists of millions of names:
 * latin holds the tokens separated by single spaces, scripts one script
 * letter per token, surname one bit per token. */
struct tdv__cname {
	char *latin;
	char *scripts;
	uint16_t surname;
	bool truncated;
};

/* Rebuild a prepared name from its compact form (keys recomputed). */
void tdv__name_expand(const struct tdv__cname *c, tdv_name *out);

/* One query scored against many list names (same score as
 * tdv_name_compare, no explanation; per-token work shared). */
struct tdv__scorer;
int tdv__scorer_new(const tdv_name *q, struct tdv__scorer **out);
int tdv__scorer_score(struct tdv__scorer *s, const struct tdv__cname *c, double *score);
void tdv__scorer_free(struct tdv__scorer **s);

/* A distinct list token (string and script) of a watchlist: the string is
 * pool + s (len bytes, NUL-terminated), script as in struct tdv__tok. */
struct tdv__wtok {
	uint32_t s;
	uint8_t len;
	char script;
	uint8_t pad[2];
};

/* tdv__scorer_score for a list name given as distinct token ids (toks[]
 * of a watchlist): the keys and similarities of each id, and of each
 * adjacent pair of ids joined, are computed once per query. */
int tdv__scorer_score_ids(struct tdv__scorer *s, const struct tdv__wtok *toks,
    const char *pool, const uint32_t *ids, int nb, bool truncated, double *score);

#endif
