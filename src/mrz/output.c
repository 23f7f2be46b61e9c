/* MRZ results as JSON (the CLI contract) and as a report for officers. */
#include <string.h>

#include "mrz/mrz_int.h"
#include "tdv/error.h"

static void
json_date(tdv_json *j, const tdv_date *d)
{
	if (d->year <= 0) {
		tdv_json_null(j);
		return;
	}
	char iso[11];
	tdv_date_format_iso(d, iso);
	tdv_json_string(j, iso);
}

void
tdv_mrz_to_json(const tdv_mrz *m, tdv_json *j)
{
	tdv_json_object_begin(j);
	tdv_mrz_json_members(m, j);
	tdv_json_object_end(j);
}

void
tdv_mrz_json_members(const tdv_mrz *m, tdv_json *j)
{
	bool known = m->format != TDV_MRZ_UNKNOWN;
	char sex[2] = {m->sex, '\0'};
	tdv_json_key(j, "format");
	if (known)
		tdv_json_string(j, tdv_mrz_format_name(m->format));
	else
		tdv_json_null(j);
	tdv_json_key(j, "valid");
	tdv_json_bool(j, m->valid);
	tdv_json_key(j, "document_code");
	tdv_json_string_or_null(j, known ? m->document_code : NULL);
	tdv_json_key(j, "issuing_state");
	tdv_json_string_or_null(j, known ? m->issuing_state : NULL);
	tdv_json_key(j, "surname");
	tdv_json_string_or_null(j, known ? m->surname : NULL);
	tdv_json_key(j, "given_names");
	tdv_json_string_or_null(j, known ? m->given_names : NULL);
	tdv_json_key(j, "document_number");
	tdv_json_string_or_null(j, known ? m->document_number : NULL);
	tdv_json_key(j, "nationality");
	tdv_json_string_or_null(j, known ? m->nationality : NULL);
	tdv_json_key(j, "birth_date");
	json_date(j, &m->birth_date);
	tdv_json_key(j, "expiry_date");
	json_date(j, &m->expiry_date);
	tdv_json_key(j, "sex");
	tdv_json_string_or_null(j, sex);
	tdv_json_key(j, "optional_data");
	if (known)
		tdv_json_string(j, m->optional_data);
	else
		tdv_json_null(j);
	tdv_json_key(j, "optional_data_2");
	if (m->format == TDV_MRZ_TD1)
		tdv_json_string(j, m->optional_data_2);
	else
		tdv_json_null(j);
	tdv_json_key(j, "checks");
	tdv_json_object_begin(j);
	for (int i = 0; i < m->nchecks; i++) {
		tdv_json_key(j, m->checks[i].name);
		tdv_json_bool(j, m->checks[i].ok);
	}
	tdv_json_object_end(j);
	tdv_json_key(j, "expired");
	tdv_json_bool(j, m->expired);
	tdv_json_key(j, "errors");
	tdv_json_array_begin(j);
	for (int i = 0; i < m->nerrors; i++) {
		tdv_json_object_begin(j);
		tdv_json_key(j, "code");
		tdv_json_string(j, tdv_strerror_name(m->errors[i].code));
		tdv_json_key(j, "field");
		tdv_json_string(j, m->errors[i].field);
		tdv_json_key(j, "message");
		tdv_json_string(j, m->errors[i].message);
		tdv_json_object_end(j);
	}
	tdv_json_array_end(j);
	tdv_json_key(j, "corrections");
	tdv_json_array_begin(j);
	for (int i = 0; i < m->ncorrections; i++) {
		const tdv_mrz_correction *c = &m->corrections[i];
		char from[2] = {c->from, 0}, to[2] = {c->to, 0};
		tdv_json_object_begin(j);
		tdv_json_key(j, "line");
		tdv_json_int(j, c->line + 1);
		tdv_json_key(j, "position");
		tdv_json_int(j, c->col + 1);
		tdv_json_key(j, "from");
		tdv_json_string(j, from);
		tdv_json_key(j, "to");
		tdv_json_string(j, to);
		tdv_json_key(j, "field");
		tdv_json_string(j, c->field);
		tdv_json_object_end(j);
	}
	tdv_json_array_end(j);
}

static const char *
doc_kind(const tdv_mrz *m)
{
	switch (m->format) {
	case TDV_MRZ_TD3: return "passport (TD3)";
	case TDV_MRZ_TD1: return "identity card (TD1)";
	case TDV_MRZ_TD2: return "identity document (TD2)";
	case TDV_MRZ_MRVA: return "visa (MRV-A)";
	case TDV_MRZ_MRVB: return "visa (MRV-B)";
	case TDV_MRZ_FRA_ID: return "French identity card";
	case TDV_MRZ_UNKNOWN: break;
	}
	return "unrecognised document";
}

static void
report_date(tdv_buf *o, const char *label, const tdv_date *d, const char *raw)
{
	char iso[11];
	if (d->year > 0) {
		tdv_date_format_iso(d, iso);
		tdv_buf_printf(o, "  %-16s %s\n", label, iso);
	} else if (raw[0] != '\0') {
		tdv_buf_printf(o, "  %-16s unknown (%s)\n", label, raw);
	}
}

int
tdv_mrz_report(const tdv_mrz *m, tdv_buf *o)
{
	size_t start = o->len;
	tdv_buf_printf(o, "%s: %s\n", m->valid ? "VALID" : "INVALID", doc_kind(m));
	for (int i = 0; i < m->nlines && m->format != TDV_MRZ_UNKNOWN; i++)
		tdv_buf_printf(o, "  | %s\n", m->lines[i]);
	if (m->format != TDV_MRZ_UNKNOWN) {
		tdv_buf_printf(o, "  %-16s %s\n", "Document code", m->document_code);
		tdv_buf_printf(o, "  %-16s %s\n", "Issuing state", m->issuing_state);
		tdv_buf_printf(o, "  %-16s %s%s\n", "Surname", m->surname,
		    m->name_truncated ? "  (name may be truncated)" : "");
		tdv_buf_printf(o, "  %-16s %s\n", "Given names", m->given_names);
		tdv_buf_printf(o, "  %-16s %s\n", "Document no.", m->document_number);
		tdv_buf_printf(o, "  %-16s %s\n", "Nationality", m->nationality);
		report_date(o, "Date of birth", &m->birth_date, m->birth_date_raw);
		tdv_buf_printf(o, "  %-16s %c\n", "Sex", m->sex ? m->sex : '?');
		report_date(o, "Date of expiry", &m->expiry_date, m->expiry_date_raw);
		if (m->expired)
			tdv_buf_puts(o, "  ** The document has EXPIRED. **\n");
		if (m->optional_data[0])
			tdv_buf_printf(o, "  %-16s %s\n", "Optional data", m->optional_data);
		if (m->optional_data_2[0])
			tdv_buf_printf(o, "  %-16s %s\n", "Optional data 2",
			    m->optional_data_2);
		tdv_buf_puts(o, "  Check digits:   ");
		for (int i = 0; i < m->nchecks; i++)
			tdv_buf_printf(o, "%s%s %s", i ? ", " : "", m->checks[i].name,
			    m->checks[i].ok ? "ok" : "FAILED");
		tdv_buf_puts(o, "\n");
	}
	for (int i = 0; i < m->ncorrections; i++) {
		const tdv_mrz_correction *c = &m->corrections[i];
		tdv_buf_printf(o, "  corrected line %d position %d: '%c' -> '%c' (%s)\n",
		    c->line + 1, c->col + 1, c->from, c->to, c->field);
	}
	for (int i = 0; i < m->nerrors; i++)
		tdv_buf_printf(o, "  problem: %s\n", m->errors[i].message);
	return o->len > start ? TDV_OK : TDV_ENOMEM;
}
