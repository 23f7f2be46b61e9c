/* JSON description of an LDS (`tdverify lds dump`): every file present,
 * parsed; hashes and keys in hex; image bytes are not written. */
#include <stdio.h>
#include <string.h>

#include "lds_int.h"
#include "tdv/error.h"

static void
hex(tdv_json *j, const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];
	static const char hx[] = "0123456789abcdef";
	if (n > 64)
		n = 64;
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = hx[p[i] >> 4];
		buf[2 * i + 1] = hx[p[i] & 15];
	}
	tdv_json_string_n(j, buf, 2 * n);
}

static void
text(tdv_json *j, const char *key, const tdv_lds_text *t)
{
	if (t->p == NULL)
		return;
	tdv_json_key(j, key);
	tdv_json_string_n(j, (const char *)t->p, t->len);
}

static void
secinfos(tdv_json *j, const tdv_secinfos *s)
{
	tdv_json_array_begin(j);
	for (int i = 0; i < s->n; i++) {
		const tdv_secinfo *e = &s->items[i];
		tdv_json_object_begin(j);
		tdv_json_key(j, "type");
		tdv_json_string(j, tdv_secinfo_kind_name(e->kind));
		tdv_json_key(j, "oid");
		tdv_json_string(j, e->oid);
		if (e->version >= 0) {
			tdv_json_key(j, "version");
			tdv_json_int(j, e->version);
		}
		if (e->parameter_id >= 0) {
			tdv_json_key(j, "parameter_id");
			tdv_json_int(j, e->parameter_id);
		}
		if (e->key_id >= 0) {
			tdv_json_key(j, "key_id");
			tdv_json_int(j, e->key_id);
		}
		if (e->key != NULL) {
			tdv_json_key(j, "key_bytes");
			tdv_json_int(j, (int64_t)e->key_len);
		}
		if (e->sig_alg_oid[0]) {
			tdv_json_key(j, "signature_algorithm");
			tdv_json_string(j, e->sig_alg_oid);
		}
		tdv_json_object_end(j);
	}
	tdv_json_array_end(j);
}

static void
error_field(tdv_json *j, int rc)
{
	tdv_json_key(j, "error");
	tdv_json_string(j, tdv_strerror_name(rc));
}

/* The record's header fields beyond format/image/size (-1 / "" = absent). */
static void
face_json(const tdv_lds_face *f, tdv_json *j)
{
	if (f->version[0] != '\0') {
		tdv_json_key(j, "version");
		tdv_json_string(j, f->version);
	}
	if (f->version_generation >= 0) {
		tdv_json_key(j, "version_generation");
		tdv_json_int(j, f->version_generation);
		tdv_json_key(j, "version_year");
		tdv_json_int(j, f->version_year);
	}
	const struct {
		const char *k;
		int v;
	} ints[] = {{"image_data_type", f->image_data_type},
	    {"face_image_type", f->face_image_type}, {"gender", f->gender},
	    {"eye_colour", f->eye_colour}, {"hair_colour", f->hair_colour},
	    {"expression", f->expression}, {"colour_space", f->colour_space},
	    {"subject_height", f->subject_height}, {"lossy_attempts", f->lossy_attempts},
	    {"landmarks", f->feature_points}};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (ints[i].v < 0)
			continue;
		tdv_json_key(j, ints[i].k);
		tdv_json_int(j, ints[i].v);
	}
	if (f->capture_date[0] != '\0') {
		tdv_json_key(j, "capture_date");
		tdv_json_string(j, f->capture_date);
	}
	if (f->have_pose) {
		tdv_json_key(j, f->format == TDV_FACE_ISO39794_5 ? "pose_degrees" : "pose_coded");
		tdv_json_object_begin(j);
		tdv_json_key(j, "yaw");
		tdv_json_int(j, f->pose_yaw);
		tdv_json_key(j, "pitch");
		tdv_json_int(j, f->pose_pitch);
		tdv_json_key(j, "roll");
		tdv_json_int(j, f->pose_roll);
		tdv_json_object_end(j);
	}
	if (f->nquality > 0) {
		tdv_json_key(j, "quality");
		tdv_json_array_begin(j);
		for (int i = 0; i < f->nquality; i++) {
			tdv_json_object_begin(j);
			tdv_json_key(j, "organization");
			tdv_json_int(j, f->quality[i].organization);
			tdv_json_key(j, "algorithm");
			tdv_json_int(j, f->quality[i].algorithm);
			tdv_json_key(j, "score");
			tdv_json_int(j, f->quality[i].score);
			tdv_json_object_end(j);
		}
		tdv_json_array_end(j);
	}
}

int
tdv_lds_to_json(const tdv_lds *lds, const tdv_date *today, tdv_json *j)
{
	if (lds == NULL || j == NULL)
		return TDV_EINVAL;
	tdv_json_object_begin(j);
	for (int ef = 1; ef < TDV_EF_COUNT; ef++) {
		const uint8_t *p;
		size_t len;
		if (tdv_lds_get(lds, ef, &p, &len) != TDV_OK)
			continue;
		int rc = TDV_OK;
		tdv_json_key(j, tdv_lds_ef_name(ef));
		tdv_json_object_begin(j);
		tdv_json_key(j, "bytes");
		tdv_json_int(j, (int64_t)len);
		if (ef == TDV_EF_COM) {
			tdv_lds_com c;
			if ((rc = tdv_lds_parse_com(p, len, &c)) == TDV_OK) {
				tdv_json_key(j, "lds_version");
				tdv_json_string(j, c.lds_version);
				tdv_json_key(j, "unicode_version");
				tdv_json_string(j, c.unicode_version);
				tdv_json_key(j, "data_groups");
				tdv_json_array_begin(j);
				for (int i = 0; i < c.ndgs; i++)
					tdv_json_int(j, c.dgs[i]);
				tdv_json_array_end(j);
			}
		} else if (ef == TDV_EF_SOD) {
			tdv_sod s;
			if ((rc = tdv_lds_parse_sod(p, len, &s)) == TDV_OK) {
				tdv_json_key(j, "version");
				tdv_json_int(j, s.version);
				tdv_json_key(j, "hash_algorithm");
				tdv_json_string(j, s.hash_name ? s.hash_name : s.hash_oid);
				tdv_json_key(j, "certificates");
				tdv_json_int(j, s.ncerts);
				tdv_json_key(j, "hashes");
				tdv_json_object_begin(j);
				for (int i = 0; i < s.nhashes; i++) {
					char k[8];
					snprintf(k, sizeof(k), "DG%d", s.hashes[i].dg);
					tdv_json_key(j, k);
					hex(j, s.hashes[i].hash, s.hashes[i].len);
				}
				tdv_json_object_end(j);
			}
		} else if (ef == TDV_EF_DG1) {
			tdv_lds_dg1 d;
			if ((rc = tdv_lds_parse_dg1(p, len, today, &d)) == TDV_OK) {
				tdv_json_key(j, "mrz");
				tdv_mrz_to_json(&d.mrz, j);
			}
		} else if (ef == TDV_EF_DG2) {
			tdv_lds_dg2 d;
			if ((rc = tdv_lds_parse_dg2(p, len, &d)) == TDV_OK) {
				tdv_json_key(j, "faces");
				tdv_json_array_begin(j);
				for (int i = 0; i < d.nfaces; i++) {
					const tdv_lds_face *f = &d.faces[i];
					tdv_json_object_begin(j);
					tdv_json_key(j, "format");
					tdv_json_string(j, f->format == TDV_FACE_ISO19794_5 ?
					    "ISO/IEC 19794-5" : "ISO/IEC 39794-5");
					tdv_json_key(j, "image");
					tdv_json_string(j, tdv_lds_image_kind_name(f->image_kind));
					tdv_json_key(j, "image_bytes");
					tdv_json_int(j, (int64_t)f->image_len);
					tdv_json_key(j, "width");
					tdv_json_int(j, f->width);
					tdv_json_key(j, "height");
					tdv_json_int(j, f->height);
					face_json(f, j);
					tdv_json_object_end(j);
				}
				tdv_json_array_end(j);
			}
		} else if (ef == TDV_EF_DG11) {
			tdv_lds_dg11 d;
			if ((rc = tdv_lds_parse_dg11(p, len, &d)) == TDV_OK) {
				text(j, "full_name", &d.full_name);
				text(j, "personal_number", &d.personal_number);
				text(j, "birth_date", &d.birth_date);
				text(j, "place_of_birth", &d.place_of_birth);
				text(j, "address", &d.address);
				text(j, "telephone", &d.telephone);
				text(j, "profession", &d.profession);
			}
		} else if (ef == TDV_EF_DG12) {
			tdv_lds_dg12 d;
			if ((rc = tdv_lds_parse_dg12(p, len, &d)) == TDV_OK) {
				text(j, "issuing_authority", &d.issuing_authority);
				text(j, "issue_date", &d.issue_date);
			}
		} else if (ef == TDV_EF_DG14 || ef == TDV_EF_CARDACCESS ||
		    ef == TDV_EF_CARDSECURITY) {
			tdv_secinfos s;
			rc = ef == TDV_EF_DG14 ? tdv_lds_parse_dg14(p, len, &s) :
			    ef == TDV_EF_CARDACCESS ? tdv_lds_parse_secinfos(p, len, &s) :
			    tdv_lds_parse_cardsecurity(p, len, &s);
			if (rc == TDV_OK) {
				tdv_json_key(j, "security_infos");
				secinfos(j, &s);
			}
		} else if (ef == TDV_EF_DG15) {
			tdv_lds_dg15 d;
			if ((rc = tdv_lds_parse_dg15(p, len, &d)) == TDV_OK) {
				tdv_json_key(j, "key_type");
				tdv_json_string(j, d.key_type == TDV_KEY_RSA ? "RSA" :
				    d.key_type == TDV_KEY_EC ? "EC" :
				    d.key_type == TDV_KEY_DH ? "DH" : "unknown");
				tdv_json_key(j, "bits");
				tdv_json_int(j, d.bits);
				if (d.curve[0]) {
					tdv_json_key(j, "curve");
					tdv_json_string(j, d.curve);
				}
			}
		} else if (ef == TDV_EF_DG7) {
			tdv_lds_dg7 d;
			if ((rc = tdv_lds_parse_dg7(p, len, &d)) == TDV_OK) {
				tdv_json_key(j, "images");
				tdv_json_int(j, d.nimages);
			}
		}
		if (rc != TDV_OK)
			error_field(j, rc);
		tdv_json_object_end(j);
	}
	tdv_json_object_end(j);
	return tdv_json_error(j);
}
