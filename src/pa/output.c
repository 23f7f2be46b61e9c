/* Passive Authentication results as JSON and as an officer's report. */
#include <string.h>

#include "tdv/error.h"
#include "tdv/pa.h"

const char *
tdv_check_status_name(tdv_check_status s)
{
	switch (s) {
	case TDV_CHECK_PASS: return "pass";
	case TDV_CHECK_FAIL: return "fail";
	case TDV_CHECK_WARN: return "warn";
	case TDV_CHECK_SKIP: return "skip";
	default: return "unknown";
	}
}

const char *
tdv_pa_verdict_name(tdv_pa_verdict v)
{
	switch (v) {
	case TDV_PA_PASS: return "pass";
	case TDV_PA_PASS_WARN: return "warn";
	case TDV_PA_FAIL: return "fail";
	default: return "unknown";
	}
}

const tdv_pa_check *
tdv_pa_find(const tdv_pa_result *r, const char *id)
{
	if (r == NULL || id == NULL)
		return NULL;
	for (int i = 0; i < r->nchecks && i < TDV_PA_MAX_CHECKS; i++)
		if (strcmp(r->checks[i].id, id) == 0)
			return &r->checks[i];
	return NULL;
}

void
tdv_pa_to_json(const tdv_pa_result *r, tdv_json *j)
{
	tdv_json_object_begin(j);
	tdv_json_key(j, "verdict");
	tdv_json_string(j, tdv_pa_verdict_name(r->verdict));
	tdv_json_key(j, "document_number");
	tdv_json_string_or_null(j, r->document_number);
	tdv_json_key(j, "issuing_state");
	tdv_json_string_or_null(j, r->issuing_state);
	tdv_json_key(j, "checks");
	tdv_json_array_begin(j);
	for (int i = 0; i < r->nchecks && i < TDV_PA_MAX_CHECKS; i++) {
		tdv_json_object_begin(j);
		tdv_json_key(j, "id");
		tdv_json_string(j, r->checks[i].id);
		tdv_json_key(j, "status");
		tdv_json_string(j, tdv_check_status_name(r->checks[i].status));
		tdv_json_key(j, "message");
		tdv_json_string(j, r->checks[i].message);
		tdv_json_object_end(j);
	}
	tdv_json_array_end(j);
	tdv_json_key(j, "document_signer");
	tdv_json_object_begin(j);
	tdv_json_key(j, "subject");
	tdv_json_string_or_null(j, r->ds_subject);
	tdv_json_key(j, "issuer");
	tdv_json_string_or_null(j, r->ds_issuer);
	tdv_json_key(j, "serial");
	tdv_json_string_or_null(j, r->ds_serial);
	tdv_json_key(j, "not_before");
	tdv_json_string_or_null(j, r->ds_not_before);
	tdv_json_key(j, "not_after");
	tdv_json_string_or_null(j, r->ds_not_after);
	tdv_json_object_end(j);
	tdv_json_key(j, "csca");
	tdv_json_string_or_null(j, r->csca_subject);
	tdv_json_key(j, "signing_time");
	tdv_json_string_or_null(j, r->signing_time);
	tdv_json_key(j, "signature_algorithm");
	tdv_json_string_or_null(j, r->signature_algorithm);
	tdv_json_key(j, "hash_algorithm");
	tdv_json_string_or_null(j, r->hash_algorithm);
	tdv_json_object_end(j);
}

int
tdv_pa_report(const tdv_pa_result *r, tdv_buf *out)
{
	int rc = tdv_buf_printf(out, "Passive Authentication: %s\n",
	    r->verdict == TDV_PA_PASS ? "PASS" :
	    r->verdict == TDV_PA_PASS_WARN ? "PASS with warnings" : "FAIL");
	if (rc == TDV_OK && r->document_number[0])
		rc = tdv_buf_printf(out, "  document %s, issuing state %s\n",
		    r->document_number, r->issuing_state);
	if (rc == TDV_OK && r->ds_subject[0])
		rc = tdv_buf_printf(out, "  Document Signer: %s (%s, serial %s)\n",
		    r->ds_subject, r->signature_algorithm, r->ds_serial);
	if (rc == TDV_OK && r->csca_subject[0])
		rc = tdv_buf_printf(out, "  CSCA: %s\n", r->csca_subject);
	for (int i = 0; rc == TDV_OK && i < r->nchecks && i < TDV_PA_MAX_CHECKS; i++)
		rc = tdv_buf_printf(out, "  [%s] %-18s %s\n",
		    tdv_check_status_name(r->checks[i].status), r->checks[i].id,
		    r->checks[i].message);
	return rc;
}
