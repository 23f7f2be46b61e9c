/*
 * Parsers for EF.COM, DG1, DG7, DG11, DG12 and raw data groups
 * (ICAO 9303-10 §4.6.1 and §4.7: tags 60, 61, 67, 6B, 6C, 6D).
 */
#include <string.h>

#include "lds_int.h"
#include "tdv/error.h"
#include "tdv/utf8.h"

int
tdv__lds_open(const uint8_t *buf, size_t len, uint32_t tag, tdv_tlv *t)
{
	if (buf == NULL || t == NULL)
		return TDV_EINVAL;
	if (len > TDV_LDS_MAX_FILE)
		return TDV_ELIMIT;
	int rc = tdv_tlv_read(buf, len, 0, t);
	if (rc != TDV_OK)
		return rc;
	if (t->tag != tag)
		return TDV_ELDS_TAG;
	return TDV_OK;
}

static void
copy_digits(char *out, size_t outsz, const tdv_tlv *t)
{
	size_t n = t->len < outsz - 1 ? t->len : outsz - 1;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = t->value[i];
		out[o++] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
	}
	out[o] = '\0';
}

int
tdv_lds_parse_com(const uint8_t *buf, size_t len, tdv_lds_com *out)
{
	tdv_tlv file, t;
	tdv_der d;
	int rc;
	bool have_list = false;

	if (out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	if ((rc = tdv__lds_open(buf, len, 0x60, &file)) != TDV_OK)
		return rc;
	tdv_der_enter(&d, &file, 0);
	while ((rc = tdv_der_next(&d, &t)) == TDV_OK) {
		switch (t.tag) {
		case 0x5F01:
			if (t.len != 4)
				return TDV_EPARSE;
			copy_digits(out->lds_version, sizeof(out->lds_version), &t);
			break;
		case 0x5F36:
			if (t.len != 6)
				return TDV_EPARSE;
			copy_digits(out->unicode_version,
			    sizeof(out->unicode_version), &t);
			break;
		case 0x5C:
			if (have_list)
				return TDV_EPARSE;
			have_list = true;
			if (t.len > 16)
				return TDV_ELIMIT;
			for (size_t i = 0; i < t.len; i++) {
				int dg = tdv_lds_dg_from_tag(t.value[i]);
				if (dg == 0)
					return TDV_ELDS_TAG;
				for (int k = 0; k < out->ndgs; k++)
					if (out->dgs[k] == dg)
						return TDV_EPARSE;
				out->dgs[out->ndgs++] = dg;
			}
			break;
		default:
			break; /* tolerate unknown tags (future LDS versions) */
		}
	}
	if (rc != TDV_ENOENT)
		return rc;
	return have_list ? TDV_OK : TDV_ELDS_MISSING;
}

int
tdv_lds_parse_dg1(const uint8_t *buf, size_t len, const tdv_date *today,
    tdv_lds_dg1 *out)
{
	tdv_tlv file, t;
	int rc;

	if (out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	if ((rc = tdv__lds_open(buf, len, 0x61, &file)) != TDV_OK)
		return rc;
	rc = tdv_der_find(file.value, file.len, 0x5F1F, &t);
	if (rc == TDV_ENOENT)
		return TDV_ELDS_MISSING;
	if (rc != TDV_OK)
		return rc;
	size_t linelen, nlines;
	switch (t.len) {
	case 88: linelen = 44; nlines = 2; break; /* TD3 */
	case 72: linelen = 36; nlines = 2; break; /* TD2 */
	case 90: linelen = 30; nlines = 3; break; /* TD1 */
	default: return TDV_EMRZ_FORMAT;
	}
	size_t o = 0;
	for (size_t l = 0; l < nlines; l++) {
		if (l > 0)
			out->mrz_text[o++] = '\n';
		for (size_t i = 0; i < linelen; i++) {
			uint8_t c = t.value[l * linelen + i];
			/* keep the text printable; the MRZ engine reports it */
			out->mrz_text[o++] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
		}
	}
	out->mrz_text[o] = '\0';
	out->mrz_rc = tdv_mrz_parse_text(out->mrz_text, o, today, &out->mrz);
	return TDV_OK;
}

int
tdv_lds_parse_dg7(const uint8_t *buf, size_t len, tdv_lds_dg7 *out)
{
	tdv_tlv file, t;
	tdv_der d;
	int rc;

	if (out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	if ((rc = tdv__lds_open(buf, len, 0x67, &file)) != TDV_OK)
		return rc;
	tdv_der_enter(&d, &file, 0);
	while ((rc = tdv_der_next(&d, &t)) == TDV_OK) {
		if (t.tag != 0x5F43)
			continue;
		if (out->nimages == TDV_LDS_MAX_FACES)
			return TDV_ELIMIT;
		out->images[out->nimages] = t.value;
		out->image_lens[out->nimages] = t.len;
		out->kinds[out->nimages] = tdv_lds_image_detect(t.value, t.len);
		out->nimages++;
	}
	return rc == TDV_ENOENT ? TDV_OK : rc;
}

static void
set_text(tdv_lds_text *f, const tdv_tlv *t)
{
	f->p = t->value;
	f->len = t->len;
	f->utf8_ok = tdv_utf8_valid((const char *)t->value, t->len);
}

/* A0 { 02 count, <tag> name ... } (other names / other persons). */
static int
parse_name_list(const tdv_tlv *a0, uint32_t tag, tdv_lds_text *list, int *n)
{
	tdv_der d;
	tdv_tlv t;
	int rc;
	tdv_der_enter(&d, a0, 0);
	while ((rc = tdv_der_next(&d, &t)) == TDV_OK) {
		if (t.tag != tag)
			continue;
		if (*n == TDV_LDS_MAX_OTHER)
			return TDV_ELIMIT;
		set_text(&list[(*n)++], &t);
	}
	return rc == TDV_ENOENT ? TDV_OK : rc;
}

int
tdv_lds_parse_dg11(const uint8_t *buf, size_t len, tdv_lds_dg11 *out)
{
	tdv_tlv file, t;
	tdv_der d;
	int rc;

	if (out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	if ((rc = tdv__lds_open(buf, len, 0x6B, &file)) != TDV_OK)
		return rc;
	tdv_der_enter(&d, &file, 0);
	while ((rc = tdv_der_next(&d, &t)) == TDV_OK) {
		tdv_lds_text *f = NULL;
		switch (t.tag) {
		case 0x5F0E: f = &out->full_name; break;
		case 0x5F10: f = &out->personal_number; break;
		case 0x5F2B: f = &out->birth_date; break;
		case 0x5F11: f = &out->place_of_birth; break;
		case 0x5F42: f = &out->address; break;
		case 0x5F12: f = &out->telephone; break;
		case 0x5F13: f = &out->profession; break;
		case 0x5F14: f = &out->title; break;
		case 0x5F15: f = &out->summary; break;
		case 0x5F16: f = &out->proof_of_citizenship; break;
		case 0x5F17: f = &out->other_td_numbers; break;
		case 0x5F18: f = &out->custody; break;
		case 0xA0:
			rc = parse_name_list(&t, 0x5F0F, out->other_names,
			    &out->nother_names);
			if (rc != TDV_OK)
				return rc;
			break;
		default: break;
		}
		if (f != NULL)
			set_text(f, &t);
	}
	return rc == TDV_ENOENT ? TDV_OK : rc;
}

int
tdv_lds_parse_dg12(const uint8_t *buf, size_t len, tdv_lds_dg12 *out)
{
	tdv_tlv file, t;
	tdv_der d;
	int rc;

	if (out == NULL)
		return TDV_EINVAL;
	memset(out, 0, sizeof(*out));
	if ((rc = tdv__lds_open(buf, len, 0x6C, &file)) != TDV_OK)
		return rc;
	tdv_der_enter(&d, &file, 0);
	while ((rc = tdv_der_next(&d, &t)) == TDV_OK) {
		tdv_lds_text *f = NULL;
		switch (t.tag) {
		case 0x5F19: f = &out->issuing_authority; break;
		case 0x5F26: f = &out->issue_date; break;
		case 0x5F1B: f = &out->endorsements; break;
		case 0x5F1C: f = &out->tax_exit; break;
		case 0x5F1D: f = &out->image_front; break;
		case 0x5F1E: f = &out->image_rear; break;
		case 0x5F55: f = &out->personalisation_time; break;
		case 0x5F56: f = &out->personalisation_device; break;
		case 0xA0:
			rc = parse_name_list(&t, 0x5F1A, out->other_persons,
			    &out->nother_persons);
			if (rc != TDV_OK)
				return rc;
			break;
		default: break;
		}
		if (f != NULL)
			set_text(f, &t);
	}
	return rc == TDV_ENOENT ? TDV_OK : rc;
}

int
tdv_lds_parse_raw_dg(const uint8_t *buf, size_t len, uint32_t tag,
    const uint8_t **value, size_t *value_len)
{
	tdv_tlv file;
	int rc;
	if (value == NULL || value_len == NULL)
		return TDV_EINVAL;
	if ((rc = tdv__lds_open(buf, len, tag, &file)) != TDV_OK)
		return rc;
	*value = file.value;
	*value_len = file.len;
	return TDV_OK;
}
