/*
 * Statistics over movements: counts grouped by day, checkpoint, direction,
 * nationality, sex, age band, document type, decision and fraud type,
 * between two days. Grouping columns come from a fixed table (never from
 * the caller's text), so the query cannot be steered.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"
#include "tdv/date.h"
#include "tdv/error.h"

static const struct {
	tdv_stat_key key;
	const char *name;
	const char *column;
} keys_table[] = {
    {TDV_STAT_DAY, "day", "day"},
    {TDV_STAT_CHECKPOINT, "checkpoint", "checkpoint_id"},
    {TDV_STAT_DIRECTION, "direction", "direction"},
    {TDV_STAT_NATIONALITY, "nationality", "nationality"},
    {TDV_STAT_SEX, "sex", "sex"},
    {TDV_STAT_AGE_BAND, "age", "age_band"},
    {TDV_STAT_DOCUMENT_TYPE, "document", "document_code"},
    {TDV_STAT_DECISION, "decision", "decision"},
    {TDV_STAT_FRAUD_TYPE, "fraud", "fraud_type"},
};

#define NKEYS (sizeof(keys_table) / sizeof(keys_table[0]))

int
tdv_stat_key_parse(const char *name, tdv_stat_key *out)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (name != NULL && strcmp(name, keys_table[i].name) == 0) {
			*out = keys_table[i].key;
			return TDV_OK;
		}
	return TDV_EINVAL;
}

const char *
tdv_stat_key_name(tdv_stat_key k)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys_table[i].key == k)
			return keys_table[i].name;
	return NULL;
}

static const char *
key_column(tdv_stat_key k)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys_table[i].key == k)
			return keys_table[i].column;
	return NULL;
}

struct stats_ctx {
	int nkeys;
	tdv_stat_cb cb;
	void *ctx;
};

static int
stats_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	struct stats_ctx *c = ctx;
	if (n != c->nkeys + 5)
		return TDV_ESTORE_SCHEMA;
	tdv_stat_row r;
	memset(&r, 0, sizeof(r));
	r.nkeys = c->nkeys;
	for (int i = 0; i < c->nkeys; i++)
		r.keys[i] = v[i] ? v[i] : "";
	int64_t *f[] = {&r.movements, &r.admitted, &r.refused, &r.referred, &r.frauds};
	for (int i = 0; i < 5; i++) {
		if (v[c->nkeys + i] == NULL)
			*f[i] = 0;
		else if (tdv__parse_i64(v[c->nkeys + i], f[i]) != TDV_OK)
			return TDV_ESTORE_SCHEMA;
	}
	return c->cb(c->ctx, &r);
}

int
tdv_store_stats(tdv_store *s, const char *from, const char *to,
    const tdv_stat_key *keys, int nkeys, tdv_stat_cb cb, void *ctx)
{
	tdv_date df, dt;
	if (s == NULL || cb == NULL || nkeys < 0 || nkeys > TDV_STAT_MAX_KEYS ||
	    (nkeys > 0 && keys == NULL) || from == NULL || to == NULL ||
	    tdv_date_parse_iso(from, &df) != TDV_OK ||
	    tdv_date_parse_iso(to, &dt) != TDV_OK)
		return TDV_EINVAL;
	char cols[256] = "";
	size_t used = 0;
	for (int i = 0; i < nkeys; i++) {
		const char *c = key_column(keys[i]);
		if (c == NULL)
			return TDV_EINVAL;
		for (int k = 0; k < i; k++)
			if (keys[k] == keys[i])
				return TDV_EINVAL;
		int w = snprintf(cols + used, sizeof(cols) - used, "%s%s",
		    i ? ", " : "", c);
		if (w < 0 || (size_t)w >= sizeof(cols) - used)
			return TDV_ELIMIT;
		used += (size_t)w;
	}
	char sql[1024];
	int w = snprintf(sql, sizeof(sql),
	    "SELECT %s%s COUNT(*),"
	    " SUM(CASE WHEN decision = 'admitted' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN decision = 'refused' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN decision = 'referred' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN fraud_type <> '' THEN 1 ELSE 0 END)"
	    " FROM movement WHERE day >= $1 AND day <= $2"
	    "%s%s%s%s",
	    cols, nkeys ? "," : "", nkeys ? " GROUP BY " : "", cols,
	    nkeys ? " ORDER BY " : "", cols);
	if (w < 0 || (size_t)w >= sizeof(sql))
		return TDV_ELIMIT;
	struct stats_ctx c = {nkeys, cb, ctx};
	tdv__param p[] = {TDV__TEXT(from), TDV__TEXT(to)};
	return tdv__exec(s, sql, p, 2, stats_row, &c);
}
