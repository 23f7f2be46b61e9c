/* JSON writer (RFC 8259) into a bounded buffer. */
#include "tdv/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/utf8.h"

static void
put(tdv_json *j, const char *s, size_t n)
{
	if (j->err == TDV_OK)
		j->err = tdv_buf_append(j->out, s, n);
}

static void
sep(tdv_json *j)
{
	if (j->depth > 0 && j->need_comma[j->depth - 1])
		put(j, ",", 1);
}

/* After a value: the container now needs a comma before the next one. */
static void
done(tdv_json *j)
{
	if (j->depth > 0)
		j->need_comma[j->depth - 1] = true;
}

void
tdv_json_init(tdv_json *j, tdv_buf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

static void
open_container(tdv_json *j, const char *c)
{
	sep(j);
	put(j, c, 1);
	if (j->depth >= TDV_JSON_MAX_DEPTH) {
		j->err = TDV_ELIMIT;
		return;
	}
	j->need_comma[j->depth++] = false;
}

static void
close_container(tdv_json *j, const char *c)
{
	put(j, c, 1);
	if (j->depth > 0)
		j->depth--;
	done(j);
}

void tdv_json_object_begin(tdv_json *j) { open_container(j, "{"); }
void tdv_json_object_end(tdv_json *j) { close_container(j, "}"); }
void tdv_json_array_begin(tdv_json *j) { open_container(j, "["); }
void tdv_json_array_end(tdv_json *j) { close_container(j, "]"); }

static void
escaped(tdv_json *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	put(j, "\"", 1);
	size_t i = 0, run = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;
		char ubuf[7];
		size_t clen = 1;
		if (c == '"')
			rep = "\\\"";
		else if (c == '\\')
			rep = "\\\\";
		else if (c == '\n')
			rep = "\\n";
		else if (c == '\r')
			rep = "\\r";
		else if (c == '\t')
			rep = "\\t";
		else if (c < 0x20) {
			memcpy(ubuf, "\\u00", 4);
			ubuf[4] = hex[c >> 4];
			ubuf[5] = hex[c & 15];
			ubuf[6] = '\0';
			rep = ubuf;
		} else if (c >= 0x80) {
			uint32_t cp;
			int l = tdv_utf8_decode(s + i, n - i, &cp);
			if (l <= 0)
				rep = "\xef\xbf\xbd"; /* U+FFFD */
			else
				clen = (size_t)l;
		}
		if (rep != NULL) {
			put(j, s + i - run, run);
			run = 0;
			put(j, rep, strlen(rep));
			i++;
			continue;
		}
		run += clen;
		i += clen;
	}
	put(j, s + n - run, run);
	put(j, "\"", 1);
}

void
tdv_json_key(tdv_json *j, const char *key)
{
	sep(j);
	escaped(j, key, strlen(key));
	put(j, ":", 1);
	/* the value that follows must not write a comma */
	if (j->depth > 0)
		j->need_comma[j->depth - 1] = false;
}

void
tdv_json_string_n(tdv_json *j, const char *s, size_t n)
{
	sep(j);
	escaped(j, s, n);
	done(j);
}

void
tdv_json_string(tdv_json *j, const char *s)
{
	tdv_json_string_n(j, s, strlen(s));
}

void
tdv_json_string_or_null(tdv_json *j, const char *s)
{
	if (s == NULL || *s == '\0')
		tdv_json_null(j);
	else
		tdv_json_string(j, s);
}

void
tdv_json_int(tdv_json *j, int64_t v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%lld", (long long)v);
	sep(j);
	put(j, b, (size_t)n);
	done(j);
}

void
tdv_json_double(tdv_json *j, double v)
{
	char b[40];
	int n;
	if (!isfinite(v))
		n = snprintf(b, sizeof(b), "null");
	else
		n = snprintf(b, sizeof(b), "%.6g", v);
	sep(j);
	put(j, b, (size_t)n);
	done(j);
}

void
tdv_json_bool(tdv_json *j, bool v)
{
	sep(j);
	put(j, v ? "true" : "false", v ? 4 : 5);
	done(j);
}

void
tdv_json_null(tdv_json *j)
{
	sep(j);
	put(j, "null", 4);
	done(j);
}

int
tdv_json_error(const tdv_json *j)
{
	return j->err;
}
