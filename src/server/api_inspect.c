/*
 * API for the lane: login and session, primary inspection (typed or
 * pasted MRZ, an image for the OCR, the chip), the officer's decision,
 * and the demo documents.
 *
 * An inspection's result stays on the server (a pending inspection bound
 * to the officer) until the decision: the browser sends only the
 * inspection id and the decision, so a verdict cannot be forged by the
 * client.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "server_int.h"
#include "tdv/error.h"
#include "tdv/image.h"
#include "tdv/ocr.h"

#define HISTORY_MAX 10

int
tdv__api_health(srv_ctx *c)
{
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "status");
	tdv_json_string(&j, "ok");
	tdv_json_object_end(&j);
	return TDV_OK;
}

static void
cookie_set(srv_ctx *c, const char *value, int max_age)
{
	snprintf(c->cookie, sizeof(c->cookie),
	    "tdv_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
	    value, max_age, c->srv->cfg.cookie_secure ? "; Secure" : "");
}

static void
session_json(srv_ctx *c, const srv_session *x)
{
	tdv_server *s = c->srv;
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_date today;
	tdv__srv_today(s, &today);
	char day[11];
	tdv_date_format_iso(&today, day);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "officer");
	tdv_json_string(&j, x->officer);
	tdv_json_key(&j, "name");
	tdv_json_string(&j, x->name);
	tdv_json_key(&j, "role");
	tdv_json_string(&j, tdv_role_name(x->role));
	tdv_json_key(&j, "csrf");
	tdv_json_string(&j, x->csrf);
	tdv_json_key(&j, "checkpoint");
	tdv_json_string(&j, s->checkpoint);
	tdv_json_key(&j, "today");
	tdv_json_string(&j, day);
	tdv_json_key(&j, "chip_sources");
	tdv_json_array_begin(&j);
	if (s->cfg.pcsc)
		tdv_json_string(&j, "pcsc");
	if (s->cfg.demo_chips_dir != NULL)
		tdv_json_string(&j, "demo");
	tdv_json_array_end(&j);
	tdv_json_object_end(&j);
}

int
tdv__api_session_get(srv_ctx *c)
{
	session_json(c, &c->sess);
	return TDV_OK;
}

static bool
valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > TDV_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			(ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
			ch == '-'))
			return false;
	}
	return true;
}

int
tdv__api_login(srv_ctx *c)
{
	tdv_server *s = c->srv;
	json_t *o = tdv__srv_body_json(c);
	if (o == NULL)
		return TDV_OK;
	bool bad = false;
	const char *jid = tdv__srv_jstr(o, "officer", TDV_ID_MAX, &bad);
	const char *pw = tdv__srv_jstr(o, "password", TDV_PASSWORD_MAX, &bad);
	if (bad || jid == NULL || pw == NULL || !valid_id(jid) || pw[0] == '\0') {
		json_decref(o);
		return tdv__srv_error(c, 400, "bad_request",
		    "officer (an id) and password are required");
	}
	/* the id outlives the parsed body */
	char id[TDV_ID_MAX + 1];
	snprintf(id, sizeof(id), "%s", jid);
	int retry = 0;
	if (tdv__srv_login_allowed(s, c->addr, id, &retry) != TDV_OK) {
		json_decref(o);
		char msg[120];
		snprintf(msg, sizeof(msg),
		    "too many login attempts; try again in %d seconds", retry);
		tdv__srv_audit(s, id, "officer.login_blocked", id, c->addr);
		return tdv__srv_error(c, 429, "locked", msg);
	}
	tdv_officer off;
	pthread_mutex_lock(&s->store_mu);
	int rc = tdv_store_officer_authenticate(s->store, id, pw, strlen(pw),
	    s->checkpoint, &off);
	pthread_mutex_unlock(&s->store_mu);
	/* the password lives in the jansson object: wipe before release */
	OPENSSL_cleanse((void *)(uintptr_t)pw, strlen(pw));
	json_decref(o);
	tdv__srv_login_result(s, c->addr, id, rc == TDV_OK);
	if (rc != TDV_OK) {
		if (rc != TDV_EAUTH)
			tdv__srv_log(s, "login: store: %s", tdv_strerror(rc));
		return tdv__srv_error(c, 401, "auth",
		    "wrong officer id or password, or the account is disabled");
	}
	/* never keep a session id the client brought along */
	if (c->have_session)
		tdv__srv_session_destroy(s, c->sess.id);
	srv_session x;
	if ((rc = tdv__srv_session_create(s, &off, &x)) != TDV_OK)
		return rc;
	cookie_set(c, x.id, SRV_SESSION_ABSOLUTE_S);
	session_json(c, &x);
	OPENSSL_cleanse(&x, sizeof(x));
	return TDV_OK;
}

int
tdv__api_logout(srv_ctx *c)
{
	tdv__srv_session_destroy(c->srv, c->sess.id);
	cookie_set(c, "", 0);
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "status");
	tdv_json_string(&j, "logged out");
	tdv_json_object_end(&j);
	return TDV_OK;
}

/* Previous movements of the document (newest first), from the index. */
static int
write_history(tdv_server *s, const tdv_mrz *m, tdv_json *j)
{
	int n = 0;
	tdv_json_key(j, "previous");
	tdv_json_array_begin(j);
	if (m != NULL && m->document_number[0] != '\0') {
		pthread_mutex_lock(&s->idx_mu);
		for (size_t i = s->nmv; i-- > 0 && n < HISTORY_MAX;) {
			const srv_mv *v = &s->mv[i];
			if (strcmp(v->number, m->document_number) == 0 &&
			    strcmp(v->state, m->issuing_state) == 0) {
				tdv__srv_mv_to_json(v, j);
				n++;
			}
		}
		pthread_mutex_unlock(&s->idx_mu);
	}
	tdv_json_array_end(j);
	return n;
}

static bool
live_role(tdv_role r)
{
	return r == TDV_ROLE_OFFICER || r == TDV_ROLE_EXAMINER;
}

/* Everything after the MRZ evidence is in: chip, screening, verdict,
 * pending entry, audit, response. */
static int
finish(srv_ctx *c, tdv_inspection *ins, const char *chip, const char *source)
{
	tdv_server *s = c->srv;
	tdv_date today;
	tdv__srv_today(s, &today);
	uint8_t *photo = NULL;
	size_t photo_len = 0;
	int rc;
	/* exercise documents of the training mode are not inspected live */
	const tdv_mrz *tm = tdv_inspection_mrz(ins);
	if (s->train != NULL && tm != NULL && tm->document_number[0] != '\0') {
		bool exercise = false;
		pthread_mutex_lock(&s->train_mu);
		rc = tdv_train_db_is_exercise_doc(s->train, tm->issuing_state,
		    tm->document_number, &exercise);
		pthread_mutex_unlock(&s->train_mu);
		if (rc != TDV_OK)
			return rc;
		if (exercise) {
			tdv__srv_audit(s, c->sess.officer,
			    "inspection.training_refused", tm->document_number,
			    source);
			return tdv__srv_error(c, 409, "training_document",
			    "this is an exercise document of the training mode: "
			    "it is inspected in training, never as live work");
		}
	}
	if (chip != NULL && chip[0] != '\0' && strcmp(chip, "none") != 0) {
		rc = tdv__srv_read_chip(s, chip, tdv_inspection_mrz(ins), &today,
		    ins, &photo, &photo_len);
		if (rc != TDV_OK)
			return rc;
	}
	tdv__srv_lists_refresh(s);
	pthread_rwlock_rdlock(&s->res_lock);
	tdv__srv_attach_screening(s, ins);
	rc = tdv_inspection_run(ins);
	pthread_rwlock_unlock(&s->res_lock);
	if (rc != TDV_OK) {
		free(photo);
		return rc;
	}
	tdv_movement *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		free(photo);
		return TDV_ENOMEM;
	}
	rc = tdv_inspection_to_movement(ins, m);
	if (rc != TDV_OK) {
		free(m);
		free(photo);
		return rc;
	}
	char id[33];
	rc = tdv__srv_pending_put(s, c->sess.officer, live_role(c->sess.role), m,
	    photo, photo_len, id);
	if (rc != TDV_OK) {
		free(m);
		free(photo);
		return rc;
	}
	const tdv_mrz *mrz = tdv_inspection_mrz(ins);
	tdv_json j;
	tdv__srv_json(c, &j);
	tdv_json_object_begin(&j);
	tdv_json_key(&j, "id");
	tdv_json_string(&j, id);
	tdv_json_key(&j, "source");
	tdv_json_string(&j, source);
	tdv_inspection_json_members(ins, &j);
	tdv_json_key(&j, "mrz_lines");
	tdv_json_array_begin(&j);
	for (int i = 0; mrz != NULL && i < mrz->nlines && i < TDV_MRZ_MAX_LINES; i++)
		tdv_json_string(&j, mrz->lines[i]);
	tdv_json_array_end(&j);
	tdv_json_key(&j, "fraud_class");
	tdv_json_string(&j, tdv_inspection_fraud_class(ins));
	tdv_json_key(&j, "photo");
	tdv_json_bool(&j, photo != NULL);
	tdv_json_key(&j, "live");
	tdv_json_bool(&j, live_role(c->sess.role));
	int nprev = write_history(s, mrz, &j);
	tdv_json_object_end(&j);

	char object[TDV_AUDIT_OBJECT_MAX + 1], detail[96];
	snprintf(object, sizeof(object), "%s:%s", mrz ? mrz->issuing_state : "",
	    mrz ? mrz->document_number : "");
	snprintf(detail, sizeof(detail), "verdict=%s source=%s chip=%s history=%d",
	    tdv_verdict_name(tdv_inspection_verdict(ins)), source,
	    chip && chip[0] ? chip : "none", nprev);
	tdv__srv_audit(s, c->sess.officer, "inspection.run", object, detail);
	return TDV_OK;
}

static int
new_inspection(tdv_server *s, tdv_inspection **ins)
{
	int rc = tdv_inspection_new(ins);
	if (rc != TDV_OK)
		return rc;
	tdv_date today;
	tdv__srv_today(s, &today);
	tdv_inspect_policy pol;
	tdv_inspect_policy_default(&pol);
	tdv_inspection_set_policy(*ins, &pol);
	return tdv_inspection_set_today(*ins, &today);
}

static bool
chip_source_ok(const char *chip)
{
	if (chip == NULL || chip[0] == '\0' || strcmp(chip, "none") == 0 ||
	    strcmp(chip, "pcsc") == 0)
		return true;
	size_t n = strlen(chip);
	return strncmp(chip, "demo-", 5) == 0 && n > 5 && n <= 7 &&
	    strspn(chip + 5, "0123456789") == n - 5;
}

int
tdv__api_inspect(srv_ctx *c)
{
	json_t *o = tdv__srv_body_json(c);
	if (o == NULL)
		return TDV_OK;
	bool bad = false;
	const char *mrz = tdv__srv_jstr(o, "mrz", 400, &bad);
	const char *chip = tdv__srv_jstr(o, "chip", 16, &bad);
	if (bad || mrz == NULL || mrz[0] == '\0') {
		json_decref(o);
		return tdv__srv_error(c, 400, "bad_request",
		    "mrz: the machine readable zone as text (at most 400 characters)");
	}
	if (!chip_source_ok(chip)) {
		json_decref(o);
		return tdv__srv_error(c, 400, "bad_request",
		    "chip: \"none\", \"pcsc\" or \"demo-N\"");
	}
	tdv_inspection *ins = NULL;
	int rc = new_inspection(c->srv, &ins);
	if (rc == TDV_OK) {
		/* trailing blanks and line breaks are not part of the MRZ */
		size_t len = strlen(mrz);
		while (len > 0 && (mrz[len - 1] == '\n' || mrz[len - 1] == '\r' ||
				      mrz[len - 1] == ' '))
			len--;
		rc = tdv_inspection_set_mrz_text(ins, mrz, len, TDV_EVIDENCE_TYPED);
		if (rc == TDV_ELIMIT || rc == TDV_EINVAL) {
			tdv__srv_error(c, 400, "bad_mrz",
			    "this text is too long or not shaped like an MRZ");
			rc = TDV_OK;
		} else {
			rc = finish(c, ins, chip, "typed");
		}
	}
	tdv_inspection_free(&ins);
	json_decref(o);
	return rc;
}

int
tdv__api_inspect_image(srv_ctx *c)
{
	tdv_server *s = c->srv;
	const char *chip = tdv__srv_query(c, "chip");
	if (!chip_source_ok(chip))
		return tdv__srv_error(c, 400, "bad_request",
		    "chip: \"none\", \"pcsc\" or \"demo-N\"");
	if (tdv_image_sniff(c->body.data, c->body.len) == TDV_IMAGE_UNKNOWN)
		return tdv__srv_error(c, 415, "not_an_image",
		    "upload a PNG or JPEG image of the data page");
	tdv_image_limits lim = {8000, 24u * 1000 * 1000};
	tdv_image *img = NULL;
	int rc = tdv_image_decode(c->body.data, c->body.len, &lim, 1, &img);
	if (rc != TDV_OK)
		return tdv__srv_error(c, 422, "bad_image", tdv_strerror(rc));
	tdv_ocr_result *res = calloc(1, sizeof(*res));
	tdv_inspection *ins = NULL;
	if (res == NULL) {
		tdv_image_free(&img);
		return TDV_ENOMEM;
	}
	tdv_date today;
	tdv__srv_today(s, &today);
	rc = tdv_ocr_read(img, &today, res);
	tdv_image_free(&img);
	if (rc == TDV_EOCR_NOMRZ || rc == TDV_ELIMIT || rc == TDV_EINVAL) {
		tdv__srv_error(c, 422, "no_mrz",
		    "no machine readable zone was found in the image; retake it "
		    "flat and sharp, or type the MRZ");
		rc = TDV_OK;
	} else if (rc == TDV_OK && (rc = new_inspection(s, &ins)) == TDV_OK &&
	    (rc = tdv_inspection_set_mrz(ins, &res->mrz, TDV_EVIDENCE_OCR)) ==
		TDV_OK) {
		rc = finish(c, ins, chip, "image");
	}
	tdv_inspection_free(&ins);
	OPENSSL_cleanse(res, sizeof(*res));
	free(res);
	return rc;
}

int
tdv__api_inspection_photo(srv_ctx *c)
{
	tdv_buf_reset(&c->out);
	int rc = tdv__srv_pending_photo(c->srv, c->arg, c->sess.officer, &c->out);
	if (rc != TDV_OK)
		return tdv__srv_error(c, 404, "not_found", "no chip photo");
	c->ctype = "image/jpeg";
	return TDV_OK;
}

static int
decision_parse(const char *v, tdv_decision *d)
{
	if (strcmp(v, "admit") == 0)
		v = "admitted";
	else if (strcmp(v, "refuse") == 0)
		v = "refused";
	else if (strcmp(v, "refer") == 0)
		v = "referred";
	return tdv_decision_parse(v, d);
}

/* The first failing (or, for REFER, doubtful) check as the reason. */
static void
default_reason(tdv_movement *m)
{
	json_error_t err;
	json_t *a = json_loads(m->checks_json, 0, &err);
	const char *want = strcmp(m->verdict, "FAIL") == 0 ? "fail" : "warn";
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		const char *st = json_string_value(json_object_get(v, "status"));
		if (st != NULL && strcmp(st, want) == 0) {
			snprintf(m->reason, sizeof(m->reason), "%.40s: %.200s",
			    json_string_value(json_object_get(v, "id")),
			    json_string_value(json_object_get(v, "message")));
			break;
		}
	}
	json_decref(a);
}

int
tdv__api_decision(srv_ctx *c)
{
	tdv_server *s = c->srv;
	json_t *o = tdv__srv_body_json(c);
	if (o == NULL)
		return TDV_OK;
	bool bad = false;
	const char *id = tdv__srv_jstr(o, "inspection", 32, &bad);
	const char *dec = tdv__srv_jstr(o, "decision", 16, &bad);
	const char *dir = tdv__srv_jstr(o, "direction", 8, &bad);
	const char *reason = tdv__srv_jstr(o, "reason", TDV_REASON_MAX, &bad);
	tdv_decision d;
	tdv_direction dv = TDV_DIR_ENTRY;
	if (bad || id == NULL || dec == NULL || decision_parse(dec, &d) != TDV_OK ||
	    (dir != NULL && tdv_direction_parse(dir, &dv) != TDV_OK)) {
		json_decref(o);
		return tdv__srv_error(c, 400, "bad_request",
		    "inspection (id), decision (admit, refuse, refer) and "
		    "direction (entry, exit) are required; reason at most 256 bytes");
	}
	if (d == TDV_DECISION_REFUSED && (reason == NULL || reason[0] == '\0')) {
		json_decref(o);
		return tdv__srv_error(c, 400, "reason_required",
		    "a refusal needs a reason");
	}
	srv_pending p;
	if (tdv__srv_pending_take(s, id, c->sess.officer, &p) != TDV_OK) {
		json_decref(o);
		return tdv__srv_error(c, 404, "not_found",
		    "no such inspection of yours (already decided or expired)");
	}
	tdv_movement *m = p.m;
	snprintf(m->checkpoint_id, sizeof(m->checkpoint_id), "%s", s->checkpoint);
	snprintf(m->officer_id, sizeof(m->officer_id), "%s", c->sess.officer);
	m->direction = dv;
	m->decision = d;
	m->time_ms = 0;
	if (reason != NULL && reason[0] != '\0')
		snprintf(m->reason, sizeof(m->reason), "%s", reason);
	else
		default_reason(m);
	json_decref(o);
	pthread_mutex_lock(&s->store_mu);
	int rc = tdv_store_record_movement(s->store, m);
	pthread_mutex_unlock(&s->store_mu);
	if (rc == TDV_OK) {
		tdv__srv_index_add(s, m);
		tdv_json j;
		tdv__srv_json(c, &j);
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "movement");
		tdv_json_object_begin(&j);
		tdv_json_key(&j, "id");
		tdv_json_string(&j, m->id);
		tdv_json_key(&j, "seq");
		tdv_json_int(&j, m->seq);
		tdv_json_key(&j, "decision");
		tdv_json_string(&j, tdv_decision_name(m->decision));
		tdv_json_key(&j, "reason");
		tdv_json_string(&j, m->reason);
		tdv_json_object_end(&j);
		tdv_json_object_end(&j);
	} else if (rc == TDV_ELIMIT || rc == TDV_EINVAL) {
		tdv__srv_error(c, 400, "bad_request", tdv_strerror(rc));
		rc = TDV_OK;
	} else {
		tdv__srv_log(s, "decision: store: %s", tdv_strerror(rc));
	}
	OPENSSL_cleanse(m, sizeof(*m));
	free(m);
	if (p.photo != NULL) {
		OPENSSL_cleanse(p.photo, p.photo_len);
		free(p.photo);
	}
	return rc;
}

int
tdv__api_demo_documents(srv_ctx *c)
{
	tdv_buf_reset(&c->out);
	c->ctype = "application/json; charset=utf-8";
	if (c->srv->demo_docs.len == 0)
		return tdv_buf_puts(&c->out, "[]");
	return tdv_buf_append(&c->out, c->srv->demo_docs.data,
	    c->srv->demo_docs.len);
}

int
tdv__api_demo_image(srv_ctx *c)
{
	tdv_server *s = c->srv;
	size_t n = strlen(c->arg);
	if (s->cfg.demo_images_dir == NULL || n < 5 || n > 7 ||
	    strcmp(c->arg + n - 4, ".png") != 0 ||
	    strspn(c->arg, "0123456789") != n - 4)
		return tdv__srv_error(c, 404, "not_found", "no such image");
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", s->cfg.demo_images_dir, c->arg);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return tdv__srv_error(c, 404, "not_found", "no such image");
	tdv_buf_reset(&c->out);
	char chunk[65536];
	size_t got;
	int rc = TDV_OK;
	while (rc == TDV_OK && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = tdv_buf_append(&c->out, chunk, got);
	fclose(f);
	if (rc != TDV_OK)
		return tdv__srv_error(c, 500, "internal", "image too large");
	c->ctype = "image/png";
	return TDV_OK;
}
