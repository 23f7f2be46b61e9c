/*
 * Inspecting an exercise document with the live pipeline (tdv/inspect.h):
 * the document reader's MRZ, the chip read from the virtual ePassport in
 * process (BAC/PACE, AA/CA: ICAO 9303-11 §4, §6), Passive Authentication
 * (9303-11 §5.1) against the set's trust store, screening against the
 * set's lost/stolen index and watchlist, and two comparisons the examiner
 * makes: visual zone against MRZ, page photo against chip photo. The
 * result goes back to the caller (a training record), never to a
 * movement.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train_int.h"
#include "tdv/chip.h"
#include "tdv/emu.h"
#include "tdv/error.h"
#include "tdv/image.h"
#include "tdv/inspect.h"
#include "tdv/inspect_pa.h"
#include "tdv/inspect_screen.h"
#include "tdv/lds.h"
#include "tdv/mrz.h"
#include "tdv/pa.h"
#include "tdv/screen.h"
#include "tdv/train.h"

#define SMALL_MAX (64u << 10)

static json_t *
load_json(const char *path)
{
	tdv_buf b;
	if (tdv__train_read(path, SMALL_MAX, &b) != TDV_OK)
		return NULL;
	json_error_t err;
	json_t *v = json_loadb((const char *)b.data, b.len, 0, &err);
	tdv_buf_free(&b);
	return v;
}

/* photo.match: the photo printed on the page against the chip's DG2. */
static int
photo_check(tdv_inspection *ins, const char *doc_dir, const tdv_lds *lds)
{
	char path[TDV__TRAIN_PATH_MAX];
	const uint8_t *dg2;
	size_t dg2len;
	if (lds == NULL || tdv_lds_get(lds, TDV_EF_DG2, &dg2, &dg2len) !=
	    TDV_OK)
		return tdv_inspection_add_check(ins, "photo.match",
		    TDV_INSPECT_SKIP, "no chip photo (DG2) to compare", NULL);
	tdv_lds_dg2 face;
	if (tdv_lds_parse_dg2(dg2, dg2len, &face) != TDV_OK ||
	    face.nfaces < 1)
		return tdv_inspection_add_check(ins, "photo.match",
		    TDV_INSPECT_FAIL, "the chip's DG2 holds no readable photo",
		    "data_mismatch");
	int rc = tdv__train_path(path, sizeof(path), "%s/page.json", doc_dir);
	if (rc != TDV_OK)
		return rc;
	json_t *pj = load_json(path);
	json_t *pr = pj ? json_object_get(pj, "portrait") : NULL;
	int r[4];
	if (!json_is_array(pr) || json_array_size(pr) != 4) {
		json_decref(pj);
		return TDV_ETRAIN;
	}
	for (int i = 0; i < 4; i++) {
		json_int_t v = json_integer_value(json_array_get(pr, (size_t)i));
		if (v < 0 || v > TDV_IMAGE_MAX_SIDE) {
			json_decref(pj);
			return TDV_ETRAIN;
		}
		r[i] = (int)v;
	}
	json_decref(pj);
	if (r[2] - r[0] < TDV__PHOTO_W || r[3] - r[1] < TDV__PHOTO_H)
		return TDV_ETRAIN;
	tdv_image *page = NULL, *chip = NULL;
	if ((rc = tdv__train_path(path, sizeof(path), "%s/page.png",
		 doc_dir)) != TDV_OK ||
	    (rc = tdv_image_read_file(path, NULL, 1, &page)) != TDV_OK)
		return rc;
	rc = tdv_image_decode(face.faces[0].image, face.faces[0].image_len,
	    NULL, 1, &chip);
	if (rc != TDV_OK) {
		tdv_image_free(&page);
		return tdv_inspection_add_check(ins, "photo.match",
		    TDV_INSPECT_FAIL, "the chip's photo cannot be decoded",
		    "data_mismatch");
	}
	double a[TDV__PHOTO_CELLS], b[TDV__PHOTO_CELLS];
	int cr[4] = {0, 0, chip->width, chip->height};
	tdv__train_shrink(page, r, a);
	tdv__train_shrink(chip, cr, b);
	tdv_image_free(&page);
	tdv_image_free(&chip);
	double c = tdv__train_correlation(a, b, TDV__PHOTO_CELLS);
	char msg[160];
	snprintf(msg, sizeof(msg),
	    "page photo against chip photo: similarity %.2f (%s %.2f)", c,
	    c >= TDV__PHOTO_MATCH_MIN ? "at least" : "below", TDV__PHOTO_MATCH_MIN);
	return tdv_inspection_add_check(ins, "photo.match",
	    c >= TDV__PHOTO_MATCH_MIN ? TDV_INSPECT_PASS : TDV_INSPECT_FAIL, msg,
	    c >= TDV__PHOTO_MATCH_MIN ? NULL : "photo_substitution");
}

/* Name as MRZ characters with spaces: "ANNA MARIA". */
static void
mrz_form(const char *utf8, char *out, size_t outsz)
{
	if (tdv_mrz_transliterate(utf8, strlen(utf8), out, outsz) != TDV_OK) {
		out[0] = '\0';
		return;
	}
	for (char *p = out; *p; p++)
		if (*p == '<')
			*p = ' ';
}

static const char *
jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* viz.mrz_match: the visual zone as printed against the MRZ as read. */
static int
viz_check(tdv_inspection *ins, const char *doc_dir)
{
	char path[TDV__TRAIN_PATH_MAX];
	const tdv_mrz *m = tdv_inspection_mrz(ins);
	if (m == NULL)
		return tdv_inspection_add_check(ins, "viz.mrz_match",
		    TDV_INSPECT_SKIP, "no MRZ to compare", NULL);
	int rc = tdv__train_path(path, sizeof(path), "%s/viz.json", doc_dir);
	if (rc != TDV_OK)
		return rc;
	json_t *v = load_json(path);
	if (!json_is_object(v)) {
		json_decref(v);
		return tdv_inspection_add_check(ins, "viz.mrz_match",
		    TDV_INSPECT_SKIP, "visual zone not available", NULL);
	}
	char bad[200] = "";
	size_t nb = 0;
	char iso[11], sur[96], giv[96];
#define DIFF(name)                                                             \
	do {                                                                   \
		int w_ = snprintf(bad + nb, sizeof(bad) - nb, "%s%s",          \
		    nb ? ", " : "", name);                                     \
		if (w_ > 0 && (size_t)w_ < sizeof(bad) - nb)                   \
			nb += (size_t)w_;                                      \
	} while (0)
	mrz_form(jstr(v, "surname"), sur, sizeof(sur));
	mrz_form(jstr(v, "given_names"), giv, sizeof(giv));
	if (strcmp(sur, m->surname) != 0)
		DIFF("surname");
	/* the MRZ may cut long given names (9303-3 §4.6) */
	size_t gl = strlen(m->given_names);
	if (gl == 0 ? giv[0] != '\0' :
		      (m->name_truncated ? strncmp(giv, m->given_names, gl) :
					   strcmp(giv, m->given_names)) != 0)
		DIFF("given names");
	if (strcmp(jstr(v, "document_number"), m->document_number) != 0)
		DIFF("document number");
	if (strcmp(jstr(v, "nationality"), m->nationality) != 0)
		DIFF("nationality");
	tdv_date_format_iso(&m->birth_date, iso);
	if (strcmp(jstr(v, "birth_date"), iso) != 0)
		DIFF("date of birth");
	tdv_date_format_iso(&m->expiry_date, iso);
	if (strcmp(jstr(v, "expiry_date"), iso) != 0)
		DIFF("date of expiry");
	if (jstr(v, "sex")[0] != m->sex)
		DIFF("sex");
#undef DIFF
	json_decref(v);
	char msg[260];
	if (nb == 0)
		return tdv_inspection_add_check(ins, "viz.mrz_match",
		    TDV_INSPECT_PASS, "visual zone agrees with the MRZ", NULL);
	snprintf(msg, sizeof(msg), "visual zone differs from the MRZ: %s", bad);
	return tdv_inspection_add_check(ins, "viz.mrz_match", TDV_INSPECT_FAIL,
	    msg, "data_mismatch");
}

/* The set's watchlist for the pipeline's screen.watchlist (*wl stays
 * NULL, and the check is skipped by the pipeline, when there is none). */
static int
load_watchlist(const char *set_dir, tdv_watchlist **wl)
{
	char path[TDV__TRAIN_PATH_MAX];
	int rc = tdv__train_path(path, sizeof(path), "%s/watchlist.csv",
	    set_dir);
	if (rc != TDV_OK)
		return rc;
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return TDV_OK;
	tdv_watch_stats ws;
	rc = tdv_watchlist_load_csv(f, 0, NULL, NULL, wl, &ws);
	fclose(f);
	return rc == TDV_OK ? TDV_OK : TDV_ETRAIN;
}

/* Read the virtual chip; chip.read and chip.aa_ca from the report. */
static int
chip_read(tdv_inspection *ins, const char *doc_dir, tdv_lds **lds_out)
{
	char path[TDV__TRAIN_PATH_MAX], cj[TDV__TRAIN_PATH_MAX];
	int rc = tdv__train_path(path, sizeof(path), "%s/chip", doc_dir);
	if (rc != TDV_OK ||
	    (rc = tdv__train_path(cj, sizeof(cj), "%s/chip.json", doc_dir)) !=
		TDV_OK)
		return rc;
	json_t *o = load_json(cj);
	tdv_emu_options eo;
	tdv_emu_options_default(&eo);
	eo.clone = o != NULL && json_is_true(json_object_get(o, "clone"));
	json_decref(o);

	tdv_emu *emu = NULL;
	tdv_chip_transport *t = NULL;
	tdv_chip *chip = NULL;
	tdv_lds *lds = NULL;
	if ((rc = tdv_emu_load_dir(&emu, path, &eo)) != TDV_OK)
		return tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_FAIL,
		    "no chip answers", "chip_forged");
	const tdv_mrz *m = tdv_inspection_mrz(ins);
	tdv_chip_mrz_key key;
	if (m == NULL || tdv_chip_mrz_key_from_mrz(&key, m) != TDV_OK) {
		tdv_emu_free(&emu);
		return tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_SKIP,
		    "no MRZ to open the chip with", NULL);
	}
	lds = tdv_lds_new();
	if (lds == NULL || (rc = tdv_emu_transport(emu, &t)) != TDV_OK ||
	    (rc = tdv_chip_new(&chip, t)) != TDV_OK) {
		rc = rc ? rc : TDV_ENOMEM;
		goto out;
	}
	tdv_chip_read_options ro;
	memset(&ro, 0, sizeof(ro));
	ro.mrz = &key;
	tdv_chip_report rep;
	memset(&rep, 0, sizeof(rep));
	int rr = tdv_chip_read_document(chip, &ro, lds, &rep);
	char msg[200];
	if (rr != TDV_OK) {
		snprintf(msg, sizeof(msg), "chip could not be read: %s",
		    tdv_strerror(rr));
		rc = tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_FAIL,
		    msg, "chip_forged");
		goto out;
	}
	snprintf(msg, sizeof(msg), "read with %s: %d files, %zu bytes",
	    rep.access == TDV_CHIP_ACCESS_PACE ? "PACE" : "BAC", rep.nfiles,
	    rep.bytes);
	if ((rc = tdv_inspection_add_check(ins, "chip.read", TDV_INSPECT_PASS,
		 msg, NULL)) != TDV_OK)
		goto out;
	if (rep.aa_rc == TDV_ECHIP_AUTH || rep.ca_rc == TDV_ECHIP_AUTH) {
		snprintf(msg, sizeof(msg),
		    "%s failed: the chip does not hold its private key "
		    "(cloned chip)",
		    rep.aa_rc == TDV_ECHIP_AUTH && rep.ca_rc == TDV_ECHIP_AUTH ?
			"Active and Chip Authentication" :
		    rep.aa_rc == TDV_ECHIP_AUTH ? "Active Authentication" :
						  "Chip Authentication");
		rc = tdv_inspection_add_check(ins, "chip.aa_ca", TDV_INSPECT_FAIL,
		    msg, "chip_clone");
	} else if (rep.aa_rc == TDV_OK || rep.ca_rc == TDV_OK) {
		snprintf(msg, sizeof(msg), "%s passed",
		    rep.aa_rc == TDV_OK && rep.ca_rc == TDV_OK ?
			"Active and Chip Authentication" :
		    rep.aa_rc == TDV_OK ? "Active Authentication" :
					  "Chip Authentication");
		rc = tdv_inspection_add_check(ins, "chip.aa_ca", TDV_INSPECT_PASS,
		    msg, NULL);
	} else {
		rc = tdv_inspection_add_check(ins, "chip.aa_ca", TDV_INSPECT_WARN,
		    "the chip offers neither Active nor Chip Authentication",
		    NULL);
	}
	if (rc != TDV_OK)
		goto out;
	*lds_out = lds;
	lds = NULL;
out:
	tdv_lds_free(&lds);
	tdv_chip_free(&chip);
	tdv_chip_transport_free(&t);
	tdv_emu_free(&emu);
	return rc;
}

int
tdv_train_inspect_doc(const char *set_dir, int index, const tdv_date *today,
    tdv_buf *out, int *verdict, tdv_train_defects *caught)
{
	char dir[TDV__TRAIN_PATH_MAX], path[TDV__TRAIN_PATH_MAX];
	if (set_dir == NULL || today == NULL || out == NULL || index < 0 ||
	    index >= TDV_TRAIN_MAX_DOCS)
		return TDV_EINVAL;
	int rc = tdv__train_path(dir, sizeof(dir), "%s/doc-%02d", set_dir,
	    index + 1);
	if (rc != TDV_OK ||
	    (rc = tdv__train_path(path, sizeof(path), "%s/mrz.txt", dir)) !=
		TDV_OK)
		return rc;
	tdv_buf mrz;
	if ((rc = tdv__train_read(path, 512, &mrz)) != TDV_OK)
		return rc == TDV_ENOENT ? TDV_ENOENT : rc;

	tdv_inspection *ins = NULL;
	tdv_sltd *sltd = NULL;
	tdv_watchlist *wl = NULL;
	tdv_lds *lds = NULL;
	tdv_trust *trust = NULL;
	if ((rc = tdv_inspection_new(&ins)) != TDV_OK)
		goto out;
	tdv_inspect_policy pol;
	tdv_inspect_policy_default(&pol);
	pol.require_chip = true;
	pol.sltd_max_age_days = 0; /* the exercise's list is as of its day */
	if ((rc = tdv_inspection_set_today(ins, today)) != TDV_OK ||
	    (rc = tdv_inspection_set_policy(ins, &pol)) != TDV_OK ||
	    (rc = tdv_inspection_set_mrz_text(ins, tdv_buf_cstr(&mrz), mrz.len,
		 TDV_EVIDENCE_SWIPE)) != TDV_OK)
		goto out;

	if ((rc = chip_read(ins, dir, &lds)) != TDV_OK)
		goto out;
	if (lds != NULL) {
		const uint8_t *d;
		size_t dl;
		if (tdv_lds_get(lds, TDV_EF_DG1, &d, &dl) == TDV_OK) {
			tdv_lds_dg1 *dg1 = malloc(sizeof(*dg1));
			if (dg1 == NULL) {
				rc = TDV_ENOMEM;
				goto out;
			}
			if (tdv_lds_parse_dg1(d, dl, today, dg1) == TDV_OK)
				rc = tdv_inspection_set_chip_dg1(ins, &dg1->mrz);
			free(dg1);
			if (rc != TDV_OK)
				goto out;
		}
		trust = tdv_trust_new();
		if (trust == NULL) {
			rc = TDV_ENOMEM;
			goto out;
		}
		if ((rc = tdv__train_path(path, sizeof(path), "%s/trust",
			 set_dir)) != TDV_OK ||
		    (rc = tdv_trust_load_dir(trust, path, NULL)) != TDV_OK)
			goto out;
		tdv_pa_options po;
		memset(&po, 0, sizeof(po));
		po.today = *today;
		po.printed_mrz = tdv_buf_cstr(&mrz);
		po.printed_mrz_len = mrz.len;
		tdv_pa_result *pa = malloc(sizeof(*pa));
		if (pa == NULL) {
			rc = TDV_ENOMEM;
			goto out;
		}
		rc = tdv_pa_verify(trust, lds, &po, pa);
		if (rc == TDV_OK)
			rc = tdv_inspection_add_pa(ins, pa);
		free(pa);
		if (rc != TDV_OK)
			goto out;
	}
	if ((rc = photo_check(ins, dir, lds)) != TDV_OK ||
	    (rc = viz_check(ins, dir)) != TDV_OK)
		goto out;
	if ((rc = tdv__train_path(path, sizeof(path), "%s/sltd.idx",
		 set_dir)) != TDV_OK)
		goto out;
	if (tdv_sltd_open(path, &sltd) == TDV_OK &&
	    (rc = tdv_inspection_set_sltd(ins, sltd)) != TDV_OK)
		goto out;
	if ((rc = load_watchlist(set_dir, &wl)) != TDV_OK ||
	    (wl != NULL &&
		(rc = tdv_inspection_set_watchlist(ins, wl)) != TDV_OK) ||
	    (rc = tdv_inspection_run(ins)) != TDV_OK)
		goto out;

	tdv_train_defects got = 0;
	for (int d = 0; d < TDV_TRAIN_NDEFECTS; d++) {
		const tdv_inspect_check *c = tdv_inspection_find(ins,
		    tdv_train_defect_check((tdv_train_defect)d));
		/* a watchlist hit is a referral (WARN), the rest fail */
		if (c != NULL && (c->status == TDV_INSPECT_FAIL ||
		    (d == TDV_TRAIN_WATCHLIST && c->status == TDV_INSPECT_WARN)))
			got |= 1u << d;
	}
	tdv_json j;
	tdv_json_init(&j, out);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "training");
	tdv_json_bool(&j, true);
	tdv_json_key(&j, "index");
	tdv_json_int(&j, index);
	tdv_inspection_json_members(ins, &j);
	tdv_json_object_end(&j);
	if ((rc = tdv_json_error(&j)) != TDV_OK)
		goto out;
	if (verdict != NULL)
		*verdict = (int)tdv_inspection_verdict(ins);
	if (caught != NULL)
		*caught = got;
out:
	tdv_buf_free(&mrz);
	tdv_sltd_free(&sltd);
	tdv_watchlist_free(&wl);
	tdv_trust_free(&trust);
	tdv_lds_free(&lds);
	tdv_inspection_free(&ins);
	return rc;
}
