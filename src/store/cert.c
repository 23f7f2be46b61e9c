/*
 * The register of checkpoint certificates (schema 4): what the sync CA
 * issued, what was revoked, and the per-connection check of the sync
 * server. Every change is audited in the centre's chain ('-').
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"
#include "tdv/error.h"

static bool
serial_ok(const char *s)
{
	size_t n = s ? strnlen(s, TDV_CERT_SERIAL_MAX + 1) : 0;
	if (n == 0 || n > TDV_CERT_SERIAL_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool
reason_ok(const char *r)
{
	size_t n = strnlen(r, TDV_CERT_REASON_MAX + 1);
	if (n > TDV_CERT_REASON_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)r[i] < 0x20 || r[i] == 0x7f)
			return false;
	return true;
}

#define CERT_COLS                                                                  \
	"serial, checkpoint_id, sha256, not_before_ms, not_after_ms, issued_ms,"    \
	" replaces, first_used_ms, revoked_ms, revoked_reason, revoked_by"

struct cert_ctx {
	tdv_cert_cb cb;
	void *ctx;
	tdv_cert_rec *one;
};

static int
cert_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	struct cert_ctx *c = ctx;
	tdv_cert_rec r;
	memset(&r, 0, sizeof(r));
	if (n < 11 || tdv__copy_str(r.serial, sizeof(r.serial), v[0]) != TDV_OK ||
	    tdv__copy_str(r.checkpoint, sizeof(r.checkpoint), v[1]) != TDV_OK ||
	    tdv__copy_str(r.sha256, sizeof(r.sha256), v[2]) != TDV_OK ||
	    tdv__parse_i64(v[3], &r.not_before_ms) != TDV_OK ||
	    tdv__parse_i64(v[4], &r.not_after_ms) != TDV_OK ||
	    tdv__parse_i64(v[5], &r.issued_ms) != TDV_OK ||
	    tdv__copy_str(r.replaces, sizeof(r.replaces), v[6]) != TDV_OK ||
	    tdv__parse_i64(v[7], &r.first_used_ms) != TDV_OK ||
	    tdv__parse_i64(v[8], &r.revoked_ms) != TDV_OK ||
	    tdv__copy_str(r.revoked_reason, sizeof(r.revoked_reason), v[9]) != TDV_OK ||
	    tdv__copy_str(r.revoked_by, sizeof(r.revoked_by), v[10]) != TDV_OK)
		return TDV_ESTORE;
	if (c->one != NULL) {
		*c->one = r;
		return 1;
	}
	return c->cb(c->ctx, &r);
}

static int
cert_get(tdv_store *s, const char *serial, tdv_cert_rec *out, bool *found)
{
	memset(out, 0, sizeof(*out));
	struct cert_ctx c = {NULL, NULL, out};
	tdv__param p[] = {TDV__TEXT(serial)};
	int rc = tdv__exec(s, "SELECT " CERT_COLS " FROM sync_cert WHERE serial = $1", p, 1,
	    cert_row, &c);
	*found = rc == TDV_OK && out->serial[0] != '\0';
	return rc;
}

/* Revoke one registered certificate inside the caller's transaction;
 * *done: it was not revoked before. */
static int
revoke_one(tdv_store *s, const char *serial, const char *reason, const char *actor,
    int64_t now, bool *done)
{
	int64_t changed = 0;
	tdv__param p[] = {TDV__TEXT(serial), TDV__INT(now), TDV__TEXT(reason),
	    TDV__TEXT(actor)};
	int rc = tdv__exec_changes(s,
	    "UPDATE sync_cert SET revoked_ms = $2, revoked_reason = $3, revoked_by = $4"
	    " WHERE serial = $1 AND revoked_ms = 0",
	    p, 4, &changed);
	*done = rc == TDV_OK && changed == 1;
	return rc;
}

int
tdv_store_cert_add(tdv_store *s, const tdv_cert_rec *c)
{
	if (s == NULL || c == NULL || !serial_ok(c->serial) || !tdv__id_ok(c->checkpoint) ||
	    strlen(c->sha256) != 64 || (c->replaces[0] != '\0' && !serial_ok(c->replaces)))
		return TDV_EINVAL;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	int64_t now = tdv_store_now_ms();
	tdv__param p[] = {TDV__TEXT(c->serial), TDV__TEXT(c->checkpoint), TDV__TEXT(c->sha256),
	    TDV__INT(c->not_before_ms), TDV__INT(c->not_after_ms), TDV__INT(now),
	    TDV__TEXT(c->replaces)};
	rc = tdv__exec(s,
	    "INSERT INTO sync_cert (" CERT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, '', '')",
	    p, 7, NULL, NULL);
	char detail[400];
	snprintf(detail, sizeof(detail), "issued serial=%s sha256=%s%s%s", c->serial, c->sha256,
	    c->replaces[0] ? " renews=" : "", c->replaces);
	if (rc == TDV_OK)
		rc = tdv__audit_append(s, NULL, "sync", "checkpoint.cert", c->checkpoint, detail, 0,
		    NULL);
	/* an earlier renewal of the same certificate that was never used
	 * (its reply lost, say) is superseded by this one */
	if (rc == TDV_OK && c->replaces[0] != '\0') {
		tdv__param q[] = {TDV__TEXT(c->replaces), TDV__TEXT(c->serial), TDV__INT(now)};
		rc = tdv__exec(s,
		    "UPDATE sync_cert SET revoked_ms = $3, revoked_reason = 'superseded by a later"
		    " renewal', revoked_by = 'sync' WHERE replaces = $1 AND serial <> $2"
		    " AND first_used_ms = 0 AND revoked_ms = 0",
		    q, 3, NULL, NULL);
	}
	return tdv__tx_end(s, rc);
}

int
tdv_store_cert_get(tdv_store *s, const char *serial, tdv_cert_rec *out)
{
	if (s == NULL || out == NULL || !serial_ok(serial))
		return TDV_EINVAL;
	bool found = false;
	int rc = cert_get(s, serial, out, &found);
	return rc == TDV_OK && !found ? TDV_ENOENT : rc;
}

int
tdv_store_cert_list(tdv_store *s, const char *checkpoint, tdv_cert_cb cb, void *ctx)
{
	if (s == NULL || cb == NULL || (checkpoint != NULL && !tdv__id_ok(checkpoint)))
		return TDV_EINVAL;
	struct cert_ctx c = {cb, ctx, NULL};
	if (checkpoint == NULL)
		return tdv__exec(s,
		    "SELECT " CERT_COLS " FROM sync_cert ORDER BY checkpoint_id, issued_ms DESC,"
		    " serial",
		    NULL, 0, cert_row, &c);
	tdv__param p[] = {TDV__TEXT(checkpoint)};
	return tdv__exec(s,
	    "SELECT " CERT_COLS " FROM sync_cert WHERE checkpoint_id = $1"
	    " ORDER BY issued_ms DESC, serial",
	    p, 1, cert_row, &c);
}

struct serials {
	char list[64][TDV_CERT_SERIAL_MAX + 1];
	int n;
	bool more;
};

static int
serial_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	struct serials *a = ctx;
	if (n < 1)
		return TDV_ESTORE;
	if (a->n == 64) {
		a->more = true;
		return 1;
	}
	return tdv__copy_str(a->list[a->n++], sizeof(a->list[0]), v[0]) == TDV_OK ? 0 : TDV_ESTORE;
}

/* Revoke, level by level, the certificates that renew serial (and
 * their renewals); bounded. */
static int
revoke_renewals(tdv_store *s, const char *serial, const char *reason, const char *by,
    int64_t now, int *count)
{
	char cur[TDV_CERT_SERIAL_MAX + 1];
	snprintf(cur, sizeof(cur), "%s", serial);
	char why[TDV_CERT_REASON_MAX + 1];
	snprintf(why, sizeof(why), "renewed from a revoked certificate: %s", reason);
	int rc = TDV_OK;
	for (int depth = 0; depth < 1000 && rc == TDV_OK; depth++) {
		struct serials a;
		memset(&a, 0, sizeof(a));
		tdv__param p[] = {TDV__TEXT(cur)};
		rc = tdv__exec(s, "SELECT serial FROM sync_cert WHERE replaces = $1 ORDER BY serial",
		    p, 1, serial_row, &a);
		if (rc != TDV_OK || a.n == 0)
			break;
		for (int i = 0; i < a.n && rc == TDV_OK; i++) {
			bool done = false;
			rc = revoke_one(s, a.list[i], why, by, now, &done);
			*count += done ? 1 : 0;
			if (rc == TDV_OK && i > 0)
				rc = revoke_renewals(s, a.list[i], reason, by, now, count);
		}
		snprintf(cur, sizeof(cur), "%s", a.list[0]);
	}
	return rc;
}

int
tdv_store_cert_revoke(tdv_store *s, const char *checkpoint, const char *serial,
    const char *reason, const char *actor, int *count)
{
	if (s == NULL || count == NULL || (checkpoint == NULL) == (serial == NULL) ||
	    (checkpoint != NULL && !tdv__id_ok(checkpoint)) ||
	    (serial != NULL && !serial_ok(serial)) || reason == NULL || !reason_ok(reason) ||
	    (actor != NULL && !tdv__id_ok(actor)))
		return TDV_EINVAL;
	*count = 0;
	const char *by = actor ? actor : "admin";
	int64_t now = tdv_store_now_ms();
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	char detail[400];
	if (serial != NULL) {
		tdv_cert_rec cur;
		bool found = false, done = false;
		rc = cert_get(s, serial, &cur, &found);
		if (rc == TDV_OK && !found) {
			/* not issued through the register: record it revoked */
			tdv__param p[] = {TDV__TEXT(serial), TDV__INT(now), TDV__TEXT(reason),
			    TDV__TEXT(by)};
			rc = tdv__exec(s,
			    "INSERT INTO sync_cert (" CERT_COLS ") VALUES ($1, '', '', 0, 0, $2, '',"
			    " 0, $2, $3, $4)",
			    p, 4, NULL, NULL);
			done = rc == TDV_OK;
		} else if (rc == TDV_OK) {
			rc = revoke_one(s, serial, reason, by, now, &done);
		}
		*count = done ? 1 : 0;
		/* certificates obtained by renewing with it go too: whoever
		 * held its key could have renewed */
		int renewals = 0;
		if (rc == TDV_OK && found)
			rc = revoke_renewals(s, serial, reason, by, now, &renewals);
		*count += renewals;
		snprintf(detail, sizeof(detail), "serial=%s%s reason=%s%s", serial,
		    found ? "" : " (not registered)", reason,
		    renewals ? " (and the certificates renewed from it)" : "");
		if (rc == TDV_OK)
			rc = tdv__audit_append(s, NULL, by, "checkpoint.revoke",
			    found ? cur.checkpoint : "-", detail, 0, NULL);
		return tdv__tx_end(s, rc);
	}
	/* the whole checkpoint: its registered certificates, and the cut-off
	 * for certificates it holds that the register does not know */
	for (;;) {
		struct serials a;
		memset(&a, 0, sizeof(a));
		tdv__param p[] = {TDV__TEXT(checkpoint)};
		rc = tdv__exec(s,
		    "SELECT serial FROM sync_cert WHERE checkpoint_id = $1 AND revoked_ms = 0"
		    " ORDER BY serial",
		    p, 1, serial_row, &a);
		for (int i = 0; i < a.n && rc == TDV_OK; i++) {
			bool done = false;
			rc = revoke_one(s, a.list[i], reason, by, now, &done);
			*count += done ? 1 : 0;
		}
		if (rc != TDV_OK || !a.more)
			break;
	}
	tdv__param k[] = {TDV__TEXT(checkpoint)};
	if (rc == TDV_OK)
		rc = tdv__exec(s, "DELETE FROM sync_cert_cutoff WHERE checkpoint_id = $1", k, 1, NULL,
		    NULL);
	if (rc == TDV_OK) {
		tdv__param p[] = {TDV__TEXT(checkpoint), TDV__INT(now), TDV__TEXT(reason),
		    TDV__TEXT(by)};
		rc = tdv__exec(s,
		    "INSERT INTO sync_cert_cutoff (checkpoint_id, revoked_ms, reason, revoked_by)"
		    " VALUES ($1, $2, $3, $4)",
		    p, 4, NULL, NULL);
	}
	snprintf(detail, sizeof(detail), "all certificates (%d registered) reason=%s", *count,
	    reason);
	if (rc == TDV_OK)
		rc = tdv__audit_append(s, NULL, by, "checkpoint.revoke", checkpoint, detail, 0,
		    NULL);
	return tdv__tx_end(s, rc);
}

static void
iso_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%lld ms", (long long)ms);
}

struct cutoff {
	int64_t revoked_ms;
	char reason[TDV_CERT_REASON_MAX + 1];
	bool found;
};

static int
cutoff_row(void *ctx, int n, const char *const *v, const size_t *l)
{
	(void)l;
	struct cutoff *c = ctx;
	if (n < 2 || tdv__parse_i64(v[0], &c->revoked_ms) != TDV_OK ||
	    tdv__copy_str(c->reason, sizeof(c->reason), v[1]) != TDV_OK)
		return TDV_ESTORE;
	c->found = true;
	return 1;
}

int
tdv_store_cert_check(tdv_store *s, const char *serial, const char *checkpoint,
    int64_t not_before_ms, char *why, size_t whysz)
{
	if (why != NULL && whysz > 0)
		why[0] = '\0';
	if (s == NULL || !serial_ok(serial) || !tdv__id_ok(checkpoint) || why == NULL)
		return TDV_EINVAL;
	int rc = tdv__tx_begin(s);
	if (rc != TDV_OK)
		return rc;
	tdv_cert_rec c;
	bool found = false;
	char when[32];
	rc = cert_get(s, serial, &c, &found);
	if (rc == TDV_OK && found) {
		if (c.revoked_ms != 0) {
			iso_time(c.revoked_ms, when);
			snprintf(why, whysz, "certificate %s revoked %s: %s", serial, when,
			    c.revoked_reason);
			rc = TDV_ESYNC_REVOKED;
		} else if (strcmp(c.checkpoint, checkpoint) != 0) {
			snprintf(why, whysz, "certificate %s is registered to another checkpoint",
			    serial);
			rc = TDV_ESYNC_REVOKED;
		} else if (c.first_used_ms == 0) {
			/* first use: a renewal is now known to work, the
			 * certificate it replaces goes */
			int64_t now = tdv_store_now_ms();
			tdv__param p[] = {TDV__TEXT(serial), TDV__INT(now)};
			rc = tdv__exec(s, "UPDATE sync_cert SET first_used_ms = $2 WHERE serial = $1",
			    p, 2, NULL, NULL);
			bool done = false;
			if (rc == TDV_OK && c.replaces[0] != '\0')
				rc = revoke_one(s, c.replaces, "superseded by renewal", "sync", now,
				    &done);
			if (rc == TDV_OK && done) {
				char detail[400];
				snprintf(detail, sizeof(detail),
				    "serial=%s reason=superseded by renewal (first use of %s)",
				    c.replaces, serial);
				rc = tdv__audit_append(s, NULL, "sync", "checkpoint.revoke",
				    checkpoint, detail, 0, NULL);
			}
		}
		return tdv__tx_end(s, rc);
	}
	struct cutoff cut;
	memset(&cut, 0, sizeof(cut));
	if (rc == TDV_OK) {
		tdv__param p[] = {TDV__TEXT(checkpoint)};
		rc = tdv__exec(s,
		    "SELECT revoked_ms, reason FROM sync_cert_cutoff WHERE checkpoint_id = $1", p,
		    1, cutoff_row, &cut);
	}
	if (rc == TDV_OK && cut.found && not_before_ms <= cut.revoked_ms) {
		iso_time(cut.revoked_ms, when);
		snprintf(why, whysz, "certificates of checkpoint %s revoked %s: %s", checkpoint,
		    when, cut.reason);
		rc = TDV_ESYNC_REVOKED;
	}
	return tdv__tx_end(s, rc);
}
