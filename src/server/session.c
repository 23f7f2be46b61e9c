/*
 * Sessions, login throttling and pending inspections: the station's
 * in-memory state about who is logged in and what they are doing.
 *
 * A session id is 256 random bits, created only at a successful login
 * (an id the client offers is never adopted: no session fixation), and
 * ends after an idle timeout, an absolute lifetime or logout. Each
 * session has its own CSRF token. Login is limited per client address
 * (attempts per minute) and per account (failures before a lockout).
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "server_int.h"
#include "tdv/error.h"

int
tdv__srv_random_hex(char *out, size_t nbytes)
{
	unsigned char raw[64];
	static const char hex[] = "0123456789abcdef";
	if (nbytes > sizeof(raw) || RAND_bytes(raw, (int)nbytes) != 1)
		return TDV_ECRYPTO;
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * nbytes] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	return TDV_OK;
}

int
tdv__srv_sessions_init(tdv_server *s)
{
	s->sessions = calloc(SRV_MAX_SESSIONS, sizeof(*s->sessions));
	return s->sessions != NULL ? TDV_OK : TDV_ENOMEM;
}

void
tdv__srv_sessions_free(tdv_server *s)
{
	if (s->sessions == NULL)
		return;
	OPENSSL_cleanse(s->sessions, SRV_MAX_SESSIONS * sizeof(*s->sessions));
	free(s->sessions);
	s->sessions = NULL;
}

static bool
expired(const tdv_server *s, const srv_session *x, int64_t now)
{
	return now - x->last_ms > (int64_t)s->cfg.session_idle_s * 1000 ||
	    now - x->created_ms > (int64_t)SRV_SESSION_ABSOLUTE_S * 1000;
}

bool
tdv__srv_session_lookup(tdv_server *s, const char *value, srv_session *out)
{
	if (value == NULL || strlen(value) != 64)
		return false;
	int64_t now = tdv__srv_now_ms();
	bool found = false;
	pthread_mutex_lock(&s->sess_mu);
	for (size_t i = 0; i < SRV_MAX_SESSIONS; i++) {
		srv_session *x = &s->sessions[i];
		if (!x->used || CRYPTO_memcmp(x->id, value, 64) != 0)
			continue;
		if (expired(s, x, now)) {
			OPENSSL_cleanse(x, sizeof(*x));
			break;
		}
		x->last_ms = now;
		*out = *x;
		found = true;
		break;
	}
	pthread_mutex_unlock(&s->sess_mu);
	return found;
}

int
tdv__srv_session_create(tdv_server *s, const tdv_officer *o, srv_session *out)
{
	srv_session n;
	memset(&n, 0, sizeof(n));
	if (tdv__srv_random_hex(n.id, 32) != TDV_OK ||
	    tdv__srv_random_hex(n.csrf, 32) != TDV_OK)
		return TDV_ECRYPTO;
	n.used = true;
	snprintf(n.officer, sizeof(n.officer), "%s", o->id);
	snprintf(n.name, sizeof(n.name), "%s", o->name);
	n.role = o->role;
	n.created_ms = n.last_ms = tdv__srv_now_ms();
	pthread_mutex_lock(&s->sess_mu);
	/* a free or expired slot; else the least recently used one */
	size_t pick = 0;
	int64_t oldest = INT64_MAX;
	for (size_t i = 0; i < SRV_MAX_SESSIONS; i++) {
		srv_session *x = &s->sessions[i];
		if (!x->used || expired(s, x, n.last_ms)) {
			pick = i;
			break;
		}
		if (x->last_ms < oldest) {
			oldest = x->last_ms;
			pick = i;
		}
	}
	s->sessions[pick] = n;
	pthread_mutex_unlock(&s->sess_mu);
	*out = n;
	OPENSSL_cleanse(&n, sizeof(n));
	return TDV_OK;
}

void
tdv__srv_session_destroy(tdv_server *s, const char *id)
{
	pthread_mutex_lock(&s->sess_mu);
	for (size_t i = 0; i < SRV_MAX_SESSIONS; i++) {
		srv_session *x = &s->sessions[i];
		if (x->used && strcmp(x->id, id) == 0)
			OPENSSL_cleanse(x, sizeof(*x));
	}
	pthread_mutex_unlock(&s->sess_mu);
}

void
tdv__srv_session_destroy_officer(tdv_server *s, const char *officer)
{
	pthread_mutex_lock(&s->sess_mu);
	for (size_t i = 0; i < SRV_MAX_SESSIONS; i++) {
		srv_session *x = &s->sessions[i];
		if (x->used && strcmp(x->officer, officer) == 0)
			OPENSSL_cleanse(x, sizeof(*x));
	}
	pthread_mutex_unlock(&s->sess_mu);
}

/* ---- login throttling ---- */

static srv_throttle *
slot(srv_throttle *tab, const char *key, int64_t now, bool create)
{
	srv_throttle *free_slot = NULL, *oldest = &tab[0];
	for (size_t i = 0; i < SRV_THROTTLE_SLOTS; i++) {
		srv_throttle *t = &tab[i];
		if (t->key[0] != '\0' && strcmp(t->key, key) == 0)
			return t;
		if (t->key[0] == '\0' && free_slot == NULL)
			free_slot = t;
		if (t->window_ms < oldest->window_ms &&
		    t->locked_until_ms < now)
			oldest = t;
	}
	if (!create)
		return NULL;
	srv_throttle *t = free_slot != NULL ? free_slot : oldest;
	memset(t, 0, sizeof(*t));
	snprintf(t->key, sizeof(t->key), "%s", key);
	t->window_ms = now;
	return t;
}

int
tdv__srv_login_allowed(tdv_server *s, const char *addr, const char *account,
    int *retry_s)
{
	int64_t now = tdv__srv_now_ms();
	int rc = TDV_OK;
	*retry_s = 0;
	pthread_mutex_lock(&s->sess_mu);
	srv_throttle *a = slot(s->addresses, addr, now, true);
	if (now - a->window_ms > 60000) {
		a->window_ms = now;
		a->count = 0;
	}
	if (++a->count > s->cfg.login_per_minute) {
		*retry_s = (int)((a->window_ms + 60000 - now) / 1000) + 1;
		rc = TDV_EBUSY;
	}
	srv_throttle *u = slot(s->accounts, account, now, false);
	if (rc == TDV_OK && u != NULL && u->locked_until_ms > now) {
		*retry_s = (int)((u->locked_until_ms - now) / 1000) + 1;
		rc = TDV_EBUSY;
	}
	pthread_mutex_unlock(&s->sess_mu);
	return rc;
}

void
tdv__srv_login_result(tdv_server *s, const char *addr, const char *account,
    bool ok)
{
	(void)addr;
	int64_t now = tdv__srv_now_ms();
	pthread_mutex_lock(&s->sess_mu);
	srv_throttle *u = slot(s->accounts, account, now, !ok);
	if (u != NULL) {
		if (ok) {
			memset(u, 0, sizeof(*u));
		} else {
			if (now - u->window_ms > (int64_t)s->cfg.lockout_s * 1000) {
				u->window_ms = now;
				u->count = 0;
			}
			if (++u->count >= s->cfg.login_max_failures) {
				u->locked_until_ms = now +
				    (int64_t)s->cfg.lockout_s * 1000;
				u->count = 0;
				u->window_ms = now;
			}
		}
	}
	pthread_mutex_unlock(&s->sess_mu);
}

/* ---- pending inspections ---- */

static void
pending_clear(srv_pending *p)
{
	if (p->m != NULL) {
		OPENSSL_cleanse(p->m, sizeof(*p->m));
		free(p->m);
	}
	if (p->photo != NULL) {
		OPENSSL_cleanse(p->photo, p->photo_len);
		free(p->photo);
	}
	memset(p, 0, sizeof(*p));
}

int
tdv__srv_pending_put(tdv_server *s, const char *officer, bool live,
    tdv_movement *m, uint8_t *photo, size_t photo_len, char id_out[33])
{
	char id[33];
	if (tdv__srv_random_hex(id, 16) != TDV_OK)
		return TDV_ECRYPTO;
	int64_t now = tdv__srv_now_ms();
	pthread_mutex_lock(&s->pend_mu);
	size_t pick = 0;
	int64_t oldest = INT64_MAX;
	for (size_t i = 0; i < SRV_MAX_PENDING; i++) {
		srv_pending *p = &s->pending[i];
		if (!p->used || now - p->time_ms > SRV_PENDING_TTL_MS) {
			pick = i;
			break;
		}
		if (p->time_ms < oldest) {
			oldest = p->time_ms;
			pick = i;
		}
	}
	srv_pending *p = &s->pending[pick];
	pending_clear(p);
	p->used = true;
	memcpy(p->id, id, sizeof(p->id));
	snprintf(p->officer, sizeof(p->officer), "%s", officer);
	p->time_ms = now;
	p->live = live;
	p->m = m;
	p->photo = photo;
	p->photo_len = photo_len;
	pthread_mutex_unlock(&s->pend_mu);
	memcpy(id_out, id, 33);
	return TDV_OK;
}

static srv_pending *
pending_find(tdv_server *s, const char *id, const char *officer)
{
	int64_t now = tdv__srv_now_ms();
	for (size_t i = 0; i < SRV_MAX_PENDING; i++) {
		srv_pending *p = &s->pending[i];
		if (p->used && strcmp(p->id, id) == 0 &&
		    strcmp(p->officer, officer) == 0 &&
		    now - p->time_ms <= SRV_PENDING_TTL_MS)
			return p;
	}
	return NULL;
}

int
tdv__srv_pending_take(tdv_server *s, const char *id, const char *officer,
    srv_pending *out)
{
	pthread_mutex_lock(&s->pend_mu);
	srv_pending *p = pending_find(s, id, officer);
	if (p != NULL) {
		*out = *p;
		memset(p, 0, sizeof(*p));
	}
	pthread_mutex_unlock(&s->pend_mu);
	return p != NULL ? TDV_OK : TDV_ENOENT;
}

int
tdv__srv_pending_photo(tdv_server *s, const char *id, const char *officer,
    tdv_buf *out)
{
	int rc = TDV_ENOENT;
	pthread_mutex_lock(&s->pend_mu);
	srv_pending *p = pending_find(s, id, officer);
	if (p != NULL && p->photo != NULL)
		rc = tdv_buf_append(out, p->photo, p->photo_len);
	pthread_mutex_unlock(&s->pend_mu);
	return rc;
}

void
tdv__srv_pending_free_all(tdv_server *s)
{
	for (size_t i = 0; i < SRV_MAX_PENDING; i++)
		pending_clear(&s->pending[i]);
}
