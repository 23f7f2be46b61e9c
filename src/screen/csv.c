/*
 * Bounded CSV reader for screening lists (RFC 4180 §2 quoting, one record
 * per line). Fields are trimmed of surrounding blanks; a quoted field may
 * hold commas and doubled quotes. Every line is checked for UTF-8 before
 * it is split, so later stages see valid text only.
 */
#include "screen/csv.h"

#include <stdbool.h>
#include <string.h>

#include "tdv/error.h"
#include "tdv/utf8.h"

void
tdv__csv_init(tdv__csv *c, FILE *in)
{
	memset(c, 0, sizeof(*c));
	c->in = in;
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

int
tdv__csv_split(tdv__csv *c, const char *line, size_t len)
{
	c->nfields = 0;
	if (len > TDV__CSV_LINE_MAX)
		return TDV_ELIMIT;
	if (!tdv_utf8_valid(line, len))
		return TDV_EUTF8;
	char *o = c->field_store;
	size_t i = 0;
	for (;;) {
		if (c->nfields == TDV__CSV_MAX_FIELDS)
			return TDV_EPARSE;
		while (i < len && is_blank(line[i]))
			i++;
		char *start = o;
		if (i < len && line[i] == '"') {
			i++;
			for (;;) {
				if (i == len)
					return TDV_EPARSE; /* unterminated quote */
				if (line[i] == '"') {
					if (i + 1 < len && line[i + 1] == '"') {
						*o++ = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				*o++ = line[i++];
			}
			while (i < len && is_blank(line[i]))
				i++;
			if (i < len && line[i] != ',')
				return TDV_EPARSE; /* text after closing quote */
		} else {
			while (i < len && line[i] != ',') {
				if (line[i] == '"')
					return TDV_EPARSE; /* stray quote */
				*o++ = line[i++];
			}
			while (o > start && is_blank(o[-1]))
				o--;
		}
		*o++ = '\0';
		c->fields[c->nfields++] = start;
		if (i >= len)
			break;
		i++; /* the comma */
	}
	return 1;
}

int
tdv__csv_next(tdv__csv *c)
{
	for (;;) {
		size_t len = 0;
		int ch = EOF;
		bool toolong = false, nul = false;
		while ((ch = getc_unlocked(c->in)) != EOF && ch != '\n') {
			if (ch == '\0')
				nul = true;
			if (len < TDV__CSV_LINE_MAX + 1)
				c->buf[len++] = (char)ch;
			else
				toolong = true;
		}
		if (ch == EOF && len == 0 && !toolong)
			return ferror(c->in) ? TDV_EIO : 0;
		c->line++;
		if (toolong || len > TDV__CSV_LINE_MAX)
			return TDV_ELIMIT;
		if (nul)
			return TDV_EPARSE; /* NUL byte inside the line */
		while (len > 0 && c->buf[len - 1] == '\r')
			len--;
		size_t k = 0;
		while (k < len && is_blank(c->buf[k]))
			k++;
		if (k == len || c->buf[k] == '#')
			continue;
		/* A UTF-8 byte order mark on the first line is not data. */
		const char *p = c->buf;
		if (c->line == 1 && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
			p += 3;
			len -= 3;
		}
		return tdv__csv_split(c, p, len);
	}
}
