/*
 * Minimal JSON writer into a tdv_buf (output only; input is parsed with
 * jansson by the CLI and server). Strings are escaped per RFC 8259; bytes
 * that are not valid UTF-8 are written as U+FFFD so output is always valid.
 *
 * The writer tracks whether a separator is due, so callers write
 * key/value pairs without managing commas.
 */
#ifndef TDV_JSON_H
#define TDV_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "tdv/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TDV_JSON_MAX_DEPTH 32

typedef struct tdv_json {
	tdv_buf *out;
	int depth;
	bool need_comma[TDV_JSON_MAX_DEPTH];
	int err; /* first error, sticky */
} tdv_json;

void tdv_json_init(tdv_json *j, tdv_buf *out);
void tdv_json_object_begin(tdv_json *j);
void tdv_json_object_end(tdv_json *j);
void tdv_json_array_begin(tdv_json *j);
void tdv_json_array_end(tdv_json *j);
/* Object key; the next value call writes its value. */
void tdv_json_key(tdv_json *j, const char *key);
void tdv_json_string(tdv_json *j, const char *s);
void tdv_json_string_n(tdv_json *j, const char *s, size_t n);
/* A string, or null when s is NULL or empty. */
void tdv_json_string_or_null(tdv_json *j, const char *s);
void tdv_json_int(tdv_json *j, int64_t v);
void tdv_json_double(tdv_json *j, double v);
void tdv_json_bool(tdv_json *j, bool v);
void tdv_json_null(tdv_json *j);
/* TDV_OK, or the first error met while writing. */
int tdv_json_error(const tdv_json *j);

#ifdef __cplusplus
}
#endif
#endif
