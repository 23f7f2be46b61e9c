/*
 * Screening: the lost/stolen/revoked travel document index (SLTD) and the
 * watchlist of persons with transliteration-aware name matching.
 *
 * SLTD lists are imported from CSV into a compact, memory-mapped index
 * file (28.4 bytes per record: a 16-byte record sorted by issuing state and
 * document number, a 12-byte entry of the OCR-confusable index, and a
 * first level of every 64th key of both).
 * Every new version is written to a temporary file and renamed over the
 * old one, so a reader never sees a half-written list and a failed
 * import or update leaves the previous version in place.
 *
 * Names are compared after Unicode folding and romanisation to Latin
 * (ICAO 9303-3 style, plus BGN/PCGN and ISO 9 for Cyrillic, and tables for
 * Arabic, Thai, Lao, Devanagari and common Han characters; see
 * data/screen/), token by token and independent of order, with a score in
 * [0, 1] and an explanation of which parts matched.
 */
#ifndef TDV_SCREEN_H
#define TDV_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tdv/buf.h"
#include "tdv/date.h"
#include "tdv/json.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Lost, stolen and revoked documents                                  */
/* ------------------------------------------------------------------ */

typedef enum tdv_sltd_status {
	TDV_SLTD_LOST = 1,
	TDV_SLTD_STOLEN = 2,
	TDV_SLTD_REVOKED = 3,
	TDV_SLTD_INVALIDATED = 4,
} tdv_sltd_status;

#define TDV_SLTD_NUMBER_MAX 35   /* longest document number accepted */
#define TDV_SLTD_SOURCE_MAX 63   /* longest source name */
#define TDV_SLTD_MAX_SOURCES 65535
#define TDV_SLTD_MAX_RECORDS 200000000u /* designed for 100 million */

/* One list record as read back from the index. */
typedef struct tdv_sltd_record {
	char issuing_state[4];   /* fillers removed, "D", "UTO" */
	char document_number[TDV_SLTD_NUMBER_MAX + 1]; /* normalised; numbers
	                            over 12 characters are stored hashed and
	                            read back as "" */
	char document_type[3];   /* "P", "ID", "" when not given */
	tdv_sltd_status status;
	tdv_date reported;
	char source[TDV_SLTD_SOURCE_MAX + 1];
} tdv_sltd_record;

typedef struct tdv_sltd_hit {
	tdv_sltd_record rec;
	bool exact; /* false: matched only under OCR-confusable normalisation */
} tdv_sltd_hit;

typedef struct tdv_sltd_info {
	uint64_t version;     /* 1 for the first import, +1 per import/update */
	uint64_t nrecords;
	int64_t created;      /* unix time the index file was written */
	tdv_date list_date;   /* date of the list data (the newest input) */
	uint64_t file_bytes;
	double bytes_per_record;
	unsigned nsources;
} tdv_sltd_info;

/* Called once per rejected CSV line (library never prints). line is
 * 1-based. */
typedef void (*tdv_screen_error_fn)(void *ctx, unsigned long line, int code,
    const char *msg);

typedef struct tdv_sltd_import_opts {
	tdv_date list_date;        /* year 0: newest date reported in the input */
	tdv_screen_error_fn on_error;
	void *ctx;
	bool allow_empty;          /* accept a list with no records */
} tdv_sltd_import_opts;

typedef struct tdv_sltd_import_stats {
	unsigned long lines;       /* data lines read (header excluded) */
	unsigned long accepted;    /* rows that parsed */
	unsigned long rejected;    /* rows reported through on_error */
	unsigned long duplicates;  /* same state+number seen again (newest kept) */
	unsigned long added;       /* update: records added or replaced */
	unsigned long removed;     /* update: records removed */
	unsigned long not_found;   /* update: removals of absent records */
	uint64_t records;          /* records in the new version */
	uint64_t version;          /* the new version */
} tdv_sltd_import_stats;

/*
 * Build a new index at index_path from a CSV list with the columns
 * issuing_state, document_number, document_type, status, date_reported,
 * source (a header line naming them is optional). Malformed rows are
 * reported through opts->on_error with their line number and skipped; the
 * rest are imported. The new file replaces the old one atomically (write
 * to a temporary file, fsync, rename); on any error the previous version
 * stays in place untouched. An input with no valid rows is an error
 * (TDV_ESCREEN_CSV) unless opts->allow_empty.
 */
int tdv_sltd_import(FILE *csv, const char *index_path,
    const tdv_sltd_import_opts *opts, tdv_sltd_import_stats *st);

/*
 * Apply a delta to the index at index_path: CSV rows "add,<the six import
 * columns>" or "remove,issuing_state,document_number". The old index is
 * verified (SHA-256), merged with the sorted delta in one linear pass (no
 * rebuild from the full list) and the result replaces it atomically with
 * version + 1. Rejected rows are reported as by tdv_sltd_import().
 */
int tdv_sltd_update(const char *index_path, FILE *delta,
    const tdv_sltd_import_opts *opts, tdv_sltd_import_stats *st);

typedef struct tdv_sltd tdv_sltd;

/* Map an index file read-only. The header, section sizes and the file
 * size are checked (a truncated or foreign file gives TDV_ESCREEN_INDEX);
 * the contents hash is checked only by tdv_sltd_verify(). */
int tdv_sltd_open(const char *index_path, tdv_sltd **out);
void tdv_sltd_free(tdv_sltd **idx);

/* Recompute the SHA-256 of the whole file and compare with the header. */
int tdv_sltd_verify(const tdv_sltd *idx);

void tdv_sltd_info_get(const tdv_sltd *idx, tdv_sltd_info *info);

/*
 * Look up (issuing state, document number). The number is normalised
 * (upper case; spaces, '-', '/' and '<' removed). hits[] receives the
 * exact hit first (at most one), then "possible" hits: records whose
 * number equals the query under OCR-confusable folding (O/Q/D/0, I/L/1,
 * Z/2, S/5, B/8, G/6). *nhits is the number written (<= maxhits).
 * TDV_EINVAL for a state or number that cannot be normalised.
 */
int tdv_sltd_lookup(const tdv_sltd *idx, const char *state,
    const char *number, tdv_sltd_hit *hits, size_t maxhits, size_t *nhits);

/* TDV_ESCREEN_STALE when the list date is more than max_age_days before
 * today (*age_days receives the age), else TDV_OK. */
int tdv_sltd_check_fresh(const tdv_sltd *idx, const tdv_date *today,
    int max_age_days, long *age_days);

/*
 * Map every page of the index into this process now (the file is read
 * from disk if it is not in the page cache), so later lookups take no page
 * faults, and copy what lookups read (records, confusable entries and
 * the search levels) into memory of its own, on huge pages where the
 * kernel gives them (few TLB misses per lookup); the mapping's pages of
 * those sections are released, so the list is held about once. For
 * long-running processes (a server, a checkpoint station); one-shot
 * lookups do without. Costs a sequential read of the file. Call it
 * before sharing idx between threads (lookups may then run in parallel).
 */
int tdv_sltd_preload(tdv_sltd *idx);

/* "lost", "stolen", "revoked", "invalidated". */
const char *tdv_sltd_status_name(tdv_sltd_status s);

/* Normalise a document number as the index does (exposed for callers that
 * show what was looked up). TDV_EINVAL when empty, too long or holding a
 * character outside A-Z 0-9 after removing separators. */
int tdv_sltd_normalise_number(const char *in, char *out, size_t outsz);

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

#define TDV_NAME_MAX_BYTES 1024  /* longer input: TDV_ELIMIT */
#define TDV_NAME_MAX_TOKENS 16
#define TDV_NAME_TOKEN_MAX 47
#define TDV_NAMES_DEFAULT_THRESHOLD 0.80

/* One aligned part of two names. */
typedef struct tdv_name_part {
	char a[2 * TDV_NAME_TOKEN_MAX + 2]; /* token(s) of the first name ("" if none) */
	char b[2 * TDV_NAME_TOKEN_MAX + 2]; /* token(s) of the second name ("" if none) */
	double score;
	const char *how; /* "exact", "transliteration", "phonetic", "edit",
	                    "initial", "prefix", "compound", "missing", "extra" */
} tdv_name_part;

typedef struct tdv_name_result {
	double score;       /* 0..1 */
	bool match;         /* score >= threshold */
	int nparts;
	tdv_name_part parts[2 * TDV_NAME_MAX_TOKENS];
	char latin_a[TDV_NAME_MAX_BYTES + 1]; /* romanised forms compared */
	char latin_b[TDV_NAME_MAX_BYTES + 1];
} tdv_name_result;

/* A name prepared for comparison (romanised, tokenised, phonetic keys).
 * Plain value; a few kilobytes. */
typedef struct tdv_name tdv_name;

/*
 * Prepare a name. Input is UTF-8 in any supported script, free text
 * ("Anna Maria Eriksson") or MRZ form ("ERIKSSON<<ANNA<MARIA", where the
 * part before "<<" is the surname). TDV_EUTF8 for invalid UTF-8,
 * TDV_ELIMIT beyond TDV_NAME_MAX_BYTES or TDV_NAME_MAX_TOKENS, TDV_EINVAL
 * when nothing of the name is left (only punctuation or unsupported
 * characters).
 */
int tdv_name_new(const char *utf8, size_t len, tdv_name **out);
void tdv_name_free(tdv_name **n);

/* Score two prepared names; threshold <= 0 means the default. */
void tdv_name_compare(const tdv_name *a, const tdv_name *b, double threshold,
    tdv_name_result *res);

/* Prepare and compare two UTF-8 names in one call. */
int tdv_names_compare(const char *a, size_t alen, const char *b, size_t blen,
    double threshold, tdv_name_result *res);

/* One line of plain text saying which parts matched and how. */
int tdv_name_explain(const tdv_name_result *res, tdv_buf *out);

/* JSON object with keys score, match, explanation, parts, latin. */
void tdv_name_result_to_json(const tdv_name_result *res, tdv_json *j);

/*
 * Romanise a UTF-8 name to upper-case Latin A-Z words separated by single
 * spaces (the matcher's canonical form). system selects the Cyrillic
 * system: "icao" (Doc 9303-3), "bgn" (BGN/PCGN 1947), "iso9" (ISO 9:1995,
 * diacritics folded); other scripts use their one table.
 */
int tdv_name_romanise(const char *utf8, size_t len, const char *system,
    char *out, size_t outsz);

/* Jaro-Winkler similarity of two strings (the baseline of common open
 * screening tools; used by the benchmark for comparison). */
double tdv_jaro_winkler(const char *a, size_t alen, const char *b,
    size_t blen);

/* ------------------------------------------------------------------ */
/* Watchlist of persons                                                */
/* ------------------------------------------------------------------ */

#define TDV_WATCH_MAX_ENTRIES 5000000u
#define TDV_WATCH_MAX_ALIASES 8

typedef struct tdv_watchlist tdv_watchlist;

/* A traveller as screened (MRZ fields or typed data). */
typedef struct tdv_traveller {
	const char *name;        /* UTF-8, free text or MRZ form */
	tdv_date birth;          /* year 0 unknown; month/day 0 when partial */
	const char *nationality; /* ICAO code or NULL */
	char sex;                /* 'M', 'F', 'X' or 0 */
	const char *document_number; /* NULL or "" when unknown */
} tdv_traveller;

typedef struct tdv_watch_hit {
	uint32_t entry;          /* index into the list */
	double score;            /* final score with the evidence applied */
	double name_score;
	const char *id;          /* entry id (valid while the list lives) */
	const char *matched_name; /* the name or alias that scored best */
	const char *reason;
	const char *action;
	char evidence[160];      /* "birth date equal +0.05; sex differs -0.10" */
	tdv_name_result detail;
	const void *internal;    /* the library's own; do not use */
} tdv_watch_hit;

typedef struct tdv_watch_stats {
	unsigned long lines, accepted, rejected;
	unsigned long names; /* names and aliases indexed */
} tdv_watch_stats;

/*
 * Load a watchlist from CSV: id, names (aliases separated by '|'), birth
 * date (YYYY, YYYY-MM or YYYY-MM-DD, or empty), nationality, sex,
 * document numbers ('|'-separated), reason, action. Malformed rows are
 * reported through on_error with their line number and skipped.
 * threshold <= 0 means TDV_NAMES_DEFAULT_THRESHOLD.
 */
int tdv_watchlist_load_csv(FILE *csv, double threshold,
    tdv_screen_error_fn on_error, void *ctx, tdv_watchlist **out,
    tdv_watch_stats *st);
void tdv_watchlist_free(tdv_watchlist **wl);
size_t tdv_watchlist_size(const tdv_watchlist *wl);
double tdv_watchlist_threshold(const tdv_watchlist *wl);

/*
 * Compiled watchlist file: the loaded list (romanised names, index,
 * strings) written as one file that tdv_watchlist_open() maps without
 * parsing. tdv_watchlist_save writes a new file next to path, fsyncs it
 * and renames it over path (the version is the previous file's + 1, or 1),
 * so readers see the old or the new list, never a mix; on failure the old
 * file is untouched. tdv_watchlist_open checks the header, the size, a
 * SHA-256 of the whole file and every index in it: TDV_ESCREEN_INDEX for
 * a truncated, damaged or foreign file, TDV_ENOENT when there is none.
 */
int tdv_watchlist_save(const tdv_watchlist *wl, const char *path,
    uint64_t *version);

/* Format of the compiled file this library writes and reads (the file
 * starts with "TDVWLST" and this digit; other formats are refused with
 * TDV_ESCREEN_INDEX: import the list again). */
#define TDV_WATCHLIST_FORMAT 3
int tdv_watchlist_open(const char *path, tdv_watchlist **out);

typedef struct tdv_watchlist_info {
	uint64_t version;   /* of the compiled file; 0 when loaded from CSV */
	int64_t created;    /* when the list was imported (Unix time) */
	size_t entries, names, forms; /* persons, names+aliases, distinct forms */
	double threshold;
	uint64_t file_bytes; /* compiled file size; 0 when loaded from CSV */
} tdv_watchlist_info;

void tdv_watchlist_info_get(const tdv_watchlist *wl, tdv_watchlist_info *info);

/* Use another threshold for this loaded list (0 < threshold <= 1). */
void tdv_watchlist_set_threshold(tdv_watchlist *wl, double threshold);

/* TDV_ESCREEN_STALE when the list was imported more than max_age_days
 * before now (Unix time); the age in whole days goes to age_days. */
int tdv_watchlist_check_fresh(const tdv_watchlist *wl, int64_t now,
    int max_age_days, long *age_days);

/*
 * Screen one traveller: candidates are found through an index of
 * phonetic token keys (and document numbers), then scored. Hits at or
 * above the list threshold are returned best first (up to maxhits).
 */
int tdv_watchlist_match(const tdv_watchlist *wl, const tdv_traveller *t,
    tdv_watch_hit *hits, size_t maxhits, size_t *nhits);

#ifdef __cplusplus
}
#endif
#endif
